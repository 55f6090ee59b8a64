//! The catalogue's request bodies: read (`api::wire::ValidJson`), documented (`ToSchema`) and
//! converted into their domain types by the same definitions.
//!
//! Every member is a `Field` (absent, `null` or a value), so one bad member does not hide the
//! others. The schema calls a member required unless it says `required = false` or its value
//! type is an `Option`; the conversion refuses the absence of exactly those.

use api::wire::{CategoryName, Field, FieldErrors, IntoDomain, MoneyInput, MoneyView, Text, Whole};
use app::time;
use domain::catalogue::{
    self, Category, DEFAULT_LOW_STOCK_THRESHOLD, LedgerEntry, LedgerReason, MAX_QUANTITY, NewCategory, NewProduct,
    Product, ProductPatch, ProductStatus, StockChange,
};
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};

/// `POST /categories`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "electronics", "description": "Phones, laptops and accessories"}))]
pub struct NewCategoryBody {
    #[schema(value_type = CategoryName)]
    pub name: Field<CategoryName>,
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Field<Text>,
}

impl IntoDomain for NewCategoryBody {
    type Domain = NewCategory;

    fn into_domain(self, (): (), errors: &mut FieldErrors) -> Option<NewCategory> {
        let name = errors.present("name", self.name);
        let name = errors.required("name", name);
        let description = text(errors, "description", self.description, catalogue::description);
        Some(NewCategory { name: name?.0, description: description.value() })
    }
}

/// `PATCH /categories/{name}`: the new description (`null` clears it).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Everything with a plug"}))]
pub struct CategoryPatchBody {
    #[schema(value_type = Option<String>, max_length = 2000, required = true, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Field<Text>,
}

impl IntoDomain for CategoryPatchBody {
    /// The description (`None` clears it).
    type Domain = Option<String>;

    fn into_domain(self, (): (), errors: &mut FieldErrors) -> Option<Option<String>> {
        let description = text(errors, "description", self.description, catalogue::description);
        if description.is_absent() {
            errors.add("description", "is required");
            return None;
        }
        Some(description.value())
    }
}

/// `POST /products`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Laptop Pro 14", "description": "14-inch, 32 GB", "price": "1999.99",
    "image": "https://example.com/laptop.png", "category_name": "electronics",
    "current_inventory": 25, "low_stock_alert_threshold": 5
}))]
pub struct NewProductBody {
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Field<Text>,
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Field<Text>,
    #[schema(value_type = MoneyInput)]
    pub price: Field<MoneyInput>,
    /// An http(s) URL.
    #[schema(value_type = Option<String>, max_length = 2048, pattern = r"^https?://[^\s\u0000-\u001F\u007F-\u009F]*$")]
    pub image: Field<Text>,
    /// An existing category (422 otherwise).
    #[schema(value_type = CategoryName)]
    pub category_name: Field<CategoryName>,
    /// Default `active`.
    #[schema(value_type = ProductStatusView, required = false)]
    pub status: Field<Text>,
    /// Default 0; recorded as the `initial` ledger entry.
    #[schema(value_type = i64, minimum = 0, maximum = 1_000_000_000, required = false, example = 25)]
    pub current_inventory: Field<Whole>,
    /// Default 10.
    #[schema(value_type = i64, minimum = 0, maximum = 1_000_000_000, required = false, example = 5)]
    pub low_stock_alert_threshold: Field<Whole>,
}

impl IntoDomain for NewProductBody {
    type Domain = NewProduct;

    fn into_domain(self, (): (), errors: &mut FieldErrors) -> Option<NewProduct> {
        let name = errors.present("name", self.name).map(|t| catalogue::product_name(&t.0));
        let name = errors.required("name", name).and_then(|r| errors.check("name", r));
        let description = text(errors, "description", self.description, catalogue::description).value();
        let price = errors.present("price", self.price).map(|m| catalogue::price(m.0));
        let price = errors.required("price", price).and_then(|r| errors.check("price", r));
        let image = text(errors, "image", self.image, catalogue::image_url).value();
        let category_name = errors.present("category_name", self.category_name);
        let category_name = errors.required("category_name", category_name);
        let status = status(errors, self.status).unwrap_or(ProductStatus::Active);
        let current_inventory = quantity(errors, "current_inventory", self.current_inventory).unwrap_or(0);
        let low_stock_alert_threshold = quantity(errors, "low_stock_alert_threshold", self.low_stock_alert_threshold)
            .unwrap_or(DEFAULT_LOW_STOCK_THRESHOLD);
        Some(NewProduct {
            name: name?,
            description,
            price: price?,
            image,
            category_name: category_name?.0,
            status,
            current_inventory,
            low_stock_alert_threshold,
        })
    }
}

