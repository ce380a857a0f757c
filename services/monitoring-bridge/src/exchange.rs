//! The exchange at the edge: a message comes in (a caller's signed JSON document, or a peer's
//! signed protobuf message), its signature is verified before anything else (MON-11), the law's
//! rules on it are checked, and it is recorded once: its receipt in the log, its record, and,
//! when it goes on, the message the bridge signs for the next hop in that destination's queue,
//! all in one journal step.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use egov_auth::Principal;
use egov_bus::Conn;
use egov_events::monitoring::{Category, Certified, Message, MessageType, Queued, Signed};
use egov_kernel::{Bin, Clock, Role, time};
use egov_signature::{Refusal, Signer, Verified, Verifier};
use prost::Message as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use ulid::Ulid;

use crate::config::{Exchange, MONITORING_IS, provider_destination};
use crate::domain::log::{Direction, Entry, Fact};
use crate::domain::message::{Document, Operation, Refused, SignedJson};
use crate::journal::{self, Job, Journal, JournalError, Op};

/// The bridge's keys: what it signs with and what it trusts.
pub struct Keys {
    /// The bridge's own signer (MON-11.a).
    pub signer: Arc<dyn Signer>,
    /// The verifier of everything received, against the configured CA (MON-11.b).
    pub verifier: Verifier,
}

/// The exchange: configuration, keys, the journal and the queues' wake-ups.
pub struct Bridge {
    /// The exchange's configuration.
    pub exchange: Exchange,
    /// Every destination and its URL.
    pub routes: BTreeMap<String, String>,
    /// Keys; `None` only in the benchmark's unsigned baseline.
    pub keys: Option<Keys>,
    /// The one writer.
    pub journal: Journal,
    /// For reads.
    pub conn: Conn,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Wakes a destination's deliverer when its queue grows.
    pub wake: BTreeMap<String, Arc<Notify>>,
    /// The subject of the bridge's certificate (the signer of what it sends).
    pub subject: String,
    /// Metrics.
    pub metrics: crate::metrics::Metrics,
}

/// What a receipt says.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Receipt {
    /// The message id.
    pub id: String,
    /// Its entry in the log.
    pub log_seq: u64,
    /// SHA-256 of the bytes as signed.
    pub digest: String,
    /// When it was received, local time (MON-10).
    pub received_at: String,
    /// Who signed it.
    pub signer: String,
    /// Where it goes next.
    pub destination: Option<String>,
    /// `queued` when it goes on, `received` when it ends here.
    pub state: &'static str,
}

fn refused(
    status: u16,
    field: &str,
    rule: Option<&'static str>,
    detail: impl Into<String>,
) -> Refused {
    Refused {
        status,
        field: field.into(),
        rule,
        detail: detail.into(),
    }
}

/// A refused signature as a refusal of field `field`.
pub fn signature_refused(field: &str, r: &Refusal) -> Refused {
    Refused {
        status: 422,
        field: field.into(),
        rule: Some(r.rule()),
        detail: format!("{} ({})", r, r.code()),
    }
}

/// A check's reason as the journal carries it: `field|rule|detail`.
fn check(field: &str, rule: &str, detail: impl std::fmt::Display) -> String {
    format!("{field}|{rule}|{detail}")
}

fn journal_refused(e: JournalError) -> Refused {
    match e {
        JournalError::Check(why) => {
            let mut parts = why.splitn(3, '|');
            let (field, rule, detail) = (parts.next(), parts.next(), parts.next());
            let rule = match rule {
                Some("MON-7.5") => "MON-7.5",
                _ => "AMB-MON-4",
            };
            refused(
                409,
                field.unwrap_or("message.id"),
                Some(rule),
                detail.unwrap_or(&why),
            )
        }
        e => refused(503, "", None, e.to_string()),
    }
}

