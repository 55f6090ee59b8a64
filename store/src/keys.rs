//! The single-table key design. Every key string the application writes is built here, and
//! docs/data-model.md lists the same shapes with the access patterns they serve.
//!
//! Base table: `PK` / `SK` (strings). Four overloaded global secondary indexes, `GSI1`..`GSI4`,
//! with attributes `GSInPK` / `GSInSK`. Numbers inside sort keys are zero-padded so that string
//! order is numeric order.

use chrono::{DateTime, Utc};

use domain::{Product, ProductStatus};

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
    /// Leaderboards by revenue: product and category counters of one period (`board`).
    Gsi5,
    /// Leaderboards by units: product and category counters of one period (`board`).
    Gsi6,
    /// Leaderboards by net revenue (revenue minus refunds): the same counters (`board`).
    Gsi7,
}

impl Index {
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1",
            Index::Gsi2 => "GSI2",
            Index::Gsi3 => "GSI3",
            Index::Gsi4 => "GSI4",
            Index::Gsi5 => "GSI5",
            Index::Gsi6 => "GSI6",
            Index::Gsi7 => "GSI7",
        }
    }

    pub fn pk(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1PK",
            Index::Gsi2 => "GSI2PK",
            Index::Gsi3 => "GSI3PK",
            Index::Gsi4 => "GSI4PK",
            Index::Gsi5 | Index::Gsi6 | Index::Gsi7 => "board",
        }
    }

    pub fn sk(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1SK",
            Index::Gsi2 => "GSI2SK",
            Index::Gsi3 => "GSI3SK",
            Index::Gsi4 => "GSI4SK",
            Index::Gsi5 => "revenue_minor",
            Index::Gsi6 => "units",
            Index::Gsi7 => "net_minor",
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
    domain::time::to_stored(at)
}

// ---- sales: a partition per product, and three indexes for the listing filters ------------

pub const SALE_SK_PREFIX: &str = "SALE#";
pub const ALL_SALES: &str = "SALES";

/// `{sold_at}#{sale_id}`: time order, unique.
pub fn sale_sort(sold_at: DateTime<Utc>, sale_id: &str) -> String {
    format!("{}#{sale_id}", time_key(sold_at))
}

/// A product's sales partition. Sales live apart from the product's own partition so that IAM
/// (`dynamodb:LeadingKeys`) can let the catalogue function write products but not sales.
pub fn product_sales_pk(product_id: i64) -> String {
    format!("SALES#{product_id}")
}

pub fn sale(product_id: i64, sold_at: DateTime<Utc>, sale_id: &str) -> Key {
    Key { pk: product_sales_pk(product_id), sk: format!("{SALE_SK_PREFIX}{}", sale_sort(sold_at, sale_id)) }
}

pub fn sales_of_category(category: &str) -> String {
    format!("CATEGORY#{category}#SALES")
}

pub fn sales_of_category_product(category: &str, product_id: i64) -> String {
    format!("CATEGORY#{category}#PRODUCT#{product_id}#SALES")
}

/// The index attributes of a sale: all sales (GSI1), by category (GSI2), by category and
/// product (GSI3). By product alone is the base table (the product's partition).
pub fn sale_index_attributes(
    product_id: i64,
    category: &str,
    sold_at: DateTime<Utc>,
    sale_id: &str,
) -> Vec<(&'static str, String)> {
    let partitions =
        [ALL_SALES.to_owned(), sales_of_category(category), sales_of_category_product(category, product_id)];
    index_attributes(partitions, sale_sort(sold_at, sale_id))
}

