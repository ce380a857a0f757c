//! The engine (one per process) and loaded plugins.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use egov_kernel::{Calendar, Clock};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap, UpdateDeadline};

use crate::bindings::{v1, v2};
use crate::output::{MAX_OUTPUT, Size};
use crate::state::{Overrun, State};
use crate::{PluginError, wit, wit2};

/// How often the epoch advances: the granularity of call deadlines.
const TICK: Duration = Duration::from_millis(2);

/// How much of each linear memory stays resident between calls (reset by memset).
const KEEP_RESIDENT: usize = 2 << 20;

/// The wasmtime version compiled artifacts are cached for.
const WASMTIME_VERSION: &str = "48.0.8";

/// Engine settings.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Where compiled artifacts are cached (`None`: no disk cache).
    pub cache_dir: Option<PathBuf>,
    /// Plugin calls that may run at once (the pooling allocator is sized for them; more
    /// calls wait for a free one).
    pub max_instances: u32,
    /// The most linear memory any instance may have (the pool's slot size).
    pub max_memory: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            cache_dir: None,
            max_instances: 32,
            max_memory: 64 << 20,
        }
    }
}

/// Per-plugin limits of one call.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The deadline of one call (epoch interruption).
    pub timeout: Duration,
    /// The most linear memory one call may grow to.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(200),
            memory: 32 << 20,
        }
    }
}

