//! `kwiki serve`: builds the site in memory, serves it over HTTP, watches the sources, rebuilds
//! on change (incrementally where it can, see `Session::build`) and tells open tabs to reload
//! over Server-Sent Events.
//!
//! - One build thread owns the `Session` and the file watcher; HTTP handlers only read the
//!   latest good `Snapshot` (an `Arc` swapped under a short write lock), so serving never waits
//!   for a build.
//! - Only in serve mode, HTML responses get `<script src="/__kwiki/live.js">` before
//!   `</body>`; `kwiki build` output never contains it.
//! - Request paths are percent-decoded and looked up in the in-memory site; a path with a `..`
//!   or `.` segment, a backslash or a NUL byte is refused before any lookup, and nothing is ever
//!   read from the file system by URL.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::Watcher as _;
use tokio::sync::broadcast;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;

use crate::base::OutputFile;
use crate::diagnostics::Severity;
use crate::{Options, Report, Session};

/// Options of `kwiki serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub open: bool,
}

/// Wait this long after the last change before rebuilding, so a burst of saves is one build.
const QUIET: Duration = Duration::from_millis(20);
/// Never wait longer than this for a burst to end.
const MAX_WAIT: Duration = Duration::from_millis(600);

const LIVE_JS: &str = include_str!("serve_live.js");
const LIVE_TAG: &str = "<script src=\"/__kwiki/live.js\"></script>";

/// The last good build, and the problems of the newest build if it failed.
struct Snapshot {
    /// Rendered files and `static/`, sorted by path.
    files: Vec<OutputFile>,
    /// Counts good builds; tabs reload when it changes. 0: no good build yet.
    generation: u64,
    /// Diagnostics of the newest build, shown in the overlay; empty when it succeeded.
    problems: Vec<Problem>,
    /// The first warnings of the newest build when it succeeded, shown in a corner panel.
    warnings: Vec<Problem>,
    warning_count: usize,
    /// Each page's file (`groups/bts/index.html`) and source path, sorted: where the injected
    /// Edit link leads.
    sources: Arc<Vec<(String, String)>>,
}

#[derive(serde::Serialize, Clone)]
struct Problem {
    severity: &'static str,
    code: &'static str,
    location: String,
    message: String,
    notes: Vec<String>,
}

#[derive(Clone, Debug)]
enum Message {
    Build(String),
    Shutdown,
}

struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    events: broadcast::Sender<Message>,
    /// Set once on Ctrl-C. Sticky, unlike a broadcast: an event stream opened while the server
    /// shuts down sees it too, so no open stream holds the shutdown up.
    stopping: tokio::sync::watch::Sender<bool>,
    /// Bursts of changes the watcher reported: the editor's preview reads the disk again when
    /// it moves.
    changes: Arc<AtomicU64>,
}

impl Shared {
    fn current(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn event_json(snapshot: &Snapshot) -> String {
        serde_json::json!({
            "generation": snapshot.generation,
            "problems": snapshot.problems,
            "warnings": snapshot.warnings,
            "warning_count": snapshot.warning_count,
        })
        .to_string()
    }
}

/// Runs the server until Ctrl-C. `Err` is an environment failure (port in use, no runtime).
pub fn serve(options: &ServeOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(options))
}

