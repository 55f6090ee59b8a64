//! Exactly once per `Idempotency-Key`: the first request with a key does the write and keeps its
//! response under the key; a retry with the same body gets that response, with another body
//! [`Error::IdempotencyKeyReused`], and while the first is still running
//! [`Error::IdempotencyKeyInFlight`].

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Error;
use crate::store::Store;
use crate::store::idempotency::{Claim, Completion, IdempotencyKey, StoredResponse};

/// The response to keep under a key when a write fails definitely (an unknown product or sale, a
/// broken rule), because every retry must get it; `None` for transient failures, which free the
/// key. The API layer says which and renders it, as it renders every error.
pub trait DefiniteAnswer {
    fn definite_answer(&self) -> Option<StoredResponse>;
}

/// A claimed key: what a write needs to complete it in its own transaction.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub key: String,
    pub token: String,
}

impl Claimed {
    /// The completion of this key with `response`, for the write's transaction.
    pub fn completion(&self, response: StoredResponse) -> Completion<'_> {
        Completion { key: &self.key, token: &self.token, response }
    }
}

/// A `201 Created` response of `view`, as kept under a key.
pub fn created<T: Serialize>(view: &T) -> Result<StoredResponse, Error> {
    let body = serde_json::to_value(view).map_err(|e| Error::Render(e.to_string()))?;
    Ok(StoredResponse { status: 201, body })
}

/// Runs `write` at most once per idempotency key. `write` gets the claim when there is a key and
/// must complete it in its own transaction ([`Claimed::completion`]). Definite failures are kept
/// as the key's response; transient ones free the key for a retry. Without a key, `write` just
/// runs.
pub async fn once<F, Fut>(
    store: &Store,
    idempotency: Option<&IdempotencyKey>,
    now: DateTime<Utc>,
    write: F,
) -> Result<StoredResponse, Error>
where
    F: FnOnce(Option<Claimed>) -> Fut,
    Fut: Future<Output = Result<StoredResponse, Error>>,
{
    let Some(idem) = idempotency else {
        return write(None).await;
    };
    let token = match store.claim_idempotency_key(idem, now).await? {
        Claim::Acquired { token } => token,
        Claim::Replay(response) => return Ok(response),
        Claim::Mismatch => return Err(Error::IdempotencyKeyReused),
        Claim::InFlight => return Err(Error::IdempotencyKeyInFlight),
    };
    let claimed = Claimed { key: idem.key.clone(), token };
    match write(Some(claimed.clone())).await {
        Ok(response) => Ok(response),
        Err(e) => {
            match e.definite_answer() {
                // A definite answer about this request is the response every retry must get.
                Some(response) => store.complete_idempotency_key(&claimed.completion(response)).await?,
                // Anything transient: free the key so a retry can try again.
                None => {
                    if let Err(release) = store.release_idempotency_key(&claimed.key, &claimed.token).await {
                        tracing::warn!(error = %release, "could not release an idempotency key; it frees itself when its lease ends");
                    }
                }
            }
            Err(e)
        }
    }
}
