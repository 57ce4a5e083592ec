//! `echo-bench`: a load generator for TLS echo servers (ours or anyone's): handshake rate, echo
//! throughput, echo latency percentiles, and idle connections held; behind `echo-client bench`. Speed
//! is measured here, never in tests. Built on tls-core's client; hdrhistogram (percentiles) and
//! indicatif (the live line) are needed here only.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;
use tls_core::pki_types::ServerName;
use tls_core::rustls::ClientConfig;
use tls_core::rustls::client::Resumption;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tls_core::Error;
use tls_core::client::{self, ClientOptions};

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Each connection loops: connect, full handshake, echo, close.
    Handshake,
    /// Each connection streams writes and counts the echoed bytes.
    Throughput,
    /// Each connection keeps one echo in flight and times it.
    Latency,
    /// Opens the connections, completes their handshakes, and holds them.
    Idle,
}

impl Mode {
    /// The default write size: the lab's `Hello World!` for handshakes, 64 KiB for throughput, 64 bytes
    /// for latency, nothing for idle.
    pub fn default_size(self) -> usize {
        match self {
            Self::Handshake => 12,
            Self::Throughput => 64 * 1024,
            Self::Latency => 64,
            Self::Idle => 0,
        }
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "handshake" => Ok(Self::Handshake),
            "throughput" => Ok(Self::Throughput),
            "latency" => Ok(Self::Latency),
            "idle" => Ok(Self::Idle),
            _ => Err(format!(
                "unknown mode {text:?}; choose handshake, throughput, latency or idle"
            )),
        }
    }
}

/// A benchmark to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server.
    pub addr: tls_core::HostPort,
    /// The name to verify it as.
    pub server_name: ServerName<'static>,
    /// Trust and client certificate; resumption is switched off here unless `resume`.
    pub config: Arc<ClientConfig>,
    /// What to measure.
    pub mode: Mode,
    /// Connections at once.
    pub connections: usize,
    /// How long to measure.
    pub duration: Duration,
    /// Bytes per write (0 in handshake mode: no echo at all).
    pub size: usize,
    /// Each write ends with a newline (its last byte), for servers that echo whole lines only
    /// (gnutls-serv --echo); `size` must then be 2 or more, or the write would be an empty line.
    pub newline: bool,
    /// Handshake mode: resume sessions with tickets instead of full handshakes.
    pub resume: bool,
    /// Latency mode: echoes per second offered across all connections, each timed from when it was due
    /// (open loop, as wrk2 does), instead of one after another as fast as they come back.
    pub rate: Option<f64>,
    /// Per-phase limits.
    pub timeouts: ClientOptions,
}

/// Counters a progress line can read while the benchmark runs.
#[derive(Debug, Default)]
pub struct Live {
    /// Operations done (handshakes, echoes; connections held in idle mode).
    pub ops: AtomicU64,
    /// Echoed bytes received.
    pub bytes: AtomicU64,
    /// Errors of any kind.
    pub errors: AtomicU64,
    /// Set when the run gives up early: nothing succeeded in its first second.
    pub gave_up: std::sync::atomic::AtomicBool,
}

impl Live {
    fn going(&self) -> bool {
        !self.gave_up.load(Ordering::Relaxed)
    }
}

/// Latency percentiles, in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Slowest.
    pub max: u64,
}

/// The errors of one kind: how many, and the first one in words.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorCount {
    /// How many.
    pub count: u64,
    /// The first message.
    pub example: String,
}

/// What a benchmark measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What was measured.
    pub mode: Mode,
    /// Where.
    pub target: String,
    /// Connections at once.
    pub connections: usize,
    /// Bytes per write.
    pub size: usize,
    /// Whether sessions were resumed.
    pub resume: bool,
    /// The offered rate, echoes per second (latency mode, open loop), when one was given.
    pub rate: Option<f64>,
    /// Measured time, seconds.
    pub seconds: f64,
    /// Operations completed: handshakes (handshake), echoes (latency), or connections held (idle).
    pub ops: u64,
    /// Operations per second.
    pub ops_per_sec: f64,
    /// Of the handshakes, how many were resumptions.
    pub resumed: u64,
    /// Echoed bytes received.
    pub bytes: u64,
    /// Echoed megabytes (10^6) per second.
    pub mb_per_sec: f64,
    /// Time per operation: a handshake round (handshake), one echo (latency).
    pub latency_us: Option<Percentiles>,
    /// Errors by kind, none dropped.
    pub errors: BTreeMap<String, ErrorCount>,
    /// Whether the run stopped after its first second because nothing had succeeded.
    pub stopped_early: bool,
}

