//! No input panics the request parsers, money, period parsing or bucketing, and the window
//! arithmetic stays exact: a property test over arbitrary numbers, strings and instants (run in
//! `make test`; `PROPTEST_CASES` raises the count for a longer search).

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use shared::domain::aggregate::{Bucket, Grain, cover_runs, hour_interval, split_window};
use shared::domain::analytics::{GroupBy, parse_period, parse_period_grain};
use shared::domain::catalogue::{NewCategory, NewProduct, ProductPatch, StockChange, parse_product_id};
use shared::domain::sales::NewSale;
use shared::input::{JsonObject, QueryParams};
use shared::money::Money;
use shared::time::{parse_bound, parse_rfc3339};

const ZONES: [Tz; 5] = [
    chrono_tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Australia::Lord_Howe, // a 30-minute DST change
    chrono_tz::Pacific::Apia,        // skipped a whole day in 2011
];

/// JSON-ish text: real JSON values of every kind, huge and tiny numbers, and noise.
fn json_member() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec!["-9223372036854775808", "9223372036854775807", "-1e400", "1e-400", "0.0", "-0"])
            .prop_map(str::to_owned),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        "-?[0-9]{1,30}(\\.[0-9]{0,30})?([eE][+-]?[0-9]{1,25})?",
        "\"[ -~]{0,20}\"",
        "\"\\\\u00[0-1][0-9a-f]x\"",
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        ".{0,10}",
    ]
}

fn json_body() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "name",
        "description",
        "price",
        "category_name",
        "current_inventory",
        "low_stock_alert_threshold",
        "status",
        "image",
        "product_id",
        "units_sold",
        "sold_at",
        "change",
        "set",
        "reason",
        "x",
    ]);
    prop::collection::vec((names, json_member()), 0..6).prop_map(|members| {
        let inner: Vec<String> = members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", inner.join(","))
    })
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..4_102_444_800, 0u32..1_000_000)
        .prop_map(|(s, us)| Utc.timestamp_opt(s, us * 1000).single().unwrap_or_else(Utc::now))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn bodies_parse_or_are_refused_without_panicking(body in json_body(), raw in prop::collection::vec(any::<u8>(), 0..64)) {
        let now = Utc::now();
        let opened = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        for bytes in [body.as_bytes(), raw.as_slice()] {
            if let Ok(o) = JsonObject::parse(bytes) { let _ = o.fingerprint(); let _ = NewSale::from_json(o, now, opened); }
            if let Ok(o) = JsonObject::parse(bytes) { let _ = NewProduct::from_json(o); }
            if let Ok(o) = JsonObject::parse(bytes) { let _ = ProductPatch::from_json(o); }
            if let Ok(o) = JsonObject::parse(bytes) { let _ = NewCategory::from_json(o); }
            if let Ok(o) = JsonObject::parse(bytes) { let _ = StockChange::from_json(o); }
        }
    }

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
        let _ = QueryParams::parse(Some(&text));
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
