//! The single-table key design. Every key string the application writes is built here, and
//! docs/data-model.md lists the same shapes with the access patterns they serve.
//!
//! Base table: `PK` / `SK` (strings). Four overloaded global secondary indexes, `GSI1`..`GSI4`,
//! with attributes `GSInPK` / `GSInSK`. Numbers inside sort keys are zero-padded so that string
//! order is numeric order.

use chrono::{DateTime, Utc};

use crate::domain::{Product, ProductStatus};

pub const PK: &str = "PK";
pub const SK: &str = "SK";

/// A secondary index of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// Products by id; all sales by time.
    Gsi1,
    /// Products by status; sales of a category by time.
    Gsi2,
    /// Products of a category by status then id; sales of a category and product by time.
    Gsi3,
    /// Sparse: active products at or below their low-stock threshold, by category then id.
    Gsi4,
}

impl Index {
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1",
            Index::Gsi2 => "GSI2",
            Index::Gsi3 => "GSI3",
            Index::Gsi4 => "GSI4",
        }
    }

    pub fn pk(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1PK",
            Index::Gsi2 => "GSI2PK",
            Index::Gsi3 => "GSI3PK",
            Index::Gsi4 => "GSI4PK",
        }
    }

    pub fn sk(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1SK",
            Index::Gsi2 => "GSI2SK",
            Index::Gsi3 => "GSI3SK",
            Index::Gsi4 => "GSI4SK",
        }
    }
}

/// A base-table primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

// ---- categories: one partition, sorted by name -------------------------------------------

pub const CATEGORIES_PK: &str = "CATEGORIES";
pub const CATEGORY_SK_PREFIX: &str = "CATEGORY#";

pub fn category(name: &str) -> Key {
    Key { pk: CATEGORIES_PK.into(), sk: format!("{CATEGORY_SK_PREFIX}{name}") }
}

// ---- products ----------------------------------------------------------------------------

pub const PRODUCT_SK: &str = "PRODUCT";

pub fn product_pk(id: i64) -> String {
    format!("PRODUCT#{id}")
}

pub fn product(id: i64) -> Key {
    Key { pk: product_pk(id), sk: PRODUCT_SK.into() }
}

/// The counter that allocates product ids 1, 2, 3, ...
pub fn product_id_sequence() -> Key {
    Key { pk: "SEQUENCE#product".into(), sk: "SEQUENCE".into() }
}

fn padded_id(id: i64) -> String {
    format!("{id:012}")
}

pub const ALL_PRODUCTS: &str = "PRODUCTS";
pub const LOW_STOCK: &str = "LOW_STOCK";

pub fn products_by_status(status: ProductStatus) -> String {
    format!("PRODUCTS#{}", status.as_str())
}

pub fn products_of_category(category: &str) -> String {
    format!("CATEGORY#{category}#PRODUCTS")
}

/// Sort-key prefix within `products_of_category` for one status.
pub fn status_prefix(status: ProductStatus) -> String {
    format!("{}#", status.as_str())
}

/// Sort-key prefix within the low-stock index for one category.
pub fn low_stock_category_prefix(category: &str) -> String {
    format!("{category}#")
}

/// The index attributes of a product item. The low-stock pair is present only while the
/// product is low on stock, which makes `GSI4` sparse: reading it costs what it returns.
pub fn product_index_attributes(p: &Product) -> Vec<(&'static str, String)> {
    let id = padded_id(p.id);
    let mut attrs = vec![
        (Index::Gsi1.pk(), ALL_PRODUCTS.to_owned()),
        (Index::Gsi1.sk(), id.clone()),
        (Index::Gsi2.pk(), products_by_status(p.status)),
        (Index::Gsi2.sk(), id.clone()),
        (Index::Gsi3.pk(), products_of_category(&p.category_name)),
        (Index::Gsi3.sk(), format!("{}{id}", status_prefix(p.status))),
    ];
    if p.is_low_stock() {
        attrs.push((Index::Gsi4.pk(), LOW_STOCK.to_owned()));
        attrs.push((Index::Gsi4.sk(), format!("{}{id}", low_stock_category_prefix(&p.category_name))));
    }
    attrs
}

// ---- the stock ledger: in the product's partition, newest last ---------------------------

pub const LEDGER_SK_PREFIX: &str = "LEDGER#";

/// A ledger entry is keyed by the product version its change produced, so entries are unique
/// and ordered even when two land in the same microsecond.
pub fn ledger(product_id: i64, version: i64) -> Key {
    Key { pk: product_pk(product_id), sk: format!("{LEDGER_SK_PREFIX}{version:012}") }
}

// ---- timestamps in sort keys ---------------------------------------------------------------

/// A timestamp as it appears in sort keys (fixed width, sorts in time order).
pub fn time_key(at: DateTime<Utc>) -> String {
    crate::time::to_stored(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    fn product(status: ProductStatus, stock: i64) -> Product {
        let at = Utc::now();
        Product {
            id: 42,
            name: "n".into(),
            description: None,
            price: Money::from_minor(100),
            image: None,
            category_name: "toys".into(),
            status,
            current_inventory: stock,
            low_stock_alert_threshold: 10,
            created_at: at,
            updated_at: at,
            version: 1,
        }
    }

    #[test]
    fn product_keys() {
        assert_eq!(super::product(42), Key { pk: "PRODUCT#42".into(), sk: "PRODUCT".into() });
        let attrs = product_index_attributes(&product(ProductStatus::Active, 50));
        assert!(attrs.contains(&("GSI3PK", "CATEGORY#toys#PRODUCTS".into())));
        assert!(attrs.contains(&("GSI3SK", "active#000000000042".into())));
        assert!(!attrs.iter().any(|(k, _)| k.starts_with("GSI4")), "not low on stock");
    }

    #[test]
    fn low_stock_index_is_sparse() {
        let low = product_index_attributes(&product(ProductStatus::Active, 10));
        assert!(low.contains(&("GSI4SK", "toys#000000000042".into())));
        let inactive = product_index_attributes(&product(ProductStatus::Inactive, 0));
        assert!(!inactive.iter().any(|(k, _)| k.starts_with("GSI4")), "inactive products are not listed");
    }

    #[test]
    fn ledger_keys_sort_by_version() {
        assert!(ledger(1, 9).sk < ledger(1, 10).sk);
    }
}
