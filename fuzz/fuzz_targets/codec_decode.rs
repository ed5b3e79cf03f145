//! The record decoder (version byte + postcard) on arbitrary bytes, for every stored type.
//! It must never panic; a refusal names the tree; whatever decodes encodes back to a value
//! that decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use sufler::consultation::{Client, Consultation, Tally};
use sufler::store::codec::{decode, encode};
use sufler::store::{Event, Officer, StoreError};

fn one<T: DeserializeOwned + Serialize + PartialEq + Debug>(tree: &'static str, data: &[u8]) {
    match decode::<T>(tree, b"key", data) {
        Ok(value) => {
            let again = encode(&value).expect("a decoded value encodes");
            let back: T = decode(tree, b"key", &again).expect("its encoding decodes");
            assert_eq!(back, value);
        }
        Err(StoreError::Corrupt { tree: t, key, .. }) => {
            assert_eq!(t, tree);
            assert_eq!(key, "6b6579");
        }
        Err(e) => panic!("not a Corrupt error: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    one::<Consultation>("consultations", data);
    one::<Client>("clients", data);
    one::<Event>("events", data);
    one::<Officer>("officers", data);
    one::<Tally>("counters", data);
    one::<u64>("rotation", data);
});
