//! Validation of OCDS 1.1 releases and release packages, offline, against the vendored
//! OCDS 1.1.5 files (`services/tender/ocds/`, compiled in): the release and release-package
//! schemas with the Bids extension merged into the release schema as a JSON Merge Patch
//! (RFC 7386, how an extension patches core), compiled as JSON Schema Draft 4 with format
//! checks; and what JSON Schema cannot say, as the OCDS tools check it:
//!
//! - the `ocid` starts with a prefix: `ocds-` and six lowercase letters or digits;
//! - release `id`s are unique per `ocid` and hold no `#`;
//! - every `date-time` field is RFC 3339 with a time zone, and a real calendar instant;
//! - every field with a codelist holds one of its codes; a miss is a problem for closed and
//!   open codelists alike (our output uses only listed codes);
//! - a package declares OCDS `1.1`, and declares the Bids extension when it uses `bids` or
//!   `relatedBid` (else core OCDS would let them through unchecked).
//!
//! Each problem is one `path: message` line (`path` the slash-separated location, `(root)` for
//! the document itself), sorted by path.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// Canonical URL (and `id`) of the release schema.
pub const RELEASE_SCHEMA_URL: &str =
    "https://standard.open-contracting.org/schema/1__1__5/release-schema.json";
/// Canonical URL (and `id`) of the release package schema.
pub const PACKAGE_SCHEMA_URL: &str =
    "https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json";

const RELEASE_SCHEMA: &str = include_str!("../../ocds/release-schema.json");
const PACKAGE_SCHEMA: &str = include_str!("../../ocds/release-package-schema.json");
const BID_SCHEMA: &str =
    include_str!("../../ocds/extensions/ocds_bid_extension/release-schema.json");
/// The Bids extension's metadata (its codelists, its compatibility).
#[cfg(test)]
pub(crate) const BID_EXTENSION_JSON: &str =
    include_str!("../../ocds/extensions/ocds_bid_extension/extension.json");

macro_rules! codelists {
    ($($dir:literal / $name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../ocds/", $dir, $name)))),*]
    };
}

/// Every codelist the merged release schema names, with its CSV text.
pub(crate) const CODELISTS: &[(&str, &str)] = codelists![
    "codelists/" / "awardCriteria.csv",
    "codelists/" / "awardStatus.csv",
    "codelists/" / "contractStatus.csv",
    "codelists/" / "currency.csv",
    "codelists/" / "documentType.csv",
    "codelists/" / "extendedProcurementCategory.csv",
    "codelists/" / "initiationType.csv",
    "codelists/" / "itemClassificationScheme.csv",
    "codelists/" / "method.csv",
    "codelists/" / "milestoneStatus.csv",
    "codelists/" / "milestoneType.csv",
    "codelists/" / "partyRole.csv",
    "codelists/" / "procurementCategory.csv",
    "codelists/" / "relatedProcess.csv",
    "codelists/" / "relatedProcessScheme.csv",
    "codelists/" / "releaseTag.csv",
    "codelists/" / "submissionMethod.csv",
    "codelists/" / "tenderStatus.csv",
    "codelists/" / "unitClassificationScheme.csv",
    "extensions/ocds_bid_extension/codelists/" / "bidStatistics.csv",
    "extensions/ocds_bid_extension/codelists/" / "bidStatus.csv",
];

/// How long a schema error's message may be (some repeat whole enums or instances).
const MAX_MESSAGE: usize = 300;

/// Which of the two schema documents a `$ref` lands in.
#[derive(Clone, Copy)]
enum Root {
    Release,
    Package,
}

/// One step of a location in a document; indices sort before keys.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Seg {
    Index(usize),
    Key(String),
}

type Path = Vec<Seg>;

