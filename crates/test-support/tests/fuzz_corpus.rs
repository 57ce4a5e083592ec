//! Replays every file of fuzz/corpus/ through the function its fuzz target calls, so the seeds (and any
//! input a fuzzer once broke us with, added there after the fix) are checked on stable Rust in CI.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8]), at_least: usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    let mut replayed = 0;
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let data = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        // A failing input names itself in the panic message of the check; say which file it was.
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target} fails on {}", path.display());
        replayed += 1;
    }
    assert!(
        replayed >= at_least,
        "{target}: only {replayed} seeds in {}, expected {at_least} or more",
        dir.display()
    );
}

#[test]
fn pem_loader_corpus() {
    replay("pem_loader", tls_core::fuzzing::pem_loader, 13);
}

#[test]
fn inspector_corpus() {
    replay("inspector", tls_core::fuzzing::inspector, 8);
}

#[test]
fn documents_corpus() {
    replay("documents", tls_core::fuzzing::documents, 8);
}

#[test]
fn echo_chunking_corpus() {
    replay("echo_chunking", tls_core::fuzzing::echo_chunking, 22);
}

#[test]
fn address_corpus() {
    replay("address", tls_core::fuzzing::address, 21);
    replay("address", tls_echo_cli::values::fuzz, 21);
}

#[test]
fn xray_corpus() {
    replay("xray", tls_core::fuzzing::xray, 10);
}

/// The RFC 8448 seed decrypts with the secret the target gives the decoder: the fuzzer starts from a
/// capture whose encrypted flight opens and whose server Finished verifies.
#[test]
fn the_rfc_8448_seed_decrypts_and_its_server_finished_verifies() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/xray/rfc8448-hellos-and-flight");
    let data = std::fs::read(&seed).unwrap_or_else(|err| panic!("{}: {err}", seed.display()));
    let (_, trace) = tls_core::fuzzing::xray_trace(&data);
    assert_eq!(
        trace.finished.server,
        tls_core::xray::FinishedCheck::Verified,
        "{trace}"
    );
    assert!(
        trace
            .messages()
            .any(|m| m.kind == rustls::HandshakeType::CertificateVerify),
        "{trace}"
    );
    // What was agreed, as values; named as the registries name them only in JSON (and text).
    assert_eq!(trace.version, Some(rustls::ProtocolVersion::TLSv1_3));
    assert_eq!(trace.cipher_suite, Some(rustls::CipherSuite::TLS13_AES_128_GCM_SHA256));
    assert_eq!(trace.group, Some(rustls::NamedGroup::X25519));
    let json = serde_json::to_value(&trace).expect("JSON");
    assert_eq!(
        (&json["version"], &json["cipher_suite"], &json["group"]),
        (
            &serde_json::json!("TLSv1.3"),
            &serde_json::json!("TLS_AES_128_GCM_SHA256"),
            &serde_json::json!("X25519")
        )
    );
    assert_eq!(json["records"][0]["content_type"], "handshake");
    assert_eq!(json["records"][0]["messages"][0]["type"], "client_hello");
}

#[test]
fn scan_answer_corpus() {
    replay("scan_answer", tls_core::fuzzing::scan_answer, 7);
}
