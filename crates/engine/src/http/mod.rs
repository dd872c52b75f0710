//! HTTP/1.1 client of the engine: one keep-alive connection per VU, k6's timings and error codes.
//!
//! ```text
//! RequestSpec --PreparedRequest::new--> PreparedRequest (bytes rendered once, Arc-shared)
//! ClientConfig::new (TLS roots, built once) --VuClient::new--> VuClient (one per VU)
//! VuClient::send(&PreparedRequest, BodyMode) -> Outcome { status, timings, bytes, error }
//! VuClient::response() -> &Response (status, headers, body of the last response)
//! ClientPool: a script VU's clients, one per request in flight (http.batch, asyncRequest)
//! ```
//!
//! One file per concern: `request` renders, `dns` resolves (k6's DNS defaults), `transport` connects (plain TCP or TLS behind one
//! stream type), `response` parses, `client` runs a request and measures it, `timings` and
//! `error` hold k6's phase and error-code definitions.

mod client;
mod dns;
mod error;
mod pool;
mod request;
mod response;
mod timings;
mod transport;

pub use client::{BodyMode, Outcome, VuClient};
pub use dns::Hosts;
pub use error::HttpError;
pub use pool::ClientPool;
pub use request::{PreparedRequest, RequestSpec, DEFAULT_TIMEOUT};
pub use response::Response;
pub use timings::Timings;
pub use transport::ClientConfig;
