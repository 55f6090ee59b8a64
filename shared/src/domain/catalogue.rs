//! Categories, products and the stock ledger.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::AppError;
use crate::input::{Field, JsonObject};
use crate::money::Money;
use crate::time::serialize_utc;

pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 2000;
pub const MAX_IMAGE_LEN: usize = 2048;
/// Stock and thresholds stay well inside what a sale or a counter can add up without overflow.
pub const MAX_QUANTITY: i64 = 1_000_000_000;
pub const DEFAULT_LOW_STOCK_THRESHOLD: i64 = 10;

/// `^[a-z0-9][a-z0-9_-]{0,39}$`, checked by hand (no regex engine needed for this).
pub fn is_valid_category_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 40
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes[1..].iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

/// A category name from a path segment: one that cannot exist is a malformed path value.
pub fn parse_category_path(name: &str) -> Result<String, AppError> {
    if is_valid_category_name(name) {
        Ok(name.to_owned())
    } else {
        Err(AppError::bad_field("name", "must match ^[a-z0-9][a-z0-9_-]{0,39}$"))
    }
}

/// A product id from a path segment: a positive integer.
pub fn parse_product_id(text: &str) -> Result<i64, AppError> {
    match text.parse::<i64>() {
        Ok(id) if id > 0 && !text.starts_with('+') => Ok(id),
        _ => Err(AppError::bad_field("id", "must be a positive integer")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "electronics", "description": "Phones and laptops",
    "created_at": "2023-10-08T12:48:25Z", "product_count": 3}))]
pub struct Category {
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{0,39}$")]
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    #[serde(serialize_with = "serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// How many products are in the category (a category in use cannot be deleted).
    pub product_count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProductStatus {
    Active,
    Inactive,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Active => "active",
            ProductStatus::Inactive => "inactive",
        }
    }

    pub fn parse(text: &str) -> Option<ProductStatus> {
        match text {
            "active" => Some(ProductStatus::Active),
            "inactive" => Some(ProductStatus::Inactive),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": 1, "name": "Laptop Pro 14", "description": "14-inch, 32 GB", "price": "1999.99",
    "image": "https://example.com/laptop.png", "category_name": "electronics", "status": "active",
    "current_inventory": 25, "low_stock_alert_threshold": 5,
    "created_at": "2023-10-08T12:48:25Z", "updated_at": "2023-10-08T12:48:25Z"
}))]
pub struct Product {
    #[schema(minimum = 1)]
    pub id: i64,
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub price: Money,
    #[schema(required = true)]
    pub image: Option<String>,
    pub category_name: String,
    pub status: ProductStatus,
    pub current_inventory: i64,
    pub low_stock_alert_threshold: i64,
    #[serde(serialize_with = "serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version; every write of the product increments it.
    #[serde(skip)]
    pub version: i64,
}

impl Product {
    /// Active and at or below its alert threshold: what `GET /inventory/low-stock` lists.
    pub fn is_low_stock(&self) -> bool {
        self.status == ProductStatus::Active && self.current_inventory <= self.low_stock_alert_threshold
    }

    /// This product after its stock moved by `change` (the next version, updated `now`), and the
    /// ledger entry that records it; `None` if the stock would overflow.
    pub fn stock_moved(
        &self,
        change: i64,
        reason: LedgerReason,
        sale_id: Option<String>,
        now: DateTime<Utc>,
    ) -> Option<(Product, LedgerEntry)> {
        let stock = self.current_inventory.checked_add(change)?;
        let mut after = self.clone();
        after.current_inventory = stock;
        after.version = self.version.checked_add(1)?;
        after.updated_at = now;
        Some((after, LedgerEntry { at: now, change, quantity_after: stock, reason, sale_id }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LedgerReason {
    Initial,
    Restock,
    Adjustment,
    Return,
    Sale,
}

impl LedgerReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerReason::Initial => "initial",
            LedgerReason::Restock => "restock",
            LedgerReason::Adjustment => "adjustment",
            LedgerReason::Return => "return",
            LedgerReason::Sale => "sale",
        }
    }

    pub fn parse(text: &str) -> Option<LedgerReason> {
        Some(match text {
            "initial" => LedgerReason::Initial,
            "restock" => LedgerReason::Restock,
            "adjustment" => LedgerReason::Adjustment,
            "return" => LedgerReason::Return,
            "sale" => LedgerReason::Sale,
            _ => return None,
        })
    }
}

/// One change of a product's stock. Written in the same transaction as the change itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"at": "2023-10-08T12:48:25Z", "change": -2, "quantity_after": 23,
    "reason": "sale", "sale_id": "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8"}))]
