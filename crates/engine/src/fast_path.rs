//! The native fast path: an iteration is one prepared request, with no JS involved.

use crate::exec::Workload;
use crate::http::{BodyMode, ClientConfig, PreparedRequest, VuClient};
use crate::metrics::Registry;
use std::sync::Arc;

pub struct RequestWorkload {
    request: PreparedRequest,
    client: ClientConfig,
    registry: Arc<Registry>,
}

impl RequestWorkload {
    pub fn new(request: PreparedRequest, client: ClientConfig, registry: Arc<Registry>) -> Self {
        RequestWorkload {
            request,
            client,
            registry,
        }
    }
}

impl Workload for RequestWorkload {
    type Vu = VuClient;

    fn new_vu(&self, _id: u64) -> VuClient {
        VuClient::new(self.client.clone())
    }

    async fn iterate(&self, vu: &mut VuClient) {
        let outcome = vu.send(&self.request, BodyMode::Discard).await;
        self.registry.record_http(&outcome);
    }

    /// The dropped request may have left a response half read on the connection.
    fn abandoned(&self, vu: &mut VuClient) {
        vu.close();
    }
}
