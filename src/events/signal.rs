//! The change log's signal in this process: one `LISTEN faqd_changes` connection that tells
//! the webhook worker to look for deliveries and the read cache to forget what it holds.
//!
//! `generation` grows on every announced change (any instance's), on every write this
//! instance commits (`bump`), and whenever the connection is lost or comes back: a cached
//! body is only served while the generation it was built under is current and the listener
//! is connected, so a change never goes unseen, even one made while the listener was away.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Notify;

use crate::store::changes;

/// What this process knows of the change log.
#[derive(Debug, Default)]
pub struct ChangeSignal {
    generation: AtomicU64,
    connected: AtomicBool,
    last_change: AtomicI64,
    wake: Notify,
    /// Wakes the in-memory search index (the lexical index).
    changed: Notify,
}

impl ChangeSignal {
    /// A signal with no listener (tools and tests that do not serve): never live.
    pub fn detached() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Grows with every change seen; compare before and after building a cached body.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The listener is connected: every change of other instances reaches this one.
    pub fn is_live(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// The newest change id announced to this instance.
    pub fn last_change(&self) -> i64 {
        self.last_change.load(Ordering::Acquire)
    }

    /// This instance committed a write: what it cached is stale.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_one();
    }

    /// Resolves at the next change seen (announced, written here, or the listener's
    /// connection lost or back), or at once if one came since the last wait.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Wakes the webhook worker (a change was announced, or a delivery queued again).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves at the next change (or at once if one came since the last wait).
    pub async fn notified(&self) {
        self.wake.notified().await;
    }

    fn announce(&self, payload: &str) {
        if let Ok(id) = payload.trim().parse::<i64>() {
            self.last_change.fetch_max(id, Ordering::AcqRel);
        }
        self.bump();
        self.wake();
    }

    fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Release);
        // Whatever happened while the listener was away is unknown: start afresh.
        self.bump();
    }
}

/// Starts the listener; it reconnects by itself after a lost connection.
pub fn start(pool: &PgPool) -> Arc<ChangeSignal> {
    let signal = Arc::new(ChangeSignal::default());
    let pool = pool.clone();
    let this = signal.clone();
    tokio::spawn(async move {
        let mut warned = false;
        loop {
            if pool.is_closed() {
                break;
            }
            match listen(&pool, &this).await {
                Ok(()) => warned = false,
                // A clean shutdown closes the pool under the listener: nothing to report.
                Err(err) if crate::store::shutting_down(&pool, &err) => break,
                Err(err) => {
                    if !warned {
                        tracing::warn!(error = %err, "lost the change log's notifications; reconnecting");
                    }
                    warned = true;
                }
            }
            this.set_connected(false);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    signal
}

/// One connection's life: listen, then pass every notification on until it is lost.
async fn listen(pool: &PgPool, signal: &ChangeSignal) -> sqlx::Result<()> {
    let mut listener = changes::listen(pool).await?;
    // The newest change now, so that lag can be measured from the start.
    let newest = changes::newest_id(pool).await?;
    signal.last_change.fetch_max(newest, Ordering::AcqRel);
    signal.set_connected(true);
    // A connection can die silently (no FIN, no keepalive): every few seconds the newest
    // change is read through the pool; if it stays ahead of what was announced, the listener
    // is deaf, and is replaced.
    let mut check = tokio::time::interval(LIVENESS_EVERY);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    check.tick().await;
    loop {
        tokio::select! {
            received = listener.try_recv() => match received? {
                Some(notification) => signal.announce(notification.payload()),
                // The connection dropped: the caller reconnects (and bumps the generation).
                None => return Ok(()),
            },
            _ = check.tick() => {
                let newest = changes::newest_id(pool).await?;
                if newest > signal.last_change() {
                    // Behind: either a notification is on its way, or the connection is dead.
                    // Ask the listening connection itself; a dead one does not answer.
                    let probe =
                        tokio::time::timeout(PROBE_WITHIN, changes::probe(&mut listener)).await;
                    if !matches!(probe, Ok(Ok(_))) {
                        return Err(sqlx::Error::Protocol(
                            "the change log's notifications stopped arriving".to_owned(),
                        ));
                    }
                }
            }
        }
    }
}

/// How long the listening connection has to answer a probe before it is declared dead.
const PROBE_WITHIN: Duration = Duration::from_secs(1);

/// How often the listener checks that it still hears every change.
const LIVENESS_EVERY: Duration = Duration::from_secs(5);
