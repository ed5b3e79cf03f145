//! The restore parser on arbitrary bytes, as read (the checksum then stops most inputs at
//! the trailer) and with its trailer recomputed (so the count, order and id checks behind
//! the checksum are reached too). It must never panic, and a refusal must be located.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use sufler::store::{check_dump, DumpError};

fn check(bytes: &[u8]) {
    match check_dump(bytes, "fuzz") {
        Ok(header) => assert!(header.counts.total() <= bytes.len() as u64),
        Err(DumpError::Invalid { file, line, message }) => {
            assert_eq!(file, "fuzz");
            assert!(line >= 1, "line 0: {message}");
            assert!(!message.is_empty());
        }
        Err(e) => panic!("an unlocated error from a byte slice: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    // Everything up to the last line end, then a trailer with the right checksum.
    let body = match data.iter().rposition(|&b| b == b'\n') {
        Some(i) => &data[..=i],
        None => return,
    };
    let digest: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut fixed = body.to_vec();
    fixed.extend_from_slice(format!("{{\"end\":{{\"sha256\":\"{digest}\"}}}}\n").as_bytes());
    check(&fixed);
});
