//! The indexes serve the exact statements Dynoxide runs on its stream table; the retention trim
//! removes only what is older than its cutoff, and a reader goes on after it; a deleted table's
//! stream records go with it.

use serde_json::json;

/// Copied from Dynoxide 3.2.0's `storage.rs` (`next_stream_sequence_number`, run on every write
/// to a table with a stream, and `stream_records_with_event_ids`, run by every GetRecords).
const NEXT_SEQUENCE: &str =
    "SELECT COALESCE(MAX(CAST(sequence_number AS INTEGER)), 0) + 1 FROM _stream_records WHERE table_name = ?1";
const RECORDS_AFTER: &str =
    "SELECT event_name, keys_json, new_image, old_image, sequence_number, created_at, user_identity, event_id
             FROM _stream_records
             WHERE table_name = ?1 AND shard_id = ?2 AND CAST(sequence_number AS INTEGER) > ?3
             ORDER BY CAST(sequence_number AS INTEGER) ASC
             LIMIT ?4";

fn database_with_stream_records(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite3");
    let db = dynoxide::Database::new(path.to_str().unwrap()).unwrap();
    create_shop(&db);
    for i in 0..n {
        put(&db, &format!("k{i}"));
    }
    (dir, path)
}

/// The table `shop`, with a stream of new and old images.
fn create_shop(db: &dynoxide::Database) {
    db.create_table(
        serde_json::from_value(json!({
            "TableName": "shop",
            "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        }))
        .unwrap(),
    )
    .unwrap();
}

/// The SQLite virtual-machine steps one run of `sql` takes: the work it does, whatever the clock.
fn steps(conn: &rusqlite::Connection, sql: &str) -> i32 {
    let mut stmt = conn.prepare(sql).unwrap();
    let params: Vec<&dyn rusqlite::ToSql> = match sql.matches('?').count() {
        1 => vec![&"shop"],
        _ => vec![&"shop", &"no-such-shard", &0i64, &100i64],
    };
    let mut rows = stmt.query(params.as_slice()).unwrap();
    while rows.next().unwrap().is_some() {}
    drop(rows);
    stmt.get_status(rusqlite::StatementStatus::VmStep)
}

#[test]
fn dynoxides_stream_statements_cost_the_same_at_any_stream_length() {
    let (_dir, path) = database_with_stream_records(400);
    let conn = rusqlite::Connection::open(&path).unwrap();
    // Without the indexes each statement reads every stream record.
    assert!(steps(&conn, NEXT_SEQUENCE) > 400 * 3, "{}", steps(&conn, NEXT_SEQUENCE));
    assert!(steps(&conn, RECORDS_AFTER) > 400 * 3, "{}", steps(&conn, RECORDS_AFTER));

    local_dynamodb::prepare_stream_table(&path).unwrap();
    local_dynamodb::prepare_stream_table(&path).unwrap(); // idempotent: a restart adds nothing
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert!(steps(&conn, NEXT_SEQUENCE) < 40, "{}", steps(&conn, NEXT_SEQUENCE));
    assert!(steps(&conn, RECORDS_AFTER) < 40, "{}", steps(&conn, RECORDS_AFTER));
}

#[test]
fn trimming_removes_only_records_older_than_the_cutoff() {
    let (_dir, path) = database_with_stream_records(5);
    local_dynamodb::prepare_stream_table(&path).unwrap();
    let count = |p: &std::path::Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM _stream_records", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&path), 5);
    assert_eq!(local_dynamodb::trim_stream_records(&path, 0).unwrap(), 0, "nothing is older than 1970");
    let future = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 60;
    assert_eq!(local_dynamodb::trim_stream_records(&path, future).unwrap(), 5);
    assert_eq!(count(&path), 0);
}

/// The stream's records after `after` (a stored sequence number; 0 for TRIM_HORIZON), as a reader
/// positioned there gets them: (stored sequence number, partition key).
fn records_after(db: &dynoxide::Database, after: i64) -> Vec<(i64, String)> {
    let arn = db
        .describe_table(serde_json::from_value(json!({"TableName": "shop"})).unwrap())
        .unwrap()
        .table
        .latest_stream_arn
        .expect("a stream");
    let stream = db.describe_stream(serde_json::from_value(json!({"StreamArn": arn})).unwrap()).unwrap();
    let shard = stream.stream_description.shards[0].shard_id.clone();
    let mut request = json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"});
    if after > 0 {
        request["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
        request["SequenceNumber"] = json!(public_sequence_number(after));
    }
    let iterator = db.get_shard_iterator(serde_json::from_value(request).unwrap()).unwrap().shard_iterator;
    let page = db.get_records(serde_json::from_value(json!({"ShardIterator": iterator})).unwrap()).unwrap();
    let page = serde_json::to_value(page).unwrap();
    page["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let seq: u128 = r["dynamodb"]["SequenceNumber"].as_str().unwrap().parse().unwrap();
            let stored = i64::try_from(seq - 100_000_000_000_000_000_000).unwrap();
            (stored, r["dynamodb"]["Keys"]["PK"]["S"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// Dynoxide's public form of a stored sequence number (21 digits).
fn public_sequence_number(stored: i64) -> String {
    (100_000_000_000_000_000_000u128 + stored as u128).to_string()
}

fn put(db: &dynoxide::Database, key: &str) {
    db.put_item(serde_json::from_value(json!({"TableName": "shop", "Item": {"PK": {"S": key}}})).unwrap()).unwrap();
}

#[test]
fn a_reader_past_every_trimmed_record_still_reads_the_next_one() {
    // The trim removes every record of a store left idle for a day. Dynoxide numbers a table's
    // next record after the highest it keeps, or after the clock's microseconds if that is
    // higher: numbering does not start again, so a reader positioned after the last removed
    // record (the local poller's checkpoint) reads the next one rather than skipping records
    // until the numbers caught up.
    let (_dir, path) = database_with_stream_records(3);
    local_dynamodb::prepare_stream_table(&path).unwrap();
    let db = dynoxide::Database::new(path.to_str().unwrap()).unwrap();
    let before = records_after(&db, 0);
    assert_eq!(before.len(), 3);
    let last = before.last().unwrap().0;

    let future = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 60;
    assert_eq!(local_dynamodb::trim_stream_records(&path, future).unwrap(), 3);
    put(&db, "after-the-trim");
    let after = records_after(&db, last);
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(after[0].0 > last, "numbering goes on: {after:?} after {last}");
    assert_eq!(after[0].1, "after-the-trim");
}

#[test]
fn a_recreated_tables_stream_starts_empty() {
    // Without `STREAM_DELETED_WITH_ITS_TABLE` the new stream started with the old table's three
    // records.
    let (_dir, path) = database_with_stream_records(3);
    local_dynamodb::prepare_stream_table(&path).unwrap();
    let db = dynoxide::Database::new(path.to_str().unwrap()).unwrap();
    assert_eq!(records_after(&db, 0).len(), 3);
    db.delete_table(serde_json::from_value(json!({"TableName": "shop"})).unwrap()).unwrap();
    create_shop(&db);
    put(&db, "new-table");
    let records = records_after(&db, 0);
    assert_eq!(records.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["new-table"]);
}
