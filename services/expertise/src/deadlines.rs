//! The deadline scheduler (deadlines are data: ARCHITECTURE.md, expertise): one active instance,
//! by a lease (a Redis key, or a Kubernetes Lease in a cluster: `egov_runtime::lease`), publishes `DeadlineApproaching` one working day before a term ends and
//! `DeadlineMissed` after it ended. No deadline is a sleeping task in memory: the due instants
//! are sorted-set indexes written with the task, and each announcement removes its index
//! entry in the same atomic step, so it happens once.
//!
//! A tick handles at most [`SCAN_LIMIT`] due entries per sorted set (`ZRANGE … BYSCORE LIMIT`,
//! never the whole due range), lowest score first; the rest wait for the next tick. Announced
//! entries leave their set, so the next tick continues where this one stopped. An entry left
//! in place (its case changed between the read and the write) is stepped over for the rest of
//! the pass, so such entries never take a tick's whole budget; when a pass reaches the end of
//! what is due, the next tick starts again from the lowest score.
//!
//! An entry that stands for nothing (its case does not exist, the case has no such open task
//! with a term, or no such timer) is removed, conditionally on the case being still as it was
//! read (`Store::unscore_if`): no append would ever remove it, and left in place, a backlog of
//! such entries would be read again on every pass, at a growing offset, ahead of every real
//! deadline due after them. It counts as handled, so a full page of them is followed by the
//! next at once.

use std::sync::Arc;
use std::time::Duration;

use egov_bus::Conn;

use egov_bus::Envelope;
use egov_events::v1::{Deadline, DeadlineApproaching, DeadlineMissed};
use egov_store::{Append, IndexOp, StoreError};
use futures::{StreamExt, TryStreamExt};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use egov_cases::{self as domain, APPROACHING, MISSED};
use egov_engine::TaskStatus;
use egov_kernel::TaskId;
use egov_runtime::lease::{Held, LeaseName};

pub(crate) fn spawn(ctx: Arc<Ctx>, tick: Duration, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let name = LeaseName {
            redis_key: format!(
                "egov:{}:lease:deadlines",
                ctx.platform.topic(crate::NAME).tag(0)
            ),
            purpose: "expertise-deadlines",
        };
        let owner = format!("{}:{}", ctx.platform.replica, ulid::Ulid::new());
        let ttl = (tick * 3).max(Duration::from_secs(1));
        let (mut held, keeper) =
            egov_runtime::lease::keep(&ctx.platform.leases, name, owner, ttl, shutdown.clone());
        let mut scan = Scan::new(SCAN_LIMIT);
        let mut moved = ctx.platform.clock_moved.subscribe();
        let mut sampled: Option<tokio::time::Instant> = None;
        loop {
            // Every replica samples, the lease holder or not: a holder that stopped announcing
            // shows as overdue deadlines on the others' /metrics too.
            if sampled.is_none_or(|at| at.elapsed() >= SAMPLE_EVERY) {
                sampled = Some(tokio::time::Instant::now());
                if let Err(e) = sample(&ctx).await {
                    tracing::debug!(error = %e, "sampling the deadline sets failed");
                }
            }
            let mut wait = tick;
            if held.now() {
                match scan.tick(&ctx, &held).await {
                    // A full page: more is due now (a thousand windows closing at one
                    // midnight); the next page goes at once.
                    Ok(n) if n >= SCAN_LIMIT => wait = Duration::ZERO,
                    // Otherwise wake at the next due instant when it comes before the tick:
                    // a window closing at 24:00 is acted on at 24:00, not up to a tick later.
                    Ok(_) => match scan.next_due(&ctx).await {
                        Ok(Some(at)) => {
                            let now = ctx.platform.clock.now();
                            let until = at.duration_since(now).max(jiff::SignedDuration::ZERO);
                            wait = wait.min(Duration::try_from(until).unwrap_or(tick));
                        }
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "deadline scan failed"),
                    },
                    Err(e) => tracing::warn!(error = %e, "deadline scan failed"),
                }
            }
            if wait.is_zero() && !shutdown.is_cancelled() {
                continue;
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(wait) => {}
                // The development clock jumped (`PUT /api/v1/dev/clock`): what fell due is
                // acted on now.
                _ = moved.changed() => {}
                // Taken (or renewed): what is due now is acted on now, not a tick later.
                _ = held.changed() => {}
            }
        }
        // The keeper gives the lease up on shutdown.
        keeper.finish().await;
    })
}

