//! The native fast path: an iteration is a fixed list of prepared requests (one for `--url`),
//! sent in order on the VU's connection, with no JS involved.

use crate::exec::Workload;
use crate::http::{BodyMode, ClientConfig, PreparedRequest, VuClient};
use crate::metrics::tags::TagSet;
use crate::metrics::Registry;
use std::sync::Arc;

pub struct RequestWorkload {
    requests: Box<[PreparedRequest]>,
    client: ClientConfig,
    registry: Arc<Registry>,
    /// The scenario's name: the `scenario` tag of its samples.
    scenario: Box<str>,
    /// The user tags of its samples (`options.tags`, the scenario's `tags`).
    tags: TagSet,
}

impl RequestWorkload {
    pub fn new(
        requests: Vec<PreparedRequest>,
        client: ClientConfig,
        registry: Arc<Registry>,
        scenario: &str,
        tags: TagSet,
    ) -> Self {
        RequestWorkload {
            requests: requests.into_boxed_slice(),
            client,
            registry,
            scenario: scenario.into(),
            tags,
        }
    }
}

impl Workload for RequestWorkload {
    type Vu = VuClient;

    fn new_vu(&self, _id: u64) -> VuClient {
        VuClient::new(self.client.clone())
    }

    async fn iterate(&self, vu: &mut VuClient) -> TagSet {
        for request in self.requests.iter() {
            let outcome = vu.send(request, BodyMode::Discard).await;
            // Fast-path requests are tagged with the root group "" and their scenario.
            let proto = vu.response().proto();
            self.registry.record_request(
                &outcome,
                request,
                proto,
                None,
                Some(&self.scenario),
                &self.tags,
            );
        }
        // Empty unless the scenario has tags: then one shared pointer, not a copy.
        self.tags.clone()
    }

    /// The dropped request may have left a response half read on the connection.
    fn abandoned(&self, vu: &mut VuClient) {
        vu.close();
    }

    fn close_connections(&self, vu: &mut VuClient) {
        vu.close();
    }
}
