//! Exactly once per `Idempotency-Key`: the first request with a key does the write and keeps its
//! response under the key; a retry with the same body gets that response, with another body
//! [`Error::IdempotencyKeyReused`], and while the first is still running
//! [`Error::IdempotencyKeyInFlight`].

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::Error;
use store::Store;
use store::idempotency::{Claim, Completion};
pub use store::idempotency::{IdempotencyKey, StoredResponse};

/// The response to keep under a key when a write fails definitely (an unknown product or sale, a
/// broken rule), because every retry must get it; `None` for transient failures, which free the
/// key. The API layer says which and renders it, as it renders every error and every success.
pub type DefiniteAnswer<'a> = &'a (dyn Fn(&Error) -> Option<StoredResponse> + Sync);

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

/// Runs `write` at most once per idempotency key. `write` gets the claim when there is a key and
/// must complete it in its own transaction ([`Claimed::completion`]). Definite failures are kept
/// as the key's response (`definite` says which and renders it); transient ones free the key for
/// a retry. Without a key, `write` just runs.
pub async fn once<F, Fut>(
    store: &Store,
    idempotency: Option<&IdempotencyKey>,
    now: DateTime<Utc>,
    definite: DefiniteAnswer<'_>,
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
            match definite(&e) {
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
