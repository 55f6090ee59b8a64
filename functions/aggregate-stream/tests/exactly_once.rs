//! Exactly-once aggregation, each test against a local DynamoDB of its own:
//! whatever the delivery does (duplicates, re-ordering, redelivery after a crash part-way
//! through a batch, a poison record), the counters equal a naive fold over the distinct sales
//! and returns.

use std::collections::BTreeMap;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, TimeZone, Utc};
use chrono_tz::Tz;
use domain::aggregate::{Bucket, CounterKey, Fact, ReturnFact, SaleFact, Scope, Totals, fold, plan_chunks};
use domain::money::Money;
use domain::{Sale, SaleReturn};
use local_dynamodb::LocalDynamoDb;
use proptest::prelude::*;
use store::sales::{return_item, sale_item};
use store::{MAX_TRANSACTION_ITEMS, Store};
use test_support::{fresh_store, store_on};

fn sale_of(fact: &SaleFact) -> Sale {
    Sale {
        id: fact.sale_id.clone(),
        product_id: fact.product_id,
        category_name: fact.category_name.clone(),
        units_sold: fact.units,
        unit_price: Money::from_minor(fact.revenue_minor / fact.units),
        total_price: Money::from_minor(fact.revenue_minor),
        sold_at: fact.sold_at,
    }
}

/// A stream record of a sale's INSERT, as Lambda delivers it.
fn record(fact: &SaleFact, sequence: u64) -> EventRecord {
    let mut r = EventRecord::default();
    r.event_name = "INSERT".into();
    r.event_id = format!("event-{sequence}");
    r.change.sequence_number = Some(format!("{sequence:021}"));
    r.change.new_image = serde_dynamo::Item::from(sale_item(&sale_of(fact), fact.sold_at).unwrap());
    r
}

/// A stream record of a sale's or a return's INSERT.
fn fact_record(fact: &Fact, sequence: u64) -> EventRecord {
    match fact {
        Fact::Sale(f) => record(f, sequence),
        Fact::Return(f) => {
            let mut r = EventRecord::default();
            r.event_name = "INSERT".into();
            r.event_id = format!("event-{sequence}");
            r.change.sequence_number = Some(format!("{sequence:021}"));
            let ret = SaleReturn {
                id: f.return_id.clone(),
                sale_id: f.sale_id.clone(),
                product_id: f.product_id,
                category_name: f.category_name.clone(),
                units: f.units,
                refund: Money::from_minor(f.refund_minor),
                reason: None,
                restocked: f.units % 2 == 0,
                returned_at: f.returned_at,
            };
            r.change.new_image = serde_dynamo::Item::from(return_item(&ret, f.returned_at).unwrap());
            r
        }
    }
}

/// A sale INSERT that cannot be read (its amount is not a number).
fn poison(sequence: u64) -> EventRecord {
    let sold_at = Utc.with_ymd_and_hms(2023, 10, 8, 12, 0, 0).unwrap();
    let mut r = record(
        &SaleFact {
            sale_id: "poison".into(),
            product_id: 1,
            category_name: "x".into(),
            units: 1,
            revenue_minor: 1,
            sold_at,
        },
        sequence,
    );
    let mut item = sale_item(
        &sale_of(&SaleFact {
            sale_id: "poison".into(),
            product_id: 1,
            category_name: "x".into(),
            units: 1,
            revenue_minor: 1,
            sold_at,
        }),
        sold_at,
    )
    .unwrap();
    item.insert("total_minor".into(), AttributeValue::S("lots".into()));
    r.change.new_image = serde_dynamo::Item::from(item);
    r
}

fn event(records: Vec<EventRecord>) -> Event {
    let mut e = Event::default();
    e.records = records;
    e
}

