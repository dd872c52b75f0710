//! The time plans behind the ramping and arrival-rate executors: pure functions of the
//! scenario's (un-paused) clock, so pause, resume and tests need no special cases.

use super::config::Stage;
use std::time::Duration;

/// A VU target ramped linearly through `stages` from `start` (ramping-vus).
///
/// k6 changes the VU count one VU at a time, at the instant the straight line between two stage
/// targets reaches the next whole VU (`getRawExecutionSteps`): ramping 0 -> 4 over 1 s gives 1 VU
/// at 250 ms and 4 at 1 s; 4 -> 0 over 1 s gives 3 VUs at 250 ms and 0 at 1 s. So the value is
/// the line truncated towards the stage's starting value.
#[derive(Debug, Clone)]
pub(crate) struct VuRamp {
    start: u64,
    stages: Vec<Stage>,
}

/// Where a clock reading falls in the stages.
struct Position {
    /// Stages that ended at or before the reading (== `stages.len()` after the last one).
    index: usize,
    stage_start: Duration,
    from: u64,
}

impl VuRamp {
    pub fn new(start: u64, stages: &[Stage]) -> Self {
        VuRamp {
            start,
            stages: stages.to_vec(),
        }
    }

    fn position(&self, at: Duration) -> Position {
        let mut pos = Position {
            index: 0,
            stage_start: Duration::ZERO,
            from: self.start,
        };
        for stage in &self.stages {
            let end = pos.stage_start + stage.duration;
            if at < end {
                break;
            }
            pos.index += 1;
            pos.stage_start = end;
            pos.from = stage.target;
        }
        pos
    }

    /// The stage `at` falls in (`stages.len()` once they are all over). A manual target holds
    /// until this changes (see `RampingVusSchedule`).
    pub fn stage_index(&self, at: Duration) -> usize {
        self.position(at).index
    }

    /// The VU target at `at`.
    pub fn target(&self, at: Duration) -> u64 {
        let pos = self.position(at);
        let Some(stage) = self.stages.get(pos.index) else {
            return pos.from;
        };
        let (from, to) = (pos.from as i128, stage.target as i128);
        let into = (at - pos.stage_start).as_nanos() as i128;
        // Integer division truncates towards zero, i.e. towards `from`.
        (from + (to - from) * into / stage.duration.as_nanos() as i128) as u64
    }

    /// The next clock reading after `at` where the target may change (the next whole VU on the
    /// current ramp, or the end of the current stage); None after the last stage.
    pub fn next_change(&self, at: Duration) -> Option<Duration> {
        let pos = self.position(at);
        let stage = self.stages.get(pos.index)?;
        let end = pos.stage_start + stage.duration;
        let current = self.target(at);
        if current == stage.target {
            return Some(end);
        }
        let (from, to) = (pos.from as i128, stage.target as i128);
        let step = if to > from { 1 } else { -1 };
        let next = current as i128 + step;
        // The smallest `into` with |to - from| * into >= |next - from| * duration.
        let num = (next - from).abs() * stage.duration.as_nanos() as i128;
        let den = (to - from).abs();
        let into = (num + den - 1) / den;
        Some((pos.stage_start + Duration::from_nanos(into as u64)).min(end))
    }
}

/// When each iteration of an arrival-rate executor starts, in scenario-clock time.
pub(crate) enum ArrivalPlan {
    /// constant-arrival-rate: iteration `n` (from 0) at `n * time_unit / rate`, so the first one
    /// starts at once (k6's constant-arrival-rate does the same).
    Constant {
        rate: u64,
        time_unit_ns: u128,
        n: u128,
    },
    /// ramping-arrival-rate: iteration `i` (from 1) starts when the area under the rate curve
    /// reaches `i` (k6's `RampingArrivalRateConfig.cal`, closed form per linear stage). Unlike
    /// constant-arrival-rate the first iteration waits for one whole iteration's worth of area.
    Ramping(RampingArrivals),
}

pub(crate) struct RampingArrivals {
    stages: Vec<Stage>,
    /// Rates are in iterations per nanosecond, durations in nanoseconds (as in k6).
    time_unit_ns: f64,
    next_stage: usize,
    stage_start: f64,
    from: f64,
    to: f64,
    dur: f64,
    done_so_far: f64,
    end_count: f64,
    i: f64,
    finished: bool,
}

impl ArrivalPlan {
    pub fn constant(rate: u64, time_unit: Duration) -> Self {
        ArrivalPlan::Constant {
            rate,
            time_unit_ns: time_unit.as_nanos(),
            n: 0,
        }
    }

    pub fn ramping(start_rate: u64, time_unit: Duration, stages: &[Stage]) -> Self {
        let unit = time_unit.as_nanos() as f64;
        ArrivalPlan::Ramping(RampingArrivals {
            stages: stages.to_vec(),
            time_unit_ns: unit,
            next_stage: 0,
            stage_start: 0.0,
            from: start_rate as f64 / unit,
            to: 0.0,
            dur: 0.0,
            done_so_far: 0.0,
            end_count: 0.0,
            i: 1.0,
            finished: false,
        })
    }

    /// The start of the next iteration; None when the plan has no more.
    pub fn next_start(&mut self) -> Option<Duration> {
        match self {
            ArrivalPlan::Constant {
                rate,
                time_unit_ns,
                n,
            } => {
                if *rate == 0 {
                    return None;
                }
                let at = *n * *time_unit_ns / *rate as u128;
                *n += 1;
                Some(Duration::from_nanos(at.min(u64::MAX as u128) as u64))
            }
            ArrivalPlan::Ramping(r) => r.next_start(),
        }
    }
}

