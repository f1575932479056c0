//! The change log's newest id, as a search must know it before it answers from the in-memory
//! index: the index has to hold every change committed before the search began, on every
//! instance, and only the database knows them all (a notification from another instance may
//! still be on its way).
//!
//! Concurrent searches share the read. A caller takes the answer of the first read that
//! *begins after it called*: the read it starts when none is in flight, else the next one,
//! which the callers waiting start as soon as the read in flight ends. A read's statement
//! takes its snapshot after it began, so its answer covers every change committed before the
//! caller asked, as a read of the caller's own would: the rule holds, with one round trip per
//! wave of concurrent searches instead of one each. The read runs in a task of its own, so
//! that a caller that goes away (a closed connection) never leaves the others waiting.

use std::sync::{Arc, Mutex, MutexGuard};

use sqlx::PgPool;
use tokio::sync::Notify;

/// The shared reader of the change log's newest id.
pub struct NewestChange {
    pool: PgPool,
    state: Mutex<State>,
    done: Notify,
}

#[derive(Default)]
struct State {
    /// Reads begun so far: a read's number is this count when it began.
    begun: u64,
    /// A read is in flight.
    busy: bool,
    /// The newest finished read: its number, and the id (`None` when it failed).
    last: Option<(u64, Option<i64>)>,
}

impl NewestChange {
    pub fn new(pool: PgPool) -> Arc<Self> {
        Arc::new(Self {
            pool,
            state: Mutex::new(State::default()),
            done: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The newest id of the change log, read after this call began.
    pub async fn get(self: &Arc<Self>) -> sqlx::Result<i64> {
        let wanted = self.lock().begun + 1;
        loop {
            let done = self.done.notified();
            tokio::pin!(done);
            // Registered before the state is looked at: a read that ends meanwhile wakes it.
            done.as_mut().enable();
            {
                let mut state = self.lock();
                match state.last {
                    Some((number, Some(id))) if number >= wanted => return Ok(id),
                    Some((number, None)) if number >= wanted => break,
                    _ => {}
                }
                if !state.busy {
                    state.busy = true;
                    state.begun += 1;
                    let number = state.begun;
                    let this = self.clone();
                    tokio::spawn(async move {
                        let id = crate::store::changes::newest_id(&this.pool).await.ok();
                        {
                            let mut state = this.lock();
                            state.busy = false;
                            state.last = Some((number, id));
                        }
                        this.done.notify_waiters();
                    });
                }
            }
            done.await;
        }
        // The shared read failed: this caller reads alone, for its own error.
        crate::store::changes::newest_id(&self.pool).await
    }
}