/// Every counter in the table (a Scan: this is a test, not a request path).
async fn stored_counters(store: &Store) -> BTreeMap<CounterKey, Totals> {
    let mut out = BTreeMap::new();
    let mut start = None;
    loop {
        let page = store
            .client()
            .scan()
            .table_name(store.table())
            .filter_expression("entity = :c")
            .expression_attribute_values(":c", AttributeValue::S("counter".into()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items.unwrap_or_default() {
            let key = store::rebuild::counter_key_of(&item).expect("a well-formed counter");
            out.insert(key, store::rebuild::totals_of(&item));
        }
        match page.last_evaluated_key {
            Some(k) => start = Some(k),
            None => return out,
        }
    }
}

/// The counters in the table are exactly those a fold of `facts` computes, none more.
async fn assert_counters_are_the_fold_of<F: Clone + Into<Fact>>(store: &Store, facts: &[F], tz: Tz) {
    let stored = stored_counters(store).await;
    let expected = fold(facts, tz);
    assert_eq!(stored.len(), expected.len(), "the same counters exist");
    for (key, totals) in &expected {
        assert_eq!(stored.get(key), Some(totals), "counter {key:?}");
    }
}

/// Sales, and for some of them a return of part of their units, some days later (possibly in
/// another hour, day, month or year than the sale).
fn arb_sales() -> impl Strategy<Value = Vec<Fact>> {
    prop::collection::vec(
        (
            1i64..=4,
            0i64..(400 * 24),
            1i64..=5,
            1i64..=50_000,
            prop::option::weighted(0.4, (0i64..=4, 0i64..(60 * 24 * 40))),
        ),
        1..40,
    )
    .prop_map(|raw| {
        let mut facts = Vec::new();
        for (i, (product, hour, units, price, ret)) in raw.into_iter().enumerate() {
            let sale = SaleFact {
                sale_id: format!("{i:026}"),
                product_id: product,
                category_name: if product % 2 == 0 { "even".into() } else { "odd".into() },
                units,
                revenue_minor: units * price,
                sold_at: Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap()
                    + Duration::minutes(hour * 37 % (400 * 24 * 60)),
            };
            if let Some((returned, minutes)) = ret {
                let returned = 1 + returned % units;
                facts.push(Fact::Return(ReturnFact {
                    return_id: format!("R{i:025}"),
                    sale_id: sale.sale_id.clone(),
                    product_id: sale.product_id,
                    category_name: sale.category_name.clone(),
                    units: returned,
                    refund_minor: returned * price,
                    returned_at: sale.sold_at + Duration::minutes(minutes),
                }));
            }
            facts.push(Fact::Sale(sale));
        }
        facts
    })
}

/// A delivery plan: batches of records (indexes into the sales, with repeats), and for each
/// batch how many of its chunks were committed before a crash (then the batch is redelivered).
fn arb_delivery(n: usize) -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<usize>, bool)> {
    let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
    let dups = prop::collection::vec(0..n, 0..n.max(1));
    (order, dups, prop::collection::vec(1usize..12, 1..8), prop::collection::vec(0usize..3, 8), any::<bool>()).prop_map(
        |(mut order, dups, sizes, crashes, with_poison)| {
            order.extend(dups);
            let mut batches = Vec::new();
            let mut rest = order.as_slice();
            let mut i = 0;
            while !rest.is_empty() {
                let take = sizes[i % sizes.len()].min(rest.len());
                batches.push(rest[..take].to_vec());
                rest = &rest[take..];
                i += 1;
            }
            (batches, crashes, with_poison)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn counters_equal_the_naive_fold_of_sales_and_returns_under_any_delivery(
        (sales, (batches, crashes, with_poison)) in arb_sales().prop_flat_map(|s| { let n = s.len(); (Just(s), arb_delivery(n)) }),
        zone in prop::sample::select(vec!["UTC", "America/New_York", "Asia/Kolkata"]),
    ) {
        let tz: Tz = zone.parse().unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (store, _dynamodb) = fresh_store().await;
            let now = Utc::now();
            let mut sequence = 0u64;
            for (b, batch) in batches.iter().enumerate() {
                let facts: Vec<Fact> = batch.iter().map(|i| sales[*i].clone()).collect();
                // A crash after some of this batch's transactions committed...
                let crashed_after = crashes[b % crashes.len()];
                for chunk in plan_chunks(&facts, tz, MAX_TRANSACTION_ITEMS).iter().take(crashed_after) {
                    store.apply_sales(&chunk.sales, tz, now).await.unwrap();
                }
                // ...then Lambda retries the whole batch.
                let mut records: Vec<EventRecord> = facts.iter().map(|f| { sequence += 1; fact_record(f, sequence) }).collect();
                if with_poison && b == 0 {
                    sequence += 1;
                    records.insert(0, poison(sequence));
                }
                let report = aggregate_stream::handle(&store, tz, &event(records), now).await;
                let expected_failed = usize::from(with_poison && b == 0);
                assert_eq!(report.failed.len(), expected_failed, "only the poison record fails");
            }
            // And a full replay of the stream at the end changes nothing.
            let all: Vec<EventRecord> = sales.iter().map(|f| { sequence += 1; fact_record(f, sequence) }).collect();
            let replay = aggregate_stream::handle(&store, tz, &event(all), now).await;
            assert_eq!(replay.applied.counted, 0, "a replay counts nothing");
            assert_eq!(replay.applied.duplicates, sales.len());

            assert_counters_are_the_fold_of(&store, &sales, tz).await;
        });
    }
}

#[tokio::test]
async fn a_batch_returns_the_poison_records_sequence_number_and_counts_the_rest() {
    let (store, _dynamodb) = fresh_store().await;
    let at = Utc.with_ymd_and_hms(2023, 5, 1, 10, 0, 0).unwrap();
    let facts: Vec<SaleFact> = (0..3)
        .map(|i| SaleFact {
            sale_id: format!("s{i}"),
            product_id: 1,
            category_name: "toys".into(),
            units: 1,
            revenue_minor: 500,
            sold_at: at,
        })
        .collect();
    let records = vec![record(&facts[0], 1), poison(2), record(&facts[1], 3), record(&facts[2], 4)];
    let report = aggregate_stream::handle(&store, chrono_tz::UTC, &event(records), Utc::now()).await;
    let response = aggregate_stream::response(&report);
    let ids: Vec<Option<String>> = response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
    assert_eq!(ids, [Some(format!("{:021}", 2))], "itemIdentifier is the poison record's SequenceNumber");
    assert_eq!(report.applied.counted, 3);
    let store_total = stored_counters(&store).await[&CounterKey { scope: Scope::Store, bucket: Bucket::all() }];
    assert_eq!((store_total.sales_count, store_total.revenue_minor), (3, 1500));
    // Records that are not sale INSERTs are ignored, not failed.
    let mut modify = record(&facts[0], 5);
    modify.event_name = "MODIFY".into();
    let report = aggregate_stream::handle(&store, chrono_tz::UTC, &event(vec![modify]), Utc::now()).await;
    assert_eq!((report.ignored, report.failed.len()), (1, 0));
}

#[tokio::test]
async fn one_hundred_sales_of_a_few_products_on_one_day_are_a_handful_of_writes() {
    let (store, _dynamodb) = fresh_store().await;
    let at = Utc.with_ymd_and_hms(2023, 5, 1, 10, 0, 0).unwrap();
    let facts: Vec<SaleFact> = (0..100)
        .map(|i| SaleFact {
            sale_id: format!("s{i:03}"),
            product_id: 1 + i % 3,
            category_name: "toys".into(),
            units: 1,
            revenue_minor: 999,
            sold_at: at + Duration::minutes(i),
        })
        .collect();
    let records: Vec<EventRecord> = facts.iter().enumerate().map(|(i, f)| record(f, i as u64 + 1)).collect();
    let report = aggregate_stream::handle(&store, chrono_tz::UTC, &event(records), Utc::now()).await;
    assert_eq!(report.applied.counted, 100);
    assert!(report.applied.transactions <= 2, "{} transactions", report.applied.transactions);
    assert!(report.applied.counter_writes <= 100, "{} counter writes, not 2000", report.applied.counter_writes);
    let total = stored_counters(&store).await[&CounterKey { scope: Scope::Store, bucket: Bucket::all() }];
    assert_eq!(total.revenue_minor, 99_900);
}

/// DynamoDB answers `TransactionConflict` when transactions touch the same item at once, as
/// batches from several shards do on the store-wide counters. With a quarter of the transactions
/// refused that way, four batches applied in parallel (and their failed records redelivered, as
/// Lambda does) still end with every counter exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_converge_exactly_when_parallel_batches_conflict() {
    let faults = local_dynamodb::Faults { transaction_conflict_rate: 0.25, ..local_dynamodb::Faults::default() };
    counters_converge_exactly_under(faults).await;
}

