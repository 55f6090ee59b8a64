//! Sales: what a request to record one says, and what a recorded one is.

use chrono::{DateTime, Duration, Utc};

use super::catalogue::{LedgerEntry, LedgerReason, Product, ProductStatus};
use crate::money::Money;
use crate::time;

pub const MAX_UNITS_PER_SALE: i64 = 10_000;
/// How far ahead of the server clock `sold_at` may be (clock skew of a till, not a forecast).
pub const MAX_FUTURE_SKEW: Duration = Duration::minutes(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    /// A ULID: unique without coordination, and sorts by creation time.
    pub id: String,
    pub product_id: i64,
    /// The product's category at the moment of sale.
    pub category_name: String,
    pub units_sold: i64,
    /// The product's price at the moment of sale.
    pub unit_price: Money,
    pub total_price: Money,
    pub sold_at: DateTime<Utc>,
}

/// Why a product cannot make a sale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaleRejected {
    #[error("product {product_id} is inactive and cannot be sold")]
    ProductInactive { product_id: i64 },
    #[error("product {product_id} is out of stock")]
    OutOfStock { product_id: i64 },
    #[error("product {product_id} has {available} in stock; {requested} requested")]
    InsufficientStock { product_id: i64, available: i64, requested: i64 },
    /// Units x price beyond the largest amount a money field holds.
    #[error("the sale total is too large")]
    TotalTooLarge,
}

/// What a sale changes: the sale itself, its product after it (stock down, next version), and
/// the product's `sale` ledger entry. Written together or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleOfProduct {
    pub sale: Sale,
    pub product_after: Product,
    pub ledger_entry: LedgerEntry,
}

impl Product {
    /// Sells `units` of this product as it is now: at its current price, in its current
    /// category, from its stock. `sale_id` is chosen by the caller once, so that every retry of
    /// a raced write records the same sale.
    pub fn sell(
        &self,
        sale_id: &str,
        units: i64,
        sold_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<SaleOfProduct, SaleRejected> {
        let product_id = self.id;
        if self.status != ProductStatus::Active {
            return Err(SaleRejected::ProductInactive { product_id });
        }
        if self.current_inventory <= 0 {
            return Err(SaleRejected::OutOfStock { product_id });
        }
        if self.current_inventory < units {
            return Err(SaleRejected::InsufficientStock {
                product_id,
                available: self.current_inventory,
                requested: units,
            });
        }
        let total_price =
            self.price.checked_mul(units).filter(|t| *t <= Money::MAX_FIELD).ok_or(SaleRejected::TotalTooLarge)?;
        let (product_after, ledger_entry) = units
            .checked_neg()
            .and_then(|change| self.stock_moved(change, LedgerReason::Sale, Some(sale_id.to_owned()), now))
            .ok_or(SaleRejected::InsufficientStock {
                product_id,
                available: self.current_inventory,
                requested: units,
            })?;
        let sale = Sale {
            id: sale_id.to_owned(),
            product_id,
            category_name: self.category_name.clone(),
            units_sold: units,
            unit_price: self.price,
            total_price,
            sold_at,
        };
        Ok(SaleOfProduct { sale, product_after, ledger_entry })
    }
}

/// `POST /sales`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSale {
    pub product_id: i64,
    pub units_sold: i64,
    pub sold_at: DateTime<Utc>,
}

/// A product id in a request: a positive integer.
pub fn product_ref(id: i64) -> Result<i64, String> {
    if id > 0 { Ok(id) } else { Err("must be a positive integer".into()) }
}

/// Units of one sale or one return.
pub fn units(value: i64) -> Result<i64, String> {
    if (1..=MAX_UNITS_PER_SALE).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be a whole number from 1 to {MAX_UNITS_PER_SALE}"))
    }
}

/// When a sale was made: between `opened` (the store's opening, `STORE_OPENED`) and 5 minutes
/// after `now`.
pub fn sold_at(text: &str, now: DateTime<Utc>, opened: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    match time::parse_rfc3339(text) {
        Some(at) if at > now + MAX_FUTURE_SKEW => Err("is more than 5 minutes in the future".into()),
        Some(at) if at < opened => {
            Err(format!("is before the store opened ({}; STORE_OPENED sets it)", time::to_api(opened, None)))
        }
        Some(at) => Ok(at),
        None => Err(
            "must be an RFC 3339 timestamp such as 2023-10-08T12:51:20Z (second 60, a leap second, is not accepted)"
                .into(),
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Product 7, "home", threshold 2, version 4.
    pub(crate) fn product(status: ProductStatus, stock: i64, price_minor: i64) -> Product {
        let at = time::parse_rfc3339("2023-10-08T12:00:00Z").unwrap();
        Product {
            id: 7,
            name: "Desk lamp".into(),
            description: None,
            price: Money::from_minor(price_minor),
            image: None,
            category_name: "home".into(),
            status,
            current_inventory: stock,
            low_stock_alert_threshold: 2,
            created_at: at,
            updated_at: at,
            version: 4,
        }
    }

    #[test]
    fn a_sale_takes_its_units_from_stock_at_the_current_price() {
        let now = time::parse_rfc3339("2024-01-01T12:00:00Z").unwrap();
        let sold_at = time::parse_rfc3339("2023-12-31T09:00:00Z").unwrap();
        let made = product(ProductStatus::Active, 5, 1999).sell("S1", 3, sold_at, now).unwrap();
        assert_eq!(made.sale.total_price, Money::from_minor(5997));
        assert_eq!((made.sale.unit_price, made.sale.category_name.as_str()), (Money::from_minor(1999), "home"));
        assert_eq!((made.product_after.current_inventory, made.product_after.version), (2, 5));
        assert_eq!(made.product_after.updated_at, now);
        assert_eq!(made.ledger_entry.change, -3);
        assert_eq!(made.ledger_entry.quantity_after, 2);
        assert_eq!(made.ledger_entry.sale_id.as_deref(), Some("S1"));
        assert_eq!(made.sale.sold_at, sold_at);
    }

    #[test]
    fn a_sale_breaks_no_rule() {
        let now = time::parse_rfc3339("2024-01-01T12:00:00Z").unwrap();
        let sell = |p: Product, units| p.sell("S1", units, now, now).map(|_| ());
        assert_eq!(
            sell(product(ProductStatus::Inactive, 5, 100), 1),
            Err(SaleRejected::ProductInactive { product_id: 7 })
        );
        assert_eq!(sell(product(ProductStatus::Active, 0, 100), 1), Err(SaleRejected::OutOfStock { product_id: 7 }));
        assert_eq!(
            sell(product(ProductStatus::Active, 2, 100), 3),
            Err(SaleRejected::InsufficientStock { product_id: 7, available: 2, requested: 3 })
        );
        assert_eq!(sell(product(ProductStatus::Active, 2, 100), 2), Ok(()));
        assert_eq!(
            sell(product(ProductStatus::Active, 5, Money::MAX_FIELD.minor()), 2),
            Err(SaleRejected::TotalTooLarge)
        );
    }
}
