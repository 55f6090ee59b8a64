//! The fault-injecting front of the local DynamoDB: a proxy in front of Dynoxide that answers some
//! writes as DynamoDB answers them under load and forwards everything else unchanged.
//!
//! Dynoxide runs one request at a time, in about a millisecond, so two transactions never overlap
//! in it and DynamoDB's `TransactionConflict` never happens by itself. The front makes it happen,
//! in two modes:
//! - a share of the transactions cancelled at random ([`Faults::transaction_conflict_rate`]);
//! - contention ([`Faults::transaction_conflict_window`]): a transaction runs for at least the
//!   window (its answer is held back until then), as one takes milliseconds in DynamoDB, and holds
//!   its items while it runs. A transaction that touches an item (same table, same primary key)
//!   another transaction holds is cancelled with `TransactionConflict` for that item, and a
//!   PutItem, UpdateItem or DeleteItem on such an item is refused with
//!   `TransactionConflictException`, as DynamoDB does while a transaction is in progress on the
//!   item. A caller that waits for its transaction's answer before its next call never conflicts
//!   with itself, as in DynamoDB: only concurrent callers do.
//!
//! A refused call is answered by the front and never reaches Dynoxide: nothing of it is written.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use dynoxide::errors::{CancellationReason, DynoxideError};
use serde_json::Value;

/// The environment variable that turns contention on for `make dev`, `local-runner` and the
/// tests' local DynamoDB (`test_support`): the window in milliseconds (how long a transaction
/// holds its items at least; `0`: only while Dynoxide runs it); unset or empty, off.
pub const CONTENTION_ENV: &str = "DYNAMODB_CONTENTION_MS";

/// The message DynamoDB gives with a `TransactionConflict` reason and a
/// `TransactionConflictException`.
const ONGOING: &str = "Transaction is ongoing for the item";

/// Faults to inject, as DynamoDB produces them under load, so the code's handling of them runs
/// locally too (where one process serialises every call and they never happen by themselves).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// The share (0 to 1) of TransactWriteItems calls answered with a
    /// `TransactionCanceledException` whose reason for one of the items, chosen at random, is
    /// `TransactionConflict`. Nothing of such a call is written.
    pub transaction_conflict_rate: f64,
    /// Contention on items: `Some(window)` makes every TransactWriteItems last at least
    /// `window` (its answer is held back until then) and hold its items (same table and primary
    /// key) while it lasts; another TransactWriteItems touching a held item is cancelled with
    /// `TransactionConflict` for each held item (`None` for the others), and a PutItem,
    /// UpdateItem or DeleteItem on one is refused with `TransactionConflictException`. Nothing of
    /// a refused call is written, and it holds nothing; a forwarded transaction holds its items
    /// whatever Dynoxide answers (in DynamoDB a transaction its own condition cancels was in
    /// progress too). `Some(ZERO)`: held only while Dynoxide runs it.
    pub transaction_conflict_window: Option<Duration>,
}

impl Faults {
    /// Contention only, with `window` (see [`Faults::transaction_conflict_window`]).
    pub fn contention(window: Duration) -> Self {
        Faults { transaction_conflict_window: Some(window), ..Faults::default() }
    }

    /// Contention with a window of `ms` milliseconds, or no fault when `None`.
    pub fn contention_ms(ms: Option<u64>) -> Self {
        ms.map_or_else(Faults::default, |ms| Faults::contention(Duration::from_millis(ms)))
    }

    /// The faults [`CONTENTION_ENV`] asks for (none when it is unset or empty).
    pub fn from_env() -> anyhow::Result<Self> {
        let value = std::env::var(CONTENTION_ENV).unwrap_or_default();
        let value = value.trim();
        if value.is_empty() {
            return Ok(Faults::default());
        }
        let ms = value
            .parse::<u64>()
            .with_context(|| format!("{CONTENTION_ENV}={value:?} is not a whole number of milliseconds"))?;
        Ok(Faults::contention_ms(Some(ms)))
    }