pub struct LedgerEntry {
    #[serde(serialize_with = "serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    pub change: i64,
    pub quantity_after: i64,
    pub reason: LedgerReason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
}

/// `POST /categories`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub name: String,
    pub description: Option<String>,
}

impl NewCategory {
    pub fn from_json(mut body: JsonObject) -> Result<Self, AppError> {
        let name = match body.string("name") {
            Field::Value(n) if is_valid_category_name(&n) => Some(n),
            Field::Value(_) => {
                body.error("name", "must match ^[a-z0-9][a-z0-9_-]{0,39}$ (lowercase letters, digits, _ and -)");
                None
            }
            _ => {
                body.error("name", "is required");
                None
            }
        };
        let description = optional_text(&mut body, "description", MAX_DESCRIPTION_LEN);
        body.finish()?;
        Ok(NewCategory { name: name.expect("checked by finish"), description: description.value().flatten() })
    }
}

/// `PATCH /categories/{name}`: the description (null clears it).
pub fn category_description_patch(mut body: JsonObject) -> Result<Option<String>, AppError> {
    let description = optional_text(&mut body, "description", MAX_DESCRIPTION_LEN);
    if description.is_absent() && !body.has_errors() {
        body.error("description", "is required");
    }
    body.finish()?;
    Ok(description.value().flatten())
}

/// `POST /products`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub name: String,
    pub description: Option<String>,
    pub price: Money,
    pub image: Option<String>,
    pub category_name: String,
    pub status: ProductStatus,
    pub current_inventory: i64,
    pub low_stock_alert_threshold: i64,
}

impl NewProduct {
    pub fn from_json(mut body: JsonObject) -> Result<Self, AppError> {
        let name = required(&mut body, "name", product_name);
        let description = optional_text(&mut body, "description", MAX_DESCRIPTION_LEN).value().flatten();
        let price = required(&mut body, "price", price);
        let image = image(&mut body).value().flatten();
        let category_name = required(&mut body, "category_name", category_ref);
        let status = optional(&mut body, "status", status).unwrap_or(ProductStatus::Active);
        let current_inventory = optional(&mut body, "current_inventory", quantity).unwrap_or(0);
        let low_stock_alert_threshold =
            optional(&mut body, "low_stock_alert_threshold", quantity).unwrap_or(DEFAULT_LOW_STOCK_THRESHOLD);
        body.finish()?;
        Ok(NewProduct {
            name: name.expect("checked by finish"),
            description,
            price: price.expect("checked by finish"),
            image,
            category_name: category_name.expect("checked by finish"),
            status,
            current_inventory,
            low_stock_alert_threshold,
        })
    }
}

/// `PATCH /products/{id}`: each member present is changed; `description` and `image` may be
/// `null` to clear them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub price: Option<Money>,
    pub image: Option<Option<String>>,
    pub category_name: Option<String>,
    pub status: Option<ProductStatus>,
    pub low_stock_alert_threshold: Option<i64>,
    /// An absolute stock level, recorded as an `adjustment` ledger entry.
    pub current_inventory: Option<i64>,
}

