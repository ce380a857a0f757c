//! Builders for declaring a step graph and a form in code, close to how the rules read.

use crate::{Criterion, DocumentSpec, Field, FieldType, ObjectKind, Outcome, Step, Term, Unit};

/// A step acted on by `role` in `service`, implementing `rule`.
pub fn step(id: &str, title: &str, role: &str, service: &str, rule: &str) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        role: role.into(),
        service: service.into(),
        rule: rule.into(),
        term: None,
        start: false,
        outcomes: Vec::new(),
        check: None,
    }
}

impl Step {
    /// With a term of `count` `unit`s from `start`.
    pub fn term(mut self, count: u32, unit: Unit, start: &str) -> Self {
        self.term = Some(Term {
            count,
            unit,
            start: start.into(),
        });
        self
    }
    /// The step opened on submission.
    pub fn start(mut self) -> Self {
        self.start = true;
        self
    }
    /// With an outcome.
    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcomes.push(o);
        self
    }
    /// With a decision the engine computes before accepting an outcome.
    pub fn check(mut self, decision: &str) -> Self {
        self.check = Some(decision.into());
        self
    }
}

/// An outcome that ends its branch (add `.next(...)` to open steps).
pub fn outcome(name: &str, title: &str) -> Outcome {
    Outcome {
        name: name.into(),
        title: title.into(),
        next: Vec::new(),
        status: None,
        requires_reasons: false,
        rule: None,
    }
}

impl Outcome {
    /// Opens these steps.
    pub fn next(mut self, steps: &[&str]) -> Self {
        self.next = steps.iter().map(|s| (*s).into()).collect();
        self
    }
    /// Sets the case status.
    pub fn status(mut self, s: &str) -> Self {
        self.status = Some(s.into());
        self
    }
    /// Requires reasons.
    pub fn with_reasons(mut self) -> Self {
        self.requires_reasons = true;
        self
    }
    /// Under its own rule.
    pub fn rule(mut self, r: &str) -> Self {
        self.rule = Some(r.into());
        self
    }
}

/// An object kind with its documents `(kind, title)`.
pub fn object_kind(name: &str, title: &str, rule: &str, documents: &[(&str, &str)]) -> ObjectKind {
    ObjectKind {
        name: name.into(),
        title: title.into(),
        rule: rule.into(),
        documents: documents
            .iter()
            .map(|(k, t)| DocumentSpec {
                kind: (*k).into(),
                title: (*t).into(),
            })
            .collect(),
    }
}

/// A required field.
pub fn field(name: &str, title: &str, rule: &str, kind: FieldType) -> Field {
    Field {
        name: name.into(),
        title: title.into(),
        rule: rule.into(),
        kind,
        required: true,
    }
}

/// A criterion of `group`, for the object kinds in `applies_to` (empty: all).
pub fn criterion(id: &str, group: &str, text: &str, applies_to: &[&str], rule: &str) -> Criterion {
    Criterion {
        id: id.into(),
        group: group.into(),
        text: text.into(),
        applies_to: applies_to.iter().map(|s| (*s).into()).collect(),
        rule: rule.into(),
    }
}