std::thread_local! {
    /// Set while a call runs under a permit taken by [`Engine::run`] on this thread.
    static HOLDS_PERMIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set while [`Engine::run`] runs its calls inline, on an async worker thread.
    static INLINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How often, in epoch ticks, a call run inline on an async worker is looked at (every 4 to
/// 6 ms): one whose thread has computed for [`INLINE_CPU`] by then is abandoned and run again,
/// with the plugin's own deadline, under `tokio::task::block_in_place`, so a plugin never
/// computes on a worker for much longer than that; one whose thread has not (it was
/// preempted: the deadline is wall time) goes on where it is.
const INLINE_TICKS: u64 = 3;

/// The CPU time (of the calling thread) an inline call may spend before it leaves the worker.
const INLINE_CPU: Duration = Duration::from_millis(3);

/// The calling thread's CPU time, when it can be read.
fn thread_cpu() -> Option<Duration> {
    cpu_time::ThreadTime::try_now()
        .ok()
        .map(|t| t.as_duration())
}

/// Whether this thread computed for [`INLINE_CPU`] or more since `start` (yes when its CPU
/// time cannot be read: then the wall-time deadline is taken for slowness).
fn computed_since(start: Option<Duration>) -> bool {
    match (start, thread_cpu()) {
        (Some(start), Some(now)) => now.saturating_sub(start) >= INLINE_CPU,
        _ => true,
    }
}

/// What an inline call does at its inline deadline, `elapsed` after it began, when the plugin's
/// own deadline is `timeout`: go on for more ticks, or stop ([`Overrun`]: run again off the
/// worker; `None`: the plugin's own deadline, a timeout as anywhere else). Wall time, not the
/// ticks granted: a preempted thread may come back many ticks past its deadline.
fn at_inline_deadline(
    elapsed: Duration,
    timeout: Duration,
    computed: bool,
) -> Result<u64, Option<Overrun>> {
    if elapsed >= timeout {
        Err(None)
    } else if computed {
        Err(Some(Overrun::Computed))
    } else {
        let left = (timeout - elapsed).as_millis().div_ceil(TICK.as_millis()) as u64;
        Ok(INLINE_TICKS.min(left))
    }
}

/// How many inline calls of a plugin must compute past [`INLINE_CPU`] within [`SLOW_FOR`]
/// before its calls go to the blocking pool: one such call may be a cold slot faulting its
/// memory in, or an unusual input; three are the plugin.
const STRIKES: u32 = 3;

/// How long a plugin found slow ([`STRIKES`]) is called from the blocking pool.
const SLOW_FOR: Duration = Duration::from_secs(60);

/// Plugin calls and their faults, by variant (`id@version`) and call.
#[derive(Clone)]
pub struct PluginMetrics {
    /// `egov_plugin_calls_total{variant, call, outcome}`: `ok` or the fault's kind
    /// ([`PluginError::kind`]).
    pub calls: prometheus::IntCounterVec,
    /// `egov_plugin_call_duration_seconds{variant, call}`: a fresh instance and the call.
    pub duration: prometheus::HistogramVec,
    /// `egov_plugin_inline_overruns_total{variant, call, cause}`: inline calls that passed
    /// their inline deadline: `preempted` (went on inline) or `computed` (run again off the
    /// worker).
    pub inline_overruns: prometheus::IntCounterVec,
    /// `egov_plugin_offloads_total{variant}`: the times a plugin was found slow and its calls
    /// sent to the blocking pool for a while.
    pub offloads: prometheus::IntCounterVec,
}

impl PluginMetrics {
    fn new() -> Self {
        Self {
            calls: prometheus::IntCounterVec::new(
                prometheus::Opts::new(
                    "egov_plugin_calls_total",
                    "Procedure-variant plugin calls, by variant, call and outcome (ok or the fault's kind).",
                ),
                &["variant", "call", "outcome"],
            )
            .expect("valid metric"),
            duration: prometheus::HistogramVec::new(
                prometheus::HistogramOpts::new(
                    "egov_plugin_call_duration_seconds",
                    "Procedure-variant plugin calls: a fresh instance and the call.",
                )
                .buckets(vec![
                    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.0025, 0.005, 0.01,
                    0.025, 0.05, 0.1, 0.25,
                ]),
                &["variant", "call"],
            )
            .expect("valid metric"),
            inline_overruns: prometheus::IntCounterVec::new(
                prometheus::Opts::new(
                    "egov_plugin_inline_overruns_total",
                    "Plugin calls run on an async worker that passed the inline deadline: preempted (went on) or computed (run again on the blocking pool).",
                ),
                &["variant", "call", "cause"],
            )
            .expect("valid metric"),
            offloads: prometheus::IntCounterVec::new(
                prometheus::Opts::new(
                    "egov_plugin_offloads_total",
                    "Times a plugin's inline calls computed too long and its calls were sent to the blocking pool for a while.",
                ),
                &["variant"],
            )
            .expect("valid metric"),
        }
    }

    /// Registers them in `registry`.
    pub fn register(&self, registry: &prometheus::Registry) -> Result<(), prometheus::Error> {
        registry.register(Box::new(self.calls.clone()))?;
        registry.register(Box::new(self.duration.clone()))?;
        registry.register(Box::new(self.inline_overruns.clone()))?;
        registry.register(Box::new(self.offloads.clone()))
    }
}

/// How long a call waits for a free instance before it is refused as busy.
const SLOT_WAIT: Duration = Duration::from_secs(5);

/// The wasmtime engine, linker and epoch ticker. Share one per process.
pub struct Engine {
    engine: wasmtime::Engine,
    linker: Linker<State>,
    /// One permit per call the pool holds. Async callers wait for one *before* the hop to the
    /// blocking pool ([`Engine::run`]), so no blocking thread is parked waiting for an instance.
    slots: Arc<tokio::sync::Semaphore>,
    cfg: EngineConfig,
    calendar: Arc<Calendar>,
    clock: Arc<dyn Clock>,
    stop: Arc<AtomicBool>,
    metrics: PluginMetrics,
    /// When the engine started: the origin of plugins' `slow_until`.
    started: std::time::Instant,
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A wasmtime fault while setting the engine up.
fn wt(what: &'static str) -> impl FnOnce(wasmtime::Error) -> PluginError {
    move |e| PluginError::host(what, e)
}

impl Engine {
    /// An engine whose host imports answer from `calendar` and `clock`.
    pub fn new(
        cfg: EngineConfig,
        calendar: Arc<Calendar>,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, PluginError> {
        let n = cfg.max_instances.max(1);
        // One call instantiates a component that itself holds nested components and several
        // core modules (the WASI adapter among them): size the pool per call, generously, and
        // let at most `n` calls run at once (`slots`).
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(n * 16)
            .total_core_instances(n * 48)
            .total_memories(n * 8)
            .total_tables(n * 16)
            .total_stacks(n)
            .max_memory_size(cfg.max_memory)
            // A call's fresh instance reuses a warm slot: reset the first pages of its memories
            // and tables with memset instead of madvise, so the next call takes no page faults
            // (and no TLB shootdowns) for them. A variant touches little more than that.
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(64 << 10)
            // Where the kernel has PAGEMAP_SCAN (Linux 6.7+), reset only the pages a call
            // dirtied instead of the whole resident prefix.
            .pagemap_scan(wasmtime::Enabled::Auto);
        let mut c = wasmtime::Config::new();
        c.wasm_component_model(true)
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
            // Reserve no more address space per memory than a plugin may use, plus a guard.
            .memory_reservation(cfg.max_memory as u64)
            .memory_guard_size(64 << 10);
        let engine = wasmtime::Engine::new(&c).map_err(wt("configuring wasmtime"))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(wt("linking WASI"))?;
        // Both majors: their host imports are distinct names (`host@1.0.0`, `host@2.0.0`).
        v1::ProcedureVariant::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)
            .map_err(wt("linking the host imports"))?;
        v2::ProcedureVariant::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)
            .map_err(wt("linking the host imports"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let slots = Arc::new(tokio::sync::Semaphore::new(n as usize));
        let me = Arc::new(Self {
            engine,
            linker,
            slots,
            cfg,
            calendar,
            clock,
            stop: stop.clone(),
            metrics: PluginMetrics::new(),
            started: std::time::Instant::now(),
        });
        // Epochs only interrupt guest code; host imports are trivial and bounded.
        let weak: Weak<Self> = Arc::downgrade(&me);
        std::thread::Builder::new()
            .name("egov-plugin-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    match weak.upgrade() {
                        Some(e) => e.engine.increment_epoch(),
                        None => return,
                    }
                }
            })
            .map_err(|e| PluginError::host("starting the epoch ticker", e))?;
        Ok(me)
    }

    /// Loads a plugin from its bytes: compile (or take from the disk cache), check the
    /// contract version, pre-instantiate.
    pub fn load(self: &Arc<Self>, bytes: &[u8], limits: Limits) -> Result<Plugin, PluginError> {
        let digest = hex::encode(Sha256::digest(bytes));
        let component = self.compile(bytes, &digest)?;
        let major = self.check_contract(&component, &digest)?;
        let supported = crate::supported_contracts_text();
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| PluginError::Contract {
                digest: digest.clone(),
                built_for: "an unknown contract".into(),
                supported: format!("{supported}: {e}"),
            })?;
        let exports = |e: wasmtime::Error| PluginError::Contract {
            digest: digest.clone(),
            built_for: "an unknown contract (exports differ)".into(),
            supported: format!("{supported}: {e:#}"),
        };
        // The host import names the major; a variant that imports nothing of the host is
        // recognised by its exports (`react` is 2.x's).
        let pre = match major {
            Some(1) => Pre::V1(v1::ProcedureVariantPre::new(pre).map_err(exports)?),
            Some(_) => Pre::V2(v2::ProcedureVariantPre::new(pre).map_err(exports)?),
            None => match v2::ProcedureVariantPre::new(pre.clone()) {
                Ok(p) => Pre::V2(p),
                Err(_) => Pre::V1(v1::ProcedureVariantPre::new(pre).map_err(exports)?),
            },
        };
        let mut plugin = Plugin {
            engine: self.clone(),
            pre,
            label: digest.clone(),
            variant: digest.clone(),
            digest,
            limits,
            pace: Arc::default(),
        };
        let (id, version) = match plugin.contract() {
            Contract::V1 => {
                let md = plugin.metadata()?;
                (md.id, md.version)
            }
            Contract::V2 => {
                let md = plugin.metadata_v2()?;
                (md.id, md.version)
            }
        };
        plugin.label = format!("{id}@{version} ({})", &plugin.digest[..12]);
        plugin.variant = format!("{id}@{version}");
        // Served from the start (0), so a dashboard has the series before the first offload.
        self.metrics.offloads.with_label_values(&[&plugin.variant]);
        Ok(plugin)
    }

    /// The plugin metrics of this engine (register them once: [`PluginMetrics::register`]).
    pub fn metrics(&self) -> &PluginMetrics {
        &self.metrics
    }

    /// Runs `f` (plugin calls) under a permit of the instance pool, waiting for the permit up
    /// to [`SLOT_WAIT`] (then `Busy`). This is how services call plugins: more calls than the
    /// pool holds wait here, not on threads.
    ///
    /// On a multi-threaded runtime `f` runs inline, on this worker: a call takes tens of
    /// microseconds, less than the hop to the blocking pool and back. Each call then has a
    /// short deadline ([`INLINE_TICKS`]); one that outruns it is run again with the plugin's
    /// own deadline under `block_in_place` (a call is a pure function of its arguments in a
    /// fresh store, so running it again changes nothing), and `slow` is set so that this
    /// plugin's calls go to the blocking pool for a while. Elsewhere (a current-thread runtime),
    /// or when `inline` is false, `f` runs on the blocking pool.
    pub async fn run<T: Send + 'static>(
        &self,
        variant: &str,
        inline: bool,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PluginError> {
        let permit = match tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned()).await
        {
            Ok(p) => p.expect("the pool's semaphore is never closed"),
            Err(_) => {
                self.metrics
                    .calls
                    .with_label_values(&[variant, "any", "busy"])
                    .inc();
                return Err(PluginError::Busy {
                    variant: variant.to_owned(),
                    waited: SLOT_WAIT,
                });
            }
        };
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if inline && multi_thread {
            /// Marks the thread as running inline under the permit while `f` runs.
            struct Inline(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);
            impl Drop for Inline {
                fn drop(&mut self) {
                    HOLDS_PERMIT.with(|h| h.set(false));
                    INLINE.with(|h| h.set(false));
                }
            }
            HOLDS_PERMIT.with(|h| h.set(true));
            INLINE.with(|h| h.set(true));
            let _inline = Inline(permit);
            // A panic in `f` fails this call, as it would on the blocking pool.
            return std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                .map_err(|_| PluginError::host("running a plugin call", "it panicked"));
        }
        tokio::task::spawn_blocking(move || {
            /// Marks the thread as holding the permit while `f` runs, a panic included.
            struct Held(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);
            impl Drop for Held {
                fn drop(&mut self) {
                    HOLDS_PERMIT.with(|h| h.set(false));
                }
            }
            HOLDS_PERMIT.with(|h| h.set(true));
            let _held = Held(permit);
            f()
        })
        .await
        .map_err(|e| PluginError::host("running a plugin call", e))
    }

    /// Milliseconds since the engine started.
    fn millis(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// A permit for a call made outside [`Engine::run`] (tools, tests): taken at once or
    /// refused as `Busy`; such callers do not wait for the pool.
    fn slot_now(&self) -> Option<Option<tokio::sync::OwnedSemaphorePermit>> {
        if HOLDS_PERMIT.with(|h| h.get()) {
            return Some(None);
        }
        self.slots.clone().try_acquire_owned().ok().map(Some)
    }

    fn cache_path(&self, digest: &str) -> Option<PathBuf> {
        let dir = self.cfg.cache_dir.as_ref()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        Some(dir.join(format!(
            "{digest}-wasmtime-{WASMTIME_VERSION}-{:016x}.cwasm",
            h.finish()
        )))
    }

    fn compile(&self, bytes: &[u8], digest: &str) -> Result<Component, PluginError> {
        let cached = self.cache_path(digest);
        if let Some(p) = &cached
            && p.exists()
        {
            // SAFETY: the file was written by `Component::serialize` of this engine
            // configuration (its compatibility hash is in the name) into egov's own cache
            // directory; a file that fails to load is recompiled and replaced.
            match unsafe { Component::deserialize_file(&self.engine, p) } {
                Ok(c) => return Ok(c),
                Err(e) => {
                    tracing::warn!(path = %p.display(), error = %e, "cached plugin artifact unusable; recompiling")
                }
            }
        }
        let c = Component::new(&self.engine, bytes).map_err(|e| PluginError::Compile {
            digest: digest.to_owned(),
            detail: format!("{e:#}"),
        })?;
        if let Some(p) = cached {
            match c.serialize() {
                Ok(bytes) => {
                    let tmp = p.with_extension("tmp");
                    let written =
                        std::fs::create_dir_all(p.parent().expect("cache files are in a dir"))
                            .and_then(|_| std::fs::write(&tmp, bytes))
                            .and_then(|_| std::fs::rename(&tmp, &p));
                    if let Err(e) = written {
                        tracing::warn!(path = %p.display(), error = %e, "could not cache a compiled plugin");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not serialize a compiled plugin"),
            }
        }
        Ok(c)
    }

    /// "Built for X, host supports Y": the version of the `egov:procedure` host import. Returns
    /// the major it names (none when the variant imports nothing of the host).
    fn check_contract(&self, c: &Component, digest: &str) -> Result<Option<u64>, PluginError> {
        let supported = crate::supported_contracts();
        let mut major = None;
        for (name, _) in c.component_type().imports(&self.engine) {
            let Some(rest) = name.strip_prefix("egov:procedure/") else {
                continue;
            };
            let version = rest.split('@').nth(1).unwrap_or("unversioned");
            match semver::Version::parse(version) {
                Ok(v) if supported.iter().any(|r| r.matches(&v)) => major = Some(v.major),
                _ => {
                    return Err(PluginError::Contract {
                        digest: digest.to_owned(),
                        built_for: version.to_owned(),
                        supported: crate::supported_contracts_text(),
                    });
                }
            }
        }
        Ok(major)
    }
}

/// The contract major a variant was built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contract {
    /// 1.x: a declarative step graph, a form, decisions.
    V1,
    /// 2.x: a pure reducer, intakes with JSON Schema forms.
    V2,
}

/// One export of a variant with its arguments: what [`Plugin::bench`] times.
#[derive(Clone, Copy, Debug)]
pub enum Export<'a> {
    /// `metadata()`.
    Metadata,
    /// `steps()`.
    Steps,
    /// `form()` (1.x).
    Form,
    /// `validate(submission, today)` (1.x) or `validate(intake, submission, today)` (2.x).
    Validate {
        /// The 2.x intake (ignored by 1.x).
        intake: &'a str,
        /// The submission (JSON).
        submission: &'a str,
        /// The day of submission.
        today: &'a str,
    },
    /// `react(state, input, entries)` (2.x).
    React {
        /// The case's state (JSON).
        state: &'a str,
        /// The input.
        input: &'a wit2::Input,
        /// The case's entries.
        entries: &'a [wit2::Entry],
    },
    /// `decide(name, input)`.
    Decide {
        /// The decision.
        name: &'a str,
        /// Its input (JSON).
        input: &'a str,
    },
}