impl ProductPatch {
    pub fn from_json(mut body: JsonObject) -> Result<Self, AppError> {
        let patch = ProductPatch {
            name: optional(&mut body, "name", product_name),
            description: nullable(optional_text(&mut body, "description", MAX_DESCRIPTION_LEN)),
            price: optional(&mut body, "price", price),
            image: nullable(image(&mut body)),
            category_name: optional(&mut body, "category_name", category_ref),
            status: optional(&mut body, "status", status),
            low_stock_alert_threshold: optional(&mut body, "low_stock_alert_threshold", quantity),
            current_inventory: optional(&mut body, "current_inventory", quantity),
        };
        if patch == ProductPatch::default() && !body.has_errors() {
            body.error("body", "names no field to change");
        }
        body.finish()?;
        Ok(patch)
    }

    /// Applies the patch; returns whether anything changed.
    pub fn apply(&self, product: &mut Product) -> bool {
        let before = product.clone();
        if let Some(v) = &self.name {
            product.name = v.clone();
        }
        if let Some(v) = &self.description {
            product.description = v.clone();
        }
        if let Some(v) = self.price {
            product.price = v;
        }
        if let Some(v) = &self.image {
            product.image = v.clone();
        }
        if let Some(v) = &self.category_name {
            product.category_name = v.clone();
        }
        if let Some(v) = self.status {
            product.status = v;
        }
        if let Some(v) = self.low_stock_alert_threshold {
            product.low_stock_alert_threshold = v;
        }
        if let Some(v) = self.current_inventory {
            product.current_inventory = v;
        }
        *product != before
    }
}

/// `POST /products/{id}/inventory`: a relative `change` or an absolute `set`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockChange {
    pub kind: StockChangeKind,
    pub reason: LedgerReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChangeKind {
    Change(i64),
    Set(i64),
}

impl StockChange {
    pub fn from_json(mut body: JsonObject) -> Result<Self, AppError> {
        let change = body.integer("change");
        let set = body.integer("set");
        let reason = body.string("reason");
        let kind = match (change, set) {
            (Field::Value(c), Field::Absent) if c != 0 && c.unsigned_abs() <= MAX_QUANTITY.unsigned_abs() => {
                Some(StockChangeKind::Change(c))
            }
            (Field::Value(_), Field::Absent) => {
                body.error(
                    "change",
                    format!("must be a non-zero whole number between -{MAX_QUANTITY} and {MAX_QUANTITY}"),
                );
                None
            }
            (Field::Absent, Field::Value(s)) if (0..=MAX_QUANTITY).contains(&s) => Some(StockChangeKind::Set(s)),
            (Field::Absent, Field::Value(_)) => {
                body.error("set", format!("must be a whole number from 0 to {MAX_QUANTITY}"));
                None
            }
            (Field::Absent, Field::Absent) | (Field::Null, _) | (_, Field::Null) => {
                if !body.has_errors() {
                    body.error("change", "one of change or set is required");
                }
                None
            }
            _ => {
                body.error("set", "give either change or set, not both");
                None
            }
        };
        let reason = match reason {
            Field::Absent | Field::Null => match kind {
                Some(StockChangeKind::Change(c)) if c > 0 => LedgerReason::Restock,
                _ => LedgerReason::Adjustment,
            },
            Field::Value(r) => match LedgerReason::parse(&r) {
                Some(reason @ (LedgerReason::Restock | LedgerReason::Adjustment | LedgerReason::Return)) => reason,
                _ => {
                    body.error("reason", "must be one of restock, adjustment, return");
                    LedgerReason::Adjustment
                }
            },
        };
        body.finish()?;
        Ok(StockChange { kind: kind.expect("checked by finish"), reason })
    }

    /// The stock after the change, or the rule it breaks.
    pub fn apply_to(&self, current: i64) -> Result<i64, StockRejected> {
        let after = match self.kind {
            StockChangeKind::Change(c) => current.checked_add(c).ok_or(StockRejected::AboveMaximum)?,
            StockChangeKind::Set(s) => s,
        };
        if after < 0 {
            return Err(StockRejected::BelowZero { in_stock: current, change: after - current });
        }
        if after > MAX_QUANTITY {
            return Err(StockRejected::AboveMaximum);
        }
        Ok(after)
    }
}

