//! The local DynamoDB + DynamoDB Streams endpoint: [Dynoxide](https://crates.io/crates/dynoxide-rs)
//! (DynamoDB's API on SQLite, with GSIs, transactions, Streams and TTL) served over HTTP from a
//! SQLite file, in process. `make dev` embeds it in the local runner, `local-runner dynamodb` runs
//! it alone, and every integration test starts its own on a free port ([`LocalDynamoDb::ephemeral`]).
//!
//! Two costs of Dynoxide 3.2 are removed here, without patching it, through the SQLite file it
//! keeps (a second connection; WAL mode lets both work on it):
//! - every write to a table with a stream asks for the stream's highest sequence number, and every
//!   GetRecords for the records after a position, with expressions no index of Dynoxide's serves:
//!   each write read every stream record ever written. [`STREAM_INDEXES`] serve both queries, so a
//!   write costs the same at 1,000 and 1,000,000 records (pinned by this crate's tests against the
//!   exact statements Dynoxide runs; the version is pinned in Cargo.toml for that reason);
//! - stream records were kept for ever: they are trimmed after [`STREAM_RETENTION`], DynamoDB
//!   Streams' 24 hours, and removed with their table ([`STREAM_DELETED_WITH_ITS_TABLE`]), so a
//!   recreated table's stream starts empty as in DynamoDB.
//!
//! - SQLite read every page its 2 MB page cache did not hold with a system call; every connection
//!   of the process maps the file into memory instead ([`MMAP_SIZE`]), so reading a page is a
//!   memory access whatever the size of the file.
//!
//! [`Faults`] put a proxy in front of Dynoxide that answers some writes as DynamoDB answers them
//! under load (a `TransactionConflict` among them, which one process serialising every call never
//! produces by itself); see [`faults`]. `DYNAMODB_CONTENTION_MS` ([`CONTENTION_ENV`]) turns its
//! contention mode on for `make dev` and the tests.
//!
//! Dynoxide's server does not expire items by itself; this one deletes items past their TTL
//! attribute every [`TTL_SWEEP_EVERY`] (DynamoDB does it within days; the code never relies on
//! when, and checks expiry in its conditions).

/// Every process that embeds the local DynamoDB (the local runner, the integration tests, the
/// benchmarks; never a Lambda) allocates with mimalloc. An emulator allocates and frees a map per
/// attribute of every item it reads or writes, from many threads; after 20,000 sales of that,
/// glibc's allocator spent 60% of the process's time in `malloc` (its free lists fragmented), and
/// a summary that reads the same items took twice as long at 20,000 sales as at 2,000.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod faults;
pub use faults::{CONTENTION_ENV, Faults};

/// How long stream records are kept, as in DynamoDB Streams.
pub const STREAM_RETENTION: Duration = Duration::from_hours(24);

/// How often expired items (TTL) are deleted. A sweep reads and parses every item of the table
/// (Dynoxide keeps no index of expiry times), so its cost grows with the table, and requests wait
/// behind its pages; DynamoDB itself takes up to a few days, and nothing here relies on when.
pub const TTL_SWEEP_EVERY: Duration = Duration::from_mins(10);

/// How often records older than the retention are removed. The first trim waits this long too,
/// so a local runner restarted after a long stop reads its backlog before any of it goes.
const TRIM_EVERY: Duration = Duration::from_mins(30);

/// Indexes for the statements Dynoxide runs on its stream table: the next sequence number on
/// every stream write (`MAX(CAST(sequence_number AS INTEGER)) ... WHERE table_name = ?`), the
/// records after an iterator's position (`table_name = ? AND shard_id = ? AND CAST(...) > ?
/// ORDER BY CAST(...)`), and the retention trim (`created_at < ?`). SQLite uses an index on an
/// expression only for the same expression, so they are written exactly as Dynoxide's queries.
pub const STREAM_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS local_stream_next_sequence
    ON _stream_records (table_name, CAST(sequence_number AS INTEGER));
CREATE INDEX IF NOT EXISTS local_stream_shard_position
    ON _stream_records (table_name, shard_id, CAST(sequence_number AS INTEGER));
CREATE INDEX IF NOT EXISTS local_stream_age ON _stream_records (created_at);
";

