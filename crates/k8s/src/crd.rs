//! The `ProcedurePlugin` custom resource: a procedure variant deployed into a namespace, in the
//! spirit of Istio's `WasmPlugin` (a source, its sha256, config, a fail strategy).
//!
//! These types are the source of truth: `egov crd` prints [`crd_yaml`], the chart's `crds/`
//! holds exactly that output, and a test fails on drift. Every service that runs procedures
//! watches these resources ([`crate::plugins`]) and writes what it made of each into `status`:
//! one condition per service, owned by that service through server-side apply.

use kube::{CustomResource, CustomResourceExt, KubeSchema};
use serde::{Deserialize, Serialize};

/// The API group of egov's custom resources.
pub const GROUP: &str = "egov.kz";

/// A procedure variant (a WebAssembly component) for the services of this namespace to load
/// beside the bundled ones.
#[derive(CustomResource, KubeSchema, Clone, Debug, Deserialize, Serialize, PartialEq)]
#[kube(
    group = "egov.kz",
    version = "v1alpha1",
    kind = "ProcedurePlugin",
    plural = "procedureplugins",
    shortname = "pplugin",
    namespaced,
    status = "ProcedurePluginStatus",
    printcolumn = r#"{"name":"Procedure","type":"string","jsonPath":".spec.kind"}"#,
    printcolumn = r#"{"name":"Sha256","type":"string","jsonPath":".spec.sha256","priority":1}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct ProcedurePluginSpec {
    /// The procedure kind the component implements (e.g. `perechen`): a component of another
    /// kind is refused.
    #[schemars(length(min = 1, max = 63), regex(pattern = r"^[a-z][a-z0-9-]*$"))]
    pub kind: String,
    /// Where the component's bytes come from.
    pub source: Source,
    /// The component's sha256, 64 lowercase hex digits: any other bytes are refused.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
    /// The deployment's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<PluginConfig>,
    /// What a failed revision does to the one before it.
    #[serde(default)]
    pub fail_strategy: FailStrategy,
}

/// Where a component comes from: exactly one of a ConfigMap key or an HTTP(S) URL.
#[derive(KubeSchema, Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.configMap) != has(self.url)").message("exactly one of configMap or url"))]
pub struct Source {
    /// A key of a ConfigMap in the resource's namespace (`binaryData`: a component up to the
    /// ConfigMap size limit of 1 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapKey>,
    /// An `https://` (or `http://`) URL the component is downloaded from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub url: Option<String>,
}

/// A key of a ConfigMap.
#[derive(KubeSchema, Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ConfigMapKey {
    /// The ConfigMap's name.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// The key (in `binaryData`, or `data` for a text artifact).
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}

/// A deployment's settings: what the manifest beside a bundled plugin says.
#[derive(KubeSchema, Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PluginConfig {
    /// First day in force (`YYYY-MM-DD`, local): must equal the component's own
    /// `effective-from` (the period is built into the component; this pins it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub effective_from: Option<String>,
    /// Last day in force (inclusive): must equal the component's own `effective-to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub effective_to: Option<String>,
    /// The deadline of one call, in milliseconds (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10000))]
    pub timeout_ms: Option<u64>,
    /// The most linear memory one call may use, in MiB (default 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1024))]
    pub memory_mib: Option<u64>,
}

/// What a failed revision does to the one before it.
#[derive(
    schemars::JsonSchema, Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq,
)]
pub enum FailStrategy {
    /// The last good revision keeps serving new cases (the default: an amendment that fails to
    /// load does not stop a procedure).
    #[default]
    KeepLastGood,
    /// No revision of this resource serves new cases until one loads (for an amendment that
    /// must not be run in its old form); cases already pinned to a revision keep it.
    FailClosed,
}

/// What the services made of the resource.
#[derive(KubeSchema, Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ProcedurePluginStatus {
    /// One condition per service (`IntakeLoaded`, `ExpertiseLoaded`, ...), each written by
    /// that service alone.
    #[serde(default)]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
}

/// A condition, as `metav1.Condition`.
#[derive(KubeSchema, Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// `<Service>Loaded`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// A CamelCase code: `Loaded`, `DigestMismatch`, `SourceUnavailable`, ...
    pub reason: String,
    /// What happened, for people.
    pub message: String,
    /// The `metadata.generation` this condition describes.
    pub observed_generation: i64,
    /// When the status last changed (RFC 3339).
    pub last_transition_time: String,
}

/// The CRD as YAML: what `egov crd` prints and the chart's `crds/` holds.
pub fn crd_yaml() -> String {
    let yaml = serde_yaml::to_string(&ProcedurePlugin::crd()).expect("a CRD serialises");
    format!(
        "# Generated by `egov crd` from crates/k8s/src/crd.rs: do not edit (a test fails on drift).\n{yaml}"
    )
}
