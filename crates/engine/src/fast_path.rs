//! The native fast path: an iteration is a fixed list of prepared requests (one for `--url`),
//! sent in order on the VU's connection, with no JS involved.

use crate::exec::Workload;
use crate::http::{BodyMode, ClientConfig, PreparedRequest, VuClient};
use crate::metrics::Registry;
use std::sync::Arc;

pub struct RequestWorkload {
    requests: Box<[PreparedRequest]>,
    client: ClientConfig,
    registry: Arc<Registry>,
    /// The scenario's name: the `scenario` tag of its samples.
    scenario: Box<str>,
}

impl RequestWorkload {
    pub fn new(
        requests: Vec<PreparedRequest>,
        client: ClientConfig,
        registry: Arc<Registry>,
        scenario: &str,
    ) -> Self {
        RequestWorkload {
            requests: requests.into_boxed_slice(),
            client,
            registry,
            scenario: scenario.into(),
        }
    }
}

impl Workload for RequestWorkload {
    type Vu = VuClient;

    fn new_vu(&self, _id: u64) -> VuClient {
        VuClient::new(self.client.clone())
    }

    async fn iterate(&self, vu: &mut VuClient) {
        for request in self.requests.iter() {
            let outcome = vu.send(request, BodyMode::Discard).await;
            // Outputs tag fast-path requests with the root group "" and their scenario.
            let proto = vu.response().proto();
            self.registry
                .record_request(&outcome, request, proto, None, Some(&self.scenario));
        }
    }

    /// The dropped request may have left a response half read on the connection.
    fn abandoned(&self, vu: &mut VuClient) {
        vu.close();
    }
}
