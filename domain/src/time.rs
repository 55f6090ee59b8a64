//! Timestamps: stored in UTC, with microsecond precision, in one fixed-width form that sorts
//! lexically (so it can be part of a sort key); returned as RFC 3339 in UTC or a requested zone.
//! The clock is not here (the domain reads none): `app::time::now`.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use chrono_tz::Tz;

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

/// Parses an RFC 3339 timestamp from a request, truncated to microseconds. Second 60 (a leap
/// second) is refused: UTC as stored here has no leap seconds, and chrono's leap-second instant
/// would sort after the end of its day (`...23:59:59.999999Z`), so a sale there would be counted
/// in its day and listed in none. Refused rather than moved, so no request means another instant.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    use chrono::Timelike;
    let at = DateTime::parse_from_rfc3339(text).ok()?;
    (at.nanosecond() < 1_000_000_000).then(|| at.with_timezone(&Utc).trunc_subsecs(6))
}

/// The first instant of `date` in `tz`. Where midnight does not exist (a gap at 00:00), the
/// day starts at the first instant that does; a day the zone skipped entirely starts where the
/// next day does, so it has no instants.
pub fn start_of_day(date: chrono::NaiveDate, tz: Tz) -> DateTime<Utc> {
    crate::calendar::first_instant_at_or_after(date.and_time(chrono::NaiveTime::MIN), tz)
}

/// A request bound: a date (`YYYY-MM-DD`, whole day in `tz`) or an RFC 3339 time.
/// `end` selects the last instant of a date (inclusive upper bound) instead of its first.
pub fn parse_bound(text: &str, tz: Tz, end: bool) -> Option<DateTime<Utc>> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if text.len() != 10 {
            return None;
        }
        return Some(if end {
            start_of_day(date.succ_opt()?, tz) - chrono::Duration::microseconds(1)
        } else {
            start_of_day(date, tz)
        });
    }
    parse_rfc3339(text)
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

#[cfg(test)]
mod bound_tests {
    use super::*;

    #[test]
    fn date_bounds_cover_the_local_day() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(to_api(parse_bound("2023-03-12", ny, false).unwrap(), None), "2023-03-12T05:00:00Z");
        // The spring-forward day has 23 hours: it ends at 04:00Z the next day.
        assert_eq!(to_api(parse_bound("2023-03-12", ny, true).unwrap(), None), "2023-03-13T03:59:59.999999Z");
        assert_eq!(
            to_api(parse_bound("2023-10-08", chrono_tz::UTC, true).unwrap(), None),
            "2023-10-08T23:59:59.999999Z"
        );
        assert_eq!(to_api(parse_bound("2023-10-08T10:00:00+02:00", ny, false).unwrap(), None), "2023-10-08T08:00:00Z");
        assert!(parse_bound("2023-13-01", ny, false).is_none());
        assert!(parse_bound("yesterday", ny, false).is_none());
    }

    #[test]
    fn a_day_without_midnight_starts_at_its_first_instant() {
        // America/Santiago skipped 2022-09-11 00:00 -> 01:00.
        let santiago = chrono_tz::America::Santiago;
        let start = start_of_day(chrono::NaiveDate::from_ymd_opt(2022, 9, 11).unwrap(), santiago);
        assert_eq!(to_api(start, Some(santiago)), "2022-09-11T01:00:00-03:00");
    }

    #[test]
    fn days_start_exactly_where_the_zone_says_even_across_long_or_odd_gaps() {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let apia = chrono_tz::Pacific::Apia;
        // 2011-12-30 never happened in Apia: the 29th has its 24 hours, the 30th none.
        assert_eq!(to_api(start_of_day(day("2011-12-29"), apia), None), "2011-12-29T10:00:00Z");
        assert_eq!(to_api(parse_bound("2011-12-29", apia, true).unwrap(), None), "2011-12-30T09:59:59.999999Z");
        assert_eq!(start_of_day(day("2011-12-30"), apia), start_of_day(day("2011-12-31"), apia));
        assert!(parse_bound("2011-12-30", apia, false) > parse_bound("2011-12-30", apia, true), "no instants");
        // Kathmandu moved from +05:30 to +05:45 at midnight: 1986-01-01 starts at 00:15 local.
        let kathmandu = chrono_tz::Asia::Kathmandu;
        assert_eq!(to_api(start_of_day(day("1986-01-01"), kathmandu), Some(kathmandu)), "1986-01-01T00:15:00+05:45");
        assert_eq!(to_api(parse_bound("1985-12-31", kathmandu, true).unwrap(), None), "1985-12-31T18:29:59.999999Z");
    }
}

#[cfg(test)]
mod leap_second_tests {
    use super::*;

    #[test]
    fn second_60_is_refused_so_every_stored_instant_sorts_where_it_happens() {
        // chrono reads `:60` as a leap second, which sorts after `23:59:59.999999` in the stored
        // form: a sale there would be counted in its day but listed in none.
        assert_eq!(parse_rfc3339("2016-12-31T23:59:60Z"), None);
        assert_eq!(parse_rfc3339("2023-06-15T12:30:60Z"), None);
        assert_eq!(parse_rfc3339("2016-12-31T23:59:60.5+00:00"), None);
        assert_eq!(parse_bound("2016-12-31T23:59:60Z", chrono_tz::UTC, true), None);
        assert!(parse_rfc3339("2016-12-31T23:59:59.999999Z").is_some());
    }
}
