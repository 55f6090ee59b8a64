//! No input panics the query parser, money, period parsing or bucketing, and the window
//! arithmetic stays exact: a property test over arbitrary numbers, strings and instants (run in
//! `make test`; `PROPTEST_CASES` raises the count for a longer search).

use api::wire::{PageParams, ValidQuery};
use app::time::{parse_bound, parse_rfc3339};
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use domain::aggregate::{Bucket, Grain, cover_runs, hour_interval, split_window};
use domain::analytics::{GroupBy, parse_period, parse_period_grain};
use domain::catalogue::parse_product_id;
use domain::money::Money;
use proptest::prelude::*;

const ZONES: [Tz; 5] = [
    chrono_tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Australia::Lord_Howe, // a 30-minute DST change
    chrono_tz::Pacific::Apia,        // skipped a whole day in 2011
];

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..4_102_444_800, 0u32..1_000_000)
        .prop_map(|(s, us)| Utc.timestamp_opt(s, us * 1000).single().unwrap_or_else(Utc::now))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn texts_parse_or_are_refused_without_panicking(text in "\\PC{0,40}", zone in 0usize..ZONES.len()) {
        let tz = ZONES[zone];
        let _ = Money::parse(&text);
        let _ = parse_rfc3339(&text);
        let _ = parse_bound(&text, tz, true);
        let _ = parse_bound(&text, tz, false);
        let _ = GroupBy::parse(&text);
        let _ = parse_product_id(&text);
        let _ = parse_period_grain("period", &text);
        for grain in [Grain::Hour, Grain::Day, Grain::Month, Grain::Year, Grain::All] {
            if let Some(b) = Bucket::parse(grain, &text) {
                let _ = b.previous();
                prop_assert_eq!(Bucket::parse(grain, &b.period), Some(b.clone()), "a parsed period parses again");
            }
            let _ = parse_period("at", grain, &text);
        }
        let _ = ValidQuery::<PageParams>::parse(Some(&text)).map(|page| page.limit());
    }

    #[test]
    fn money_round_trips(minor in any::<i64>()) {
        let m = Money::from_minor(minor);
        if let Ok(back) = Money::parse(&m.to_string()) {
            prop_assert_eq!(back.minor(), minor);
        }
    }

    /// Every instant of a window is in exactly one of: its core (whole local hours, read from
    /// counters) or one edge; no instant outside it is in either.
    #[test]
    fn a_window_splits_exactly(a in instant(), len in 0i64..(3 * 24 * 3600 * 1_000_000), zone in 0usize..ZONES.len(), probes in prop::collection::vec(0i64..(4 * 24 * 3600 * 1_000_000), 16)) {
        let tz = ZONES[zone];
        let b = a + Duration::microseconds(len);
        let w = split_window(a, b, tz);
        prop_assert!(w.edges.len() <= 2);
        for (s, e) in &w.edges {
            prop_assert!(a <= *s && s < e && *e <= b);
            prop_assert!(*e - *s <= Duration::hours(2), "an edge is at most two real hours");
        }
        let in_core = |t: DateTime<Utc>| {
            w.core.is_some_and(|c| {
                let local = t.with_timezone(&tz).naive_local();
                c.start <= local && local < c.end
            })
        };
        for p in probes {
            let t = a - Duration::hours(12) + Duration::microseconds(p);
            let hits = usize::from(in_core(t)) + w.edges.iter().filter(|(s, e)| *s <= t && t < *e).count();
            let inside = a <= t && t < b;
            prop_assert_eq!(hits, usize::from(inside), "instant {} of [{}, {}) in {}", t, a, b, tz);
        }
        if let Some(core) = w.core {
            // The core's runs of buckets cover it exactly, in order, with no gap or overlap.
            let runs = cover_runs(core, Grain::All);
            prop_assert!(runs.len() <= 7);
            let mut next = core.start;
            for run in &runs {
                prop_assert_eq!(run.first.start(), Some(next), "runs follow each other");
                prop_assert!(run.last.start() >= run.first.start());
                next = run.last.end().unwrap();
            }
            prop_assert_eq!(next, core.end);
        }
    }

    #[test]
    fn an_hour_interval_is_at_most_two_real_hours(t in instant(), zone in 0usize..ZONES.len()) {
        let tz = ZONES[zone];
        let local = t.with_timezone(&tz).naive_local();
        let hour = local.date().and_hms_opt(chrono::Timelike::hour(&local), 0, 0).unwrap();
        let (s, e) = hour_interval(hour, tz);
        prop_assert!(s <= t && t < e, "{} in its local hour [{}, {})", t, s, e);
        prop_assert!(e - s <= Duration::hours(2));
    }
}
