//! Reads the contract's version from the WIT package line (`package egov:procedure@X.Y.Z;`), so
//! it is written once, in `plugins/wit/procedure.wit`.

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../plugins/wit/procedure.wit"
    );
    println!("cargo:rerun-if-changed={path}");
    let wit = std::fs::read_to_string(path).expect("plugins/wit/procedure.wit is readable");
    let version = wit
        .lines()
        .find_map(|l| l.trim().strip_prefix("package egov:procedure@"))
        .and_then(|v| v.strip_suffix(';'))
        .expect("procedure.wit has a `package egov:procedure@X.Y.Z;` line");
    semver::Version::parse(version).expect("the WIT package version is a semantic version");
    println!("cargo:rustc-env=EGOV_CONTRACT_VERSION={version}");
}
