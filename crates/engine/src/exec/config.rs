use crate::control::ScenarioPlan;
use std::time::Duration;

/// k6's executors (spec §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorKind {
    ConstantVus,
    ExternallyControlled,
    SharedIterations,
    PerVuIterations,
    RampingVus,
    ConstantArrivalRate,
    RampingArrivalRate,
}

impl ExecutorKind {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "constant-vus" => ExecutorKind::ConstantVus,
            "externally-controlled" => ExecutorKind::ExternallyControlled,
            "shared-iterations" => ExecutorKind::SharedIterations,
            "per-vu-iterations" => ExecutorKind::PerVuIterations,
            "ramping-vus" => ExecutorKind::RampingVus,
            "constant-arrival-rate" => ExecutorKind::ConstantArrivalRate,
            "ramping-arrival-rate" => ExecutorKind::RampingArrivalRate,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExecutorKind::ConstantVus => "constant-vus",
            ExecutorKind::ExternallyControlled => "externally-controlled",
            ExecutorKind::SharedIterations => "shared-iterations",
            ExecutorKind::PerVuIterations => "per-vu-iterations",
            ExecutorKind::RampingVus => "ramping-vus",
            ExecutorKind::ConstantArrivalRate => "constant-arrival-rate",
            ExecutorKind::RampingArrivalRate => "ramping-arrival-rate",
        }
    }

    /// Open-model executors: the engine starts iterations at a rate, VUs only carry them out.
    pub fn is_arrival_rate(self) -> bool {
        matches!(
            self,
            ExecutorKind::ConstantArrivalRate | ExecutorKind::RampingArrivalRate
        )
    }
}

/// One step of `stages`: reach `target` (VUs, or iterations per `timeUnit`) linearly over
/// `duration`, starting from the previous stage's target (or `startVUs` / `startRate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    pub duration: Duration,
    pub target: u64,
}

/// k6's `maxConcurrentVUs`: the most VUs a ramp may ask for.
const MAX_CONCURRENT_VUS: u64 = 100_000_000;

/// One scenario, with k6's option names and defaults (spec §11).
#[derive(Debug, Clone)]
pub struct ScenarioConfig {
    pub name: String,
    pub executor: ExecutorKind,
    /// k6's `startTime`: when the scenario starts, on the run's un-paused clock (default 0).
    pub start_time: Duration,
    /// `vus`; ramping-vus: `startVUs` (k6's default 1 either way).
    pub vus: u64,
    /// `maxVUs`: externally-controlled (defaults to `vus`) and the arrival-rate executors
    /// (defaults to `preAllocatedVUs`). The pool of the others is `vus`.
    pub max_vus: Option<u64>,
    /// constant-vus and externally-controlled: `duration` (externally-controlled: None = no end).
    /// The iteration executors: `maxDuration` (default 10m). constant-arrival-rate: `duration`.
    pub duration: Option<Duration>,
    pub iterations: u64,
    /// k6's default is 30 s.
    pub graceful_stop: Duration,
    /// ramping-vus (VU targets) and ramping-arrival-rate (rates per `time_unit`).
    pub stages: Vec<Stage>,
    /// constant-arrival-rate: iterations started per `time_unit`.
    pub rate: u64,
    /// ramping-arrival-rate: `startRate`, the rate before the first stage (k6's default 0).
    pub start_rate: u64,
    /// The arrival-rate executors' `timeUnit` (k6's default 1 s).
    pub time_unit: Duration,
    /// The arrival-rate executors' `preAllocatedVUs` (required: None is a validation error).
    pub pre_allocated_vus: Option<u64>,
    /// ramping-vus: how long a VU above a falling target may finish its iteration (default 30 s).
    pub graceful_ramp_down: Duration,
    /// k6's `minIterationDuration` (a run-wide option): a VU whose iteration took less waits
    /// out the rest before its next one, outside the iteration's time (default 0: no wait).
    pub min_iteration_duration: Duration,
    /// k6's `noVUConnectionReuse` (run-wide): a VU's connections close when its iteration ends.
    pub no_vu_connection_reuse: bool,
}

impl ScenarioConfig {
    pub fn new(name: &str, executor: ExecutorKind) -> Self {
        ScenarioConfig {
            name: name.to_string(),
            executor,
            start_time: Duration::ZERO,
            vus: 1,
            max_vus: None,
            duration: None,
            iterations: 1,
            graceful_stop: Duration::from_secs(30),
            stages: Vec::new(),
            rate: 0,
            start_rate: 0,
            time_unit: Duration::from_secs(1),
            pre_allocated_vus: None,
            graceful_ramp_down: Duration::from_secs(30),
            min_iteration_duration: Duration::ZERO,
            no_vu_connection_reuse: false,
        }
    }

    /// The VU pool this scenario initialises (arrival-rate executors grow it up to
    /// [`Self::max_pool`] mid-test).
    pub fn pool_size(&self) -> u64 {
        match self.executor {
            ExecutorKind::ExternallyControlled => self.max_vus.unwrap_or(self.vus),
            ExecutorKind::RampingVus => self.stages.iter().fold(self.vus, |m, s| m.max(s.target)),
            ExecutorKind::ConstantArrivalRate | ExecutorKind::RampingArrivalRate => {
                self.pre_allocated_vus.unwrap_or(0)
            }
            _ => self.vus,
        }
    }

