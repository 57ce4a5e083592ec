//! Hostile and broken clients from the README's reliability table ("Hostile clients, faults and fuzzing"), each sent as raw bytes by the test itself, while a
//! good client must still complete its echo beside them.

use std::time::{Duration, Instant};

use test_support::{RunningServer, bounded, client_config, pki, server_config, until_closed};
use tls_core::client::{self, ClientOptions};
use tls_core::server::ServerOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A good client's full round trip, which must succeed whatever the bad one is doing.
async fn good_client_is_served(server: &RunningServer, pki: &test_support::DemoPki) {
    let name = client::parse_server_name("127.0.0.1").expect("name");
    let echoed = bounded(
        "a good client beside the bad one",
        client::round_trip(
            &server.address(),
            name,
            client_config(&pki.ca),
            b"still here",
            ClientOptions::default(),
        ),
    )
    .await
    .expect("served");
    assert_eq!(echoed, b"still here");
}

#[tokio::test]
async fn s2_a_dribbled_client_hello_gets_the_same_absolute_deadline() {
    let pki = pki();
    let options = ServerOptions {
        handshake_timeout: Duration::from_millis(800),
        ..ServerOptions::default()
    };
    let server = RunningServer::start(server_config(pki.server.identity()), options).await;
    let slow = TcpStream::connect(server.addr).await.expect("connect");
    let (mut reader, mut writer) = slow.into_split();
    // A TLS handshake record header announcing 512 bytes, then its body, one byte every 100 ms: each
    // byte would reset a per-read timeout, and 100 of them would take 10 s; the 800 ms deadline must
    // not move. The dribble stops when the server closes.
    let mut hello = vec![0x16u8, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];
    hello.resize(100, 0);
    let closed = async {
        let mut buf = [0u8; 64];
        while let Ok(1..) = reader.read(&mut buf).await {}
    };
    let dribble = async {
        let mut sent = 0;
        for byte in &hello {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        sent
    };
    let (sent, ()) = tokio::join!(
        async {
            tokio::select! {
                sent = dribble => sent,
                () = closed => usize::MAX,
            }
        },
        good_client_is_served(&server, &pki)
    );
    // Closed while the dribble went on (usize::MAX): the deadline is absolute. Had each byte moved it,
    // all 100 would have been sent.
    assert_eq!(
        sent,
        usize::MAX,
        "the server held a dribbling handshake for all {} bytes",
        hello.len()
    );
    server.stop().await;
}

#[tokio::test]
async fn s4_truncated_and_random_hellos_are_closed_without_harm() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let inputs: [&[u8]; 4] = [
        // A handshake record header announcing 512 bytes, then the connection ends: truncated.
        &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00],
        // A record that claims a ClientHello longer than the record.
        &[0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff],
        // A handshake record whose body is not a handshake message at all.
        &[0x16, 0x03, 0x03, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00],
        // Random bytes.
        &[0x9d, 0x11, 0x42, 0x07, 0xee, 0x00, 0x00, 0x31],
    ];
    for input in inputs {
        let mut bad = TcpStream::connect(server.addr).await.expect("connect");
        bad.write_all(input).await.expect("send");
        // Half-close so a server waiting for more sees the end of the input.
        let _ = bad.shutdown().await;
        let answer = until_closed(&mut bad).await;
        // Nothing but a TLS alert (content type 21) may come back, and never an echo of the input.
        assert!(answer.is_empty() || answer[0] == 0x15, "{input:?} got {answer:?}");
        good_client_is_served(&server, &pki).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn s7_a_record_larger_than_tls_allows_is_refused_from_its_header() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let mut bad = TcpStream::connect(server.addr).await.expect("connect");
    // A handshake record announcing 2^14 + 2048 + 1 bytes: more than any TLS record may hold. The server
    // must refuse it from the header alone, without waiting for (or allocating) the body.
    let len: u16 = (1 << 14) + 2048 + 1;
    let header = [0x16, 0x03, 0x01, (len >> 8) as u8, (len & 0xff) as u8];
    bad.write_all(&header).await.expect("send");
    let answer = until_closed(&mut bad).await;
    // A fatal alert record: type 21, version, length 2, level fatal (2), then the description. BoGo
    // expects record_overflow (22); rustls sends decode_error (50) for an oversized record header.
    assert!(
        answer.len() >= 7 && answer[0] == 0x15 && answer[5] == 2 && [22, 50].contains(&answer[6]),
        "expected a fatal record_overflow or decode_error alert, got {answer:?}"
    );
    good_client_is_served(&server, &pki).await;
    server.stop().await;
}

