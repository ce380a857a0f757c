//! The methods each path admits, for the `Allow` header that every `405` must carry
//! (RFC 9110 §15.5.6). warp's method filters reject without saying which methods would have
//! matched, so [`serve`](crate::serve) looks the path up here.

use std::collections::BTreeSet;

/// Path templates (`/api/v1/tasks/{id}`) and the methods each admits.
#[derive(Clone, Debug, Default)]
pub struct Routes {
    templates: Vec<(Vec<String>, BTreeSet<String>)>,
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
            None => self.templates.push((segs, methods.collect())),
        }
        self
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
            let fits = t.len() == segs.len()
                && t.iter().zip(&segs).all(|(t, s)| {
                    (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s
                });
            if fits {
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
}
