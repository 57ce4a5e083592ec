//! Load and exhaustion at the sizes the README's reliability table names (cases S12-S14), against the echo-server binary, reading its
//! file descriptors, sockets and memory from /proc: 10 000 idle sessions held and every descriptor given
//! back, 5 000 slow handshakes beside a good client, and floods of hostile clients with memory flat.
//! Loopback only; every loop has a fixed count and every wait is bounded.

mod common;

use std::time::{Duration, Instant};

use common::{Server, connecting};
use test_support::{
    PkiFiles, allow_open_files, bounded, close_wait_sockets, connections_held, eventually, open_fds, rss_kib,
    until_closed,
};
use tls_core::client::{self, ClientOptions};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// The tests here each use thousands of sockets and both cores; one at a time keeps them from
/// measuring each other.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Opens `count` connections with `open`, `batch` at a time, and returns them all.
async fn open_many<T, F, Fut>(count: usize, batch: usize, open: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let mut all = Vec::with_capacity(count);
    while all.len() < count {
        let mut set = JoinSet::new();
        for _ in 0..batch.min(count - all.len()) {
            set.spawn(open());
        }
        all.extend(bounded("a batch of connections", set.join_all()).await);
    }
    all
}

/// The server's descriptors when nothing is happening: the fewest of 100 readings, since it opens its
/// certificate files for a moment every second to see whether they changed.
fn resting_fds(pid: u32) -> usize {
    (0..100).map(|_| open_fds(pid)).min().expect("readings")
}

/// Waits until the server holds at least `count` connections on `port`.
async fn holding(pid: u32, port: u16, count: usize, what: &str) {
    eventually(&format!("the server holding {what}"), || {
        let held = connections_held(pid, port);
        (held >= count)
            .then_some(())
            .ok_or_else(|| format!("{held} connections held, {count} expected"))
    })
    .await;
}

/// Waits until the server holds no connection on `port`, none of its sockets there is in CLOSE_WAIT,
/// and it is back to the descriptors it had before (`fds_before`, read at rest).
async fn given_back(pid: u32, port: u16, fds_before: usize, what: &str) {
    eventually(&format!("the server giving back {what}"), || {
        let (held, open, close_wait) = (connections_held(pid, port), open_fds(pid), close_wait_sockets(port));
        (held == 0 && open <= fds_before && close_wait == 0).then_some(()).ok_or_else(|| {
            format!(
                "{held} connections held, {open} descriptors open (from {fds_before}), {close_wait} sockets in CLOSE_WAIT"
            )
        })
    })
    .await;
}