/// The first flight of a real rustls client: its ClientHello record(s), and the client to go on with.
fn client_hello() -> (rustls::ClientConnection, Vec<u8>, test_support::DemoPki) {
    let pki = pki();
    let config = client_config(&pki.ca);
    let name = client::parse_server_name("127.0.0.1").expect("name");
    let mut conn = rustls::ClientConnection::new(config, name).expect("client");
    let mut hello = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut hello).expect("write to a Vec");
    }
    (conn, hello, pki)
}

/// Re-frames the handshake bytes of TLS records `records` into records of one byte each.
fn one_byte_records(records: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = records;
    while rest.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let (header, body) = (&rest[..3], &rest[5..5 + len]);
        for byte in body {
            out.extend_from_slice(header);
            out.extend_from_slice(&[0, 1, *byte]);
        }
        rest = &rest[5 + len..];
    }
    out
}

/// Drives a rustls client whose ClientHello was already sent through the rest of its handshake, by
/// hand over `tcp`.
async fn finish_handshake(conn: &mut rustls::ClientConnection, tcp: &mut TcpStream) {
    let mut buf = vec![0u8; 16 * 1024];
    bounded("the rest of the handshake", async {
        while conn.is_handshaking() {
            let n = tcp.read(&mut buf).await.expect("read");
            assert!(n > 0, "the server closed during the handshake");
            conn.read_tls(&mut &buf[..n]).expect("feed");
            conn.process_new_packets().expect("the server's flight is valid");
            let mut out = Vec::new();
            while conn.wants_write() {
                conn.write_tls(&mut out).expect("write");
            }
            tcp.write_all(&out).await.expect("send");
        }
    })
    .await;
}

#[tokio::test]
async fn s3_a_client_hello_in_one_byte_records_still_completes_the_handshake() {
    let (mut conn, hello, pki) = client_hello();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    let fragmented = one_byte_records(&hello);
    assert!(fragmented.len() > 6 * hello.len() / 2, "hundreds of tiny records");
    tcp.write_all(&fragmented).await.expect("send");
    finish_handshake(&mut conn, &mut tcp).await;
    let mut buf = vec![0u8; 16 * 1024];
    std::io::Write::write_all(&mut conn.writer(), b"fragments").expect("plaintext");
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).expect("write");
    }
    tcp.write_all(&out).await.expect("send");
    let mut echoed = Vec::new();
    bounded("the echo", async {
        while echoed.len() < b"fragments".len() {
            let n = tcp.read(&mut buf).await.expect("read");
            assert!(n > 0, "closed before the echo");
            conn.read_tls(&mut &buf[..n]).expect("feed");
            conn.process_new_packets().expect("valid records");
            let _ = std::io::Read::read_to_end(&mut conn.reader(), &mut echoed);
        }
    })
    .await;
    assert_eq!(echoed, b"fragments");
    drop(tcp);
    server.stop().await;
}

#[tokio::test]
async fn s8_a_stream_of_empty_records_is_closed_with_an_alert() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let mut bad = TcpStream::connect(server.addr).await.expect("connect");
    // 33 handshake records of length zero: legal framing, no content, a classic CPU-burning trick.
    let empty: Vec<u8> = [0x16u8, 0x03, 0x01, 0x00, 0x00].repeat(33);
    let _ = bad.write_all(&empty).await;
    let answer = until_closed(&mut bad).await;
    assert!(
        answer.len() >= 7 && answer[0] == 0x15 && answer[5] == 2,
        "expected a fatal alert, got {answer:?}"
    );
    good_client_is_served(&server, &pki).await;
    server.stop().await;
}

#[tokio::test]
async fn s10_close_notify_right_after_the_client_hello_ends_the_session_cleanly() {
    let (_, hello, pki) = client_hello();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let mut bad = TcpStream::connect(server.addr).await.expect("connect");
    bad.write_all(&hello).await.expect("send the hello");
    // A plaintext warning-level close_notify alert.
    bad.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00])
        .await
        .expect("send close_notify");
    let started = Instant::now();
    until_closed(&mut bad).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the server lingered {:?}",
        started.elapsed()
    );
    good_client_is_served(&server, &pki).await;
    server.stop().await;
}