async fn run(options: &ServeOptions) -> anyhow::Result<()> {
    // A mistyped --root is refused as `build` refuses it, instead of serving errors for ever.
    match std::fs::metadata(&options.root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => anyhow::bail!("{} is not a folder", options.root.display()),
        Err(e) => {
            return Err(e).with_context(|| format!("reading {}", options.root.display()));
        }
    }
    if !options.root.join("site.toml").is_file() {
        anyhow::bail!(
            "{} has no site.toml: give the site's root folder with --root",
            options.root.display()
        );
    }
    let address = SocketAddr::new(options.bind, options.port);
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => anyhow::bail!(
            "port {} on {} is already in use (another kwiki serve?): pick another with --port N, or --port 0 for any free port",
            options.port,
            options.bind
        ),
        Err(e) => return Err(e).with_context(|| format!("listening on {address}")),
    };
    let local = listener.local_addr().context("reading the bound address")?;
    let host = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let url = format!("http://{host}:{}/", local.port());
    if !local.ip().is_loopback() {
        eprintln!(
            "warning: serving on {} makes this preview reachable from other machines on the network",
            local.ip()
        );
    }

    let shared = Arc::new(Shared {
        snapshot: RwLock::new(Arc::new(Snapshot {
            files: Vec::new(),
            generation: 0,
            problems: Vec::new(),
            warnings: Vec::new(),
            warning_count: 0,
            sources: Arc::default(),
        })),
        events: broadcast::channel(16).0,
        stopping: tokio::sync::watch::channel(false).0,
        changes: Arc::new(AtomicU64::new(0)),
    });
    let editor = crate::editor::Editor::new(
        &options.root,
        &host,
        local.port(),
        &url,
        Arc::clone(&shared.changes),
    )?;
    let rebuilder = Rebuilder::start(&options.root, &url, &shared)?;
    // The first build runs on the build thread; the server starts once it is published (or
    // the watchdog reported it stuck), so "Serving" is never printed before a page is there.
    rebuilder.wait_for_first_build();

    let app = editor.routes().merge(
        Router::new()
            .route("/__kwiki/live.js", get(live_js))
            .route("/__kwiki/events", get(events_stream))
            .fallback(get(file))
            .with_state(Arc::clone(&shared)),
    );
    let shutdown_shared = Arc::clone(&shared);
    // The handler is installed before "Serving" is printed, so an early Ctrl-C is never lost.
    #[cfg(unix)]
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("installing the Ctrl-C handler")?;
    println!(
        "Serving {} at {url} (Ctrl-C to stop)",
        options.root.display()
    );
    if options.open {
        open_browser(&url);
    }
    // The editor answers loopback peers only: it needs to know who is asking.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        #[cfg(unix)]
        let _ = interrupt.recv().await;
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        // Ends every open event stream, so the graceful shutdown does not wait on them.
        shutdown_shared.stopping.send_replace(true);
    })
    .await
    .context("serving")?;
    println!("Stopped.");
    Ok(())
}

/// Warnings shown in the terminal after each build (all of them are in the overlay, up to
/// `OVERLAY_WARNINGS`, and in `kwiki check`).
const TERMINAL_WARNINGS: usize = 20;
/// Warnings sent to the browser's overlay.
const OVERLAY_WARNINGS: usize = 100;

fn print_build(report: &Report, have_good_build: bool) {
    let errors = report.errors();
    if errors > 0 {
        eprintln!(
            "Build failed: {}; {}",
            crate::plural(errors, "error", "errors"),
            if have_good_build {
                "still serving the last good build"
            } else {
                "no good build to serve yet: fix the errors and save"
            }
        );
        for d in report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            eprintln!("{d}");
        }
    } else {
        println!(
            "Built {}{} in {:.0} ms, {}",
            crate::plural(report.pages, "page", "pages"),
            if report.incremental {
                " (incremental)"
            } else {
                ""
            },
            report.elapsed.as_secs_f64() * 1000.0,
            crate::plural(report.warnings(), "warning", "warnings")
        );
        let warnings: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .collect();
        for d in warnings.iter().take(TERMINAL_WARNINGS) {
            eprintln!("{d}");
        }
        if warnings.len() > TERMINAL_WARNINGS {
            eprintln!(
                "... and {} more (run `kwiki check` to see them all)",
                crate::plural(warnings.len() - TERMINAL_WARNINGS, "warning", "warnings")
            );
        }
    }
}

fn problem(d: &crate::diagnostics::Diagnostic) -> Problem {
    Problem {
        severity: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        code: d.code,
        location: match &d.position {
            Some(p) => format!("{}:{}:{}", d.path, p.line, p.column),
            None => d.path.clone(),
        },
        message: d.message.clone(),
        notes: d.notes.clone(),
    }
}

fn problems(report: &Report) -> Vec<Problem> {
    if !report.failed {
        return Vec::new();
    }
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(problem)
        .collect()
}