impl RampingArrivals {
    fn next_start(&mut self) -> Option<Duration> {
        while !self.finished {
            if self.next_stage > 0 && self.i <= self.end_count {
                let (from, to, dur, done) = (self.from, self.to, self.dur, self.done_so_far);
                let x = if from != to {
                    let inner = dur * (from * from * dur + 2.0 * (self.i - done) * (to - from));
                    (from * dur - inner.max(0.0).sqrt()) / (from - to)
                } else {
                    (self.i - done) / to
                };
                self.i += 1.0;
                return Some(Duration::from_nanos((self.stage_start + x).max(0.0) as u64));
            }
            if self.next_stage > 0 {
                self.done_so_far = self.end_count;
                self.from = self.to;
                self.stage_start += self.dur;
            }
            let Some(stage) = self.stages.get(self.next_stage) else {
                self.finished = true;
                break;
            };
            self.next_stage += 1;
            self.to = stage.target as f64 / self.time_unit_ns;
            self.dur = stage.duration.as_nanos() as f64;
            self.end_count += if self.from != self.to {
                self.dur * ((self.to - self.from) / 2.0 + self.from)
            } else {
                self.dur * self.to
            };
        }
        None
    }
}

/// The ramping-arrival-rate rate at scenario-clock `at`, per `time_unit` (linear within each
/// stage, from `start_rate`; the last target after the last stage).
pub(crate) fn ramping_rate_at(start_rate: u64, stages: &[Stage], at: Duration) -> f64 {
    let mut from = start_rate as f64;
    let mut stage_start = Duration::ZERO;
    for stage in stages {
        let end = stage_start + stage.duration;
        let to = stage.target as f64;
        if at < end {
            let into = (at - stage_start).as_secs_f64() / stage.duration.as_secs_f64();
            return from + (to - from) * into;
        }
        from = to;
        stage_start = end;
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn stage(duration_ms: u64, target: u64) -> Stage {
        Stage {
            duration: ms(duration_ms),
            target,
        }
    }

    #[test]
    fn vu_ramp_steps_one_vu_at_a_time_like_k6() {
        let r = VuRamp::new(0, &[stage(1000, 4), stage(1000, 4), stage(1000, 0)]);
        let at = |t| r.target(ms(t));
        assert_eq!(
            [at(0), at(249), at(250), at(500), at(999), at(1000)],
            [0, 0, 1, 2, 3, 4]
        );
        assert_eq!([at(1500), at(2000), at(2249), at(2250)], [4, 4, 4, 3]);
        assert_eq!([at(2999), at(3000), at(9000)], [1, 0, 0]);
        assert_eq!(r.next_change(ms(0)), Some(ms(250)));
        assert_eq!(r.next_change(ms(260)), Some(ms(500)));
        assert_eq!(r.next_change(ms(1200)), Some(ms(2000)));
        assert_eq!(r.next_change(ms(2000)), Some(ms(2250)));
        assert_eq!(r.next_change(ms(3000)), None);
        assert_eq!([r.stage_index(ms(999)), r.stage_index(ms(1000))], [0, 1]);
    }

    #[test]
    fn a_zero_length_stage_jumps_to_its_target() {
        let r = VuRamp::new(2, &[stage(0, 10), stage(1000, 10)]);
        assert_eq!(r.target(ms(0)), 10);
        assert_eq!(r.target(ms(500)), 10);
    }

    fn count_until(plan: &mut ArrivalPlan, end: Duration) -> Vec<Duration> {
        let mut out = Vec::new();
        while let Some(t) = plan.next_start() {
            if t >= end {
                break;
            }
            out.push(t);
        }
        out
    }

    #[test]
    fn constant_rate_is_evenly_spaced_from_zero() {
        let mut p = ArrivalPlan::constant(200, Duration::from_secs(1));
        let starts = count_until(&mut p, Duration::from_secs(2));
        assert_eq!(starts.len(), 400);
        assert_eq!(starts[0], Duration::ZERO);
        assert_eq!(starts[1], ms(5));
        assert_eq!(starts[399], ms(1995));
    }

    #[test]
    fn ramping_rate_follows_the_area_under_the_curve() {
        // 0 -> 200/s over 1 s (area 100), 200/s for 1 s (area 200).
        let mut p = ArrivalPlan::ramping(
            0,
            Duration::from_secs(1),
            &[stage(1000, 200), stage(1000, 200)],
        );
        let starts = count_until(&mut p, Duration::from_secs(3));
        assert!((299..=300).contains(&starts.len()), "{}", starts.len());
        // The first iteration starts when the area reaches 1: 200 t^2 / 2 = 1 -> t = 100 ms.
        assert!(
            (starts[0].as_secs_f64() - 0.1).abs() < 1e-6,
            "{:?}",
            starts[0]
        );
        let first_second = starts
            .iter()
            .filter(|t| **t < Duration::from_secs(1))
            .count();
        assert!((99..=100).contains(&first_second), "{first_second}");
        assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn ramping_rate_at_interpolates_each_stage() {
        let stages = [stage(1000, 100), stage(1000, 100), stage(2000, 0)];
        let at = |t| ramping_rate_at(20, &stages, ms(t));
        assert_eq!(
            [at(0), at(500), at(1000), at(1999)],
            [20.0, 60.0, 100.0, 100.0]
        );
        assert_eq!([at(3000), at(4000), at(9000)], [50.0, 0.0, 0.0]);
    }

    #[test]
    fn ramping_rate_uses_the_time_unit() {
        // 60 per minute for 2 s = 1/s: 2 iterations.
        let mut p = ArrivalPlan::ramping(60, Duration::from_secs(60), &[stage(2000, 60)]);
        assert_eq!(count_until(&mut p, Duration::from_secs(5)).len(), 2);
    }
}
