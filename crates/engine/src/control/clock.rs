use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The run's clock: time since the start minus time spent paused (k6 excludes paused time from
/// the test-run duration, so counter rates and `duration` limits exclude it too; spec §4.3).
pub struct RunClock {
    start: OnceLock<Instant>,
    end: OnceLock<Instant>,
    paused_total_ns: AtomicU64,
    paused_since: Mutex<Option<Instant>>,
}

impl Default for RunClock {
    fn default() -> Self {
        Self::new()
    }
}

impl RunClock {
    pub fn new() -> Self {
        RunClock {
            start: OnceLock::new(),
            end: OnceLock::new(),
            paused_total_ns: AtomicU64::new(0),
            paused_since: Mutex::new(None),
        }
    }

    pub fn start(&self) {
        let now = Instant::now();
        let _ = self.start.set(now);
        let mut since = self.paused_since.lock().unwrap_or_else(|e| e.into_inner());
        // A run started paused (`--paused`) counts its pause from the start.
        if since.is_some() {
            *since = Some(now);
        }
    }

    pub fn started(&self) -> bool {
        self.start.get().is_some()
    }

    /// Freezes the clock at its current reading; later calls change nothing.
    pub fn finish(&self) {
        self.resume();
        let _ = self.end.set(Instant::now());
    }

    pub fn pause(&self) {
        let mut since = self.paused_since.lock().unwrap_or_else(|e| e.into_inner());
        if since.is_none() {
            *since = Some(Instant::now());
        }
    }

    pub fn resume(&self) {
        let mut since = self.paused_since.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = since.take() {
            if self.started() {
                let paused = t.elapsed().as_nanos() as u64;
                self.paused_total_ns.fetch_add(paused, Ordering::Relaxed);
            }
        }
    }

    /// Un-paused time since the start (zero before it).
    pub fn elapsed(&self) -> Duration {
        let Some(start) = self.start.get() else {
            return Duration::ZERO;
        };
        let now = self.end.get().copied().unwrap_or_else(Instant::now);
        let mut paused = Duration::from_nanos(self.paused_total_ns.load(Ordering::Relaxed));
        if self.end.get().is_none() {
            if let Some(t) = *self.paused_since.lock().unwrap_or_else(|e| e.into_inner()) {
                paused += now.saturating_duration_since(t.max(*start));
            }
        }
        now.saturating_duration_since(*start).saturating_sub(paused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paused_time_is_excluded() {
        let c = RunClock::new();
        c.start();
        std::thread::sleep(Duration::from_millis(30));
        c.pause();
        std::thread::sleep(Duration::from_millis(60));
        let during = c.elapsed();
        c.resume();
        let after = c.elapsed();
        assert!(during < Duration::from_millis(55), "{during:?}");
        assert!(after < Duration::from_millis(60), "{after:?}");
        assert!(after >= Duration::from_millis(30));
    }

    #[test]
    fn finish_freezes_the_reading() {
        let c = RunClock::new();
        c.start();
        c.finish();
        let a = c.elapsed();
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(a, c.elapsed());
    }
}
