//! A `coordination.k8s.io/v1` Lease: one holder at a time of something only one replica may
//! do (the deadline scheduler, the bridge's deliveries), as client-go's leader election holds
//! it.
//!
//! Why a replica that loses the lease stops before another one starts: a candidate takes a
//! lease held by another only after it has seen the same record (holder, renew time, resource
//! version) unchanged for a whole `leaseDurationSeconds`, measured on its own monotonic clock
//! from when it first saw it. The holder's last successful write came before that first
//! sighting, and the holder treats itself as the holder only until a fraction of the duration
//! after it *started* that write (`egov_runtime::lease`). Wall clocks never compare across
//! machines; only each replica's own monotonic clock is read. Updates carry the
//! `resourceVersion` read, so two candidates racing for an expired lease cannot both win: the
//! API server answers the second with 409 Conflict.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::Client;
use kube::api::{Api, PostParams};

/// One Lease object, as one replica sees it.
pub struct KubeLease {
    api: Api<Lease>,
    name: String,
    /// The record last seen and when (this replica's monotonic clock).
    observed: Mutex<Option<(Record, Instant)>>,
}

/// What identifies one write of the lease.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Record {
    holder: Option<String>,
    renew: Option<MicroTime>,
    version: Option<String>,
}

impl Record {
    fn of(l: &Lease) -> Self {
        let spec = l.spec.clone().unwrap_or_default();
        Self {
            holder: spec.holder_identity.filter(|h| !h.is_empty()),
            renew: spec.renew_time,
            version: l.metadata.resource_version.clone(),
        }
    }
}

impl KubeLease {
    /// The Lease `name` in `namespace`.
    pub fn new(client: Client, namespace: &str, name: &str) -> Self {
        Self {
            api: Api::namespaced(client, namespace),
            name: name.to_owned(),
            observed: Mutex::new(None),
        }
    }

    /// The Lease's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Takes or renews the lease for `owner` for `duration`; true when `owner` holds it after
    /// this call. `now` is this replica's monotonic clock (a parameter, for tests).
    pub async fn try_hold(
        &self,
        owner: &str,
        duration: Duration,
        now: Instant,
    ) -> Result<bool, kube::Error> {
        let secs = i32::try_from(duration.as_secs().max(1)).unwrap_or(i32::MAX);
        let wall = MicroTime(jiff::Timestamp::now());
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.name.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(owner.to_owned()),
                    lease_duration_seconds: Some(secs),
                    acquire_time: Some(wall.clone()),
                    renew_time: Some(wall),
                    lease_transitions: Some(0),
                    ..LeaseSpec::default()
                }),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(created) => {
                    self.observe(&created, now);
                    Ok(true)
                }
                // Another replica created it first.
                Err(kube::Error::Api(s)) if s.is_already_exists() || s.is_conflict() => Ok(false),
                Err(e) => Err(e),
            };
        };
        let seen_at = self.observe(&lease, now);
        let record = Record::of(&lease);
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if let Some(holder) = record.holder.as_deref().filter(|h| *h != owner) {
            let theirs = spec
                .lease_duration_seconds
                .map_or(duration, |s| Duration::from_secs(s.max(1) as u64));
            if now < seen_at + theirs {
                tracing::debug!(lease = %self.name, holder, "held by another replica");
                return Ok(false);
            }
        }
        if record.holder.as_deref() != Some(owner) {
            spec.holder_identity = Some(owner.to_owned());
            spec.acquire_time = Some(wall.clone());
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
        }
        spec.renew_time = Some(wall);
        spec.lease_duration_seconds = Some(secs);
        // `lease` carries the resourceVersion read: a write in between makes this a conflict.
        match self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            Ok(written) => {
                self.observe(&written, now);
                Ok(true)
            }
            Err(kube::Error::Api(s)) if s.is_conflict() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Gives the lease up when `owner` holds it (a clean stop): the holder is cleared, so that
    /// another replica takes it at once instead of after the duration.
    pub async fn release(&self, owner: &str) -> Result<(), kube::Error> {
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if spec.holder_identity.as_deref() != Some(owner) {
            return Ok(());
        }
        spec.holder_identity = None;
        match self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => Ok(()),
            // Taken meanwhile: nothing to give up.
            Err(kube::Error::Api(s)) if s.is_conflict() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Records `lease` as seen at `now` unless it is the record already seen; returns when
    /// this record was first seen.
    fn observe(&self, lease: &Lease, now: Instant) -> Instant {
        let record = Record::of(lease);
        let mut seen = self.observed.lock().unwrap_or_else(|e| e.into_inner());
        match &*seen {
            Some((r, at)) if *r == record => *at,
            _ => {
                *seen = Some((record, now));
                now
            }
        }
    }
}