/// The same with contention as DynamoDB makes it (the local DynamoDB's contention mode): each
/// transaction holds its counters 10 ms, and a concurrent one on any of them is cancelled, so the
/// four batches collide on the store-wide counters every time they run together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_converge_exactly_when_parallel_batches_contend_for_the_same_counters() {
    counters_converge_exactly_under(local_dynamodb::Faults::contention(std::time::Duration::from_millis(10))).await;
}

/// Four shards' batches of sales applied in parallel on a local DynamoDB injecting `faults`, each
/// batch's failed records redelivered as Lambda does, until all are counted: the conflict path
/// ran, and every counter is the fold of the sales.
async fn counters_converge_exactly_under(faults: local_dynamodb::Faults) {
    let (store, dynamodb) =
        store_on(LocalDynamoDb::ephemeral_with(faults).await.expect("a local DynamoDB with faults")).await;
    let tz: Tz = "America/New_York".parse().unwrap();
    let at = Utc.with_ymd_and_hms(2023, 11, 5, 4, 0, 0).unwrap();
    let sales: Vec<SaleFact> = (0..160)
        .map(|i| SaleFact {
            sale_id: format!("{i:026}"),
            product_id: 1 + i % 5,
            category_name: ["a", "b"][(i % 2) as usize].into(),
            units: 1 + i % 3,
            revenue_minor: 100 * (1 + i % 7),
            sold_at: at + Duration::minutes(i * 3),
        })
        .collect();
    // Four shards' worth of records, each applied by its own invocation at the same time.
    let mut pending: Vec<Vec<EventRecord>> =
        sales.chunks(40).map(|c| c.iter().enumerate().map(|(j, f)| record(f, j as u64 + 1)).collect()).collect();
    let mut rounds = 0;
    while pending.iter().any(|b| !b.is_empty()) {
        rounds += 1;
        assert!(rounds <= 20, "converges");
        let runs = pending.iter().map(|batch| {
            let store = store.clone();
            let batch = batch.clone();
            async move {
                let report = aggregate_stream::handle(&store, tz, &event(batch.clone()), Utc::now()).await;
                // Lambda redelivers from the first failed record on.
                let first = batch
                    .iter()
                    .position(|r| r.change.sequence_number.as_ref().is_some_and(|s| report.failed.contains(s)));
                first.map_or_else(Vec::new, |i| batch[i..].to_vec())
            }
        });
        pending = futures::future::join_all(runs).await;
    }
    assert!(dynamodb.injected_faults() > 0, "the conflict path ran");
    assert_counters_are_the_fold_of(&store, &sales, tz).await;
}