#[derive(Clone, Copy)]
enum Kind {
    Approaching,
    Missed,
    /// A variant's timer: its firing is an input to the case (`timer-fired`).
    Timer,
}

impl Kind {
    /// The `kind` label of the deadline metrics (`egov_runtime::DEADLINE_KINDS`).
    fn label(self) -> &'static str {
        match self {
            Kind::Approaching => "approaching",
            Kind::Missed => "missed",
            Kind::Timer => "timer",
        }
    }
}

/// How often the sets' sizes are sampled into the metrics (at most; every tick when ticks are
/// further apart).
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// Samples each set's size and how much of it is due (`egov_deadlines_open`,
/// `egov_deadlines_overdue`): `ZCARD` and `ZCOUNT -inf now` per set, in one pipeline per
/// partition (the partition's keys share its hash tag).
async fn sample(ctx: &Ctx) -> Result<(), redis::RedisError> {
    let now = ctx.platform.clock.now().as_second();
    let mut conn = ctx.platform.bus.connection();
    let sets = [
        (APPROACHING, Kind::Approaching),
        (MISSED, Kind::Missed),
        (egov_engine::apply::index::TIMERS, Kind::Timer),
    ];
    let mut open = [0i64; 3];
    let mut overdue = [0i64; 3];
    for p in 0..ctx.platform.topic(crate::NAME).partitions() {
        let mut pipe = redis::pipe();
        for (index, _) in sets {
            let key = ctx.store.index_key(p, index);
            pipe.cmd("ZCARD").arg(&key);
            pipe.cmd("ZCOUNT").arg(&key).arg("-inf").arg(now);
        }
        let counts: Vec<i64> = pipe.query_async(&mut conn).await?;
        for (i, pair) in counts.chunks(2).enumerate().take(sets.len()) {
            open[i] += pair[0];
            overdue[i] += pair.get(1).copied().unwrap_or(0);
        }
    }
    let m = &ctx.platform.deadlines;
    for (i, (_, kind)) in sets.iter().enumerate() {
        m.open.with_label_values(&[kind.label()]).set(open[i]);
        m.overdue.with_label_values(&[kind.label()]).set(overdue[i]);
    }
    Ok(())
}

/// The most due entries one tick handles per sorted set.
pub(crate) const SCAN_LIMIT: usize = 500;

/// What became of one due entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Announced or fired now: the case's append removed the entry.
    Done,
    /// Announced or fired before (a redelivered input): the entry has left its set.
    Before,
    /// It stood for nothing and was removed.
    Dropped,
    /// Left in place (the case changed meanwhile, the lease may have passed, …).
    Stayed,
}

/// Removes `member` of `index` (read in partition `p`) when it cannot be a task or timer of
/// any case, or when case `case` at `version` (0: no such case) has nothing it stands for; it
/// stays if the case was written since it was read, and when the case lives in another
/// partition (no append of it ever wrote there: left alone).
async fn drop_entry(
    ctx: &Ctx,
    p: u16,
    index: &str,
    member: &str,
    case: Option<(&egov_kernel::CaseId, u64)>,
) -> Result<Outcome, StoreError> {
    let removed = match case {
        Some((id, version)) => {
            let id = id.to_string();
            if ctx.store.topic().partition_of(&id) != p {
                return Ok(Outcome::Stayed);
            }
            ctx.store
                .unscore_if(domain::CASE, &id, version, index, member)
                .await?
        }
        None => {
            ctx.store.unscore(index, member).await?;
            true
        }
    };
    Ok(if removed {
        Outcome::Dropped
    } else {
        Outcome::Stayed
    })
}

/// How many due entries of one set are handled at once.
const IN_FLIGHT: usize = 32;

/// The scheduler's position in both sorted sets, kept from tick to tick.
pub(crate) struct Scan {
    limit: usize,
    approaching: SetScan,
    missed: SetScan,
    timers: SetScan,
}