    /// The most VUs the scenario may hold without a live update: arrival-rate `maxVUs`.
    pub fn max_pool(&self) -> u64 {
        match self.executor {
            ExecutorKind::ConstantArrivalRate | ExecutorKind::RampingArrivalRate => {
                self.max_vus.unwrap_or(0).max(self.pool_size())
            }
            _ => self.pool_size(),
        }
    }

    /// The active VU target at the start: ramping-vus `startVUs`; for arrival-rate executors,
    /// where the target caps the VUs busy at once, the whole pre-allocated pool.
    pub fn initial_target_vus(&self) -> u64 {
        if self.executor.is_arrival_rate() {
            self.pool_size()
        } else {
            self.vus
        }
    }

    /// The arrival-rate executors' rate at the start, iterations per second.
    pub fn initial_rate(&self) -> Option<f64> {
        let per_unit = match self.executor {
            ExecutorKind::ConstantArrivalRate => self.rate,
            ExecutorKind::RampingArrivalRate => self.start_rate,
            _ => return None,
        };
        Some(per_unit as f64 / self.time_unit.as_secs_f64().max(f64::MIN_POSITIVE))
    }

    /// What the control handle knows of this scenario (see [`ScenarioPlan`]).
    pub fn control_plan(&self) -> ScenarioPlan {
        ScenarioPlan {
            name: self.name.clone(),
            executor: self.executor.as_str(),
            start_time: self.start_time,
            time_limit: self.time_limit(),
            iterations: match self.executor {
                ExecutorKind::SharedIterations => Some(self.iterations),
                ExecutorKind::PerVuIterations => Some(self.iterations.saturating_mul(self.vus)),
                _ => None,
            },
            rate: self.initial_rate(),
            target_vus: self.initial_target_vus(),
            vus_max: self.pool_size(),
        }
    }

    /// The end of the scenario's schedule, un-paused time (None: only a stop ends it).
    pub fn time_limit(&self) -> Option<Duration> {
        match self.executor {
            ExecutorKind::ConstantVus
            | ExecutorKind::ExternallyControlled
            | ExecutorKind::ConstantArrivalRate => self.duration,
            ExecutorKind::SharedIterations | ExecutorKind::PerVuIterations => {
                Some(self.duration.unwrap_or(Duration::from_secs(600)))
            }
            ExecutorKind::RampingVus | ExecutorKind::RampingArrivalRate => {
                Some(self.stages.iter().map(|s| s.duration).sum())
            }
        }
    }

    /// k6's validation messages where it has them.
    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        let kind = self.executor.as_str();
        let err = |m: String| Err(format!("scenario {name} ({kind}): {m}"));
        let duration_at_least_1s = || match self.duration {
            None => Some("the duration is unspecified".to_string()),
            Some(d) if d < Duration::from_secs(1) => {
                Some("the duration should be at least 1s".to_string())
            }
            _ => None,
        };
        match self.executor {
            ExecutorKind::ConstantVus => {
                if self.vus == 0 {
                    return err("the number of VUs must be more than 0".into());
                }
                if let Some(m) = duration_at_least_1s() {
                    return err(m);
                }
            }
            ExecutorKind::RampingVus => {
                if let Some(m) = validate_stages(&self.stages) {
                    return err(m);
                }
                if self.pool_size() == 0 {
                    return err("either startVUs or one of the stages' target values must be greater than 0".into());
                }
                if self.vus > MAX_CONCURRENT_VUS {
                    return err(format!(
                        "the startVUs exceed max limit of {MAX_CONCURRENT_VUS}"
                    ));
                }
                if let Some(i) = self
                    .stages
                    .iter()
                    .position(|s| s.target > MAX_CONCURRENT_VUS)
                {
                    return err(format!(
                        "target for stage {} exceeds max limit of {MAX_CONCURRENT_VUS}",
                        i + 1
                    ));
                }
            }
            ExecutorKind::ConstantArrivalRate | ExecutorKind::RampingArrivalRate => {
                let constant = self.executor == ExecutorKind::ConstantArrivalRate;
                if constant && self.rate == 0 {
                    return err("the iteration rate must be more than 0".into());
                }
                if self.time_unit.is_zero() {
                    return err("the timeUnit must be more than 0".into());
                }
                if constant {
                    if let Some(m) = duration_at_least_1s() {
                        return err(m);
                    }
                } else if let Some(m) = validate_stages(&self.stages) {
                    return err(m);
                }
                let Some(pre) = self.pre_allocated_vus else {
                    return err("the number of preAllocatedVUs isn't specified".into());
                };
                if self.max_vus.is_some_and(|max| max < pre) {
                    return err("maxVUs can't be less than preAllocatedVUs".into());
                }
            }
            ExecutorKind::ExternallyControlled => {
                if self.vus > self.pool_size() {
                    return err(format!(
                        "the number of active VUs ({}) must be less than or equal to the number of maxVUs ({})",
                        self.vus,
                        self.pool_size()
                    ));
                }
            }
            ExecutorKind::SharedIterations | ExecutorKind::PerVuIterations => {
                if self.vus == 0 {
                    return err("the number of VUs must be more than 0".into());
                }
                if self.iterations == 0 {
                    return err("the number of iterations must be more than 0".into());
                }
                if self.executor == ExecutorKind::SharedIterations && self.vus > self.iterations {
                    return err(format!(
                        "the number of iterations ({}) can't be less than the number of VUs ({})",
                        self.iterations, self.vus
                    ));
                }
            }
        }
        Ok(())
    }
}

