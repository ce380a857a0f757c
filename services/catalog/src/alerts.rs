//! The three-year alerts of the Catalog (SM-103-1, SM-103-2): each due alert of the `ict-alerts`
//! index becomes one `IctServiceMilestoneAlert` event of its ICT service, in the same atomic
//! step that takes it out of the index. Every replica runs the loop; the append's applied mark
//! (one per alert) makes a race between two of them emit once.

use std::sync::Arc;
use std::time::Duration;

use egov_bus::Envelope;
use egov_events::v1::IctServiceMilestoneAlert;
use egov_store::{Append, IndexOp, StoreError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::domain::ict;

/// How often the loop looks for due alerts.
pub const EVERY: Duration = Duration::from_secs(5);

/// Emits every alert due at the clock's now; how many it emitted.
pub async fn emit_due(ctx: &Ctx) -> Result<usize, StoreError> {
    let now = ctx.platform.clock.now();
    let mut emitted = 0;
    let due = ctx
        .store
        .scored(ict::ALERTS, f64::NEG_INFINITY, now.as_millisecond() as f64)
        .await?;
    for (member, _) in due {
        let drop_it = IndexOp::Unscore {
            index: ict::ALERTS.into(),
            member: member.clone(),
        };
        let alert = ict::parse_alert(&member);
        let loaded = match &alert {
            Some(a) => {
                ctx.store
                    .load::<ict::IctService>(ict::ICT_SERVICE, &a.service_id)
                    .await?
            }
            None => None,
        };
        let (Some(a), Some(l)) = (alert, loaded) else {
            // Not an alert of an entry: nothing to say; drop it so it does not come back.
            ctx.store.unscore(ict::ALERTS, &member).await?;
            continue;
        };
        let s = &l.state;
        let Some(m) = ict::milestones(s, s.rental_start)
            .into_iter()
            .find(|m| m.rule == a.rule)
        else {
            ctx.store.unscore(ict::ALERTS, &member).await?;
            continue;
        };
        let event = IctServiceMilestoneAlert {
            service_id: s.id.clone(),
            name: s.name.clone(),
            rule: a.rule.clone(),
            what: m.what.into(),
            on: m.on.to_string(),
            kind: a.kind.clone(),
            supplier: s.supplier.clone(),
            customer: s.customer.clone(),
        };
        let env = Envelope::new(crate::NAME, &event, now);
        match ctx
            .store
            .append(Append {
                kind: ict::ICT_SERVICE,
                id: &s.id,
                expected_version: l.version,
                state: s,
                event: &env,
                index: vec![drop_it],
                applied: Some(format!("alert.{}.{}.{}", a.rule, a.kind, m.on)),
                unique: None,
            })
            .await
        {
            Ok(egov_store::Appended::Committed { .. }) => emitted += 1,
            Ok(_) => ctx.store.unscore(ict::ALERTS, &member).await?,
            // The entry changed meanwhile: the next round loads it again.
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(emitted)
}

/// Runs [`emit_due`] every [`EVERY`] until `shutdown`.
pub(crate) fn spawn(ctx: Arc<Ctx>, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match emit_due(&ctx).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(alerts = n, "SM-103 alerts emitted"),
                Err(e) => tracing::warn!(error = %e, "SM-103 alerts: will try again"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(EVERY) => {}
            }
        }
    })
}