#[tokio::test]
async fn s15_a_half_close_without_close_notify_still_gets_its_echo() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let conn = connected(&server, &pki).await;
    let mut tls = conn.into_stream();
    tls.write_all(b"last words").await.expect("send");
    tls.flush().await.expect("flush");
    // FIN on the TCP socket underneath, with no close_notify: the echo must still come back.
    tls.get_mut().0.shutdown().await.expect("half-close");
    let mut echoed = Vec::new();
    let mut buf = [0u8; 64];
    while echoed.len() < b"last words".len() {
        match bounded("the echo after a half-close", tls.read(&mut buf)).await {
            Ok(0) | Err(_) => break,
            Ok(n) => echoed.extend_from_slice(&buf[..n]),
        }
    }
    assert_eq!(echoed, b"last words");
    server.stop().await;
}

async fn connected(server: &RunningServer, pki: &test_support::DemoPki) -> client::Connection {
    bounded(
        "connect",
        client::connect(
            &server.address(),
            client::parse_server_name("127.0.0.1").expect("name"),
            client_config(&pki.ca),
            ClientOptions::default(),
        ),
    )
    .await
    .expect("connected")
}

#[tokio::test]
async fn s19_an_idle_session_gets_close_notify_after_the_idle_timeout() {
    let pki = pki();
    let options = ServerOptions {
        idle_timeout: Duration::from_millis(400),
        ..ServerOptions::default()
    };
    let server = RunningServer::start(server_config(pki.server.identity()), options).await;
    let mut tls = connected(&server, &pki).await.into_stream();
    let started = Instant::now();
    let mut rest = Vec::new();
    // read_to_end succeeds only on close_notify; a bare TCP close would be an UnexpectedEof error.
    bounded("the idle close", tls.read_to_end(&mut rest))
        .await
        .expect("closed with close_notify");
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "closed too early: {:?}",
        started.elapsed()
    );
    good_client_is_served(&server, &pki).await;
    server.stop().await;
}

