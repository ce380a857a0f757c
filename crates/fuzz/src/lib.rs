//! Fuzz targets: every parser and decoder that takes bytes from outside the process. Each
//! target takes arbitrary bytes, must never panic, and checks what it can of the parse beyond
//! that (a value that parses prints back to itself; a term ends on or after its start).
//!
//! libFuzzer runs them under `make fuzz` (the cargo-fuzz project in `fuzz/`, nightly, coverage
//! guided); `make test` runs each on its seeds (`corpus/<target>/`), the crashes found so far
//! (`regressions/<target>/`) and a few thousand mutations of them ([`smoke`]), on stable.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use egov_kernel::{Bin, Calendar, CaseId, EventId, Line, TaskId, TaskKey, Term, Text, Unit};
use prost::Message as _;

/// A target: a name (its corpus directory) and the function libFuzzer calls.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: &[Target] = &[
    ("bin", bin),
    ("ids", ids),
    ("dates", dates),
    ("terms", terms),
    ("calendar", calendar),
    ("envelope", envelope),
    ("events", events),
    ("monitoring", monitoring),
    ("cms", cms),
    ("certificates", certificates),
    ("token", token),
    ("form", form),
    ("manifest", manifest),
];

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A BIN (the control digit of the BIN rules): one that parses prints back as it was read.
pub fn bin(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(b) = Bin::parse(s) {
        assert_eq!(b.to_string(), s, "a parsed BIN prints back as it was read");
        assert_eq!(s.parse::<Bin>().ok(), Some(b));
    }
}

/// Case, task, event ids and task keys, and the one-line and multi-line texts: whatever parses
/// prints to a text that parses to the same value; a one-line text holds no control character.
pub fn ids(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(id) = s.parse::<CaseId>() {
        assert_eq!(id.to_string().parse::<CaseId>().ok(), Some(id));
    }
    if let Ok(id) = s.parse::<EventId>() {
        assert_eq!(id.to_string().parse::<EventId>().ok(), Some(id));
    }
    if let Ok(k) = s.parse::<TaskKey>() {
        assert_eq!(k.to_string().parse::<TaskKey>().ok(), Some(k.clone()));
    }
    if let Ok(t) = s.parse::<TaskId>() {
        assert_eq!(t.to_string().parse::<TaskId>().ok(), Some(t.clone()));
    }
    if let Ok(l) = Line::parse(s) {
        assert!(!l.as_str().chars().any(char::is_control), "{l:?}");
    }
    let _ = Text::parse(s);
}

/// Instants (RFC 3339 with an offset) and local dates: an instant that parses formats in
/// Kazakhstan's local time (to the millisecond) and parses back to the same instant.
pub fn dates(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(ts) = egov_kernel::time::parse(s) {
        let local = egov_kernel::time::format(ts);
        let ms = ts.round(jiff::Unit::Millisecond).unwrap_or(ts);
        assert_eq!(egov_kernel::time::parse(&local).ok(), Some(ms), "{local}");
        let _ = egov_kernel::time::local_date(ts);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        let _ = calendar_builtin().day(d);
        // Its precondition: a day with a tomorrow (a date from outside is checked against its
        // form's plausible range before a term is counted from it).
        if (1..=9998).contains(&d.year()) {
            let _ = egov_kernel::time::end_of_day(d);
        }
    }
}

fn calendar_builtin() -> &'static Calendar {
    static C: OnceLock<Calendar> = OnceLock::new();
    C.get_or_init(Calendar::builtin)
}

/// Terms from their JSON (`{"count": n, "unit": "working-days"}`) and from bytes (a day, a
/// count, a unit): a term ends on or after the day it is counted from, and a term of working
/// days on a working day, whatever the day and the count.
pub fn terms(data: &[u8]) {
    if let Ok(t) = serde_json::from_slice::<Term>(data) {
        assert!((1..=Term::MAX).contains(&t.count()), "{t}");
    }
    if let Some(s) = text(data) {
        let _ = s.parse::<Unit>();
    }
    let [a, b, c, d, e, ..] = *data else { return };
    let from = jiff::civil::date(1990, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(u16::from_le_bytes([a, b]) % 40_000)))
        .expect("within jiff's range");
    let count = i64::from(u16::from_le_bytes([c, d]));
    let unit = [Unit::WorkingDays, Unit::CalendarDays, Unit::Months][usize::from(e % 3)];
    let Ok(term) = Term::new(count, unit) else {
        assert!(!(1..=i64::from(Term::MAX)).contains(&count));
        return;
    };
    let cal = calendar_builtin();
    if let Ok(due) = cal.due(from, term) {
        assert!(
            due.last_day >= from,
            "{term} from {from} ends {}",
            due.last_day
        );
        if unit == Unit::WorkingDays {
            assert!(due.last_day > from, "{term} from {from}");
        }
        if let Ok((working, _)) = cal.is_working_day(due.last_day) {
            assert!(
                working,
                "{term} from {from} ends on a day off {}",
                due.last_day
            );
        }
    }
}

