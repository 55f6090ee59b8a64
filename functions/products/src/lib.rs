//! The catalogue API: categories, products, the stock ledger and low-stock alerts.
//! Handlers are thin: read the request, call one use case, shape the response.

use api::error::AppError;
use api::http::AppState;
use api::openapi::{BadRequest, Conflict, NotFound, Unprocessable};
use api::wire::{CategoryName, Page, PageParams, ValidJson, ValidPath, ValidQuery, page_limit};
use app::catalogue::{self as catalogue, ProductFilter, StockChanged};
use app::time;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::{ProductId, ProductStatus};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod docs;
pub mod wire;

use wire::{
    CategoryPatchBody, CategoryView, LedgerEntryView, NewCategoryBody, NewProductBody, ProductPatchBody,
    ProductStatusView, ProductView, StockChangeBody,
};

/// The catalogue routes and their documentation, without fallbacks (see `api::http::finish`).
/// Every route is registered with `routes!`, which takes it from its handler's `#[utoipa::path]`,
/// so a route cannot exist without its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(create_category, list_categories))
        .routes(routes!(get_category, patch_category, delete_category))
        .routes(routes!(create_product, list_products))
        .routes(routes!(get_product, patch_product))
        .routes(routes!(change_inventory, list_inventory))
        .routes(routes!(list_low_stock))
}

/// The catalogue routes with their state, as the Lambda serves them (plus `docs::docs_router`).
pub fn router(state: AppState) -> axum::Router {
    routes().with_state(state).into()
}

/// The filters of the product list.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ProductsQuery {
    /// Only products of this category.
    category_name: Option<CategoryName>,
    /// Only products with this status.
    #[param(value_type = Option<ProductStatusView>)]
    status: Option<String>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// The category filter of the low-stock list.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct LowStockQuery {
    /// Only products of this category.
    category_name: Option<CategoryName>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// Registers a category.
#[utoipa::path(
    post, path = "/categories", tag = "categories",
    request_body = NewCategoryBody,
    responses(
        (status = 201, description = "Created", body = CategoryView),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
async fn create_category(
    State(state): State<AppState>,
    body: ValidJson<NewCategoryBody>,
) -> Result<(StatusCode, Json<CategoryView>), AppError> {
    let new = body.into_domain(())?;
    let category = catalogue::create_category(&state, new, time::now()).await?;
    Ok((StatusCode::CREATED, Json(category.into())))
}

/// Lists categories by name.
#[utoipa::path(
    get, path = "/categories", tag = "categories",
    params(PageParams),
    responses((status = 200, description = "A page of categories", body = Page<CategoryView>), (status = 400, response = BadRequest))
)]
async fn list_categories(
    State(state): State<AppState>,
    ValidQuery(page): ValidQuery<PageParams>,
) -> Result<Json<Page<CategoryView>>, AppError> {
    let page = catalogue::list_categories(&state, page.limit()?, page.cursor.as_deref()).await?;
    Ok(Json(Page::of(page, CategoryView::from)))
}

/// One category.
#[utoipa::path(
    get, path = "/categories/{name}", tag = "categories",
    params(ValidPath<CategoryName>),
    responses((status = 200, body = CategoryView), (status = 400, response = BadRequest), (status = 404, response = NotFound))
)]
async fn get_category(
    State(state): State<AppState>,
    ValidPath(CategoryName(name)): ValidPath<CategoryName>,
) -> Result<Json<CategoryView>, AppError> {
    Ok(Json(catalogue::get_category(&state, &name).await?.into()))
}