#[tokio::test]
async fn s14_a_client_that_sends_forever_and_never_reads_is_cut_off() {
    let pki = pki();
    let options = ServerOptions {
        mode: tls_core::echo::Mode::Raw,
        idle_timeout: Duration::from_millis(500),
        ..ServerOptions::default()
    };
    let server = RunningServer::start(server_config(pki.server.identity()), options).await;
    let mut tls = connected(&server, &pki).await.into_stream();
    let chunk = vec![b'x'; 64 * 1024];
    // The server echoes into a socket nobody drains: its writes block, it stops reading (so our writes
    // block too), and its write timeout ends the session.
    let outcome = bounded("the server giving up", async {
        loop {
            if let Err(err) = tls.write_all(&chunk).await {
                break err;
            }
        }
    })
    .await;
    assert!(
        matches!(
            outcome.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{outcome:?}"
    );
    good_client_is_served(&server, &pki).await;
    server.stop().await;
}

#[tokio::test]
async fn s11_a_reset_at_each_handshake_step_frees_the_session_and_harms_no_one() {
    let pki = pki();
    let options = ServerOptions {
        max_connections: 4,
        ..ServerOptions::default()
    };
    let server = RunningServer::start(server_config(pki.server.identity()), options).await;
    // Steps: right after connect; after the ClientHello; after reading the server's first flight.
    for step in 0..3 {
        // Twice the connection cap: a session not freed after its reset would lock the next ones out.
        for _ in 0..8 {
            let (_conn, hello, _) = client_hello();
            let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
            if step >= 1 {
                tcp.write_all(&hello).await.expect("send the hello");
            }
            if step >= 2 {
                let mut buf = [0u8; 4096];
                let n = bounded("the server's flight", tcp.read(&mut buf)).await.expect("read");
                assert!(n > 0, "the server answered the hello");
            }
            // SO_LINGER 0: closing sends RST instead of FIN.
            tcp.set_zero_linger().expect("linger");
            drop(tcp);
        }
        good_client_is_served(&server, &pki).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn s6_an_sslv2_hello_gets_a_protocol_version_alert() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let mut bad = TcpStream::connect(server.addr).await.expect("connect");
    // An SSLv2-format CLIENT-HELLO offering TLS 1.0 (as old clients sent for compatibility): a two-byte
    // header with the high bit set and length 46, message type 1, version 3.1, then the lengths of the
    // cipher specs (21), session id (0) and challenge (16), the seven 3-byte specs and the challenge.
    let mut hello = vec![0x80, 46, 0x01, 0x03, 0x01, 0x00, 21, 0x00, 0x00, 0x00, 16];
    for spec in [0x2fu8, 0x35, 0x0a, 0x05, 0x04, 0x09, 0x03] {
        hello.extend_from_slice(&[0x00, 0x00, spec]);
    }
    hello.extend_from_slice(&[0x5a; 16]);
    bad.write_all(&hello).await.expect("send");
    let answer = until_closed(&mut bad).await;
    // A TLS alert record: fatal (2) protocol_version (70).
    assert_eq!(answer, [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70]);
    good_client_is_served(&server, &pki).await;
    server.stop().await;
}

/// A first record that is TLS but not a handshake (a ChangeCipherSpec, an alert, application data)
/// is answered by TLS itself: rustls' fatal unexpected_message alert (10), not a reset or "not TLS".
#[tokio::test]
async fn a_first_record_that_is_not_a_handshake_gets_unexpected_message() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let unexpected_message: &[u8] = &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 10];
    let records: [(&[u8], &[u8]); 3] = [
        (&[0x14, 0x03, 0x03, 0x00, 0x01, 0x01], unexpected_message),
        (
            &[0x17, 0x03, 0x03, 0x00, 0x05, b'h', b'e', b'l', b'l', b'o'],
            unexpected_message,
        ),
        // A fatal alert (handshake_failure) ends it: nothing is answered to a peer that has given up.
        (&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40], &[]),
    ];
    for (record, expected) in records {
        let mut bad = TcpStream::connect(server.addr).await.expect("connect");
        bad.write_all(record).await.expect("send");
        assert_eq!(until_closed(&mut bad).await, expected, "the answer to {record:02x?}");
    }
    good_client_is_served(&server, &pki).await;
    server.stop().await;
}

#[tokio::test]
async fn s8_repeated_warning_alerts_end_the_handshake() {
    let (_, hello, pki) = client_hello();
    let options = ServerOptions {
        handshake_timeout: Duration::from_secs(30),
        ..ServerOptions::default()
    };
    let server = RunningServer::start(server_config(pki.server.identity()), options).await;
    let mut bad = TcpStream::connect(server.addr).await.expect("connect");
    bad.write_all(&hello).await.expect("send the hello");
    // Fifty plaintext warning-level user_canceled alerts (90), the one warning TLS 1.3 tolerates; rustls
    // allows four, like BoringSSL, and ends the connection at the fifth.
    let warnings: Vec<u8> = [0x15u8, 0x03, 0x03, 0x00, 0x02, 0x01, 90].repeat(50);
    let _ = bad.write_all(&warnings).await;
    let started = Instant::now();
    until_closed(&mut bad).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the connection was held {:?}, as if the alerts were ignored until the 30 s deadline",
        started.elapsed()
    );
    good_client_is_served(&server, &pki).await;
    server.stop().await;
}

#[tokio::test]
async fn s16_close_notify_from_the_client_gets_the_echo_and_close_notify_back() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let mut tls = connected(&server, &pki).await.into_stream();
    // A line without its newline, then close_notify (tokio-rustls' shutdown sends it, then FIN).
    tls.write_all(b"no newline").await.expect("send");
    tls.shutdown().await.expect("close_notify");
    let mut echoed = Vec::new();
    // read_to_end succeeds only when the server's close_notify arrives before its FIN.
    bounded("the echo and the server's close_notify", tls.read_to_end(&mut echoed))
        .await
        .expect("the server answered with close_notify, then closed TCP");
    assert_eq!(echoed, b"no newline");
    server.stop().await;
}

