//! EventBridge-style content filters, as Lambda's event source mappings apply them
//! (`FilterCriteria`): exact values, `prefix`, `exists` and `anything-but` (a value or a list of
//! values), nested to any depth. A pattern using anything else is refused when read, never
//! silently read differently from Lambda.

use anyhow::bail;
use serde_json::Value;

/// A mapping's filters: a record passes when any pattern matches it, every record when there
/// is none.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    patterns: Vec<Value>,
}

impl Filters {
    /// The filters of `patterns`, each checked.
    pub fn new(patterns: &[Value]) -> anyhow::Result<Filters> {
        for pattern in patterns {
            check(pattern)?;
        }
        Ok(Filters { patterns: patterns.to_vec() })
    }

    /// Whether every record passes (there is no filter).
    pub fn pass_all(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `event` passes.
    pub fn pass(&self, event: &Value) -> bool {
        self.pass_all() || self.patterns.iter().any(|p| matches(p, event))
    }
}

/// Refuses what [`matches`] does not implement.
pub fn check(pattern: &Value) -> anyhow::Result<()> {
    let Value::Object(fields) = pattern else { bail!("a filter pattern must be a JSON object") };
    for (key, rule) in fields {
        match rule {
            Value::Object(_) => check(rule)?,
            Value::Array(values) => {
                for value in values {
                    if let Value::Object(op) = value {
                        let supported = op.len() == 1
                            && op.iter().next().is_some_and(|(k, v)| match k.as_str() {
                                "prefix" => v.is_string(),
                                "exists" => v.is_boolean(),
                                "anything-but" => !v.is_object(),
                                _ => false,
                            });
                        if !supported {
                            bail!(
                                "filter rule {value} of {key:?} is not supported locally (exact values, prefix, exists, anything-but)"
                            );
                        }
                    }
                }
            }
            other => bail!("filter rule {other} of {key:?} must be a list of values or an object"),
        }
    }
    Ok(())
}

/// Whether `event` matches `pattern`: every key of the pattern must match (an object rule
/// descends, a list rule needs one of its values to match; an array in the event matches when
/// any element does).
pub fn matches(pattern: &Value, event: &Value) -> bool {
    let Value::Object(fields) = pattern else { return false };
    fields.iter().all(|(key, rule)| {
        let value = event.get(key);
        match rule {
            Value::Object(_) => value.is_some_and(|v| matches(rule, v)),
            Value::Array(values) => values.iter().any(|r| rule_matches(r, value)),
            _ => false,
        }
    })
}

fn rule_matches(rule: &Value, value: Option<&Value>) -> bool {
    let candidates: Vec<&Value> = match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    match rule {
        Value::Object(op) => match op.iter().next() {
            Some((k, v)) if k == "exists" => v.as_bool() == Some(value.is_some()),
            Some((k, Value::String(prefix))) if k == "prefix" => {
                candidates.iter().any(|c| c.as_str().is_some_and(|s| s.starts_with(prefix.as_str())))
            }
            Some((k, excluded)) if k == "anything-but" => {
                let excluded: Vec<&Value> = match excluded {
                    Value::Array(list) => list.iter().collect(),
                    one => vec![one],
                };
                !candidates.is_empty() && candidates.iter().all(|c| !excluded.contains(c))
            }
            _ => false,
        },
        exact => candidates.contains(&exact),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_templates_filter_passes_sale_and_return_inserts_only() {
        let stream = sam_template::Template::embedded().unwrap().stream().unwrap();
        let filters = Filters::new(&stream.filters).unwrap();
        let record = |name: &str, entity: &str| json!({"eventName": name, "dynamodb": {"NewImage": {"entity": {"S": entity}, "PK": {"S": "x"}}, "SequenceNumber": "1"}});
        assert!(filters.pass(&record("INSERT", "sale")));
        assert!(filters.pass(&record("INSERT", "return")));
        assert!(!filters.pass(&record("MODIFY", "sale")));
        assert!(!filters.pass(&record("INSERT", "product")));
        assert!(!filters.pass(&json!({"eventName": "REMOVE", "dynamodb": {"OldImage": {}}})));
        assert!(Filters::default().pass(&json!({})), "no filter: every record passes");
    }

    #[test]
    fn filter_operators() {
        let p =
            json!({"a": [{"prefix": "sa"}], "b": [{"exists": false}], "c": [{"anything-but": ["x"]}], "d": [1, "1"]});
        assert!(matches(&p, &json!({"a": "sale", "c": "y", "d": 1})));
        assert!(matches(&p, &json!({"a": ["no", "sale"], "c": "y", "d": "1"})), "arrays match any element");
        assert!(!matches(&p, &json!({"a": "sale", "b": 1, "c": "y", "d": 1})));
        assert!(!matches(&p, &json!({"a": "sale", "c": "x", "d": 1})));
        assert!(!matches(&p, &json!({"a": "sale", "c": "y", "d": 2})));
        assert!(check(&p).is_ok());
        assert!(check(&json!({"a": [{"numeric": [">", 1]}]})).is_err(), "refused, not misread");
        assert!(check(&json!({"a": "x"})).is_err());
        assert!(Filters::new(&[json!({"a": "x"})]).is_err());
    }
}