/// The first `OVERLAY_WARNINGS` warnings of a good build, and how many there are.
fn warnings(report: &Report) -> (Vec<Problem>, usize) {
    if report.failed {
        return (Vec::new(), 0);
    }
    let all = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning);
    (
        all.clone().take(OVERLAY_WARNINGS).map(problem).collect(),
        all.count(),
    )
}

/// Each page's file and source path, sorted by file (see `Snapshot::sources`).
fn page_sources(session: &Session) -> Vec<(String, String)> {
    let mut sources: Vec<(String, String)> = session
        .pages()
        .map(|(page, href)| {
            (
                format!("{}index.html", href.trim_start_matches('/')),
                page.path.clone(),
            )
        })
        .chain(
            session
                .home_path()
                .map(|home| ("index.html".to_string(), home.to_string())),
        )
        .collect();
    sources.sort();
    sources
}

/// The session's files plus `static/`, sorted by path. Static files that a rendered file
/// shadows lose, as in `output::Staging` (static files are copied first).
fn snapshot_files(session: &Session, statics: &[OutputFile]) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = session.files().to_vec();
    for file in statics {
        if let Err(at) = files.binary_search_by(|f| f.path.as_str().cmp(&file.path)) {
            files.insert(at, file.clone());
        }
    }
    files
}

/// The files of `static/` over the built-in theme's, sorted, as the site serves them (read again
/// only when one changes). Symbolic links leaving `static/` are skipped, as `build` refuses them.
fn static_files(root: &Path) -> Vec<OutputFile> {
    let static_dir = root.join("static");
    let mut files = Vec::new();
    for entry in crate::base::walk::walk(&static_dir).files() {
        let path = crate::base::walk::relative(&static_dir, entry.path());
        if let Ok(bytes) = std::fs::read(entry.path()) {
            files.push(OutputFile {
                path,
                bytes: bytes.into(),
            });
        }
    }
    for (path, bytes) in crate::theme::static_files() {
        if !files.iter().any(|f| f.path == path) {
            files.push(OutputFile {
                path,
                bytes: bytes::Bytes::from_static(bytes),
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Files editors and tools write while saving, which are not sources: hidden files (Emacs's
/// `.#lock`, Vim's `.page.md.swp`), backups (`page.md~`), Vim's `4913` probe and `.swp`/`.swx`
/// swap files, Emacs's `#autosave#`, `*.tmp`, and the `sedXXXXXX` file `sed -i` writes beside
/// the file it edits.
pub fn is_scratch_file(name: &str) -> bool {
    let sed_temp = name.len() == 9
        && name.starts_with("sed")
        && name[3..].bytes().all(|b| b.is_ascii_alphanumeric());
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || sed_temp
}

/// Is a changed path one the site is built from?
fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy());
    let Some(first) = parts.next() else {
        return false;
    };
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let scratch = is_scratch_file(&name);
    match first.as_ref() {
        "site.toml" => true,
        "content" | "templates" | "static" => !scratch,
        _ => false,
    }
}

/// The folders a site is built from, watched with everything in them.
const SOURCE_FOLDERS: [&str; 3] = ["content", "templates", "static"];

/// The git directory of the checkout the site is in (`.git`, or a worktree's folder in the
/// main checkout's), if any.
fn git_dir(root: &Path) -> Option<PathBuf> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--absolute-git-dir"])
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Some(dir.canonicalize().unwrap_or(dir))
}

/// Whether a changed path in the git directory means a commit, checkout or reset: `HEAD`
/// itself or its log (`logs/HEAD`), which git appends to at each.
fn is_git_head(git_dir: &Path, path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "HEAD")
        && (path.parent() == Some(git_dir) || path.parent() == Some(&git_dir.join("logs")))
}

/// Starts watching the site's sources; changed source paths arrive on the receiver. Set up
/// before the server says it is ready, so no save after that line is missed. Only the sources
/// are watched: the root itself (for `site.toml`, and a source folder made later) and
/// `content/`, `templates/` and `static/` with what is in them, never `target/` or
/// `node_modules` (inotify sets one watch per folder, and some systems allow 8,192). Of the
/// git directory, only the folder itself and its `logs/` are watched, without what is below
/// them, for `HEAD` and `logs/HEAD`: a commit reaches the build as a change there, and the
/// build then reads the history again.
fn watch(
    root: &Path,
) -> anyhow::Result<(notify::RecommendedWatcher, mpsc::Receiver<PathBuf>, PathBuf)> {
    let (tx, rx) = mpsc::channel::<PathBuf>();
    let watched_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let filter_root = watched_root.clone();
    let git = git_dir(&watched_root);
    let filter_git = git.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if matches!(event.kind, notify::EventKind::Access(_)) {
                return;
            }
            for path in event.paths {
                let is_source_folder = path.parent() == Some(filter_root.as_path())
                    && path
                        .file_name()
                        .is_some_and(|n| SOURCE_FOLDERS.iter().any(|f| n == *f));
                let commit = filter_git.as_deref().is_some_and(|g| is_git_head(g, &path));
                if is_source_folder || commit || relevant(&filter_root, &path) {
                    let _ = tx.send(path);
                }
            }
        }
    })
    .context("starting the file watcher")?;
    watcher
        .watch(&watched_root, notify::RecursiveMode::NonRecursive)
        .with_context(|| format!("watching {}", root.display()))?;
    for folder in SOURCE_FOLDERS {
        watch_folder(&mut watcher, &watched_root.join(folder))?;
    }
    // History is an enhancement: a git directory that cannot be watched only means pages'
    // histories refresh at the next save instead of at the commit.
    for folder in git.iter().flat_map(|g| [g.clone(), g.join("logs")]) {
        if folder.is_dir() {
            let _ = watcher.watch(&folder, notify::RecursiveMode::NonRecursive);
        }
    }
    Ok((watcher, rx, watched_root))
}