    /// Whether any fault is asked for (else no front is needed).
    pub fn any(&self) -> bool {
        self.transaction_conflict_rate > 0.0 || self.transaction_conflict_window.is_some()
    }
}

/// A proxy in front of the local DynamoDB at `backend` (whose database is `db`, read for the
/// tables' key schemas) that injects `faults`; and its state, to observe.
pub(crate) fn front(backend: String, db: dynoxide::Database, faults: Faults) -> (axum::Router, Arc<Front>) {
    let front = Arc::new(Front {
        backend,
        client: reqwest::Client::new(),
        db,
        faults,
        injected: AtomicUsize::new(0),
        contention: faults.transaction_conflict_window.map(Contention::new),
        key_schemas: Mutex::default(),
    });
    let state = front.clone();
    let handle = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let front = front.clone();
        async move { front.handle(method, uri, headers, body).await }
    };
    // DynamoDB takes requests up to 16 MB (a 4 MB transaction in JSON).
    let router = axum::Router::new().fallback(handle).layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024));
    (router, state)
}

pub(crate) struct Front {
    backend: String,
    client: reqwest::Client,
    db: dynoxide::Database,
    faults: Faults,
    /// Transactions cancelled and single-item writes refused.
    injected: AtomicUsize,
    contention: Option<Arc<Contention>>,
    /// Each table's key attribute names (partition key first), once read.
    key_schemas: Mutex<HashMap<String, Arc<[String]>>>,
}

impl Front {
    pub(crate) fn injected(&self) -> usize {
        self.injected.load(Ordering::Relaxed)
    }

    pub(crate) fn items_held(&self) -> usize {
        self.contention.as_ref().map_or(0, |c| c.items.lock().unwrap_or_else(PoisonError::into_inner).len())
    }

    async fn handle(&self, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
        let operation = target.strip_prefix("DynamoDB_20120810.").unwrap_or("");
        match operation {
            "TransactWriteItems" => {
                if rand::random::<f64>() < self.faults.transaction_conflict_rate {
                    let items = transact_items(&body).map_or(1, |items| items.len().max(1));
                    let conflicting = rand::random_range(0..items);
                    return self.refuse(cancelled(&(0..items).map(|i| i == conflicting).collect::<Vec<_>>()));
                }
                if let Some(contention) = &self.contention {
                    let keys = self.transaction_keys(&body).await;
                    return match contention.claim(&keys) {
                        Ok(held) => {
                            let answer = self.forward(method, &uri, &headers, body).await;
                            tokio::time::sleep_until((held.since + contention.window).into()).await;
                            drop(held);
                            answer
                        }
                        Err(conflicts) => self.refuse(cancelled(&conflicts)),
                    };
                }
            }
            "PutItem" | "UpdateItem" | "DeleteItem" => {
                if let Some(contention) = &self.contention
                    && let Some(key) = self.single_key(&body).await
                    && contention.is_held(&key)
                {
                    return self.refuse(transaction_conflict());
                }
            }
            _ => {}
        }
        self.forward(method, &uri, &headers, body).await
    }

    fn refuse(&self, answer: Response) -> Response {
        self.injected.fetch_add(1, Ordering::Relaxed);
        answer
    }

