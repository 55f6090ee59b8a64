//! The typed wire contract's shared half: the extractor that reads a JSON body into a function's
//! wire type, and the member types those wire types are made of.
//!
//! A wire type is one struct per body: `#[derive(Deserialize, ToSchema)]`, so the same
//! definition is read and documented. serde stops at the first bad member, and the API lists
//! every bad member in one 422; so `ValidJson` feeds the derived `Deserialize` one member at a
//! time: a member that cannot be read is recorded with its field name and read as absent (every
//! member of a wire type is an `Option` or a `Field`), an unknown member is recorded and skipped.
//! The wire type then converts into its domain type (`IntoDomain`), adding the rules it breaks
//! to the same list. Malformed JSON, a body that is not an object and an empty body are 400.
//! A query string is read the same way into its query type (`ValidQuery`), a 400 naming the
//! first parameter that cannot be read.

pub mod analytics;
mod fingerprint;
mod money;
mod page;
mod path;
mod query;

use fingerprint::fingerprint;
pub use money::{MoneyInput, MoneyView};
pub use page::Page;
pub use path::{PathValue, ValidPath};
pub use query::{PageParams, ValidQuery, page_limit};

use std::cell::Cell;
use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::error::{AppError, FieldError};
use domain::catalogue::{CATEGORY_NAME_PATTERN, InvalidCategoryName, is_valid_category_name};

/// The field errors of one request, at most one per field, listed in the wire type's field order
/// (unknown members last): what the 422 says.
#[derive(Debug, Default)]
pub struct FieldErrors {
    errors: Vec<FieldError>,
}

impl FieldErrors {
    /// Records that `field` breaks a rule, unless it was already rejected (a member that could
    /// not be read is not also "required").
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.has(field) {
            self.errors.push(FieldError::new(field, message));
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The value a rule accepted, or `None` with the rule's message recorded.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.add(field, message)).ok()
    }

    /// A member's value; `null` where a value is needed is recorded.
    pub fn present<T>(&mut self, field: &str, value: Field<T>) -> Option<T> {
        match value {
            Field::Value(v) => Some(v),
            Field::Null => {
                self.add(field, "must not be null");
                None
            }
            Field::Absent => None,
        }
    }

    /// `value`, or `None` with "is required" recorded.
    pub fn required<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(field, "is required");
        }
        value
    }

    /// 422 listing every error, in `order` (the wire type's fields), others after.
    fn into_result(mut self, order: &[&str]) -> Result<(), AppError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        self.errors.sort_by_key(|e| order.iter().position(|f| *f == e.field).unwrap_or(order.len()));
        Err(AppError::Validation(self.errors))
    }
}

/// A wire type's conversion into its domain type. Every rule broken is recorded in `errors`; the
/// value is `None` only when something was recorded.
pub trait IntoDomain<Context = ()> {
    type Domain;
    fn into_domain(self, context: Context, errors: &mut FieldErrors) -> Option<Self::Domain>;
}

/// A JSON object body read into the wire type `T`, with the members it could not read.
pub struct ValidJson<T> {
    wire: T,
    errors: FieldErrors,
    fields: &'static [&'static str],
    fingerprint: String,
}

impl<T: DeserializeOwned> ValidJson<T> {
    /// Reads a body: 400 unless it is one JSON object; members that cannot be read are kept as
    /// field errors for `into_domain`.
    pub fn parse(body: &[u8]) -> Result<Self, AppError> {
        let members = object_members(body)?;
        let fields = field_names::<T>();
        let mut errors = FieldErrors::default();
        let fingerprint = fingerprint(&members);
        let read = T::deserialize(de::value::MapAccessDeserializer::new(Members {
            members: members.iter().map(|(k, v)| (k.as_str(), JsonMember(v.get()))).collect::<Vec<_>>().into_iter(),
            known: fields,
            unknown: "is not a known field",
            current: None,
            errors: &mut errors,
        }));
        match read {
            Ok(wire) => Ok(ValidJson { wire, errors, fields, fingerprint }),
            Err(e) => {
                errors.add("body", e.to_string());
                Err(errors.into_result(fields).expect_err("an error was just recorded"))
            }
        }
    }
}

impl<T> ValidJson<T> {
    /// A digest of the body's meaning, to tell an idempotent retry (same body) from a reused
    /// idempotency key (different body); see `fingerprint`.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The domain value, or one 422 listing every member that could not be read and every rule
    /// broken.
    pub fn into_domain<C>(self, context: C) -> Result<T::Domain, AppError>
    where
        T: IntoDomain<C>,
    {
        let mut errors = self.errors;
        let value = self.wire.into_domain(context, &mut errors);
        errors.into_result(self.fields)?;
        value.ok_or_else(|| AppError::Internal("a body was refused without a field error".into()))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ValidJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        // The content type is not checked: `curl -d` sends a form type with a JSON body, and
        // the body itself is what must be JSON (400 otherwise).
        let bytes = crate::http::body_bytes(req, state).await?;
        ValidJson::parse(&bytes)
    }
}

