//! Categories, products and the stock ledger.

use chrono::{DateTime, Utc};

use crate::money::Money;

pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 2000;
pub const MAX_IMAGE_LEN: usize = 2048;
/// Stock and thresholds stay well inside what a sale or a counter can add up without overflow.
pub const MAX_QUANTITY: i64 = 1_000_000_000;
pub const DEFAULT_LOW_STOCK_THRESHOLD: i64 = 10;

/// What a category name looks like (`is_valid_category_name` checks it).
pub const CATEGORY_NAME_PATTERN: &str = "^[a-z0-9][a-z0-9_-]{0,39}$";

/// `CATEGORY_NAME_PATTERN`, checked by hand (no regex engine needed for this).
pub fn is_valid_category_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 40
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes[1..].iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

/// A text that cannot be a category name (it does not match `CATEGORY_NAME_PATTERN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must match ^[a-z0-9][a-z0-9_-]{{0,39}}$")]
pub struct InvalidCategoryName;

/// A product's id: a positive integer, allocated 1, 2, 3, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProductId(pub i64);

/// A text that is not a product id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a positive integer")]
pub struct InvalidProductId;

impl std::str::FromStr for ProductId {
    type Err = InvalidProductId;

    /// Decimal digits of a positive integer (no sign: `+1` is not an id as the API writes them).
    fn from_str(text: &str) -> Result<Self, InvalidProductId> {
        match text.parse::<i64>() {
            Ok(id) if id > 0 && !text.starts_with('+') => Ok(ProductId(id)),
            _ => Err(InvalidProductId),
        }
    }
}

/// A product id written as text (a path segment or a query parameter).
pub fn parse_product_id(text: &str) -> Result<i64, InvalidProductId> {
    text.parse::<ProductId>().map(|id| id.0)
}

/// A product category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    /// How many products are in the category (a category in use cannot be deleted).
    pub product_count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A product and its stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub price: Money,
    pub image: Option<String>,
    pub category_name: String,
    pub status: ProductStatus,
    pub current_inventory: i64,
    pub low_stock_alert_threshold: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version; every write of the product increments it.
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

/// Why a product's stock moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub at: DateTime<Utc>,
    pub change: i64,
    pub quantity_after: i64,
    pub reason: LedgerReason,
    /// The sale of a `sale` entry, the sale returned of a `return` entry.
    pub sale_id: Option<String>,
}

/// `POST /categories`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub name: String,
    pub description: Option<String>,
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
    /// A client's stock change: exactly one of a relative `change` and an absolute `set`, and a
    /// reason a client may give (`restock` for a positive change and `adjustment` otherwise by
    /// default). Errors name the field.
    pub fn new(change: Option<i64>, set: Option<i64>, reason: Option<&str>) -> Result<Self, InvalidStockChange> {
        let kind = match (change, set) {
            (Some(c), None) if c != 0 && c.unsigned_abs() <= MAX_QUANTITY.unsigned_abs() => StockChangeKind::Change(c),
            (Some(_), None) => {
                return Err(InvalidStockChange::new(
                    "change",
                    format!("must be a non-zero whole number between -{MAX_QUANTITY} and {MAX_QUANTITY}"),
                ));
            }
            (None, Some(s)) if (0..=MAX_QUANTITY).contains(&s) => StockChangeKind::Set(s),
            (None, Some(_)) => {
                return Err(InvalidStockChange::new("set", format!("must be a whole number from 0 to {MAX_QUANTITY}")));
            }
            (None, None) => return Err(InvalidStockChange::new("change", "one of change or set is required")),
            (Some(_), Some(_)) => return Err(InvalidStockChange::new("set", "give either change or set, not both")),
        };
        let reason = match reason {
            None => match kind {
                StockChangeKind::Change(c) if c > 0 => LedgerReason::Restock,
                _ => LedgerReason::Adjustment,
            },
            Some(r) => match LedgerReason::parse(r) {
                Some(reason @ (LedgerReason::Restock | LedgerReason::Adjustment | LedgerReason::Return)) => reason,
                _ => return Err(InvalidStockChange::new("reason", "must be one of restock, adjustment, return")),
            },
        };
        Ok(StockChange { kind, reason })
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

/// A stock change as a client wrote it that is not one: the member at fault and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidStockChange {
    pub field: &'static str,
    pub message: String,
}

impl InvalidStockChange {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        InvalidStockChange { field, message: message.into() }
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

// ---- field rules: each returns the value to keep, or the message of the rule broken --------

/// A product name: trimmed, 1 to `MAX_NAME_LEN` characters, no controls, something visible.
pub fn product_name(value: &str) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_LEN {
        return Err(format!("must be 1 to {MAX_NAME_LEN} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    if !trimmed.chars().any(is_visible) {
        return Err("must contain a visible character".into());
    }
    Ok(trimmed.to_owned())
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

/// Free text of at most `max` characters. Line breaks and tabs are text; other controls (NUL,
/// escape sequences) are not.
pub fn free_text(text: String, max: usize) -> Result<String, String> {
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err("must not contain control characters other than line breaks and tabs".into());
    }
    Ok(text)
}

/// A product or category description.
pub fn description(text: String) -> Result<String, String> {
    free_text(text, MAX_DESCRIPTION_LEN)
}

/// A product image: an http(s) URL without white space.
pub fn image_url(text: String) -> Result<String, String> {
    let url = free_text(text, MAX_IMAGE_LEN)?;
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) {
        return Err("must be an http(s) URL".into());
    }
    Ok(url)
}

pub fn price(value: Money) -> Result<Money, String> {
    if value.is_negative() || value > Money::MAX_FIELD {
        return Err(format!("must be from 0.00 to {}", Money::MAX_FIELD));
    }
    Ok(value)
}

pub fn product_status(value: &str) -> Result<ProductStatus, String> {
    ProductStatus::parse(value).ok_or_else(|| "must be active or inactive".to_owned())
}

/// A stock level or an alert threshold.
pub fn quantity(value: i64) -> Result<i64, String> {
    if !(0..=MAX_QUANTITY).contains(&value) {
        return Err(format!("must be a whole number from 0 to {MAX_QUANTITY}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn path_values() {
        assert_eq!(parse_product_id("12").unwrap(), 12);
        for bad in ["0", "-1", "abc", "1.5", "+3", "99999999999999999999"] {
            assert!(parse_product_id(bad).is_err(), "{bad}");
        }
    }
}