/// k6's `validateStages`, first message only (negative values cannot be represented here).
fn validate_stages(stages: &[Stage]) -> Option<String> {
    stages
        .is_empty()
        .then(|| "at least one stage has to be specified".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_vus_needs_a_duration_and_vus() {
        let mut c = ScenarioConfig::new("default", ExecutorKind::ConstantVus);
        assert!(c
            .validate()
            .unwrap_err()
            .contains("duration is unspecified"));
        c.duration = Some(Duration::from_secs(10));
        c.vus = 0;
        assert!(c.validate().unwrap_err().contains("more than 0"));
        c.vus = 5;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn shared_iterations_refuses_fewer_iterations_than_vus() {
        let mut c = ScenarioConfig::new("default", ExecutorKind::SharedIterations);
        c.vus = 10;
        c.iterations = 5;
        assert!(c.validate().unwrap_err().contains("can't be less than"));
    }

    #[test]
    fn iteration_executors_default_to_ten_minutes() {
        let c = ScenarioConfig::new("default", ExecutorKind::PerVuIterations);
        assert_eq!(c.time_limit(), Some(Duration::from_secs(600)));
    }

    fn stage(secs: u64, target: u64) -> Stage {
        Stage {
            duration: Duration::from_secs(secs),
            target,
        }
    }

    #[test]
    fn the_new_executor_names_parse() {
        for name in [
            "ramping-vus",
            "constant-arrival-rate",
            "ramping-arrival-rate",
        ] {
            assert_eq!(ExecutorKind::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn ramping_vus_needs_stages_and_some_vus() {
        let mut c = ScenarioConfig::new("ramp", ExecutorKind::RampingVus);
        assert_eq!(
            c.validate().unwrap_err(),
            "scenario ramp (ramping-vus): at least one stage has to be specified"
        );
        c.vus = 0;
        c.stages = vec![stage(10, 0)];
        assert!(c.validate().unwrap_err().ends_with(
            "either startVUs or one of the stages' target values must be greater than 0"
        ));
        c.stages = vec![stage(10, 5), stage(5, 20), stage(10, 0)];
        assert!(c.validate().is_ok());
        assert_eq!(c.pool_size(), 20);
        assert_eq!(c.initial_target_vus(), 0);
        assert_eq!(c.time_limit(), Some(Duration::from_secs(25)));
        c.stages[1].target = 100_000_001;
        assert!(c
            .validate()
            .unwrap_err()
            .ends_with("target for stage 2 exceeds max limit of 100000000"));
    }

    #[test]
    fn constant_arrival_rate_uses_k6_messages_and_defaults() {
        let mut c = ScenarioConfig::new("car", ExecutorKind::ConstantArrivalRate);
        let msg = |c: &ScenarioConfig| c.validate().unwrap_err();
        assert!(msg(&c).ends_with("the iteration rate must be more than 0"));
        c.rate = 100;
        c.time_unit = Duration::ZERO;
        assert!(msg(&c).ends_with("the timeUnit must be more than 0"));
        c.time_unit = Duration::from_secs(1);
        assert!(msg(&c).ends_with("the duration is unspecified"));
        c.duration = Some(Duration::from_secs(30));
        assert!(msg(&c).ends_with("the number of preAllocatedVUs isn't specified"));
        c.pre_allocated_vus = Some(10);
        c.max_vus = Some(5);
        assert!(msg(&c).ends_with("maxVUs can't be less than preAllocatedVUs"));
        c.max_vus = None;
        assert!(c.validate().is_ok());
        assert_eq!(
            (c.pool_size(), c.max_pool(), c.initial_target_vus()),
            (10, 10, 10)
        );
        c.max_vus = Some(50);
        assert_eq!(c.max_pool(), 50);
    }

    #[test]
    fn ramping_arrival_rate_needs_stages_and_preallocated_vus() {
        let mut c = ScenarioConfig::new("rar", ExecutorKind::RampingArrivalRate);
        assert!(c
            .validate()
            .unwrap_err()
            .ends_with("at least one stage has to be specified"));
        c.stages = vec![stage(2, 100), stage(3, 0)];
        assert!(c
            .validate()
            .unwrap_err()
            .ends_with("the number of preAllocatedVUs isn't specified"));
        c.pre_allocated_vus = Some(0);
        c.max_vus = Some(20);
        assert!(c.validate().is_ok());
        assert_eq!(c.time_limit(), Some(Duration::from_secs(5)));
    }
}