#[tokio::test]
async fn s18_lines_split_across_records_many_per_record_and_a_1_mib_line_come_back_byte_exact() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let mut tls = connected(&server, &pki).await.into_stream();
    let mut many = Vec::new();
    for i in 0..500 {
        many.extend_from_slice(format!("line {i}\r\n").as_bytes());
    }
    let mut long = (0..1 << 20).map(|i| b'a' + (i % 26) as u8).collect::<Vec<u8>>();
    long.push(b'\n');
    // Each piece is written and flushed alone, so it travels in records of its own: a line cut in three,
    // an empty-looking "\r" whose "\n" comes in the next record (not an empty line: "x" came before),
    // 500 lines in one record, and a 1 MiB line that needs 64 records.
    let pieces: [&[u8]; 6] = [b"Hel", b"lo Wor", b"ld!\nx\r", b"\n", &many, &long];
    let expected = pieces.concat();
    let (mut read_half, mut write_half) = tokio::io::split(&mut tls);
    let write = async {
        for piece in pieces {
            write_half.write_all(piece).await.expect("send");
            write_half.flush().await.expect("flush");
        }
        // The empty line ends the session.
        write_half.write_all(b"\n").await.expect("send the empty line");
        write_half.flush().await.expect("flush");
    };
    let read = async {
        let mut echoed = Vec::new();
        read_half
            .read_to_end(&mut echoed)
            .await
            .expect("ended with close_notify");
        echoed
    };
    let ((), echoed) = bounded("a megabyte and a half echoed", async { tokio::join!(write, read) }).await;
    assert_eq!(echoed.len(), expected.len());
    assert!(echoed == expected, "the echo differs from what was sent");
    server.stop().await;
}

/// TLS 1.3 records sealed and opened by the test itself with the session's AES-128-GCM keys (taken from
/// rustls after the handshake), so it can send what no TLS library will: zero-length application data.
struct Records {
    tx: (aws_lc_rs::aead::LessSafeKey, [u8; 12], u64),
    rx: (aws_lc_rs::aead::LessSafeKey, [u8; 12], u64),
}

impl Records {
    fn take(conn: rustls::ClientConnection) -> Self {
        let secrets = conn.dangerous_extract_secrets().expect("secrets were enabled");
        let keys = |(seq, secrets): (u64, rustls::ConnectionTrafficSecrets)| match secrets {
            rustls::ConnectionTrafficSecrets::Aes128Gcm { key, iv } => {
                let key = aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_128_GCM, key.as_ref()).expect("key");
                let iv: [u8; 12] = iv.as_ref().try_into().expect("12-byte iv");
                (aws_lc_rs::aead::LessSafeKey::new(key), iv, seq)
            }
            _ => panic!("the server prefers AES-128-GCM; it chose another cipher"),
        };
        Self {
            tx: keys(secrets.tx),
            rx: keys(secrets.rx),
        }
    }

    /// The per-record nonce of RFC 8446 5.3: the IV with the sequence number XORed into its end.
    fn nonce(iv: &[u8; 12], seq: u64) -> aws_lc_rs::aead::Nonce {
        let mut nonce = *iv;
        for (byte, seq_byte) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *byte ^= seq_byte;
        }
        aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce)
    }

    /// One application data record holding `data` (which may be empty).
    fn seal(&mut self, data: &[u8]) -> Vec<u8> {
        let (key, iv, seq) = &mut self.tx;
        let mut body = [data, &[0x17]].concat(); // the inner content type: application data
        let len = u16::try_from(body.len() + 16).expect("a small record");
        let header = [0x17, 0x03, 0x03, (len >> 8) as u8, len as u8];
        key.seal_in_place_append_tag(Self::nonce(iv, *seq), aws_lc_rs::aead::Aad::from(header), &mut body)
            .expect("seal");
        *seq += 1;
        [&header[..], &body].concat()
    }

    /// Reads records until `want` bytes of application data arrived or the server sent an alert;
    /// handshake records (session tickets) are skipped. Returns the data and the alert, if any.
    async fn read(&mut self, tcp: &mut TcpStream, want: usize) -> (Vec<u8>, Option<Vec<u8>>) {
        let (records, alert) = self.read_records(tcp, want).await;
        (records.concat(), alert)
    }

    /// As [`Records::read`], with each application data record apart, as it came.
    async fn read_records(&mut self, tcp: &mut TcpStream, want: usize) -> (Vec<Vec<u8>>, Option<Vec<u8>>) {
        let (key, iv, seq) = &mut self.rx;
        let mut data = Vec::new();
        while data.iter().map(Vec::len).sum::<usize>() < want {
            let mut header = [0u8; 5];
            bounded("a record header", tcp.read_exact(&mut header))
                .await
                .expect("header");
            let mut body = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
            bounded("a record body", tcp.read_exact(&mut body)).await.expect("body");
            let plain = key
                .open_in_place(Self::nonce(iv, *seq), aws_lc_rs::aead::Aad::from(header), &mut body)
                .expect("the server's record opens with its key");
            *seq += 1;
            let end = plain.iter().rposition(|b| *b != 0).expect("an inner content type");
            match plain[end] {
                0x16 => continue,
                0x17 => data.push(plain[..end].to_vec()),
                0x15 => return (data, Some(plain[..end].to_vec())),
                other => panic!("unexpected inner content type {other}"),
            }
        }
        (data, None)
    }
}

