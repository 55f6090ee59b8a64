//! Idempotency records (`IDEMPOTENCY#{key}` / `IDEMPOTENCY`): whether the first request with a key
//! is still in flight or completed, and its response, kept 24 hours. A write completes its key in
//! its own transaction ([`idempotency_completion`]), so a key never says "done" without the write.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Item, Store, StoreError, encode, key_item, keys};

/// A response kept under an idempotency key and returned to every retry.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Value,
}

/// An idempotency key and the fingerprint of the body it was sent with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

/// How long a key is remembered.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;
/// How long a claimed key stays "in flight" before a retry may take it over (a crashed request).
pub const IDEMPOTENCY_LEASE_SECS: i64 = 30;

const IN_FLIGHT: &str = "in_flight";
const COMPLETED: &str = "completed";

/// What claiming an idempotency key found.
pub enum Claim {
    /// The key is ours, under this owner token.
    Acquired { token: String },
    /// The first request with this key and body finished: its response.
    Replay(StoredResponse),
    /// The first request with this key is still running.
    InFlight,
    /// The key was used with another body.
    Mismatch,
}

/// The completion of a claimed idempotency key, written in the same transaction as the write it
/// answers, so that the key can never say "done" without the write.
#[derive(Debug, Clone)]
pub struct Completion<'a> {
    pub key: &'a str,
    /// The claim's owner token: completing is conditioned on still owning the key.
    pub token: &'a str,
    pub response: StoredResponse,
}

/// The stored shape of an idempotency record (its key attributes aside).
#[derive(Debug, Serialize, Deserialize)]
struct IdempotencyRecord {
    entity: String,
    /// `in_flight` or `completed`.
    state: String,
    /// SHA-256 of the body's members.
    fingerprint: String,
    /// The token of the request that claimed the key.
    owner: String,
    /// Epoch seconds; while in flight only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until: Option<i64>,
    /// Epoch seconds: the table's TTL attribute.
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response_status: Option<u16>,
    /// The response body's JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response_body: Option<String>,
}

impl IdempotencyRecord {
    /// A key claimed at `now` by `owner`.
    fn claimed(idem: &IdempotencyKey, owner: &str, now: i64) -> Self {
        IdempotencyRecord {
            entity: "idempotency".into(),
            state: IN_FLIGHT.into(),
            fingerprint: idem.fingerprint.clone(),
            owner: owner.to_owned(),
            lease_until: Some(now.saturating_add(IDEMPOTENCY_LEASE_SECS)),
            expires_at: now.saturating_add(IDEMPOTENCY_TTL_SECS),
            response_status: None,
            response_body: None,
        }
    }

    fn to_item(&self, key: &str) -> Result<Item, StoreError> {
        let mut item = encode(self)?;
        item.extend(key_item(&keys::idempotency(key)));
        Ok(item)
    }

    fn from_item(item: Item) -> Result<Self, StoreError> {
        serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(format!("idempotency record: {e}")))
    }

    /// What a claim that found this record (another request's) answers.
    fn claim_for(self, idem: &IdempotencyKey) -> Result<Claim, StoreError> {
        if self.fingerprint != idem.fingerprint {
            return Ok(Claim::Mismatch);
        }
        if self.state != COMPLETED {
            return Ok(Claim::InFlight);
        }
        let body = self.response_body.as_deref().and_then(|text| serde_json::from_str(text).ok());
        match (self.response_status, body) {
            (Some(status), Some(body)) => Ok(Claim::Replay(StoredResponse { status, body })),
            _ => Err(StoreError::Corrupt(format!("idempotency record {:?} completed without a response", idem.key))),
        }
    }
}