/// `PATCH /products/{id}`: the members to change (at least one). `description` and `image` may
/// be `null` to clear them; `current_inventory` is an absolute set recorded as an `adjustment`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1, example = json!({"price": "1899.00", "current_inventory": 40}))]
pub struct ProductPatchBody {
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S", required = false)]
    pub name: Field<Text>,
    /// `null` removes the description.
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Field<Text>,
    #[schema(value_type = MoneyInput, required = false)]
    pub price: Field<MoneyInput>,
    /// An http(s) URL; `null` removes the image.
    #[schema(value_type = Option<String>, max_length = 2048, pattern = r"^https?://[^\s\u0000-\u001F\u007F-\u009F]*$")]
    pub image: Field<Text>,
    /// Moves the product to this existing category (422 otherwise).
    #[schema(value_type = CategoryName, required = false)]
    pub category_name: Field<CategoryName>,
    /// An inactive product cannot be sold.
    #[schema(value_type = ProductStatusView, required = false)]
    pub status: Field<Text>,
    #[schema(value_type = i64, minimum = 0, maximum = 1_000_000_000, required = false, example = 5)]
    pub low_stock_alert_threshold: Field<Whole>,
    /// An absolute stock level, recorded as an `adjustment` ledger entry.
    #[schema(value_type = i64, minimum = 0, maximum = 1_000_000_000, required = false, example = 40)]
    pub current_inventory: Field<Whole>,
}

impl IntoDomain for ProductPatchBody {
    type Domain = ProductPatch;

    fn into_domain(self, (): (), errors: &mut FieldErrors) -> Option<ProductPatch> {
        let name = errors.present("name", self.name).map(|t| catalogue::product_name(&t.0));
        let price = errors.present("price", self.price).map(|m| catalogue::price(m.0));
        let patch = ProductPatch {
            name: name.and_then(|r| errors.check("name", r)),
            description: nullable(text(errors, "description", self.description, catalogue::description)),
            price: price.and_then(|r| errors.check("price", r)),
            image: nullable(text(errors, "image", self.image, catalogue::image_url)),
            category_name: errors.present("category_name", self.category_name).map(|c| c.0),
            status: status(errors, self.status),
            low_stock_alert_threshold: quantity(errors, "low_stock_alert_threshold", self.low_stock_alert_threshold),
            current_inventory: quantity(errors, "current_inventory", self.current_inventory),
        };
        if patch == ProductPatch::default() && errors.is_empty() {
            errors.add("body", "names no field to change");
        }
        Some(patch)
    }
}

/// `POST /products/{id}/inventory`: a relative `change` or an absolute `set`, not both, and an
/// optional `reason`. Its schema says "one of the two" (`oneOf`), which a derive cannot.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockChangeBody {
    pub change: Field<Whole>,
    pub set: Field<Whole>,
    pub reason: Field<Text>,
}

impl StockChangeBody {
    /// One of the two forms: `member` (required, of schema `value`) and an optional `reason`,
    /// nothing else.
    fn form(member: &str, value: impl Into<RefOr<Schema>>, example: serde_json::Value) -> Schema {
        let reason = OneOfBuilder::new()
            .item(Ref::from_schema_name(StockChangeReason::name()))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some("Default `restock` for a positive change, `adjustment` otherwise."));
        ObjectBuilder::new()
            .property(member, value)
            .required(member)
            .property("reason", reason)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .examples([example])
            .into()
    }

    /// A whole number from `minimum` to `maximum`.
    fn whole(minimum: i64, maximum: i64) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(minimum))
            .maximum(Some(maximum))
    }
}

impl utoipa::PartialSchema for StockChangeBody {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new().item(Ref::from_schema_name("StockDelta")).item(Ref::from_schema_name("StockLevel")).into()
    }
}

impl ToSchema for StockChangeBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        // Zero is refused (`StockChange::new`): the change is one of two ranges that leave it out.
        let change = OneOfBuilder::new()
            .item(Self::whole(-MAX_QUANTITY, -1))
            .item(Self::whole(1, MAX_QUANTITY))
            .description(Some("A relative change: non-zero; negative removes stock."));
        let set = Self::whole(0, MAX_QUANTITY).description(Some("An absolute stock level."));
        let delta = Self::form("change", change, serde_json::json!({"change": 5, "reason": "restock"}));
        let level = Self::form("set", set, serde_json::json!({"set": 40, "reason": "adjustment"}));
        schemas.push(("StockDelta".into(), delta.into()));
        schemas.push(("StockLevel".into(), level.into()));
        schemas.push((StockChangeReason::name().into(), <StockChangeReason as utoipa::PartialSchema>::schema()));
    }
}

