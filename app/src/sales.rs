//! Sales and returns: recording them (read, apply the domain's rule, write in one conditional
//! transaction, and read again and retry when another writer won the race), and reading them.

use chrono::{DateTime, Utc};

use crate::Error;
use crate::idempotency::{self, Claimed};
use crate::idempotency::{DefiniteAnswer, IdempotencyKey, StoredResponse};
use crate::{App, Page};
use domain::outcome::Missing;
use domain::{NewReturn, NewSale, Sale, SaleReturn};
pub use store::sales::{SaleWithReturns, SalesFilter};
use store::{Attempt, optimistic};

/// How the API layer answers a recorded value (a sale, a return): the response kept under an
/// idempotency key, in the same transaction as the write, and replayed to every retry. The use
/// case calls it and stores what it returns, without knowing the wire shape.
pub type Render<'a, T> = &'a (dyn Fn(&T) -> Result<StoredResponse, Error> + Sync);

/// A claimed idempotency key and how to render the response to keep under it.
pub type ClaimedWith<'a, T> = (&'a Claimed, Render<'a, T>);

/// Records a sale exactly once per idempotency key (see [`idempotency::once`]): the response
/// is `render`ed from the sale, or, for a retry, the first request's response.
pub async fn record_sale_once(
    app: &App,
    new: &NewSale,
    idempotency: Option<&IdempotencyKey>,
    now: DateTime<Utc>,
    render: impl Fn(&Sale) -> Result<StoredResponse, Error> + Sync,
    definite: DefiniteAnswer<'_>,
) -> Result<StoredResponse, Error> {
    let render: Render<'_, Sale> = &render;
    idempotency::once(app.store(), idempotency, now, definite, |claim| async move {
        let sale = record_sale(app, new, now, claim.as_ref().map(|c| (c, render))).await?;
        render(&sale)
    })
    .await
}

/// Records one sale from the product as it is: its rules checked ([`domain::Product::sell`]),
/// then the stock decrement, the sale and its ledger entry written on condition that the product
/// is unchanged (plus the key's completion with the rendered response when `claim` is given, so
/// that the key can never say "done" without the sale). A lost race reads the product again.
pub async fn record_sale(
    app: &App,
    new: &NewSale,
    now: DateTime<Utc>,
    claim: Option<ClaimedWith<'_, Sale>>,
) -> Result<Sale, Error> {
    let store = app.store();
    // Chosen once, so every retry writes the same sale.
    let sale_id = ulid::Ulid::from_datetime(now.into()).to_string();
    optimistic("the product's stock", || async {
        let product =
            store.find_product(new.product_id, true).await?.ok_or(Error::NotFound(Missing::Product(new.product_id)))?;
        let made = product.sell(&sale_id, new.units_sold, new.sold_at, now)?;
        let completion = claim.map(|(c, render)| render(&made.sale).map(|r| c.completion(r))).transpose()?;
        Ok::<_, Error>(match store.write_sale(&made, product.version, completion.as_ref(), now).await? {
            Attempt::Done(()) => Attempt::Done(made.sale),
            Attempt::Retry => Attempt::Retry,
        })
    })
    .await
}

/// Records a return exactly once per idempotency key (as [`record_sale_once`]). The key is
/// scoped to the sale: the same key on another sale is another request.
pub async fn record_return_once(
    app: &App,
    sale_id: &str,
    new: &NewReturn,
    idempotency: Option<&IdempotencyKey>,
    now: DateTime<Utc>,
    render: impl Fn(&SaleReturn) -> Result<StoredResponse, Error> + Sync,
    definite: DefiniteAnswer<'_>,
) -> Result<StoredResponse, Error> {
    let render: Render<'_, SaleReturn> = &render;
    // A space cannot be in a client's key (visible ASCII only), so this never meets one.
    let scoped = idempotency
        .map(|i| IdempotencyKey { key: format!("RETURN {sale_id} {}", i.key), fingerprint: i.fingerprint.clone() });
    idempotency::once(app.store(), scoped.as_ref(), now, definite, |claim| async move {
        let returned = record_return(app, sale_id, new, now, claim.as_ref().map(|c| (c, render))).await?;
        render(&returned)
    })
    .await
}

/// Records one return: the sale read with its units returned so far, the domain's rules
/// ([`Sale::take_return`], and [`domain::Product::restock`] when restocking), then one
/// conditional transaction (see [`Store::write_return`]). A lost race reads again, where units
/// now beyond what is returnable are refused.
pub async fn record_return(
    app: &App,
    sale_id: &str,
    new: &NewReturn,
    now: DateTime<Utc>,
    claim: Option<ClaimedWith<'_, SaleReturn>>,
) -> Result<SaleReturn, Error> {
    let store = app.store();
    let return_id = ulid::Ulid::from_datetime(now.into()).to_string();
    optimistic("the sale's returns", || async {
        let found =
            store.find_sale(sale_id, true).await?.ok_or_else(|| Error::NotFound(Missing::Sale(sale_id.into())))?;
        let sale = &found.sale;
        let returned = sale.take_return(found.units_returned, new, &return_id)?;
        let restock = if new.restock {
            let product = store
                .find_product(sale.product_id, true)
                .await?
                .ok_or(Error::NotFound(Missing::Product(sale.product_id)))?;
            Some((product.restock(&returned, now)?, product.version))
        } else {
            None
        };
        let completion = claim.map(|(c, render)| render(&returned).map(|r| c.completion(r))).transpose()?;
        let restock = restock.as_ref().map(|(r, version)| (r, *version));
        Ok::<_, Error>(match store.write_return(sale, &returned, restock, completion.as_ref(), now).await? {
            Attempt::Done(()) => Attempt::Done(returned),
            Attempt::Retry => Attempt::Retry,
        })
    })
    .await
}

// ---- what the sales handlers read as it is -------------------------------------------------------

/// Sales newest first, filtered.
pub async fn list_sales(
    app: &App,
    filter: &SalesFilter,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<Sale>, Error> {
    Ok(app.store().list_sales(filter, limit, cursor).await?)
}

/// Sales newest first with their units returned, only those with (or without) returns.
pub async fn list_sales_by_returns(
    app: &App,
    filter: &SalesFilter,
    has_returns: bool,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<SaleWithReturns>, Error> {
    Ok(app.store().list_sales_by_returns(filter, has_returns, limit, cursor).await?)
}

/// One sale with its units returned so far.
pub async fn get_sale(app: &App, sale_id: &str) -> Result<SaleWithReturns, Error> {
    app.store().find_sale(sale_id, false).await?.ok_or_else(|| Error::NotFound(Missing::Sale(sale_id.into())))
}

/// A sale's returns, newest first.
pub async fn list_returns(
    app: &App,
    sale_id: &str,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<SaleReturn>, Error> {
    Ok(app.store().list_returns(sale_id, limit, cursor).await?)
}
