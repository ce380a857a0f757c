//! `egov bus`: operator tools for the event bus: the dead letters of a consumer group.
//!
//! Configured like `egov serve`: Redis from `REDIS_URL` (or `--redis`), topic partitions from
//! `EGOV_PARTITIONS` (or `--partitions`, default 1), which must be the suite's: a dead letter
//! lives in its partition's stream. `--topic` names the service whose topic it is, `--group`
//! the reading service.
//!
//! Output: one line per dead letter, or with `--json` one JSON object per line; counts and
//! "nothing there" go to stderr.

use clap::{ArgGroup, Args, Subcommand};
use egov_bus::{Bus, BusMetrics, DeadLetter, Redriven, Topic};
use serde_json::{Map, Value, json};

use crate::common::{Failure, runtime};

/// `egov bus ...`
#[derive(Subcommand, Debug)]
pub enum BusCommand {
    /// Dead letters of a consumer group on a topic: list them, re-drive them.
    #[command(subcommand)]
    Dlq(DlqCommand),
}

/// `egov bus dlq ...`
#[derive(Subcommand, Debug)]
pub enum DlqCommand {
    /// Lists a group's dead letters, oldest first, one line each.
    ///
    /// A line: the id (`<partition>/<entry id>`), the event (type, id, case), its deliveries,
    /// where it came from (stream and entry), the consumer that gave up, the reason.
    List {
        #[command(flatten)]
        target: Target,
        /// At most this many.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
        #[command(flatten)]
        conn: Connection,
    },
    /// Puts dead letters back on their topic partition, for the group to handle again.
    ///
    /// Each goes back as a new entry with the same fields and leaves the dead letters in the
    /// same atomic step (running it twice publishes once). The group's handled mark of the
    /// event goes in that step too, so the group handles it again; other groups of the topic
    /// skip it by their own marks.
    #[command(group(ArgGroup::new("which").required(true).args(["id", "all"])))]
    Redrive {
        #[command(flatten)]
        target: Target,
        /// One dead letter: `<partition>/<entry id>` as listed, or the entry id alone when it
        /// is in one partition only.
        #[arg(long)]
        id: Option<String>,
        /// Every dead letter the group has now.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        conn: Connection,
    },
}

/// The topic and the group.
#[derive(Args, Debug)]
pub struct Target {
    /// The topic: the service that writes it (intake, expertise, tender, catalog,
    /// monitoring-bridge).
    #[arg(long)]
    topic: String,
    /// The consumer group: the service that reads the topic.
    #[arg(long)]
    group: String,
}

