//! Replacing the server's certificates while it runs: on SIGHUP, and when their files change (checked
//! every second through symlinks, so atomic renames and Kubernetes-style `..data` swaps are seen). A bad
//! new file keeps the certificates in use and says why; sessions already established are never touched.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::CertStore;
use crate::error::Result;
use crate::identity::Identity;

/// How often the files are looked at.
const EVERY: Duration = Duration::from_secs(1);

/// Reloads `certs` with what `load` returns whenever SIGHUP arrives or one of `files` changes; `load`
/// is given the reason (`SIGHUP`, `files changed`) for what it logs itself.
///
/// The SIGHUP handler is installed here, before the returned future first runs: a SIGHUP that arrives
/// as soon as the server says it listens must reload, not end the process (SIGHUP's default).
pub fn reload_on_change<L>(certs: Arc<CertStore>, files: Vec<PathBuf>, load: L) -> impl Future<Output = ()>
where
    L: FnMut(&'static str) -> Result<Vec<Identity>>,
{
    #[cfg(unix)]
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    #[cfg(not(unix))]
    let hangup: Option<()> = None;
    watch(certs, files, load, hangup)
}

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

async fn watch<L>(certs: Arc<CertStore>, files: Vec<PathBuf>, mut load: L, mut hangup: Hangup)
where
    L: FnMut(&'static str) -> Result<Vec<Identity>>,
{
    let mut seen = stamp(&files);
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
                if stamp(&files) == seen {
                    continue;
                }
                "files changed"
            }
        };
        if files.iter().any(|path| path.as_os_str() == "-") {
            tracing::warn!(
                "not reloading certificates ({why}): they were read from standard input, which cannot be read again"
            );
            continue;
        }
        // One reload per change: a SIGHUP after editing the files is not followed by a second reload
        // when the next tick sees the same change.
        seen = stamp(&files);
        match load(why).and_then(|identities| certs.replace(identities)) {
            Ok(()) => tracing::info!(
                "reloaded certificates ({why}): new connections get {}",
                certs.subjects().join(" and ")
            ),
            Err(err) => tracing::error!(
                "not reloading certificates ({why}): {}; keeping the ones in use",
                err.report()
            ),
        }
    }
}
