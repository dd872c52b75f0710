use std::time::Duration;

/// The executors of this slice; the others arrive with their own issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorKind {
    ConstantVus,
    ExternallyControlled,
    SharedIterations,
    PerVuIterations,
}

impl ExecutorKind {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "constant-vus" => ExecutorKind::ConstantVus,
            "externally-controlled" => ExecutorKind::ExternallyControlled,
            "shared-iterations" => ExecutorKind::SharedIterations,
            "per-vu-iterations" => ExecutorKind::PerVuIterations,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExecutorKind::ConstantVus => "constant-vus",
            ExecutorKind::ExternallyControlled => "externally-controlled",
            ExecutorKind::SharedIterations => "shared-iterations",
            ExecutorKind::PerVuIterations => "per-vu-iterations",
        }
    }
}

/// One scenario, with k6's option names and defaults (spec §11).
#[derive(Debug, Clone)]
pub struct ScenarioConfig {
    pub name: String,
    pub executor: ExecutorKind,
    pub vus: u64,
    /// externally-controlled's `maxVUs` (defaults to `vus`); the pool of the others is `vus`.
    pub max_vus: Option<u64>,
    /// constant-vus and externally-controlled: `duration` (externally-controlled: None = no end).
    /// The iteration executors: `maxDuration` (default 10m).
    pub duration: Option<Duration>,
    pub iterations: u64,
    /// k6's default is 30 s.
    pub graceful_stop: Duration,
}

impl ScenarioConfig {
    pub fn new(name: &str, executor: ExecutorKind) -> Self {
        ScenarioConfig {
            name: name.to_string(),
            executor,
            vus: 1,
            max_vus: None,
            duration: None,
            iterations: 1,
            graceful_stop: Duration::from_secs(30),
        }
    }

    /// The VU pool this scenario initialises.
    pub fn pool_size(&self) -> u64 {
        match self.executor {
            ExecutorKind::ExternallyControlled => self.max_vus.unwrap_or(self.vus),
            _ => self.vus,
        }
    }

    /// The end of the scenario's schedule, un-paused time (None: only a stop ends it).
    pub fn time_limit(&self) -> Option<Duration> {
        match self.executor {
            ExecutorKind::ConstantVus | ExecutorKind::ExternallyControlled => self.duration,
            ExecutorKind::SharedIterations | ExecutorKind::PerVuIterations => {
                Some(self.duration.unwrap_or(Duration::from_secs(600)))
            }
        }
    }

    /// k6's validation messages where it has them.
    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        let kind = self.executor.as_str();
        let err = |m: String| Err(format!("scenario {name} ({kind}): {m}"));
        match self.executor {
            ExecutorKind::ConstantVus => {
                if self.vus == 0 {
                    return err("the number of VUs must be more than 0".into());
                }
                match self.duration {
                    None => return err("the duration is unspecified".into()),
                    Some(d) if d < Duration::from_secs(1) => {
                        return err("the duration should be at least 1s".into())
                    }
                    _ => {}
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
}