/// Watches a source folder and everything in it, if it exists.
fn watch_folder(watcher: &mut notify::RecommendedWatcher, folder: &Path) -> anyhow::Result<()> {
    if folder.is_dir() {
        watcher
            .watch(folder, notify::RecursiveMode::Recursive)
            .with_context(|| format!("watching {}", folder.display()))?;
    }
    Ok(())
}

/// The build side of `serve`: the watcher, the changes it reports, and the thread that builds.
///
/// One build thread at a time owns a `Session`: it makes the first build, then waits for
/// changes, lets a burst settle, rebuilds and publishes. When the render watchdog reports a
/// template that never finishes, that thread cannot be stopped (Rust threads cannot be
/// killed): the problem is published, the epoch moves on, and a new build thread with a fresh
/// session takes over the changes, so the next save that fixes the template recovers. The old
/// thread publishes nothing when (if ever) its build returns; until then it keeps a core busy.
struct Rebuilder {
    root: PathBuf,
    watched_root: PathBuf,
    options: Options,
    shared: Arc<Shared>,
    rx: Mutex<mpsc::Receiver<PathBuf>>,
    watcher: Mutex<Option<notify::RecommendedWatcher>>,
    statics: Mutex<Vec<OutputFile>>,
    /// Which build thread may publish; moved on when one is stuck.
    epoch: AtomicU64,
    /// Good builds so far; tabs reload when it changes.
    generation: AtomicU64,
    /// Told once the first build is published (or reported stuck).
    first: Mutex<Option<mpsc::Sender<()>>>,
    first_done: Mutex<Option<mpsc::Receiver<()>>>,
}

