//! kwiki: a static site generator for typed, wikilinked wikis.
//!
//! ```text
//! site.toml ──config──▶ Config
//! content/** ──content::load──▶ Corpus ──names::Index::build──▶ Index
//! Corpus + Index ──markdown::render (parallel)──▶ RenderedBody per page
//! bodies + front matter ──graph::build──▶ LinkGraph (backlinks, relations, reports)
//! everything ──render::render_site (Tera, view structs, parallel)──▶ Vec<OutputFile>
//! pages (streamed as rendered) + other files + static/ ──output::Staging──▶ public/
//!     (written beside it, swapped in only when the build is good)
//! ```
//!
//! Every stage pushes diagnostics and goes on; [`run`] is the only place that orders the
//! stages. `check` is the same run without the write.

pub mod base;
pub mod build;
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod diagram;
pub mod editor;
#[cfg(test)]
mod fixture;
pub mod graph;
pub mod history;
pub mod markdown;
pub mod names;
pub mod navbox;
pub mod output;
pub mod outputs;
pub mod period;
pub mod period_chart;
pub mod plan;
pub mod query;
pub mod raw_html;
pub mod render;
pub mod sanitize;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod tables;
pub mod theme;
pub mod urls;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub use crate::build::{Mode, Session};
use crate::diagnostics::{Diagnostic, Severity};

/// What to run and where.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub root: PathBuf,
    /// Where to write; `None` checks without writing.
    pub out: Option<PathBuf>,
    pub base_url: Option<String>,
    pub strict: bool,
    /// Called with `true` when the render stage starts and `false` when it ends. The `kwiki`
    /// binary uses it to tune its allocator for that stage (see `main.rs`); the library has no
    /// allocator of its own to tune.
    pub render_hook: Option<fn(bool)>,
    /// Disposes of the previous output, which a successful build sets aside in a trash folder
    /// (see `output::Staging::commit`). The binary removes it in a process of its own, so the
    /// build ends when the new site is in place; `None` removes it before `run` returns.
    pub remove_previous: Option<fn(&std::path::Path)>,
    /// Called from a watchdog thread when a template has been rendering one file for longer
    /// than `render::render_timeout()` (a loop that never ends). The binary prints it, removes
    /// the half-written output and exits; `serve` shows it and starts a fresh build thread.
    /// `None`: no watchdog.
    pub on_stuck: Option<StuckHook>,
}

/// See [`Options::on_stuck`].
#[derive(Clone)]
pub struct StuckHook(pub std::sync::Arc<dyn Fn(&Diagnostic) + Send + Sync>);

impl std::fmt::Debug for StuckHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StuckHook")
    }
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub pages: usize,
    pub redirects: usize,
    pub files: usize,
    pub written: bool,
    /// The build had errors (or, under `--strict`, warnings that strict mode forbids).
    pub failed: bool,
    /// The build reused the previous one and re-rendered only what changed.
    pub incremental: bool,
    pub elapsed: Duration,
    pub stages: Vec<(&'static str, Duration)>,
    /// The process's peak resident memory (KiB) when each stage ended, where the platform tells
    /// (Linux's `VmHWM`).
    pub peaks: Vec<(&'static str, Option<u64>)>,
    /// Why something optional is missing from the output (no git history for dates), said
    /// once by `build`; not a problem with the content.
    pub notes: Vec<String>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
    /// A folder or file could not be read (permissions, I/O): an environment failure, not a
    /// problem in the content (`kwiki` exits with 2).
    pub fn unreadable(&self) -> bool {
        self.diagnostics.iter().any(|d| d.code == "unreadable")
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
}

/// Runs the pipeline once. Content problems are in the report; `Err` is for the environment (an
/// output folder that cannot be written, a refused `--out`).
pub fn run(options: &Options) -> anyhow::Result<Report> {
    if let Some(out) = &options.out {
        output::check_output_dir(&options.root, out)?;
    }
    let mut session = Session::new(options.clone());
    let Some(out) = &options.out else {
        return Ok(session.build());
    };
    // Pages go into the staging folder as they are rendered; the other files, and the swap,
    // follow once the build is known to be good. Dropping `staging` on any failure removes it
    // and leaves the previous output alone.
    let staging = output::Staging::begin(out, &options.root.join("static"))?;
    let write_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let streamed = AtomicUsize::new(0);
    let sink = |file: &render::OutputFile| {
        streamed.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = staging.write(file) {
            let mut slot = write_error.lock().unwrap_or_else(PoisonError::into_inner);
            slot.get_or_insert(e);
        }
    };
    let mut report = session.build_with(build::Mode::Stream(&sink));
    report.files += streamed.into_inner();
    if let Some(e) = write_error
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        return Err(e);
    }
    if !report.failed {
        let started = Instant::now();
        session
            .streamed_rest
            .par_iter()
            .try_for_each(|f| staging.write(f))?;
        if let Some(previous) = staging.commit()? {
            match options.remove_previous {
                Some(remove) => remove(&previous),
                None => output::remove_trash(&previous)?,
            }
        }
        report.written = true;
        report.stages.push(("write", started.elapsed()));
        report.peaks.push(("write", peak_memory_kib()));
        report.elapsed += started.elapsed();
    }
    // Freeing a big site's products (millions of small allocations) takes a noticeable share of
    // a build; nothing waits for it, so it happens off the caller's path. A process that exits
    // first simply skips it.
    std::thread::spawn(move || drop(session));
    Ok(report)
}

/// The peak resident memory of this process so far, in KiB, on Linux; `None` elsewhere.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// "1 page", "2 pages".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
