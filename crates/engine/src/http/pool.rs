//! One script VU's clients: as many connections as the VU has requests in flight at once
//! (`http.batch`, several `http.asyncRequest`), each kept alive for the VU's next requests.
//!
//! A request takes an idle client (one connected to its target if there is one, else the most
//! recently used), or makes a new one when all are busy, and gives it back when done. A VU that
//! sends one request at a time always finds the same client, so it keeps one connection, as
//! before. How many requests may be in flight is the script runtime's business (k6's `batch`
//! and `batchPerHost` limit `http.batch`; `asyncRequest` has no limit in k6 either).

use super::client::{BodyMode, Outcome, VuClient};
use super::request::PreparedRequest;
use super::transport::ClientConfig;
use std::sync::Mutex;

/// Idle clients kept beyond this are dropped with their connections (a burst of concurrent
/// requests must not leave hundreds of idle connections behind per VU).
const MAX_IDLE: usize = 64;

pub struct ClientPool {
    config: ClientConfig,
    /// Most recently used last.
    idle: Mutex<Vec<VuClient>>,
}

impl ClientPool {
    pub fn new(config: ClientConfig) -> Self {
        let first = VuClient::new(config.clone());
        ClientPool {
            config,
            idle: Mutex::new(vec![first]),
        }
    }

    /// Sends one request on an idle (or new) client of this VU and lets `read` look at the
    /// response (status, headers, body) before the client goes back to the pool. A request
    /// dropped before it finished drops its client too: a half-read connection is never reused.
    pub async fn request<R>(
        &self,
        request: &PreparedRequest,
        read: impl FnOnce(&Outcome, &VuClient) -> R,
    ) -> (Outcome, R) {
        let mut client = self.take(request);
        let outcome = client.send(request, BodyMode::Keep).await;
        let r = read(&outcome, &client);
        self.give_back(client);
        (outcome, r)
    }

    /// Closes the idle clients' connections (k6's `noVUConnectionReuse`); the clients stay, so
    /// the VU's next request connects again.
    pub fn close_idle(&self) {
        for client in self.lock().iter_mut() {
            client.close();
        }
    }

    /// Idle clients now (for tests and diagnostics).
    pub fn idle(&self) -> usize {
        self.lock().len()
    }

    fn take(&self, request: &PreparedRequest) -> VuClient {
        let mut idle = self.lock();
        let warm = idle.iter().rposition(|c| c.is_connected_to(request));
        match warm.or(idle.len().checked_sub(1)) {
            Some(i) => idle.remove(i),
            None => VuClient::new(self.config.clone()),
        }
    }

    fn give_back(&self, client: VuClient) {
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE {
            idle.push(client);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<VuClient>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}