/// How old a signature on a document handed to the API may be: its author signs it to send
/// it. (Validity is judged at the signing time, so an unbounded age would let a key that has
/// expired sign on with a date in the past.)
const MAX_SIGNATURE_AGE: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// A ULID as given, only in its canonical form (26 characters of Crockford's base32, upper
/// case): a lower-case or overflowing spelling would name the same message under another key.
pub fn canonical_ulid(s: &str) -> Option<Ulid> {
    s.parse::<Ulid>().ok().filter(|u| u.to_string() == s)
}

/// The digest of bytes, hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Bridge {
    fn now_local(&self) -> String {
        time::format(self.clock.now())
    }

    /// Verifies `signature` over `content`; the bench's unsigned baseline has no keys and
    /// checks nothing.
    fn verify(&self, field: &str, signature: &[u8], content: &[u8]) -> Result<Verified, Refused> {
        match &self.keys {
            Some(k) => k
                .verifier
                // Signatures live in real time, whatever clock a development suite runs on.
                .verify_detached(signature, content, jiff::Timestamp::now())
                .map_err(|r| signature_refused(field, &r)),
            None => Ok(Verified {
                subject: String::new(),
                issuer: String::new(),
                serial: String::new(),
                certificate_sha256: String::new(),
                signed_at: self.clock.now(),
            }),
        }
    }

    /// Signs `message` for the next hop (MON-11.a): the bridge's own signature over its bytes.
    pub fn seal(&self, message: &Message) -> Result<(Vec<u8>, String), Refused> {
        let bytes = message.encode_to_vec();
        let digest = digest(&bytes);
        let signature = match &self.keys {
            Some(k) => {
                egov_signature::sign_detached(k.signer.as_ref(), &bytes, jiff::Timestamp::now())
                    .map_err(|e| {
                        refused(503, "", None, format!("the bridge could not sign: {e}"))
                    })?
            }
            None => Vec::new(),
        };
        let signed = Signed {
            message: bytes,
            signature,
        }
        .encode_to_vec();
        Ok((signed, digest))
    }

    fn queued(&self, message: &Message, signed: Vec<u8>, digest: String) -> Vec<u8> {
        Queued {
            id: message.id.clone(),
            r#type: message.r#type,
            category: message.category,
            enqueued_ms: self.clock.now().as_millisecond(),
            digest,
            signed,
            reason: String::new(),
        }
        .encode_to_vec()
    }

    /// A caller's signed document to `op` (the JSON API): verified, checked, recorded and
    /// queued, or refused with nothing changed.
    pub async fn accept_json(
        &self,
        op: Operation,
        caller: &Principal,
        body: SignedJson,
    ) -> Result<Receipt, Refused> {
        let signature = base64::engine::general_purpose::STANDARD
            .decode(body.signature.as_bytes())
            .map_err(|_| {
                refused(400, "signature", Some("MON-11.a"), "base64 of a detached CMS SignedData (RFC 5652) over the message in RFC 8785 canonical JSON")
            })?;
        let content = egov_signature::canonical_json(&body.message)
            .map_err(|e| refused(400, "message", None, e.to_string()))?;
        // MON-11: nothing is looked at before the signature holds.
        let signer = self.verify("signature", &signature, &content)?;
        if self.keys.is_some() && signer.signed_at < jiff::Timestamp::now() - MAX_SIGNATURE_AGE {
            return Err(refused(
                422,
                "signature",
                Some("MON-11.a"),
                format!(
                    "signed at {}, more than 24 hours before it was sent: sign the document to send it",
                    time::format(signer.signed_at)
                ),
            ));
        }
        if self.keys.is_some() && !names_org(&signer.subject, &caller.org) {
            return Err(refused(
                422,
                "signature",
                Some(if op == Operation::InformationRequest {
                    "MON-7.3"
                } else {
                    "MON-11.a"
                }),
                format!(
                    "the signer's certificate ({}) is not an employee's of the caller's organization (BIN {})",
                    signer.subject, caller.org
                ),
            ));
        }
        let doc = Document::parse(op, &body.message)?;
        for field in ["id", "correlation"] {
            if let Some(v) = body.message.get(field).and_then(Value::as_str)
                && canonical_ulid(v).is_none()
            {
                return Err(refused(
                    400,
                    &format!("message.{field}"),
                    None,
                    "a ULID in its canonical form (26 characters, upper case)",
                ));
            }
        }
        let provider_is = match doc.provider() {
            Some(bin) => {
                self.party_may_send(op, caller, bin)?;
                self.exchange.provider(bin).map(|p| p.is_url.is_some())
            }
            None => Some(false),
        };
        doc.check(provider_is, self.clock.now())?;
        let (kind, category) = doc.kind();
        let id = doc.id().to_string();
        let mut job = Job::default();
        let mut record = vec![
            ("type".to_owned(), kind.as_str_name().to_owned()),
            ("category".to_owned(), (category as i32).to_string()),
            ("from".to_owned(), format!("org:{}", caller.org)),
            ("owner".to_owned(), caller.org.to_string()),
            ("digest".to_owned(), digest(&content)),
            ("received_at".to_owned(), self.now_local()),
            ("signer".to_owned(), signer.subject.clone()),
        ];
        if let Some(bin) = doc.provider() {
            record.push(("provider".into(), bin.to_string()));
        }
        if let Some(corr) = doc.correlation() {
            // MON-7.5: a response answers a "request" this provider's IS received.
            let request = self
                .try_record(&corr.to_string())
                .await?
                .unwrap_or_default();
            let addressed = request.get("type").map(String::as_str) == Some("REQUEST")
                && request.get("destination") == Some(&provider_destination(&caller.org));
            if !addressed {
                return Err(refused(
                    404,
                    "message.correlation",
                    Some("MON-7.5"),
                    format!("no \"request\" {corr} to your information system"),
                ));
            }
            if request.get("answer").is_some_and(|a| !a.is_empty()) {
                return Err(refused(
                    409,
                    "message.correlation",
                    Some("MON-7.5"),
                    format!("the request {corr} was already answered"),
                ));
            }
            let key = journal::message_key(&corr.to_string());
            job.ops.push(Op::FieldIs(
                key.clone(),
                "answer".into(),
                String::new(),
                check(
                    "message.correlation",
                    "MON-7.5",
                    format!("the request {corr} was already answered"),
                ),
            ));
            job.ops.push(Op::Set(
                key,
                vec![
                    ("answer".into(), id.clone()),
                    ("state".into(), "answered".into()),
                ],
            ));
            record.push(("correlation".into(), corr.to_string()));
            record.push((
                "body".into(),
                String::from_utf8_lossy(&content).into_owned(),
            ));
        }
        // An application to a provider with an IS of its own goes to that IS (MON-5.3,
        // AMB-MON-7); everything else to the monitoring IS.
        let destination = match (op, doc.provider(), provider_is) {
            (Operation::Application, Some(bin), Some(true)) => provider_destination(bin),
            _ => MONITORING_IS.to_owned(),
        };
        let message = Message {
            id: id.clone(),
            r#type: kind as i32,
            category: category as i32,
            sender: self.exchange.name.clone(),
            recipient: destination.clone(),
            correlation: doc.correlation().map(|c| c.to_string()).unwrap_or_default(),
            created_at: self.now_local(),
            state_secret: false,
            certified: Some(Certified {
                format: "jcs".into(),
                content: content.clone(),
                signature: signature.clone(),
            }),
            // The document is `certified.content`; not carried twice.
            body: Vec::new(),
        };
        self.forward(&mut job, &message, &destination, &mut record)?;
        job.facts.push(Fact {
            id: id.clone(),
            direction: Direction::Received,
            peer: format!("org:{}", caller.org),
            kind: kind.as_str_name().into(),
            category: category as u8,
            digest: digest(&content),
            signer: signer.subject.clone(),
            outcome: "accepted".into(),
        });
        record.push(("state".into(), "queued".into()));
        let key = journal::message_key(&id);
        job.ops.insert(
            0,
            Op::Absent(
                key.clone(),
                check(
                    "message.id",
                    "AMB-MON-4",
                    format!(
                        "message {id} was already received: a replayed message changes nothing"
                    ),
                ),
            ),
        );
        job.ops.push(Op::Set(key, record));
        let entries = self.journal.run(job).await.map_err(journal_refused)?;
        self.metrics.received(kind.as_str_name(), "accepted");
        self.wake(&destination);
        Ok(receipt(&entries[0], Some(destination), signer.subject))
    }

    /// Whether `caller` may send `op` about `provider`'s service: a service provider about its
    /// own applications (MON-5.1, MON-7.1 as read by AMB-MON-3), the State Corporation about
    /// any (MON-8, MON-7.1, MON-7.2).
    fn party_may_send(
        &self,
        op: Operation,
        caller: &Principal,
        provider: &Bin,
    ) -> Result<(), Refused> {
        if caller.has(Role::StateCorporation) {
            return Ok(());
        }
        if caller.has(Role::ServiceProvider) && &caller.org == provider {
            return Ok(());
        }
        let rule = match op {
            Operation::StatusReport => "MON-5.1",
            Operation::InformationRequest => "MON-7.1",
            _ => "MON-7.2",
        };
        Err(refused(
            403,
            "message.provider",
            Some(rule),
            "a service provider sends about its own services only; the State Corporation about any provider's",
        ))
    }

    /// Adds `message`, signed by the bridge, to `destination`'s queue in `job`.
    fn forward(
        &self,
        job: &mut Job,
        message: &Message,
        destination: &str,
        record: &mut Vec<(String, String)>,
    ) -> Result<(), Refused> {
        if !self.routes.contains_key(destination) {
            return Err(refused(
                422,
                "message.recipient",
                Some("MON-9.b"),
                format!("unknown destination {destination:?}"),
            ));
        }
        let (signed, digest) = self.seal(message)?;
        job.ops.push(Op::Push(
            journal::queue_key(destination),
            self.queued(message, signed, digest),
        ));
        record.push(("destination".into(), destination.to_owned()));
        Ok(())
    }

    /// A peer's signed message (`from` is the peer's destination name): verified, checked and
    /// turned into the job that records it, or refused. `Ok(None)` when the message was
    /// received before with the same digest (a retry after a lost answer): nothing to do.
    pub async fn prepare_signed(
        &self,
        from: &str,
        signed: &Signed,
        field: &str,
    ) -> Result<Option<(Job, String)>, Refused> {
        if signed.signature.is_empty() && self.keys.is_some() {
            return Err(signature_refused(
                &format!("{field}.signature"),
                &Refusal::Unsigned,
            ));
        }
        let signer = self.verify(
            &format!("{field}.signature"),
            &signed.signature,
            &signed.message,
        )?;
        let message = Message::decode(signed.message.as_slice()).map_err(|e| {
            refused(
                400,
                &format!("{field}.message"),
                None,
                format!("not a Message: {e}"),
            )
        })?;
        let f = |name: &str| format!("{field}.message.{name}");
        let id = canonical_ulid(&message.id)
            .ok_or_else(|| refused(400, &f("id"), None, "a ULID in its canonical form"))?
            .to_string();
        if self.keys.is_some() {
            self.speaks_for(from, &signer.subject).map_err(|why| {
                refused(422, &format!("{field}.signature"), Some("MON-11.b"), why)
            })?;
        }
        let digest = digest(&signed.message);
        if let Some(seen) = self.try_record(&id).await? {
            return if seen.get("digest") == Some(&digest) {
                Ok(None)
            } else {
                Err(refused(
                    409,
                    &f("id"),
                    Some("AMB-MON-4"),
                    format!(
                        "message {id} was already received with other content: a replayed id changes nothing"
                    ),
                ))
            };
        }
        if message.state_secret {
            return Err(refused(
                422,
                &f("state_secret"),
                Some("MON-2"),
                "information that constitutes state secrets is not exchanged through the monitoring IS (p.2 of the Rules)",
            ));
        }
        let kind = MessageType::try_from(message.r#type)
            .ok()
            .filter(|k| *k != MessageType::Unspecified)
            .ok_or_else(|| refused(400, &f("type"), None, "an unknown message type"))?;
        let category = Category::try_from(message.category)
            .ok()
            .filter(|c| *c == category_of(kind))
            .ok_or_else(|| {
                refused(
                    400,
                    &f("category"),
                    Some("MON-5"),
                    format!(
                        "{} is category {}",
                        kind.as_str_name(),
                        category_of(kind) as i32
                    ),
                )
            })?;
        if !message.body.is_empty() {
            let v: Value = serde_json::from_slice(&message.body)
                .map_err(|_| refused(400, &f("body"), None, "a JSON document"))?;
            if !v.is_object() {
                return Err(refused(400, &f("body"), None, "a JSON object"));
            }
        }
        let mut job = Job::default();
        let mut record = vec![
            ("type".to_owned(), kind.as_str_name().to_owned()),
            ("category".to_owned(), (category as i32).to_string()),
            ("from".to_owned(), from.to_owned()),
            ("digest".to_owned(), digest.clone()),
            ("received_at".to_owned(), self.now_local()),
            ("signer".to_owned(), signer.subject.clone()),
            (
                "body".to_owned(),
                String::from_utf8_lossy(&message.body).into_owned(),
            ),
        ];
        // Who may send what, and where it goes.
        let mut state = "received";
        match (kind, from) {
            // MON-7.4: the monitoring IS's "request" to a provider's own IS.
            (MessageType::Request, MONITORING_IS) => {
                let bin: Option<Bin> = message
                    .recipient
                    .strip_prefix("provider:")
                    .and_then(|b| b.parse().ok());
                let dest = bin
                    .filter(|b| self.exchange.provider(b).is_some_and(|p| p.is_url.is_some()))
                    .map(|b| provider_destination(&b))
                    .ok_or_else(|| {
                        refused(
                            422,
                            &f("recipient"),
                            Some("MON-7.4"),
                            format!("unknown destination {:?}: \"request\" messages go to providers with an information system of their own, configured on the bridge", message.recipient),
                        )
                    })?;
                if let Some(b) = bin {
                    record.push(("provider".into(), b.to_string()));
                }
                let out = self.onward(&message, &signed.message, &signed.signature, &dest);
                self.forward(&mut job, &out, &dest, &mut record)?;
                state = "queued";
            }
            // MON-7.5 (a provider's IS answering in its acknowledgement), and the monitoring
            // IS's answers to requests for information and applications (MON-5.2, MON-5.3).
            (MessageType::Response, f2) if f2.starts_with("provider:") => {
                self.correlate(
                    from,
                    &mut job,
                    &mut record,
                    &message,
                    MessageType::Request,
                    &f("correlation"),
                )
                .await?;
                let out = self.onward(&message, &signed.message, &signed.signature, MONITORING_IS);
                self.forward(&mut job, &out, MONITORING_IS, &mut record)?;
                state = "queued";
            }
            (MessageType::Information, MONITORING_IS) => {
                self.correlate(
                    from,
                    &mut job,
                    &mut record,
                    &message,
                    MessageType::InformationRequest,
                    &f("correlation"),
                )
                .await?;
            }
            // MON-5.3: the result of an application, from the monitoring IS or from the
            // provider's own IS the application went to.
            (MessageType::Result, _) => {
                self.correlate(
                    from,
                    &mut job,
                    &mut record,
                    &message,
                    MessageType::Application,
                    &f("correlation"),
                )
                .await?;
            }
            _ => {
                return Err(refused(
                    422,
                    &f("type"),
                    Some("MON-5"),
                    format!(
                        "{from} does not send {} messages to the bridge",
                        kind.as_str_name()
                    ),
                ));
            }
        }
        job.facts.push(Fact {
            id: id.clone(),
            direction: Direction::Received,
            peer: from.to_owned(),
            kind: kind.as_str_name().into(),
            category: category as u8,
            digest,
            signer: signer.subject,
            outcome: "accepted".into(),
        });
        record.push(("state".into(), state.into()));
        let key = journal::message_key(&id);
        job.ops.insert(
            0,
            Op::Absent(
                key.clone(),
                check(
                    &f("id"),
                    "AMB-MON-4",
                    format!("message {id} was already received"),
                ),
            ),
        );
        job.ops.push(Op::Set(key, record));
        Ok(Some((job, kind.as_str_name().to_owned())))
    }

    /// The message the bridge sends on for `received` (signed by `signature` over `bytes`): the
    /// same id, type and correlation, the bridge as sender, and the original carried unchanged
    /// as `certified`.
    fn onward(
        &self,
        received: &Message,
        bytes: &[u8],
        signature: &[u8],
        destination: &str,
    ) -> Message {
        Message {
            id: received.id.clone(),
            r#type: received.r#type,
            category: received.category,
            sender: self.exchange.name.clone(),
            recipient: destination.to_owned(),
            correlation: received.correlation.clone(),
            created_at: self.now_local(),
            state_secret: false,
            certified: Some(Certified {
                format: "protobuf".into(),
                content: bytes.to_vec(),
                signature: signature.to_vec(),
            }),
            body: received.body.clone(),
        }
    }

    /// `message` answers the message of type `expected` its correlation names: that one is
    /// marked answered in `job`, once.
    async fn correlate(
        &self,
        from: &str,
        job: &mut Job,
        record: &mut Vec<(String, String)>,
        message: &Message,
        expected: MessageType,
        field: &str,
    ) -> Result<(), Refused> {
        let corr = message.correlation.as_str();
        let found = match canonical_ulid(corr) {
            Some(c) => self.try_record(&c.to_string()).await?,
            None => None,
        };
        // Only the party the question went to answers it.
        let get = |k: &str| found.as_ref().and_then(|r| r.get(k)).map(String::as_str);
        if get("destination") != Some(from) || get("type") != Some(expected.as_str_name()) {
            return Err(refused(
                422,
                field,
                Some("MON-7.5"),
                format!("no {} {corr:?} to answer", expected.as_str_name()),
            ));
        }
        if found
            .as_ref()
            .and_then(|r| r.get("answer"))
            .is_some_and(|a| !a.is_empty())
        {
            return Err(refused(
                409,
                field,
                Some("MON-7.5"),
                format!("{corr} was already answered"),
            ));
        }
        let key = journal::message_key(corr);
        job.ops.push(Op::FieldIs(
            key.clone(),
            "answer".into(),
            String::new(),
            check(field, "MON-7.5", format!("{corr} was already answered")),
        ));
        job.ops.push(Op::Set(
            key,
            vec![
                ("answer".into(), message.id.clone()),
                ("state".into(), "answered".into()),
            ],
        ));
        record.push(("correlation".into(), corr.to_owned()));
        Ok(())
    }

    /// Whether the certificate `subject` speaks for `from`: a provider's IS with a certificate
    /// of its organization (`OU=BIN<BIN>`), a named destination with the common name it is
    /// configured with (MON-11.b: the CA proves who holds a key; this, who may use it here).
    fn speaks_for(&self, from: &str, subject: &str) -> Result<(), String> {
        let ok = match from.strip_prefix("provider:") {
            Some(bin) => attribute(subject, "OU").any(|v| v == format!("BIN{bin}")),
            None => match self
                .exchange
                .destinations
                .get(from)
                .and_then(|d| d.signer.as_deref())
            {
                Some(cn) => attribute(subject, "CN").any(|v| v == cn),
                None => false,
            },
        };
        if ok {
            Ok(())
        } else {
            Err(format!("the signer ({subject}) does not speak for {from}"))
        }
    }

    /// A message's record, or 404.
    pub async fn record(&self, id: &str) -> Result<BTreeMap<String, String>, Refused> {
        self.try_record(id)
            .await?
            .ok_or_else(|| refused(404, "id", None, format!("no message {id}")))
    }

    async fn try_record(&self, id: &str) -> Result<Option<BTreeMap<String, String>>, Refused> {
        let mut conn = self.conn.clone();
        let r: BTreeMap<String, String> = redis::cmd("HGETALL")
            .arg(journal::message_key(id))
            .query_async(&mut conn)
            .await
            .map_err(|e| refused(503, "", None, e.to_string()))?;
        Ok((!r.is_empty()).then_some(r))
    }

    /// Wakes the deliverer of `destination`.
    pub fn wake(&self, destination: &str) {
        if let Some(n) = self.wake.get(destination) {
            n.notify_one();
        }
    }

    /// Whether the caller may read a message's record: its sender's organization, the
    /// provider it concerns, and the monitoring system, the operator and platform admins.
    pub fn may_read(caller: &Principal, record: &BTreeMap<String, String>) -> bool {
        let org = caller.org.to_string();
        caller.has(Role::MonitoringSystem)
            || caller.has(Role::Operator)
            || caller.has(Role::PlatformAdmin)
            || ((caller.has(Role::StateCorporation) || caller.has(Role::ServiceProvider))
                && record.get("owner") == Some(&org))
            || (caller.has(Role::ServiceProvider) && record.get("provider") == Some(&org))
    }
}

