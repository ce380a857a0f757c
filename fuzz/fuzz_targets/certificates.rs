#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| egov_fuzz::certificates(data));
