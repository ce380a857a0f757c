//! The methods each path admits, for the `Allow` header that every `405` must carry
//! (RFC 9110 §15.5.6). warp's method filters reject without saying which methods would have
//! matched, so [`serve`](crate::serve) looks the path up here.

use std::collections::BTreeSet;

/// Path templates (`/api/v1/tasks/{id}`) and the methods each admits.
#[derive(Clone, Debug, Default)]
pub struct Routes {
    templates: Vec<(Vec<String>, BTreeSet<String>)>,
    /// Each template as written, in the order of `templates`.
    names: Vec<String>,
}

/// The `route` of a path no template matches (a metric label: one value for every such path,
/// so what callers send cannot grow the label set).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Whether template segment `t` matches path segment `s`.
fn fits(t: &str, s: &str) -> bool {
    (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

impl Routes {
    /// No routes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `methods` to `template` (segments in braces match any one segment).
    pub fn route(mut self, template: &str, methods: &[&str]) -> Self {
        let segs = segments(template);
        let methods = methods.iter().map(|m| m.to_ascii_uppercase());
        match self.templates.iter_mut().find(|(t, _)| *t == segs) {
            Some((_, m)) => m.extend(methods),
            None => {
                self.templates.push((segs, methods.collect()));
                self.names.push(format!("/{}", template.trim_matches('/')));
            }
        }
        self
    }

    /// The template `path` matches (`/api/v1/tasks/{id}` for `/api/v1/tasks/01J…`), the most
    /// literal one when several do (`/tasks/mine` before `/tasks/{id}`); [`UNMATCHED_ROUTE`] when none
    /// does. No allocation: it runs for every request (the `route` of the HTTP metrics and
    /// spans).
    pub fn template(&self, path: &str) -> &str {
        let path = path.trim_matches('/');
        let n = path.split('/').count();
        let mut best: Option<(usize, &str)> = None;
        for ((t, _), name) in self.templates.iter().zip(&self.names) {
            if t.len() != n || !t.iter().zip(path.split('/')).all(|(t, s)| fits(t, s)) {
                continue;
            }
            // Literal segments, compared from the left: the first literal where another has a
            // parameter wins.
            let literal = t
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.starts_with('{'))
                .fold(0usize, |acc, (i, _)| acc | (1 << (63 - i.min(63))));
            if best.is_none_or(|(b, _)| literal > b) {
                best = Some((literal, name));
            }
        }
        best.map_or(UNMATCHED_ROUTE, |(_, name)| name)
    }

    /// Every path and operation of an OpenAPI document.
    pub fn from_openapi(doc: &serde_json::Value) -> Self {
        const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];
        let mut r = Self::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let ms: Vec<&str> = METHODS
                .iter()
                .copied()
                .filter(|m| item.get(*m).is_some())
                .collect();
            r = r.route(path, &ms);
        }
        r
    }

    /// The `Allow` value for `path`: the methods of every template it matches, or `None` when
    /// it matches none.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let segs = segments(path);
        let mut all = BTreeSet::new();
        let mut matched = false;
        for (t, methods) in &self.templates {
            if t.len() == segs.len() && t.iter().zip(&segs).all(|(t, s)| fits(t, s)) {
                matched = true;
                all.extend(methods.iter().cloned());
            }
        }
        matched.then(|| all.into_iter().collect::<Vec<_>>().join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_one_segment_per_parameter() {
        let r = Routes::new()
            .route("/api/v1/tasks", &["get"])
            .route("/api/v1/tasks/{id}", &["get"])
            .route("/api/v1/tasks/{id}/complete", &["post"])
            .route("/api/v1/tasks/{id}", &["delete"]);
        assert_eq!(r.allowed("/api/v1/tasks").as_deref(), Some("GET"));
        assert_eq!(r.allowed("/api/v1/tasks/x").as_deref(), Some("DELETE, GET"));
        assert_eq!(
            r.allowed("/api/v1/tasks/x/complete").as_deref(),
            Some("POST")
        );
        assert_eq!(r.allowed("/api/v1/tasks/x/y"), None);
        assert_eq!(r.allowed("/api/v1/other"), None);
    }

    #[test]
    fn a_path_is_named_by_its_most_literal_template_or_unmatched() {
        let r = Routes::new()
            .route("/api/v1/tasks/{id}", &["get"])
            .route("/api/v1/tasks/mine", &["get"])
            .route("/api/v1/tasks/{id}/complete", &["post"])
            .route("/api/v1/{kind}/entries/{key}", &["get"])
            .route("/api/v1/cases/entries/{key}", &["get"])
            .route("/healthz", &["get"]);
        assert_eq!(r.template("/api/v1/tasks/01J0"), "/api/v1/tasks/{id}");
        assert_eq!(r.template("/api/v1/tasks/mine"), "/api/v1/tasks/mine");
        assert_eq!(
            r.template("/api/v1/tasks/x/complete"),
            "/api/v1/tasks/{id}/complete"
        );
        assert_eq!(
            r.template("/api/v1/cases/entries/k"),
            "/api/v1/cases/entries/{key}"
        );
        assert_eq!(
            r.template("/api/v1/other/entries/k"),
            "/api/v1/{kind}/entries/{key}"
        );
        assert_eq!(r.template("/healthz"), "/healthz");
        assert_eq!(
            r.template("/api/v1/tasks//complete"),
            UNMATCHED_ROUTE,
            "an empty parameter"
        );
        assert_eq!(r.template("/api/v1/tasks/x/y"), UNMATCHED_ROUTE);
        assert_eq!(r.template("/"), UNMATCHED_ROUTE);
    }
}
