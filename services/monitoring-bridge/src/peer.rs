//! A small peer for tests and demos (`egov monitoring peer --listen ADDR`): it plays the
//! monitoring IS (or a provider's IS) at the other end of the bridge's queues, as its own
//! process.
//!
//! It takes a `Batch` of signed messages at `POST /messages`, verifies each signature against
//! its CA bundle (MON-11), logs each receipt in its own hash-chained log file (MON-9.a, the
//! same chain as the bridge's: `egov monitoring verify-log --file`), recognises a message it
//! already holds by its id (a retry after a lost answer: acknowledged again, not logged
//! twice), and answers requests for information, applications and "request" messages with
//! signed answers (INFORMATION, RESULT, RESPONSE) in its `Ack`. Its log and the ids it holds
//! are on disk (written and synced before it answers), so a peer killed and started again
//! still recognises what it received.
//!
//! It can be told to refuse messages (`PUT /mode` `{"mode": "refuse"}`), to answer 503 as an
//! unavailable system would (`"unavailable"`), or to go away (`POST /exit`). `GET /received`
//! lists what it received, in order.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use bytes::Bytes;
use egov_events::monitoring::{Ack, Batch, Category, Message, MessageType, Signed};
use egov_signature::{KeySigner, Signer, Trust, Verifier};
use prost::Message as _;
use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use warp::Filter;
use warp::http::StatusCode;

use crate::domain::log::{Direction, Entry, Fact, Head};
use crate::exchange::digest;

/// How the peer answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Takes every message whose signature holds.
    Accept,
    /// Refuses every message (its `Ack` names the first and why).
    Refuse,
    /// Answers 503, as a system that is down.
    Unavailable,
}

/// The peer's settings.
#[derive(Clone, Debug)]
pub struct PeerConfig {
    /// Where it listens.
    pub listen: SocketAddr,
    /// Its log and state.
    pub dir: PathBuf,
    /// Its name as a sender (`monitoring-is`, or `provider:<BIN>`).
    pub name: String,
    /// Its signing key (PKCS#8 PEM) and certificate chain (PEM, leaf first).
    pub key: PathBuf,
    /// Its certificate chain.
    pub chain: PathBuf,
    /// The CA certificates it trusts.
    pub trust: PathBuf,
    /// How it starts.
    pub mode: Mode,
    /// Whether it verifies and signs (always, but in the benchmark's unsigned baseline).
    pub signatures: bool,
}

struct State {
    mode: Mode,
    head: Head,
    /// Ids received: their digest and the signed replies given.
    seen: HashMap<String, (String, Vec<Signed>)>,
    /// Received ids in order, with their type.
    order: Vec<(String, String)>,
    log: std::fs::File,
    replies: std::fs::File,
}

struct Peer {
    name: String,
    signatures: bool,
    signer: KeySigner,
    subject: String,
    verifier: Verifier,
    state: Mutex<State>,
}