/// The reasons a client may give for a stock change (`initial` and `sale` are written by the
/// service itself).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum StockChangeReason {
    Restock,
    Adjustment,
    Return,
}

impl IntoDomain for StockChangeBody {
    type Domain = StockChange;

    fn into_domain(self, (): (), errors: &mut FieldErrors) -> Option<StockChange> {
        if matches!(self.change, Field::Null) || matches!(self.set, Field::Null) {
            errors.add("change", "one of change or set is required");
            return None;
        }
        if !errors.is_empty() {
            return None;
        }
        let reason = self.reason.value().map(|r| r.0);
        let change =
            StockChange::new(self.change.value().map(|w| w.0), self.set.value().map(|w| w.0), reason.as_deref());
        change.map_err(|e| errors.add(e.field, e.message)).ok()
    }
}

// ---- member rules --------------------------------------------------------------------------

/// Free text checked by `rule`, `null` kept.
fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: Field<Text>,
    rule: fn(String) -> Result<String, String>,
) -> Field<String> {
    match value {
        Field::Value(Text(text)) => match rule(text) {
            Ok(text) => Field::Value(text),
            Err(message) => {
                errors.add(field, message);
                Field::Absent
            }
        },
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    }
}

/// A member that may be cleared: absent is no change, `null` clears.
fn nullable<T>(field: Field<T>) -> Option<Option<T>> {
    match field {
        Field::Absent => None,
        Field::Null => Some(None),
        Field::Value(v) => Some(Some(v)),
    }
}

fn status(errors: &mut FieldErrors, value: Field<Text>) -> Option<ProductStatus> {
    let status = errors.present("status", value).map(|t| catalogue::product_status(&t.0))?;
    errors.check("status", status)
}

fn quantity(errors: &mut FieldErrors, field: &str, value: Field<Whole>) -> Option<i64> {
    let quantity = errors.present(field, value).map(|w| catalogue::quantity(w.0))?;
    errors.check(field, quantity)
}

// ---- responses ------------------------------------------------------------------------------
// Built from the domain's values (`From`), serialized and documented by the same definitions.

/// A product category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Category, example = json!({"name": "electronics", "description": "Phones and laptops",
    "created_at": "2023-10-08T12:48:25Z", "product_count": 3}))]
pub struct CategoryView {
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{0,39}$")]
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// How many products are in the category (a category in use cannot be deleted).
    pub product_count: i64,
}

impl From<Category> for CategoryView {
    fn from(category: Category) -> Self {
        CategoryView {
            name: category.name,
            description: category.description,
            created_at: time::to_api(category.created_at, None),
            product_count: category.product_count,
        }
    }
}

/// Whether a product can be sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = ProductStatus)]
#[serde(rename_all = "lowercase")]
pub enum ProductStatusView {
    Active,
    Inactive,
}

impl From<ProductStatus> for ProductStatusView {
    fn from(status: ProductStatus) -> Self {
        match status {
            ProductStatus::Active => ProductStatusView::Active,
            ProductStatus::Inactive => ProductStatusView::Inactive,
        }
    }
}

/// A product and its stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Product, example = json!({
    "id": 1, "name": "Laptop Pro 14", "description": "14-inch, 32 GB", "price": "1999.99",
    "image": "https://example.com/laptop.png", "category_name": "electronics", "status": "active",
    "current_inventory": 25, "low_stock_alert_threshold": 5,
    "created_at": "2023-10-08T12:48:25Z", "updated_at": "2023-10-08T12:48:25Z"
}))]
pub struct ProductView {
    #[schema(minimum = 1)]
    pub id: i64,
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub price: MoneyView,
    #[schema(required = true)]
    pub image: Option<String>,
    pub category_name: String,
    pub status: ProductStatusView,
    pub current_inventory: i64,
    pub low_stock_alert_threshold: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The product without its version (a store matter, not the API's).
impl From<Product> for ProductView {
    fn from(product: Product) -> Self {
        ProductView {
            id: product.id,
            name: product.name,
            description: product.description,
            price: product.price.into(),
            image: product.image,
            category_name: product.category_name,
            status: product.status.into(),
            current_inventory: product.current_inventory,
            low_stock_alert_threshold: product.low_stock_alert_threshold,
            created_at: time::to_api(product.created_at, None),
            updated_at: time::to_api(product.updated_at, None),
        }
    }
}

/// Why a product's stock moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = LedgerReason)]
#[serde(rename_all = "lowercase")]
pub enum LedgerReasonView {
    Initial,
    Restock,
    Adjustment,
    Return,
    Sale,
}

impl From<LedgerReason> for LedgerReasonView {
    fn from(reason: LedgerReason) -> Self {
        match reason {
            LedgerReason::Initial => LedgerReasonView::Initial,
            LedgerReason::Restock => LedgerReasonView::Restock,
            LedgerReason::Adjustment => LedgerReasonView::Adjustment,
            LedgerReason::Return => LedgerReasonView::Return,
            LedgerReason::Sale => LedgerReasonView::Sale,
        }
    }
}

/// One change of a product's stock. Written in the same transaction as the change itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = LedgerEntry, example = json!({"at": "2023-10-08T12:48:25Z", "change": -2, "quantity_after": 23,
    "reason": "sale", "sale_id": "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8"}))]
