//! Timestamps: stored in UTC, with microsecond precision, in one fixed-width form that sorts
//! lexically (so it can be part of a sort key); returned as RFC 3339 in UTC or a requested zone.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use chrono_tz::Tz;

/// Now, truncated to what we store.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The stored, sortable form: `2023-10-08T12:48:25.000000Z`.
pub fn to_stored(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn from_stored(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// RFC 3339 for responses: `Z` by default, the zone's offset when one is asked for.
/// Sub-second digits appear only when there are any.
pub fn to_api(at: DateTime<Utc>, tz: Option<Tz>) -> String {
    match tz {
        None => at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        Some(tz) => at.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::AutoSi, true),
    }
}

/// Parses an RFC 3339 timestamp from a request, truncated to microseconds.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc).trunc_subsecs(6))
}

/// Serde helper: a UTC timestamp as RFC 3339 with `Z`.
pub fn serialize_utc<S: serde::Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_api(*at, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_is_fixed_width_and_round_trips() {
        let t = parse_rfc3339("2023-10-08T12:48:25Z").unwrap();
        assert_eq!(to_stored(t), "2023-10-08T12:48:25.000000Z");
        assert_eq!(from_stored(&to_stored(t)), Some(t));
        let later = parse_rfc3339("2023-10-08T12:48:25.5+00:00").unwrap();
        assert!(to_stored(t) < to_stored(later));
    }

    #[test]
    fn api_form_uses_z_or_the_zone_offset() {
        let t = parse_rfc3339("2023-10-08T12:48:25Z").unwrap();
        assert_eq!(to_api(t, None), "2023-10-08T12:48:25Z");
        assert_eq!(to_api(t, Some(chrono_tz::Asia::Karachi)), "2023-10-08T17:48:25+05:00");
        let frac = parse_rfc3339("2023-10-08T12:48:25.250Z").unwrap();
        assert_eq!(to_api(frac, None), "2023-10-08T12:48:25.250Z");
    }
}
