//! `template.yaml`, read in one place, for everything that runs the stack without
//! CloudFormation: the table's definition (the local DynamoDB's CreateTable), and of each
//! function its HTTP API routes, stream event source mappings, schedules, environment and
//! timeout. The template is embedded at build time ([`TEMPLATE`], [`Template::embedded`]), so the
//! running code and the deployed stack cannot disagree; [`Template::parse`] reads any other text
//! (tests).
//!
//! CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`, ...) are kept as tagged values; only a
//! `!Ref` to a parameter is resolved (to its `Default`). A value behind any other intrinsic
//! function has no local value and is left out.

mod events;

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use serde_yaml_ng::{Mapping, Value as Yaml};

pub use events::{Route, Schedule, StreamSource, daily_time};

/// The application's SAM template, as deployed.
pub const TEMPLATE: &str = include_str!("../../template.yaml");

/// The logical id of the table resource in the template.
pub const TABLE_RESOURCE: &str = "Table";

/// A function's `Timeout` when neither it nor `Globals.Function` names one (Lambda's default).
pub const DEFAULT_TIMEOUT_SECS: u64 = 3;

/// What running the stack locally needs of the template.
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// Every `HttpApi` event of every function.
    pub routes: Vec<Route>,
    /// Every `DynamoDB` event (stream event source mapping).
    pub streams: Vec<StreamSource>,
    /// Every `ScheduleV2` (EventBridge Scheduler) or `Schedule` (EventBridge rule) event.
    pub schedules: Vec<Schedule>,
    /// `Globals.Function.Environment.Variables` with plain values (not intrinsic functions).
    pub environment: BTreeMap<String, String>,
    /// Each function binary's `Timeout` in seconds.
    pub timeouts: BTreeMap<String, u64>,
    /// The table resource's `Properties` whose values are plain (no intrinsic function), as JSON.
    table: Option<serde_json::Value>,
}

static EMBEDDED: LazyLock<Result<Template, String>> =
    LazyLock::new(|| Template::parse(TEMPLATE).map_err(|e| format!("template.yaml: {e:#}")));

impl Template {
    /// The embedded [`TEMPLATE`], read once.
    pub fn embedded() -> anyhow::Result<&'static Template> {
        EMBEDDED.as_ref().map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Reads a template.
    pub fn parse(text: &str) -> anyhow::Result<Template> {
        let doc: Yaml = serde_yaml_ng::from_str(text).context("the template is not YAML")?;
        let values = Values { parameters: doc.get("Parameters") };
        let Some(Yaml::Mapping(resources)) = doc.get("Resources") else { bail!("the template has no Resources") };
        let globals = doc.get("Globals").and_then(|g| g.get("Function"));
        let mut template = Template::default();
        if let Some(Yaml::Mapping(vars)) = globals.and_then(|g| g.get("Environment")).and_then(|e| e.get("Variables")) {
            for (name, value) in vars {
                if let (Some(name), Some(value)) = (name.as_str(), values.text(Some(value))) {
                    template.environment.insert(name.to_owned(), value);
                }
            }
        }
        let default_timeout = values.number(globals.and_then(|g| g.get("Timeout"))).unwrap_or(DEFAULT_TIMEOUT_SECS);
        for (id, resource) in resources {
            if resource.get("Type").and_then(Yaml::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            let id = id.as_str().unwrap_or_default();
            events::read_function(&values, resources, id, resource, default_timeout, &mut template)?;
        }
        template.table = resources
            .get(TABLE_RESOURCE)
            .and_then(|t| t.get("Properties"))
            .and_then(Yaml::as_mapping)
            .map(plain_members)
            .transpose()?;
        Ok(template)
    }

    /// The table resource's definition, read into `T` (the store's `TableDefinition`): the
    /// members `T` names, each with a plain value (a member behind an intrinsic function, such
    /// as `DeletionProtectionEnabled: !Ref ...`, is not there to read).
    pub fn table<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        let properties = self.table.clone().context("the template has no Resources.Table.Properties")?;
        serde_json::from_value(properties).context("the template's Table")
    }

    /// The function binaries the template names.
    pub fn functions(&self) -> Vec<String> {
        self.timeouts.keys().cloned().collect()
    }

    /// `function`'s `Timeout`; `None` for a function the template does not name.
    pub fn timeout(&self, function: &str) -> Option<Duration> {
        self.timeouts.get(function).map(|secs| Duration::from_secs(*secs))
    }

    /// The table's stream event source mapping (the template's first `DynamoDB` event).
    pub fn stream(&self) -> Option<&StreamSource> {
        self.streams.first()
    }
}

/// Plain values of the template: a `!Ref` to a parameter is its `Default`; any other intrinsic
/// function has none.
pub(crate) struct Values<'a> {
    parameters: Option<&'a Yaml>,
}

