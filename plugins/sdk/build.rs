//! The contract version is the WIT package's (`package egov:procedure@X.Y.Z;` in
//! `plugins/wit/v2/procedure.wit`), written once there.

fn main() {
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/v2/procedure.wit");
    println!("cargo:rerun-if-changed={wit}");
    let text = std::fs::read_to_string(wit).expect("the WIT contract is readable");
    let Some(v) = text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("package egov:procedure@")?
            .strip_suffix(';')
    }) else {
        panic!("{wit} has no `package egov:procedure@X.Y.Z;` line");
    };
    println!("cargo:rustc-env=EGOV_CONTRACT_VERSION={v}");
}
