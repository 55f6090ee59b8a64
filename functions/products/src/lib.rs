//! The catalogue API: categories, products, the stock ledger and low-stock alerts.
//! Handlers are thin: read the request, call the store, shape the response.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use shared::domain::{
    NewCategory, NewProduct, ProductPatch, ProductStatus, StockChange, category_description_patch, parse_category_path,
    parse_product_id,
};
use shared::error::AppError;
use shared::http::{AppState, JsonBody, PathParam, Query, created, ok};
use shared::store::catalogue::ProductFilter;
use shared::time;

/// The catalogue routes, without fallbacks (see `shared::http::finish`).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/categories", post(create_category).get(list_categories))
        .route("/categories/{name}", get(get_category).patch(patch_category).delete(delete_category))
        .route("/products", post(create_product).get(list_products))
        .route("/products/{id}", get(get_product).patch(patch_product))
        .route("/products/{id}/inventory", post(change_inventory).get(list_inventory))
        .route("/inventory/low-stock", get(list_low_stock))
        .with_state(state)
}

async fn create_category(State(state): State<AppState>, JsonBody(body): JsonBody) -> Result<Response, AppError> {
    let new = NewCategory::from_json(body)?;
    let category = state.store.create_category(new, time::now()).await?;
    Ok(created(&category))
}

async fn list_categories(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, AppError> {
    let limit = q.limit()?;
    let cursor = q.get("cursor");
    q.finish()?;
    Ok(ok(&state.store.list_categories(limit, cursor.as_deref()).await?))
}

async fn get_category(State(state): State<AppState>, PathParam(name): PathParam) -> Result<Response, AppError> {
    let name = parse_category_path(&name)?;
    Ok(ok(&state.store.get_category(&name).await?))
}

async fn patch_category(
    State(state): State<AppState>,
    PathParam(name): PathParam,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let name = parse_category_path(&name)?;
    let description = category_description_patch(body)?;
    Ok(ok(&state.store.update_category(&name, description).await?))
}

async fn delete_category(State(state): State<AppState>, PathParam(name): PathParam) -> Result<Response, AppError> {
    let name = parse_category_path(&name)?;
    state.store.delete_category(&name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn create_product(State(state): State<AppState>, JsonBody(body): JsonBody) -> Result<Response, AppError> {
    let new = NewProduct::from_json(body)?;
    Ok(created(&state.store.create_product(new, time::now()).await?))
}

async fn list_products(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, AppError> {
    let category_name = q.get("category_name").map(|c| parse_category_query(&c)).transpose()?;
    let status = q
        .get("status")
        .map(|s| ProductStatus::parse(&s).ok_or_else(|| AppError::bad_field("status", "must be active or inactive")))
        .transpose()?;
    let limit = q.limit()?;
    let cursor = q.get("cursor");
    q.finish()?;
    let filter = ProductFilter { category_name, status };
    Ok(ok(&state.store.list_products(&filter, limit, cursor.as_deref()).await?))
}

async fn get_product(State(state): State<AppState>, PathParam(id): PathParam) -> Result<Response, AppError> {
    let id = parse_product_id(&id)?;
    Ok(ok(&state.store.get_product(id).await?))
}

async fn patch_product(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let id = parse_product_id(&id)?;
    let patch = ProductPatch::from_json(body)?;
    Ok(ok(&state.store.update_product(id, &patch, time::now()).await?))
}

async fn change_inventory(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let id = parse_product_id(&id)?;
    let change = StockChange::from_json(body)?;
    Ok(created(&state.store.change_stock(id, &change, time::now()).await?))
}

async fn list_inventory(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    Query(mut q): Query,
) -> Result<Response, AppError> {
    let id = parse_product_id(&id)?;
    let limit = q.limit()?;
    let cursor = q.get("cursor");
    q.finish()?;
    Ok(ok(&state.store.list_ledger(id, limit, cursor.as_deref()).await?))
}

async fn list_low_stock(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, AppError> {
    let category_name = q.get("category_name").map(|c| parse_category_query(&c)).transpose()?;
    let limit = q.limit()?;
    let cursor = q.get("cursor");
    q.finish()?;
    Ok(ok(&state.store.list_low_stock(category_name.as_deref(), limit, cursor.as_deref()).await?))
}

fn parse_category_query(value: &str) -> Result<String, AppError> {
    if shared::domain::is_valid_category_name(value) {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_field("category_name", "must match ^[a-z0-9][a-z0-9_-]{0,39}$"))
    }
}