/// Starts the peer; it stops when `shutdown` is cancelled.
pub async fn start(
    cfg: PeerConfig,
    shutdown: CancellationToken,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), String> {
    let signer = KeySigner::from_files(&cfg.key, &cfg.chain).map_err(|e| e.to_string())?;
    let trust = Trust::from_file(&cfg.trust).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&cfg.dir).map_err(|e| format!("{}: {e}", cfg.dir.display()))?;
    let state = load(&cfg.dir, cfg.mode).map_err(|e| format!("{}: {e}", cfg.dir.display()))?;
    let peer = Arc::new(Peer {
        name: cfg.name.clone(),
        signatures: cfg.signatures,
        subject: signer.certificate().tbs_certificate.subject.to_string(),
        signer,
        verifier: Verifier::new(trust),
        state: Mutex::new(state),
    });
    let p = peer.clone();
    let messages = warp::path!("messages")
        .and(warp::post())
        .and(warp::body::content_length_limit(64 * 1024 * 1024))
        .and(warp::body::bytes())
        .then(move |body: Bytes| {
            let p = p.clone();
            async move {
                match tokio::task::spawn_blocking(move || p.take(&body)).await {
                    Ok(Ok(ack)) => warp::http::Response::builder()
                        .status(StatusCode::OK)
                        .header("content-type", "application/x-protobuf")
                        .body(ack.encode_to_vec())
                        .expect("a response"),
                    Ok(Err((status, why))) => warp::http::Response::builder()
                        .status(status)
                        .header("content-type", "text/plain")
                        .body(why.into_bytes())
                        .expect("a response"),
                    Err(e) => warp::http::Response::builder()
                        .status(StatusCode::INTERNAL_SERVER_ERROR)
                        .body(e.to_string().into_bytes())
                        .expect("a response"),
                }
            }
        });
    let p = peer.clone();
    let received = warp::path!("received")
        .and(warp::get())
        .and(warp::query::<HashMap<String, String>>())
        .map(move |q: HashMap<String, String>| {
            let after: usize = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
            let limit: usize = q
                .get("limit")
                .and_then(|a| a.parse().ok())
                .unwrap_or(100_000);
            let st = p.state.lock().expect("peer state");
            let items: Vec<_> = st
                .order
                .iter()
                .enumerate()
                .skip(after)
                .take(limit)
                .map(|(i, (id, t))| json!({"n": i + 1, "id": id, "type": t}))
                .collect();
            warp::reply::json(&json!({"total": st.order.len(), "items": items}))
        });
    let p = peer.clone();
    let mode = warp::path!("mode")
        .and(warp::put())
        .and(warp::body::content_length_limit(1024))
        .and(warp::body::bytes())
        .map(move |body: Bytes| {
            match serde_json::from_slice::<HashMap<String, Mode>>(&body)
                .ok()
                .and_then(|m| m.get("mode").copied())
            {
                Some(mode) => {
                    p.state.lock().expect("peer state").mode = mode;
                    warp::reply::with_status("ok", StatusCode::OK)
                }
                None => warp::reply::with_status(
                    "{\"mode\": \"accept\" | \"refuse\" | \"unavailable\"}",
                    StatusCode::BAD_REQUEST,
                ),
            }
        });
    let exit = warp::path!("exit").and(warp::post()).map(|| {
        tokio::spawn(async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            std::process::exit(0);
        });
        "going away"
    });
    let health = warp::path!("healthz").map(|| "ok");
    let routes = messages.or(received).or(mode).or(exit).or(health);
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("{}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let server = egov_web::serve(
        listener,
        "monitoring-peer",
        egov_web::HttpMetrics::unregistered(),
        egov_web::Routes::new()
            .route("/messages", &["POST"])
            .route("/received", &["GET"])
            .route("/mode", &["PUT"])
            .route("/exit", &["POST"])
            .route("/healthz", &["GET"]),
        routes,
        shutdown,
    );
    Ok((addr, tokio::spawn(server)))
}

fn load(dir: &Path, mode: Mode) -> std::io::Result<State> {
    let open = |name: &str| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(dir.join(name))
    };
    let mut log = open("log.jsonl")?;
    let mut replies = open("replies.jsonl")?;
    // A line cut short by a crash would run into the next one: end it.
    for (f, name) in [(&mut log, "log.jsonl"), (&mut replies, "replies.jsonl")] {
        let text = std::fs::read(dir.join(name))?;
        if text.last().is_some_and(|b| *b != b'\n') {
            f.write_all(b"\n")?;
        }
    }
    let mut st = State {
        mode,
        head: Head::default(),
        seen: HashMap::new(),
        order: Vec::new(),
        log,
        replies,
    };
    for line in std::io::BufReader::new(std::fs::File::open(dir.join("log.jsonl"))?).lines() {
        let line = line?;
        let Ok(e) = serde_json::from_str::<Entry>(&line) else {
            continue;
        };
        st.head = Head {
            seq: e.seq,
            hash: e.hash.clone(),
        };
        if e.fact.direction == Direction::Received {
            st.seen
                .insert(e.fact.id.clone(), (e.fact.digest.clone(), Vec::new()));
            st.order.push((e.fact.id, e.fact.kind));
        }
    }
    for line in std::io::BufReader::new(std::fs::File::open(dir.join("replies.jsonl"))?).lines() {
        let line = line?;
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let (Some(id), Some(b)) = (v["for"].as_str(), v["signed"].as_str()) else {
            continue;
        };
        if let (Some(seen), Ok(bytes)) = (
            st.seen.get_mut(id),
            base64::engine::general_purpose::STANDARD.decode(b),
        ) && let Ok(s) = Signed::decode(bytes.as_slice())
        {
            seen.1.push(s);
        }
    }
    Ok(st)
}