impl Scan {
    /// A scan handling at most `limit` due entries per set and tick.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            approaching: SetScan::default(),
            missed: SetScan::default(),
            timers: SetScan::default(),
        }
    }

    /// Announces the terms (at most `limit` per set) that reached their approach or their
    /// end, and fires the timers that came due (each one input to its case); returns how many.
    /// Nothing is announced once `held` says the lease may have passed to another replica.
    pub(crate) async fn tick(&mut self, ctx: &Ctx, held: &Held) -> Result<usize, StoreError> {
        let now = ctx.platform.clock.now();
        let max = now.as_second() as f64;
        let mut conn = ctx.platform.bus.connection();
        let partitions = ctx.platform.topic(crate::NAME).partitions();
        let mut n = 0;
        for (index, kind, set) in [
            (APPROACHING, Kind::Approaching, &mut self.approaching),
            (MISSED, Kind::Missed, &mut self.missed),
            (
                egov_engine::apply::index::TIMERS,
                Kind::Timer,
                &mut self.timers,
            ),
        ] {
            let keys: Vec<String> = (0..partitions)
                .map(|p| ctx.store.index_key(p, index))
                .collect();
            let page = set.next(&mut conn, &keys, max, self.limit).await?;
            // Due entries are handled [`IN_FLIGHT`] at a time, in the page's order (each is its
            // own case's append): `make bench` times a thousand windows closing at one midnight.
            let done: Vec<Outcome> = futures::stream::iter(page.members.clone())
                .map(|(p, id, due)| async move {
                    if !held.now() {
                        // Left due: the replica that holds the lease now announces it.
                        return Ok(Outcome::Stayed);
                    }
                    let done = match kind {
                        Kind::Timer => fire(ctx, p, &id, now).await,
                        _ => announce(ctx, p, &id, kind, now).await,
                    };
                    if let Ok(Outcome::Done) = done {
                        // The score is the due instant (whole seconds since the epoch).
                        let late = (now.as_millisecond() as f64 / 1e3 - due).max(0.0);
                        ctx.platform
                            .deadlines
                            .lateness
                            .with_label_values(&[kind.label()])
                            .observe(late);
                    }
                    done
                })
                .buffered(IN_FLIGHT)
                .try_collect()
                .await?;
            let dropped = done.iter().filter(|d| **d == Outcome::Dropped).count();
            if dropped > 0 {
                tracing::warn!(
                    index,
                    dropped,
                    "removed due entries that stood for nothing (no such case, open task or timer)"
                );
            }
            n += done.iter().filter(|d| **d != Outcome::Stayed).count();
            let stayed: Vec<bool> = done.iter().map(|d| *d == Outcome::Stayed).collect();
            set.advance(&page, &stayed);
        }
        Ok(n)
    }

    /// The earliest instant after now at which an entry of any set falls due (one
    /// `ZRANGE … LIMIT 0 1` per set and partition).
    pub(crate) async fn next_due(&self, ctx: &Ctx) -> Result<Option<jiff::Timestamp>, StoreError> {
        let now = ctx.platform.clock.now().as_second();
        let mut conn = ctx.platform.bus.connection();
        let mut next: Option<i64> = None;
        for index in [APPROACHING, MISSED, egov_engine::apply::index::TIMERS] {
            for p in 0..ctx.platform.topic(crate::NAME).partitions() {
                let first: Vec<(String, f64)> = redis::cmd("ZRANGE")
                    .arg(ctx.store.index_key(p, index))
                    .arg(format!("({now}"))
                    .arg("+inf")
                    .arg("BYSCORE")
                    .arg("LIMIT")
                    .arg(0)
                    .arg(1)
                    .arg("WITHSCORES")
                    .query_async(&mut conn)
                    .await?;
                if let Some((_, score)) = first.first() {
                    let s = score.ceil() as i64;
                    next = Some(next.map_or(s, |n| n.min(s)));
                }
            }
        }
        Ok(next.and_then(|s| jiff::Timestamp::from_second(s).ok()))
    }
}

/// The scan of one sorted set (one key per partition): how many due entries at the head of
/// each partition's key were left in place during the current pass, and are read past.
#[derive(Default)]
struct SetScan {
    skip: Vec<usize>,
}

/// The due entries one tick handles, lowest score first.
struct Page {
    /// `(partition, member, score)`: the score is the instant it falls due, in seconds.
    members: Vec<(u16, String, f64)>,
    /// Per partition: the page holds everything due there after the skipped entries.
    exhausted: Vec<bool>,
}

