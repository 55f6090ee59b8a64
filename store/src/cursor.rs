//! Opaque list cursors: the DynamoDB `LastEvaluatedKey`, base64url-encoded JSON, bound to the
//! listing that issued it.
//!
//! A cursor is validated before use: it must name exactly the key attributes of the query's
//! index, all strings, belong to the query's partition, and carry the digest of the listing it
//! was issued for (its index, partition, key range and filters: a [`Listing`]). DynamoDB would
//! otherwise answer a forged cursor with a ValidationException (a 500 unless caught), and a
//! cursor reused with another window or filter whose key lies inside the new range would
//! silently read on from the wrong place; both are `BadCursor` (a 400).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::StoreError;

pub type KeyMap = HashMap<String, AttributeValue>;

/// The member of a cursor that holds its listing's digest (no key attribute starts with `$`).
const LISTING: &str = "$listing";

/// What a listing is, as text: every input that selects its items or their order (the index,
/// the partition, the key range, the filters), e.g. `sales|GSI1|SALES|2023-01-01...|-|returns:any`.
/// A cursor carries its digest, and is read only by the same listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing(String);

impl Listing {
    pub fn new(text: impl Into<String>) -> Listing {
        Listing(text.into())
    }

    fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(&Sha256::digest(self.0.as_bytes())[..12])
    }
}

pub fn encode(last_evaluated_key: &KeyMap, listing: &Listing) -> String {
    let digest = listing.digest();
    let mut plain: BTreeMap<&str, &str> =
        last_evaluated_key.iter().filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str()))).collect();
    plain.insert(LISTING, &digest);
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&plain).unwrap_or_default())
}

/// Decodes a cursor of `listing`, a query whose key attributes are `attributes` and whose
/// partition attribute `partition_attr` must equal `partition_value`.
pub fn decode(
    cursor: &str,
    listing: &Listing,
    attributes: &[&str],
    partition_attr: &str,
    partition_value: &str,
) -> Result<KeyMap, StoreError> {
    let bad = || StoreError::BadCursor;
    if cursor.len() > 2048 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let mut plain: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if plain.remove(LISTING) != Some(listing.digest()) {
        return Err(bad());
    }
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
        let (k, listing) = (key("CATEGORIES", "CATEGORY#toys"), Listing::new("categories"));
        assert_eq!(decode(&encode(&k, &listing), &listing, &["PK", "SK"], "PK", "CATEGORIES").unwrap(), k);
    }

    #[test]
    fn rejects_foreign_or_forged_cursors() {
        let ledger = Listing::new("ledger");
        let c = encode(&key("PRODUCT#1", "LEDGER#1"), &ledger);
        assert!(decode(&c, &ledger, &["PK", "SK"], "PK", "PRODUCT#2").is_err(), "another partition");
        assert!(decode(&c, &ledger, &["PK", "SK", "GSI1PK", "GSI1SK"], "PK", "PRODUCT#1").is_err(), "another index");
        assert!(decode("not base64!", &ledger, &["PK", "SK"], "PK", "x").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode(b"[1]"), &ledger, &["PK", "SK"], "PK", "x").is_err());
    }

    #[test]
    fn a_cursor_reads_only_in_the_listing_that_issued_it() {
        let k = key("SALES", "2023-06-02T10:00:00.000000Z#S1");
        let window = Listing::new("sales|GSI1|SALES|2023-01-01|-");
        let c = encode(&k, &window);
        assert_eq!(decode(&c, &window, &["PK", "SK"], "PK", "SALES").unwrap(), k);
        let other = Listing::new("sales|GSI1|SALES|2023-06-01|-");
        assert!(decode(&c, &other, &["PK", "SK"], "PK", "SALES").is_err(), "another window");
        let unbound = URL_SAFE_NO_PAD.encode(br#"{"PK":"SALES","SK":"x"}"#);
        assert!(decode(&unbound, &window, &["PK", "SK"], "PK", "SALES").is_err(), "no listing");
    }
}
