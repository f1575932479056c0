//! Restarts the private cluster's server when it dies under a running faqd.
//!
//! Once a second the supervisor connects to the server's socket. When that fails
//! (the postmaster was killed, or crashed), it runs [`PrivateCluster::ensure_running`]:
//! under the cluster lock, the first faqd to notice starts the server again (crash
//! recovery replays the WAL: committed transactions are kept, the others vanish), the
//! others find it running. Requests meanwhile fail to get a connection and answer 503
//! with `Retry-After`; the pool opens fresh connections once the server is back.

use std::sync::Arc;
use std::time::Duration;

use super::PrivateCluster;

/// How often the server is checked.
const INTERVAL: Duration = Duration::from_secs(1);

pub(in crate::db) async fn watch(cluster: Arc<PrivateCluster>) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let socket = cluster.socket_path();
    loop {
        ticks.tick().await;
        if tokio::net::UnixStream::connect(&socket).await.is_ok() {
            continue;
        }
        tracing::warn!(
            socket = %socket.display(),
            "the private PostgreSQL server does not answer; starting it again"
        );
        let restart = Arc::clone(&cluster);
        match tokio::task::spawn_blocking(move || restart.ensure_running()).await {
            Ok(Ok(true)) => tracing::info!("the private PostgreSQL server runs again"),
            Ok(Ok(false)) => {
                tracing::info!(
                    "the private PostgreSQL server runs again (started by another faqd)"
                );
            }
            Ok(Err(err)) => {
                tracing::error!(error = %err, "could not start the private PostgreSQL server; retrying");
            }
            Err(err) => tracing::error!(error = %err, "the supervisor's restart task failed"),
        }
    }
}
