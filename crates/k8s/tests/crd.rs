//! The CRD in the chart is the one the Rust types generate, and the chart's example resources
//! are valid ProcedurePlugins.

use egov_k8s::ProcedurePlugin;

const CHART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../charts/egov");

#[test]
fn the_charts_crd_is_exactly_what_egov_crd_prints() {
    let path = format!("{CHART}/crds/procedureplugins.egov.kz.yaml");
    let generated = egov_k8s::crd_yaml();
    if std::env::var_os("EGOV_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} drifted from the Rust types: run `egov crd > {path}` (or EGOV_BLESS=1 cargo test -p egov-k8s --test crd)"
    );
}

#[test]
fn the_charts_example_resources_are_valid_procedure_plugins() {
    let dir = format!("{CHART}/examples/procedureplugins");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let p: ProcedurePlugin =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        egov_k8s::plugins::pin(&p.spec).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n >= 2, "an example from a ConfigMap and one from a URL");
}