    async fn forward(&self, method: Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Response {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = self.client.request(method, format!("{}{path}", self.backend)).body(body);
        for (name, value) in headers {
            if name != "host" && name != "content-length" {
                request = request.header(name, value);
            }
        }
        match request.send().await {
            Ok(answer) => {
                let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
                let mut out = HeaderMap::new();
                for (name, value) in answer.headers() {
                    if name != "content-length" && name != "transfer-encoding" && name != "connection" {
                        out.insert(name.clone(), value.clone());
                    }
                }
                let bytes = answer.bytes().await.unwrap_or_default();
                (status, out, bytes).into_response()
            }
            Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
        }
    }

    /// The item of each action of a TransactWriteItems body, in order (`None` where it cannot be
    /// told: an unknown table, a malformed action; Dynoxide answers those).
    async fn transaction_keys(&self, body: &[u8]) -> Vec<Option<ItemKey>> {
        let Some(items) = transact_items(body) else { return Vec::new() };
        let mut keys = Vec::with_capacity(items.len());
        for action in &items {
            let key = match ["Put", "Update", "Delete", "ConditionCheck"].iter().find_map(|a| action.get(*a)) {
                Some(action) => self.key_of(action).await,
                None => None,
            };
            keys.push(key);
        }
        keys
    }

    /// The item a PutItem, UpdateItem or DeleteItem body writes.
    async fn single_key(&self, body: &[u8]) -> Option<ItemKey> {
        let request = serde_json::from_slice::<Value>(body).ok()?;
        self.key_of(&request).await
    }

    /// The item an action names: its `TableName` and the key attributes of its `Key` (or of its
    /// `Item`, for a put).
    async fn key_of(&self, action: &Value) -> Option<ItemKey> {
        let table = action.get("TableName")?.as_str()?;
        let attributes = action.get("Key").or_else(|| action.get("Item"))?;
        let schema = self.key_schema(table).await?;
        let mut key = table.to_owned();
        for name in schema.iter() {
            key.push('\0');
            key.push_str(&attributes.get(name)?.to_string());
        }
        Some(ItemKey(key))
    }

    async fn key_schema(&self, table: &str) -> Option<Arc<[String]>> {
        if let Some(known) = self.key_schemas.lock().unwrap_or_else(PoisonError::into_inner).get(table) {
            return Some(known.clone());
        }
        let (db, name) = (self.db.clone(), table.to_owned());
        // Dynoxide's calls block (its one connection); off the async workers.
        let metadata = tokio::task::spawn_blocking(move || db.get_table_metadata(&name)).await.ok()?.ok()??;
        let elements: Vec<Value> = serde_json::from_str(&metadata.key_schema).ok()?;
        let mut names: Vec<(bool, String)> = elements
            .iter()
            .filter_map(|e| Some((e.get("KeyType")? != "HASH", e.get("AttributeName")?.as_str()?.to_owned())))
            .collect();
        names.sort();
        let schema: Arc<[String]> = names.into_iter().map(|(_, name)| name).collect();
        self.key_schemas.lock().unwrap_or_else(PoisonError::into_inner).insert(table.to_owned(), schema.clone());
        Some(schema)
    }
}

/// The `TransactItems` of a TransactWriteItems body.
fn transact_items(body: &[u8]) -> Option<Vec<Value>> {
    match serde_json::from_slice::<Value>(body).ok()?.get_mut("TransactItems")?.take() {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

/// A `TransactionCanceledException` whose reason is `TransactionConflict` for each action marked
/// in `conflicts` and `None` for the others, as DynamoDB writes it (Dynoxide's serialisation of
/// its own cancellations: `Message` capitalised, the codes listed in it).
fn cancelled(conflicts: &[bool]) -> Response {
    let reasons: Vec<CancellationReason> = conflicts
        .iter()
        .map(|&conflict| {
            if conflict {
                CancellationReason { code: "TransactionConflict".into(), message: Some(ONGOING.into()), item: None }
            } else {
                CancellationReason { code: "None".into(), message: None, item: None }
            }
        })
        .collect();
    let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    let message =
        format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", codes.join(", "));
    dynamodb_error(&DynoxideError::TransactionCanceledException(message, reasons).to_json())
}

/// The `TransactionConflictException` DynamoDB answers a single-item write on an item a
/// transaction holds.
fn transaction_conflict() -> Response {
    let body = serde_json::json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
        "message": ONGOING,
    });
    dynamodb_error(&body.to_string())
}

fn dynamodb_error(body: &str) -> Response {
    (StatusCode::BAD_REQUEST, [("content-type", "application/x-amz-json-1.0")], body.to_owned()).into_response()
}

/// One item: its table and primary key, as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ItemKey(String);

/// Which items running transactions hold, each with how many hold it.
struct Contention {
    /// How long a transaction lasts at least.
    window: Duration,
    items: Mutex<HashMap<ItemKey, usize>>,
}

impl Contention {
    fn new(window: Duration) -> Arc<Self> {
        Arc::new(Contention { window, items: Mutex::default() })
    }

