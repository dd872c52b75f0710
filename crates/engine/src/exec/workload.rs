use crate::metrics::tags::TagSet;
use std::future::Future;

/// What one iteration does. The URL fast path sends one prepared request; the script runtime
/// (later) calls into a JS VU. Generic rather than boxed so that the fast path allocates nothing
/// per iteration.
pub trait Workload: Send + Sync + 'static {
    /// Per-VU state (connection, buffers, script context).
    type Vu: Send + 'static;

    /// `id` is the VU's `__VU`: from 1, unique in the test across scenarios.
    fn new_vu(&self, id: u64) -> Self::Vu;

    /// Resolves once the VU may start its first iteration: the executor awaits it once, after
    /// `new_vu` and before it times anything, so that a VU's initialisation (a script VU's
    /// module load) never lands in its first `iteration_duration` (k6 initialises VUs before
    /// they run). The native fast path is ready at once.
    fn ready<'a>(&'a self, _vu: &'a mut Self::Vu) -> impl Future<Output = ()> + Send + 'a {
        std::future::ready(())
    }

    /// Resolves with the user tags of the iteration's samples (`iterations`,
    /// `iteration_duration`): a JS VU's tags as they were at its end; empty for native VUs.
    fn iterate<'a>(&'a self, vu: &'a mut Self::Vu) -> impl Future<Output = TagSet> + Send + 'a;

    /// The executor dropped an `iterate` future of this VU before it finished and will use the VU
    /// again (ramping-vus at the end of `gracefulRampDown`): undo what the dropped future may
    /// have left half done. A hard stop never reuses the VU, so it does not call this.
    fn abandoned(&self, _vu: &mut Self::Vu) {}

    /// Closes the VU's idle connections (k6's `noVUConnectionReuse`, after each iteration).
    fn close_connections(&self, _vu: &mut Self::Vu) {}
}