impl Store {
    /// Claims an idempotency key for a write: free (or expired, or in flight past its lease) it
    /// is ours; otherwise what the first request with it says.
    pub async fn claim_idempotency_key(&self, idem: &IdempotencyKey, now: DateTime<Utc>) -> Result<Claim, StoreError> {
        let token = uuid::Uuid::new_v4().to_string();
        let epoch = now.timestamp();
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(IdempotencyRecord::claimed(idem, &token, epoch).to_item(&idem.key)?))
            // Free, expired (TTL deletion can lag by days), or in flight past its lease.
            .condition_expression(
                "attribute_not_exists(PK) OR expires_at < :now OR (#state = :in_flight AND lease_until < :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now", AttributeValue::N(epoch.to_string()))
            .expression_attribute_values(":in_flight", AttributeValue::S(IN_FLIGHT.into()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Acquired { token }),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(refused)) => {
                    IdempotencyRecord::from_item(refused.item.clone().unwrap_or_default())?.claim_for(idem)
                }
                // A transaction is in progress on the key: the only one that writes it is the
                // completion of the request that claimed it, which is therefore still in flight.
                Some(PutItemError::TransactionConflictException(_)) => Ok(Claim::InFlight),
                _ => Err(StoreError::from_sdk("PutItem", e)),
            },
        }
    }

    /// Completes a claimed key with the response of a write that wrote nothing (a definite
    /// refusal), on condition that we still own it.
    pub async fn complete_idempotency_key(&self, completion: &Completion<'_>) -> Result<(), StoreError> {
        let update = idempotency_completion(self.table(), completion);
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(update.key))
            .set_update_expression(Some(update.update_expression))
            .set_condition_expression(update.condition_expression)
            .set_expression_attribute_names(update.expression_attribute_names)
            .set_expression_attribute_values(update.expression_attribute_values)
            .send()
            .await;
        // Refused: our lease ran out and a retry owns the key now; its answer will stand.
        super::conditional_write("UpdateItem", result).map(|_| ())
    }

    /// Frees a claimed key after a transient failure, so that a retry can try again.
    pub async fn release_idempotency_key(&self, key: &str, token: &str) -> Result<(), StoreError> {
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key_item(&keys::idempotency(key))))
            .condition_expression("#owner = :token AND #state = :in_flight")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":token", AttributeValue::S(token.into()))
            .expression_attribute_values(":in_flight", AttributeValue::S(IN_FLIGHT.into()))
            .send()
            .await;
        // Refused: the key is no longer ours to free.
        super::conditional_write("DeleteItem", result).map(|_| ())
    }
}

/// Marks a claimed key completed with its response, on condition that we still own it.
pub(super) fn idempotency_completion(table: &str, completion: &Completion<'_>) -> Update {
    let Completion { key, token, response } = completion;
    Update::builder()
        .table_name(table)
        .set_key(Some(key_item(&keys::idempotency(key))))
        .update_expression(
            "SET #state = :completed, response_status = :status, response_body = :body REMOVE lease_until",
        )
        .condition_expression("#owner = :token AND #state = :in_flight")
        .expression_attribute_names("#state", "state")
        .expression_attribute_names("#owner", "owner")
        .expression_attribute_values(":completed", AttributeValue::S(COMPLETED.into()))
        .expression_attribute_values(":in_flight", AttributeValue::S(IN_FLIGHT.into()))
        .expression_attribute_values(":token", AttributeValue::S((*token).to_owned()))
        .expression_attribute_values(":status", AttributeValue::N(response.status.to_string()))
        .expression_attribute_values(":body", AttributeValue::S(response.body.to_string()))
        .build()
        .expect("table, key and expression are set")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(fingerprint: &str) -> IdempotencyKey {
        IdempotencyKey { key: "order-1".into(), fingerprint: fingerprint.into() }
    }

    #[test]
    fn a_record_round_trips_and_says_what_a_second_claim_gets() {
        let claimed = IdempotencyRecord::claimed(&key("abc"), "owner-1", 1_700_000_000);
        let item = claimed.to_item("order-1").unwrap();
        assert_eq!(item.get("PK"), Some(&AttributeValue::S(keys::idempotency("order-1").pk)));
        assert_eq!(item.get("lease_until"), Some(&AttributeValue::N("1700000030".into())));
        assert_eq!(item.get("expires_at"), Some(&AttributeValue::N("1700086400".into())));
        let read = IdempotencyRecord::from_item(item).unwrap();
        assert!(matches!(read.claim_for(&key("abc")), Ok(Claim::InFlight)));
        let read = IdempotencyRecord::claimed(&key("abc"), "owner-1", 0);
        assert!(matches!(read.claim_for(&key("other")), Ok(Claim::Mismatch)));
        let completed = IdempotencyRecord {
            state: COMPLETED.into(),
            response_status: Some(201),
            response_body: Some(r#"{"id":"S1"}"#.into()),
            ..IdempotencyRecord::claimed(&key("abc"), "owner-1", 0)
        };
        match completed.claim_for(&key("abc")) {
            Ok(Claim::Replay(response)) => {
                assert_eq!((response.status, response.body["id"].as_str()), (201, Some("S1")));
            }
            _ => panic!("a completed record replays its response"),
        }
        let broken = IdempotencyRecord { state: COMPLETED.into(), ..IdempotencyRecord::claimed(&key("abc"), "o", 0) };
        assert!(matches!(broken.claim_for(&key("abc")), Err(StoreError::Corrupt(_))));
    }
}