/// The sort-key condition for sales between two optional instants (both inclusive), below
/// `prefix`: `(low, high)`, each `None` when unbounded and the prefix is empty (an index
/// partition holds only sales). Sale ids are ULIDs (`0-9A-Z`), so `#~` sorts after every id
/// of the last instant.
pub fn sale_range(
    prefix: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> (Option<String>, Option<String>) {
    let low = match from {
        Some(at) => Some(format!("{prefix}{}", time_key(at))),
        None if prefix.is_empty() => None,
        None => Some(prefix.to_owned()),
    };
    let high = match to {
        Some(at) => Some(format!("{prefix}{}#~", time_key(at))),
        None if prefix.is_empty() => None,
        None => Some(format!("{prefix}~")),
    };
    (low, high)
}

// ---- idempotency records ------------------------------------------------------------------

pub fn idempotency(key: &str) -> Key {
    Key { pk: format!("IDEMPOTENCY#{key}"), sk: "IDEMPOTENCY".into() }
}

// ---- aggregates ----------------------------------------------------------------------------

/// The code of a grain in a counter's sort key.
pub fn grain_code(grain: domain::aggregate::Grain) -> &'static str {
    use domain::aggregate::Grain;
    match grain {
        Grain::Hour => "H",
        Grain::Day => "D",
        Grain::Month => "M",
        Grain::Year => "Y",
        Grain::All => "A",
    }
}

/// The sort key of a bucket within a counter partition: its grain's code and its period
/// (`M#2023-10`, `H#2023-10-08T13`, `A#ALL`).
pub fn bucket_sort_key(bucket: &domain::aggregate::Bucket) -> String {
    format!("{}#{}", grain_code(bucket.grain), bucket.period)
}

/// The partition of a scope's counters; the sort key is the bucket (`M#2023-10`).
pub fn counter_pk(scope: &domain::aggregate::Scope) -> String {
    use domain::aggregate::Scope;
    match scope {
        Scope::Store => "COUNTER#STORE".into(),
        Scope::Category(name) => format!("COUNTER#CATEGORY#{name}"),
        Scope::Product(id) => format!("COUNTER#PRODUCT#{id}"),
        // Category names have no `#`, so this never meets a category's own partition.
        Scope::ProductInCategory(category, id) => format!("COUNTER#CATEGORY#{category}#PRODUCT#{id}"),
    }
}

pub fn counter(key: &domain::aggregate::CounterKey) -> Key {
    Key { pk: counter_pk(&key.scope), sk: bucket_sort_key(&key.bucket) }
}

/// A leaderboard's index partition: `PRODUCT#M#2023-10`, `CATEGORY#M#2023-10`, or
/// `CATEGORY#toys#PRODUCT#M#2023-10` (the products' sales made in toys).
pub fn board(board: &domain::aggregate::Board, bucket: &domain::aggregate::Bucket) -> String {
    use domain::aggregate::Board;
    match board {
        Board::Products => format!("PRODUCT#{}", bucket_sort_key(bucket)),
        Board::Categories => format!("CATEGORY#{}", bucket_sort_key(bucket)),
        Board::ProductsIn(category) => format!("CATEGORY#{category}#PRODUCT#{}", bucket_sort_key(bucket)),
    }
}

/// The "already counted" marker of a sale, written with its counter updates.
pub fn aggregated_marker(sale_id: &str) -> Key {
    Key { pk: format!("AGGREGATED#{sale_id}"), sk: "AGGREGATED".into() }
}

// ---- reports -------------------------------------------------------------------------------

pub const DAILY_REPORTS_PK: &str = "REPORT#daily";

/// A daily report, keyed by its store-timezone date (`2023-10-08`), so listing newest first
/// is one Query and rewriting a day's report replaces it.
pub fn daily_report(date: &str) -> Key {
    Key { pk: DAILY_REPORTS_PK.into(), sk: date.to_owned() }
}

// ---- a sale by its id, and its returns ------------------------------------------------------

/// The partition of a sale's id: its lookup item (`SALE`) and its returns (`RETURN#...`).
pub fn sale_id_pk(sale_id: &str) -> String {
    format!("SALEID#{sale_id}")
}

/// The lookup item of a sale: a copy of the sale (immutable) plus `units_returned`, written in
/// the sale's own transaction, so `GET /sales/{id}` is one GetItem.
pub fn sale_ref(sale_id: &str) -> Key {
    Key { pk: sale_id_pk(sale_id), sk: "SALE".into() }
}

pub const RETURN_SK_PREFIX: &str = "RETURN#";

