//! The meter on a real stream: items written with the SDK to a fresh table of the local DynamoDB
//! (template.yaml's table, its seven indexes), the stream read back, and the exact write units of
//! each change: a put, an update that moves an index key, one that changes only a projected
//! attribute, one that changes an attribute no index holds, a leaderboard counter's ADD (an ALL
//! index whose sort key moves), a write that changes nothing, and a delete.

use aws_sdk_dynamodb::types::AttributeValue;
use heat_meter::{EventName, HeatReport, Meter, TableSchema, WriteKind, read_table_stream};
use store::{Item, item_size, n, s};

#[tokio::test]
async fn every_change_is_charged_on_the_table_and_the_indexes_it_touches() {
    let (state, _dynamodb) = test_support::fresh_state("heat").await;
    let (client, table) = (state.store().client(), state.store().table());
    let streams =
        aws_sdk_dynamodbstreams::Client::new(&store::sdk::sdk_config(state.config.endpoint_url.as_deref()).await);

    // A product in GSI1 (INCLUDE: entity, product_id, category_name, ...), with a description no
    // index holds, long enough that the table item is over 1 KB while its index entry is not.
    let product: Item = [
        ("PK", s("PRODUCT#1")),
        ("SK", s("PRODUCT")),
        ("GSI1PK", s("PRODUCTS")),
        ("GSI1SK", s("000000000001")),
        ("entity", s("product")),
        ("product_id", n(1)),
        ("category_name", s("home")),
        ("current_inventory", n(10)),
        ("description", s("d".repeat(1200))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert!((1025..=2048).contains(&item_size(&product)), "the product is 2 write units");
    client.put_item().table_name(table).set_item(Some(product.clone())).send().await.unwrap();
    let key = |pk: &str, sk: &str| Some(Item::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))]));
    let update = |expression: &'static str, name: &'static str, value: AttributeValue| {
        client
            .update_item()
            .table_name(table)
            .set_key(key("PRODUCT#1", "PRODUCT"))
            .update_expression(expression)
            .expression_attribute_values(name, value)
    };
    // An index key changes: GSI1 moves the entry from PRODUCTS to PRODUCTS#archived.
    update("SET GSI1PK = :v", ":v", s("PRODUCTS#archived")).send().await.unwrap();
    // A projected attribute changes under the same index key: GSI1 rewrites the entry.
    update("SET category_name = :v", ":v", s("garden")).send().await.unwrap();
    // An attribute no index holds: the table alone.
    update("SET current_inventory = :v", ":v", n(9)).send().await.unwrap();
    // The same value again: nothing changes (see the no-op below).
    update("SET current_inventory = :v", ":v", n(9)).send().await.unwrap();
    // A leaderboard counter: in GSI5 (revenue_minor), GSI6 (units), GSI7 (net_minor), all ALL.
    let counter: Item = [
        ("PK", s("COUNTER#PRODUCT#1")),
        ("SK", s("D#2026-12-03")),
        ("board", s("PRODUCT#D#2026-12-03")),
        ("revenue_minor", n(1999)),
        ("units", n(1)),
        ("net_minor", n(1999)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    client.put_item().table_name(table).set_item(Some(counter)).send().await.unwrap();
    // A sale of 2 more units at 19.99: GSI5's and GSI6's sort keys move (a delete and a put
    // each); GSI7's does too.
    client
        .update_item()
        .table_name(table)
        .set_key(key("COUNTER#PRODUCT#1", "D#2026-12-03"))
        .update_expression("ADD revenue_minor :r, units :u, net_minor :r")
        .expression_attribute_values(":r", n(3998))
        .expression_attribute_values(":u", n(2))
        .send()
        .await
        .unwrap();
    // Only revenue: GSI5 moves; GSI6 and GSI7 (their sort keys unchanged) rewrite their entries
    // in place, since they project every attribute, revenue_minor included.
    client
        .update_item()
        .table_name(table)
        .set_key(key("COUNTER#PRODUCT#1", "D#2026-12-03"))
        .update_expression("ADD revenue_minor :r")
        .expression_attribute_values(":r", n(1))
        .send()
        .await
        .unwrap();
    client.delete_item().table_name(table).set_key(key("PRODUCT#1", "PRODUCT")).send().await.unwrap();

    let records = read_table_stream(&streams, table).await.unwrap();
    let events: Vec<EventName> = records.iter().map(|r| r.event).collect();
    use EventName::{Insert, Modify, Remove};
    assert_eq!(events, [Insert, Modify, Modify, Modify, Modify, Insert, Modify, Modify, Remove]);

    // Plain (not transactional) writes: the table's are charged once.
    let meter = Meter::new(TableSchema::from_template().unwrap(), false);
    let writes: Vec<Vec<(String, WriteKind, u64)>> = records
        .iter()
        .map(|r| meter.writes(r).into_iter().map(|w| (w.partition.to_string(), w.kind, w.units)).collect())
        .collect();
    let w = |p: &str, kind, units| (p.to_owned(), kind, units);
    use WriteKind::{Delete, Put, Update};
    assert_eq!(writes[0], [w("PRODUCT#1", Put, 2), w("GSI1 PRODUCTS", Put, 1)], "the put");
    assert_eq!(
        writes[1],
        [w("PRODUCT#1", Update, 2), w("GSI1 PRODUCTS", Delete, 1), w("GSI1 PRODUCTS#archived", Put, 1)],
        "an index key moved"
    );
    assert_eq!(writes[2], [w("PRODUCT#1", Update, 2), w("GSI1 PRODUCTS#archived", Update, 1)], "a projected attribute");
    assert_eq!(writes[3], [w("PRODUCT#1", Update, 2)], "an attribute no index holds");
    // The local DynamoDB writes a stream record for an update that changes nothing (DynamoDB
    // writes none, and charges the write all the same): the meter charges the table, no index.
    assert_eq!(records[4].old_image, records[4].new_image, "a no-op update is on the local stream");
    assert_eq!(writes[4], [w("PRODUCT#1", Update, 2)], "a write that changes nothing");
    let board = "PRODUCT#D#2026-12-03";
    assert_eq!(
        writes[5],
        [
            w("COUNTER#PRODUCT#1", Put, 1),
            w(&format!("GSI5 {board}"), Put, 1),
            w(&format!("GSI6 {board}"), Put, 1),
            w(&format!("GSI7 {board}"), Put, 1)
        ],
        "a counter"
    );
    assert_eq!(
        writes[6],
        [
            w("COUNTER#PRODUCT#1", Update, 1),
            w(&format!("GSI5 {board}"), Delete, 1),
            w(&format!("GSI5 {board}"), Put, 1),
            w(&format!("GSI6 {board}"), Delete, 1),
            w(&format!("GSI6 {board}"), Put, 1),
            w(&format!("GSI7 {board}"), Delete, 1),
            w(&format!("GSI7 {board}"), Put, 1)
        ],
        "every leaderboard's sort key moved"
    );
    assert_eq!(
        writes[7],
        [
            w("COUNTER#PRODUCT#1", Update, 1),
            w(&format!("GSI5 {board}"), Delete, 1),
            w(&format!("GSI5 {board}"), Put, 1),
            w(&format!("GSI6 {board}"), Update, 1),
            w(&format!("GSI7 {board}"), Update, 1)
        ],
        "one sort key moved, the other entries rewritten"
    );
    assert_eq!(writes[8], [w("PRODUCT#1", Delete, 2), w("GSI1 PRODUCTS#archived", Delete, 1)], "the delete");

    // The report of the whole, as for 2 sales: the product's partition is the hottest.
    let report = HeatReport::measure(&meter, &records, 2);
    assert_eq!(report.total_units, 3 + 4 + 3 + 2 + 2 + 4 + 7 + 5 + 3);
    assert_eq!(report.hottest().unwrap().partition.to_string(), "PRODUCT#1");
    assert_eq!((report.hottest().unwrap().units, report.hottest().unwrap().units_per_sale), (12, 6.0));
    assert_eq!(report.partition("GSI5 PRODUCT#D#2026-12-03").unwrap().units, 5);
    assert_eq!(report.ceiling(), Some(1000.0 / 6.0));
    let item = report.most_written.unwrap();
    assert_eq!((item.key.as_str(), item.writes), ("PRODUCT#1 / PRODUCT", 6));
}