/// Runs the benchmark, updating `live` as it goes.
pub async fn run(options: Options, live: Arc<Live>) -> Report {
    let options = Arc::new(Options {
        config: if options.resume {
            options.config.clone()
        } else {
            let mut config = (*options.config).clone();
            config.resumption = Resumption::disabled();
            Arc::new(config)
        },
        ..options
    });
    let started = Instant::now();
    let deadline = started + options.duration;
    let tasks: Vec<_> = (0..options.connections)
        .map(|index| {
            let (options, live) = (options.clone(), live.clone());
            tokio::spawn(async move {
                match options.mode {
                    Mode::Handshake => handshakes(&options, &live, deadline).await,
                    Mode::Throughput => throughput(&options, &live, deadline).await,
                    Mode::Latency => latency(&options, &live, deadline, index).await,
                    Mode::Idle => idle(&options, &live, deadline).await,
                }
            })
        })
        .collect();
    // A target that is down or refuses every client fails at once, however long the run: stop after a
    // second with nothing but errors instead of hammering it for the whole duration.
    let watchdog = {
        let live = live.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if live.ops.load(Ordering::Relaxed) == 0 && live.errors.load(Ordering::Relaxed) > 0 {
                live.gave_up.store(true, Ordering::Relaxed);
            }
        })
    };
    let mut total = Tally::default();
    for task in tasks {
        match task.await {
            Ok(tally) => total.merge(tally),
            Err(err) => total.error("task", &err.to_string()),
        }
    }
    watchdog.abort();
    // The time it really took (a run that gave up early is shorter than asked).
    let seconds = started.elapsed().as_secs_f64();
    Report {
        mode: options.mode,
        target: options.addr.to_string(),
        connections: options.connections,
        size: options.size,
        resume: options.resume,
        rate: options.rate,
        seconds,
        ops: total.ops,
        ops_per_sec: total.ops as f64 / seconds,
        resumed: total.resumed,
        bytes: total.bytes,
        mb_per_sec: total.bytes as f64 / seconds / 1e6,
        latency_us: (!total.histogram.is_empty()).then(|| Percentiles {
            p50: total.histogram.value_at_quantile(0.50),
            p90: total.histogram.value_at_quantile(0.90),
            p99: total.histogram.value_at_quantile(0.99),
            p999: total.histogram.value_at_quantile(0.999),
            max: total.histogram.max(),
        }),
        errors: total.errors,
        stopped_early: live.gave_up.load(Ordering::Relaxed),
    }
}

/// One connection's results.
struct Tally {
    ops: u64,
    resumed: u64,
    bytes: u64,
    histogram: Histogram<u64>,
    errors: BTreeMap<String, ErrorCount>,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            ops: 0,
            resumed: 0,
            bytes: 0,
            // 1 µs to 1 minute, 3 significant digits.
            histogram: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds"),
            errors: BTreeMap::new(),
        }
    }
}

impl Tally {
    fn error(&mut self, kind: &str, message: &str) {
        self.errors
            .entry(kind.to_owned())
            .and_modify(|e| e.count += 1)
            .or_insert_with(|| ErrorCount {
                count: 1,
                example: message.to_owned(),
            });
    }

    fn failed(&mut self, live: &Live, err: &Error) {
        live.errors.fetch_add(1, Ordering::Relaxed);
        self.error(kind_of(err), &err.report().to_string());
    }

    fn record(&mut self, started: Instant) {
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX).max(1);
        let _ = self.histogram.record(micros.min(60_000_000));
    }

    fn merge(&mut self, other: Self) {
        self.ops += other.ops;
        self.resumed += other.resumed;
        self.bytes += other.bytes;
        let _ = self.histogram.add(&other.histogram);
        for (kind, count) in other.errors {
            self.errors
                .entry(kind)
                .and_modify(|e| e.count += count.count)
                .or_insert(count);
        }
    }
}