/// The calendar data file (TOML, the shape of `data/kz-calendar.toml`): text that merges
/// answers for every day of its years; text that does not changes nothing.
pub fn calendar(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let mut cal = Calendar::statutory();
    let before: Vec<i16> = cal.published_years().collect();
    match cal.merge_toml(s) {
        Ok(()) => {
            let years: Vec<i16> = cal.published_years().collect();
            for y in years {
                let first = jiff::civil::date(y, 1, 1);
                let _ = cal.day(first);
                let _ = cal.add_working_days(first, 30);
                let _ = cal.working_days_between(first, jiff::civil::date(y, 12, 31));
            }
        }
        Err(_) => assert_eq!(cal.published_years().collect::<Vec<_>>(), before),
    }
}

/// A stream entry's fields, as Redis hands them to a consumer (`name \xff value \xfe ...`): an
/// envelope that reads back writes the same fields and reads back equal; its payload decodes
/// as any event type without panicking.
pub fn envelope(data: &[u8]) {
    let mut map = HashMap::new();
    for pair in data.split(|b| *b == 0xfe) {
        let mut parts = pair.splitn(2, |b| *b == 0xff);
        let (Some(name), value) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(name) = String::from_utf8(name.to_vec()) else {
            continue;
        };
        let value = match value {
            Some(v) => redis::Value::BulkString(v.to_vec()),
            None => redis::Value::Nil,
        };
        map.insert(name, value);
    }
    let Ok(env) = egov_bus::Envelope::from_fields(&map) else {
        return;
    };
    let again: HashMap<String, redis::Value> = env
        .fields()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), redis::Value::BulkString(v)))
        .collect();
    let reread =
        egov_bus::Envelope::from_fields(&again).expect("an envelope's own fields read back");
    assert_eq!(reread.fields(), env.fields());
    use egov_events::v1 as e;
    let _ = env.decode::<e::CaseSubmitted>();
    let _ = env.decode::<e::StepCompleted>();
    let _ = env.decode::<e::Deadline>();
    let _ = env.decode::<e::TenderRecorded>();
}

/// Decodes `data` as `M`; what decodes encodes to bytes that decode to the same message.
fn roundtrip<M: prost::Message + Default + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(m) = M::decode(data) {
        let again = M::decode(m.encode_to_vec().as_slice()).expect("an encoded message decodes");
        assert_eq!(again, m);
    }
}

/// Every event type of the bus (protobuf, `proto/egov/events/v1`).
pub fn events(data: &[u8]) {
    use egov_events::v1::*;
    macro_rules! all {
        ($($t:ty),+) => { $( roundtrip::<$t>(data); )+ };
    }
    all!(
        EntryRecorded,
        IctServiceCatalogued,
        SimilarSoftwareAsked,
        SimilarSoftware,
        SimilarSoftwareAnswered,
        IctServiceMilestoneAlert,
        Deadline,
        DeadlineApproaching,
        DeadlineMissed,
        StepOpened,
        StepCompleted,
        CaseAdvanced,
        Change,
        Party,
        TaskClosed,
        TaskExtended,
        TimerSet,
        TimerFired,
        TimerCancelled,
        SlotOpened,
        SlotInputReceived,
        SlotInputWithdrawn,
        SlotClosed,
        SlotUnsealed,
        StatusSet,
        EntryPut,
        CaseStartRequested,
        PartyNotified,
        DocumentRef,
        CaseSubmitted,
        IctServiceForCatalog,
        TenderRecorded
    );
}

/// The trust anchor of the signed seeds (`data/ca.pem`) and the instant they are checked at.
fn verifier() -> &'static egov_signature::Verifier {
    static V: OnceLock<egov_signature::Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let trust = egov_signature::Trust::from_pem(include_str!("../data/ca.pem"))
            .expect("data/ca.pem holds the seeds' CA");
        egov_signature::Verifier::new(trust)
    })
}

/// When the signed seeds are checked: within their certificates' validity.
pub const SIGNED_AT: &str = "2026-06-01T06:00:00Z";

fn signed_at() -> jiff::Timestamp {
    SIGNED_AT.parse().expect("a timestamp")
}

/// The monitoring exchange's wire (protobuf `Batch` of `Signed` messages, MON-9, MON-11): each
/// signed message's signature is verified over its bytes, and its `Message` decoded.
pub fn monitoring(data: &[u8]) {
    use egov_events::monitoring::*;
    roundtrip::<Ack>(data);
    roundtrip::<Queued>(data);
    roundtrip::<Certified>(data);
    let Ok(batch) = Batch::decode(data) else {
        return;
    };
    for s in &batch.messages {
        let _ = verifier().verify_detached(&s.signature, &s.message, signed_at());
        roundtrip::<Message>(&s.message);
    }
}

/// A detached CMS SignedData (MON-11): the first byte says which content it signs (the seeds
/// sign `b"egov"`), the rest is the DER.
pub fn cms(data: &[u8]) {
    let Some((first, der)) = data.split_first() else {
        return;
    };
    let content: &[u8] = if first % 2 == 0 { b"egov" } else { b"" };
    if let Ok(v) = verifier().verify_detached(der, content, signed_at()) {
        // Only the seeds' own signer can be verified: anything else is refused.
        assert_eq!(content, b"egov", "{v:?}");
    }
}