pub struct LedgerEntryView {
    #[schema(format = DateTime)]
    pub at: String,
    pub change: i64,
    pub quantity_after: i64,
    pub reason: LedgerReasonView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
}

impl From<LedgerEntry> for LedgerEntryView {
    fn from(entry: LedgerEntry) -> Self {
        LedgerEntryView {
            at: time::to_api(entry.at, None),
            change: entry.change,
            quantity_after: entry.quantity_after,
            reason: entry.reason.into(),
            sale_id: entry.sale_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use api::error::AppError;
    use api::wire::ValidJson;
    use domain::catalogue::{LedgerReason, StockChangeKind, StockRejected};
    use domain::money::Money;

    use super::*;

    fn read<T: IntoDomain + serde::de::DeserializeOwned>(json: &str) -> Result<T::Domain, AppError> {
        ValidJson::<T>::parse(json.as_bytes())?.into_domain(())
    }

    fn fields(err: AppError) -> Vec<String> {
        match err {
            AppError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn new_product_defaults() {
        let p = read::<NewProductBody>(r#"{"name":" Phone ","price":"19.90","category_name":"electronics"}"#).unwrap();
        assert_eq!(p.name, "Phone");
        assert_eq!(p.price, Money::from_minor(1990));
        assert_eq!(p.status, ProductStatus::Active);
        assert_eq!(p.current_inventory, 0);
        assert_eq!(p.low_stock_alert_threshold, 10);
    }

    #[test]
    fn new_product_reports_every_bad_field_once() {
        let err = read::<NewProductBody>(
            r#"{"price":-1,"category_name":"Bad Name","current_inventory":-5,"image":"ftp://x","extra":1}"#,
        )
        .unwrap_err();
        assert_eq!(fields(err), ["name", "price", "image", "category_name", "current_inventory", "extra"]);
    }

    #[test]
    fn money_from_number_and_string_without_floats() {
        let price = |json: &str| read::<ProductPatchBody>(json).map(|p| p.price);
        assert_eq!(price(r#"{"price": 19.99}"#).unwrap(), Some(Money::from_minor(1999)));
        assert_eq!(price(r#"{"price": "20.10"}"#).unwrap(), Some(Money::from_minor(2010)));
        assert_eq!(price(r#"{"price": 0.1}"#).unwrap(), Some(Money::from_minor(10)));
        assert_eq!(fields(price(r#"{"price": 1e2, "name": true}"#).unwrap_err()), ["name", "price"]);
    }

    #[test]
    fn integers_reject_fractions_and_strings() {
        let patch =
            read::<ProductPatchBody>(r#"{"current_inventory": 5.0, "low_stock_alert_threshold": 5e0}"#).unwrap();
        assert_eq!((patch.current_inventory, patch.low_stock_alert_threshold), (Some(5), Some(5)));
        for bad in [r#"{"current_inventory": 5.5}"#, r#"{"current_inventory": "5"}"#, r#"{"current_inventory": null}"#]
        {
            assert_eq!(fields(read::<ProductPatchBody>(bad).unwrap_err()), ["current_inventory"], "{bad}");
        }
    }

    #[test]
    fn patch_requires_a_field_and_allows_clearing() {
        assert_eq!(fields(read::<ProductPatchBody>("{}").unwrap_err()), ["body"]);
        let p = read::<ProductPatchBody>(r#"{"description":null,"current_inventory":3}"#).unwrap();
        assert_eq!(p.description, Some(None));
        assert_eq!(p.current_inventory, Some(3));
        assert_eq!(fields(read::<ProductPatchBody>(r#"{"name":null}"#).unwrap_err()), ["name"]);
    }

    #[test]
    fn categories() {
        let c = read::<NewCategoryBody>(r#"{"name":"toys","description":null}"#).unwrap();
        assert_eq!((c.name.as_str(), c.description), ("toys", None));
        assert_eq!(fields(read::<NewCategoryBody>(r#"{"name":"Toys","descr":"x"}"#).unwrap_err()), ["name", "descr"]);
        assert_eq!(fields(read::<NewCategoryBody>("{}").unwrap_err()), ["name"]);
        assert_eq!(read::<CategoryPatchBody>(r#"{"description":null}"#).unwrap(), None);
        assert_eq!(fields(read::<CategoryPatchBody>("{}").unwrap_err()), ["description"]);
    }

    #[test]
    fn stock_change_rules() {
        let c = read::<StockChangeBody>(r#"{"change":5}"#).unwrap();
        assert_eq!((c.kind, c.reason), (StockChangeKind::Change(5), LedgerReason::Restock));
        let c = read::<StockChangeBody>(r#"{"set":0,"reason":"adjustment"}"#).unwrap();
        assert_eq!(c.kind, StockChangeKind::Set(0));
        assert_eq!(c.apply_to(7).unwrap(), 0);
        assert!(read::<StockChangeBody>(r#"{"change":0}"#).is_err());
        assert!(read::<StockChangeBody>(r#"{"change":1,"set":1}"#).is_err());
        assert!(read::<StockChangeBody>(r#"{"set":-1}"#).is_err());
        assert!(read::<StockChangeBody>(r#"{"change":1,"reason":"sale"}"#).is_err());
        let c = read::<StockChangeBody>(r#"{"change":-5}"#).unwrap();
        assert!(matches!(c.apply_to(4), Err(StockRejected::BelowZero { .. })));
        assert_eq!(c.apply_to(5).unwrap(), 0);
    }

    #[test]
    fn malformed_or_non_object_bodies_are_bad_requests() {
        for body in ["{", "[1]", "\"x\"", "", "  "] {
            assert!(
                matches!(ValidJson::<NewCategoryBody>::parse(body.as_bytes()), Err(AppError::BadRequest { .. })),
                "{body:?}"
            );
        }
    }

    #[test]
    fn responses_have_the_contract_members() {
        let at = time::parse_rfc3339("2023-10-08T12:48:25Z").unwrap();
        let category = Category { name: "toys".into(), description: None, created_at: at, product_count: 2 };
        assert_eq!(
            serde_json::to_string(&CategoryView::from(category)).unwrap(),
            r#"{"name":"toys","description":null,"created_at":"2023-10-08T12:48:25Z","product_count":2}"#
        );
        let product = Product {
            id: 3,
            name: "Kite".into(),
            description: Some("Red".into()),
            price: Money::from_minor(1_050),
            image: None,
            category_name: "toys".into(),
            status: ProductStatus::Inactive,
            current_inventory: 4,
            low_stock_alert_threshold: 10,
            created_at: at,
            updated_at: at,
            version: 7,
        };
        assert_eq!(
            serde_json::to_string(&ProductView::from(product)).unwrap(),
            r#"{"id":3,"name":"Kite","description":"Red","price":"10.50","image":null,"category_name":"toys","status":"inactive","current_inventory":4,"low_stock_alert_threshold":10,"created_at":"2023-10-08T12:48:25Z","updated_at":"2023-10-08T12:48:25Z"}"#
        );
        let entry = |reason, sale_id| LedgerEntry { at, change: -2, quantity_after: 23, reason, sale_id };
        assert_eq!(
            serde_json::to_string(&LedgerEntryView::from(entry(LedgerReason::Sale, Some("S1".into())))).unwrap(),
            r#"{"at":"2023-10-08T12:48:25Z","change":-2,"quantity_after":23,"reason":"sale","sale_id":"S1"}"#
        );
        assert_eq!(
            serde_json::to_string(&LedgerEntryView::from(entry(LedgerReason::Adjustment, None))).unwrap(),
            r#"{"at":"2023-10-08T12:48:25Z","change":-2,"quantity_after":23,"reason":"adjustment"}"#
        );
        for reason in [
            LedgerReason::Initial,
            LedgerReason::Restock,
            LedgerReason::Adjustment,
            LedgerReason::Return,
            LedgerReason::Sale,
        ] {
            let json = serde_json::to_value(LedgerReasonView::from(reason)).unwrap();
            assert_eq!(json.as_str(), Some(reason.as_str()));
        }
        for status in [ProductStatus::Active, ProductStatus::Inactive] {
            assert_eq!(serde_json::to_value(ProductStatusView::from(status)).unwrap().as_str(), Some(status.as_str()));
        }
    }
}
