//! A real HTTP server on 127.0.0.1 that plays recorded Kubernetes API exchanges, for a
//! `kube::Client` pointed at it (no API server can run on the machines that build this).
//!
//! A recording is a JSON array of exchanges, each a request to expect and the response to
//! give. A request takes the first exchange not yet played that matches it (method, path,
//! the query parameters named, and the JSON pointers named in the body); a request that
//! matches none is answered 500 and counted as unexpected. A watch response streams its
//! events and, with `hold`, stays open, as an API server's watch does until its timeout.
//! Every request is kept, so that a test can compare them with the RBAC rules.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::channel::mpsc;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::Value;

/// One recorded exchange.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// What the client is expected to send.
    pub request: Expect,
    /// What the server answers.
    pub response: Reply,
}

/// A request to expect.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub method: String,
    pub path: String,
    /// Query parameters that must be present with these values.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// JSON pointers into the request body and the values they must hold.
    #[serde(default)]
    pub body: BTreeMap<String, Value>,
}

/// A response to give.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub status: u16,
    /// A JSON body.
    #[serde(default)]
    pub body: Option<Value>,
    /// Raw bytes (an artifact), base64.
    #[serde(default)]
    pub raw_base64: Option<String>,
    /// Watch events (`{"type": "ADDED", "object": {...}}`), one JSON line each.
    #[serde(default)]
    pub events: Vec<Value>,
    /// Keep the response open after the events (a watch that has not timed out).
    #[serde(default)]
    pub hold: bool,
    /// Answer only once the test opened this gate ([`ApiServer::open`]).
    #[serde(default)]
    pub gate: Option<String>,
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub body: Option<Value>,
    /// The exchange it played (its index in the recording), or `None`: unexpected.
    pub played: Option<usize>,
}

#[derive(Default)]
struct State {
    script: Vec<(Exchange, bool)>,
    seen: Vec<Seen>,
    /// Held watch streams: kept so that they stay open.
    held: Vec<mpsc::UnboundedSender<Result<Frame<Bytes>, Infallible>>>,
    gates: BTreeMap<String, tokio::sync::watch::Sender<bool>>,
}

impl State {
    fn gate(&mut self, name: &str) -> tokio::sync::watch::Sender<bool> {
        self.gates
            .entry(name.to_owned())
            .or_insert_with(|| tokio::sync::watch::Sender::new(false))
            .clone()
    }
}

/// The running server.
pub struct ApiServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl ApiServer {
    /// Serves `recording` (a JSON array of [`Exchange`]), with `{{name}}` in it replaced by
    /// `vars[name]` and `{{server}}` by the server's own URL.
    pub async fn start(recording: &str, vars: &BTreeMap<&str, String>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut text = recording.replace("{{server}}", &url);
        for (k, v) in vars {
            text = text.replace(&format!("{{{{{k}}}}}"), v);
        }
        let script: Vec<Exchange> = serde_json::from_str(&text).expect("a recording");
        let state = Arc::new(Mutex::new(State {
            script: script.into_iter().map(|e| (e, false)).collect(),
            ..State::default()
        }));
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(st.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, state }
    }

    /// A client for this server, with `namespace` as its default.
    pub fn client(&self, namespace: &str) -> kube::Client {
        let mut cfg = kube::Config::new(self.url.parse().unwrap());
        cfg.default_namespace = namespace.to_owned();
        kube::Client::try_from(cfg).unwrap()
    }