/// A return, in its sale's id partition, in time order: `RETURN#{returned_at}#{return_id}`.
pub fn sale_return(sale_id: &str, returned_at: DateTime<Utc>, return_id: &str) -> Key {
    Key { pk: sale_id_pk(sale_id), sk: format!("{RETURN_SK_PREFIX}{}#{return_id}", time_key(returned_at)) }
}

pub const ALL_RETURNS: &str = "RETURNS";

pub fn returns_of_category(category: &str) -> String {
    format!("CATEGORY#{category}#RETURNS")
}

pub fn returns_of_category_product(category: &str, product_id: i64) -> String {
    format!("CATEGORY#{category}#PRODUCT#{product_id}#RETURNS")
}

/// The index attributes of a return, by `returned_at`: all returns (GSI1), by the sale's
/// category (GSI2), by the sale's category and product (GSI3). By product alone: GSI1 with a
/// filter on the projected `product_id`.
pub fn return_index_attributes(
    product_id: i64,
    category: &str,
    returned_at: DateTime<Utc>,
    return_id: &str,
) -> Vec<(&'static str, String)> {
    let partitions =
        [ALL_RETURNS.to_owned(), returns_of_category(category), returns_of_category_product(category, product_id)];
    index_attributes(partitions, sale_sort(returned_at, return_id))
}

/// The attributes that put an item in GSI1, GSI2 and GSI3: the partition of each, in that order,
/// and the one sort key all three share.
fn index_attributes(partitions: [String; 3], sort: String) -> Vec<(&'static str, String)> {
    [Index::Gsi1, Index::Gsi2, Index::Gsi3]
        .into_iter()
        .zip(partitions)
        .flat_map(|(index, partition)| [(index.pk(), partition), (index.sk(), sort.clone())])
        .collect()
}

/// The "already counted" marker of a return.
pub fn return_aggregated_marker(return_id: &str) -> Key {
    aggregated_marker(&format!("RETURN#{return_id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::money::Money;

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

#[cfg(test)]
mod sale_key_tests {
    use super::*;

    #[test]
    fn sale_range_brackets_exactly_the_instants_asked_for() {
        let at = |s: &str| domain::time::parse_rfc3339(s).unwrap();
        let (low, high) =
            sale_range(SALE_SK_PREFIX, Some(at("2023-01-01T00:00:00Z")), Some(at("2023-01-31T23:59:59Z")));
        let (low, high) = (low.unwrap(), high.unwrap());
        let inside = [
            sale(1, at("2023-01-01T00:00:00Z"), "01ARZ3NDEKTSV4RRFFQ69G5FAV"),
            sale(1, at("2023-01-31T23:59:59Z"), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"),
        ];
        for k in inside {
            assert!(low <= k.sk && k.sk <= high, "{} in [{low}, {high}]", k.sk);
        }
        let outside = [
            sale(1, at("2022-12-31T23:59:59.999999Z"), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"),
            sale(1, at("2023-02-01T00:00:00Z"), "00000000000000000000000000"),
        ];
        for k in outside {
            assert!(!(low <= k.sk && k.sk <= high), "{} outside", k.sk);
        }
        assert_eq!(sale_range("", None, None), (None, None));
        let (low, high) = sale_range(SALE_SK_PREFIX, None, None);
        let (low, high) = (low.unwrap(), high.unwrap());
        assert!(
            low < sale(1, at("1970-01-01T00:00:00Z"), "0").sk && sale(1, at("9999-01-01T00:00:00Z"), "Z").sk < high
        );
    }
}

#[cfg(test)]
mod return_key_tests {
    use super::*;

    #[test]
    fn returns_sort_in_time_and_apart_from_the_lookup() {
        let at = |s: &str| domain::time::parse_rfc3339(s).unwrap();
        let a = sale_return("S1", at("2023-01-01T00:00:00Z"), "R1");
        let b = sale_return("S1", at("2023-01-02T00:00:00Z"), "R0");
        assert!(a.sk < b.sk && a.pk == sale_ref("S1").pk);
        assert!(b.sk < sale_ref("S1").sk, "a newest-first Query of RETURN# never meets the lookup");
        assert_eq!(return_aggregated_marker("R1").pk, "AGGREGATED#RETURN#R1");
    }
}
