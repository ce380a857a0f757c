//! Reads the contract versions from the WIT package lines (`package egov:procedure@X.Y.Z;` in
//! `plugins/wit/v<major>/procedure.wit`), so each is written once, there. The host binds every
//! major it finds; the newest is the one new variants are written for.

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../plugins/wit");
    println!("cargo:rerun-if-changed={dir}");
    let mut versions = Vec::new();
    for major in 1.. {
        let path = format!("{dir}/v{major}/procedure.wit");
        let Ok(wit) = std::fs::read_to_string(&path) else {
            break;
        };
        println!("cargo:rerun-if-changed={path}");
        let version = wit
            .lines()
            .find_map(|l| l.trim().strip_prefix("package egov:procedure@"))
            .and_then(|v| v.strip_suffix(';'))
            .unwrap_or_else(|| panic!("{path} has a `package egov:procedure@X.Y.Z;` line"));
        let v = semver::Version::parse(version).expect("the WIT package version is semantic");
        assert_eq!(v.major, major, "{path} must hold major version {major}");
        versions.push(version.to_owned());
    }
    assert_eq!(
        versions.len(),
        2,
        "the host binds contracts 1 and 2 (src/lib.rs)"
    );
    println!(
        "cargo:rustc-env=EGOV_CONTRACT_VERSION={}",
        versions.last().unwrap()
    );
    println!(
        "cargo:rustc-env=EGOV_CONTRACT_VERSIONS={}",
        versions.join(",")
    );
}