/// A short name for the kind of error, to count errors by.
pub fn kind_of(err: &Error) -> &'static str {
    match err {
        Error::Connect { .. } => "connect",
        Error::Timeout {
            phase: tls_core::error::Step::Handshake,
            ..
        } => "handshake timeout",
        Error::Timeout { .. } => "timeout",
        Error::Handshake { .. } => "handshake",
        Error::Truncated { .. } => "truncated echo",
        Error::AnsweredHttp { .. } => "answered HTTP",
        Error::NotAnEcho { .. } => "wrong echo",
        Error::Session { .. } => "session",
        _ => "other",
    }
}

fn payload(size: usize, newline: bool) -> Vec<u8> {
    // No newline but the last, when asked: line-mode servers (ours without --raw, gnutls-serv) must not
    // see an empty line.
    let mut bytes = vec![b'x'; size];
    if let (true, Some(last)) = (newline, bytes.last_mut()) {
        *last = b'\n';
    }
    bytes
}

async fn handshakes(options: &Options, live: &Live, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    let message: &[u8] = match (options.size, options.newline) {
        (12, false) => b"Hello World!",
        (12, true) => b"Hello World\n",
        (size, newline) => &payload(size, newline),
    };
    let mut back_off = BackOff::default();
    while Instant::now() < deadline && live.going() {
        let started = Instant::now();
        let result = async {
            let mut conn = client::connect(
                &options.addr,
                options.server_name.clone(),
                options.config.clone(),
                options.timeouts,
            )
            .await?;
            let resumed = conn.info().resumed;
            if !message.is_empty() {
                conn.echo(message).await?;
            }
            conn.close().await?;
            Ok::<_, Error>(resumed)
        }
        .await;
        match result {
            Ok(resumed) => {
                tally.ops += 1;
                tally.resumed += u64::from(resumed);
                tally.bytes += message.len() as u64;
                tally.record(started);
                live.ops.fetch_add(1, Ordering::Relaxed);
                back_off = BackOff::default();
            }
            Err(err) => {
                tally.failed(live, &err);
                back_off.wait(deadline).await;
            }
        }
    }
    tally
}

/// Waits after failures, twice as long after each in a row (1 ms up to 1 s), so a server that is down
/// or refusing is not hammered by a busy loop; never past the benchmark's end.
#[derive(Debug, Default)]
struct BackOff {
    failures: u32,
}

impl BackOff {
    async fn wait(&mut self, deadline: Instant) {
        let pause = Duration::from_millis(1 << self.failures.min(10)).min(Duration::from_secs(1));
        self.failures += 1;
        let until = (Instant::now() + pause).min(deadline);
        tokio::time::sleep_until(tokio::time::Instant::from_std(until)).await;
    }
}

/// Connects for a long-lived benchmark connection; a failure is counted in `tally`.
async fn open(options: &Options, live: &Live, tally: &mut Tally) -> Option<client::Connection> {
    let connected = client::connect(
        &options.addr,
        options.server_name.clone(),
        options.config.clone(),
        options.timeouts,
    )
    .await;
    connected.map_err(|err| tally.failed(live, &err)).ok()
}