    /// Lets the responses waiting for `gate` go.
    pub fn open(&self, gate: &str) {
        self.state.lock().unwrap().gate(gate).send_replace(true);
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The exchanges not yet played (their requests).
    pub fn unplayed(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .script
            .iter()
            .filter(|(_, played)| !played)
            .map(|(e, _)| format!("{} {}", e.request.method, e.request.path))
            .collect()
    }

    /// Waits (up to 30 s) until every exchange was played; panics naming those left.
    pub async fn played_all(&self) {
        for _ in 0..300 {
            if self.unplayed().is_empty() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "exchanges not played: {:?}; requests: {:#?}",
            self.unplayed(),
            self.seen()
        );
    }

    /// Panics when a request matched no exchange.
    pub fn assert_no_unexpected(&self) {
        let bad: Vec<Seen> = self
            .seen()
            .into_iter()
            .filter(|s| s.played.is_none())
            .collect();
        assert!(bad.is_empty(), "unexpected requests: {bad:#?}");
    }
}

type Body = BoxBody<Bytes, Infallible>;

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query: BTreeMap<String, String> = req
        .uri()
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), percent_decode(v)))
                .collect()
        })
        .unwrap_or_default();
    let bytes = req.into_body().collect().await.unwrap().to_bytes();
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    let (_, reply, gate) = {
        let mut st = state.lock().unwrap();
        let found = st.script.iter().position(|(e, played)| {
            !played
                && e.request.method == method
                && e.request.path == path
                && e.request.query.iter().all(|(k, v)| query.get(k) == Some(v))
                && e.request.body.iter().all(|(ptr, want)| {
                    let got = body.as_ref().and_then(|b| b.pointer(ptr));
                    // null: absent or null.
                    got == Some(want) || (want.is_null() && got.is_none())
                })
        });
        st.seen.push(Seen {
            method,
            path,
            query,
            body,
            played: found,
        });
        let Some(i) = found else {
            return Ok(json(
                500,
                &serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "message": "no recorded exchange matches this request", "code": 500}),
            ));
        };
        st.script[i].1 = true;
        let reply = st.script[i].0.response.clone();
        let gate = reply.gate.as_deref().map(|g| st.gate(g).subscribe());
        (i, reply, gate)
    };
    if let Some(mut open) = gate {
        let _ = open.wait_for(|o| *o).await;
    }
    if !reply.events.is_empty() || reply.hold {
        let (tx, rx) = mpsc::unbounded();
        for e in &reply.events {
            let mut line = serde_json::to_vec(e).unwrap();
            line.push(b'\n');
            tx.unbounded_send(Ok(Frame::data(Bytes::from(line))))
                .unwrap();
        }
        if reply.hold {
            state.lock().unwrap().held.push(tx);
        }
        let mut resp = Response::new(StreamBody::new(rx).boxed());
        *resp.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap();
        resp.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        return Ok(resp);
    }
    if let Some(raw) = reply.raw_base64 {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(raw)
            .unwrap();
        let mut resp = Response::new(Full::new(Bytes::from(bytes)).boxed());
        *resp.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap();
        return Ok(resp);
    }
    Ok(json(reply.status, &reply.body.unwrap_or(Value::Null)))
}

fn json(status: u16, v: &Value) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::from(serde_json::to_vec(v).unwrap())).boxed());
    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    resp.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    resp
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(h, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What RBAC calls a request: `(apiGroup, resource[/subresource], verb)`.
pub fn rbac(seen: &Seen) -> Option<(String, String, String)> {
    let parts: Vec<&str> = seen.path.trim_start_matches('/').split('/').collect();
    // /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]]
    // /apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}[/{sub}]]
    let (group, rest) = match *parts.first()? {
        "api" => ("", &parts[2..]),
        "apis" => (parts[1], &parts[3..]),
        _ => return None, // an artifact download, not the API
    };
    let rest = if rest.first() == Some(&"namespaces") {
        &rest[2..]
    } else {
        rest
    };
    let resource = match rest {
        [r] | [r, _] => r.to_string(),
        [r, _, sub] => format!("{r}/{sub}"),
        _ => return None,
    };
    let verb = match (seen.method.as_str(), rest.len()) {
        ("GET", 1)
            if seen
                .query
                .get("watch")
                .is_some_and(|w| w == "true" || w == "1") =>
        {
            "watch"
        }
        ("GET", 1) => "list",
        ("GET", _) => "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", 1) => "deletecollection",
        ("DELETE", _) => "delete",
        _ => return None,
    };
    Some((group.to_owned(), resource, verb.to_owned()))
}