impl SetScan {
    /// The next at most `limit` members scored `<= max` across `keys`, lowest score first
    /// (equal scores by member, as Redis orders them). One `ZRANGE … LIMIT` per key.
    async fn next(
        &mut self,
        conn: &mut Conn,
        keys: &[String],
        max: f64,
        limit: usize,
    ) -> Result<Page, redis::RedisError> {
        self.skip.resize(keys.len(), 0);
        let mut all: Vec<(f64, String, u16)> = Vec::new();
        let mut read = vec![0; keys.len()];
        for (p, key) in keys.iter().enumerate() {
            let m: Vec<(String, f64)> = redis::cmd("ZRANGE")
                .arg(key)
                .arg("-inf")
                .arg(max)
                .arg("BYSCORE")
                .arg("LIMIT")
                .arg(self.skip[p])
                .arg(limit)
                .arg("WITHSCORES")
                .query_async(conn)
                .await?;
            read[p] = m.len();
            all.extend(
                m.into_iter()
                    .map(|(member, score)| (score, member, p as u16)),
            );
        }
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(limit);
        let mut taken = vec![0; keys.len()];
        for (_, _, p) in &all {
            taken[usize::from(*p)] += 1;
        }
        let exhausted = (0..keys.len())
            .map(|p| read[p] < limit && taken[p] == read[p])
            .collect();
        Ok(Page {
            members: all.into_iter().map(|(s, m, p)| (p, m, s)).collect(),
            exhausted,
        })
    }

    /// Records the page's outcome: `stayed[i]` when member `i` is still in its set.
    fn advance(&mut self, page: &Page, stayed: &[bool]) {
        for ((p, _, _), stayed) in page.members.iter().zip(stayed) {
            if *stayed {
                self.skip[usize::from(*p)] += 1;
            }
        }
        for (p, exhausted) in page.exhausted.iter().enumerate() {
            if *exhausted {
                self.skip[p] = 0;
            }
        }
    }
}

/// Fires the timer `member` (`<case>:<timer>`) if it is still set and due: one `timer-fired`
/// input to its case, whose append removes the timer and its index entry at once (so it fires
/// once, even if the scheduler dies right after).
async fn fire(
    ctx: &Ctx,
    p: u16,
    member: &str,
    now: jiff::Timestamp,
) -> Result<Outcome, StoreError> {
    const TIMERS: &str = egov_engine::apply::index::TIMERS;
    let parsed = member.split_once(':').and_then(|(case_id, name)| {
        Some((
            case_id.parse::<egov_kernel::CaseId>().ok()?,
            egov_kernel::Name::parse(name).ok()?,
        ))
    });
    let Some((case_id, name)) = parsed else {
        return drop_entry(ctx, p, TIMERS, member, None).await;
    };
    let Some((case, version)) = domain::load(&ctx.store, case_id).await? else {
        return drop_entry(ctx, p, TIMERS, member, Some((&case_id, 0))).await;
    };
    let Some(timer) = case.timers.get(&name) else {
        return drop_entry(ctx, p, TIMERS, member, Some((&case_id, version))).await;
    };
    if egov_kernel::time::parse(&timer.fires_at).is_ok_and(|t| t > now) {
        return Ok(Outcome::Stayed);
    }
    let input = egov_engine::Input::TimerFired {
        timer: name.clone(),
        at: timer.fires_at.clone(),
    };
    let actor = domain::Actor {
        sub: "scheduler".into(),
        note: String::new(),
    };
    match domain::advance(ctx, case, version, input, &actor, None).await {
        Ok(domain::Advanced::Committed(..)) => {
            ctx.platform
                .deadlines
                .announced
                .with_label_values(&["timer", name.as_str()])
                .inc();
            Ok(Outcome::Done)
        }
        Ok(domain::Advanced::AlreadyApplied) => Ok(Outcome::Before),
        Ok(domain::Advanced::Refused(v)) => {
            tracing::error!(case = %case_id, timer = %name, violations = ?v, "the variant refused its own timer");
            Ok(Outcome::Stayed)
        }
        Err(domain::AdvanceError::Store(StoreError::Conflict { .. })) => Ok(Outcome::Stayed),
        Err(domain::AdvanceError::Store(e)) => Err(e),
        Err(e) => {
            tracing::warn!(case = %case_id, timer = %name, error = %e, "a timer could not fire yet");
            Ok(Outcome::Stayed)
        }
    }
}