impl Export<'_> {
    /// The export's name.
    pub fn name(&self) -> &'static str {
        match self {
            Export::Metadata => "metadata",
            Export::Steps => "steps",
            Export::Form => "form",
            Export::Validate { .. } => "validate",
            Export::React { .. } => "react",
            Export::Decide { .. } => "decide",
        }
    }

    fn call(&self, s: &mut Store<State>, i: &Instance) -> wasmtime::Result<()> {
        match (*self, i) {
            (Export::Metadata, Instance::V1(v)) => v.call_metadata(s).map(drop),
            (Export::Metadata, Instance::V2(v)) => v.call_metadata(s).map(drop),
            (Export::Steps, Instance::V1(v)) => v.call_steps(s).map(drop),
            (Export::Steps, Instance::V2(v)) => v.call_steps(s).map(drop),
            (Export::Form, Instance::V1(v)) => v.call_form(s).map(drop),
            (
                Export::Validate {
                    submission, today, ..
                },
                Instance::V1(v),
            ) => v.call_validate(s, submission, today).map(drop),
            (
                Export::Validate {
                    intake,
                    submission,
                    today,
                },
                Instance::V2(v),
            ) => v.call_validate(s, intake, submission, today).map(drop),
            (
                Export::React {
                    state,
                    input,
                    entries,
                },
                Instance::V2(v),
            ) => v.call_react(s, state, input, entries).map(drop),
            (Export::Decide { name, input }, Instance::V1(v)) => {
                v.call_decide(s, name, input).map(drop)
            }
            (Export::Decide { name, input }, Instance::V2(v)) => {
                v.call_decide(s, name, input).map(drop)
            }
            (e, _) => Err(wasmtime::format_err!(
                "{} is not an export of this variant's contract",
                e.name()
            )),
        }
    }
}

