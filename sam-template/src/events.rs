//! A function's events as the template declares them: its HTTP API routes, its stream event
//! source mappings and its schedules.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_yaml_ng::{Mapping, Value as Yaml};

use crate::{Template, Values};

/// One route of the HTTP API (an `HttpApi` event).
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The function's binary (`Metadata.BuildProperties.Binary`).
    pub function: String,
    /// `None` for `ANY`.
    pub method: Option<String>,
    /// `None` for the `$default` route (an `HttpApi` event without `Path`).
    pub path: Option<String>,
    /// Whether the API's default (JWT) authorizer guards it (not `Auth: {Authorizer: NONE}`).
    pub authorized: bool,
}

impl Route {
    /// The route key as API Gateway writes it: `GET /health`, `ANY /products/{id}`, `$default`.
    pub fn key(&self) -> String {
        match &self.path {
            None => "$default".into(),
            Some(path) => format!("{} {path}", self.method.as_deref().unwrap_or("ANY")),
        }
    }
}

/// A DynamoDB stream event source mapping (a `DynamoDB` event), with Lambda's defaults for
/// what it leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSource {
    pub function: String,
    /// `BatchSize`: the most records per invocation (default 100; 1 to 10,000).
    pub batch_size: usize,
    /// `MaximumBatchingWindowInSeconds`: how long the mapping gathers records for a batch that
    /// is not full before invoking (default 0; at most 300 s).
    pub maximum_batching_window: Duration,
    /// `ParallelizationFactor`: concurrent batches per shard (default 1).
    pub parallelization_factor: u32,
    /// `FilterCriteria.Filters[].Pattern`, each parsed as JSON; a record passes when any
    /// matches (all pass when there is none).
    pub filters: Vec<serde_json::Value>,
    /// `Enabled` (default true): a disabled mapping reads nothing.
    pub enabled: bool,
}

/// An EventBridge Scheduler (`ScheduleV2`) or EventBridge rule (`Schedule`) event.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub function: String,
    /// The event's name in the template.
    pub name: String,
    /// The expression with `!Ref`s resolved to their parameter's default.
    pub expression: String,
    /// `Input`, with the scheduler's `<aws.scheduler.*>` placeholders.
    pub input: String,
}

impl Schedule {
    /// The time of day of a daily schedule (`cron(M H * * ? *)`); `None` for any other.
    pub fn daily_time(&self) -> Option<chrono::NaiveTime> {
        daily_time(&self.expression)
    }
}

/// The local time of a `cron(M H * * ? *)` expression (a daily run); `None` for any other.
pub fn daily_time(expression: &str) -> Option<chrono::NaiveTime> {
    let fields: Vec<&str> = expression.strip_prefix("cron(")?.strip_suffix(')')?.split_whitespace().collect();
    match fields.as_slice() {
        [m, h, "*", "*", "?", "*"] | [m, h, "?", "*", "*", "*"] => {
            chrono::NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
        }
        _ => None,
    }
}

