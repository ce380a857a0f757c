//! Topic naming and partitioning.

/// A service's topic: `partitions` streams named `egov:{<service>.<n>}:events`.
///
/// The braces are a Redis Cluster hash tag. Every key of an aggregate that lives in partition
/// `n` uses the same tag, so the store's one atomic step (history, state, indexes and the `XADD`
/// to the topic) stays inside one slot. The original design tags keys by case id; that cannot
/// work with a per-service topic in the same script on a cluster, hence tags per partition (see
/// ARCHITECTURE.md). One partition (the default) keeps a service's data on one shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    service: String,
    partitions: u16,
}

impl Topic {
    /// The topic of `service`, split into `partitions` (at least 1) streams.
    pub fn new(service: impl Into<String>, partitions: u16) -> Self {
        Self {
            service: service.into(),
            partitions: partitions.max(1),
        }
    }

    /// The service that owns (writes) this topic.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// How many partitions.
    pub fn partitions(&self) -> u16 {
        self.partitions
    }

    /// The partition an aggregate id belongs to (FNV-1a, stable across releases). An id
    /// `a.b` lives in the partition of `a`: the tasks of case `C` (`C.ab-check`,
    /// `C.si-recommendation`) share one partition, so their events keep their order.
    pub fn partition_of(&self, aggregate_id: &str) -> u16 {
        let key = case_of(aggregate_id);
        let mut h: u32 = 0x811c_9dc5;
        for b in key.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        (h % u32::from(self.partitions)) as u16
    }

    /// The hash tag of partition `p`, braces included: `{intake.0}`.
    pub fn tag(&self, p: u16) -> String {
        format!("{{{}.{p}}}", self.service)
    }

    /// The stream key of partition `p`.
    pub fn stream(&self, p: u16) -> String {
        format!("egov:{}:events", self.tag(p))
    }

    /// Every partition's stream key.
    pub fn streams(&self) -> impl Iterator<Item = (u16, String)> + '_ {
        (0..self.partitions).map(|p| (p, self.stream(p)))
    }

    /// The dead-letter stream of consumer group `group` for partition `p`.
    pub fn dead_letters(&self, p: u16, group: &str) -> String {
        format!("egov:{}:dlq:{group}", self.tag(p))
    }

    /// The key that marks event `event_id` as handled by `group` (partition `p`).
    pub fn seen(&self, p: u16, group: &str, event_id: &str) -> String {
        format!("egov:{}:seen:{group}:{event_id}", self.tag(p))
    }
}

/// The case an aggregate id belongs to: `a` for `a.b` (a case's tasks), the id itself
/// otherwise. Its partition is the case's, and a consumer handling entries per case
/// ([`crate::Only::per_case`]) keeps its order with the case's.
pub(crate) fn case_of(aggregate_id: &str) -> &str {
    aggregate_id
        .split_once('.')
        .map_or(aggregate_id, |(case, _)| case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_partition_share_a_hash_tag() {
        let t = Topic::new("intake", 4);
        let p = t.partition_of("01J0000000000000000000000A");
        assert!(p < 4);
        let tag = t.tag(p);
        for key in [
            t.stream(p),
            t.dead_letters(p, "expertise"),
            t.seen(p, "expertise", "x"),
        ] {
            assert!(key.contains(&tag), "{key}");
        }
        assert_eq!(Topic::new("intake", 1).stream(0), "egov:{intake.0}:events");
        // The steps of one case share its partition, whatever their names.
        let t = Topic::new("expertise", 16);
        let case = "01KCASE000000000000000000A";
        for step in [
            "ab-check",
            "si-recommendation",
            "ab-decision",
            "inclusion-order",
        ] {
            assert_eq!(
                t.partition_of(&format!("{case}.{step}")),
                t.partition_of(case)
            );
        }
        assert_eq!(Topic::new("intake", 0).partitions(), 1);
    }
}
