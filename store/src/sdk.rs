//! The DynamoDB client: built once per process, from the endpoint the configuration names.

use crate::Store;

/// Loads the AWS SDK configuration (region, credentials, endpoint) once. The endpoint is the
/// caller's, not only the process environment's, so one process can talk to several local
/// emulators (tests). A loopback endpoint is a local emulator, which accepts any credentials:
/// it needs none in the environment, and no region look-up.
///
/// HTTPS is rustls on `ring` rather than the SDK's default `aws-lc-rs`: the same TLS 1.2/1.3
/// to DynamoDB, without the post-quantum key exchange aws-lc-rs prefers, and without the
/// AWS-LC C library in every Lambda package (docs/benchmarks.md, "Lambda packages").
pub async fn sdk_config(endpoint_url: Option<&str>) -> aws_config::SdkConfig {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    // The region from the environment (as Lambda sets it) or the profile, else us-east-1: never
    // from EC2's instance metadata, which the SDK's default chain probes over the network (and
    // warns about, off EC2) when neither names one.
    let region = aws_config::meta::region::RegionProviderChain::first_try(
        aws_config::environment::EnvironmentVariableRegionProvider::new(),
    )
    .or_else(aws_config::profile::ProfileFileRegionProvider::new())
    .or_else(aws_config::Region::from_static("us-east-1"));
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https).region(region);
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
        if is_loopback(url) {
            let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
            loader = loader.region(aws_config::Region::new(region)).credentials_provider(
                aws_sdk_dynamodb::config::Credentials::new("local", "local", None, None, "local"),
            );
        }
    }
    loader.load().await
}

/// The store of `table` at `endpoint_url` (AWS when `None`).
pub async fn connect(endpoint_url: Option<&str>, table: impl Into<String>) -> Store {
    Store::new(aws_sdk_dynamodb::Client::new(&sdk_config(endpoint_url).await), table)
}

/// Whether `url` names this machine (`http://127.0.0.1:4566`, `http://localhost:8000`, ...).
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints_are_local_emulators() {
        for url in ["http://127.0.0.1:4566", "http://localhost:8000/", "http://[::1]:9000", "http://127.1.2.3"] {
            assert!(is_loopback(url), "{url}");
        }
        for url in ["https://dynamodb.us-east-1.amazonaws.com", "http://10.0.0.5:4566", "http://localhost.example.com"]
        {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
