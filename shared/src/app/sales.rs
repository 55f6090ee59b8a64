//! Recording sales and returns: read, apply the domain's rule, write in one conditional
//! transaction, and read again and retry when another writer won the race.

use chrono::{DateTime, Utc};

use super::Error;
use super::idempotency::{self, Claimed};
use crate::domain::{NewReturn, NewSale, Sale, SaleReturn};
use crate::store::idempotency::{IdempotencyKey, StoredResponse};
use crate::store::{Attempt, Missing, Store, StoreError, optimistic};

/// How the API layer answers a recorded value (a sale, a return): the response kept under an
/// idempotency key, in the same transaction as the write, and replayed to every retry. The use
/// case calls it and stores what it returns, without knowing the wire shape.
pub type Render<'a, T> = &'a (dyn Fn(&T) -> Result<StoredResponse, Error> + Sync);

/// A claimed idempotency key and how to render the response to keep under it.
pub type ClaimedWith<'a, T> = (&'a Claimed, Render<'a, T>);

/// Records a sale exactly once per idempotency key (see [`idempotency::once`]): the response
/// is `render`ed from the sale, or, for a retry, the first request's response.
pub async fn record_sale_once(
    store: &Store,
    new: &NewSale,
    idempotency: Option<&IdempotencyKey>,
    now: DateTime<Utc>,
    render: impl Fn(&Sale) -> Result<StoredResponse, Error> + Sync,
) -> Result<StoredResponse, Error> {
    let render: Render<'_, Sale> = &render;
    idempotency::once(store, idempotency, now, |claim| async move {
        let sale = record_sale(store, new, now, claim.as_ref().map(|c| (c, render))).await?;
        render(&sale)
    })
    .await
}

/// Records one sale from the product as it is: its rules checked ([`crate::domain::Product::sell`]),
/// then the stock decrement, the sale and its ledger entry written on condition that the product
/// is unchanged (plus the key's completion with the rendered response when `claim` is given, so
/// that the key can never say "done" without the sale). A lost race reads the product again.
pub async fn record_sale(
    store: &Store,
    new: &NewSale,
    now: DateTime<Utc>,
    claim: Option<ClaimedWith<'_, Sale>>,
) -> Result<Sale, Error> {
    // Chosen once, so every retry writes the same sale.
    let sale_id = ulid::Ulid::from_datetime(now.into()).to_string();
    optimistic("the product's stock", || async {
        let product = store
            .find_product(new.product_id, true)
            .await?
            .ok_or(StoreError::NotFound(Missing::Product(new.product_id)))?;
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
    store: &Store,
    sale_id: &str,
    new: &NewReturn,
    idempotency: Option<&IdempotencyKey>,
    now: DateTime<Utc>,
    render: impl Fn(&SaleReturn) -> Result<StoredResponse, Error> + Sync,
) -> Result<StoredResponse, Error> {
    let render: Render<'_, SaleReturn> = &render;
    // A space cannot be in a client's key (visible ASCII only), so this never meets one.
    let scoped = idempotency
        .map(|i| IdempotencyKey { key: format!("RETURN {sale_id} {}", i.key), fingerprint: i.fingerprint.clone() });
    idempotency::once(store, scoped.as_ref(), now, |claim| async move {
        let returned = record_return(store, sale_id, new, now, claim.as_ref().map(|c| (c, render))).await?;
        render(&returned)
    })
    .await
}

/// Records one return: the sale read with its units returned so far, the domain's rules
/// ([`Sale::take_return`], and [`crate::domain::Product::restock`] when restocking), then one
/// conditional transaction (see [`Store::write_return`]). A lost race reads again, where units
/// now beyond what is returnable are refused.
pub async fn record_return(
    store: &Store,
    sale_id: &str,
    new: &NewReturn,
    now: DateTime<Utc>,
    claim: Option<ClaimedWith<'_, SaleReturn>>,
) -> Result<SaleReturn, Error> {
    let return_id = ulid::Ulid::from_datetime(now.into()).to_string();
    optimistic("the sale's returns", || async {
        let found =
            store.find_sale(sale_id, true).await?.ok_or_else(|| StoreError::NotFound(Missing::Sale(sale_id.into())))?;
        let sale = &found.sale;
        let returned = sale.take_return(found.units_returned, new, &return_id)?;
        let restock = if new.restock {
            let product = store
                .find_product(sale.product_id, true)
                .await?
                .ok_or(StoreError::NotFound(Missing::Product(sale.product_id)))?;
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
