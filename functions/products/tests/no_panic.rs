//! No request body panics its reading and its conversion into the domain: a property test over
//! arbitrary members and bytes (run in `make test`; `PROPTEST_CASES` raises the count).

use api::wire::ValidJson;
use chrono::{TimeZone, Utc};
use products::wire::{CategoryPatchBody, NewCategoryBody, NewProductBody, ProductPatchBody, StockChangeBody};
use proptest::prelude::*;
use sales::wire::{NewReturnBody, NewSaleBody, SaleClock};

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn bodies_parse_or_are_refused_without_panicking(body in json_body(), raw in prop::collection::vec(any::<u8>(), 0..64)) {
        let now = Utc::now();
        let opened = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        for bytes in [body.as_bytes(), raw.as_slice()] {
            if let Ok(b) = ValidJson::<NewSaleBody>::parse(bytes) { let _ = b.into_domain(SaleClock { now, opened }); }
            if let Ok(b) = ValidJson::<NewReturnBody>::parse(bytes) { let _ = b.into_domain(now); }
            if let Ok(b) = ValidJson::<NewProductBody>::parse(bytes) { let _ = b.into_domain(()); }
            if let Ok(b) = ValidJson::<ProductPatchBody>::parse(bytes) { let _ = b.into_domain(()); }
            if let Ok(b) = ValidJson::<NewCategoryBody>::parse(bytes) { let _ = b.into_domain(()); }
            if let Ok(b) = ValidJson::<CategoryPatchBody>::parse(bytes) { let _ = b.into_domain(()); }
            if let Ok(b) = ValidJson::<StockChangeBody>::parse(bytes) { let _ = b.into_domain(()); }
        }
    }
}
