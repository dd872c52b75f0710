/// k6's execution status values, serialised as numbers on the wire (spec §4.2).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunStatus {
    Created = 0,
    InitVUs = 1,
    InitExecutors = 2,
    InitDone = 3,
    PausedBeforeRun = 4,
    Started = 5,
    Setup = 6,
    Running = 7,
    Teardown = 8,
    Ended = 9,
    Interrupted = 10,
    MarkedAsFailed = 11,
}

impl RunStatus {
    pub fn from_u32(v: u32) -> RunStatus {
        use RunStatus::*;
        match v {
            0 => Created,
            1 => InitVUs,
            2 => InitExecutors,
            3 => InitDone,
            4 => PausedBeforeRun,
            5 => Started,
            6 => Setup,
            7 => Running,
            8 => Teardown,
            9 => Ended,
            10 => Interrupted,
            _ => MarkedAsFailed,
        }
    }

    /// k6's `running`: started and not ended. volley turns it false after a stop too, once the
    /// run is really over (spec README item 4); k6 leaves it true.
    pub fn is_running(self) -> bool {
        (RunStatus::Started..=RunStatus::Teardown).contains(&self)
    }

    pub fn is_finished(self) -> bool {
        self >= RunStatus::Ended
    }
}