fn fmt_path(path: &[Seg]) -> String {
    if path.is_empty() {
        return "(root)".to_owned();
    }
    path.iter()
        .map(|s| match s {
            Seg::Index(i) => i.to_string(),
            Seg::Key(k) => k.clone(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn child(path: &[Seg], seg: Seg) -> Path {
    let mut p = path.to_vec();
    p.push(seg);
    p
}

/// The OCDS 1.1.5 validator (release schema + Bids extension, codelists, OCDS checks). Build
/// it once: compiling the schemas takes a moment.
pub struct Validator {
    release_schema: Value,
    package_schema: Value,
    release: jsonschema::Validator,
    package: jsonschema::Validator,
    codelists: HashMap<&'static str, HashSet<String>>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("codelists", &self.codelists.len())
            .finish_non_exhaustive()
    }
}

impl Default for Validator {
    fn default() -> Self {
        Self::new()
    }
}

impl Validator {
    /// Compiles the vendored schemas. Panics only if the vendored files are broken (the unit
    /// tests build it).
    pub fn new() -> Self {
        let parse = |name: &str, text: &str| -> Value {
            serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("vendored OCDS file {name} is not JSON: {e}"))
        };
        let mut release_schema = parse("release-schema.json", RELEASE_SCHEMA);
        merge_patch(
            &mut release_schema,
            &parse("ocds_bid_extension/release-schema.json", BID_SCHEMA),
        );
        let package_schema = parse("release-package-schema.json", PACKAGE_SCHEMA);
        let registry = jsonschema::Registry::new()
            .add(RELEASE_SCHEMA_URL, release_schema.clone())
            .and_then(|r| r.add(PACKAGE_SCHEMA_URL, package_schema.clone()))
            .and_then(|r| r.prepare())
            .unwrap_or_else(|e| panic!("the vendored OCDS schemas do not register: {e}"));
        let build = |schema: &Value| {
            jsonschema::draft4::options()
                .offline()
                .with_registry(&registry)
                .should_validate_formats(true)
                .build(schema)
                .unwrap_or_else(|e| panic!("the vendored OCDS schemas do not compile: {e}"))
        };
        let release = build(&release_schema);
        let package = build(&package_schema);
        let codelists = CODELISTS
            .iter()
            .map(|(name, csv)| (*name, codes(csv)))
            .collect();
        Self {
            release_schema,
            package_schema,
            release,
            package,
            codelists,
        }
    }

    /// The release schema with the Bids extension merged in.
    pub fn release_schema(&self) -> &Value {
        &self.release_schema
    }

    /// The codes of a vendored codelist (`"tenderStatus.csv"`).
    pub fn codes(&self, codelist: &str) -> Option<&HashSet<String>> {
        self.codelists.get(codelist)
    }

    /// Every problem of `doc`, a release package (it has `releases`) or a release (it has
    /// `ocid`), as `path: message` lines; empty when it is valid.
    pub fn validate(&self, doc: &Value) -> Vec<String> {
        let mut problems: Vec<(Path, String)> = Vec::new();
        let is_package = doc.get("releases").is_some();
        if !is_package && doc.get("ocid").is_none() {
            return vec![
                "(root): not an OCDS release package ('releases') or release ('ocid')".into(),
            ];
        }
        let (schema, root, compiled) = if is_package {
            (&self.package_schema, Root::Package, &self.package)
        } else {
            (&self.release_schema, Root::Release, &self.release)
        };
        self.walk(schema, root, doc, &[], &mut problems);
        if is_package {
            package_checks(doc, &mut problems);
            let releases = doc["releases"].as_array().map_or(&[][..], Vec::as_slice);
            release_ids(
                releases
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (vec![Seg::Key("releases".into()), Seg::Index(i)], r)),
                &mut problems,
            );
        } else {
            release_ids([(Vec::new(), doc)].into_iter(), &mut problems);
        }
        // Schema errors; an enum or format error where an OCDS check or a type error already
        // speaks says the same thing less clearly.
        let explained: HashSet<Path> = problems.iter().map(|(p, _)| p.clone()).collect();
        let errors: Vec<(Path, &str, String)> = compiled
            .iter_errors(doc)
            .map(|e| {
                let path = e
                    .instance_path()
                    .iter()
                    .map(|s| match s {
                        jsonschema::paths::LocationSegment::Index(i) => Seg::Index(i),
                        jsonschema::paths::LocationSegment::Property(p) => Seg::Key(p.into_owned()),
                    })
                    .collect();
                (path, keyword_static(e.kind().keyword()), e.to_string())
            })
            .collect();
        let typed: HashSet<&Path> = errors
            .iter()
            .filter(|(_, k, _)| *k == "type")
            .map(|(p, _, _)| p)
            .collect();
        let mut schema_problems = Vec::new();
        for (path, keyword, message) in &errors {
            if matches!(*keyword, "enum" | "format")
                && (explained.contains(path) || typed.contains(path))
            {
                continue;
            }
            schema_problems.push((path.clone(), truncate(message)));
        }
        problems.extend(schema_problems);
        problems.sort();
        problems.dedup();
        problems
            .into_iter()
            .map(|(p, m)| format!("{}: {m}", fmt_path(&p)))
            .collect()
    }

    /// Follows the schema alongside the data for the date-time and codelist checks.
    fn walk(
        &self,
        schema: &Value,
        root: Root,
        data: &Value,
        path: &[Seg],
        out: &mut Vec<(Path, String)>,
    ) {
        let (mut schema, mut root) = (schema, root);
        // Draft 4: a $ref replaces its siblings.
        while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let (base, fragment) = r.split_once('#').unwrap_or((r, ""));
            root = match base {
                "" => root,
                RELEASE_SCHEMA_URL => Root::Release,
                PACKAGE_SCHEMA_URL => Root::Package,
                _ => return,
            };
            let doc = match root {
                Root::Release => &self.release_schema,
                Root::Package => &self.package_schema,
            };
            match doc.pointer(fragment) {
                Some(s) => schema = s,
                None => return,
            }
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time")
            && let Some(s) = data.as_str().filter(|s| !is_rfc3339(s))
        {
            out.push((
                path.to_vec(),
                format!(
                    "'{s}' is not an RFC 3339 date-time with a time zone (e.g. \
                     '2024-04-02T10:00:00+05:00' or '2024-04-02T05:00:00Z')"
                ),
            ));
        }
        if let Some(name) = schema.get("codelist").and_then(Value::as_str) {
            let open = schema.get("openCodelist").and_then(Value::as_bool) == Some(true);
            let values: Vec<(Path, &Value)> = match data {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (child(path, Seg::Index(i)), v))
                    .collect(),
                v => vec![(path.to_vec(), v)],
            };
            if let Some(codes) = self.codelists.get(name) {
                for (at, v) in values {
                    if let Some(s) = v.as_str().filter(|s| !codes.contains(*s)) {
                        let kind = if open { "open" } else { "closed" };
                        out.push((
                            at,
                            format!("'{s}' is not a code in the {kind} codelist {name}"),
                        ));
                    }
                }
            }
        }
        match data {
            Value::Object(fields) => {
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (key, sub) in props {
                        if let Some(v) = fields.get(key) {
                            self.walk(sub, root, v, &child(path, Seg::Key(key.clone())), out);
                        }
                    }
                }
            }
            Value::Array(items) => {
                if let Some(sub) = schema.get("items").filter(|s| s.is_object()) {
                    for (i, v) in items.iter().enumerate() {
                        self.walk(sub, root, v, &child(path, Seg::Index(i)), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The keywords the de-duplication looks at, as `'static` (others as "other").
fn keyword_static(k: &str) -> &'static str {
    match k {
        "type" => "type",
        "enum" => "enum",
        "format" => "format",
        _ => "other",
    }
}

fn truncate(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}...", &message[..at]),
        None => message.to_owned(),
    }
}

/// The package's version, and the Bids extension declared when bids are used.
fn package_checks(doc: &Value, out: &mut Vec<(Path, String)>) {
    if let Some(v) = doc
        .get("version")
        .and_then(Value::as_str)
        .filter(|v| *v != "1.1")
    {
        out.push((
            vec![Seg::Key("version".into())],
            format!("the package declares OCDS '{v}'; this validator checks OCDS '1.1'"),
        ));
    }
    let declared = doc
        .get("extensions")
        .and_then(Value::as_array)
        .is_some_and(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .any(|u| u.contains("/ocds_bid_extension/"))
        });
    let uses_bids = doc["releases"].as_array().is_some_and(|rs| {
        rs.iter().any(|r| {
            r.get("bids").is_some()
                || r["awards"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|a| a.get("relatedBid").is_some()))
        })
    });
    if uses_bids && !declared {
        out.push((
            vec![Seg::Key("extensions".into())],
            "the releases use the Bids extension (bids, awards/relatedBid) but the package \
             does not declare it, so its fields would go unchecked"
                .into(),
        ));
    }
}

/// The ocid prefix and the release id rules for (path, release) pairs.
fn release_ids<'a>(
    releases: impl Iterator<Item = (Path, &'a Value)>,
    out: &mut Vec<(Path, String)>,
) {
    let mut seen: HashMap<(String, String), Path> = HashMap::new();
    for (path, release) in releases {
        let ocid = release.get("ocid").and_then(Value::as_str);
        if let Some(o) = ocid.filter(|o| !has_ocid_prefix(o)) {
            out.push((
                child(&path, Seg::Key("ocid".into())),
                format!(
                    "'{o}' does not start with an ocid prefix ('ocds-' + 6 lowercase letters \
                     or digits)"
                ),
            ));
        }
        let Some(id) = release.get("id").and_then(Value::as_str) else {
            continue;
        };
        let at = child(&path, Seg::Key("id".into()));
        if id.contains('#') {
            out.push((
                at.clone(),
                format!("release id '{id}' must not contain '#'"),
            ));
        }
        let key = (ocid.unwrap_or_default().to_owned(), id.to_owned());
        match seen.get(&key) {
            Some(first) => out.push((
                at,
                format!(
                    "release id '{id}' is used twice for ocid '{}' (first at {})",
                    key.0,
                    fmt_path(first)
                ),
            )),
            None => {
                seen.insert(key, at);
            }
        }
    }
}

/// `ocds-` and six lowercase ASCII letters or digits at the start.
pub fn has_ocid_prefix(ocid: &str) -> bool {
    ocid.strip_prefix("ocds-").is_some_and(|rest| {
        rest.len() >= 6
            && rest.as_bytes()[..6]
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// RFC 3339 date-time with a time zone (`Z` or `±hh:mm`), and a real calendar instant (no
/// 2024-02-30, no 25:00, no second 60).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() {
        return false;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        let part = &s[from..to];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let seps = b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't')
        && b[13] == b':'
        && b[16] == b':';
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
        num(0, 4),
        num(5, 7),
        num(8, 10),
        num(11, 13),
        num(14, 16),
        num(17, 19),
    ) else {
        return false;
    };
    if !seps || y == 0 || !(1..=12).contains(&mo) || h > 23 || mi > 59 || sec > 59 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d == 0 || d > days {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
            };
            matches!((two(*h1, *h2), two(*m1, *m2)), (Some(hh), Some(mm)) if hh <= 23 && mm <= 59)
        }
        _ => false,
    }
}

/// RFC 7386 JSON Merge Patch: `null` removes, objects merge, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let Value::Object(t) = target else {
        return;
    };
    for (key, value) in patch {
        if value.is_null() {
            t.remove(key);
        } else {
            merge_patch(t.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The `Code` column of a codelist CSV (RFC 4180: quoted fields may hold commas, quotes and
/// line breaks).
fn codes(csv: &str) -> HashSet<String> {
    let rows = csv_rows(csv);
    let Some((header, rows)) = rows.split_first() else {
        return HashSet::new();
    };
    let Some(col) = header.iter().position(|h| h == "Code") else {
        return HashSet::new();
    };
    rows.iter()
        .filter_map(|r| r.get(col))
        .filter(|c| !c.is_empty())
        .cloned()
        .collect()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}
