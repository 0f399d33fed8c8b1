//! The engine's API surface: one function per use case, called alike by the CLI, the
//! desktop app and tests. Everything a face needs comes through here; the stages below
//! never know who called them.

pub mod bindings;
pub mod crosswalk;
pub mod diff;
pub mod dto;
pub mod export;
pub mod import;
pub mod mapping;
pub mod matching;
pub mod merge;
pub mod profile;
pub mod project;
pub mod push;
pub mod recent;
pub mod reconcile;
pub mod sample;
pub mod sources;
pub mod status;
pub mod studio;
pub mod validate;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::api::dto::{ProgressEvent, Stage};
use crate::error::{EngineError, Result};

/// The time source. Injected so that tests and reports are reproducible.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time.
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// What every use case runs against: the project file and the clock.
#[derive(Clone)]
pub struct Ctx {
    pub project: PathBuf,
    pub clock: Arc<dyn Clock>,
}

impl Ctx {
    pub fn new(project: impl Into<PathBuf>) -> Self {
        Ctx {
            project: project.into(),
            clock: Arc::new(SystemClock),
        }
    }

    pub fn with_clock(project: impl Into<PathBuf>, clock: Arc<dyn Clock>) -> Self {
        Ctx {
            project: project.into(),
            clock,
        }
    }

    pub fn project_path(&self) -> &Path {
        &self.project
    }

    pub(crate) fn now_text(&self) -> String {
        self.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    pub(crate) fn open(&self) -> Result<rusqlite::Connection> {
        crate::store::open(&self.project)
    }
}

/// Where long-running work reports how far it got. The app sends these over a channel;
/// the CLI prints them. Reports carry counts only.
pub trait ProgressSink: Send + Sync {
    fn report(&self, event: ProgressEvent);
}

/// A sink that drops every report.
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn report(&self, _: ProgressEvent) {}
}

impl<F: Fn(ProgressEvent) + Send + Sync> ProgressSink for F {
    fn report(&self, event: ProgressEvent) {
        self(event)
    }
}

/// A cancel flag, checked by long work between batches.
#[derive(Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn check(&self, what: &str) -> Result<()> {
        if self.is_cancelled() {
            Err(EngineError::Cancelled {
                what: what.to_string(),
            })
        } else {
            Ok(())
        }
    }
}

/// Passes reports on at most about ten times a second, plus the last one.
pub(crate) struct Throttled<'a> {
    sink: &'a dyn ProgressSink,
    stage: Stage,
    unit: &'static str,
    total: Option<i64>,
    last: Option<Instant>,
}

impl<'a> Throttled<'a> {
    pub(crate) fn new(
        sink: &'a dyn ProgressSink,
        stage: Stage,
        unit: &'static str,
        total: Option<i64>,
    ) -> Self {
        Throttled {
            sink,
            stage,
            unit,
            total,
            last: None,
        }
    }

    pub(crate) fn tick(&mut self, done: i64) {
        let due = self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
        if due {
            self.last = Some(Instant::now());
            self.emit(done);
        }
    }

    pub(crate) fn finish(&mut self, done: i64) {
        self.emit(done);
    }

    fn emit(&self, done: i64) {
        self.sink.report(ProgressEvent {
            stage: self.stage,
            done,
            total: self.total,
            unit: self.unit.to_string(),
        });
    }
}
