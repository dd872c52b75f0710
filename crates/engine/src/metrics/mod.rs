//! Metrics: lock-free sinks for k6's four metric kinds ([`sinks`]), the constant-memory
//! histogram behind trends ([`histogram`]), the registry of built-in metrics ([`registry`]),
//! tags and selectors ([`tags`]) and the sub-metrics thresholds declare ([`submetrics`]).
pub mod expected;
pub mod histogram;
pub mod registry;
pub mod sinks;
pub mod submetrics;
pub mod tags;

pub use expected::ExpectedStatuses;
pub use registry::{Contains, MetricKind, MetricSnapshot, Registry};
