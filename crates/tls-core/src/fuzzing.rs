//! What the fuzz targets in `fuzz/` check, one function per target. They live here so that the targets
//! (cargo-fuzz, nightly Rust) and the corpus replay test (`crates/test-support/tests/fuzz_corpus.rs`, stable Rust, run by
//! CI) run exactly the same code. Each panics when a property fails, which is what a fuzzer reports.

use std::path::Path;

use rustls_pki_types::CertificateDer;

use crate::address::HostPort;
use crate::echo::{Mode, echo_of};
use crate::inspect::{self, Position};
use crate::pem;

/// The name the loaders are given for the fuzzed "file", which every load error must mention.
const NAME: &str = "fuzzed-input.pem";

/// Any bytes, read as a certificate chain, a private key and a CA file: each loads or fails with an
/// error that names the file; none panics. A chain that loads, written back as PEM, loads as the same
/// certificates, byte for byte.
pub fn pem_loader(data: &[u8]) {
    let name = Path::new(NAME);
    let chain = pem::parse_cert_chain(name, data.to_vec());
    if let Ok(chain) = &chain {
        let written: String = chain.iter().map(pem::certificate_pem).collect();
        let again = pem::parse_cert_chain(name, written.into_bytes()).expect("a chain written as PEM loads again");
        assert_eq!(&again, chain, "a chain written as PEM and read again differs");
    }
    let errors = [
        chain.err(),
        pem::parse_private_key(name, data.to_vec()).err(),
        pem::parse_ca_certs(name, data.to_vec()).err(),
    ];
    for err in errors.into_iter().flatten() {
        let message = err.report().to_string();
        assert!(
            message.contains(NAME),
            "a load error that does not name the file: {message}"
        );
    }
}

/// Any bytes as a DER certificate, and any certificates a PEM or DER chain file yields, are read field
/// by field (as `tls-cert inspect` does) and turned into JSON without panicking.
pub fn inspector(data: &[u8]) {
    // A fixed clock, so a run is repeatable: 2026-01-01T00:00:00Z.
    let now = 1_767_225_600;
    let mut ders = vec![CertificateDer::from(data.to_vec())];
    if let Ok(chain) = pem::parse_cert_chain(Path::new(NAME), data.to_vec()) {
        ders.extend(chain);
    }
    for der in &ders {
        for position in [Position::Alone, Position::Leaf, Position::Issuer] {
            if let Ok(info) = inspect::inspect_at(der, position, now) {
                let json = serde_json::to_value(&info).expect("a certificate's fields always serialize");
                let pin = inspect::pin_sha256(der).expect("a certificate that inspects has a key to pin");
                assert_eq!(json["pin_sha256"], pin.as_str(), "the JSON's pin is the certificate's");
                let text = info.to_string();
                for (label, field) in [
                    ("\tIssuer: ", "issuer"),
                    ("\tSubject: ", "subject"),
                    ("\tSerial Number (hex): ", "serial"),
                ] {
                    let shown = json[field].as_str().expect("a text field");
                    assert!(
                        text.lines().any(|line| line.strip_prefix(label) == Some(shown)),
                        "the text does not show the JSON's {field} {shown:?}:\n{text}"
                    );
                }
                agree(&text, &json);
            }
        }
    }
}

