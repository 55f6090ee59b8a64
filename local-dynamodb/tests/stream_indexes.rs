//! The indexes serve the exact statements Dynoxide runs on its stream table, and the retention
//! trim removes only what is older than its cutoff.

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
    for i in 0..n {
        db.put_item(
            serde_json::from_value(json!({"TableName": "shop", "Item": {"PK": {"S": format!("k{i}")}}})).unwrap(),
        )
        .unwrap();
    }
    (dir, path)
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

    local_dynamodb::add_stream_indexes(&path).unwrap();
    local_dynamodb::add_stream_indexes(&path).unwrap(); // idempotent: a restart adds nothing
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert!(steps(&conn, NEXT_SEQUENCE) < 40, "{}", steps(&conn, NEXT_SEQUENCE));
    assert!(steps(&conn, RECORDS_AFTER) < 40, "{}", steps(&conn, RECORDS_AFTER));
}

#[test]
fn trimming_removes_only_records_older_than_the_cutoff() {
    let (_dir, path) = database_with_stream_records(5);
    local_dynamodb::add_stream_indexes(&path).unwrap();
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