/// Certificates as a trust bundle takes them: PEM text, and DER wrapped in PEM.
pub fn certificates(data: &[u8]) {
    if let Some(s) = text(data) {
        let _ = egov_signature::Trust::from_pem(s);
    }
    use base64::Engine as _;
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    let _ = egov_signature::Trust::from_pem(&pem);
}

/// A bearer token, as every API takes it: verified against the development JWKS.
pub fn token(data: &[u8]) {
    static V: OnceLock<(tokio::runtime::Runtime, Arc<egov_auth::Verifier>)> = OnceLock::new();
    let (rt, v) = V.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("egov-fuzz-token-{}", std::process::id()));
        let keys = egov_auth::dev::DevKeys::load_or_create(&dir).expect("development keys");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let cfg = egov_auth::VerifierConfig::new(
            egov_auth::JwksSource::File(keys.jwks_path()),
            "egov-dev",
            "egov",
        );
        let v = rt
            .block_on(egov_auth::Verifier::new(cfg))
            .expect("a verifier");
        (rt, v)
    });
    let Some(s) = text(data) else { return };
    // Nothing minted without the key verifies.
    assert!(rt.block_on(v.verify(s)).is_err(), "{s}");
}

/// Submissions against every form of the variants `make plugins` built (JSON Schema 2020-12 with
/// `x-rule`): the first byte picks the form, the rest is the submission. Every violation names
/// a field and a rule.
pub fn form(data: &[u8]) {
    static FORMS: OnceLock<Vec<Arc<egov_procedure::Schema>>> = OnceLock::new();
    let forms = FORMS.get_or_init(|| {
        let engine = egov_procedure::Engine::new(
            egov_procedure::EngineConfig::default(),
            Arc::new(Calendar::builtin()),
            Arc::new(egov_kernel::FixedClock::at("2026-03-19T10:00:00+05:00")),
        )
        .expect("a plugin engine");
        let dir = egov_testkit::plugins_dir().join("variants");
        let registry = egov_procedure::Registry::new(engine, vec![dir]);
        registry.reload();
        let mut forms = Vec::new();
        for d in registry.all() {
            for i in &d.intakes {
                if let egov_procedure::IntakeForm::Schema(s) = &i.form {
                    forms.push(s.clone());
                }
            }
        }
        assert!(!forms.is_empty(), "the variants have forms");
        forms
    });
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    let schema = &forms[usize::from(*first) % forms.len()];
    let _ = schema.check_lines(&v);
    for (violation, _) in schema.check_shape(&v, "submission") {
        assert!(
            !violation.field.is_empty() && !violation.rule.is_empty(),
            "{violation:?}"
        );
    }
}

/// A plugin manifest (`<name>.toml`): one that parses names a file beside it, a digest, limits
/// within bounds and a period that does not end before it starts.
pub fn manifest(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok((artifact, pin)) = egov_procedure::parse_manifest(s) {
        assert!(
            !artifact.contains('/') && !artifact.is_empty(),
            "{artifact}"
        );
        assert!(pin.limits.memory > 0 && !pin.limits.timeout.is_zero());
        if let Some((from, Some(to))) = pin.period {
            assert!(to >= from);
        }
    }
}

/// The smoke `make test` runs: `target` on each seed, then `n` mutations of the seeds
/// (deterministic from `seed`). Returns how many inputs ran.
pub fn smoke(target: &dyn Fn(&[u8]), seeds: &[Vec<u8>], n: usize, seed: u64) -> usize {
    for s in seeds {
        target(s);
    }
    let mut rng = seed | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let empty = [Vec::new()];
    let seeds = if seeds.is_empty() { &empty[..] } else { seeds };
    const INTERESTING: &[u8] = b"\x00\xff\x7f\x80\"{}[]:,\\\n\r\t0123456789-+.eE/\xfe\xd0";
    for _ in 0..n {
        let mut input = seeds[next() as usize % seeds.len()].clone();
        for _ in 0..=(next() % 4) {
            let len = input.len();
            let at = if len == 0 { 0 } else { next() as usize % len };
            match next() % 7 {
                0 if len > 0 => input[at] ^= 1 << (next() % 8),
                1 if len > 0 => input[at] = INTERESTING[next() as usize % INTERESTING.len()],
                2 => input.insert(at, next() as u8),
                3 if len > 0 => {
                    let end = (at + 1 + next() as usize % 8).min(len);
                    input.drain(at..end);
                }
                4 if len > 0 => {
                    let end = (at + 1 + next() as usize % 16).min(len);
                    let piece = input[at..end].to_vec();
                    let to = next() as usize % (input.len() + 1);
                    input.splice(to..to, piece);
                }
                5 => {
                    let other = &seeds[next() as usize % seeds.len()];
                    let from = if other.is_empty() {
                        0
                    } else {
                        next() as usize % other.len()
                    };
                    input.truncate(at);
                    input.extend_from_slice(&other[from..]);
                }
                _ => input.truncate(at),
            }
        }
        target(&input);
    }
    seeds.len() + n
}
