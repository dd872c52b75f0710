use std::future::Future;

/// What one iteration does. The URL fast path sends one prepared request; the script runtime
/// (later) calls into a JS VU. Generic rather than boxed so that the fast path allocates nothing
/// per iteration.
pub trait Workload: Send + Sync + 'static {
    /// Per-VU state (connection, buffers, script context).
    type Vu: Send + 'static;

    fn new_vu(&self, id: u64) -> Self::Vu;

    fn iterate<'a>(&'a self, vu: &'a mut Self::Vu) -> impl Future<Output = ()> + Send + 'a;
}
