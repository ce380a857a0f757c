//! What a store holds during one call: WASI with nothing granted, the memory limiter, and the
//! host imports (calendar, today, log).

use std::sync::Arc;
use std::time::Duration;

use egov_kernel::{Calendar, Clock, Term, Unit, time};
use wasmtime::ResourceLimiter;
use wasmtime_wasi::{
    HostMonotonicClock, HostWallClock, ResourceTable, WasiCtx, WasiCtxView, WasiView,
};

use crate::bindings::{v1, v2};

/// The per-call state of a store.
pub(crate) struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    calendar: Arc<Calendar>,
    clock: Arc<dyn Clock>,
    variant: String,
    log: LogBudget,
    /// What an inline call met at its inline deadline, if it reached one.
    pub(crate) overrun: Option<Overrun>,
}

/// Why an inline call passed its inline deadline (`engine::at_inline_deadline`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Overrun {
    /// Its thread had not computed for the inline CPU budget (it was preempted): the call went
    /// on inline.
    Preempted,
    /// Its thread had computed for the inline CPU budget: the call was abandoned, to be run
    /// again off the worker.
    Computed,
}

/// The most log lines one call may write; the rest are counted, not written.
pub const LOG_BUDGET_LINES: u32 = 64;
/// The most bytes of log messages one call may write (each line is also cut at 2,000
/// characters).
pub const LOG_BUDGET_BYTES: usize = 64 << 10;

/// What one call has written to the log, and what it was refused.
#[derive(Default)]
struct LogBudget {
    lines: u32,
    bytes: usize,
    dropped: u64,
}

/// Denies memory growth past the limit and remembers it did, so the fault is typed.
pub(crate) struct Limiter {
    pub(crate) memory_limit: usize,
    pub(crate) hit: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Clocks that always read zero: a variant gets time only from the host's `today`.
struct Frozen;

impl HostWallClock for Frozen {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for Frozen {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl State {
    pub(crate) fn new(
        calendar: Arc<Calendar>,
        clock: Arc<dyn Clock>,
        variant: String,
        memory_limit: usize,
    ) -> Self {
        // Nothing granted: no preopened directories, no environment, no arguments, no
        // network (the socket address check denies everything by default), null stdio,
        // frozen clocks, deterministic randomness.
        let wasi = WasiCtx::builder()
            .wall_clock(Frozen)
            .monotonic_clock(Frozen)
            .secure_random(wasmtime_wasi::Deterministic::new(vec![4, 2]))
            .insecure_random(wasmtime_wasi::Deterministic::new(vec![4, 2]))
            .insecure_random_seed(0)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: Limiter {
                memory_limit,
                hit: false,
            },
            calendar,
            clock,
            variant,
            log: LogBudget::default(),
            overrun: None,
        }
    }

    /// After the call: one line saying how many lines past the budget were not written.
    pub(crate) fn log_dropped(&self) {
        if self.log.dropped > 0 {
            tracing::warn!(
                variant = %self.variant,
                dropped = self.log.dropped,
                "the variant wrote more than {LOG_BUDGET_LINES} lines or {LOG_BUDGET_BYTES} bytes to the log in one call; {} lines were not written",
                self.log.dropped
            );
        }
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl State {
    fn is_working_day(&self, date: &str) -> Result<bool, String> {
        let d = date
            .parse()
            .map_err(|e| format!("{date:?} is not a date: {e}"))?;
        self.calendar
            .is_working_day(d)
            .map(|(w, _)| w)
            .map_err(|e| e.to_string())
    }

    fn term_end(&self, date: &str, count: u32, unit: Unit) -> Result<String, String> {
        let d = date
            .parse()
            .map_err(|e| format!("{date:?} is not a date: {e}"))?;
        let term = Term::new(count.into(), unit).map_err(|e| e.to_string())?;
        self.calendar
            .due(d, term)
            .map(|due| due.last_day.to_string())
            .map_err(|e| e.to_string())
    }

    fn today(&self) -> String {
        time::local_date(self.clock.now()).to_string()
    }

    fn log(&mut self, level: tracing::Level, message: &str) {
        // Bounded: a variant cannot flood the log with one call (a line past the budget costs
        // a count, nothing more).
        let budget = &mut self.log;
        if budget.lines >= LOG_BUDGET_LINES {
            budget.dropped += 1;
            return;
        }
        let message: String = message.chars().take(2000).collect();
        if budget.bytes + message.len() > LOG_BUDGET_BYTES {
            budget.dropped += 1;
            return;
        }
        budget.lines += 1;
        budget.bytes += message.len();
        match level {
            tracing::Level::DEBUG => tracing::debug!(variant = %self.variant, "{message}"),
            tracing::Level::INFO => tracing::info!(variant = %self.variant, "{message}"),
            _ => tracing::warn!(variant = %self.variant, "{message}"),
        }
    }
}

/// The host imports of one contract major: the same functions over that major's types.
macro_rules! host_imports {
    ($major:ident) => {
        impl $major::egov::procedure::types::Host for State {}

        impl $major::egov::procedure::host::Host for State {
            fn is_working_day(&mut self, date: String) -> Result<bool, String> {
                State::is_working_day(self, &date)
            }

            fn term_end(
                &mut self,
                date: String,
                count: u32,
                unit: $major::egov::procedure::types::Unit,
            ) -> Result<String, String> {
                use $major::egov::procedure::types::Unit as U;
                let unit = match unit {
                    U::WorkingDays => Unit::WorkingDays,
                    U::CalendarDays => Unit::CalendarDays,
                    U::Months => Unit::Months,
                };
                State::term_end(self, &date, count, unit)
            }

            fn today(&mut self) -> String {
                State::today(self)
            }

            fn log(&mut self, level: $major::egov::procedure::host::Level, message: String) {
                use $major::egov::procedure::host::Level as L;
                let level = match level {
                    L::Debug => tracing::Level::DEBUG,
                    L::Info => tracing::Level::INFO,
                    L::Warn => tracing::Level::WARN,
                };
                State::log(self, level, &message)
            }
        }
    };
}

host_imports!(v1);
host_imports!(v2);
