//! A page of a list as the API answers it: `{"items": [...], "next_cursor": "..." | null}`.

use serde::Serialize;

/// One page of a list: `next_cursor` is null on the last page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page a use case read, each item converted into its wire view.
    pub fn of<U>(page: app::Page<U>, convert: impl FnMut(U) -> T) -> Page<T> {
        Page { items: page.items.into_iter().map(convert).collect(), next_cursor: page.next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_page_says_so_with_a_null_cursor() {
        let last = Page::of(app::Page { items: vec![1, 2], next_cursor: None }, |n: i32| n * 10);
        assert_eq!(serde_json::to_value(&last).unwrap(), serde_json::json!({"items": [10, 20], "next_cursor": null}));
    }
}