/// A TLS 1.3 session with `server` whose records the test seals and opens itself.
async fn sealed_session(server: &RunningServer, pki: &test_support::DemoPki) -> (TcpStream, Records) {
    let mut config = (*client_config(&pki.ca)).clone();
    config.enable_secret_extraction = true;
    let name = client::parse_server_name("127.0.0.1").expect("name");
    let mut conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("client");
    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    let mut hello = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut hello).expect("write to a Vec");
    }
    tcp.write_all(&hello).await.expect("send the hello");
    finish_handshake(&mut conn, &mut tcp).await;
    (tcp, Records::take(conn))
}

/// The server's two ways to run: the default (line echo, the page sniffed on the same port) and
/// `--raw --no-page`; a long idle timeout, so that anything ended "at once" is not the idle timeout.
fn both_modes() -> [(&'static str, ServerOptions); 2] {
    let idle_timeout = Duration::from_secs(30);
    [
        (
            "line with the page",
            ServerOptions {
                idle_timeout,
                page: Some(std::sync::Arc::new(tls_core::page::PageInfo::new(Vec::new()))),
                ..ServerOptions::default()
            },
        ),
        (
            "raw without the page",
            ServerOptions {
                idle_timeout,
                mode: tls_core::echo::Mode::Raw,
                ..ServerOptions::default()
            },
        ),
    ]
}

/// tlsfuzzer's bad_record_mac, record_overflow and unexpected_message conversations: the alert goes out
/// and the connection closes then, not at the idle timeout (one bad record must not hold a place).
#[tokio::test]
async fn a_bad_record_after_the_handshake_gets_its_alert_and_the_close_at_once() {
    let pki = pki();
    for (mode, options) in both_modes() {
        let server = RunningServer::start(server_config(pki.server.identity()), options).await;
        let (mut tcp, mut records) = sealed_session(&server, &pki).await;
        let mut bad = records.seal(b"hello");
        let last = bad.len() - 1;
        bad[last] ^= 0x01; // the tag no longer matches
        let sent = Instant::now();
        tcp.write_all(&bad).await.expect("send the bad record");
        let (echoed, alert) = records.read(&mut tcp, usize::MAX).await;
        assert_eq!(echoed, b"", "{mode}: nothing is echoed of a record that does not open");
        // Fatal (2) bad_record_mac (20), RFC 8446 6.2.
        assert_eq!(alert, Some(vec![2, 20]), "{mode}: the alert");
        let rest = bounded("the close after the alert", until_closed(&mut tcp)).await;
        assert!(rest.is_empty(), "{mode}: nothing after the alert, got {rest:?}");
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "{mode}: closed {:?} after the bad record; the idle timeout is 30 s",
            sent.elapsed()
        );
        good_client_is_served(&server, &pki).await;
        drop(tcp);
        server.stop().await;
    }
}

