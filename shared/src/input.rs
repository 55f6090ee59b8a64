//! Reading request input without losing exactness or clarity.
//!
//! A body is parsed into its top-level members as raw JSON text, so a money amount written as a
//! JSON number is read from its digits, never through a binary float. Each accessor records a
//! field error instead of failing fast, so one response lists every bad field. Malformed JSON is
//! a 400; well-formed JSON that breaks a rule (wrong type, out of range, unknown member) is a 422.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::value::RawValue;

use crate::error::{AppError, FieldError};
use crate::money::Money;

pub use crate::wire::Field;

/// The top-level members of a JSON object body, read field by field.
pub struct JsonObject {
    members: BTreeMap<String, Box<RawValue>>,
    read: BTreeSet<String>,
    errors: Vec<FieldError>,
}

impl JsonObject {
    /// Parses a body that must be one JSON object.
    pub fn parse(body: &[u8]) -> Result<Self, AppError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(AppError::bad_request("the request body is empty; a JSON object is expected"));
        }
        let value: Box<RawValue> =
            serde_json::from_slice(body).map_err(|e| AppError::bad_request(format!("malformed JSON: {e}")))?;
        let members: BTreeMap<String, Box<RawValue>> = serde_json::from_str(value.get())
            .map_err(|_| AppError::bad_request("the request body must be a JSON object"))?;
        Ok(JsonObject { members, read: BTreeSet::new(), errors: Vec::new() })
    }

    /// A digest of the body's meaning: members sorted by name, each value in a canonical form
    /// (numbers by their value, `2`, `2.0` and `2e0` alike; strings by their characters, however
    /// escaped), so key order, white space and spelling do not matter. Used to tell an idempotent
    /// retry (same body) from a reused key (different body).
    pub fn fingerprint(&self) -> String {
        crate::wire::fingerprint(&self.members)
    }

    fn raw(&mut self, name: &str) -> Field<&str> {
        self.read.insert(name.to_owned());
        match self.members.get(name) {
            None => Field::Absent,
            Some(raw) if raw.get() == "null" => Field::Null,
            Some(raw) => Field::Value(raw.get()),
        }
    }

    /// Records a rule violation for a field.
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn string(&mut self, name: &str) -> Field<String> {
        match self.raw(name) {
            Field::Value(raw) => match serde_json::from_str::<String>(raw) {
                Ok(s) => Field::Value(s),
                Err(_) => {
                    self.error(name, "must be a string");
                    Field::Absent
                }
            },
            Field::Null => Field::Null,
            Field::Absent => Field::Absent,
        }
    }

    /// An integer: a JSON number whose value is whole. As in JSON Schema, `5`, `5.0` and `5e0`
    /// are the same integer; `5.5` is not one.
    pub fn integer(&mut self, name: &str) -> Field<i64> {
        match self.raw(name) {
            Field::Value(raw) => match crate::wire::whole_json_number(raw) {
                Some(n) => Field::Value(n),
                None => {
                    self.error(name, "must be a whole number");
                    Field::Absent
                }
            },
            Field::Null => Field::Null,
            Field::Absent => Field::Absent,
        }
    }

    /// A boolean: JSON `true` or `false`.
    pub fn boolean(&mut self, name: &str) -> Field<bool> {
        match self.raw(name) {
            Field::Value("true") => Field::Value(true),
            Field::Value("false") => Field::Value(false),
            Field::Value(_) => {
                self.error(name, "must be true or false");
                Field::Absent
            }
            Field::Null => Field::Null,
            Field::Absent => Field::Absent,
        }
    }

    /// A money amount: a JSON number or a decimal string with at most 2 decimals.
    pub fn money(&mut self, name: &str) -> Field<Money> {
        match self.raw(name) {
            Field::Value(raw) => {
                let text =
                    if raw.starts_with('"') { serde_json::from_str::<String>(raw).ok() } else { Some(raw.to_owned()) };
                match text.as_deref().map(Money::parse) {
                    Some(Ok(m)) => Field::Value(m),
                    Some(Err(e)) => {
                        self.error(name, e.to_string());
                        Field::Absent
                    }
                    None => {
                        self.error(name, "must be a decimal amount");
                        Field::Absent
                    }
                }
            }
            Field::Null => Field::Null,
            Field::Absent => Field::Absent,
        }
    }

    /// Ends reading: members nobody asked for are errors (a typo must not be silently ignored).
    /// Returns every recorded field error as one 422.
    pub fn finish(mut self) -> Result<(), AppError> {
        let unknown: Vec<String> = self.members.keys().filter(|k| !self.read.contains(*k)).cloned().collect();
        for name in unknown {
            self.errors.push(FieldError::new(name, "is not a known field"));
        }
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::Validation(self.errors)) }
    }
}

/// Query-string parameters, each allowed at most once; unknown names are a 400.
pub struct QueryParams {
    params: BTreeMap<String, String>,
    read: BTreeSet<String>,
}