/// The pre-instantiated component, by contract.
#[derive(Clone)]
enum Pre {
    V1(v1::ProcedureVariantPre<State>),
    V2(v2::ProcedureVariantPre<State>),
}

/// The instance of one call, by contract.
enum Instance {
    V1(v1::ProcedureVariant),
    V2(v2::ProcedureVariant),
}

/// A loaded variant: its digest and an `InstancePre`. Each call runs in a fresh store.
#[derive(Clone)]
pub struct Plugin {
    engine: Arc<Engine>,
    pre: Pre,
    digest: String,
    label: String,
    /// `id@version`: the metrics' `variant` label.
    variant: String,
    limits: Limits,
    /// Whether its calls run inline, shared by every copy.
    pace: Arc<Pace>,
}

/// Whether a plugin's calls run inline: the strikes against it (inline calls that computed past
/// [`INLINE_CPU`]) and, once [`STRIKES`] fell within [`SLOW_FOR`], until when its calls go to
/// the blocking pool. Times are ms since the engine started.
#[derive(Debug, Default)]
struct Pace {
    slow_until: std::sync::atomic::AtomicU64,
    /// The start of the strikes' window and the strikes in it (touched only on a strike).
    strikes: std::sync::Mutex<(u64, u32)>,
}

impl Pace {
    fn inline(&self, now: u64) -> bool {
        self.slow_until.load(Ordering::Relaxed) <= now
    }

