//! Opaque list cursors: the DynamoDB `LastEvaluatedKey`, base64url-encoded JSON.
//!
//! A cursor is validated before use: it must name exactly the key attributes of the query's
//! index, all strings, and belong to the query's partition. DynamoDB would otherwise answer a
//! forged cursor with a ValidationException, which must surface as a 400, not a 500.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::StoreError;

pub type KeyMap = HashMap<String, AttributeValue>;

pub fn encode(last_evaluated_key: &KeyMap) -> String {
    let plain: BTreeMap<&str, &str> =
        last_evaluated_key.iter().filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str()))).collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&plain).unwrap_or_default())
}

/// Decodes a cursor for a query whose key attributes are `attributes` and whose partition
/// attribute `partition_attr` must equal `partition_value`.
pub fn decode(
    cursor: &str,
    attributes: &[&str],
    partition_attr: &str,
    partition_value: &str,
) -> Result<KeyMap, StoreError> {
    let bad = || StoreError::BadCursor;
    if cursor.len() > 2048 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let plain: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if plain.len() != attributes.len() || attributes.iter().any(|a| !plain.contains_key(*a)) {
        return Err(bad());
    }
    if plain.get(partition_attr).map(String::as_str) != Some(partition_value) {
        return Err(bad());
    }
    if plain.values().any(|v| v.is_empty() || v.len() > 1024) {
        return Err(bad());
    }
    Ok(plain.into_iter().map(|(k, v)| (k, AttributeValue::S(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pk: &str, sk: &str) -> KeyMap {
        HashMap::from([("PK".into(), AttributeValue::S(pk.into())), ("SK".into(), AttributeValue::S(sk.into()))])
    }

    #[test]
    fn round_trips() {
        let k = key("CATEGORIES", "CATEGORY#toys");
        let c = encode(&k);
        assert_eq!(decode(&c, &["PK", "SK"], "PK", "CATEGORIES").unwrap(), k);
    }

    #[test]
    fn rejects_foreign_or_forged_cursors() {
        let c = encode(&key("PRODUCT#1", "LEDGER#1"));
        assert!(decode(&c, &["PK", "SK"], "PK", "PRODUCT#2").is_err(), "another partition");
        assert!(decode(&c, &["PK", "SK", "GSI1PK", "GSI1SK"], "PK", "PRODUCT#1").is_err(), "another index");
        assert!(decode("not base64!", &["PK", "SK"], "PK", "x").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode(b"[1]"), &["PK", "SK"], "PK", "x").is_err());
    }
}