/// The top-level members of a body that must be one JSON object, each as its raw JSON text (so a
/// number is read from its digits, never through a float). A member written twice is a 400
/// naming it: JSON leaves duplicates undefined (RFC 8259 4), and the last silently winning let
/// `{"units_sold":1,"units_sold":1000}` sell 1000.
fn object_members(body: &[u8]) -> Result<BTreeMap<String, Box<RawValue>>, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_request("the request body is empty; a JSON object is expected"));
    }
    let value: Box<RawValue> =
        serde_json::from_slice(body).map_err(|e| AppError::bad_request(format!("malformed JSON: {e}")))?;
    let UniqueMembers(members) = serde_json::from_str(value.get())
        .map_err(|_| AppError::bad_request("the request body must be a JSON object"))?;
    members.map_err(|name| AppError::bad_field(&name, "is written more than once"))
}

/// An object's members, or the name of the first member written twice.
struct UniqueMembers(Result<BTreeMap<String, Box<RawValue>>, String>);

impl<'de> Deserialize<'de> for UniqueMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = UniqueMembers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueMembers, A::Error> {
                let mut members = BTreeMap::new();
                let mut duplicate = None;
                while let Some((name, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    match members.entry(name) {
                        std::collections::btree_map::Entry::Occupied(taken) => {
                            duplicate.get_or_insert_with(|| taken.key().clone());
                        }
                        std::collections::btree_map::Entry::Vacant(free) => {
                            free.insert(value);
                        }
                    }
                }
                Ok(UniqueMembers(duplicate.map_or(Ok(members), Err)))
            }
        }
        deserializer.deserialize_map(Object)
    }
}

/// The member names a struct's derived `Deserialize` knows, in declaration order: it hands them
/// to `deserialize_struct`, which this deserializer only listens to.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a Cell<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.set(fields);
            Err(de::Error::custom("only the field names were wanted"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let fields = Cell::new(&[][..]);
    let _ = T::deserialize(Probe(&fields));
    fields.get()
}

/// One member's value, read into whatever type its field has.
trait MemberValue<'de> {
    fn read_seed<S: de::DeserializeSeed<'de>>(&self, seed: S) -> Result<S::Value, String>;

    fn read<T: Deserialize<'de>>(&self) -> Result<T, String> {
        self.read_seed(std::marker::PhantomData)
    }
}

/// A body member: its JSON text.
struct JsonMember<'de>(&'de str);

impl<'de> MemberValue<'de> for JsonMember<'de> {
    fn read_seed<S: de::DeserializeSeed<'de>>(&self, seed: S) -> Result<S::Value, String> {
        if self.0 == "null" {
            return seed.deserialize(NullMember).map_err(|e| e.to_string());
        }
        let mut deserializer = serde_json::Deserializer::from_str(self.0);
        seed.deserialize(&mut deserializer).and_then(|v| deserializer.end().map(|()| v)).map_err(|e| {
            // The member's own position in its own text says nothing to the client.
            let text = e.to_string();
            let position = format!(" at line {} column {}", e.line(), e.column());
            text.strip_suffix(&position).map(str::to_owned).unwrap_or(text)
        })
    }
}

/// The members of a request, handed to a derived `Deserialize` one by one: unknown ones are
/// recorded and skipped, ones that cannot be read are recorded and read as absent.
struct Members<'a, 'de, V> {
    members: std::vec::IntoIter<(&'de str, V)>,
    known: &'static [&'static str],
    /// What is said of a member `known` does not list.
    unknown: &'static str,
    current: Option<(&'de str, V)>,
    errors: &'a mut FieldErrors,
}

impl<'de, V: MemberValue<'de>> MapAccess<'de> for Members<'_, 'de, V> {
    type Error = de::value::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        for (name, value) in self.members.by_ref() {
            if self.known.contains(&name) {
                self.current = Some((name, value));
                return seed.deserialize(name.into_deserializer()).map(Some);
            }
            // A typo must not be silently ignored.
            self.errors.add(name, self.unknown);
        }
        Ok(None)
    }

    fn next_value<T: Deserialize<'de>>(&mut self) -> Result<T, Self::Error> {
        let (name, value) = self.current.take().ok_or_else(|| de::Error::custom("a value without a key"))?;
        value.read().or_else(|message| {
            self.errors.add(name, message);
            // Read as absent: every member of a wire type may be absent.
            T::deserialize(de::value::UnitDeserializer::new())
        })
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Self::Error> {
        // Derived `Deserialize`s call `next_value`; a seed cannot be read twice, so no fallback.
        let (name, value) = self.current.take().ok_or_else(|| de::Error::custom("a value without a key"))?;
        value.read_seed(seed).map_err(|message| {
            self.errors.add(name, message.clone());
            de::Error::custom(message)
        })
    }
}

