//! The idempotency fingerprint: a digest of what a body means, to tell a retry (the same body,
//! however spelled) from a reused `Idempotency-Key` (another body).

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// A digest of a body's meaning: members sorted by name, each value in a canonical form (numbers
/// by their value, `2`, `2.0` and `2e0` alike; strings by their characters, however escaped;
/// the instant of a time member, `*_at`, however RFC 3339 writes it: `Z`, `+00:00`, `.000Z`),
/// so key order, white space and spelling do not matter.
pub(crate) fn fingerprint(members: &BTreeMap<String, Box<RawValue>>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (name, value) in members {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        let text = value.get().trim();
        let canonical = if name.ends_with("_at") { canonical_instant(text) } else { None };
        hasher.update(canonical.unwrap_or_else(|| canonical_json(text)).as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// A JSON string holding an RFC 3339 instant, as the instant's stored form (tagged, so it is
/// not the same as any string); `None` for anything else, which is then compared as JSON.
fn canonical_instant(text: &str) -> Option<String> {
    let serde_json::Value::String(s) = serde_json::from_str(text).ok()? else { return None };
    domain::time::parse_rfc3339(&s).map(|at| format!("instant:{}", domain::time::to_stored(at)))
}

/// A JSON value's text in a canonical form: a number as `[-]digits e exponent` with no leading or
/// trailing zeros in the digits, a string re-encoded, anything else as parsed and re-serialized.
fn canonical_json(text: &str) -> String {
    if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return canonical_number(text).unwrap_or_else(|| text.to_owned());
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::String(s)) => serde_json::Value::String(s).to_string(),
        _ => text.to_owned(),
    }
}

fn canonical_number(text: &str) -> Option<String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].trim_start_matches('+').parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some("0".into());
    }
    let significant = digits.trim_end_matches('0');
    let trailing = i64::try_from(digits.len() - significant.len()).ok()?;
    let exponent = exponent.checked_sub(i64::try_from(fraction.len()).ok()?)?.checked_add(trailing)?;
    Some(format!("{}{significant}e{exponent}", if negative { "-" } else { "" }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ValidJson;

    fn fp(json: &str) -> String {
        ValidJson::<serde::de::IgnoredAny>::parse(json.as_bytes()).map(|b| b.fingerprint).unwrap()
    }

    #[test]
    fn bodies_that_mean_the_same_have_the_same_fingerprint() {
        let base = fp(r#"{"product_id":1,"units_sold":2}"#);
        for same in [
            r#"{"units_sold":2,"product_id":1}"#,
            r#"{"product_id":1,"units_sold":2.0}"#,
            r#"{"product_id":1.00,"units_sold":2e0}"#,
            r#"{"product_id":1, "units_sold":20e-1}"#,
            r#"{"product_id":1,"units_sold":0.2E1}"#,
        ] {
            assert_eq!(fp(same), base, "{same}");
        }
        for different in
            [r#"{"product_id":1,"units_sold":3}"#, r#"{"product_id":1,"units_sold":"2"}"#, r#"{"product_id":1}"#]
        {
            assert_ne!(fp(different), base, "{different}");
        }
        assert_eq!(fp(r#"{"sold_at":"2023-10-08T12:00:00Z"}"#), fp(r#"{"sold_at":"2023-10-08T12:00:00\u005a"}"#));
        assert_eq!(canonical_number("-0.0"), Some("0".into()));
        assert_eq!(canonical_number("1e99999999999999999999"), None, "an exponent past i64 is left as written");
    }

    #[test]
    fn one_instant_in_any_rfc_3339_spelling_is_one_value() {
        let base = fp(r#"{"product_id":1,"units_sold":2,"sold_at":"2023-10-08T12:00:00Z"}"#);
        for same in [
            "2023-10-08T12:00:00+00:00",
            "2023-10-08T12:00:00.000Z",
            "2023-10-08T14:00:00+02:00",
            "2023-10-08t12:00:00z",
        ] {
            assert_eq!(fp(&format!(r#"{{"product_id":1,"units_sold":2,"sold_at":"{same}"}}"#)), base, "{same}");
        }
        assert_ne!(fp(r#"{"product_id":1,"units_sold":2,"sold_at":"2023-10-08T12:00:01Z"}"#), base);
        // Only time members: a name is its characters.
        assert_ne!(fp(r#"{"name":"2023-10-08T12:00:00Z"}"#), fp(r#"{"name":"2023-10-08T12:00:00+00:00"}"#));
    }
}