/// Where the bus is and how it is laid out.
#[derive(Args, Debug)]
pub struct Connection {
    /// The suite's Redis, e.g. redis://127.0.0.1:6390.
    #[arg(long = "redis", visible_alias = "redis-url", env = "REDIS_URL")]
    redis: Option<String>,
    /// Topic partitions: the suite's EGOV_PARTITIONS.
    #[arg(long, env = "EGOV_PARTITIONS", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..))]
    partitions: u16,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

/// Runs one `egov bus` command.
pub fn run(cmd: BusCommand) -> Result<(), Failure> {
    let BusCommand::Dlq(cmd) = cmd;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(runtime)?;
    match cmd {
        DlqCommand::List {
            target,
            limit,
            conn,
        } => {
            let (topic, group) = target.check(&conn)?;
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            rt.block_on(list(&conn, &topic, &group, limit))
        }
        DlqCommand::Redrive {
            target,
            id,
            all,
            conn,
        } => {
            let (topic, group) = target.check(&conn)?;
            let which = match (id, all) {
                (Some(id), false) => Some(parse_id(&id, conn.partitions)?),
                (None, true) => None,
                // clap's group makes them exclusive and one of them required.
                _ => return Err(Failure::Input("give --id or --all".into())),
            };
            rt.block_on(redrive(&conn, &topic, &group, which))
        }
    }
}

impl Target {
    fn check(&self, conn: &Connection) -> Result<(Topic, String), Failure> {
        for (flag, name) in [("--topic", &self.topic), ("--group", &self.group)] {
            if !egov::suite::SERVICES.contains(&name.as_str()) {
                return Err(Failure::Input(format!(
                    "{flag} {name:?} is not a service; one of {}",
                    egov::suite::SERVICES.join(", ")
                )));
            }
        }
        Ok((
            Topic::new(self.topic.as_str(), conn.partitions),
            self.group.clone(),
        ))
    }
}

/// `<partition>/<id>` or `<id>`: the partition (when given) and the stream entry id.
fn parse_id(s: &str, partitions: u16) -> Result<(Option<u16>, String), Failure> {
    let bad = || {
        Failure::Input(format!(
            "--id {s:?} is not a dead letter id like 0/1718000000000-0 or 1718000000000-0"
        ))
    };
    let (p, id) = match s.split_once('/') {
        Some((p, id)) => (Some(p.parse::<u16>().map_err(|_| bad())?), id),
        None => (None, s),
    };
    let (ms, seq) = id.split_once('-').ok_or_else(bad)?;
    let digits = |x: &str| !x.is_empty() && x.len() <= 20 && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(ms) || !digits(seq) {
        return Err(bad());
    }
    if let Some(p) = p
        && p >= partitions
    {
        return Err(Failure::Input(format!(
            "--id {s:?}: partition {p} does not exist with {partitions} partition(s) (EGOV_PARTITIONS or --partitions)"
        )));
    }
    Ok((p, id.to_owned()))
}

async fn connect(conn: &Connection) -> Result<Bus, Failure> {
    let url = conn.redis.as_deref().ok_or_else(|| {
        Failure::Input("no Redis: set REDIS_URL or give --redis redis://HOST:PORT".into())
    })?;
    let client = egov_bus::Redis::open(url)
        .map_err(|e| Failure::Input(format!("--redis / REDIS_URL {url:?}: {e}")))?;
    Bus::new(client, BusMetrics::unregistered())
        .await
        .map_err(|e| {
            Failure::Runtime(anyhow::Error::new(e).context(format!("connecting to {url}")))
        })
}

async fn list(conn: &Connection, topic: &Topic, group: &str, limit: usize) -> Result<(), Failure> {
    let bus = connect(conn).await?;
    let letters = bus
        .list_dead_letters(topic, group, limit)
        .await
        .map_err(runtime)?;
    let total = bus
        .count_dead_letters(topic, group)
        .await
        .map_err(runtime)?;
    for l in &letters {
        if conn.json {
            println!("{}", letter_json(topic, l));
        } else {
            println!("{}", letter_line(l));
        }
    }
    let of = format!("group {group} on topic {}", topic.service());
    if letters.is_empty() {
        eprintln!("no dead letters of {of}");
    } else if (letters.len() as u64) < total {
        eprintln!(
            "{} of {total} dead letters of {of} (oldest first; --limit shows more)",
            letters.len()
        );
    }
    Ok(())
}

async fn redrive(
    conn: &Connection,
    topic: &Topic,
    group: &str,
    which: Option<(Option<u16>, String)>,
) -> Result<(), Failure> {
    let bus = connect(conn).await?;
    let done = match which {
        None => bus.redrive_all(topic, group).await.map_err(runtime)?,
        Some((partition, id)) => {
            let gone = || {
                Failure::Rejected(format!(
                    "group {group} on topic {} has no dead letter {id} (re-driven already?)",
                    topic.service()
                ))
            };
            let candidates: Vec<u16> = match partition {
                Some(p) => vec![p],
                None => (0..topic.partitions()).collect(),
            };
            let mut found = Vec::new();
            for p in candidates {
                if bus
                    .dead_letter(topic, group, p, &id)
                    .await
                    .map_err(runtime)?
                    .is_some()
                {
                    found.push(p);
                }
            }
            let p = match found[..] {
                [] => return Err(gone()),
                [p] => p,
                _ => {
                    return Err(Failure::Input(format!(
                        "--id {id} is a dead letter in partitions {found:?}; name one as <partition>/{id}"
                    )));
                }
            };
            let r = bus
                .redrive(topic, group, p, &id)
                .await
                .map_err(runtime)?
                .ok_or_else(gone)?;
            vec![r]
        }
    };
    for r in &done {
        if conn.json {
            println!("{}", redriven_json(r));
        } else {
            println!("{}", redriven_line(r));
        }
    }
    eprintln!(
        "re-drove {} dead letter(s) of group {group} on topic {}",
        done.len(),
        topic.service()
    );
    Ok(())
}

/// `s` on one line: control characters become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn letter_line(l: &DeadLetter) -> String {
    let what = match (&l.envelope, &l.envelope_error) {
        (Some(env), _) => {
            let case = env
                .case
                .as_deref()
                .map(|c| format!(" case {c}"))
                .unwrap_or_default();
            format!("{} {}{case}", env.kind, env.id)
        }
        (None, e) => format!(
            "(not an envelope: {})",
            e.as_deref().unwrap_or("unreadable")
        ),
    };
    one_line(&format!(
        "{}  {what}  deliveries {}  from {} {}  consumer {}  reason: {}",
        l.qualified_id(),
        l.deliveries,
        l.stream,
        l.entry,
        l.consumer,
        l.reason
    ))
}

fn letter_json(topic: &Topic, l: &DeadLetter) -> Value {
    let mut fields = Map::new();
    let mut binary = Map::new();
    for (k, v) in &l.fields {
        match std::str::from_utf8(v) {
            Ok(text) if k != "data" => {
                fields.insert(k.clone(), Value::String(text.to_owned()));
            }
            _ => {
                binary.insert(k.clone(), Value::String(hex(v)));
            }
        }
    }
    json!({
        "id": l.qualified_id(),
        "partition": l.partition,
        "dead_letter": l.id,
        "topic": topic.service(),
        "group": l.group,
        "reason": l.reason,
        "deliveries": l.deliveries,
        "consumer": l.consumer,
        "stream": l.stream,
        "entry": l.entry,
        "envelope_error": l.envelope_error,
        "fields": fields,
        "binary_fields": binary,
    })
}

fn redriven_line(r: &Redriven) -> String {
    let event = r
        .event
        .as_deref()
        .map(|e| format!(" (event {e})"))
        .unwrap_or_default();
    one_line(&format!(
        "re-driven {}/{} -> {} {}{event}",
        r.partition, r.dead_letter, r.stream, r.entry
    ))
}

fn redriven_json(r: &Redriven) -> Value {
    json!({
        "id": format!("{}/{}", r.partition, r.dead_letter),
        "partition": r.partition,
        "dead_letter": r.dead_letter,
        "stream": r.stream,
        "entry": r.entry,
        "event": r.event,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_a_partition_or_not() {
        assert_eq!(
            parse_id("1/1718000000000-3", 2).ok(),
            Some((Some(1), "1718000000000-3".to_owned()))
        );
        assert_eq!(
            parse_id("1718000000000-0", 1).ok(),
            Some((None, "1718000000000-0".to_owned()))
        );
        for bad in [
            "",
            "abc",
            "1718000000000",
            "0/",
            "x/1-0",
            "1-0-0",
            "-1-0",
            "1-0 ",
        ] {
            assert!(parse_id(bad, 1).is_err(), "{bad:?}");
        }
        assert!(parse_id("2/1-0", 2).is_err(), "no partition 2 of 2");
    }

    #[test]
    fn lines_stay_one_line() {
        assert_eq!(one_line("a\nb\tc"), "a b c");
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
