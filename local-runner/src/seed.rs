//! The demo data set (`data/seed-demo.json`, the seed project's dump), loaded through the same
//! domain paths as live requests so that stock, ledger and aggregates come out of the same code.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{NewCategory, NewProduct, NewSale, ProductStatus};
use serde::Deserialize;

use api::http::AppState;
use domain::money::Money;

pub const DEMO_DATA: &str = include_str!("../../data/seed-demo.json");

#[derive(Debug, Deserialize)]
pub struct DemoData {
    pub categories: Vec<DemoCategory>,
    pub products: Vec<DemoProduct>,
    pub inventory_transactions: Vec<DemoInventory>,
    pub sales: Vec<DemoSale>,
}

#[derive(Debug, Deserialize)]
pub struct DemoCategory {
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DemoProduct {
    pub id: i64,
    pub category_name: String,
    pub name: String,
    pub description: Option<String>,
    /// Whole currency units in the file; read from its JSON text, never through a float.
    pub price: Box<serde_json::value::RawValue>,
    pub image: Option<String>,
    pub created_at: DateTime<Utc>,
    pub status: String,
}

#[derive(Debug, Deserialize)]
pub struct DemoInventory {
    pub product_id: i64,
    pub inventory_quantity: i64,
    pub inserted_at: DateTime<Utc>,
    pub low_stock_alert_threshold: i64,
}

#[derive(Debug, Deserialize)]
pub struct DemoSale {
    pub id: i64,
    pub product_id: i64,
    pub units_sold: i64,
    pub sold_at: DateTime<Utc>,
}

pub fn demo_data() -> DemoData {
    serde_json::from_str(DEMO_DATA).expect("data/seed-demo.json is valid")
}

/// What a load did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub categories: usize,
    pub products: usize,
    pub sales: usize,
}

/// Whether the table holds no catalogue yet (one single-item Query, no Scan).
pub async fn is_empty(state: &AppState) -> Result<bool, app::Error> {
    Ok(state.store().list_categories(1, None).await?.items.is_empty()
        && state.store().find_product(1, true).await?.is_none())
}

/// Loads the demo data into an empty table.
pub async fn load(state: &AppState, data: &DemoData) -> Result<SeedReport, app::Error> {
    let mut report = SeedReport::default();
    for c in &data.categories {
        let new = NewCategory { name: c.name.clone(), description: c.description.clone() };
        state.store().create_category(new, data_epoch(data)).await?;
        report.categories += 1;
    }
    // A product's initial stock is its first inventory transaction, not its final level.
    let mut first_stock: HashMap<i64, &DemoInventory> = HashMap::new();
    for t in &data.inventory_transactions {
        first_stock
            .entry(t.product_id)
            .and_modify(|e| {
                if t.inserted_at < e.inserted_at {
                    *e = t;
                }
            })
            .or_insert(t);
    }
    let mut products: Vec<&DemoProduct> = data.products.iter().collect();
    products.sort_by_key(|p| p.id);
    for p in products {
        let stock = first_stock.get(&p.id);
        let price = Money::parse(p.price.get()).map_err(|e| app::Error::Failed(format!("demo price: {e}")))?;
        let new = NewProduct {
            name: p.name.clone(),
            description: p.description.clone(),
            price,
            image: p.image.clone(),
            category_name: p.category_name.clone(),
            status: ProductStatus::parse(&p.status).unwrap_or(ProductStatus::Active),
            current_inventory: stock.map_or(0, |s| s.inventory_quantity),
            low_stock_alert_threshold: stock
                .map_or(domain::DEFAULT_LOW_STOCK_THRESHOLD, |s| s.low_stock_alert_threshold),
        };
        let stocked_at = stock.map_or(p.created_at, |s| s.inserted_at);
        let created = state.store().create_product_at(new, p.created_at, stocked_at).await?;
        if created.id != p.id {
            return Err(app::Error::Failed(format!(
                "demo product {} was given id {}; is the table empty?",
                p.id, created.id
            )));
        }
        report.products += 1;
    }
    // Sales go through the live sale path, in time order, back-dated: stock, ledger and (via the
    // stream) aggregates come out exactly as they would have.
    let mut sales: Vec<&DemoSale> = data.sales.iter().collect();
    sales.sort_by_key(|s| (s.sold_at, s.id));
    for s in sales {
        let new = NewSale { product_id: s.product_id, units_sold: s.units_sold, sold_at: s.sold_at };
        app::sales::record_sale(state, &new, s.sold_at, None).await?;
        report.sales += 1;
    }
    Ok(report)
}

/// Categories in the dump carry no creation time; use the earliest time in the data set.
fn data_epoch(data: &DemoData) -> DateTime<Utc> {
    data.inventory_transactions
        .iter()
        .map(|t| t.inserted_at)
        .chain(data.products.iter().map(|p| p.created_at))
        .min()
        .unwrap_or_else(Utc::now)
}