/// Reads the `AWS::Serverless::Function` resource `id` into `template`: its timeout and events.
pub(crate) fn read_function(
    values: &Values<'_>,
    resources: &Mapping,
    id: &str,
    resource: &Yaml,
    default_timeout: u64,
    template: &mut Template,
) -> anyhow::Result<()> {
    let binary = resource
        .get("Metadata")
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|b| b.get("Binary"))
        .and_then(Yaml::as_str)
        .with_context(|| format!("function {id} has no Metadata.BuildProperties.Binary"))?
        .to_owned();
    let properties = resource.get("Properties");
    let timeout = values.number(properties.and_then(|p| p.get("Timeout"))).unwrap_or(default_timeout);
    template.timeouts.insert(binary.clone(), timeout);
    let Some(Yaml::Mapping(events)) = properties.and_then(|p| p.get("Events")) else { return Ok(()) };
    for (name, event) in events {
        let name = name.as_str().unwrap_or_default();
        let props = event.get("Properties");
        let prop = |k: &str| props.and_then(|p| p.get(k));
        let context = || format!("event {id}.{name}");
        match event.get("Type").and_then(Yaml::as_str) {
            Some("HttpApi") => {
                let method = values.text(prop("Method")).map(|m| m.to_ascii_uppercase()).filter(|m| m != "ANY");
                let path = values.text(prop("Path"));
                let no_authorizer =
                    prop("Auth").and_then(|a| a.get("Authorizer")).and_then(Yaml::as_str).is_some_and(|a| a == "NONE");
                let authorized = !no_authorizer && api_has_authorizer(resources, prop("ApiId"));
                if path.is_none() && method.is_some() {
                    bail!("{}: a Method without a Path", context());
                }
                template.routes.push(Route { function: binary.clone(), method, path, authorized });
            }
            Some("DynamoDB") => {
                let mut filters = Vec::new();
                if let Some(Yaml::Sequence(list)) = prop("FilterCriteria").and_then(|f| f.get("Filters")) {
                    for filter in list {
                        let pattern = values
                            .text(filter.get("Pattern"))
                            .with_context(|| format!("{}: a filter without a Pattern", context()))?;
                        let pattern = serde_json::from_str(&pattern)
                            .with_context(|| format!("{}: the Pattern is not JSON", context()))?;
                        filters.push(pattern);
                    }
                }
                let window: u64 = values.number(prop("MaximumBatchingWindowInSeconds")).unwrap_or(0);
                template.streams.push(StreamSource {
                    function: binary.clone(),
                    batch_size: values.number(prop("BatchSize")).unwrap_or(100).clamp(1, 10_000),
                    maximum_batching_window: Duration::from_secs(window.min(300)),
                    parallelization_factor: values.number(prop("ParallelizationFactor")).unwrap_or(1).max(1),
                    filters,
                    enabled: values.number(prop("Enabled")).unwrap_or(true),
                });
            }
            Some("ScheduleV2" | "Schedule") => {
                let expression = values
                    .text(prop("ScheduleExpression").or(prop("Schedule")))
                    .with_context(|| format!("{}: no ScheduleExpression", context()))?;
                let input = values.text(prop("Input")).unwrap_or_else(|| "{}".into());
                template.schedules.push(Schedule {
                    function: binary.clone(),
                    name: name.to_owned(),
                    expression,
                    input,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether the API an event names (`ApiId: !Ref HttpApi`) has a default authorizer: its routes
/// have it unless they say `Authorizer: NONE`.
fn api_has_authorizer(resources: &Mapping, api: Option<&Yaml>) -> bool {
    let Some(Yaml::Tagged(api)) = api else { return false };
    api.value
        .as_str()
        .and_then(|name| resources.get(name))
        .and_then(|api| api.get("Properties")?.get("Auth")?.get("DefaultAuthorizer"))
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_templates_routes_stream_and_schedule() {
        let t = Template::embedded().unwrap();
        let keys: Vec<String> = t.routes.iter().map(Route::key).collect();
        for key in ["ANY /products/{id}", "GET /health", "$default", "OPTIONS /{proxy+}", "ANY /reports/daily/{date}"] {
            assert!(keys.contains(&key.to_owned()), "{key} in {keys:?}");
        }
        let health = t.routes.iter().find(|r| r.key() == "GET /health").unwrap();
        assert!(!health.authorized);
        assert_eq!(health.function, "products");
        assert!(t.routes.iter().find(|r| r.key() == "ANY /sales").unwrap().authorized);

        assert_eq!(t.streams.len(), 1);
        let stream = t.stream().unwrap();
        assert_eq!(stream.function, "aggregate-stream");
        assert_eq!(stream.batch_size, 100);
        assert_eq!(stream.maximum_batching_window, Duration::from_secs(1));
        assert_eq!(stream.parallelization_factor, 1);
        assert!(stream.enabled);
        assert_eq!(stream.filters[0]["eventName"], serde_json::json!(["INSERT"]));

        assert_eq!(t.schedules.len(), 1);
        assert_eq!(t.schedules[0].function, "reports");
        assert_eq!(t.schedules[0].name, "DailySchedule");
        assert_eq!(t.schedules[0].expression, "cron(15 0 * * ? *)", "the parameter's Default");
        assert_eq!(t.schedules[0].daily_time(), chrono::NaiveTime::from_hms_opt(0, 15, 0));
        assert!(t.schedules[0].input.contains("<aws.scheduler.scheduled-time>"));
    }

    const ONE_FUNCTION: &str = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    \
                                Metadata: {BuildProperties: {Binary: f}}\n    Properties:\n      Events:\n";

    #[test]
    fn unknown_tags_do_not_fail_the_parse() {
        let t = Template::parse(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Metadata: {BuildProperties: {Binary: f}}\n    \
             Properties:\n      Role: !GetAtt R.Arn\n      Weird: !SomethingNew [a, b]\n      Events:\n        \
             A: {Type: HttpApi, Properties: {Path: /a, Method: get}}\n",
        )
        .unwrap();
        assert_eq!(t.routes[0].key(), "GET /a");
        assert!(!t.routes[0].authorized, "no API with a default authorizer");
    }

    #[test]
    fn a_stream_mapping_takes_lambdas_defaults_and_its_own_values() {
        let defaults =
            Template::parse(&format!("{ONE_FUNCTION}        S: {{Type: DynamoDB, Properties: {{}}}}\n")).unwrap();
        let s = defaults.stream().unwrap();
        assert_eq!((s.batch_size, s.maximum_batching_window, s.parallelization_factor), (100, Duration::ZERO, 1));
        assert!(s.enabled && s.filters.is_empty());
        let own = Template::parse(&format!(
            "{ONE_FUNCTION}        S: {{Type: DynamoDB, Properties: {{BatchSize: 20000, MaximumBatchingWindowInSeconds: 900, \
             ParallelizationFactor: 4, Enabled: false}}}}\n"
        ))
        .unwrap();
        let s = own.stream().unwrap();
        assert_eq!(s.batch_size, 10_000, "Lambda's largest BatchSize");
        assert_eq!(s.maximum_batching_window, Duration::from_mins(5), "Lambda's longest window");
        assert_eq!(s.parallelization_factor, 4);
        assert!(!s.enabled);
        let bad = format!(
            "{ONE_FUNCTION}        S: {{Type: DynamoDB, Properties: {{FilterCriteria: {{Filters: [{{Pattern: 'nope'}}]}}}}}}\n"
        );
        assert!(format!("{:#}", Template::parse(&bad).unwrap_err()).contains("F.S: the Pattern is not JSON"));
    }

    #[test]
    fn a_method_without_a_path_is_refused() {
        let text = format!("{ONE_FUNCTION}        A: {{Type: HttpApi, Properties: {{Method: GET}}}}\n");
        assert!(Template::parse(&text).unwrap_err().to_string().contains("a Method without a Path"));
    }

    #[test]
    fn only_daily_crons_have_a_time_of_day() {
        assert_eq!(daily_time("cron(5 23 * * ? *)"), chrono::NaiveTime::from_hms_opt(23, 5, 0));
        assert_eq!(daily_time("cron(5 23 ? * * *)"), chrono::NaiveTime::from_hms_opt(23, 5, 0));
        assert_eq!(daily_time("cron(5 23 * * MON *)"), None);
        assert_eq!(daily_time("cron(5 24 * * ? *)"), None);
        assert_eq!(daily_time("rate(1 hour)"), None);
    }
}