/// The category of a message type (MON-5).
pub fn category_of(kind: MessageType) -> Category {
    match kind {
        MessageType::StatusReport => Category::Status,
        MessageType::Application | MessageType::Result => Category::Application,
        _ => Category::Information,
    }
}

/// Whether a certificate subject names the organization: the national CA writes an
/// organization's BIN into its employees' certificates as `OU=BIN<12 digits>`.
fn names_org(subject: &str, org: &Bin) -> bool {
    attribute(subject, "OU").any(|v| v == format!("BIN{org}"))
}

/// The values of attribute `name` in an RFC 4514 subject (`CN=a,OU=BIN…`; escaped commas
/// stay in their value).
fn attribute<'a>(subject: &'a str, name: &'a str) -> impl Iterator<Item = String> + 'a {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in subject.chars() {
        match c {
            _ if escaped => {
                cur.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            ',' | '+' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts.into_iter().filter_map(move |p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

fn receipt(entry: &Entry, destination: Option<String>, signer: String) -> Receipt {
    Receipt {
        id: entry.fact.id.clone(),
        log_seq: entry.seq,
        digest: entry.fact.digest.clone(),
        received_at: entry.at.clone(),
        signer,
        state: if destination.is_some() {
            "queued"
        } else {
            "received"
        },
        destination,
    }
}

/// A record as the API shows it.
pub fn record_view(id: &str, r: &BTreeMap<String, String>) -> Value {
    let get = |k: &str| r.get(k).cloned();
    let body = get("body")
        .filter(|b| !b.is_empty())
        .and_then(|b| serde_json::from_str::<Value>(&b).ok());
    json!({
        "id": id,
        "type": get("type"),
        "category": get("category").and_then(|c| c.parse::<u8>().ok()),
        "from": get("from"),
        "destination": get("destination"),
        "state": get("state"),
        "received_at": get("received_at"),
        "delivered_at": get("delivered_at"),
        "signer": get("signer"),
        "digest": get("digest"),
        "correlation": get("correlation"),
        "answer": get("answer"),
        "refused": get("reason"),
        "body": body,
    })
}