    /// Counts a strike at `now`; true when it is the one that sends the plugin to the pool.
    fn strike(&self, now: u64) -> bool {
        let window = SLOW_FOR.as_millis() as u64;
        let mut s = self.strikes.lock().unwrap_or_else(|p| p.into_inner());
        if s.1 == 0 || now.saturating_sub(s.0) >= window {
            *s = (now, 0);
        }
        s.1 += 1;
        if s.1 < STRIKES {
            return false;
        }
        *s = (now, 0);
        self.slow_until.store(now + window, Ordering::Relaxed);
        true
    }
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("label", &self.label)
            .field("limits", &self.limits)
            .finish()
    }
}

impl Plugin {
    /// Runs `f` with this plugin on the blocking pool under a permit ([`Engine::run`]).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Plugin) -> T + Send + 'static,
    ) -> Result<T, PluginError> {
        let me = self.clone();
        let inline = self.pace.inline(self.engine.millis());
        self.engine.run(&self.variant, inline, move || f(&me)).await
    }

    /// The artifact's sha256.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// `id@version (digest prefix)`, for logs and errors.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The call limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The contract the variant was built for.
    pub fn contract(&self) -> Contract {
        match self.pre {
            Pre::V1(_) => Contract::V1,
            Pre::V2(_) => Contract::V2,
        }
    }

    fn instantiate(&self, store: &mut Store<State>) -> wasmtime::Result<Instance> {
        Ok(match &self.pre {
            Pre::V1(p) => Instance::V1(p.instantiate(store)?),
            Pre::V2(p) => Instance::V2(p.instantiate(store)?),
        })
    }

    fn wrong_contract(&self, call: &str) -> PluginError {
        PluginError::Output {
            variant: self.label.clone(),
            detail: format!("{call} is not a call of contract {:?}", self.contract()),
        }
    }

    fn call1<R>(
        &self,
        call: &'static str,
        f: impl Fn(&mut Store<State>, &v1::ProcedureVariant) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        if self.contract() != Contract::V1 {
            return Err(self.wrong_contract(call));
        }
        self.call(call, |s, i| match i {
            Instance::V1(v) => f(s, v),
            Instance::V2(_) => unreachable!("checked above"),
        })
    }

    fn call2<R>(
        &self,
        call: &'static str,
        f: impl Fn(&mut Store<State>, &v2::ProcedureVariant) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        if self.contract() != Contract::V2 {
            return Err(self.wrong_contract(call));
        }
        self.call(call, |s, i| match i {
            Instance::V2(v) => f(s, v),
            Instance::V1(_) => unreachable!("checked above"),
        })
    }

    /// A call made per request: its answer is refused past [`MAX_OUTPUT`].
    fn bounded<R: Size>(&self, call: &str, r: Result<R, PluginError>) -> Result<R, PluginError> {
        let r = r?;
        let size = r.size();
        if size > MAX_OUTPUT {
            return Err(PluginError::Output {
                variant: self.label.clone(),
                detail: format!(
                    "{call} answered with {size} bytes, more than the {MAX_OUTPUT} the host takes from one call"
                ),
            });
        }
        Ok(r)
    }

    /// One call on a fresh store and instance, counted and timed in the metrics.
    fn call<R>(
        &self,
        name: &'static str,
        f: impl Fn(&mut Store<State>, &Instance) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        let t = std::time::Instant::now();
        let inline = INLINE.with(|i| i.get());
        let m = &self.engine.metrics;
        let (mut r, overrun) = self.call_once(&f, inline);
        if let Some(cause) = overrun {
            let cause = match cause {
                Overrun::Preempted => "preempted",
                Overrun::Computed => "computed",
            };
            m.inline_overruns
                .with_label_values(&[&self.variant, name, cause])
                .inc();
        }
        if overrun == Some(Overrun::Computed) {
            // It computed past the inline budget: run it again where it may take its whole
            // deadline (a pure function of its arguments in a fresh store), and count a strike.
            let offloaded = self.pace.strike(self.engine.millis());
            if offloaded {
                m.offloads.with_label_values(&[&self.variant]).inc();
                tracing::warn!(variant = %self.label, call = name, "the plugin's calls computed past the inline budget {STRIKES} times within {SLOW_FOR:?}; its calls go to the blocking pool for {SLOW_FOR:?}");
            }
            tracing::debug!(variant = %self.label, call = name, offloaded, "a call computed past the inline budget; run again off the worker");
            r = tokio::task::block_in_place(|| self.call_once(&f, false)).0;
        }
        m.duration
            .with_label_values(&[&self.variant, name])
            .observe(t.elapsed().as_secs_f64());
        let outcome = match &r {
            Ok(_) => "ok",
            Err(e) => e.kind(),
        };
        m.calls
            .with_label_values(&[&self.variant, name, outcome])
            .inc();
        r
    }

    /// The plugin's deadline in epoch ticks.
    fn ticks(&self) -> u64 {
        (self.limits.timeout.as_millis() / TICK.as_millis()).max(1) as u64 + 1
    }

    /// One attempt on a fresh store: its result, and what it met at its inline deadline (an
    /// inline call that computed past [`INLINE_CPU`] is stopped: [`Overrun::Computed`]).
    fn call_once<R>(
        &self,
        f: &impl Fn(&mut Store<State>, &Instance) -> wasmtime::Result<R>,
        inline: bool,
    ) -> (Result<R, PluginError>, Option<Overrun>) {
        let e = &self.engine;
        // Held until the store below is dropped (locals drop in reverse order): the permit of
        // `Engine::run`, or one taken now.
        let Some(_slot) = e.slot_now() else {
            let busy = PluginError::Busy {
                variant: self.label.clone(),
                waited: Duration::ZERO,
            };
            return (Err(busy), None);
        };
        let state = State::new(
            e.calendar.clone(),
            e.clock.clone(),
            self.label.clone(),
            self.limits.memory,
        );
        let mut store = Store::new(&e.engine, state);
        store.limiter(|s| &mut s.limiter);
        let limit = self.ticks();
        if inline && limit > INLINE_TICKS {
            // Looked at every few ticks: preempted, it goes on (up to its own deadline);
            // computed past the budget, it stops.
            let (began, start) = (std::time::Instant::now(), thread_cpu());
            let timeout = self.limits.timeout;
            store.set_epoch_deadline(INLINE_TICKS);
            store.epoch_deadline_callback(move |mut s| {
                match at_inline_deadline(began.elapsed(), timeout, computed_since(start)) {
                    Ok(more) => {
                        s.data_mut().overrun = Some(Overrun::Preempted);
                        Ok(UpdateDeadline::Continue(more))
                    }
                    Err(stop) => {
                        let before = s.data().overrun;
                        s.data_mut().overrun = stop.or(before);
                        Ok(UpdateDeadline::Interrupt)
                    }
                }
            });
        } else {
            store.set_epoch_deadline(limit);
            store.epoch_deadline_trap();
        }
        let result = self
            .instantiate(&mut store)
            .and_then(|inst| f(&mut store, &inst));
        store.data().log_dropped();
        let overrun = store.data().overrun;
        (result.map_err(|err| self.classify(&store, err)), overrun)
    }

    fn classify(&self, store: &Store<State>, err: wasmtime::Error) -> PluginError {
        let variant = self.label.clone();
        if store.data().limiter.hit {
            PluginError::LimitExceeded {
                variant,
                limit_bytes: self.limits.memory,
            }
        } else if err.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
            PluginError::Timeout {
                variant,
                after: self.limits.timeout,
            }
        } else {
            PluginError::Trap {
                variant,
                detail: format!("{err:?}"),
            }
        }
    }

    /// Times `export` `n` times two ways: each call on a fresh store and instance, as the
    /// engine runs every call (each call's time, for percentiles), and all on one live instance,
    /// a bare wasmtime call (the baseline: the mean). A fault of the variant is an error.
    pub fn bench(
        &self,
        n: u32,
        export: &Export<'_>,
    ) -> Result<(Vec<Duration>, Duration), PluginError> {
        let call = |s: &mut Store<State>, i: &Instance| export.call(s, i);
        let n = n.max(1);
        let mut fresh = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let t = std::time::Instant::now();
            self.call("bench", call)?;
            fresh.push(t.elapsed());
        }
        let e = &self.engine;
        let state = State::new(
            e.calendar.clone(),
            e.clock.clone(),
            self.label.clone(),
            self.limits.memory,
        );
        let mut store = Store::new(&e.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(u64::MAX / 2);
        let inst = self
            .instantiate(&mut store)
            .map_err(|err| self.classify(&store, err))?;
        let t = std::time::Instant::now();
        for _ in 0..n {
            call(&mut store, &inst).map_err(|err| self.classify(&store, err))?;
        }
        Ok((fresh, t.elapsed() / n))
    }

    /// The variant's metadata (1.x).
    pub fn metadata(&self) -> Result<wit::Metadata, PluginError> {
        self.call1("metadata", |s, v| v.call_metadata(s))
    }

    /// The step graph (1.x).
    pub fn steps(&self) -> Result<Vec<wit::Step>, PluginError> {
        self.call1("steps", |s, v| v.call_steps(s))
    }

    /// The submission form (1.x).
    pub fn form(&self) -> Result<wit::Form, PluginError> {
        self.call1("form", |s, v| v.call_form(s))
    }

    /// The violations of `submission` (JSON) submitted on `today` (1.x).
    pub fn validate(
        &self,
        submission: &str,
        today: &str,
    ) -> Result<Vec<wit::Violation>, PluginError> {
        let r = self.call1("validate", |s, v| v.call_validate(s, submission, today));
        self.bounded("validate", r)
    }

    /// A computed decision (either contract; 2.x violations in 1.x's type, the same fields).
    pub fn decide(
        &self,
        name: &str,
        input: &str,
    ) -> Result<Result<String, Vec<wit::Violation>>, PluginError> {
        let r = self.call("decide", |s, i| match i {
            Instance::V1(v) => v.call_decide(s, name, input),
            Instance::V2(v) => v.call_decide(s, name, input).map(|r| {
                r.map_err(|v| {
                    v.into_iter()
                        .map(|x| wit::Violation {
                            field: x.field,
                            rule: x.rule,
                            message: x.message,
                        })
                        .collect()
                })
            }),
        });
        self.bounded("decide", r)
    }

    /// The variant's metadata with its intakes (2.x).
    pub fn metadata_v2(&self) -> Result<wit2::Metadata, PluginError> {
        self.call2("metadata", |s, v| v.call_metadata(s))
    }

    /// The steps (2.x).
    pub fn steps_v2(&self) -> Result<Vec<wit2::Step>, PluginError> {
        self.call2("steps", |s, v| v.call_steps(s))
    }

    /// The violations of `submission` (JSON) to `intake` submitted on `today` (2.x).
    pub fn validate_v2(
        &self,
        intake: &str,
        submission: &str,
        today: &str,
    ) -> Result<Vec<wit2::Violation>, PluginError> {
        let r = self.call2("validate", |s, v| {
            v.call_validate(s, intake, submission, today)
        });
        self.bounded("validate", r)
    }

    /// One input to the reducer (2.x): the reaction, or the violations that refuse the input.
    pub fn react(
        &self,
        state: &str,
        input: &wit2::Input,
        entries: &[wit2::Entry],
    ) -> Result<Result<wit2::Reaction, Vec<wit2::Violation>>, PluginError> {
        let r = self.call2("react", |s, v| v.call_react(s, state, input, entries));
        self.bounded("react", r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_that_waited_did_not_compute_and_one_that_spun_did() {
        let start = thread_cpu();
        assert!(start.is_some());
        std::thread::sleep(INLINE_CPU * 3);
        assert!(
            !computed_since(start),
            "a preempted worker is not a slow plugin"
        );
        let start = thread_cpu();
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while t.elapsed() < INLINE_CPU * 20 {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(computed_since(start), "{x} additions");
        assert!(computed_since(None));
    }

    #[test]
    fn an_inline_call_goes_on_while_preempted_and_stops_once_it_computed_or_reached_its_own_deadline()
     {
        let ms = Duration::from_millis;
        // A deadline of 200 ms, looked at every 3 ticks (6 ms).
        assert_eq!(at_inline_deadline(ms(5), ms(200), false), Ok(3));
        assert_eq!(
            at_inline_deadline(ms(197), ms(200), false),
            Ok(2),
            "not past its own"
        );
        assert_eq!(
            at_inline_deadline(ms(5), ms(200), true),
            Err(Some(Overrun::Computed))
        );
        // Preempted for longer than the whole deadline: a timeout, as on the blocking pool.
        assert_eq!(at_inline_deadline(ms(230), ms(200), false), Err(None));
        assert_eq!(
            at_inline_deadline(ms(200), ms(200), true),
            Err(None),
            "its own deadline is a timeout"
        );
    }

    #[test]
    fn a_plugin_goes_to_the_pool_after_three_strikes_within_a_minute_not_one() {
        let p = Pace::default();
        let min = SLOW_FOR.as_millis() as u64;
        assert!(p.inline(0));
        assert!(!p.strike(1_000));
        assert!(!p.strike(2_000));
        assert!(p.inline(2_000), "two strikes are not a verdict");
        // The window began at the first strike: a third after it has passed starts anew.
        assert!(!p.strike(1_000 + min));
        assert!(!p.strike(1_001 + min));
        assert!(p.strike(1_002 + min), "three within the window");
        assert!(!p.inline(1_002 + min));
        assert!(!p.inline(1_001 + 2 * min));
        assert!(p.inline(1_002 + 2 * min), "for SLOW_FOR, then inline again");
        assert!(!p.strike(1_002 + 2 * min), "the count began again");
    }
}
