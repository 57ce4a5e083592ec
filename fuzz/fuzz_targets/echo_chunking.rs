#![no_main]
//! See tls_core::fuzzing::echo_chunking for what this target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tls_core::fuzzing::echo_chunking(data));
