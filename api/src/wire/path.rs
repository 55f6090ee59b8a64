//! Path parameters: a segment read once into its domain type, or a 400 naming the parameter.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Required};

use super::CategoryName;
use crate::error::AppError;
use domain::analytics::CalendarDate;
use domain::catalogue::ProductId;
use domain::returns::SaleId;

/// The value of a path parameter (`/products/{id}`) read into its domain type `T` once, by the
/// domain's own parser: a segment it rejects is a 400 naming the parameter, with the parser's
/// words. The same `T` documents the parameter (`params(ValidPath<T>)`), through [`PathValue`].
pub struct ValidPath<T>(pub T);

/// A domain type that a path segment holds: the parameter's name in the routes and how the
/// OpenAPI document describes it; parsing is the type's `FromStr`, whose error says what is wrong.
pub trait PathValue: std::str::FromStr<Err: std::fmt::Display> {
    /// The parameter's name in the route: `id` in `/products/{id}`.
    const NAME: &'static str;
    /// A value the document shows.
    fn example() -> serde_json::Value;
    /// What the parameter is, when the schema alone does not say it.
    const DESCRIPTION: Option<&'static str> = None;
    /// The parameter's schema (here rather than `utoipa::PartialSchema`, which a domain type
    /// cannot implement outside its crate).
    fn schema() -> RefOr<Schema>;
}

impl<T: PathValue> ValidPath<T> {
    pub fn parse(segment: &str) -> Result<T, AppError> {
        segment.parse::<T>().map_err(|e| AppError::bad_field(T::NAME, e.to_string()))
    }
}

impl<S: Send + Sync, T: PathValue> FromRequestParts<S> for ValidPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        // A segment that is not UTF-8 once percent-decoded cannot be any value.
        let axum::extract::Path(segment) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::bad_request("malformed path value"))?;
        ValidPath::<T>::parse(&segment).map(ValidPath)
    }
}

impl<T: PathValue> utoipa::IntoParams for ValidPath<T> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name(T::NAME)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(T::DESCRIPTION)
                .schema(Some(<T as PathValue>::schema()))
                .example(Some(T::example()))
                .build(),
        ]
    }
}

impl PathValue for ProductId {
    const NAME: &'static str = "id";
    fn example() -> serde_json::Value {
        1.into()
    }
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1))
            .into()
    }
}

impl PathValue for CategoryName {
    const NAME: &'static str = "name";
    fn example() -> serde_json::Value {
        "electronics".into()
    }
    fn schema() -> RefOr<Schema> {
        <CategoryName as utoipa::PartialSchema>::schema()
    }
}

impl PathValue for SaleId {
    const NAME: &'static str = "id";
    fn example() -> serde_json::Value {
        "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8".into()
    }
    const DESCRIPTION: Option<&'static str> = Some("A sale id (a ULID).");
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[0-9A-Z]{26}$")).into()
    }
}

impl PathValue for CalendarDate {
    const NAME: &'static str = "date";
    fn example() -> serde_json::Value {
        "2022-10-08".into()
    }
    const DESCRIPTION: Option<&'static str> = Some("`YYYY-MM-DD`");
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;
    use domain::catalogue::CATEGORY_NAME_PATTERN;

    #[test]
    fn path_values_parse_once_or_are_the_400_they_always_were() {
        let problem = |result: Result<(), AppError>| match result {
            Err(AppError::BadRequest { detail, errors }) => (detail, errors),
            other => panic!("expected a bad request, got {other:?}"),
        };
        assert_eq!(ValidPath::<ProductId>::parse("42").unwrap(), ProductId(42));
        for bad in ["0", "-1", "+1", "abc", "", "99999999999999999999"] {
            let (detail, errors) = problem(ValidPath::<ProductId>::parse(bad).map(drop));
            assert_eq!(detail, "id: must be a positive integer", "{bad}");
            assert_eq!(errors, [FieldError::new("id", "must be a positive integer")]);
        }
        assert_eq!(ValidPath::<CategoryName>::parse("home_goods").unwrap(), CategoryName("home_goods".into()));
        let (detail, _) = problem(ValidPath::<CategoryName>::parse("Home").map(drop));
        assert_eq!(detail, format!("name: must match {CATEGORY_NAME_PATTERN}"));
        assert!(ValidPath::<SaleId>::parse("01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8").is_ok());
        let (detail, _) = problem(ValidPath::<SaleId>::parse("01hcj7t2q1zq8yj3x2m5v6b7n8").map(drop));
        assert_eq!(detail, "id: must be a sale id (26 characters, 0-9 A-Z)");
        let date = ValidPath::<CalendarDate>::parse("2023-10-08").unwrap();
        assert_eq!(date.0.to_string(), "2023-10-08");
        for bad in ["2023-02-30", "2023-2-3", "2023-10-08T00"] {
            let (detail, _) = problem(ValidPath::<CalendarDate>::parse(bad).map(drop));
            assert_eq!(detail, "date: must be a date written like 2023-10-08", "{bad}");
        }
    }

    #[test]
    fn a_path_value_documents_its_parameter() {
        use utoipa::IntoParams;
        let params = ValidPath::<ProductId>::into_params(|| None);
        let param = serde_json::to_value(&params[0]).unwrap();
        assert_eq!(
            (param["name"].as_str(), param["in"].as_str(), param["required"].as_bool()),
            (Some("id"), Some("path"), Some(true))
        );
        assert_eq!((param["schema"]["type"].as_str(), param["schema"]["minimum"].as_i64()), (Some("integer"), Some(1)));
        let param = serde_json::to_value(&ValidPath::<CategoryName>::into_params(|| None)[0]).unwrap();
        assert_eq!(
            (param["name"].as_str(), param["schema"]["pattern"].as_str()),
            (Some("name"), Some(CATEGORY_NAME_PATTERN))
        );
    }
}
