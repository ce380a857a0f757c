//! The Kubernetes edge (ARCHITECTURE.md, k8s): what the services do only when they run in a
//! cluster.
//!
//! - [`crd`]: the `ProcedurePlugin` custom resource, whose Rust types generate the CRD.
//! - [`plugins`]: the watching loader that fetches, verifies and loads each resource's
//!   component beside the revisions already serving, and writes the outcome into its status.
//! - [`lease`]: a `coordination.k8s.io/v1` Lease, so that one replica of a service runs its
//!   scheduler.
//!
//! No API server runs on the machines that build this: the tests play recorded API exchanges
//! from a real HTTP server on 127.0.0.1 with a `kube::Client` pointed at it.

pub mod crd;
pub mod lease;
pub mod plugins;

pub use crd::{ProcedurePlugin, crd_yaml};
pub use lease::KubeLease;
pub use plugins::Loader;

/// A client from the environment: the pod's service account in a cluster, else the
/// kubeconfig.
pub async fn client() -> Result<kube::Client, kube::Error> {
    kube::Client::try_default().await
}
