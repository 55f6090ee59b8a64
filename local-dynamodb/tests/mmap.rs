//! The database file is read through a memory map, by Dynoxide's own connection: the map shows in
//! the process's mappings once the server has read the file. (A process of its own: SQLite takes
//! the setting only before its first connection.)

use local_dynamodb::LocalDynamoDb;

fn mapped(path: &std::path::Path) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let path = path.canonicalize().unwrap();
    maps.lines().any(|line| line.ends_with(path.to_str().unwrap()))
}

async fn list_tables(db: &LocalDynamoDb) {
    let listed = reqwest::Client::new()
        .post(db.endpoint())
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .header("content-type", "application/x-amz-json-1.0")
        // Present, as every SDK sends them; a local endpoint does not check the signature.
        .header("x-amz-date", "20260101T000000Z")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = listed.status().as_u16();
    assert_eq!(status, 200, "{}", listed.text().await.unwrap());
}

#[tokio::test]
async fn the_server_reads_its_database_through_a_memory_map() {
    let db = LocalDynamoDb::ephemeral().await.unwrap();
    // Moves what the write-ahead log holds into the file (a fresh database is mostly in the log),
    // on a connection of its own that is closed (with any map of its own) before the check.
    rusqlite::Connection::open(db.data())
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    list_tables(&db).await;
    assert!(mapped(db.data()), "{} is not memory-mapped by the server", db.data().display());
    let conn = rusqlite::Connection::open(db.data()).unwrap();
    let size: i64 = conn.query_row("PRAGMA mmap_size", [], |r| r.get(0)).unwrap();
    assert_eq!(size, local_dynamodb::MMAP_SIZE, "every new connection's default");
}