#[tokio::test]
async fn a_return_counts_once_in_its_sales_counters_in_the_buckets_of_its_return() {
    let (store, _dynamodb) = fresh_store().await;
    let sale = SaleFact {
        sale_id: "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8".into(),
        product_id: 3,
        category_name: "toys".into(),
        units: 4,
        revenue_minor: 4_000,
        sold_at: Utc.with_ymd_and_hms(2023, 5, 1, 10, 0, 0).unwrap(),
    };
    let ret = Fact::Return(ReturnFact {
        return_id: "01HCJ9A1B2C3D4E5F6G7H8J9K0".into(),
        sale_id: sale.sale_id.clone(),
        product_id: 3,
        category_name: "toys".into(),
        units: 1,
        refund_minor: 1_000,
        returned_at: Utc.with_ymd_and_hms(2023, 6, 2, 8, 0, 0).unwrap(),
    });
    let records = vec![record(&sale, 1), fact_record(&ret, 2), fact_record(&ret, 3)];
    let report = aggregate_stream::handle(&store, chrono_tz::UTC, &event(records), Utc::now()).await;
    assert_eq!((report.applied.counted, report.applied.duplicates, report.failed.len()), (2, 0, 0));
    let again = aggregate_stream::handle(&store, chrono_tz::UTC, &event(vec![fact_record(&ret, 4)]), Utc::now()).await;
    assert_eq!((again.applied.counted, again.applied.duplicates), (0, 1));
    let stored = stored_counters(&store).await;
    let day = |d: &str| Bucket { grain: domain::aggregate::Grain::Day, period: d.into() };
    for scope in
        [Scope::Store, Scope::Category("toys".into()), Scope::Product(3), Scope::ProductInCategory("toys".into(), 3)]
    {
        let returned = stored[&CounterKey { scope: scope.clone(), bucket: day("2023-06-02") }];
        assert_eq!((returned.returns_count, returned.refunded_minor, returned.sales_count), (1, 1_000, 0), "{scope:?}");
        let sold = stored[&CounterKey { scope: scope.clone(), bucket: day("2023-05-01") }];
        assert_eq!((sold.sales_count, sold.returns_count), (1, 0), "{scope:?}");
        let all = stored[&CounterKey { scope, bucket: Bucket::all() }];
        assert_eq!(all.net_minor(), 3_000);
    }
}