/// Why a stock change cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockRejected {
    #[error("stock would go below zero: {in_stock} in stock, change {change}")]
    BelowZero { in_stock: i64, change: i64 },
    #[error("stock may not exceed {MAX_QUANTITY}")]
    AboveMaximum,
}

// ---- field rules -------------------------------------------------------------------------

type Rule<T> = fn(&mut JsonObject, &str) -> Option<T>;

fn required<T>(body: &mut JsonObject, name: &str, rule: Rule<T>) -> Option<T> {
    let errors_before = body.error_count();
    let value = rule(body, name);
    // A rule that rejected the value has said why; "is required" is only for a missing value.
    if value.is_none() && body.error_count() == errors_before {
        body.error(name, "is required");
    }
    value
}

fn optional<T>(body: &mut JsonObject, name: &str, rule: Rule<T>) -> Option<T> {
    rule(body, name)
}

fn nullable<T>(field: Field<Option<T>>) -> Option<Option<T>> {
    match field {
        Field::Absent => None,
        Field::Null => Some(None),
        Field::Value(v) => Some(v),
    }
}

fn non_null<T>(body: &mut JsonObject, name: &str, field: Field<T>) -> Option<T> {
    match field {
        Field::Value(v) => Some(v),
        Field::Null => {
            body.error(name, "must not be null");
            None
        }
        Field::Absent => None,
    }
}

fn product_name(body: &mut JsonObject, name: &str) -> Option<String> {
    let field = body.string(name);
    let value = non_null(body, name, field)?;
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_LEN {
        body.error(name, format!("must be 1 to {MAX_NAME_LEN} characters"));
        return None;
    }
    if trimmed.chars().any(char::is_control) {
        body.error(name, "must not contain control characters");
        return None;
    }
    if !trimmed.chars().any(is_visible) {
        body.error(name, "must contain a visible character");
        return None;
    }
    Some(trimmed.to_owned())
}

/// A character that shows: not white space, not a control, not an invisible format character
/// (zero-width spaces and joiners, direction marks, the byte-order mark, fillers, variation
/// selectors).
pub fn is_visible(c: char) -> bool {
    let invisible = matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB
        | 0xE0000..=0xE0FFF);
    !(c.is_whitespace() || c.is_control() || invisible)
}

/// Free text that may be null; returns `Field::Null` for null, `Field::Value(Some)` for text.
fn optional_text(body: &mut JsonObject, name: &str, max: usize) -> Field<Option<String>> {
    match body.string(name) {
        Field::Value(text) if text.chars().count() > max => {
            body.error(name, format!("must be at most {max} characters"));
            Field::Absent
        }
        // Line breaks and tabs are text; other controls (NUL, escape sequences) are not.
        Field::Value(text) if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
            body.error(name, "must not contain control characters other than line breaks and tabs");
            Field::Absent
        }
        Field::Value(text) => Field::Value(Some(text)),
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    }
}

fn image(body: &mut JsonObject) -> Field<Option<String>> {
    match optional_text(body, "image", MAX_IMAGE_LEN) {
        Field::Value(Some(url))
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) =>
        {
            body.error("image", "must be an http(s) URL");
            Field::Absent
        }
        other => other,
    }
}

fn price(body: &mut JsonObject, name: &str) -> Option<Money> {
    let field = body.money(name);
    let value = non_null(body, name, field)?;
    if value.is_negative() || value > Money::MAX_FIELD {
        body.error(name, format!("must be from 0.00 to {}", Money::MAX_FIELD));
        return None;
    }
    Some(value)
}

fn category_ref(body: &mut JsonObject, name: &str) -> Option<String> {
    let field = body.string(name);
    let value = non_null(body, name, field)?;
    if !is_valid_category_name(&value) {
        body.error(name, "must match ^[a-z0-9][a-z0-9_-]{0,39}$");
        return None;
    }
    Some(value)
}

