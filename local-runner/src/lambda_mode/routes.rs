//! API Gateway's route selection for an HTTP API: the most specific route whose path matches
//! (per segment, left to right: a literal over `{param}` over `{proxy+}`), an exact method over
//! `ANY`, then `$default`; no route at all is API Gateway's 404.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use sam_template::Route;

/// The path parameters of a matched route, decoded.
pub type Params = BTreeMap<String, String>;

/// How specific a match is: its path's per-segment ranks, then whether the method is exact (the
/// greater, the more specific).
type Rank = (Vec<u8>, bool);

/// The route API Gateway picks among `routes` for `method` and `path`, with the path parameters.
pub fn select<'r>(routes: &'r [Route], method: &str, path: &str) -> Option<(&'r Route, Params)> {
    let mut best: Option<(Rank, &Route, Params)> = None;
    for route in routes {
        let Some(route_path) = &route.path else { continue };
        if route.method.as_deref().is_some_and(|m| m != method) {
            continue;
        }
        let Some((rank, params)) = match_path(route_path, path) else { continue };
        let key = (rank, route.method.is_some());
        if best.as_ref().is_none_or(|(b, _, _)| key > *b) {
            best = Some((key, route, params));
        }
    }
    best.map(|(_, r, p)| (r, p)).or_else(|| routes.iter().find(|r| r.path.is_none()).map(|r| (r, Params::new())))
}

/// Matches a request path against a route path: per segment a rank (2 literal, 1 `{param}`, 0
/// `{proxy+}`, compared left to right: the most specific route wins) and the parameters.
fn match_path(route: &str, path: &str) -> Option<(Vec<u8>, Params)> {
    let wanted: Vec<&str> = route.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let given: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let given: Vec<&str> = if given == [""] { Vec::new() } else { given };
    let mut rank = Vec::new();
    let mut params = Params::new();
    for (i, segment) in wanted.iter().enumerate() {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            let rest = given.get(i..).filter(|r| !r.is_empty() && !r.iter().all(|s| s.is_empty()))?;
            params.insert(name.to_owned(), rest.join("/"));
            rank.push(0);
            return Some((rank, params));
        }
        let part = given.get(i).filter(|p| !p.is_empty())?;
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            params.insert(name.to_owned(), percent_decode_str(part).decode_utf8_lossy().into_owned());
            rank.push(1);
        } else if segment == part {
            rank.push(2);
        } else {
            return None;
        }
    }
    (given.len() == wanted.len()).then_some((rank, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(routes: &[Route], method: &str, path: &str) -> Option<(String, Params)> {
        select(routes, method, path).map(|(r, p)| (r.key(), p))
    }

    #[test]
    fn matches_the_templates_routes_like_api_gateway() {
        let t = &sam_template::Template::embedded().unwrap().routes;
        assert_eq!(route(t, "GET", "/products").unwrap().0, "ANY /products");
        let (key, params) = route(t, "PATCH", "/products/7").unwrap();
        assert_eq!((key.as_str(), params["id"].as_str()), ("ANY /products/{id}", "7"));
        assert_eq!(route(t, "OPTIONS", "/products/7").unwrap().0, "OPTIONS /products/{id}", "exact method over ANY");
        assert_eq!(route(t, "GET", "/products/7/inventory").unwrap().0, "ANY /products/{id}/inventory");
        let (key, params) = route(t, "GET", "/docs/swagger-ui.css").unwrap();
        assert_eq!((key.as_str(), params["proxy"].as_str()), ("GET /docs/{proxy+}", "swagger-ui.css"));
        assert_eq!(route(t, "OPTIONS", "/anything/else").unwrap().0, "OPTIONS /{proxy+}");
        assert_eq!(route(t, "POST", "/health").unwrap().0, "$default", "no POST /health route");
        assert_eq!(route(t, "GET", "/categories/home%20garden").unwrap().1["name"], "home garden");
        assert_eq!(route(t, "GET", "/nothing/here").unwrap().0, "$default");
    }

    #[test]
    fn literal_segments_over_parameters_over_greedy() {
        let routes: Vec<Route> = [("GET", "/a/{x}"), ("GET", "/a/b"), ("ANY", "/{proxy+}"), ("GET", "/a/{x}/c")]
            .iter()
            .map(|(m, p)| Route {
                function: "f".into(),
                method: (*m != "ANY").then(|| m.to_string()),
                path: Some(p.to_string()),
                authorized: false,
            })
            .collect();
        assert_eq!(route(&routes, "GET", "/a/b").unwrap().0, "GET /a/b");
        assert_eq!(route(&routes, "GET", "/a/z").unwrap().0, "GET /a/{x}");
        assert_eq!(route(&routes, "GET", "/a/z/c").unwrap().0, "GET /a/{x}/c");
        assert_eq!(route(&routes, "GET", "/a/z/d").unwrap().0, "ANY /{proxy+}");
        assert!(route(&routes, "GET", "/").is_none(), "{{proxy+}} needs a segment");
        assert!(route(&routes[..2], "GET", "/b").is_none(), "no $default: no route");
        assert_eq!(route(&routes, "GET", "/a/%zz").unwrap().1["x"], "%zz", "an invalid escape is kept");
    }
}