/// Changes a category's description.
#[utoipa::path(
    patch, path = "/categories/{name}", tag = "categories",
    params(ValidPath<CategoryName>),
    request_body = CategoryPatchBody,
    responses(
        (status = 200, body = CategoryView),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
async fn patch_category(
    State(state): State<AppState>,
    ValidPath(CategoryName(name)): ValidPath<CategoryName>,
    body: ValidJson<CategoryPatchBody>,
) -> Result<Json<CategoryView>, AppError> {
    let description = body.into_domain(())?;
    Ok(Json(catalogue::update_category(&state, &name, description).await?.into()))
}

/// Deletes a category no product uses.
#[utoipa::path(
    delete, path = "/categories/{name}", tag = "categories",
    params(ValidPath<CategoryName>),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn delete_category(
    State(state): State<AppState>,
    ValidPath(CategoryName(name)): ValidPath<CategoryName>,
) -> Result<StatusCode, AppError> {
    catalogue::delete_category(&state, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Registers a product; its id is the next integer. Initial stock is the `initial` ledger entry.
#[utoipa::path(
    post, path = "/products", tag = "products",
    request_body = NewProductBody,
    responses(
        (status = 201, description = "Created", body = ProductView),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
async fn create_product(
    State(state): State<AppState>,
    body: ValidJson<NewProductBody>,
) -> Result<(StatusCode, Json<ProductView>), AppError> {
    let new = body.into_domain(())?;
    Ok((StatusCode::CREATED, Json(catalogue::create_product(&state, new, time::now()).await?.into())))
}

/// Lists products by id, optionally of one category and/or status.
#[utoipa::path(
    get, path = "/products", tag = "products",
    params(ProductsQuery),
    responses((status = 200, description = "A page of products", body = Page<ProductView>), (status = 400, response = BadRequest))
)]
async fn list_products(
    State(state): State<AppState>,
    ValidQuery(q): ValidQuery<ProductsQuery>,
) -> Result<Json<Page<ProductView>>, AppError> {
    let status = q
        .status
        .map(|s| ProductStatus::parse(&s).ok_or_else(|| AppError::bad_field("status", "must be active or inactive")))
        .transpose()?;
    let limit = page_limit(q.limit, 50)?;
    let filter = ProductFilter { category_name: q.category_name.map(|c| c.0), status };
    let page = catalogue::list_products(&state, &filter, limit, q.cursor.as_deref()).await?;
    Ok(Json(Page::of(page, ProductView::from)))
}

/// One product.
#[utoipa::path(
    get, path = "/products/{id}", tag = "products",
    params(ValidPath<ProductId>),
    responses((status = 200, body = ProductView), (status = 400, response = BadRequest), (status = 404, response = NotFound))
)]
async fn get_product(
    State(state): State<AppState>,
    ValidPath(ProductId(id)): ValidPath<ProductId>,
) -> Result<Json<ProductView>, AppError> {
    Ok(Json(catalogue::get_product(&state, id).await?.into()))
}

/// Changes a product. Setting `current_inventory` writes an `adjustment` ledger entry in the
/// same transaction.
#[utoipa::path(
    patch, path = "/products/{id}", tag = "products",
    params(ValidPath<ProductId>),
    request_body = ProductPatchBody,
    responses(
        (status = 200, body = ProductView),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
async fn patch_product(
    State(state): State<AppState>,
    ValidPath(ProductId(id)): ValidPath<ProductId>,
    body: ValidJson<ProductPatchBody>,
) -> Result<Json<ProductView>, AppError> {
    let patch = body.into_domain(())?;
    Ok(Json(catalogue::update_product(&state, id, &patch, time::now()).await?.into()))
}

/// Changes a product's stock by `change` or to `set`, with one ledger entry, atomically. A `set`
/// to the quantity already in stock changes nothing and writes no entry (as the same `PATCH`
/// does): 200 with the entry that brought the stock there.
#[utoipa::path(
    post, path = "/products/{id}/inventory", tag = "inventory",
    params(ValidPath<ProductId>),
    request_body = StockChangeBody,
    responses(
        (status = 201, description = "The ledger entry written", body = LedgerEntryView),
        (status = 200, description = "`set` to the current quantity: nothing written; the latest entry", body = LedgerEntryView),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
async fn change_inventory(
    State(state): State<AppState>,
    ValidPath(ProductId(id)): ValidPath<ProductId>,
    body: ValidJson<StockChangeBody>,
) -> Result<(StatusCode, Json<LedgerEntryView>), AppError> {
    let change = body.into_domain(())?;
    Ok(match catalogue::change_stock(&state, id, &change, time::now()).await? {
        StockChanged::Written(entry) => (StatusCode::CREATED, Json(entry.into())),
        StockChanged::Unchanged(entry) => (StatusCode::OK, Json(entry.into())),
    })
}

/// A product's stock ledger, newest first.
#[utoipa::path(
    get, path = "/products/{id}/inventory", tag = "inventory",
    params(ValidPath<ProductId>, PageParams),
    responses(
        (status = 200, description = "A page of ledger entries", body = Page<LedgerEntryView>),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn list_inventory(
    State(state): State<AppState>,
    ValidPath(ProductId(id)): ValidPath<ProductId>,
    ValidQuery(page): ValidQuery<PageParams>,
) -> Result<Json<Page<LedgerEntryView>>, AppError> {
    let page = catalogue::list_ledger(&state, id, page.limit()?, page.cursor.as_deref()).await?;
    Ok(Json(Page::of(page, LedgerEntryView::from)))
}

/// Active products whose stock is at or below their alert threshold (a sparse index: no Scan).
#[utoipa::path(
    get, path = "/inventory/low-stock", tag = "inventory",
    params(LowStockQuery),
    responses((status = 200, description = "A page of products", body = Page<ProductView>), (status = 400, response = BadRequest))
)]
async fn list_low_stock(
    State(state): State<AppState>,
    ValidQuery(q): ValidQuery<LowStockQuery>,
) -> Result<Json<Page<ProductView>>, AppError> {
    let category_name = q.category_name.map(|c| c.0);
    let limit = page_limit(q.limit, 50)?;
    let page = catalogue::list_low_stock(&state, category_name.as_deref(), limit, q.cursor.as_deref()).await?;
    Ok(Json(Page::of(page, ProductView::from)))
}