/// DynamoDB gives a recreated table a new stream, with new shards, that starts empty. Dynoxide
/// names a table's one shard after the table and keeps a deleted table's stream records, so the
/// new table's stream would start with the old table's records: a consumer reading it from
/// TRIM_HORIZON (as the local poller does for a stream it has not read) would count the old
/// table's sales into the new table's counters. The trigger removes a table's stream records with
/// the table. (The one difference: DynamoDB keeps a deleted table's old stream readable for 24
/// hours under its own ARN; nothing here reads a deleted table's stream.)
pub const STREAM_DELETED_WITH_ITS_TABLE: &str = "
CREATE TRIGGER IF NOT EXISTS local_stream_deleted_with_its_table AFTER DELETE ON _tables
BEGIN
    DELETE FROM _stream_records WHERE table_name = OLD.table_name;
END;
";

/// How much of a database file SQLite maps into memory (`PRAGMA mmap_size`), for every connection
/// of the process: more than a local store grows to. Address space only; the pages are the
/// operating system's file cache, shared with every reader.
pub const MMAP_SIZE: i64 = 1 << 30;

/// Makes [`MMAP_SIZE`] the default of every SQLite connection of this process. SQLite takes it
/// only before its first connection (`sqlite3_config` before `sqlite3_initialize`), so it is set
/// once, before the first database is opened; Dynoxide opens its connection itself, so it cannot
/// be set by a `PRAGMA` on it.
fn map_database_files() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        use rusqlite::ffi;
        // SAFETY: called before any connection of the process exists (the `Once` runs before
        // the first `Database::new`, and nothing else here uses SQLite), with the two `i64`
        // arguments SQLITE_CONFIG_MMAP_SIZE takes.
        let rc = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MMAP_SIZE, MMAP_SIZE, MMAP_SIZE) };
        if rc != ffi::SQLITE_OK {
            tracing::warn!(code = rc, "SQLite was already in use: database files are read without mmap");
        }
    });
}

/// A running local DynamoDB. Dropping it stops the server (requests running are finished); an
/// ephemeral one also removes its database.
pub struct LocalDynamoDb {
    endpoint: String,
    data: PathBuf,
    db: dynoxide::Database,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    housekeeping_task: JoinHandle<()>,
    /// The fault-injecting front, when there is one: its stop signal, its task, what it saw.
    front: Option<(oneshot::Sender<()>, JoinHandle<()>, std::sync::Arc<faults::Front>)>,
    // Declared last: the directory goes after the server that uses it.
    _temp: Option<tempfile::TempDir>,
}

impl LocalDynamoDb {
    /// A fresh database in a temporary directory, served on a free loopback port.
    pub async fn ephemeral() -> anyhow::Result<Self> {
        Self::ephemeral_with(Faults::default()).await
    }

    /// A fresh one, as [`LocalDynamoDb::ephemeral`], whose endpoint injects `faults`.
    pub async fn ephemeral_with(faults: Faults) -> anyhow::Result<Self> {
        let temp = tempfile::Builder::new().prefix("local-dynamodb-").tempdir().context("a temporary directory")?;
        let data = temp.path().join("dynamodb.sqlite3");
        let mut db = Self::start_with(SocketAddr::from(([127, 0, 0, 1], 0)), &data, faults).await?;
        db._temp = Some(temp);
        Ok(db)
    }

    /// Serves the database in `data` (created if missing) on `addr`. Committed writes are in the
    /// file when the call that made them returns, so they survive a `kill -9` of this process.
    pub async fn start(addr: SocketAddr, data: &Path) -> anyhow::Result<Self> {
        Self::start_with(addr, data, Faults::default()).await
    }