async fn throughput(options: &Options, live: &Live, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    let Some(conn) = open(options, live, &mut tally).await else {
        return tally;
    };
    let (mut reader, mut writer) = tokio::io::split(conn.into_stream());
    let chunk = payload(options.size.max(1), options.newline);
    let deadline = tokio::time::Instant::from_std(deadline);
    // Writing and reading at once: a server that echoes as it reads never waits on us.
    // Bounded by the deadline too: a server that stops reading must not hold the benchmark.
    // The clock is checked on every write too: a small write completes at once, and the timeout
    // alone would then never get the chance to fire.
    let write = async {
        while tokio::time::Instant::now() < deadline {
            if !matches!(
                tokio::time::timeout_at(deadline, writer.write_all(&chunk)).await,
                Ok(Ok(()))
            ) {
                break;
            }
        }
        writer
    };
    let read = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut received = 0u64;
        loop {
            if tokio::time::Instant::now() >= deadline {
                break Ok(received);
            }
            match tokio::time::timeout_at(deadline, reader.read(&mut buf)).await {
                Ok(Ok(0)) | Err(_) => break Ok(received),
                Ok(Ok(n)) => {
                    received += n as u64;
                    live.bytes.fetch_add(n as u64, Ordering::Relaxed);
                }
                Ok(Err(err)) => break Err(err),
            }
        }
    };
    let (mut writer, read) = tokio::join!(write, read);
    match read {
        Ok(received) => {
            tally.bytes = received;
            tally.ops = 1;
        }
        Err(err) => tally.error("session", &tls_core::io_error(&err, tls_core::Side::Client).to_string()),
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), writer.shutdown()).await;
    tally
}

/// One connection's echoes, one in flight; `index` staggers the open loop's connections over one
/// interval, so the offered load arrives evenly rather than in bursts of all connections at once.
async fn latency(options: &Options, live: &Live, deadline: Instant, index: usize) -> Tally {
    let mut tally = Tally::default();
    let Some(mut conn) = open(options, live, &mut tally).await else {
        return tally;
    };
    let message = payload(options.size.max(1), options.newline);
    let mut pacer = options.rate.map(|rate| Pacer::new(options.connections, rate, index));
    while Instant::now() < deadline {
        let started = match &mut pacer {
            Some(pacer) => match pacer.next(deadline).await {
                Some(started) => started,
                // An echo due after the deadline is not sent: the run ends on time, whatever the rate,
                // and lasts its whole duration (the rate is over all of it).
                None => break,
            },
            None => Instant::now(),
        };
        match conn.echo(&message).await {
            Ok(_) => {
                tally.record(started);
                tally.ops += 1;
                tally.bytes += message.len() as u64;
                live.ops.fetch_add(1, Ordering::Relaxed);
            }
            Err(err) => {
                tally.failed(live, &err);
                return tally;
            }
        }
    }
    let _ = conn.close().await;
    tally
}

/// The open loop's pace for one connection: an echo due every `connections / rate` seconds.
struct Pacer {
    every: Duration,
    due: Instant,
}

impl Pacer {
    /// `index` staggers the connections over one interval.
    fn new(connections: usize, rate: f64, index: usize) -> Self {
        let every = Duration::from_secs_f64(connections as f64 / rate);
        Self {
            every,
            due: Instant::now() + every.mul_f64(index as f64 / connections as f64),
        }
    }

    /// Waits for the next echo's time and gives the moment its latency is timed from, or `None` when
    /// it falls after `deadline` (having waited for that).
    ///
    /// An echo whose time has passed (the previous one came back late) is timed from its due time, so
    /// the wait of the echoes queued behind a slow answer counts (closed-loop percentiles leave it
    /// out). One that is waited for is timed from when the wait ends: tokio's timer wakes on its next
    /// millisecond tick, up to a millisecond or so after the due time, and that delay is the tool's, not
    /// the server's (timed from the due time, every echo at any rate showed about 1.2 ms).
    async fn next(&mut self, deadline: Instant) -> Option<Instant> {
        let due = self.due;
        if due >= deadline {
            tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
            return None;
        }
        self.due += self.every;
        if Instant::now() >= due {
            return Some(due);
        }
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        Some(Instant::now())
    }
}

async fn idle(options: &Options, live: &Live, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    let started = Instant::now();
    match client::connect(
        &options.addr,
        options.server_name.clone(),
        options.config.clone(),
        options.timeouts,
    )
    .await
    {
        Ok(conn) => {
            tally.record(started);
            tally.ops = 1;
            live.ops.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
            let _ = conn.close().await;
        }
        Err(err) => tally.failed(live, &err),
    }
    tally
}