impl Rebuilder {
    fn start(root: &Path, url: &str, shared: &Arc<Shared>) -> anyhow::Result<Arc<Rebuilder>> {
        let (watcher, rx, watched_root) = match watch(root) {
            Ok((w, rx, r)) => (Some(w), rx, r),
            Err(e) => {
                eprintln!("warning: {e:#}; live reload is off");
                let (_, rx) = mpsc::channel();
                (None, rx, root.to_path_buf())
            }
        };
        let (first_tx, first_rx) = mpsc::channel();
        let cell: Arc<OnceLock<std::sync::Weak<Rebuilder>>> = Arc::new(OnceLock::new());
        let hook_cell = Arc::clone(&cell);
        let on_stuck = crate::StuckHook(Arc::new(move |d: &crate::diagnostics::Diagnostic| {
            if let Some(rebuilder) = hook_cell.get().and_then(std::sync::Weak::upgrade) {
                rebuilder.stuck(d);
            }
        }));
        // A session never writes (only `run` does); `out` being set makes it read git dates,
        // as a build would, so the preview shows "last edited".
        let options = Options {
            root: root.to_path_buf(),
            out: Some(root.join("public")),
            base_url: Some(url.to_string()),
            strict: false,
            render_hook: None,
            remove_previous: None,
            on_stuck: Some(on_stuck),
        };
        let rebuilder = Arc::new(Rebuilder {
            root: root.to_path_buf(),
            watched_root,
            options,
            shared: Arc::clone(shared),
            rx: Mutex::new(rx),
            watcher: Mutex::new(watcher),
            statics: Mutex::new(static_files(root)),
            epoch: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            first: Mutex::new(Some(first_tx)),
            first_done: Mutex::new(Some(first_rx)),
        });
        let _ = cell.set(Arc::downgrade(&rebuilder));
        rebuilder.spawn(0, true)?;
        Ok(rebuilder)
    }

    fn spawn(self: &Arc<Self>, epoch: u64, first_build: bool) -> anyhow::Result<()> {
        let me = Arc::clone(self);
        std::thread::Builder::new()
            .name("kwiki-rebuild".into())
            .spawn(move || me.run(epoch, first_build))
            .context("starting the rebuild thread")?;
        Ok(())
    }

    fn wait_for_first_build(&self) {
        let rx = lock(&self.first_done).take();
        if let Some(rx) = rx {
            let _ = rx.recv();
        }
    }

    fn current(&self, epoch: u64) -> bool {
        self.epoch.load(Ordering::SeqCst) == epoch
    }

    /// The watchdog found a render that does not end: say so, and hand the changes to a new
    /// build thread.
    fn stuck(self: &Arc<Self>, d: &crate::diagnostics::Diagnostic) {
        let epoch = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        eprintln!("Build stuck: {d}");
        eprintln!("    note: fix the template and save; the next build starts afresh");
        let previous = self.shared.current();
        self.publish(Snapshot {
            files: previous.files.clone(),
            generation: previous.generation,
            problems: vec![problem(d)],
            warnings: Vec::new(),
            warning_count: 0,
            sources: Arc::clone(&previous.sources),
        });
        if let Some(first) = lock(&self.first).take() {
            let _ = first.send(());
        }
        if let Err(e) = self.spawn(epoch, false) {
            eprintln!("error: {e:#}; live reload is off");
        }
    }

    fn publish(&self, next: Snapshot) {
        let json = Shared::event_json(&next);
        match self.shared.snapshot.write() {
            Ok(mut s) => *s = Arc::new(next),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
        }
        let _ = self.shared.events.send(Message::Build(json));
    }

    /// Publishes a build's outcome, unless a newer build thread has taken over.
    fn finish(&self, epoch: u64, session: &Session, report: &Report) -> bool {
        if !self.current(epoch) {
            return false;
        }
        let have_good = self.generation.load(Ordering::SeqCst) > 0;
        print_build(report, have_good);
        let previous = self.shared.current();
        let next = if report.failed {
            Snapshot {
                files: previous.files.clone(),
                generation: previous.generation,
                problems: problems(report),
                warnings: Vec::new(),
                warning_count: 0,
                sources: Arc::clone(&previous.sources),
            }
        } else {
            let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
            let (warnings, warning_count) = warnings(report);
            Snapshot {
                files: snapshot_files(session, &lock(&self.statics)),
                generation,
                problems: Vec::new(),
                warnings,
                warning_count,
                sources: Arc::new(page_sources(session)),
            }
        };
        self.publish(next);
        if let Some(first) = lock(&self.first).take() {
            let _ = first.send(());
        }
        true
    }