// ---- member types --------------------------------------------------------------------------

/// A member that may be absent, explicitly `null`, or present (`PATCH` tells them apart).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Field<T> {
    pub fn value(self) -> Option<T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    /// serde reads a missing member as `none` (so no `#[serde(default)]` is needed), and
    /// `Members` hands a `null` member over as `unit`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for FieldVisitor<T> {
            type Value = Field<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member")
            }
            fn visit_none<E: de::Error>(self) -> Result<Field<T>, E> {
                Ok(Field::Absent)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Field<T>, E> {
                Ok(Field::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field<T>, D::Error> {
                T::deserialize(deserializer).map(Field::Value)
            }
        }
        deserializer.deserialize_option(FieldVisitor(std::marker::PhantomData))
    }
}

/// A `null` member: `unit` even where an option is asked for, so `Field` tells it from a missing
/// member (an `Option` reads it as `None` all the same).
struct NullMember;

impl<'de> Deserializer<'de> for NullMember {
    type Error = serde_json::Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum struct identifier ignored_any
    }
}

/// A string member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Text).map_err(|_| de::Error::custom("must be a string"))
    }
}

/// A boolean member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        bool::deserialize(deserializer).map(Flag).map_err(|_| de::Error::custom("must be true or false"))
    }
}

/// An integer member: a JSON number whose value is whole. As in JSON Schema, `5`, `5.0` and
/// `5e0` are the same integer; `5.5` is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole(pub i64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer).ok();
        raw.and_then(|raw| whole_json_number(raw.get()))
            .map(Whole)
            .ok_or_else(|| de::Error::custom("must be a whole number"))
    }
}

/// The value of a JSON number's text if it is a whole number that fits an i64, computed from its
/// digits (never through a float, so `9007199254740993` stays exact).
pub(crate) fn whole_json_number(raw: &str) -> Option<i64> {
    let (negative, unsigned) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((_, "")) => return None,
        Some((w, f)) => (w, f),
        None => (mantissa, ""),
    };
    if whole.is_empty() || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some(0); // zero, whatever the exponent
    }
    // An exponent too large for an i64 makes the value far outside i64 (or below 1).
    let exponent: i64 = match exponent {
        Some(text) => text.parse().ok()?,
        None => 0,
    };
    // value = significant x 10^scale; trailing zeros move into the scale.
    let significant = digits.trim_end_matches('0');
    let scale = exponent.checked_sub(fraction.len() as i64)?.checked_add((digits.len() - significant.len()) as i64)?;
    // i64::MAX has 19 digits: anything longer, or any fraction left, is not an i64 integer.
    if !(0..=18).contains(&scale) || significant.len() > 19 || significant.len() as i64 + scale > 19 {
        return None;
    }
    let value = significant.parse::<i128>().ok()?.checked_mul(10i128.checked_pow(scale as u32)?)?;
    i64::try_from(if negative { -value } else { value }).ok()
}

/// A category name: the one place its pattern is written for both the check and the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryName(pub String);

impl std::str::FromStr for CategoryName {
    type Err = InvalidCategoryName;

    fn from_str(text: &str) -> Result<Self, InvalidCategoryName> {
        if is_valid_category_name(text) { Ok(CategoryName(text.to_owned())) } else { Err(InvalidCategoryName) }
    }
}

impl<'de> Deserialize<'de> for CategoryName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Text::deserialize(deserializer)?.0.parse().map_err(de::Error::custom)
    }
}

impl utoipa::PartialSchema for CategoryName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(CATEGORY_NAME_PATTERN))
            .description(Some("Lowercase letters, digits, `_` and `-`, starting with a letter or digit."))
            .examples(["electronics"])
            .into()
    }
}

impl utoipa::ToSchema for CategoryName {}

/// A bound of a time range in a query: a date (`YYYY-MM-DD`) or an RFC 3339 time.
pub struct TimeBound(pub String);

impl<'de> Deserialize<'de> for TimeBound {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(TimeBound)
    }
}

impl utoipa::PartialSchema for TimeBound {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(
                r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$",
            ))
            .examples(["2023-10-08"])
            .into()
    }
}

