//! Returns: what a request to return units of a sale says, and what a recorded return is.

use chrono::{DateTime, Utc};

use super::catalogue::{LedgerEntry, LedgerReason, Product};
use super::sales::{MAX_FUTURE_SKEW, Sale};
use crate::money::Money;
use crate::time;

/// The longest `reason` a return may carry.
pub const MAX_REASON_LEN: usize = 500;

/// A recorded return of units of one sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleReturn {
    /// A ULID.
    pub id: String,
    pub sale_id: String,
    /// The sale's product and category (at the moment of sale).
    pub product_id: i64,
    pub category_name: String,
    pub units: i64,
    /// `units` x the sale's unit price.
    pub refund: Money,
    pub reason: Option<String>,
    pub restocked: bool,
    pub returned_at: DateTime<Utc>,
}

/// `POST /sales/{id}/returns`. What can be checked without the sale: `units` against the
/// sale (returnable) and `returned_at` against `sold_at` are checked when the sale is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReturn {
    pub units: i64,
    pub reason: Option<String>,
    pub restock: bool,
    pub returned_at: DateTime<Utc>,
}

/// A return's reason: free text of at most `MAX_REASON_LEN` characters; blank is no reason.
pub fn return_reason(text: String) -> Result<Option<String>, String> {
    let text = super::catalogue::free_text(text, MAX_REASON_LEN)?;
    Ok(if text.trim().is_empty() { None } else { Some(text) })
}

/// When units were returned: at most 5 minutes after `now` (the sale's time is checked when the
/// sale is read).
pub fn returned_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    match time::parse_rfc3339(text) {
        Some(at) if at > now + MAX_FUTURE_SKEW => Err("is more than 5 minutes in the future".into()),
        Some(at) => Ok(at),
        None => Err(
            "must be an RFC 3339 timestamp such as 2023-10-10T09:00:00Z (second 60, a leap second, is not accepted)"
                .into(),
        ),
    }
}

/// Why units of a sale cannot be returned, or not into stock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnRejected {
    #[error("returned_at is before the sale")]
    BeforeSale { sold_at: DateTime<Utc> },
    /// More units than the sale has left to return.
    #[error("sale {sale_id} has {returnable} of {units_sold} units left to return; {requested} requested")]
    NotReturnable { sale_id: String, returnable: i64, units_sold: i64, requested: i64 },
    #[error("the refund is too large")]
    RefundTooLarge,
    /// Putting the units back would take the stock over `MAX_QUANTITY`.
    #[error("stock may not exceed {}", crate::catalogue::MAX_QUANTITY)]
    StockTooLarge,
}

impl Sale {
    /// Returns `new.units` of this sale, of which `units_returned` are already back: refunded at
    /// the sale's unit price, never more than the sale has left, never before the sale.
    pub fn take_return(
        &self,
        units_returned: i64,
        new: &NewReturn,
        return_id: &str,
    ) -> Result<SaleReturn, ReturnRejected> {
        if new.returned_at < self.sold_at {
            return Err(ReturnRejected::BeforeSale { sold_at: self.sold_at });
        }
        let returnable = self.units_sold.saturating_sub(units_returned).max(0);
        if new.units > returnable {
            return Err(ReturnRejected::NotReturnable {
                sale_id: self.id.clone(),
                returnable,
                units_sold: self.units_sold,
                requested: new.units,
            });
        }
        let refund = self.unit_price.checked_mul(new.units).ok_or(ReturnRejected::RefundTooLarge)?;
        Ok(SaleReturn {
            id: return_id.to_owned(),
            sale_id: self.id.clone(),
            product_id: self.product_id,
            category_name: self.category_name.clone(),
            units: new.units,
            refund,
            reason: new.reason.clone(),
            restocked: new.restock,
            returned_at: new.returned_at,
        })
    }
}

/// What a restocking return changes in its product: the product after it (stock up, next
/// version) and its `return` ledger entry carrying the sale id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restock {
    pub product_after: Product,
    pub ledger_entry: LedgerEntry,
}

impl Product {
    /// Puts the units of a return back into stock, under the cap every stock change keeps
    /// (`MAX_QUANTITY`, as `StockChange::apply_to`).
    pub fn restock(&self, returned: &SaleReturn, now: DateTime<Utc>) -> Result<Restock, ReturnRejected> {
        let (product_after, ledger_entry) = self
            .stock_moved(returned.units, LedgerReason::Return, Some(returned.sale_id.clone()), now)
            .filter(|(after, _)| after.current_inventory <= crate::catalogue::MAX_QUANTITY)
            .ok_or(ReturnRejected::StockTooLarge)?;
        Ok(Restock { product_after, ledger_entry })
    }
}