impl QueryParams {
    pub fn parse(query: Option<&str>) -> Result<Self, AppError> {
        let mut params = BTreeMap::new();
        for (k, v) in form_urlencoded_pairs(query.unwrap_or(""))? {
            if params.insert(k.clone(), v).is_some() {
                return Err(AppError::bad_field(&k, "is given more than once"));
            }
        }
        Ok(QueryParams { params, read: BTreeSet::new() })
    }

    pub fn get(&mut self, name: &str) -> Option<String> {
        self.read.insert(name.to_owned());
        self.params.get(name).cloned()
    }

    /// `limit`: 1..=100, default 50.
    pub fn limit(&mut self) -> Result<i32, AppError> {
        self.bounded_int("limit", 1, 100, 50)
    }

    pub fn bounded_int(&mut self, name: &str, min: i64, max: i64, default: i64) -> Result<i32, AppError> {
        match self.get(name) {
            None => Ok(default as i32),
            Some(text) => match text.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n as i32),
                _ => Err(AppError::bad_field(name, format!("must be a whole number from {min} to {max}"))),
            },
        }
    }

    /// Rejects parameters that no one read.
    pub fn finish(self) -> Result<(), AppError> {
        match self.params.keys().find(|k| !self.read.contains(*k)) {
            Some(unknown) => Err(AppError::bad_field(unknown, "is not a known query parameter")),
            None => Ok(()),
        }
    }
}

fn form_urlencoded_pairs(query: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((percent_decode(k)?, percent_decode(v)?));
    }
    Ok(out)
}

fn percent_decode(text: &str) -> Result<String, AppError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| AppError::bad_request("malformed percent-encoding in the query string"))?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| AppError::bad_request("the query string is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_from_number_and_string_without_floats() {
        let mut body = JsonObject::parse(br#"{"a": 19.99, "b": "20.10", "c": 0.1, "d": 1e2, "e": true}"#).unwrap();
        assert_eq!(body.money("a"), Field::Value(Money::from_minor(1999)));
        assert_eq!(body.money("b"), Field::Value(Money::from_minor(2010)));
        assert_eq!(body.money("c"), Field::Value(Money::from_minor(10)));
        assert_eq!(body.money("d"), Field::Absent);
        assert_eq!(body.money("e"), Field::Absent);
        let err = body.finish().unwrap_err();
        let AppError::Validation(errors) = err else { panic!("expected validation") };
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["d", "e"]);
    }

    #[test]
    fn integers_reject_fractions_and_strings() {
        let mut body = JsonObject::parse(br#"{"a": 5.0, "b": 5.5, "c": "5", "d": null}"#).unwrap();
        assert_eq!(body.integer("a"), Field::Value(5));
        assert_eq!(body.integer("b"), Field::Absent);
        assert_eq!(body.integer("c"), Field::Absent);
        assert_eq!(body.integer("d"), Field::Null);
        assert!(body.has_errors());
    }

    #[test]
    fn fingerprint_ignores_member_order_and_spacing_only() {
        let a = JsonObject::parse(br#"{"product_id": 1, "units_sold": 2}"#).unwrap();
        let b = JsonObject::parse(br#"{"units_sold":2,"product_id":1}"#).unwrap();
        let c = JsonObject::parse(br#"{"units_sold":3,"product_id":1}"#).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn unknown_members_are_errors() {
        let mut body = JsonObject::parse(br#"{"name": "x", "nmae": "y"}"#).unwrap();
        let _ = body.string("name");
        let AppError::Validation(errors) = body.finish().unwrap_err() else { panic!() };
        assert_eq!(errors[0].field, "nmae");
    }

    #[test]
    fn malformed_or_non_object_bodies_are_bad_requests() {
        for body in [&b"{"[..], b"[1]", b"\"x\"", b"", b"  "] {
            assert!(matches!(JsonObject::parse(body), Err(AppError::BadRequest { .. })), "{body:?}");
        }
    }

    #[test]
    fn query_parameters_are_decoded_and_checked() {
        let mut q = QueryParams::parse(Some("category_name=home%20goods&limit=5")).unwrap();
        assert_eq!(q.get("category_name").as_deref(), Some("home goods"));
        assert_eq!(q.limit().unwrap(), 5);
        q.finish().unwrap();

        let mut q = QueryParams::parse(Some("limit=0")).unwrap();
        assert!(q.limit().is_err());
        let mut q = QueryParams::parse(Some("limit=101")).unwrap();
        assert!(q.limit().is_err());
        let q = QueryParams::parse(Some("bogus=1")).unwrap();
        assert!(q.finish().is_err());
        assert!(QueryParams::parse(Some("a=1&a=2")).is_err());
        assert!(QueryParams::parse(Some("a=%zz")).is_err());
    }
}
