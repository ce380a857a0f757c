//! An application to include software in the Register of trusted software and
//! electronic-industry products (LC-32.a; the Register rules, order 53/НҚ, are external).
//!
//! A service software product commissioned before 1 January 2023 is included at once, "без
//! применения норм Правил формирования и ведения реестра" (LC-37). Any other application goes to
//! the authorized body's decision `register-decision`: `include` writes the inclusion, `refuse`
//! (with reasons) ends the case.

use egov_plugin_sdk::date::day;
use egov_plugin_sdk::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::form::{Application, read_application};
use crate::texts::{LC_32_A, LC_37};
use crate::{SOFTWARE_REGISTRY, bad};

/// The application's case state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Software {
    pub application: Application,
    /// The applicant's BIN.
    pub org: String,
    pub received_on: String,
    pub status: String,
    #[serde(default)]
    pub included_on: Option<String>,
    #[serde(default)]
    pub reasons: Vec<String>,
}

impl Software {
    /// The Register key: `<product> <version>`.
    pub fn key(&self) -> String {
        format!("{} {}", self.application.product, self.application.version)
    }

    /// The Register entry of an inclusion.
    pub fn entry(&self) -> Value {
        let a = &self.application;
        let mut basis = json!({});
        for (k, v) in [
            ("tender", json!(a.tender)),
            ("business_process_model", json!(a.business_process_model)),
            ("commissioned_on", json!(a.commissioned_on)),
            ("testing", json!(a.testing)),
            ("trials", json!(a.trials)),
            ("commissioning", json!(a.commissioning)),
        ] {
            if !v.is_null() {
                basis[k] = v;
            }
        }
        json!({
            "product": a.product, "version": a.version, "description": a.description,
            "supplier": a.supplier, "ground": a.ground, "rule": a.rule(),
            "basis": basis,
            "status": self.status, "included_on": self.included_on,
        })
    }

    fn supplier(&self) -> Party {
        party_of("supplier", &self.org)
    }

    /// One input after the submission.
    pub fn react(
        &mut self,
        input: &Input,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Vec<Violation>> {
        let Input::TaskCompleted(t) = input else {
            return Ok(());
        };
        if t.task != "register-decision" || self.status != "under-review" {
            return Err(bad(
                "task",
                "LC-32.a",
                format!("no decision {:?} is awaited on this application", t.task),
            ));
        }
        let today = day(&t.at).to_owned();
        match t.outcome.as_str() {
            "include" => {
                self.status = "included".into();
                self.included_on = Some(today);
                effects.push(put_entry(SOFTWARE_REGISTRY, &self.key(), &self.entry()));
                effects.push(Effect::SetStatus("included".into()));
                effects.push(notify(
                    self.supplier(),
                    "LC-32.a: the software was included in the Register of trusted software and electronic-industry products",
                    &json!({"registry": SOFTWARE_REGISTRY, "key": self.key(), "included_on": self.included_on}),
                ));
            }
            "refuse" => {
                self.status = "refused".into();
                self.reasons = t.reasons.clone();
                effects.push(Effect::SetStatus("refused".into()));
                effects.push(notify(
                    self.supplier(),
                    "LC-32.a: the inclusion of the software in the Register was refused",
                    &json!({"product": self.application.product, "version": self.application.version,
                            "reasons": t.reasons, "decided_on": today}),
                ));
            }
            other => {
                return Err(bad(
                    "outcome",
                    "LC-32.a",
                    format!("{other:?} is not an outcome of the decision: include or refuse"),
                ));
            }
        }
        Ok(())
    }
}

/// The application received (LC-32.a).
pub fn submitted(s: &Submitted, effects: &mut Vec<Effect>) -> Result<Software, Vec<Violation>> {
    let today = day(&s.at).to_owned();
    let body: Value = serde_json::from_str(&s.submission)
        .map_err(|e| bad("", "LC-32.a", format!("the submission is not JSON: {e}")))?;
    let application = read_application(&body, &today)?;
    let org = s.by.org.clone().unwrap_or_default();
    if application.supplier != org {
        return Err(bad(
            "supplier",
            "LC-32.a",
            format!(
                "the supplier {} is not the submitter's organization ({}): {LC_32_A}; a supplier applies for its own software",
                application.supplier,
                if org.is_empty() { "none" } else { &org }
            ),
        ));
    }
    let mut sw = Software {
        application,
        org,
        received_on: today.clone(),
        status: "under-review".into(),
        included_on: None,
        reasons: Vec::new(),
    };
    if sw.application.ground == "legacy" {
        // LC-37: included at once, without the Register rules.
        sw.status = "included".into();
        sw.included_on = Some(today);
        sw.reasons = vec![format!("LC-37: {LC_37}")];
        effects.push(put_entry(SOFTWARE_REGISTRY, &sw.key(), &sw.entry()));
        effects.push(Effect::SetStatus("included".into()));
    } else {
        effects.push(open_task("register-decision"));
        effects.push(Effect::SetStatus("under-review".into()));
    }
    Ok(sw)
}