impl fmt::Display for Report {
    /// A small table for people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match (self.mode, self.resume, self.rate) {
            (Mode::Handshake, true, _) => "handshake (resumed sessions)".to_owned(),
            (Mode::Handshake, false, _) => "handshake (full, resumption off)".to_owned(),
            (Mode::Latency, _, Some(rate)) => format!("latency (open loop, {rate} echoes/s offered)"),
            (mode, _, _) => format!("{mode:?}").to_lowercase(),
        };
        writeln!(f, "mode         {mode}")?;
        writeln!(f, "target       {}", self.target)?;
        writeln!(
            f,
            "load         {} connections, {} bytes per write, {:.1} s",
            self.connections, self.size, self.seconds
        )?;
        match self.mode {
            Mode::Handshake => writeln!(
                f,
                "handshakes   {} ({:.1}/s), {} resumed",
                self.ops, self.ops_per_sec, self.resumed
            )?,
            Mode::Latency => {
                writeln!(f, "echoes       {} ({:.1}/s)", self.ops, self.ops_per_sec)?;
                if let Some(rate) = self.rate.filter(|&rate| self.ops_per_sec < 0.95 * rate) {
                    writeln!(
                        f,
                        "             below the {rate} echoes/s offered: the client or the server could not keep the pace, so the percentiles include the backlog"
                    )?;
                }
            }
            Mode::Idle => writeln!(f, "held         {} of {} connections", self.ops, self.connections)?,
            Mode::Throughput => {}
        }
        if self.bytes > 0 {
            writeln!(f, "echoed       {} bytes ({:.1} MB/s)", self.bytes, self.mb_per_sec)?;
        }
        if let Some(p) = &self.latency_us {
            writeln!(
                f,
                "latency µs   p50 {} | p90 {} | p99 {} | p99.9 {} | max {}",
                p.p50, p.p90, p.p99, p.p999, p.max
            )?;
        }
        if self.errors.is_empty() {
            writeln!(f, "errors       none")?;
        } else {
            for (kind, count) in &self.errors {
                writeln!(f, "errors       {kind}: {} (first: {})", count.count, count.example)?;
            }
        }
        Ok(())
    }
}

/// A live line on a terminal while `run` goes: the measure of `mode` so far, and errors. Abort the
/// returned task when the run is over.
pub fn progress_line(live: Arc<Live>, mode: Mode, duration: Duration) -> tokio::task::JoinHandle<()> {
    let bar = indicatif::ProgressBar::new(duration.as_millis() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {elapsed}/{duration} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    tokio::spawn(async move {
        loop {
            bar.set_position(started.elapsed().as_millis() as u64);
            let ops = live.ops.load(Ordering::Relaxed);
            let measure = match mode {
                Mode::Handshake => format!("{ops} handshakes"),
                Mode::Throughput => format!("{:.1} MB echoed", live.bytes.load(Ordering::Relaxed) as f64 / 1e6),
                Mode::Latency => format!("{ops} echoes timed"),
                Mode::Idle => format!("{ops} connections held"),
            };
            bar.set_message(format!("{measure}, {} errors", live.errors.load(Ordering::Relaxed)));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo already due is timed from its due time (the queue behind a slow answer counts); one
    /// waited for is timed from the end of the wait, never from before it (the timer's lateness is the
    /// tool's); none is sent past the deadline.
    #[tokio::test]
    async fn the_open_loop_times_from_the_due_time_only_what_was_queued() {
        let deadline = Instant::now() + Duration::from_secs(60);
        // One connection at 200 echoes/s: every 5 ms, the first due at once.
        let mut pacer = Pacer::new(1, 200.0, 0);
        let first = pacer.due;
        assert_eq!(pacer.next(deadline).await, Some(first));

        let second = pacer.due;
        assert!(second > Instant::now(), "the next echo is due later");
        let started = pacer.next(deadline).await.expect("due before the deadline");
        assert!(started >= second && started <= Instant::now(), "timed from the wake");

        let late = Instant::now()
            .checked_sub(Duration::from_millis(10))
            .expect("a clock past boot");
        pacer.due = late;
        assert_eq!(
            pacer.next(deadline).await,
            Some(late),
            "a late echo is timed from when it was due"
        );

        let now = Instant::now();
        pacer.due = now + Duration::from_secs(1);
        assert_eq!(pacer.next(now).await, None, "nothing is due after the deadline");
    }
}
