//! Values: one version byte, then postcard.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::keys::hex;
use super::StoreError;

/// The version byte every record value starts with.
pub const VALUE_VERSION: u8 = 1;

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(value, vec![VALUE_VERSION]).map_err(|e| StoreError::Encode(e.to_string()))
}

/// Decodes a value read from `tree` at `key`; anything unexpected is a [`StoreError::Corrupt`]
/// naming both.
pub fn decode<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        tree,
        key: hex(key),
        reason,
    };
    match bytes.split_first() {
        None => Err(corrupt("empty value".into())),
        Some((&VALUE_VERSION, body)) => match postcard::take_from_bytes::<T>(body) {
            Ok((value, [])) => Ok(value),
            Ok((_, rest)) => Err(corrupt(format!("{} unexpected trailing bytes", rest.len()))),
            Err(e) => Err(corrupt(format!("undecodable value: {e}"))),
        },
        Some((v, _)) => Err(corrupt(format!(
            "unknown value version {v} (this sufler reads version {VALUE_VERSION})"
        ))),
    }
}