/// A good client's whole visit: connect, handshake, echo, close_notify. Returns how long it took.
async fn good_visit(server: &Server, pki: &PkiFiles) -> Duration {
    let started = Instant::now();
    let config = test_support::client_config(&pki.pki.ca);
    let name = client::parse_server_name("127.0.0.1").expect("name");
    let echoed = bounded(
        "a good client's echo",
        client::round_trip(&server.addr, name, config, b"Hello World!", ClientOptions::default()),
    )
    .await
    .expect("the good client is served");
    assert_eq!(echoed, b"Hello World!");
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_idle_sessions_are_held_and_every_descriptor_comes_back() {
    let _alone = ONE_AT_A_TIME.lock().await;
    const SESSIONS: usize = 10_000;
    allow_open_files(SESSIONS as u64 + 2_000);
    let pki = PkiFiles::new();
    let server = Server::start(&pki, &["-q", "--max-connections", "10100"]).await;
    let pid = server.peer.pid();
    let port: u16 = server.port.parse().expect("port");
    // Before any session, so none is still closing while the descriptors are counted.
    let fds_before = resting_fds(pid);
    good_visit(&server, &pki).await;
    let rss_before = rss_kib(pid);

    let config = test_support::client_config(&pki.pki.ca);
    let sessions = open_many(SESSIONS, 200, || {
        connecting(server.addr.clone(), config.clone(), "127.0.0.1")
    })
    .await;
    holding(pid, port, SESSIONS, "every idle session").await;
    let per_session = (rss_kib(pid).saturating_sub(rss_before)) as f64 / SESSIONS as f64;
    // A figure, not a check: the release build's is measured by bench/compare (BENCHMARKS.md, "Cost
    // per connection").
    eprintln!("{SESSIONS} idle TLS sessions: {per_session:.1} KiB of server RSS each (debug build)");
    good_visit(&server, &pki).await;

    drop(sessions);
    given_back(pid, port, fds_before, "every session's descriptor").await;
    good_visit(&server, &pki).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_slow_handshakes_leave_a_good_client_served_within_a_second() {
    let _alone = ONE_AT_A_TIME.lock().await;
    const ATTACKERS: usize = 5_000;
    allow_open_files(ATTACKERS as u64 + 2_000);
    let pki = PkiFiles::new();
    // A handshake deadline longer than the test, so every attacker is still held when the good
    // client comes.
    let server = Server::start(&pki, &["-q", "--handshake-timeout", "60"]).await;
    let pid = server.peer.pid();
    let port: u16 = server.port.parse().expect("port");
    let fds_before = resting_fds(pid);
    good_visit(&server, &pki).await;

    // Each attacker sends the first 3 of the 5 bytes of a TLS record header, then nothing more: a
    // handshake that never completes, holding a connection and a task on the server.
    // They arrive 250 at a time, each wave accepted before the next: "at once" for the server, without
    // overflowing the kernel's accept queue, which would only test how the kernel retries.
    let addr = server.addr.clone();
    let mut attackers = Vec::with_capacity(ATTACKERS);
    while attackers.len() < ATTACKERS {
        let wave = open_many(250, 250, || {
            let addr = addr.clone();
            async move {
                let mut tcp = TcpStream::connect(&addr).await.expect("connect");
                tcp.write_all(&[0x16, 0x03, 0x01]).await.expect("send");
                tcp
            }
        })
        .await;
        attackers.extend(wave);
        holding(pid, port, attackers.len(), "the attackers so far").await;
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        slowest = slowest.max(good_visit(&server, &pki).await);
    }
    // Each good visit is served (within the bounded wait); how fast is a figure, not a check.
    eprintln!("with {ATTACKERS} slow handshakes held, the slowest of 5 good visits took {slowest:?}");

    drop(attackers);
    given_back(pid, port, fds_before, "every attacker's descriptor").await;
}

/// Sends `bytes` on a new connection and waits for the server to close it.
fn raw_attack(addr: &str, bytes: Vec<u8>) -> impl Future<Output = Vec<u8>> + Send + 'static {
    let addr = addr.to_owned();
    async move {
        let mut tcp = TcpStream::connect(&addr).await.expect("connect");
        let _ = tcp.write_all(&bytes).await;
        until_closed(&mut tcp).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_floods_leave_the_servers_memory_flat() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let pki = PkiFiles::new();
    // A 2 s idle timeout is also the write timeout that ends clients who never read.
    let server = Server::start(&pki, &["-q", "--idle-timeout", "2"]).await;
    let pid = server.peer.pid();
    for _ in 0..20 {
        good_visit(&server, &pki).await;
    }
    let rss_before = rss_kib(pid);
    let mut peak = rss_before;

    // S7: 500 records announcing 18 KiB, more than TLS allows: refused from the header, nothing
    // allocated for the body. S8: 500 streams of 33 empty records. S4: 500 random-looking hellos.
    let oversized = vec![0x16, 0x03, 0x01, 0x48, 0x01];
    let empty = [0x16u8, 0x03, 0x01, 0x00, 0x00].repeat(33);
    let garbage = vec![0x16, 0x03, 0x03, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00];
    for bytes in [oversized, empty, garbage] {
        let answers = open_many(500, 100, || raw_attack(&server.addr, bytes.clone())).await;
        assert!(
            answers.iter().all(|a| a.is_empty() || a[0] == 0x15),
            "only alerts come back"
        );
        peak = peak.max(rss_kib(pid));
    }

    // S14: 20 clients that send as fast as they can and never read their echo. Loopback's socket
    // buffers grow to several MiB each way and take the first ones; after that, a server that kept
    // reading would hold the rest of their 32 MiB each, while backpressure stops them until the write
    // timeout ends the sessions.
    let senders = {
        let (addr, config) = (server.addr.clone(), test_support::client_config(&pki.pki.ca));
        let mut set = JoinSet::new();
        for _ in 0..20 {
            let (addr, config) = (addr.clone(), config.clone());
            set.spawn(async move {
                let name = client::parse_server_name("127.0.0.1").expect("name");
                let conn = client::connect(&addr, name, config, ClientOptions::default())
                    .await
                    .expect("session");
                let mut tls = conn.into_stream();
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0usize;
                while sent < 32 << 20 {
                    match tls.write_all(&chunk).await {
                        Ok(()) => sent += chunk.len(),
                        Err(_) => break,
                    }
                }
                sent
            });
        }
        set
    };
    let sent = bounded("the server cutting off 20 clients that never read", async {
        let mut set = senders;
        let mut sent = Vec::new();
        while let Some(result) = set.join_next().await {
            peak = peak.max(rss_kib(pid));
            sent.push(result.expect("sender task"));
        }
        sent
    })
    .await;
    peak = peak.max(rss_kib(pid));
    eprintln!(
        "RSS {rss_before} KiB before the floods, peak {peak} KiB, {} KiB after; the never-reading clients got {} MiB at most into the connection",
        rss_kib(pid),
        sent.iter().max().copied().unwrap_or(0) >> 20
    );
    assert!(
        sent.iter().all(|s| *s < 32 << 20),
        "a client that never reads pushed all 32 MiB: {sent:?}"
    );
    // The memory itself is a figure (bench/soak measures the release build's under load); what is
    // checked is the cause of growth: input from clients that never read is not taken in.
    good_visit(&server, &pki).await;
}
