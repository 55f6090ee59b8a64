//! Query strings: read into the handler's query type, each parameter at most once, none
//! unknown, or a 400 naming the parameter; and a list's paging parameters.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use super::{FieldErrors, MemberValue, Members, field_names};
use crate::error::AppError;

/// The query string read into the query type `T` (`#[derive(Deserialize, IntoParams)]`, the same
/// struct the operation's `params(...)` documents): percent-decoded by `form_urlencoded`, each
/// parameter at most once, none unknown, each value read by its field's type; otherwise a 400
/// naming the parameter. Rules across parameters are the handler's.
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned> ValidQuery<T> {
    pub fn parse(query: Option<&str>) -> Result<T, AppError> {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
        let mut seen = std::collections::BTreeSet::new();
        if let Some((name, _)) = pairs.iter().find(|(name, _)| !seen.insert(name.as_str())) {
            return Err(AppError::bad_field(name, "is given more than once"));
        }
        let fields = field_names::<T>();
        let mut errors = FieldErrors::default();
        let read = T::deserialize(de::value::MapAccessDeserializer::new(Members {
            members: pairs.iter().map(|(k, v)| (k.as_str(), QueryMember(v))).collect::<Vec<_>>().into_iter(),
            known: fields,
            unknown: "is not a known query parameter",
            current: None,
            errors: &mut errors,
        }));
        match errors.into_result(fields) {
            // One parameter is named: the first that could not be read, else the first unknown.
            Err(AppError::Validation(mut errors)) => {
                let first = errors.swap_remove(0);
                Err(AppError::bad_field(&first.field, first.message))
            }
            Err(other) => Err(other),
            Ok(()) => read.map_err(|e| AppError::bad_request(format!("the query string could not be read: {e}"))),
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        ValidQuery::<T>::parse(parts.uri.query()).map(ValidQuery)
    }
}

/// A query parameter's value: text, read as a string, a whole number or a boolean as its field
/// asks.
struct QueryMember<'de>(&'de str);

impl<'de> MemberValue<'de> for QueryMember<'de> {
    fn read_seed<S: de::DeserializeSeed<'de>>(&self, seed: S) -> Result<S::Value, String> {
        seed.deserialize(QueryValue(self.0)).map_err(|e| e.to_string())
    }
}

struct QueryValue<'de>(&'de str);

impl<'de> Deserializer<'de> for QueryValue<'de> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(de::Error::custom("must be true or false")),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_i64(self.0.parse().map_err(|_| de::Error::custom("must be a whole number"))?)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map enum struct identifier ignored_any
    }
}

/// Paging of a list: `limit` (1 to 100, default 50) and the opaque `cursor`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (opaque: one this list did not issue is 400).
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<i32, AppError> {
        page_limit(self.limit, 50)
    }
}

/// A list's `limit`: 1 to 100, `default` when not given.
pub fn page_limit(limit: Option<i64>, default: i32) -> Result<i32, AppError> {
    match limit {
        None => Ok(default),
        Some(n) => i32::try_from(n)
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| AppError::bad_field("limit", "must be a whole number from 1 to 100")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded_and_checked() {
        /// A query type with a category filter and paging.
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Filter {
            category_name: Option<String>,
            limit: Option<i64>,
        }
        let q = ValidQuery::<Filter>::parse(Some("category_name=home%20goods&limit=5")).unwrap();
        assert_eq!(q.category_name.as_deref(), Some("home goods"));
        assert_eq!(page_limit(q.limit, 50).unwrap(), 5);

        let limit = |query| ValidQuery::<PageParams>::parse(Some(query)).and_then(|p| p.limit());
        assert!(limit("limit=0").is_err());
        assert!(limit("limit=101").is_err());
        assert!(limit("limit=x").is_err());
        assert!(ValidQuery::<PageParams>::parse(Some("bogus=1")).is_err());
        assert!(ValidQuery::<PageParams>::parse(Some("limit=1&limit=2")).is_err());
        assert!(ValidQuery::<PageParams>::parse(Some("a=%zz")).is_err());
        let fields = |query| match ValidQuery::<Filter>::parse(Some(query)) {
            Err(AppError::BadRequest { errors, .. }) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("expected a bad request, got {other:?}"),
        };
        assert_eq!(fields("limit=1&limit=2"), ["limit"]);
        assert_eq!(fields("zz=1&limit=x"), ["limit"], "a bad value is named before an unknown parameter");
    }
}