    /// As [`LocalDynamoDb::start`], injecting `faults`: with any, Dynoxide is served on a free
    /// loopback port and the fault-injecting front ([`faults`]) on `addr`.
    pub async fn start_with(addr: SocketAddr, data: &Path, faults: Faults) -> anyhow::Result<Self> {
        if let Some(dir) = data.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let path = data.to_str().with_context(|| format!("{} is not UTF-8", data.display()))?;
        map_database_files();
        let db = dynoxide::Database::new(path).map_err(|e| anyhow::anyhow!("opening {}: {e}", data.display()))?;
        prepare_stream_table(data)?;
        let front_listener = if faults.any() {
            Some(tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?)
        } else {
            None
        };
        let backend_addr = if front_listener.is_some() { SocketAddr::from(([127, 0, 0, 1], 0)) } else { addr };
        let listener =
            tokio::net::TcpListener::bind(backend_addr).await.with_context(|| format!("binding {backend_addr}"))?;
        let backend = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let served = db.clone();
        let server = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = dynoxide::server::serve_with_shutdown(listener, served, shutdown).await {
                tracing::error!(error = %e, "the local DynamoDB stopped");
            }
        });
        let (endpoint, front) = match front_listener {
            None => (backend, None),
            Some(listener) => {
                let endpoint = format!("http://{}", listener.local_addr()?);
                let (app, seen) = faults::front(backend, db.clone(), faults);
                let (stop, stopped) = oneshot::channel::<()>();
                let task = tokio::spawn(async move {
                    let shutdown = async {
                        let _ = stopped.await;
                    };
                    let _ = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
                });
                (endpoint, Some((stop, task, seen)))
            }
        };
        let trimmer_task = tokio::spawn(housekeeping(db.clone(), data.to_owned()));
        Ok(LocalDynamoDb {
            endpoint,
            data: data.to_owned(),
            db,
            stop: Some(stop),
            server: Some(server),
            housekeeping_task: trimmer_task,
            front,
            _temp: None,
        })
    }

    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How many faults the front has injected (0 without one): transactions cancelled and
    /// single-item writes refused.
    pub fn injected_faults(&self) -> usize {
        self.front.as_ref().map_or(0, |(_, _, front)| front.injected())
    }

    /// How many items running transactions hold now (contention mode; 0 without it): for a test
    /// that must act while a transaction runs.
    pub fn items_held(&self) -> usize {
        self.front.as_ref().map_or(0, |(_, _, front)| front.items_held())
    }

    /// The SQLite file.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// Deletes the items whose TTL attribute has passed now (as the periodic sweep does); returns
    /// how many. Each deletion is a stream REMOVE record by the DynamoDB service, as in AWS.
    pub async fn sweep_expired_items(&self) -> anyhow::Result<usize> {
        sweep(self.db.clone()).await
    }

    /// Stops accepting requests and waits for those running to finish.
    pub async fn stop(mut self) {
        self.housekeeping_task.abort();
        if let Some((stop, task, _)) = self.front.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for LocalDynamoDb {
    fn drop(&mut self) {
        self.housekeeping_task.abort();
        if let Some((stop, _, _)) = self.front.take() {
            let _ = stop.send(());
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Adds [`STREAM_INDEXES`] and [`STREAM_DELETED_WITH_ITS_TABLE`] to a Dynoxide database file
/// (idempotent: every start runs it).
pub fn prepare_stream_table(data: &Path) -> anyhow::Result<()> {
    let conn = open(data)?;
    conn.execute_batch(STREAM_INDEXES).with_context(|| format!("indexing the stream table of {}", data.display()))?;
    conn.execute_batch(STREAM_DELETED_WITH_ITS_TABLE)
        .with_context(|| format!("the stream trigger of {}", data.display()))
}

/// Removes the stream records written before `cutoff` (seconds since the Unix epoch); returns
/// how many. An iterator positioned on a removed record still reads what follows it.
pub fn trim_stream_records(data: &Path, cutoff: u64) -> anyhow::Result<usize> {
    let conn = open(data)?;
    let cutoff = i64::try_from(cutoff).unwrap_or(i64::MAX);
    Ok(conn.execute("DELETE FROM _stream_records WHERE created_at < ?1", [cutoff])?)
}

fn open(data: &Path) -> anyhow::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(data).with_context(|| format!("opening {}", data.display()))?;
    // Dynoxide holds the write lock only for one request at a time.
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

async fn sweep(db: dynoxide::Database) -> anyhow::Result<usize> {
    tokio::task::spawn_blocking(move || db.sweep_ttl().map_err(|e| anyhow::anyhow!("TTL sweep: {e}"))).await?
}

/// Expires items every [`TTL_SWEEP_EVERY`] and trims the stream every [`TRIM_EVERY`].
async fn housekeeping(db: dynoxide::Database, data: PathBuf) {
    let mut since_trim = Duration::ZERO;
    loop {
        tokio::time::sleep(TTL_SWEEP_EVERY).await;
        match sweep(db.clone()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(items = n, "expired items deleted (TTL)"),
            Err(e) => tracing::warn!(error = %e, "the TTL sweep failed; trying again later"),
        }
        since_trim += TTL_SWEEP_EVERY;
        if since_trim < TRIM_EVERY {
            continue;
        }
        since_trim = Duration::ZERO;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let cutoff = now.saturating_sub(STREAM_RETENTION).as_secs();
        let path = data.clone();
        match tokio::task::spawn_blocking(move || trim_stream_records(&path, cutoff)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(records = n, "stream records past the 24-hour retention removed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "trimming the stream failed; trying again later"),
            Err(e) => tracing::warn!(error = %e, "trimming the stream failed; trying again later"),
        }
    }
}