async fn announce(
    ctx: &Ctx,
    p: u16,
    id: &str,
    kind: Kind,
    now: jiff::Timestamp,
) -> Result<Outcome, StoreError> {
    let index = match kind {
        Kind::Approaching => APPROACHING,
        Kind::Missed => MISSED,
        Kind::Timer => return Ok(Outcome::Stayed),
    };
    let Ok(task_id) = id.parse::<TaskId>() else {
        return drop_entry(ctx, p, index, id, None).await;
    };
    let case_id = task_id.case();
    let Some((mut case, version)) = domain::load(&ctx.store, case_id).await? else {
        return drop_entry(ctx, p, index, id, Some((&case_id, 0))).await;
    };
    let Some(task) = case.tasks.get_mut(task_id.key()) else {
        return drop_entry(ctx, p, index, id, Some((&case_id, version))).await;
    };
    let (Some(due), TaskStatus::Open) = (task.due.clone(), task.status) else {
        return drop_entry(ctx, p, index, id, Some((&case_id, version))).await;
    };
    let deadline = Deadline {
        case_id: case.id.to_string(),
        step: task_id.step().to_string(),
        rule: task.rule.clone(),
        last_day: due.last_day.to_string(),
        ends_at: due.ends_at.clone(),
        provisional: due.provisional,
        role: task.party.role.to_string(),
    };
    let rule = task.rule.clone();
    let (env, label) = match kind {
        Kind::Approaching => {
            task.approaching_notified = true;
            let msg = DeadlineApproaching {
                deadline: Some(deadline),
            };
            (Envelope::new(crate::NAME, &msg, now), "approaching")
        }
        Kind::Missed => {
            task.missed_notified = true;
            let msg = DeadlineMissed {
                deadline: Some(deadline),
            };
            (Envelope::new(crate::NAME, &msg, now), "missed")
        }
        Kind::Timer => return Ok(Outcome::Stayed),
    };
    let env = env.with_case(case.id.to_string());
    let case_id = case.id.to_string();
    let r = ctx
        .store
        .append(Append {
            kind: domain::CASE,
            id: &case_id,
            expected_version: version,
            state: &case,
            event: &env,
            index: vec![IndexOp::Unscore {
                index: index.into(),
                member: id.to_owned(),
            }],
            applied: None,
            unique: None,
        })
        .await;
    match r {
        Ok(_) => {
            ctx.platform
                .deadlines
                .announced
                .with_label_values(&[label, &rule])
                .inc();
            Ok(Outcome::Done)
        }
        // Completed or announced meanwhile: the next scan sees the new state.
        Err(StoreError::Conflict { .. }) => Ok(Outcome::Stayed),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs ticks of `limit` over `keys` until one handles nothing, removing every member
    /// except `stuck` ones; returns the members each tick handled.
    async fn ticks(
        conn: &mut Conn,
        keys: &[String],
        max: f64,
        limit: usize,
        stuck: impl Fn(&str) -> bool,
    ) -> Vec<Vec<String>> {
        let mut scan = SetScan::default();
        let mut out = Vec::new();
        loop {
            let page = scan.next(conn, keys, max, limit).await.unwrap();
            let mut stayed = Vec::new();
            for (p, m, _) in &page.members {
                let s = stuck(m);
                if !s {
                    let _: i64 = redis::cmd("ZREM")
                        .arg(&keys[usize::from(*p)])
                        .arg(m)
                        .query_async(conn)
                        .await
                        .unwrap();
                }
                stayed.push(s);
            }
            scan.advance(&page, &stayed);
            let handled: Vec<String> = page
                .members
                .iter()
                .zip(&stayed)
                .filter(|(_, s)| !**s)
                .map(|((_, m, _), _)| m.clone())
                .collect();
            if handled.is_empty() && out.len() > 1 {
                return out;
            }
            out.push(handled);
            assert!(out.len() < 100, "the scan does not end");
        }
    }

    #[tokio::test]
    async fn a_tick_handles_at_most_the_limit_per_set_and_the_next_continues() {
        let r = egov_testkit::redis().await;
        let mut conn = egov_bus::connect(&r.client()).await.unwrap();
        let keys = vec![
            "egov:{expertise.0}:idx:due:missed".to_owned(),
            "egov:{expertise.1}:idx:due:missed".to_owned(),
        ];
        // 1,200 due entries over two partitions, many with the same score (terms that end on
        // the same day end at the same instant), and 50 not due yet.
        for i in 0..1250u32 {
            let score = if i < 1200 { 1000 + i / 100 } else { 5000 };
            let _: i64 = redis::cmd("ZADD")
                .arg(&keys[(i % 2) as usize])
                .arg(score)
                .arg(format!("t{i:05}"))
                .query_async(&mut conn)
                .await
                .unwrap();
        }
        let ticks = ticks(&mut conn, &keys, 4000.0, 500, |_| false).await;
        let sizes: Vec<usize> = ticks.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![500, 500, 200]);
        let all: Vec<String> = ticks.concat();
        let want: Vec<String> = (0..1200).map(|i| format!("t{i:05}")).collect();
        assert_eq!(all, want, "each due entry once, lowest score first");
        let left: usize = redis::cmd("ZCARD")
            .arg(&keys[0])
            .query_async::<usize>(&mut conn)
            .await
            .unwrap()
            + redis::cmd("ZCARD")
                .arg(&keys[1])
                .query_async::<usize>(&mut conn)
                .await
                .unwrap();
        assert_eq!(left, 50, "what is not due stays");
    }

    #[tokio::test]
    async fn entries_left_in_place_do_not_hold_back_the_ones_behind_them() {
        let r = egov_testkit::redis().await;
        let mut conn = egov_bus::connect(&r.client()).await.unwrap();
        let keys = vec!["egov:{expertise.0}:idx:due:approaching".to_owned()];
        // The 30 lowest are stuck (their tasks changed and their entries stay for now).
        for i in 0..100u32 {
            let _: i64 = redis::cmd("ZADD")
                .arg(&keys[0])
                .arg(i)
                .arg(format!("t{i:03}"))
                .query_async(&mut conn)
                .await
                .unwrap();
        }
        let stuck = |m: &str| m < "t030";
        let ticks = ticks(&mut conn, &keys, 1000.0, 20, stuck).await;
        let handled: Vec<String> = ticks.concat();
        let want: Vec<String> = (30..100).map(|i| format!("t{i:03}")).collect();
        assert_eq!(handled, want);
        // Tick 1 met only stuck entries, tick 2 ten of them and then ten to announce.
        assert_eq!(ticks[0].len(), 0);
        assert_eq!(ticks[1].len(), 10);
        assert!(ticks.iter().all(|t| t.len() <= 20));
        let left: usize = redis::cmd("ZCARD")
            .arg(&keys[0])
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(left, 30);
    }

    /// A platform on `url` with no variants, its development clock at `now`, and the lease.
    async fn scheduler(
        url: &str,
        now: &str,
    ) -> (
        Arc<Ctx>,
        Held,
        egov_runtime::lease::Keeper,
        CancellationToken,
    ) {
        let home = std::env::temp_dir().join(format!("egov-deadlines-{}", ulid::Ulid::new()));
        let keys = egov_auth::dev::DevKeys::load_or_create(&home).unwrap();
        let cfg = egov_runtime::PlatformConfig {
            redis_url: url.to_owned(),
            replica: "test".into(),
            partitions: 1,
            jwks: egov_auth::JwksSource::File(keys.jwks_path()),
            issuer: egov_auth::dev::DEV_ISSUER.into(),
            audience: egov_auth::dev::DEV_AUDIENCE.into(),
            calendar_file: None,
            plugins: Vec::new(),
            plugin_cache: None,
            sealing_key: None,
        };
        let clock = Arc::new(egov_kernel::FixedClock::at(now));
        let platform = egov_runtime::Platform::connect(&cfg, clock).await.unwrap();
        let ctx = Ctx::new(&platform, crate::NAME);
        let shutdown = CancellationToken::new();
        let (mut held, keeper) = egov_runtime::lease::keep(
            &platform.leases,
            LeaseName {
                redis_key: "egov:{expertise.0}:lease:deadlines".into(),
                purpose: "expertise-deadlines",
            },
            "test".into(),
            Duration::from_secs(30),
            shutdown.clone(),
        );
        while !held.now() {
            held.changed().await;
        }
        (ctx, held, keeper, shutdown)
    }

    /// Entries of cases that do not exist (or of tasks and timers a case does not have) are
    /// removed, a page per set and tick, and count as handled so the next page follows at once:
    /// a backlog of them never stands, pass after pass, ahead of the real deadlines behind it.
    /// An entry not due yet stays.
    #[tokio::test]
    async fn entries_that_stand_for_nothing_leave_a_page_per_tick() {
        let r = egov_testkit::redis().await;
        let (ctx, held, _keeper, shutdown) = scheduler(&r.url, "2026-04-01T09:00:00+05:00").await;
        let mut conn = ctx.platform.bus.connection();
        let now = ctx.platform.clock.now().as_second();
        let key = |name: &str| ctx.store.index_key(0, name);
        let writer = conn.clone();
        let zadd = move |key: String, members: Vec<(i64, String)>| {
            let mut conn = writer.clone();
            async move {
                for chunk in members.chunks(500) {
                    let mut cmd = redis::cmd("ZADD");
                    cmd.arg(&key);
                    for (score, m) in chunk {
                        cmd.arg(score).arg(m);
                    }
                    let _: i64 = cmd.query_async(&mut conn).await.unwrap();
                }
            }
        };
        // 1,200 missed terms of cases that do not exist, overdue; one not due yet; one member
        // that is no task id at all.
        let ghost = |i: usize| format!("{}.ab-check", ulid::Ulid::from_parts(1, i as u128));
        let mut missed: Vec<(i64, String)> = (0..1200)
            .map(|i| (now - 86_400 + i as i64, ghost(i)))
            .collect();
        missed.push((now + 86_400, ghost(5000)));
        missed.push((now - 1, "not a task".into()));
        zadd(key(MISSED), missed).await;
        // A case that exists but has no such task: its entry goes too.
        let case = ulid::Ulid::from_parts(2, 7).to_string();
        let state = serde_json::json!({
            "id": case, "procedure": "perechen",
            "variant": {"id": "perechen-353", "version": "2.0.0", "digest": "00"},
            "org": "940740000911", "received_at": "2026-03-19T10:00:00+05:00", "state": null
        });
        let env = Envelope::new(
            crate::NAME,
            &DeadlineMissed::default(),
            ctx.platform.clock.now(),
        );
        ctx.store
            .append(Append {
                kind: domain::CASE,
                id: &case,
                expected_version: 0,
                state: &state,
                event: &env,
                index: vec![IndexOp::Score {
                    index: APPROACHING.into(),
                    member: format!("{case}.ab-check"),
                    score: (now - 10) as f64,
                }],
                applied: None,
                unique: None,
            })
            .await
            .unwrap();
        // Timers of cases that do not exist.
        let timers: Vec<(i64, String)> = (0..600)
            .map(|i| {
                (
                    now - 5,
                    format!("{}:window", ulid::Ulid::from_parts(3, i as u128)),
                )
            })
            .collect();
        zadd(key(egov_engine::apply::index::TIMERS), timers).await;

        let reader = conn.clone();
        let card = move |key: String| {
            let mut conn = reader.clone();
            async move {
                redis::cmd("ZCARD")
                    .arg(key)
                    .query_async::<usize>(&mut conn)
                    .await
                    .unwrap()
            }
        };
        let mut scan = Scan::new(SCAN_LIMIT);
        let mut left = Vec::new();
        for _ in 0..4 {
            let before = (
                card(key(MISSED)).await,
                card(key(egov_engine::apply::index::TIMERS)).await,
            );
            let n = scan.tick(&ctx, &held).await.unwrap();
            let after = (
                card(key(MISSED)).await,
                card(key(egov_engine::apply::index::TIMERS)).await,
            );
            assert!(before.0 - after.0 <= SCAN_LIMIT && before.1 - after.1 <= SCAN_LIMIT);
            left.push((n, after));
        }
        // Tick 1: 1 approaching, 500 missed, 500 timers; tick 2: 500 missed and 100 timers;
        // tick 3: the last 201 due (the stranger among them); then nothing but the entry not due.
        assert_eq!(
            left,
            vec![
                (1001, (702, 100)),
                (600, (202, 0)),
                (201, (1, 0)),
                (0, (1, 0))
            ]
        );
        assert_eq!(card(key(APPROACHING)).await, 0);
        let rest: Vec<String> = redis::cmd("ZRANGE")
            .arg(key(MISSED))
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(rest, vec![ghost(5000)]);
        shutdown.cancel();
    }
}