/// Any bytes as a file handed to `tls-cert inspect`: told apart (certificates, CSR, CRL, PKCS#7,
/// PKCS#12) or refused with an error naming the file; every item read and shown as text and JSON without
/// panicking, and the two agree: the text has one extension header for each extension in the JSON. A
/// PKCS#12 file is opened with an empty password (bounded: a file asking for more iterations than any
/// real one is refused before any key derivation).
pub fn documents(data: &[u8]) {
    use crate::pem::Item;
    let now = 1_767_225_600;
    let items = match pem::identify(Path::new(NAME), data) {
        Ok(items) => items,
        Err(err) => {
            let message = err.report().to_string();
            assert!(
                message.contains(NAME),
                "an error that does not name the file: {message}"
            );
            return;
        }
    };
    for item in items {
        match item {
            Item::NotShown { .. } => {}
            Item::Trusted { certificate, settings } => {
                serde_json::to_string(&settings).expect("trust settings always serialize");
                if let Ok(info) = inspect::inspect_at(&certificate, Position::Alone, now) {
                    agree(&info.to_string(), &serde_json::to_value(&info).expect("JSON"));
                }
            }
            Item::Certificates(chain)
            | Item::Pkcs7 {
                certificates: chain, ..
            } => {
                for der in &chain {
                    if let Ok(info) = inspect::inspect_at(der, Position::Alone, now) {
                        agree(&info.to_string(), &serde_json::to_value(&info).expect("JSON"));
                    }
                }
            }
            Item::Request(der) => {
                if let Ok(info) = inspect::read_request(&der) {
                    agree(&info.to_string(), &serde_json::to_value(&info).expect("JSON"));
                }
            }
            Item::Crl(der) => {
                if let Ok(info) = inspect::read_crl(&der, &[], now) {
                    let _ = info.to_string();
                    serde_json::to_string(&info).expect("a CRL's fields always serialize");
                }
            }
            Item::Pkcs12(der) => {
                if let Ok(info) = inspect::read_pkcs12(&der, "") {
                    serde_json::to_string(&info).expect("a PKCS#12 summary always serializes");
                }
            }
        }
    }
}

/// The text shows one extension header (a line ending `critical):` or `critical)`) for each extension
/// the JSON lists.
fn agree(text: &str, json: &serde_json::Value) {
    let listed = json["extensions"].as_array().map_or(0, Vec::len);
    let headers = text
        .lines()
        .filter(|l| l.trim_end().ends_with("critical):") || l.trim_end().ends_with("critical)"))
        .count();
    assert_eq!(
        headers, listed,
        "text and JSON list different extensions:\n{text}\n{json}"
    );
}

/// The echo state machine gives the same output whatever the chunking, and that output is what the
/// protocol says: in line mode everything up to the first empty line (`\n` or `\r\n` at the start of a
/// line), in raw mode everything.
///
/// The first byte picks the mode (lowest bit) and seeds the chunk sizes; the rest is the input.
pub fn echo_chunking(data: &[u8]) {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let mode = if control & 1 == 0 { Mode::Line } else { Mode::Raw };
    let whole = echo_of(mode, &[input]);
    assert_eq!(whole, expected_echo(mode, input), "the echo of {input:?} in one piece");
    // Chunk sizes from 1 to 8 bytes, varied by the control byte and the input itself.
    let mut chunks = Vec::new();
    let mut rest = input;
    let mut seed = usize::from(control >> 1);
    while !rest.is_empty() {
        let size = (seed % 8 + 1).min(rest.len());
        let (chunk, tail) = rest.split_at(size);
        chunks.push(chunk);
        seed = seed.wrapping_mul(31).wrapping_add(usize::from(chunk[0]));
        rest = tail;
    }
    assert_eq!(
        echo_of(mode, &chunks),
        whole,
        "the echo of {input:?} in chunks {chunks:?}"
    );
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(echo_of(mode, &bytes), whole, "the echo of {input:?} byte by byte");
}

/// The protocol written out plainly, as the oracle for [`echo_chunking`].
fn expected_echo(mode: Mode, input: &[u8]) -> (Vec<u8>, bool) {
    if mode == Mode::Raw {
        return (input.to_vec(), false);
    }
    let mut line_start = 0;
    loop {
        let rest = &input[line_start..];
        if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
            return (input[..line_start].to_vec(), true);
        }
        match rest.iter().position(|b| *b == b'\n') {
            Some(newline) => line_start += newline + 1,
            None => return (input.to_vec(), false),
        }
    }
}