    fn run(self: Arc<Self>, epoch: u64, first_build: bool) {
        // Each build thread has its own worker threads: a stuck render holds the workers of
        // the thread it started on, and the next build must not wait for them.
        let pool = match rayon::ThreadPoolBuilder::new()
            .thread_name(move |i| format!("kwiki-build-{epoch}-{i}"))
            .build()
        {
            Ok(pool) => pool,
            Err(e) => {
                eprintln!("error: starting the build threads: {e}; live reload is off");
                return;
            }
        };
        pool.install(|| self.build_loop(epoch, first_build));
    }

    fn build_loop(&self, epoch: u64, first_build: bool) {
        let mut session = Session::new(self.options.clone());
        if first_build {
            let report = session.build();
            for note in &report.notes {
                eprintln!("note: {note}");
            }
            if !self.finish(epoch, &session, &report) {
                return;
            }
        }
        loop {
            let changed = {
                let rx = lock(&self.rx);
                if !self.current(epoch) {
                    return;
                }
                match next_burst(&rx) {
                    Some(changed) => changed,
                    None => return,
                }
            };
            if !self.current(epoch) {
                return;
            }
            for path in &changed {
                let shown = path.strip_prefix(&self.watched_root).unwrap_or(path);
                println!("Changed: {}", shown.display());
                // A source folder made after the server started is watched from now on.
                if path.parent() == Some(self.watched_root.as_path())
                    && path.is_dir()
                    && let Some(watcher) = lock(&self.watcher).as_mut()
                    && let Err(e) = watch_folder(watcher, path)
                {
                    eprintln!("warning: {e:#}");
                }
            }
            if changed
                .iter()
                .any(|p| p.starts_with(self.watched_root.join("static")))
            {
                *lock(&self.statics) = static_files(&self.root);
            }
            self.shared.changes.fetch_add(1, Ordering::SeqCst);
            let report = session.build_changed(&changed);
            if !self.finish(epoch, &session, &report) {
                return;
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Waits for a change, then until nothing changed for `QUIET` (at most `MAX_WAIT`): one burst
/// of saves, sorted and without repeats. `None` when the watcher is gone.
fn next_burst(rx: &mpsc::Receiver<PathBuf>) -> Option<Vec<PathBuf>> {
    let first = rx.recv().ok()?;
    let started = Instant::now();
    let mut changed = vec![first];
    loop {
        let left = MAX_WAIT.saturating_sub(started.elapsed());
        match rx.recv_timeout(QUIET.min(left)) {
            Ok(path) => changed.push(path),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => return None,
        }
        if left.is_zero() {
            break;
        }
    }
    changed.sort();
    changed.dedup();
    Some(changed)
}

fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program).arg(url).spawn() {
        eprintln!("note: could not open a browser with {program} ({e}); open {url} yourself");
    }
}

async fn live_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        LIVE_JS,
    )
        .into_response()
}

