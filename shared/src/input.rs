//! Reading a query string (bodies: see `wire`).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::AppError;

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