/// Any text as the command-line values the programs share: as `HOST:PORT` it parses or is refused with
/// a sentence quoting it, what parses prints back to text that parses to the same address, and the
/// client's server name comes from it without panicking (the programs' other values are checked by
/// `tls_echo_cli::values::fuzz`).
pub fn address(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match HostPort::parse(text) {
        Ok(parsed) => {
            assert!(!parsed.host.is_empty(), "{text:?} parsed with no host");
            assert_eq!(
                HostPort::parse(&parsed.to_string()).as_ref(),
                Ok(&parsed),
                "{text:?} printed back"
            );
            let _ = crate::client::server_name_for(text);
        }
        Err(message) => assert!(
            message.contains(&format!("{text:?}")),
            "{message} does not quote {text:?}"
        ),
    }
}

/// RFC 8448 3's server handshake traffic secret, named by its ClientHello's random: inputs holding that
/// handshake (the seed fuzz/corpus/xray/rfc8448-hellos-and-flight) decrypt, so the fuzzer reaches the
/// decoding of encrypted messages and the Finished check too.
pub fn rfc8448_secret() -> Vec<crate::xray::Secret> {
    let hex = |text: &str| -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
            .collect()
    };
    vec![crate::xray::Secret {
        label: "SERVER_HANDSHAKE_TRAFFIC_SECRET".to_owned(),
        client_random: hex("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"),
        secret: hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"),
    }]
}

/// Any bytes as a captured connection (each first byte `n` says how many of the bytes after it, `8n + 1`,
/// one side sent before the other answers) decode into a trace, its text and its JSON without a panic,
/// the text and the JSON showing the same messages in the same order; a capture that gave no record
/// says why.
pub fn xray(data: &[u8]) {
    let (chunks, trace) = xray_trace(data);
    let text = trace.render(true, false);
    // The text and the JSON list the same messages, in the same order.
    let json = serde_json::to_value(&trace).expect("a trace always serializes");
    let listed: Vec<String> = json["records"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .flat_map(|record| record["messages"].as_array().into_iter().flatten())
                .filter_map(|message| message["type"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let modelled: Vec<String> = trace.messages().map(|message| message.kind.to_string()).collect();
    assert_eq!(listed, modelled, "the JSON lists other messages than the trace holds");
    let mut from = 0;
    for message in trace.messages() {
        let line = format!("{:16}{} ({})", "", message.kind, crate::xray::bytes(message.length));
        match text[from..].find(&line) {
            Some(at) => from += at + line.len(),
            None => panic!("the text does not show {line:?} where the JSON has it:\n{text}"),
        }
    }
    for message in trace.messages() {
        let mut end = 0;
        for note in &message.annotations {
            assert!(
                note.at >= end && note.at + note.len <= message.bytes.len(),
                "an annotation out of order or outside its message: {note:?} in {data:?}"
            );
            end = note.at + note.len;
        }
    }
    let sent = chunks.iter().any(|c| !c.bytes.is_empty());
    assert!(
        !sent || !trace.records.is_empty() || trace.problem.is_some(),
        "bytes that gave no record and no reason: {data:?}"
    );
}

/// The capture `data` stands for (see [`xray`]) and its decoding, with [`rfc8448_secret`].
pub fn xray_trace(data: &[u8]) -> (Vec<crate::xray::Chunk>, crate::xray::Trace) {
    use crate::xray::{Chunk, Direction};
    let mut chunks = Vec::new();
    let mut rest = data;
    let mut direction = Direction::Client;
    while let Some((&n, tail)) = rest.split_first() {
        let take = (usize::from(n) * 8 + 1).min(tail.len());
        chunks.push(Chunk {
            direction,
            offset_us: 0,
            bytes: tail[..take].to_vec(),
            reset: false,
        });
        rest = &tail[take..];
        direction = match direction {
            Direction::Client => Direction::Server,
            Direction::Server => Direction::Client,
        };
    }
    let trace = crate::xray::decode(&chunks, &rfc8448_secret(), 0);
    (chunks, trace)
}

/// Any bytes, read as a server's answer to a scan's probe, as far as each place a probe stops (the
/// ServerHello, the ServerKeyExchange, ServerHelloDone): none panics, and once the connection has
/// ended every answer says what it is (a choice, a refusal, or why it is unknown), never "read on".
pub fn scan_answer(data: &[u8]) {
    crate::scan::fuzz_answer(data);
}