    /// Holds the items of a transaction (`keys`, one per action) until the returned guard is
    /// dropped; or, when another transaction holds some of them, holds nothing and answers which
    /// (one flag per action).
    fn claim(self: &Arc<Self>, keys: &[Option<ItemKey>]) -> Result<Held, Vec<bool>> {
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        let conflicts: Vec<bool> = keys.iter().map(|k| k.as_ref().is_some_and(|k| items.contains_key(k))).collect();
        if conflicts.contains(&true) {
            return Err(conflicts);
        }
        let held: Vec<ItemKey> = keys.iter().flatten().cloned().collect();
        for key in &held {
            *items.entry(key.clone()).or_default() += 1;
        }
        Ok(Held { contention: self.clone(), keys: held, since: Instant::now() })
    }

    fn is_held(&self, key: &ItemKey) -> bool {
        self.items.lock().unwrap_or_else(PoisonError::into_inner).contains_key(key)
    }
}

/// A transaction's hold on its items, released when dropped (its answer given, or its caller
/// gone).
struct Held {
    contention: Arc<Contention>,
    keys: Vec<ItemKey>,
    since: Instant,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut items = self.contention.items.lock().unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(holders) = items.get_mut(key) {
                *holders -= 1;
                if *holders == 0 {
                    items.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> ItemKey {
        ItemKey(s.to_owned())
    }

    #[test]
    fn a_running_transaction_holds_its_items_until_it_ends() {
        let contention = Contention::new(Duration::ZERO);
        let first = contention.claim(&[Some(key("a")), Some(key("b"))]).expect("free items");
        assert_eq!(contention.claim(&[Some(key("c")), Some(key("b")), None]).err(), Some(vec![false, true, false]));
        assert!(contention.is_held(&key("a")));
        let other = contention.claim(&[Some(key("c"))]).expect("another item is free");
        drop(first);
        assert!(!contention.is_held(&key("a")));
        assert!(contention.claim(&[Some(key("a")), Some(key("b"))]).is_ok(), "free once the first ended");
        assert!(contention.is_held(&key("c")), "the other still runs");
        drop(other);
        assert!(contention.items.lock().unwrap().is_empty(), "nothing is remembered of ended transactions");
    }

    #[test]
    fn a_refused_transaction_holds_nothing() {
        let contention = Contention::new(Duration::ZERO);
        let first = contention.claim(&[Some(key("a"))]).unwrap();
        assert!(contention.claim(&[Some(key("b")), Some(key("a"))]).is_err());
        assert!(!contention.is_held(&key("b")), "the refused one did not take b");
        drop(first);
    }

    #[test]
    fn a_window_in_milliseconds_turns_contention_on() {
        assert_eq!(Faults::contention_ms(Some(5)).transaction_conflict_window, Some(Duration::from_millis(5)));
        assert!(!Faults::contention_ms(None).any());
        assert!(Faults::contention_ms(Some(0)).any(), "0: only while running, still on");
    }

    #[test]
    fn a_cancellation_lists_one_reason_per_action_in_dynamodb_s_words() {
        let response = cancelled(&[false, true]);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body = futures_body(response);
        assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#TransactionCanceledException");
        assert_eq!(
            body["Message"],
            "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]"
        );
        assert_eq!(
            body["CancellationReasons"],
            serde_json::json!([{"Code": "None"}, {"Code": "TransactionConflict", "Message": ONGOING}])
        );
    }

    fn futures_body(response: Response) -> Value {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bytes = runtime.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }
}
