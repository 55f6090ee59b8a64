//! Configuration, read once at start-up from the environment into a typed struct.

use chrono::Datelike;
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct Config {
    /// `TABLE_NAME`: the single DynamoDB table.
    pub table_name: String,
    /// `STORE_TIMEZONE`: the store's IANA zone; aggregate buckets are its calendar periods.
    pub store_timezone: Tz,
    /// `AWS_ENDPOINT_URL`: a local DynamoDB (the local runner's, LocalStack); unset in AWS.
    pub endpoint_url: Option<String>,
    /// `STORE_OPENED`: the store-local date of the first day that can hold sales (default
    /// 2000-01-01). A sale dated before it is refused (422); summaries start there.
    pub store_opened: chrono::NaiveDate,
    /// `AUTH_MODE`: `authorizer` (default), `off`, or `local-jwt` (see `auth`).
    pub auth_mode: AuthMode,
    /// `CORS_ALLOW_ORIGINS`: the origins (`https://admin.example.com`, comma-separated) whose
    /// browsers may call the API (see `http::cors`); empty (the default) allows none.
    pub cors_allow_origins: Vec<String>,
}

/// Who decides what a request may do (`AUTH_MODE`; see `crate::auth`, which acts on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Authorizer,
    Off,
    LocalJwt,
}

impl AuthMode {
    pub fn parse(text: &str) -> Option<AuthMode> {
        match text {
            "authorizer" => Some(AuthMode::Authorizer),
            "off" => Some(AuthMode::Off),
            "local-jwt" => Some(AuthMode::LocalJwt),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("STORE_TIMEZONE={0:?} is not an IANA time zone (e.g. UTC, Asia/Karachi)")]
    BadTimezone(String),
    #[error("TABLE_NAME={0:?} is not a valid DynamoDB table name")]
    BadTableName(String),
    #[error("STORE_OPENED={0:?} is not a date from 1970-01-01 on, written like 2000-01-01")]
    BadOpeningDate(String),
    #[error("AUTH_MODE={0:?} is not one of authorizer, off, local-jwt")]
    BadAuthMode(String),
    #[error("CORS_ALLOW_ORIGINS: {0:?} is not an origin (scheme://host[:port], e.g. https://admin.example.com)")]
    BadCorsOrigin(String),
}

pub const DEFAULT_TABLE_NAME: &str = "ecommerce-admin";

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds the config from any key lookup, so it is testable without touching the process env.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let table_name = get("TABLE_NAME").filter(|s| !s.is_empty()).unwrap_or_else(|| DEFAULT_TABLE_NAME.into());
        let valid_table = (3..=255).contains(&table_name.len())
            && table_name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !valid_table {
            return Err(ConfigError::BadTableName(table_name));
        }
        let tz_name = get("STORE_TIMEZONE").filter(|s| !s.is_empty()).unwrap_or_else(|| "UTC".into());
        let store_timezone = tz_name.parse::<Tz>().map_err(|_| ConfigError::BadTimezone(tz_name))?;
        let endpoint_url = get("AWS_ENDPOINT_URL").filter(|s| !s.is_empty());
        let opened_text = get("STORE_OPENED").filter(|s| !s.is_empty()).unwrap_or_else(|| "2000-01-01".into());
        let store_opened = chrono::NaiveDate::parse_from_str(&opened_text, "%Y-%m-%d")
            .ok()
            .filter(|d| opened_text.len() == 10 && d.year() >= 1970)
            .ok_or(ConfigError::BadOpeningDate(opened_text))?;
        let auth_text = get("AUTH_MODE").filter(|s| !s.is_empty()).unwrap_or_else(|| "authorizer".into());
        let auth_mode = AuthMode::parse(&auth_text).ok_or(ConfigError::BadAuthMode(auth_text))?;
        let cors_allow_origins = parse_origins(&get("CORS_ALLOW_ORIGINS").unwrap_or_default())?;
        Ok(Config { table_name, store_timezone, endpoint_url, store_opened, auth_mode, cors_allow_origins })
    }

    /// Loads the AWS SDK configuration (region, credentials, endpoint) once. The endpoint is
    /// this config's, not only the process environment's, so one process can talk to several
    /// local emulators (tests). A loopback endpoint is a local emulator, which accepts any
    /// credentials: it needs none in the environment, and no region look-up.
    ///
    /// HTTPS is rustls on `ring` rather than the SDK's default `aws-lc-rs`: the same TLS 1.2/1.3
    /// to DynamoDB, without the post-quantum key exchange aws-lc-rs prefers, and without the
    /// AWS-LC C library in every Lambda package (docs/benchmarks.md, "Lambda packages").
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        // The region from the environment (as Lambda sets it) or the profile, else us-east-1: never
        // from EC2's instance metadata, which the SDK's default chain probes over the network
        // (and warns about, off EC2) when neither names one.
        let region = aws_config::meta::region::RegionProviderChain::first_try(
            aws_config::environment::EnvironmentVariableRegionProvider::new(),
        )
        .or_else(aws_config::profile::ProfileFileRegionProvider::new())
        .or_else(aws_config::Region::from_static("us-east-1"));
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https).region(region);
        if let Some(url) = &self.endpoint_url {
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

    pub async fn dynamodb_client(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config().await)
    }
}

/// A comma-separated list of origins, each `http(s)://host[:port]` as browsers send it in
/// `Origin` (no path, no trailing slash, no wildcard); blanks are skipped.
pub fn parse_origins(text: &str) -> Result<Vec<String>, ConfigError> {
    let mut origins: Vec<String> = Vec::new();
    for origin in text.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let host = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
        let valid = host.is_some_and(|h| {
            !h.is_empty()
                && h.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
        });
        if !valid {
            return Err(ConfigError::BadCorsOrigin(origin.to_owned()));
        }
        if !origins.iter().any(|o| o == origin) {
            origins.push(origin.to_owned());
        }
    }
    Ok(origins)
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
    fn defaults_and_overrides() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.table_name, DEFAULT_TABLE_NAME);
        assert_eq!(c.store_timezone, chrono_tz::UTC);
        assert_eq!(c.auth_mode, AuthMode::Authorizer, "secure by default");
        let c = Config::from_lookup(|k| match k {
            "TABLE_NAME" => Some("shop-a".into()),
            "STORE_TIMEZONE" => Some("America/New_York".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.table_name, "shop-a");
        assert_eq!(c.store_timezone, chrono_tz::America::New_York);
    }

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

    #[test]
    fn rejects_bad_values() {
        assert!(Config::from_lookup(|k| (k == "STORE_TIMEZONE").then(|| "Mars/Base".into())).is_err());
        assert!(Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "a b".into())).is_err());
        assert!(Config::from_lookup(|k| (k == "AUTH_MODE").then(|| "none".into())).is_err());
    }

    #[test]
    fn cors_origins_are_exact_origins() {
        assert!(Config::from_lookup(|_| None).unwrap().cors_allow_origins.is_empty(), "no origin by default");
        let c = Config::from_lookup(|k| {
            (k == "CORS_ALLOW_ORIGINS").then(|| " https://d111.cloudfront.net, http://localhost:5173,,".into())
        })
        .unwrap();
        assert_eq!(c.cors_allow_origins, ["https://d111.cloudfront.net", "http://localhost:5173"]);
        for bad in ["*", "https://a.example.com/", "admin.example.com", "https://*.example.com", "https://"] {
            assert!(parse_origins(bad).is_err(), "{bad}");
        }
    }
}
