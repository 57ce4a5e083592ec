#![no_main]
//! See tls_core::fuzzing::scan_answer for what this target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tls_core::fuzzing::scan_answer(data));
