//! Live sync in the officer's screen (DESIGN §10): a thread of the screen ships the outbox
//! after every acknowledged action ([`Live::kick`]) and on a timer, and pulls what the centre
//! has (plans, the published catalogue) at start and every few minutes. The screen never
//! waits for it: it reads [`Live::status`] for the footer and [`Live::pulled`] to know when
//! to read the kept copies again. While the server cannot be reached the thread backs off
//! (1 s, doubled up to 30 s) and the outbox simply grows; nothing is lost, since the
//! watermark moves only after the server committed.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::{Server, SyncError, SyncOptions};
use crate::store::{Outbox, SledStore, StoreError};

/// What the footer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveStatus {
    /// Events not yet on the server.
    pub pending: u64,
    /// When the server last took everything that waited (or answered a pull).
    pub synced_at: Option<NaiveDateTime>,
    /// The last attempt could not reach the server (or it refused).
    pub offline: bool,
}

/// How often the outbox is looked at when no action kicks it.
const TIMER: Duration = Duration::from_secs(10);
/// How often the centre is asked again for plans and the catalogue.
const PULL_EVERY: Duration = Duration::from_secs(120);
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

#[derive(Default)]
struct State {
    status: LiveStatus,
    kicked: bool,
    stop: bool,
    in_flight: bool,
    /// Counts the pulls that changed something kept.
    pulled: u64,
    /// The last reason the server could not be used, masked.
    reason: Option<String>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The handle the screen keeps.
pub struct Live {
    shared: Arc<Shared>,
}

/// What the thread needs to pull: the screen's branch (it may not be saved yet) and product
/// names for a month plan the centre adds a product to.
#[derive(Debug, Clone, Default)]
pub struct PullContext {
    pub branch: Option<String>,
    pub names: BTreeMap<String, String>,
}

fn pending(store: &SledStore) -> Result<u64, StoreError> {
    let from = store.sent_up_to()?;
    let mut n = 0;
    for item in store.events_after(from) {
        item?;
        n += 1;
    }
    Ok(n)
}

impl Live {
    /// Starts the thread; it pulls and ships at once.
    pub fn start(
        store: Arc<SledStore>,
        server: Server,
        context: PullContext,
        now: fn() -> NaiveDateTime,
    ) -> Live {
        // What waits is counted by the thread: a database never synced has its whole log
        // waiting, and counting it must not hold the first frame.
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                kicked: true,
                ..State::default()
            }),
            wake: Condvar::new(),
        });
        let theirs = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("sufler-sync".into())
            .spawn(move || run(&theirs, &store, &server, &context, now));
        if spawned.is_err() {
            // No thread, no live sync: the screen works on, and `sufler sync` ships later.
            shared.lock().status.offline = true;
        }
        Live { shared }
    }

    /// An action was acknowledged: ship it soon.
    pub fn kick(&self) {
        self.shared.lock().kicked = true;
        self.shared.wake.notify_all();
    }

    pub fn status(&self) -> LiveStatus {
        self.shared.lock().status
    }

    /// The server's last reason for failing (password masked), while offline.
    pub fn reason(&self) -> Option<String> {
        let s = self.shared.lock();
        s.status.offline.then(|| s.reason.clone()).flatten()
    }

    /// Grows each time a pull changed the kept plans or catalogue.
    pub fn pulled(&self) -> u64 {
        self.shared.lock().pulled
    }

    /// Asks the thread to stop and waits at most `wait` for a send in flight; what did not
    /// go waits in the outbox for the next start or `sufler sync`.
    pub fn stop(&self, wait: Duration) {
        let deadline = Instant::now() + wait;
        let mut s = self.shared.lock();
        s.stop = true;
        self.shared.wake.notify_all();
        while s.in_flight {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = self
                .shared
                .wake
                .wait_timeout(s, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

fn run(
    shared: &Shared,
    store: &SledStore,
    server: &Server,
    context: &PullContext,
    now: fn() -> NaiveDateTime,
) {
    let mut backoff = Duration::ZERO;
    let mut last_pull: Option<Instant> = None;
    loop {
        {
            let mut s = shared.lock();
            let wait = if s.status.offline { backoff } else { TIMER };
            let until = Instant::now() + wait;
            // Offline, an action does not shorten the back-off: the next try is after it,
            // but the footer's count of what waits grows at once.
            while !s.stop && (!s.kicked || s.status.offline) {
                if s.kicked {
                    s.kicked = false;
                    drop(s);
                    let waiting = pending(store);
                    s = shared.lock();
                    if let Ok(n) = waiting {
                        s.status.pending = n;
                    }
                    continue;
                }
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                s = shared
                    .wake
                    .wait_timeout(s, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            if s.stop {
                return;
            }
            s.kicked = false;
        }
        // The footer counts what waits while it is being sent.
        let waiting = pending(store).unwrap_or(0);
        {
            let mut s = shared.lock();
            if s.stop {
                return;
            }
            s.status.pending = waiting;
            s.in_flight = true;
        }
        let mut failed: Option<SyncError> = None;
        let mut changed = false;
        let mut contacted = false;
        if last_pull.is_none_or(|t| t.elapsed() >= PULL_EVERY) {
            match super::pull::pull(
                store,
                server,
                context.branch.as_deref(),
                &context.names,
                now(),
            ) {
                Ok(p) => {
                    last_pull = Some(Instant::now());
                    changed = p.plans_changed || p.catalogue_changed || !p.restated.is_empty();
                    contacted = true;
                }
                Err(e) => failed = Some(e),
            }
        }
        let waiting = pending(store).unwrap_or(waiting);
        if failed.is_none() && waiting > 0 {
            match super::sync(store, store, server, SyncOptions::default(), &mut |_| {}) {
                Ok(_) => contacted = true,
                Err(e) => failed = Some(e),
            }
        }
        let left = pending(store).unwrap_or(waiting);
        let mut s = shared.lock();
        s.in_flight = false;
        s.status.pending = left;
        match failed {
            Some(e) => {
                s.status.offline = true;
                s.reason = Some(e.to_string());
                backoff = (backoff * 2).clamp(BACKOFF_FIRST, BACKOFF_MAX);
            }
            None => {
                s.status.offline = false;
                s.reason = None;
                backoff = Duration::ZERO;
                if contacted || s.status.synced_at.is_none() {
                    s.status.synced_at = Some(now());
                }
            }
        }
        if changed {
            s.pulled += 1;
        }
        drop(s);
        shared.wake.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Officer, Store};

    /// A server that takes the connection and never answers: a send hangs in flight.
    fn silent_server() -> (std::net::TcpListener, Server) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = Server::parse(&format!(
            "postgresql://sufler:secret@127.0.0.1:{port}/sufler?sslmode=disable&connect_timeout=30"
        ))
        .unwrap();
        (listener, server)
    }

    #[test]
    fn quitting_does_not_wait_for_a_send_that_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        store
            .save_officer(&Officer {
                name: "Петрова Анна".into(),
                branch: "Центральный".into(),
            })
            .unwrap();
        let (listener, server) = silent_server();
        let live = Live::start(
            Arc::clone(&store),
            server,
            PullContext::default(),
            crate::clock::now,
        );
        // The thread has the connection open and waits for the server's answer.
        let (_held, _) = listener.accept().unwrap();
        while !live.shared.lock().in_flight {
            std::thread::yield_now();
        }
        live.stop(Duration::from_millis(100));
        assert!(
            live.shared.lock().in_flight,
            "stop returned with the send still in flight"
        );
        assert_eq!(live.status().pending, 1, "what did not go still waits");
    }

    #[test]
    fn an_unreachable_server_is_offline_and_counts_what_waits() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        store
            .save_officer(&Officer {
                name: "Петрова Анна".into(),
                branch: "Центральный".into(),
            })
            .unwrap();
        // A port nobody listens on: refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = Server::parse(&format!(
            "postgresql://u:p@127.0.0.1:{port}/db?sslmode=disable"
        ))
        .unwrap();
        let live = Live::start(
            Arc::clone(&store),
            server,
            PullContext::default(),
            crate::clock::now,
        );
        while !live.status().offline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(live.status().pending, 1);
        assert!(live.reason().is_some_and(|r| !r.contains(":p@")));
        // Offline, a new action is counted without waiting for the back-off's next try.
        store
            .save_officer(&Officer {
                name: "Иванов Пётр".into(),
                branch: "Центральный".into(),
            })
            .unwrap();
        live.kick();
        while live.status().pending != 2 {
            std::thread::sleep(Duration::from_millis(10));
        }
        live.stop(Duration::from_secs(1));
    }
}