fn status(body: &mut JsonObject, name: &str) -> Option<ProductStatus> {
    let field = body.string(name);
    let value = non_null(body, name, field)?;
    let status = ProductStatus::parse(&value);
    if status.is_none() {
        body.error(name, "must be active or inactive");
    }
    status
}

fn quantity(body: &mut JsonObject, name: &str) -> Option<i64> {
    let field = body.integer(name);
    let value = non_null(body, name, field)?;
    if !(0..=MAX_QUANTITY).contains(&value) {
        body.error(name, format!("must be a whole number from 0 to {MAX_QUANTITY}"));
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> JsonObject {
        JsonObject::parse(json.as_bytes()).unwrap()
    }

    fn fields(err: AppError) -> Vec<String> {
        match err {
            AppError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn category_names_follow_the_contract_pattern() {
        for ok in ["a", "electronics", "home-goods", "x_1", "0abc", &"a".repeat(40)] {
            assert!(is_valid_category_name(ok), "{ok}");
        }
        for bad in ["", "-a", "_a", "Electronics", "a b", "a#b", &"a".repeat(41), "é"] {
            assert!(!is_valid_category_name(bad), "{bad}");
        }
    }

    #[test]
    fn new_product_defaults() {
        let p =
            NewProduct::from_json(body(r#"{"name":" Phone ","price":"19.90","category_name":"electronics"}"#)).unwrap();
        assert_eq!(p.name, "Phone");
        assert_eq!(p.price, Money::from_minor(1990));
        assert_eq!(p.status, ProductStatus::Active);
        assert_eq!(p.current_inventory, 0);
        assert_eq!(p.low_stock_alert_threshold, 10);
    }

    #[test]
    fn new_product_reports_every_bad_field_once() {
        let err = NewProduct::from_json(body(
            r#"{"price":-1,"category_name":"Bad Name","current_inventory":-5,"image":"ftp://x","extra":1}"#,
        ))
        .unwrap_err();
        assert_eq!(fields(err), ["name", "price", "image", "category_name", "current_inventory", "extra"]);
    }

    #[test]
    fn patch_requires_a_field_and_allows_clearing() {
        assert_eq!(fields(ProductPatch::from_json(body("{}")).unwrap_err()), ["body"]);
        let p = ProductPatch::from_json(body(r#"{"description":null,"current_inventory":3}"#)).unwrap();
        assert_eq!(p.description, Some(None));
        assert_eq!(p.current_inventory, Some(3));
        assert_eq!(fields(ProductPatch::from_json(body(r#"{"name":null}"#)).unwrap_err()), ["name"]);
    }

    #[test]
    fn stock_change_rules() {
        let c = StockChange::from_json(body(r#"{"change":5}"#)).unwrap();
        assert_eq!((c.kind, c.reason), (StockChangeKind::Change(5), LedgerReason::Restock));
        let c = StockChange::from_json(body(r#"{"set":0,"reason":"adjustment"}"#)).unwrap();
        assert_eq!(c.kind, StockChangeKind::Set(0));
        assert_eq!(c.apply_to(7).unwrap(), 0);
        assert!(StockChange::from_json(body(r#"{"change":0}"#)).is_err());
        assert!(StockChange::from_json(body(r#"{"change":1,"set":1}"#)).is_err());
        assert!(StockChange::from_json(body(r#"{"set":-1}"#)).is_err());
        assert!(StockChange::from_json(body(r#"{"change":1,"reason":"sale"}"#)).is_err());
        let c = StockChange::from_json(body(r#"{"change":-5}"#)).unwrap();
        assert!(matches!(c.apply_to(4), Err(StockRejected::BelowZero { .. })));
        assert_eq!(c.apply_to(5).unwrap(), 0);
    }

    #[test]
    fn path_values() {
        assert_eq!(parse_product_id("12").unwrap(), 12);
        for bad in ["0", "-1", "abc", "1.5", "+3", "99999999999999999999"] {
            assert!(parse_product_id(bad).is_err(), "{bad}");
        }
    }
}