impl Peer {
    /// Takes a batch: verified outside the lock (in parallel), then recorded in order.
    fn take(&self, body: &[u8]) -> Result<Ack, (StatusCode, String)> {
        if self.state.lock().expect("peer state").mode == Mode::Unavailable {
            return Err((StatusCode::SERVICE_UNAVAILABLE, "unavailable".into()));
        }
        let batch = Batch::decode(body)
            .map_err(|e| (StatusCode::BAD_REQUEST, format!("not a Batch: {e}")))?;
        let now = jiff::Timestamp::now();
        let checked: Vec<Result<(Message, String, String), String>> =
            parallel(&batch.messages, |s| {
                let subject = if self.signatures {
                    self.verifier
                        .verify_detached(&s.signature, &s.message, now)
                        .map_err(|r| format!("{r} ({})", r.code()))?
                        .subject
                } else {
                    String::new()
                };
                let m = Message::decode(s.message.as_slice())
                    .map_err(|e| format!("not a Message: {e}"))?;
                Ok((m, digest(&s.message), subject))
            });
        let mut st = self.state.lock().expect("peer state");
        let mut ack = Ack::default();
        let mut lines = Vec::new();
        let mut reply_lines = Vec::new();
        // What this batch adds, applied to the state only once it is on disk.
        let mut head = st.head.clone();
        let mut added: HashMap<String, (String, Vec<Signed>)> = HashMap::new();
        let mut order = Vec::new();
        for (c, s) in checked.into_iter().zip(&batch.messages) {
            let (m, digest, signer) = match c {
                Ok(x) => x,
                Err(why) => {
                    ack.refused = Message::decode(s.message.as_slice())
                        .map(|m| m.id)
                        .unwrap_or_default();
                    ack.reason = why;
                    break;
                }
            };
            if st.mode == Mode::Refuse {
                ack.refused = m.id.clone();
                ack.reason = "refused by the destination's operator".into();
                break;
            }
            if let Some((d, replies)) = st.seen.get(&m.id).or_else(|| added.get(&m.id)) {
                if *d != digest {
                    ack.refused = m.id.clone();
                    ack.reason = format!("message {} was received before with other content", m.id);
                    break;
                }
                ack.duplicates.push(m.id.clone());
                ack.replies.extend(replies.iter().cloned());
                ack.accepted += 1;
                continue;
            }
            let kind = MessageType::try_from(m.r#type).unwrap_or(MessageType::Unspecified);
            let entry = head.chain(
                Fact {
                    id: m.id.clone(),
                    direction: Direction::Received,
                    peer: m.sender.clone(),
                    kind: kind.as_str_name().into(),
                    category: m.category as u8,
                    digest: digest.clone(),
                    signer,
                    outcome: "accepted".into(),
                },
                egov_kernel::time::format(now),
            );
            lines.push(serde_json::to_string(&entry).expect("an entry"));
            let mut replies = Vec::new();
            if let Some(reply) = self.answer(&m, now) {
                let signed = self.sign(&reply, now);
                let e = head.chain(
                    Fact {
                        id: reply.id.clone(),
                        direction: Direction::Sent,
                        peer: m.sender.clone(),
                        kind: MessageType::try_from(reply.r#type)
                            .map_or("UNKNOWN", |t| t.as_str_name())
                            .into(),
                        category: reply.category as u8,
                        digest: crate::exchange::digest(&signed.message),
                        signer: self.subject.clone(),
                        outcome: "delivered".into(),
                    },
                    egov_kernel::time::format(now),
                );
                lines.push(serde_json::to_string(&e).expect("an entry"));
                reply_lines.push(
                    json!({"for": m.id, "signed": base64::engine::general_purpose::STANDARD.encode(signed.encode_to_vec())})
                        .to_string(),
                );
                replies.push(signed);
            }
            ack.replies.extend(replies.iter().cloned());
            added.insert(m.id.clone(), (digest, replies));
            order.push((m.id, kind.as_str_name().to_owned()));
            ack.accepted += 1;
        }
        // Durable before the answer: the log, the replies.
        let write = |f: &mut std::fs::File, lines: &[String]| -> std::io::Result<()> {
            if lines.is_empty() {
                return Ok(());
            }
            let mut buf = lines.join("\n");
            buf.push('\n');
            f.write_all(buf.as_bytes())?;
            f.sync_data()
        };
        let State { log, replies, .. } = &mut *st;
        write(replies, &reply_lines)
            .and_then(|_| write(log, &lines))
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        st.head = head;
        st.seen.extend(added);
        st.order.extend(order);
        Ok(ack)
    }

    /// The answer to a message, when it asks for one.
    fn answer(&self, m: &Message, now: jiff::Timestamp) -> Option<Message> {
        // The document: the body, or what its author certified (a JSON document is carried
        // once, as `certified.content`).
        let doc = match &m.certified {
            Some(c) if m.body.is_empty() && c.format == "jcs" => c.content.as_slice(),
            _ => m.body.as_slice(),
        };
        let body: serde_json::Value = serde_json::from_slice(doc).unwrap_or_default();
        let (kind, category, answer) = match MessageType::try_from(m.r#type).ok()? {
            MessageType::InformationRequest => (
                MessageType::Information,
                Category::Information,
                json!({"recipient": body["recipient"], "documents": body["documents"].as_array().map(|d| d.iter().map(|n| json!({"document": n, "found": true})).collect::<Vec<_>>()), "source": "state databases"}),
            ),
            MessageType::Application => (
                MessageType::Result,
                Category::Application,
                json!({"application": body["application"], "outcome": "issued"}),
            ),
            MessageType::Request => (
                MessageType::Response,
                Category::Information,
                json!({"result": "processed"}),
            ),
            _ => return None,
        };
        Some(Message {
            id: ulid::Ulid::new().to_string(),
            r#type: kind as i32,
            category: category as i32,
            sender: self.name.clone(),
            recipient: m.sender.clone(),
            correlation: m.id.clone(),
            created_at: egov_kernel::time::format(now),
            state_secret: false,
            certified: None,
            body: serde_json::to_vec(&answer).expect("JSON"),
        })
    }

    fn sign(&self, m: &Message, now: jiff::Timestamp) -> Signed {
        let bytes = m.encode_to_vec();
        let signature = if self.signatures {
            egov_signature::sign_detached(&self.signer, &bytes, now).expect("the peer signs")
        } else {
            Vec::new()
        };
        Signed {
            message: bytes,
            signature,
        }
    }
}

/// `f` over `items` on every core, results in order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if items.len() < 16 || n == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a verifier thread"))
            .collect()
    })
}

/// Reads a peer's log file and checks its chain (the head is its last entry: a file has no
/// head kept beside it, so removing its newest entries shows only against a head seen before).
pub fn verify_file(path: &Path) -> std::io::Result<(u64, Result<Head, crate::domain::log::Break>)> {
    let mut entries = Vec::new();
    for (i, line) in std::io::BufReader::new(std::fs::File::open(path)?)
        .lines()
        .enumerate()
    {
        let line = line?;
        entries.push((
            format!("line {}", i + 1),
            serde_json::from_str::<Entry>(&line).ok(),
        ));
    }
    let head = entries
        .iter()
        .rev()
        .find_map(|(_, e)| e.as_ref())
        .map(|e| Head {
            seq: e.seq,
            hash: e.hash.clone(),
        })
        .unwrap_or_default();
    Ok((
        entries.len() as u64,
        crate::domain::log::verify(&entries, &head),
    ))
}
