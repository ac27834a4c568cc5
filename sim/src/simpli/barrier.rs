//! A barrier in the Simpli stand-ins: requests to a set of paths are held until every path
//! of the set has a request in flight, or until a timeout. It turns "these calls run
//! concurrently" into a fact a test can assert (the barrier was released, not timed out)
//! without timing anything: sequential calls would each wait alone and time out.

use std::collections::HashSet;
use std::time::Duration;

use tokio::sync::watch;

use super::SimpliSim;

#[derive(Debug)]
pub(crate) struct Barrier {
    paths: HashSet<String>,
    arrived: HashSet<String>,
    timeout: Duration,
    open: watch::Sender<bool>,
    timeouts: usize,
}

impl SimpliSim {
    /// Holds every request to one of `paths` until each of them has a request in flight
    /// (then all go on), or until `timeout` (then that request goes on alone and the timeout
    /// is counted, see [`SimpliSim::barrier_timeouts`]).
    pub fn hold_until_all_arrive(&self, paths: &[&str], timeout: Duration) {
        let (open, _) = watch::channel(false);
        self.state().barrier = Some(Barrier {
            paths: paths.iter().map(|p| super::norm(p)).collect(),
            arrived: HashSet::new(),
            timeout,
            open,
            timeouts: 0,
        });
    }

    /// Whether every path of the barrier has had a request (the last arrival opens it; with
    /// no [`SimpliSim::barrier_timeouts`], all of them were in flight at once).
    pub fn barrier_released(&self) -> bool {
        self.state().barrier.as_ref().is_some_and(|b| *b.open.borrow())
    }

    /// Requests that waited at the barrier until its timeout.
    pub fn barrier_timeouts(&self) -> usize {
        self.state().barrier.as_ref().map_or(0, |b| b.timeouts)
    }

    /// Waits at the barrier if `path` is one of its paths.
    pub(crate) async fn at_barrier(&self, path: &str) {
        let (mut open, timeout) = {
            let mut st = self.state();
            let Some(b) = st.barrier.as_mut().filter(|b| b.paths.contains(path)) else {
                return;
            };
            b.arrived.insert(path.to_string());
            if b.arrived == b.paths {
                b.open.send_replace(true);
            }
            (b.open.subscribe(), b.timeout)
        };
        let released = tokio::time::timeout(timeout, open.wait_for(|o| *o)).await;
        if !matches!(released, Ok(Ok(_))) {
            if let Some(b) = self.state().barrier.as_mut() {
                b.timeouts += 1;
            }
        }
    }
}
