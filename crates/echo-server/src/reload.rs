//! When to replace the server's certificates while it runs: on SIGHUP, when their files change
//! (checked every second through symlinks, so atomic renames and Kubernetes-style `..data` swaps are
//! seen), and when what they staple runs out. What to load then, and what to say about it, is the caller's: it loads the files again and
//! hands them to `CertStore::replace`, which keeps the certificates in use when the new ones are
//! bad; sessions already established are never touched.

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How often the files are looked at.
const EVERY: Duration = Duration::from_secs(1);

/// Calls `on_change` with the reason (`SIGHUP` or `files changed`) whenever SIGHUP arrives or one of
/// `files` changes: once per change, however many ticks see it.
///
/// The SIGHUP handler is installed here, before the returned future first runs: a SIGHUP that arrives
/// as soon as the server says it listens must reload, not end the process (SIGHUP's default). So with
/// nothing to watch, a SIGHUP still reaches `on_change` instead of ending the process. The files are
/// looked at here too: a change made once the server says it listens, before the future first runs
/// (a busy runtime may poll it late), is a change, not the state to compare with.
pub(crate) fn on_change<F>(files: Vec<PathBuf>, due: Due, on_change: F) -> impl Future<Output = ()>
where
    F: FnMut(&'static str),
{
    #[cfg(unix)]
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    #[cfg(not(unix))]
    let hangup: Option<()> = None;
    let seen = stamp(&files);
    watch(files, seen, (due, on_change), hangup)
}

/// A time (seconds since the Unix epoch) when what is served runs out and must be loaded again (a
/// stapled OCSP response's nextUpdate); `i64::MAX` for never. The caller sets it at each load.
pub(crate) type Due = std::sync::Arc<std::sync::atomic::AtomicI64>;

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = Option<()>;

/// What a file looked like: changed when any part differs (a rename keeps the time but not the inode).
type Stamp = Option<(SystemTime, u64, u64)>;

fn stamp(files: &[PathBuf]) -> Vec<Stamp> {
    files
        .iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            #[cfg(unix)]
            let inode = std::os::unix::fs::MetadataExt::ino(&meta);
            #[cfg(not(unix))]
            let inode = 0;
            Some((meta.modified().ok()?, meta.len(), inode))
        })
        .collect()
}

async fn watch<F>(files: Vec<PathBuf>, mut seen: Vec<Stamp>, (due, mut on_change): (Due, F), mut hangup: Hangup)
where
    F: FnMut(&'static str),
{
    let mut ticks = tokio::time::interval(EVERY);
    loop {
        #[cfg(unix)]
        let asked = async {
            match hangup.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let asked = std::future::pending::<Option<()>>();
        let why = tokio::select! {
            _ = asked => "SIGHUP",
            _ = ticks.tick() => {
                let now = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX));
                if now >= due.load(std::sync::atomic::Ordering::SeqCst) {
                    // Once: the load it asks for sets the next time.
                    due.store(i64::MAX, std::sync::atomic::Ordering::SeqCst);
                    "an OCSP response ran out"
                } else if stamp(&files) == seen {
                    continue;
                } else {
                    "files changed"
                }
            }
        };
        // One call per change: a SIGHUP after editing the files is not followed by a second call when
        // the next tick sees the same change, nor is a change that cannot be loaded seen again.
        seen = stamp(&files);
        on_change(why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server says it listens once `on_change` is called; a file replaced then, before the
    /// runtime first polls the watcher, must still count as a change (CI saw it missed).
    #[tokio::test]
    async fn a_change_before_the_watcher_first_runs_is_seen() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let live = dir.path().join("live.pem");
        std::fs::write(&live, "first").expect("write the first file");
        let (told, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let watcher = on_change(vec![live.clone()], Due::new(i64::MAX.into()), move |why| {
            let _ = told.send(why);
        });
        let staged = dir.path().join(".live.pem.new");
        std::fs::write(&staged, "second, longer").expect("write the second file");
        std::fs::rename(&staged, &live).expect("rename over the live file");
        let running = tokio::spawn(watcher);
        let why = tokio::time::timeout(Duration::from_secs(10), heard.recv()).await;
        running.abort();
        assert_eq!(why, Ok(Some("files changed")));
    }
}