async fn events_stream(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let receiver = shared.events.subscribe();
    let stopping = tokio_stream::wrappers::WatchStream::new(shared.stopping.subscribe())
        .filter(|&stop| stop)
        .map(|_| Message::Shutdown);
    let hello = Message::Build(Shared::event_json(&shared.current()));
    let stream = tokio_stream::once(hello)
        .chain(BroadcastStream::new(receiver).filter_map(Result::ok))
        .merge(stopping)
        .take_while(|m| !matches!(m, Message::Shutdown))
        .map(|m| {
            let data = match m {
                Message::Build(json) => json,
                Message::Shutdown => String::new(),
            };
            Ok::<Event, std::convert::Infallible>(Event::default().event("build").data(data))
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Decodes a request path into a site path (`groups/bts/index.html` style, no leading slash),
/// or `None` when it tries to leave the site.
pub fn site_path(raw: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?
        .into_owned();
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let trimmed = decoded.trim_start_matches('/');
    let mut parts = Vec::new();
    for part in trimmed.split('/') {
        match part {
            "." | ".." => return None,
            // A drive letter or scheme-like segment never names a site file.
            p if p.contains(':') => return None,
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn find<'a>(files: &'a [OutputFile], path: &str) -> Option<&'a OutputFile> {
    files
        .binary_search_by(|f| f.path.as_str().cmp(path))
        .ok()
        .map(|i| &files[i])
}

async fn file(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let Some(path) = site_path(uri.path()) else {
        return (StatusCode::BAD_REQUEST, "bad path\n").into_response();
    };
    let snapshot = shared.current();
    let files = &snapshot.files;
    if snapshot.generation == 0 {
        return no_build_yet(&snapshot.problems);
    }
    let found = if path.is_empty() || path.ends_with('/') {
        find(files, &format!("{path}index.html"))
    } else if let Some(f) = find(files, &path) {
        Some(f)
    } else if find(files, &format!("{path}/index.html")).is_some() {
        let mut location = format!("{}/", uri.path());
        if let Some(q) = uri.query() {
            location = format!("{location}?{q}");
        }
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response();
    } else {
        None
    };
    match found {
        Some(f) => {
            let source = snapshot
                .sources
                .binary_search_by(|(file, _)| file.as_str().cmp(&f.path))
                .ok()
                .map(|i| snapshot.sources[i].1.as_str());
            respond_with_edit(StatusCode::OK, f, source)
        }
        None => match find(files, "404.html") {
            Some(f) => respond(StatusCode::NOT_FOUND, f),
            None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
        },
    }
}

/// Before the first good build there is no page to lay the overlay over: a bare page lists the
/// problems and reloads itself when a save fixes them.
fn no_build_yet(problems: &[Problem]) -> Response {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>kwiki serve: build failed</title></head><body><h1>The site does not build yet</h1><ul>",
    );
    for p in problems {
        html.push_str(&format!(
            "<li><code>{}</code>: {}</li>",
            crate::urls::escape_html(&p.location),
            crate::urls::escape_html(&p.message)
        ));
    }
    html.push_str("</ul><p>Fix and save; this page reloads by itself.</p></body></html>");
    let mut response = Response::new(Body::from(inject(html.as_bytes())));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn respond(status: StatusCode, file: &OutputFile) -> Response {
    respond_with_edit(status, file, None)
}

/// A file; an HTML page gets the live-reload script and, when it is a page with a source,
/// a link to edit it in the browser (`editor`).
fn respond_with_edit(status: StatusCode, file: &OutputFile, source: Option<&str>) -> Response {
    let kind = content_type(&file.path);
    let body = if kind.starts_with("text/html") {
        let link = source.map(crate::editor::edit_link).unwrap_or_default();
        Body::from(inject_with(&file.bytes, &link))
    } else {
        Body::from(file.bytes.clone())
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page with the live-reload script before `</body>` (or at the end).
fn inject(html: &[u8]) -> Vec<u8> {
    inject_with(html, "")
}

/// The page with `before` and the live-reload script before `</body>`.
fn inject_with(html: &[u8], before: &str) -> Vec<u8> {
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + before.len() + LIVE_TAG.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(before.as_bytes());
    out.extend_from_slice(LIVE_TAG.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_site_are_refused() {
        for bad in [
            "/../site.toml",
            "/%2e%2e/site.toml",
            "/%2E%2E%2fsite.toml",
            "/groups/../../etc/passwd",
            "/./x",
            "/a%5c..%5cb",
            "/a%00b",
            "/C:/Windows",
            "/%ff",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
        assert_eq!(site_path("/").as_deref(), Some(""));
        assert_eq!(site_path("/groups/bts/").as_deref(), Some("groups/bts/"));
        assert_eq!(site_path("//style.css").as_deref(), Some("style.css"));
        assert_eq!(
            site_path("/people/%EC%A7%80%EC%88%98/").as_deref(),
            Some("people/지수/")
        );
    }

    #[test]
    fn the_live_script_goes_before_the_last_body_end() {
        let out = inject(b"<html><body><p>&lt;/body&gt;</p></body></html>");
        assert_eq!(
            String::from_utf8_lossy(&out),
            format!("<html><body><p>&lt;/body&gt;</p>{LIVE_TAG}</body></html>")
        );
        assert!(String::from_utf8_lossy(&inject(b"<p>x")).ends_with(LIVE_TAG));
    }
}