/// Whether a path value can be a sale id (a ULID as the API writes them: 26 characters of
/// Crockford's base 32, upper case). Anything else is a malformed path value (400).
pub fn is_sale_id(text: &str) -> bool {
    text.len() == 26 && text.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// A sale's id: a ULID as the API writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleId(pub String);

/// A text that cannot be a sale id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a sale id (26 characters, 0-9 A-Z)")]
pub struct InvalidSaleId;

impl std::str::FromStr for SaleId {
    type Err = InvalidSaleId;

    fn from_str(text: &str) -> Result<Self, InvalidSaleId> {
        if is_sale_id(text) { Ok(SaleId(text.to_owned())) } else { Err(InvalidSaleId) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale() -> Sale {
        Sale {
            id: "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8".into(),
            product_id: 7,
            category_name: "home".into(),
            units_sold: 3,
            unit_price: Money::from_minor(1999),
            total_price: Money::from_minor(5997),
            sold_at: time::parse_rfc3339("2023-10-08T12:00:00Z").unwrap(),
        }
    }

    fn new_return(units: i64, returned_at: &str) -> NewReturn {
        NewReturn { units, reason: None, restock: true, returned_at: time::parse_rfc3339(returned_at).unwrap() }
    }

    #[test]
    fn a_return_is_refunded_at_the_sale_price_within_what_is_left() {
        let r = sale().take_return(1, &new_return(2, "2023-10-09T00:00:00Z"), "R1").unwrap();
        assert_eq!((r.units, r.refund, r.id.as_str()), (2, Money::from_minor(3998), "R1"));
        assert_eq!((r.product_id, r.category_name.as_str(), r.sale_id.as_str()), (7, "home", sale().id.as_str()));
        assert_eq!(
            sale().take_return(2, &new_return(2, "2023-10-09T00:00:00Z"), "R1"),
            Err(ReturnRejected::NotReturnable { sale_id: sale().id, returnable: 1, units_sold: 3, requested: 2 })
        );
        assert_eq!(
            sale().take_return(0, &new_return(1, "2023-10-08T11:59:59Z"), "R1"),
            Err(ReturnRejected::BeforeSale { sold_at: sale().sold_at })
        );
    }

    #[test]
    fn a_restock_puts_the_units_back_with_a_return_entry() {
        let product = crate::sales::tests::product(crate::ProductStatus::Active, 4, 1999);
        let returned = sale().take_return(0, &new_return(2, "2023-10-09T00:00:00Z"), "R1").unwrap();
        let now = time::parse_rfc3339("2023-10-09T00:00:01Z").unwrap();
        let restock = product.restock(&returned, now).unwrap();
        assert_eq!((restock.product_after.current_inventory, restock.product_after.version), (6, 5));
        assert_eq!((restock.ledger_entry.change, restock.ledger_entry.quantity_after), (2, 6));
        assert_eq!(restock.ledger_entry.reason, LedgerReason::Return);
        assert_eq!(restock.ledger_entry.sale_id, Some(returned.sale_id.clone()));
        let full = Product { current_inventory: i64::MAX, ..product.clone() };
        assert_eq!(full.restock(&returned, now), Err(ReturnRejected::StockTooLarge));
        // The same cap as a stock change (`StockChange::apply_to`): the last unit that fits fits.
        let capped = Product { current_inventory: crate::catalogue::MAX_QUANTITY - 1, ..product.clone() };
        assert_eq!(capped.restock(&returned, now), Err(ReturnRejected::StockTooLarge));
        let fits = Product { current_inventory: crate::catalogue::MAX_QUANTITY - 2, ..product };
        assert_eq!(
            fits.restock(&returned, now).unwrap().product_after.current_inventory,
            crate::catalogue::MAX_QUANTITY
        );
    }

    #[test]
    fn sale_ids_are_ulids() {
        assert!(is_sale_id("01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8"));
        assert!(!is_sale_id("01hcj7t2q1zq8yj3x2m5v6b7n8"));
        assert!(!is_sale_id("1"));
    }
}