impl Values<'_> {
    fn resolve(&self, value: &Yaml) -> Option<Yaml> {
        match value {
            Yaml::Tagged(t) if t.tag == "Ref" => self.parameters?.get(t.value.as_str()?)?.get("Default").cloned(),
            Yaml::Tagged(_) => None,
            other => Some(other.clone()),
        }
    }

    /// A scalar as text (`15`, `true`, `cron(...)`).
    pub(crate) fn text(&self, value: Option<&Yaml>) -> Option<String> {
        match self.resolve(value?)? {
            Yaml::String(s) => Some(s),
            Yaml::Number(n) => Some(n.to_string()),
            Yaml::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A scalar read as a number (or a boolean, ...): `None` when absent or unreadable.
    pub(crate) fn number<T: std::str::FromStr>(&self, value: Option<&Yaml>) -> Option<T> {
        self.text(value)?.parse().ok()
    }
}

/// `properties` without what is behind an intrinsic function, as JSON: a mapping keeps its plain
/// members (so an index keeps its keys without its `OnDemandThroughput: !If ...`); a sequence
/// with an intrinsic element has no plain value and goes with its member.
fn plain_members(properties: &Mapping) -> anyhow::Result<serde_json::Value> {
    fn plain(value: &Yaml) -> Option<Yaml> {
        match value {
            Yaml::Tagged(_) => None,
            Yaml::Mapping(m) => {
                Some(Yaml::Mapping(m.iter().filter_map(|(k, v)| Some((k.clone(), plain(v)?))).collect()))
            }
            Yaml::Sequence(s) => s.iter().map(plain).collect::<Option<Vec<_>>>().map(Yaml::Sequence),
            other => Some(other.clone()),
        }
    }
    let plain = properties.iter().filter_map(|(k, v)| Some((k.clone(), plain(v)?))).collect();
    serde_json::to_value(Yaml::Mapping(plain)).context("the template's Table properties as JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_template_reads() {
        let t = Template::embedded().unwrap();
        assert_eq!(t.functions(), ["aggregate-stream", "products", "reports", "sales"]);
        assert_eq!(t.environment["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"], "true");
        assert_eq!(t.environment["STORE_TIMEZONE"], "UTC", "a !Ref to a parameter is its Default");
        assert!(!t.environment.contains_key("TABLE_NAME"), "a !Ref to a resource is not a value");
        assert!(!t.environment.contains_key("CORS_ALLOW_ORIGINS"), "!If has no local value");
        assert_eq!(t.timeout("aggregate-stream"), Some(Duration::from_mins(1)));
        assert_eq!(t.timeout("products"), Some(Duration::from_secs(15)), "Globals.Function.Timeout");
        assert_eq!(t.timeout("nothing"), None);
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Table {
        billing_mode: String,
        key_schema: Vec<serde_json::Value>,
        deletion_protection_enabled: Option<bool>,
    }

    #[test]
    fn the_table_is_read_into_the_callers_type_without_intrinsic_functions() {
        let table: Table = Template::embedded().unwrap().table().unwrap();
        assert_eq!(table.billing_mode, "PAY_PER_REQUEST");
        assert_eq!(table.key_schema.len(), 2);
        assert_eq!(table.deletion_protection_enabled, None, "`!Ref DeletionProtection` is left out");
        let t = Template::parse("Resources:\n  Other: {Type: AWS::SQS::Queue}\n").unwrap();
        assert!(t.table::<Table>().unwrap_err().to_string().contains("no Resources.Table"));
        let t = Template::parse("Resources:\n  Table:\n    Properties: {BillingMode: !Ref Mode}\n").unwrap();
        assert!(format!("{:#}", t.table::<Table>().unwrap_err()).contains("BillingMode"), "missing, not misread");
    }

    #[test]
    fn a_member_behind_an_intrinsic_function_inside_a_list_is_left_out_alone() {
        let t = Template::parse(
            "Resources:\n  Table:\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n      KeySchema:\n        \
             - {AttributeName: PK, KeyType: HASH, OnDemandThroughput: !If [C, {}, !Ref AWS::NoValue]}\n        \
             - {AttributeName: SK, KeyType: RANGE}\n      Tags: [!Ref T]\n",
        )
        .unwrap();
        let table: serde_json::Value = t.table().unwrap();
        assert_eq!(
            table,
            serde_json::json!({"BillingMode": "PAY_PER_REQUEST", "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}
            ]}),
            "the key keeps its plain members; a list with an intrinsic element goes"
        );
    }

    #[test]
    fn a_template_without_resources_is_refused() {
        assert!(Template::parse("Parameters: {}\n").is_err());
        assert!(Template::parse("Resources: [unclosed").is_err());
    }
}
