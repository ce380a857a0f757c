//! Reading the log back: pages for the API, and the whole chain for `egov monitoring
//! verify-log` (MON-9.a).

use egov_bus::Conn;

use crate::domain::log::{self, Break, Entry, Head};
use crate::journal;

/// A page of the log from `start` (`-`, or `(<stream id>` for after it): (stream id, entry or
/// `None` when unreadable).
pub async fn page(
    conn: &mut Conn,
    start: &str,
    limit: usize,
) -> Result<Vec<(String, Option<Entry>)>, redis::RedisError> {
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(journal::log_key())
        .arg(start)
        .arg("+")
        .arg("COUNT")
        .arg(limit)
        .query_async(conn)
        .await?;
    Ok(reply
        .ids
        .into_iter()
        .map(|sid| {
            let entry = Entry::from_fields(|k| sid.get::<String>(k));
            (sid.id, entry)
        })
        .collect())
}

/// What a verification found.
#[derive(Debug)]
pub struct Verification {
    /// Entries read.
    pub entries: u64,
    /// The head kept beside the log.
    pub head: Head,
    /// The verified head, or where the chain breaks.
    pub outcome: Result<Head, Break>,
}

/// Entries read per request by [`verify`]: small enough that one reply stays well within the
/// connection's response timeout on a loaded machine.
const VERIFY_PAGE: usize = 2_000;

/// Reads the whole log and its head and checks the chain.
pub async fn verify(conn: &mut Conn) -> Result<Verification, redis::RedisError> {
    let kept: Option<String> = redis::cmd("GET")
        .arg(journal::head_key())
        .query_async(conn)
        .await?;
    let head = journal::head(conn).await?;
    let mut all = Vec::new();
    let mut start = "-".to_owned();
    loop {
        let p = page(conn, &start, VERIFY_PAGE).await?;
        let done = p.len() < VERIFY_PAGE;
        if let Some((id, _)) = p.last() {
            start = format!("({id}");
        }
        all.extend(p);
        if done {
            break;
        }
    }
    let outcome = if kept.is_none() && !all.is_empty() {
        Err(Break::HeadMissing)
    } else {
        log::verify(&all, &head)
    };
    Ok(Verification {
        entries: all.len() as u64,
        outcome,
        head,
    })
}
