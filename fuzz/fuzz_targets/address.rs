#![no_main]
//! See tls_core::fuzzing::address (HOST:PORT) and tls_echo_cli::values::fuzz (seconds) for what this
//! target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tls_core::fuzzing::address(data);
    tls_echo_cli::values::fuzz(data);
});