/// What arrives as one record of up to 16 KiB goes back as one record (tlsfuzzer's
/// test-tls13-lengths and record-layer-limits "max size payload"), also when the page's sniff read it
/// first, in two records, and replays them.
#[tokio::test]
async fn an_echoed_record_comes_back_as_one_record() {
    let pki = pki();
    for (mode, options) in both_modes() {
        let server = RunningServer::start(server_config(pki.server.identity()), options).await;
        let (mut tcp, mut records) = sealed_session(&server, &pki).await;
        for size in [1, 1023, 1025, 5000, 16 * 1024] {
            tcp.write_all(&records.seal(&vec![b'x'; size])).await.expect("send");
            let (echoed, alert) = records.read_records(&mut tcp, size).await;
            assert_eq!(alert, None, "{mode}: the server ended the session");
            let sizes: Vec<usize> = echoed.iter().map(Vec::len).collect();
            assert_eq!(
                sizes,
                [size],
                "{mode}: a {size}-byte record came back as records of these sizes"
            );
        }
        // A burst of full records and a short one, sent at once: the server may write them together,
        // but each comes back as it came.
        let burst = [16 * 1024, 16 * 1024, 16 * 1024, 5000, 16 * 1024, 7];
        let sealed: Vec<u8> = burst.iter().flat_map(|&n| records.seal(&vec![b'z'; n])).collect();
        tcp.write_all(&sealed).await.expect("send the burst");
        let (echoed, alert) = records.read_records(&mut tcp, burst.iter().sum()).await;
        assert_eq!(alert, None, "{mode}: the server ended the session");
        let sizes: Vec<usize> = echoed.iter().map(Vec::len).collect();
        assert_eq!(sizes, burst, "{mode}: the burst's records");
        drop(tcp);
        server.stop().await;
    }
    // Bytes that begin like an HTTP request line make the page's sniff wait for more: what it read
    // comes back record by record.
    let [(_, line), _] = both_modes();
    let server = RunningServer::start(server_config(pki.server.identity()), line).await;
    let (mut tcp, mut records) = sealed_session(&server, &pki).await;
    let second = vec![b'y'; 5000];
    tcp.write_all(&[records.seal(b"GET x"), records.seal(&second)].concat())
        .await
        .expect("send");
    let (echoed, _) = records.read_records(&mut tcp, 5005).await;
    assert_eq!(echoed, [b"GET x".to_vec(), second], "two records sniffed, two echoed");
    drop(tcp);
    server.stop().await;
}

/// The page reflects the request's headers, but not without bound: its answer to a 15,000-byte header
/// still fits one record, and says what it left out.
#[tokio::test]
async fn the_page_answers_a_16_kib_request_head_in_one_record() {
    let pki = pki();
    let [(_, line), _] = both_modes();
    let server = RunningServer::start(server_config(pki.server.identity()), line).await;
    let (mut tcp, mut records) = sealed_session(&server, &pki).await;
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Large: {}\r\nConnection: close\r\n\r\n",
        "v".repeat(15_000)
    );
    tcp.write_all(&records.seal(request.as_bytes()))
        .await
        .expect("send the request");
    let (answer, _) = records.read_records(&mut tcp, usize::MAX).await;
    let first = String::from_utf8_lossy(&answer[0]);
    assert!(first.starts_with("HTTP/1.1 200 OK"), "{first}");
    assert!(
        first.ends_with("</html>\n"),
        "the whole answer is in the first record: {first}"
    );
    assert!(answer[0].len() <= 16 * 1024, "{} bytes", answer[0].len());
    assert!(
        first.contains("bytes of the request not shown: the page shows the first 4096"),
        "{first}"
    );
    drop(tcp);
    server.stop().await;
}

#[tokio::test]
async fn s17_zero_length_application_records_are_neither_eof_nor_an_empty_line() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let (mut tcp, mut records) = sealed_session(&server, &pki).await;
    // Empty records first (an EOF mistaken here would end the session), then a line whose "\n" comes
    // after more empty records (an empty line mistaken here would end it too), then a real line.
    // Fewer than 32 in a row: rustls, like BoringSSL, refuses longer runs of empty records.
    let mut out = Vec::new();
    for record in [&b""[..], b"", b"", b"first", b"", b"", b"\n", b"", b"second\n"] {
        out.extend(records.seal(record));
    }
    tcp.write_all(&out).await.expect("send");
    let (echoed, alert) = records.read(&mut tcp, b"first\nsecond\n".len()).await;
    assert_eq!(alert, None, "the server ended the session");
    assert_eq!(echoed, b"first\nsecond\n");
    // The empty line ends the session with close_notify (alert level 1, description 0).
    let end = records.seal(b"\n");
    tcp.write_all(&end).await.expect("send the empty line");
    let (rest, alert) = records.read(&mut tcp, usize::MAX).await;
    assert_eq!((rest, alert), (Vec::new(), Some(vec![1, 0])));
    server.stop().await;
}