impl utoipa::ToSchema for TimeBound {}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::money::Money;

    /// A wire type with one member of each kind, for the tests of reading.
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Members {
        a: Field<MoneyInput>,
        b: Field<MoneyInput>,
        c: Field<Whole>,
        d: Field<Whole>,
        e: Field<Text>,
    }

    impl IntoDomain for Members {
        type Domain = Members;
        fn into_domain(self, (): (), _: &mut FieldErrors) -> Option<Members> {
            Some(self)
        }
    }

    fn read(json: &str) -> Result<Members, AppError> {
        ValidJson::<Members>::parse(json.as_bytes())?.into_domain(())
    }

    fn fields(err: AppError) -> Vec<String> {
        let AppError::Validation(errors) = err else { panic!("expected validation, got {err:?}") };
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn money_from_number_and_string_without_floats() {
        let m = read(r#"{"a": 19.99, "b": "20.10"}"#).unwrap();
        assert_eq!(
            (m.a, m.b),
            (Field::Value(MoneyInput(Money::from_minor(1999))), Field::Value(MoneyInput(Money::from_minor(2010))))
        );
        assert_eq!(read(r#"{"a": 0.1}"#).unwrap().a, Field::Value(MoneyInput(Money::from_minor(10))));
        assert_eq!(fields(read(r#"{"a": 1e2, "b": true}"#).unwrap_err()), ["a", "b"]);
    }

    #[test]
    fn integers_reject_fractions_and_strings() {
        let m = read(r#"{"c": 5.0, "d": null}"#).unwrap();
        assert_eq!((m.c, m.d), (Field::Value(Whole(5)), Field::Null));
        assert_eq!(fields(read(r#"{"c": 5.5, "d": "5"}"#).unwrap_err()), ["c", "d"]);
    }

    #[test]
    fn absent_null_and_present_are_told_apart() {
        let m = read(r#"{"e": null}"#).unwrap();
        assert_eq!((m.a, m.e), (Field::Absent, Field::Null));
        assert_eq!(read(r#"{"e": "x"}"#).unwrap().e, Field::Value(Text("x".into())));
    }

    #[test]
    fn fingerprint_ignores_member_order_and_spacing_only() {
        let fp = |json: &str| ValidJson::<Members>::parse(json.as_bytes()).unwrap().fingerprint;
        assert_eq!(fp(r#"{"c": 1, "d": 2}"#), fp(r#"{"d":2,"c":1}"#));
        assert_ne!(fp(r#"{"c": 1, "d": 2}"#), fp(r#"{"d":3,"c":1}"#));
    }

    #[test]
    fn unknown_members_are_errors_listed_last() {
        assert_eq!(fields(read(r#"{"nmae": "y", "e": 5, "a": "x"}"#).unwrap_err()), ["a", "e", "nmae"]);
    }

    #[test]
    fn a_member_written_twice_is_a_bad_request_naming_it() {
        // The last one used to win, silently: `units_sold` 1 then 1000 sold 1000.
        for body in [r#"{"c":1,"c":1000}"#, r#"{"c":1,"d":2,"c":1}"#, r#"{"e":"x","e":null}"#] {
            match ValidJson::<Members>::parse(body.as_bytes()) {
                Err(AppError::BadRequest { errors, .. }) => {
                    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                    assert_eq!(fields, [if body.contains("\"e\"") { "e" } else { "c" }], "{body}");
                }
                other => panic!("{body}: expected a bad request, got {:?}", other.map(|_| ())),
            }
        }
        assert!(ValidJson::<Members>::parse(br#"{"c":1,"d":{"c":1}}"#).is_ok(), "a name may recur in a nested object");
    }

    #[test]
    fn malformed_or_non_object_bodies_are_bad_requests() {
        for body in [&b"{"[..], b"[1]", b"\"x\"", b"", b"  "] {
            assert!(matches!(ValidJson::<Members>::parse(body), Err(AppError::BadRequest { .. })), "{body:?}");
        }
    }

    #[test]
    fn whole_numbers_in_any_json_spelling() {
        for (text, value) in [
            ("5", Some(5)),
            ("-5", Some(-5)),
            ("5.0", Some(5)),
            ("389.000", Some(389)),
            ("5e0", Some(5)),
            ("1E3", Some(1000)),
            ("1.5e1", Some(15)),
            ("2500e-2", Some(25)),
            ("0.0", Some(0)),
            ("-0", Some(0)),
            ("0e-7", Some(0)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9007199254740993", Some(9_007_199_254_740_993)),
            ("5.5", None),
            ("1e-1", None),
            ("9223372036854775808", None),
            ("1e19", None),
            ("1e999999999999", None),
            ("1e9223372036854775807", None),
            ("12e9223372036854775806", None),
            ("1e-9223372036854775808", None),
            ("1e99999999999999999999", None),
            ("0e99999999999999999999", Some(0)),
            ("100000000000000000000e-2", Some(1_000_000_000_000_000_000)),
            ("100000000000000000000e-1", None),
            ("1000000000000000000e-1", Some(100_000_000_000_000_000)),
            ("1.", None),
            (".5", None),
            ("\"5\"", None),
            ("true", None),
        ] {
            assert_eq!(whole_json_number(text), value, "{text}");
        }
    }
}
