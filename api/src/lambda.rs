//! Running an HTTP router in Lambda: logs, the Lambda request id as the request id, `run`.

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use lambda_http::RequestExt;

use crate::http::REQUEST_ID_HEADER;

/// Serves `router` (already `finish`ed) behind API Gateway until the runtime stops.
pub async fn run_http(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(with_lambda_request_id(router)).await
}

/// Makes the Lambda request id (from the request's `lambda_runtime::Context`) the request id.
pub fn with_lambda_request_id(router: Router) -> Router {
    router.layer(axum::middleware::map_request(use_lambda_request_id))
}

/// The AWS request id is what CloudWatch and X-Ray show; use it for our logs too.
async fn use_lambda_request_id(mut req: Request) -> Request {
    let id = req.lambda_context_ref().map(|c| c.request_id.clone());
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        req.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    req
}
