//! One build as a short plan of named stages. [`Session::build_with`] reads as that plan; each
//! stage below is a function from plain inputs (and, for incremental work, the previous build's
//! products) to a plain product, and reports problems into the one [`Diagnostics`] it is given.
//! What an edit makes stale is decided by the pure functions of [`crate::plan`].
//!
//! ```text
//! frame ─ load ─ names ─ (plan::stale_bodies) ─ markdown ─ history ─ prepare ─┬─ graph ─ (plan::affected) ─ render ─┬─ assemble
//!   └─ git log (its own thread, from the start) ─────────┘ (waited for here, or by stale_bodies)
//!                                                                              └─ search ─────────────────────────────┘
//! ```
//!
//! [`Mode`] says whether a build streams its files out as they are made and keeps nothing
//! (`kwiki build`), or keeps every product for the next, incremental, build (`serve`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::{self, Corpus, Page, PageId, TemplateSource};
use crate::diagnostics::{self, Diagnostic, Diagnostics};
use crate::graph::{self, LinkGraph};
use crate::history::History;
use crate::markdown::{self, RenderedBody, Resolver};
use crate::names::{self, Index};
use crate::plan::{self, Plan};
use crate::render::{self, OutputFile, Sink};
use crate::search::{self, SearchIndex};
use crate::{Options, Report, urls};

/// Where a build's files go.
#[derive(Clone, Copy)]
pub enum Mode<'a> {
    /// Everything is kept in the session, for the next build to reuse (`serve`).
    Keep,
    /// Each page, list and search file goes to the sink as soon as it is made; nothing is kept,
    /// so memory peaks once (`kwiki build`).
    Stream(&'a Sink<'a>),
}

impl<'a> Mode<'a> {
    fn sink(self) -> Option<&'a Sink<'a>> {
        match self {
            Mode::Keep => None,
            Mode::Stream(sink) => Some(sink),
        }
    }

    fn streams(self) -> bool {
        matches!(self, Mode::Stream(_))
    }
}

/// What one good build produced, kept so the next build can redo only what a change needs.
pub(crate) struct State {
    config_text: String,
    templates: Vec<TemplateSource>,
    tera: tera::Tera,
    corpus: Corpus,
    /// What loading the corpus reported, kept for a rebuild that re-reads only some pages.
    load_diagnostics: Vec<Diagnostic>,
    index: Index,
    index_diagnostics: Vec<Diagnostic>,
    hrefs: Vec<String>,
    bodies: Vec<RenderedBody>,
    home: Option<RenderedBody>,
    graph: LinkGraph,
    history: Arc<History>,
    search: SearchIndex,
    summaries: Vec<String>,
    /// Every rendered file, sorted by path (static files are not here).
    files: Vec<OutputFile>,
}

/// A sequence of builds of one site. The first build runs every stage; later ones reuse the
/// last good build where the change allows it (see [`Session::build`]). `serve` keeps one.
pub struct Session {
    options: Options,
    state: Option<State>,
    /// After a build that streamed its pages out: the files it did not stream.
    pub(crate) streamed_rest: Vec<OutputFile>,
    /// Files a watcher reported changed, for the next build (`build_changed`).
    hint: Option<Vec<PathBuf>>,
    /// A page read from memory instead of its file (the browser editor's preview).
    draft: Option<content::Draft>,
}

impl Session {
    pub fn new(options: Options) -> Session {
        Session {
            options,
            state: None,
            streamed_rest: Vec::new(),
            hint: None,
            draft: None,
        }
    }

    /// From the next build on, `draft` replaces its file (or adds a page whose file does not
    /// exist), until another draft or `None` is set. Nothing is written. A build that should
    /// see the change is told its path, as a watcher's change (`build_changed`).
    pub fn set_draft(&mut self, draft: Option<content::Draft>) {
        self.draft = draft;
    }

    /// The pages of the last good build, sorted by path, each with its URL (`href`).
    pub fn pages(&self) -> impl Iterator<Item = (&Page, &str)> {
        self.state.iter().flat_map(|s| {
            s.corpus
                .pages
                .iter()
                .zip(s.hrefs.iter().map(String::as_str))
        })
    }

    /// The home page's source path, when the last good build had one.
    pub fn home_path(&self) -> Option<&str> {
        self.state
            .as_ref()
            .and_then(|s| s.corpus.home.as_ref())
            .map(|h| h.path.as_str())
    }

    /// `build`, told which files changed since the last build (absolute paths, as a file
    /// watcher reports them). When they are all existing pages, only they are read again;
    /// otherwise this is `build`. The result is the same either way.
    pub fn build_changed(&mut self, paths: &[PathBuf]) -> Report {
        self.hint = Some(paths.to_vec());
        self.build_with(Mode::Keep)
    }

    /// The rendered files of the last good build, sorted by path.
    pub fn files(&self) -> &[OutputFile] {
        self.state.as_ref().map_or(&[], |s| s.files.as_slice())
    }

    /// Builds the site in memory.
    ///
    /// When only page bodies or fields changed since the last good build (no page added,
    /// removed or renamed, no alias changed, `site.toml` and templates untouched), it renders
    /// Markdown only for the changed pages and re-renders only what [`plan::affected`] says.
    /// Anything else runs every stage. Either way the files are byte-identical to a fresh build
    /// (tested).
    pub fn build(&mut self) -> Report {
        self.build_with(Mode::Keep)
    }

    /// The build, as its plan. With [`Mode::Stream`] the other files are left in
    /// `streamed_rest` and no state is kept, so a session that streams always builds in full.
    pub(crate) fn build_with(&mut self, mode: Mode<'_>) -> Report {
        let mut run = Run::start();
        let collisions = Collisions::new(&self.options.root);
        let checked = |file: &OutputFile| {
            collisions.note(&file.path);
            if let Some(sink) = mode.sink() {
                sink(file);
            }
        };
        let mode = match mode {
            Mode::Keep => Mode::Keep,
            Mode::Stream(_) => Mode::Stream(&checked),
        };
        let Some((config, config_text)) = frame(&self.options, &mut run.diagnostics) else {
            return run.finish(&self.options, Report::default());
        };
        // The state is taken: a failed build leaves none, and the next build runs in full.
        let mut previous = self.state.take();
        let kept_history = reusable_history(
            previous.as_ref(),
            &config_text,
            &self.options.root,
            self.hint.as_deref(),
        );
        // `git log` runs on its own while the pages are read and rendered.
        let mut history = history(&self.options, &config, kept_history);
        let loaded = load(
            &self.options,
            &config,
            &config_text,
            previous.as_mut(),
            (self.hint.take(), self.draft.as_ref()),
        );
        run.diagnostics.extend(loaded.diagnostics.iter().cloned());
        let templates = content::load_templates(&self.options.root, &mut run.diagnostics);
        run.lap("load");
        let names = name_pages(&config, &loaded, previous.as_mut());
        run.diagnostics.extend(names.diagnostics.iter().cloned());
        let stale = stale_bodies(
            previous.as_ref(),
            &config_text,
            &templates,
            &mut history,
            &loaded,
            &names,
        );
        let mut corpus = loaded.corpus;
        let resolver = Resolver {
            config: &config,
            index: &names.index,
            pages: &corpus.pages,
            hrefs: &names.hrefs,
            source_kind: config.kind_by_id("source"),
        };
        let (bodies, terms, mut reused) = markdown(&resolver, &corpus, stale.as_deref(), previous);
        record_body_problems(&corpus, &names.index, &bodies, &mut run.diagnostics);
        if mode.streams() {
            free_sources(&mut corpus);
        }
        run.lap("markdown");
        let history = history.wait();
        run.lap("history");
        let Prepared {
            mut tera,
            summaries,
            diagnostics: template_diagnostics,
            time: prep_time,
        } = prepare(&templates, &corpus, &bodies, stale.as_deref(), &mut reused);
        run.diagnostics.extend(template_diagnostics.into_vec());
        let shared = Shared {
            options: &self.options,
            config: &config,
            corpus: &corpus,
            names: &names,
            bodies: &bodies,
            history: &history,
            templates: &templates,
            summaries: &summaries,
            stale: stale.as_deref(),
            mode,
        };
        let (graph, rendered, searched) =
            graph_render_and_index(&shared, tera.as_mut(), reused, terms, &mut run);
        let files = assemble(rendered, searched.files, tera.is_some());
        collisions.report(&files, &config, &corpus, &mut run.diagnostics);
        run.lap("render");
        run.insert_search_time(prep_time + searched.time);
        let report = Report {
            notes: history.note.iter().cloned().collect(),
            pages: corpus.pages.len(),
            redirects: graph.redirects.len(),
            // A streaming build counts what it streamed itself (`run`).
            files: files.len(),
            incremental: stale.is_some(),
            ..Report::default()
        };
        let report = run.finish(&self.options, report);
        let products = Products {
            config_text,
            templates,
            tera,
            corpus,
            load_diagnostics: loaded.diagnostics,
            names,
            bodies,
            graph,
            history,
            search: searched.index,
            summaries,
            files,
        };
        self.keep(mode, &report, products);
        report
    }
}

/// Everything a build made, for `Session::keep`.
struct Products {
    config_text: String,
    templates: Vec<TemplateSource>,
    tera: Option<tera::Tera>,
    corpus: Corpus,
    load_diagnostics: Vec<Diagnostic>,
    names: Names,
    bodies: Bodies,
    graph: LinkGraph,
    history: Arc<History>,
    search: Option<SearchIndex>,
    summaries: Vec<String>,
    files: Vec<OutputFile>,
}

impl Session {
    /// The end of a build: a streaming build hands its other files over and frees the rest off
    /// the caller's path; a kept build keeps its products for the next one, if it succeeded.
    fn keep(&mut self, mode: Mode, report: &Report, p: Products) {
        if mode.streams() {
            self.streamed_rest = p.files;
            let rest = (p.corpus, p.bodies, p.graph, p.summaries, p.names);
            std::thread::spawn(move || drop(rest));
            return;
        }
        let (Some(tera), Some(search)) = (p.tera, p.search) else {
            return;
        };
        if report.failed {
            return;
        }
        self.state = Some(State {
            config_text: p.config_text,
            templates: p.templates,
            tera,
            corpus: p.corpus,
            load_diagnostics: p.load_diagnostics,
            index: p.names.index,
            index_diagnostics: p.names.diagnostics,
            hrefs: p.names.hrefs,
            home: p.bodies.home,
            bodies: p.bodies.pages,
            graph: p.graph,
            history: p.history,
            search,
            summaries: p.summaries,
            files: p.files,
        });
    }
}

/// Stages: the link graph then the pages on one thread, the search index on the other (it
/// reads nothing the graph makes, and the graph is mostly serial).
fn graph_render_and_index(
    shared: &Shared,
    tera: Option<&mut tera::Tera>,
    reused: Reused,
    terms: Terms,
    run: &mut Run,
) -> (LinkGraph, Rendered, Searched) {
    let Reused {
        tera: _,
        files: old_files,
        ties: old_ties,
        search: old_search,
        summaries: old_summaries,
        graph: old_graph,
    } = reused;
    let ((graph, rendered), searched) = rayon::join(
        || {
            let graph = link_graph(shared, old_graph.as_ref(), run);
            let rendered = render_pages(
                shared,
                tera,
                &graph,
                old_graph.as_ref(),
                (old_ties, &old_summaries),
                old_files,
                &mut run.diagnostics,
            );
            (graph, rendered)
        },
        || search_index(shared, terms, old_search, &old_summaries),
    );
    (graph, rendered, searched)
}

/// What every stage after the Markdown reads.
struct Shared<'a> {
    options: &'a Options,
    config: &'a Config,
    corpus: &'a Corpus,
    names: &'a Names,
    bodies: &'a Bodies,
    history: &'a History,
    templates: &'a [TemplateSource],
    summaries: &'a [String],
    /// The pages whose text changed, when the build is incremental.
    stale: Option<&'a [PageId]>,
    mode: Mode<'a>,
}

/// The time and memory of each stage, and every problem reported.
struct Run {
    started: Instant,
    last: Instant,
    stages: Vec<(&'static str, Duration)>,
    peaks: Vec<(&'static str, Option<u64>)>,
    diagnostics: Diagnostics,
}

impl Run {
    fn start() -> Run {
        let now = Instant::now();
        Run {
            started: now,
            last: now,
            stages: Vec::new(),
            peaks: Vec::new(),
            diagnostics: Diagnostics::default(),
        }
    }

    /// Ends a stage: its wall time since the last lap, and the peak memory so far.
    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.stages.push((name, now - self.last));
        self.peaks.push((name, crate::peak_memory_kib()));
        self.last = now;
    }

    /// The search index was built beside the graph and the pages: it gets its own time (with
    /// the templates and summaries it was built after), placed before the render stage, which
    /// keeps the wall time of the rest.
    fn insert_search_time(&mut self, time: Duration) {
        let n = self.stages.len();
        self.stages.insert(n - 1, ("search", time));
        self.peaks.insert(n - 1, ("search", self.peaks[n - 1].1));
    }

    /// Applies `--strict` and sorts the problems into the report.
    fn finish(mut self, options: &Options, report: Report) -> Report {
        if options.strict {
            self.diagnostics.make_strict();
        }
        let mut failed = self.diagnostics.has_errors();
        if options.strict {
            failed |= self
                .diagnostics
                .iter()
                .any(|d| diagnostics::STRICT_CODES.contains(&d.code));
        }
        Report {
            diagnostics: self.diagnostics.into_sorted(),
            elapsed: self.started.elapsed(),
            stages: self.stages,
            peaks: self.peaks,
            failed,
            ..report
        }
    }
}

/// Tells the render hook that the stage ended, however it ends.
struct Ended(Option<fn(bool)>);

impl Drop for Ended {
    fn drop(&mut self) {
        if let Some(hook) = self.0 {
            hook(false);
        }
    }
}

/// Stage: `site.toml` (with `--base-url` applied), and its text to tell a later edit.
fn frame(options: &Options, diagnostics: &mut Diagnostics) -> Option<(Config, String)> {
    let (config, config_text) = Config::load(&options.root, diagnostics)?;
    let Some(url) = &options.base_url else {
        return Some((config, config_text));
    };
    match config.with_base_url(url) {
        Some(config) => Some((config, config_text)),
        None => {
            diagnostics.push(Diagnostic::error(
                "config",
                "--base-url",
                format!("{url:?} is not an absolute http(s) URL"),
            ));
            None
        }
    }
}

/// The corpus and what loading it reported.
struct Loaded {
    corpus: Corpus,
    diagnostics: Vec<Diagnostic>,
    /// When only the files a watcher named were read again: each with its previous version.
    replaced: Option<Vec<(PageId, Page)>>,
}

/// Stage: reads the pages. When the watcher named the changed files and they are all existing
/// pages, only they are read again; the other pages, and their load diagnostics, are the last
/// build's.
fn load(
    options: &Options,
    config: &Config,
    config_text: &str,
    previous: Option<&mut State>,
    (hint, draft): (Option<Vec<PathBuf>>, Option<&content::Draft>),
) -> Loaded {
    let root = &options.root;
    let Some(old) = previous else {
        return load_all(root, config, draft);
    };
    let reloaded = match &hint {
        Some(paths) if old.config_text == config_text => {
            let root_abs = root.canonicalize().unwrap_or_else(|_| root.clone());
            content::reload_pages(&root_abs, &old.corpus, paths, config, draft)
        }
        _ => None,
    };
    let Some(fresh) = reloaded else {
        return load_all(root, config, draft);
    };
    let mut pages = std::mem::take(&mut old.corpus.pages);
    let mut replaced = Vec::with_capacity(fresh.len());
    let changed_paths: Vec<&str> = fresh
        .iter()
        .map(|(i, _, _)| pages[*i].path.as_str())
        .collect();
    let mut diagnostics: Vec<Diagnostic> = old
        .load_diagnostics
        .iter()
        .filter(|d| !changed_paths.contains(&d.path.as_str()))
        .cloned()
        .collect();
    for (i, page, problems) in fresh {
        diagnostics.extend(problems);
        replaced.push((i, std::mem::replace(&mut pages[i], page)));
    }
    Loaded {
        corpus: Corpus {
            pages,
            home: old.corpus.home.clone(),
            broken: old.corpus.broken.clone(),
        },
        diagnostics,
        replaced: Some(replaced),
    }
}

fn load_all(root: &std::path::Path, config: &Config, draft: Option<&content::Draft>) -> Loaded {
    let mut found = Diagnostics::default();
    let corpus = content::load_with_draft(root, config, draft, &mut found);
    Loaded {
        corpus,
        diagnostics: found.iter().cloned().collect(),
        replaced: None,
    }
}

/// Stage: page dates (and, when some output shows them, revisions) from git, in one
/// `git log`, started on its own thread as the build begins: git works (in its own process)
/// while the pages are read and their Markdown rendered, and the build waits for it only where
/// it needs it (`PendingHistory::wait`). Dates only change the output, so `check` skips it.
/// `serve` keeps the last build's history until its watcher sees a commit.
fn history(options: &Options, config: &Config, kept: Option<Arc<History>>) -> PendingHistory {
    if options.out.is_none() {
        return PendingHistory::ready(History::default());
    }
    if let Some(history) = kept {
        return PendingHistory {
            history,
            thread: None,
        };
    }
    let depth = if config.outputs.revisions() {
        crate::history::Depth::Revisions
    } else {
        crate::history::Depth::Dates
    };
    let root = options.root.clone();
    match std::thread::Builder::new()
        .name("kwiki-git-log".into())
        .spawn(move || History::load(&root, depth))
    {
        Ok(thread) => PendingHistory {
            history: Arc::default(),
            thread: Some(thread),
        },
        // No thread to spare: read it here.
        Err(_) => PendingHistory::ready(History::load(&options.root, depth)),
    }
}

/// The history, or the thread still reading it.
struct PendingHistory {
    history: Arc<History>,
    thread: Option<std::thread::JoinHandle<History>>,
}

impl PendingHistory {
    fn ready(history: History) -> PendingHistory {
        PendingHistory {
            history: Arc::new(history),
            thread: None,
        }
    }

    /// Waits for the history (an empty one, with a note, if its thread failed).
    fn get(&mut self) -> &Arc<History> {
        if let Some(thread) = self.thread.take() {
            self.history = Arc::new(thread.join().unwrap_or_else(|_| {
                let mut history = History::default();
                history.note =
                    Some("reading the git history failed: pages show no dates or history".into());
                history
            }));
        }
        &self.history
    }

    fn wait(mut self) -> Arc<History> {
        Arc::clone(self.get())
    }
}

/// The last build's history, when this build is told which files changed, all of them are
/// sources of the site (none in a git directory, which `serve` reports after a commit) and
/// `site.toml` (which says how much history to read) is unchanged.
fn reusable_history(
    previous: Option<&State>,
    config_text: &str,
    root: &std::path::Path,
    hint: Option<&[PathBuf]>,
) -> Option<Arc<History>> {
    let old = previous?;
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let source =
        |p: &PathBuf| p.starts_with(&root) && !p.components().any(|c| c.as_os_str() == ".git");
    (old.config_text == config_text && hint?.iter().all(source)).then(|| Arc::clone(&old.history))
}

/// The name index, what building it reported, and every page's URL.
struct Names {
    index: Index,
    diagnostics: Vec<Diagnostic>,
    hrefs: Vec<String>,
}

/// Stage: the name index and every URL. Reloaded pages with the same names keep the last
/// build's; otherwise the index is built on one thread (normalising names in parallel) while
/// the other makes every page's URL.
fn name_pages(config: &Config, loaded: &Loaded, previous: Option<&mut State>) -> Names {
    let corpus = &loaded.corpus;
    let names_kept = loaded.replaced.as_ref().is_some_and(|r| {
        r.iter()
            .all(|(i, old_page)| plan::same_names(old_page, &corpus.pages[*i]))
    });
    if let Some(old) = previous
        && names_kept
    {
        return Names {
            index: std::mem::take(&mut old.index),
            diagnostics: std::mem::take(&mut old.index_diagnostics),
            hrefs: std::mem::take(&mut old.hrefs),
        };
    }
    let mut found = Diagnostics::default();
    let (index, hrefs) = rayon::join(
        || {
            let mut index = build_index(corpus, &mut found);
            index.set_broken(corpus.broken_names());
            index
        },
        || {
            corpus
                .pages
                .par_iter()
                .map(|p| {
                    urls::href(
                        config,
                        &urls::page_path(&config.kinds[p.kind].folder, &p.slug),
                    )
                })
                .collect::<Vec<String>>()
        },
    );
    Names {
        index,
        diagnostics: found.iter().cloned().collect(),
        hrefs,
    }
}

/// Asks the plan which bodies are stale (`None`: build everything).
fn stale_bodies(
    previous: Option<&State>,
    config_text: &str,
    templates: &[TemplateSource],
    history: &mut PendingHistory,
    loaded: &Loaded,
    names: &Names,
) -> Option<Vec<PageId>> {
    let old = previous?;
    let history: &History = history.get();
    let before = plan::Frame {
        config_text: &old.config_text,
        templates: &old.templates,
        history: &old.history,
    };
    let now = plan::Frame {
        config_text,
        templates,
        history,
    };
    let reload = match &loaded.replaced {
        Some(replaced) => plan::Reload::Pages { replaced },
        None => plan::Reload::All {
            previous: &old.corpus,
        },
    };
    // Kept names hand the last build's URLs over: they are the same by construction.
    let old_hrefs: &[String] = if old.hrefs.is_empty() {
        &names.hrefs
    } else {
        &old.hrefs
    };
    plan::stale_bodies(
        Some((&before, old_hrefs)),
        (&now, &names.hrefs),
        &reload,
        &loaded.corpus,
    )
}

/// Every page's rendered body, and the home page's.
struct Bodies {
    pages: Vec<RenderedBody>,
    home: Option<RenderedBody>,
}

/// The search terms counted from the pages rendered in this build, by page.
type Terms = Vec<(PageId, search::PageTerms)>;

impl std::ops::Deref for Bodies {
    type Target = [RenderedBody];
    fn deref(&self) -> &[RenderedBody] {
        &self.pages
    }
}

/// What an incremental build takes over from the last one.
#[derive(Default)]
struct Reused {
    tera: Option<tera::Tera>,
    files: Option<Vec<OutputFile>>,
    /// The changed pages' ties before the edit (see `plan::ties`).
    ties: Vec<plan::Ties>,
    search: Option<SearchIndex>,
    summaries: Vec<String>,
    graph: Option<LinkGraph>,
}

/// Stage: Markdown, for every page or, when the build is incremental, for the changed pages
/// only. A page's search terms are counted as soon as its body is rendered, so its plain text
/// (only search reads it) is dropped here instead of living until the search stage.
fn markdown(
    resolver: &Resolver,
    corpus: &Corpus,
    stale: Option<&[PageId]>,
    previous: Option<State>,
) -> (Bodies, Terms, Reused) {
    let render_body = |p: &Page| {
        let mut body = markdown::render(resolver, &p.path, &p.text, p.body_offset);
        let mut text = std::mem::take(&mut body.text);
        // Lowered in place (count_terms would lower a copy): only search reads it.
        text.make_ascii_lowercase();
        let summary = render::summary_of(p, &body);
        let names = p.aliases.iter().map(|a| a.0.as_str());
        let sources = [p.title.as_str(), summary.as_str(), text.as_str()];
        let terms = search::count_terms(sources.into_iter().chain(names));
        (body, terms)
    };
    let render_home = |c: &Corpus| {
        c.home
            .as_ref()
            .map(|h| markdown::render(resolver, &h.path, &h.text, h.body_offset))
    };
    let (Some(ids), Some(old)) = (stale, previous) else {
        // Pieces of at most 32 pages: with rayon's default split for two threads, one thread
        // could be left rendering a long last piece alone.
        let (pages, terms): (Vec<RenderedBody>, Vec<search::PageTerms>) = corpus
            .pages
            .par_iter()
            .with_max_len(32)
            .map(render_body)
            .unzip();
        let bodies = Bodies {
            pages,
            home: render_home(corpus),
        };
        return (
            bodies,
            terms.into_iter().enumerate().collect(),
            Reused::default(),
        );
    };
    let ties: Vec<plan::Ties> = ids
        .iter()
        .map(|&i| plan::ties(&old.bodies[i], &old.graph, i))
        .collect();
    let State {
        mut bodies,
        home: old_home,
        corpus: old_corpus,
        tera,
        files,
        search,
        summaries,
        graph,
        ..
    } = old;
    let fresh: Vec<(PageId, (RenderedBody, search::PageTerms))> = ids
        .par_iter()
        .map(|&i| (i, render_body(&corpus.pages[i])))
        .collect();
    let mut terms = Vec::with_capacity(fresh.len());
    for (i, (body, page_terms)) in fresh {
        bodies[i] = body;
        terms.push((i, page_terms));
    }
    let home_text = |c: &Corpus| c.home.as_ref().map(|h| h.text.clone());
    let home = if home_text(&old_corpus) == home_text(corpus) {
        old_home
    } else {
        render_home(corpus)
    };
    let bodies = Bodies {
        pages: bodies,
        home,
    };
    let reused = Reused {
        tera: Some(tera),
        files: Some(files),
        ties,
        search: Some(search),
        summaries,
        graph: Some(graph),
    };
    (bodies, terms, reused)
}

/// The bodies' problems, and one note per broken page saying how many links point at it.
fn record_body_problems(
    corpus: &Corpus,
    index: &Index,
    bodies: &Bodies,
    diagnostics: &mut Diagnostics,
) {
    for body in bodies.iter().chain(bodies.home.iter()) {
        diagnostics.extend(body.diagnostics.iter().cloned());
    }
    note_broken_links(corpus, index, bodies, bodies.home.as_ref(), diagnostics);
}

/// Past the Markdown stage only the front matter of a page's source is read (the graph locates
/// problems with infobox values, categories and aliases in it; links and paragraphs were
/// located while rendering). A streaming build, which keeps no state, frees the rest.
fn free_sources(corpus: &mut Corpus) {
    for page in &mut corpus.pages {
        page.text.truncate(page.body_offset);
        page.text.shrink_to_fit();
    }
}

/// Compiled templates and every page's summary: what the pages and the search index need
/// besides the graph (a few milliseconds).
struct Prepared {
    tera: Option<tera::Tera>,
    summaries: Vec<String>,
    diagnostics: Diagnostics,
    time: Duration,
}

/// Stage: templates (kept from the last build when incremental) and summaries (a page's own,
/// so only the changed pages' can differ from the last build's).
fn prepare(
    templates: &[TemplateSource],
    corpus: &Corpus,
    bodies: &Bodies,
    stale: Option<&[PageId]>,
    reused: &mut Reused,
) -> Prepared {
    let started = Instant::now();
    let mut diagnostics = Diagnostics::default();
    let tera = match reused.tera.take() {
        Some(tera) => Some(tera),
        None => render::compile_templates(templates, &mut diagnostics),
    };
    let summaries: Vec<String> = match stale {
        Some(ids) if reused.summaries.len() == corpus.pages.len() => {
            let mut summaries = reused.summaries.clone();
            for &i in ids {
                summaries[i] = render::summary_of(&corpus.pages[i], &bodies[i]);
            }
            summaries
        }
        _ => corpus
            .pages
            .iter()
            .zip(bodies.iter())
            .map(|(p, b)| render::summary_of(p, b))
            .collect(),
    };
    Prepared {
        tera,
        summaries,
        diagnostics,
        time: started.elapsed(),
    }
}

/// Stage: the link graph (backlinks, relations, categories, redirects, reports). Its time is
/// its own, without the templates and summaries.
fn link_graph(shared: &Shared, previous: Option<&LinkGraph>, run: &mut Run) -> LinkGraph {
    let started = Instant::now();
    let graph = graph::build(
        &graph::GraphInput {
            config: shared.config,
            pages: &shared.corpus.pages,
            index: &shared.names.index,
            bodies: shared.bodies,
            home: shared.bodies.home.as_ref(),
            source_kind: shared.config.kind_by_id("source"),
            previous,
            changed: shared.stale,
            keep: !shared.mode.streams(),
        },
        &mut run.diagnostics,
    );
    let mut graph = graph;
    graph.query_tables = query_tables(shared, &graph, &mut run.diagnostics);
    graph.navboxes = crate::navbox::compute(shared.config, &shared.corpus.pages, &graph);
    run.lap("graph");
    if let Some(last) = run.stages.last_mut() {
        last.1 = started.elapsed();
    }
    graph
}

/// The tables of every page's `query` blocks, computed from the graph; a warning for each
/// that matches nothing.
fn query_tables(
    shared: &Shared,
    graph: &LinkGraph,
    diagnostics: &mut Diagnostics,
) -> Vec<(PageId, Vec<String>)> {
    let with_queries: Vec<(PageId, &[crate::query::Query])> = shared
        .bodies
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.queries.is_empty())
        .map(|(i, b)| (i, b.queries.as_slice()))
        .collect();
    if with_queries.is_empty() {
        return Vec::new();
    }
    let input = crate::tables::Input {
        config: shared.config,
        pages: &shared.corpus.pages,
        graph,
        hrefs: &shared.names.hrefs,
        summaries: shared.summaries,
    };
    let mut found = Vec::new();
    let tables = crate::tables::tables(&with_queries, &input, &mut found);
    diagnostics.extend(found);
    tables
}

/// What the render stage made: the fresh files, and the last build's files they patch (when
/// incremental).
struct Rendered {
    fresh: Vec<OutputFile>,
    kept: Option<Vec<OutputFile>>,
}

/// Stage: every page and generated file, or, when the build is incremental, what
/// `plan::affected` says changed.
fn render_pages(
    shared: &Shared,
    tera: Option<&mut tera::Tera>,
    graph: &LinkGraph,
    old_graph: Option<&LinkGraph>,
    (old_ties, old_summaries): (Vec<plan::Ties>, &[String]),
    old_files: Option<Vec<OutputFile>>,
    diagnostics: &mut Diagnostics,
) -> Rendered {
    let Some(tera) = tera else {
        return Rendered {
            fresh: Vec::new(),
            kept: None,
        };
    };
    let hook = shared.options.render_hook;
    if let Some(hook) = hook {
        hook(true);
    }
    let _ended = Ended(hook);
    let input = render::RenderInput {
        config: shared.config,
        corpus: shared.corpus,
        bodies: shared.bodies,
        home: shared.bodies.home.as_ref(),
        graph,
        history: shared.history,
        summaries: shared.summaries,
        templates: shared.templates,
        on_stuck: shared
            .options
            .on_stuck
            .as_ref()
            .map(|h| &*h.0 as &(dyn Fn(&Diagnostic) + Sync)),
    };
    let found = diagnostics;
    let hrefs = &shared.names.hrefs;
    match (shared.stale, old_files, old_graph) {
        (Some(ids), Some(old_files), Some(old_graph)) => {
            let before = plan::Shown {
                ties: old_ties,
                graph: old_graph,
                summaries: old_summaries,
            };
            let after = plan::Shown {
                ties: ids
                    .iter()
                    .map(|&i| plan::ties(&shared.bodies[i], graph, i))
                    .collect(),
                graph,
                summaries: shared.summaries,
            };
            let plan = plan::affected(ids, &before, &after);
            let fresh = render::render_site(
                &input,
                tera,
                hrefs,
                render::Scope::Pages(&plan.partial()),
                None,
                found,
            );
            Rendered {
                fresh,
                kept: Some(kept_files(old_files, &plan)),
            }
        }
        _ => Rendered {
            fresh: render::render_site(
                &input,
                tera,
                hrefs,
                render::Scope::All,
                shared.mode.sink(),
                found,
            ),
            kept: None,
        },
    }
}

/// The last build's files an incremental build keeps: all but the category pages (when they
/// changed) and the search index, which are emitted whole since one of their files can vanish.
/// Every other old file is kept unless a fresh one replaces it.
fn kept_files(old_files: Vec<OutputFile>, plan: &Plan) -> Vec<OutputFile> {
    old_files
        .into_iter()
        .filter(|f| {
            !((plan.categories_changed && f.path.starts_with(urls::CATEGORIES))
                || f.path.starts_with(search::DIR))
        })
        .collect()
}

/// The search index and its files.
struct Searched {
    /// Kept for the next build, unless the build streams.
    index: Option<SearchIndex>,
    files: Vec<OutputFile>,
    time: Duration,
}

/// Stage: the search index. It reads the counted terms and the summaries, and nothing the
/// graph or the pages read: it is built on one thread while the other builds the graph (which
/// is mostly serial), and the pages then render on both. Re-counted for the changed pages only
/// when the last build's index is kept.
fn search_index(
    shared: &Shared,
    terms: Vec<(PageId, search::PageTerms)>,
    previous: Option<SearchIndex>,
    old_summaries: &[String],
) -> Searched {
    let started = Instant::now();
    let mut index = match previous {
        Some(mut index) => {
            index.update(terms);
            index
        }
        None => SearchIndex::build(terms.into_iter().map(|(_, t)| t).collect()),
    };
    // `index.json` holds titles, aliases, kinds, paths and summaries: when none changed (an
    // incremental build keeps every name) the last one is kept.
    if shared.stale.is_none() || old_summaries != shared.summaries {
        let config = shared.config;
        let entries: Vec<search::Entry> = shared
            .corpus
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| search::Entry {
                title: &p.title,
                kind: p.kind,
                path: urls::page_path(&config.kinds[p.kind].folder, &p.slug),
                aliases: p.aliases.iter().map(|a| a.0.as_str()).collect(),
                anchors: section_anchors(p),
                summary: &shared.summaries[i],
            })
            .collect();
        let kind_names: Vec<String> = config.kinds.iter().map(|k| k.name.clone()).collect();
        index.set_docs(&kind_names, &entries);
    }
    let mut files = index.files();
    if let Some(sink) = shared.mode.sink() {
        for file in files.drain(..) {
            sink(&file);
        }
    }
    // A streaming build keeps no state: the postings are freed before rendering ends.
    let index = (!shared.mode.streams()).then_some(index);
    Searched {
        index,
        files,
        time: started.elapsed(),
    }
}

/// Stage: the build's files, sorted by path. Without templates nothing is rendered, and the
/// build fails: no search files either.
fn assemble(rendered: Rendered, search_files: Vec<OutputFile>, templates: bool) -> Vec<OutputFile> {
    let Rendered { mut fresh, kept } = rendered;
    if templates {
        fresh.extend(search_files);
    }
    match kept {
        Some(old_files) => patch(old_files, fresh),
        None => {
            fresh.sort_by(|a, b| a.path.cmp(&b.path));
            fresh
        }
    }
}

/// Files of `static/` that a generated file would replace: noted as files are made (streamed
/// or kept), reported as errors naming both.
struct Collisions {
    statics: Vec<String>,
    found: Mutex<Vec<String>>,
}

impl Collisions {
    fn new(root: &std::path::Path) -> Collisions {
        Collisions {
            statics: content::static_paths(root),
            found: Mutex::new(Vec::new()),
        }
    }

    fn note(&self, path: &str) {
        if !self.statics.is_empty() && collides(&self.statics, path) {
            self.found
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(path.to_string());
        }
    }

    fn report(
        &self,
        files: &[OutputFile],
        config: &Config,
        corpus: &Corpus,
        diagnostics: &mut Diagnostics,
    ) {
        for file in files {
            self.note(&file.path);
        }
        let mut collided =
            std::mem::take(&mut *self.found.lock().unwrap_or_else(PoisonError::into_inner));
        collided.sort();
        collided.dedup();
        for path in collided {
            let made_from = corpus
                .pages
                .iter()
                .find(|p| {
                    urls::file_for(&urls::page_path(&config.kinds[p.kind].folder, &p.slug)) == path
                })
                .map_or_else(
                    || "a generated page".to_string(),
                    |p| format!("the page {}", p.path),
                );
            let file = self
                .statics
                .iter()
                .find(|s| path == **s || path.starts_with(&format!("{s}/")))
                .cloned()
                .unwrap_or_else(|| path.clone());
            diagnostics.push(
                Diagnostic::error(
                    "static-collision",
                    format!("static/{file}"),
                    format!("static/{file} and {made_from} would both be published at /{path}"),
                )
                .note("rename or move the static file; generated pages own their paths"),
            );
        }
    }
}

/// Whether a generated file at `path` would replace a file of `static/` (`statics` sorted), or
/// need a folder where `static/` has a file.
fn collides(statics: &[String], path: &str) -> bool {
    if statics.binary_search_by(|s| s.as_str().cmp(path)).is_ok() {
        return true;
    }
    path.match_indices('/').any(|(i, _)| {
        statics
            .binary_search_by(|s| s.as_str().cmp(&path[..i]))
            .is_ok()
    })
}

/// Beside a page's aliases, the heading id each section alias leads to ("" for a plain alias);
/// empty when none names a section.
fn section_anchors(page: &Page) -> Vec<String> {
    if page.alias_sections.is_empty() {
        return Vec::new();
    }
    let mut anchors = vec![String::new(); page.aliases.len()];
    for s in &page.alias_sections {
        if let Some(slot) = anchors.get_mut(s.alias) {
            *slot = names::slugify(&s.heading);
        }
    }
    anchors
}

/// Links to a page that exists but failed to load are not red links (the page's own error is
/// the problem): its first error says, once, how many there are.
fn note_broken_links(
    corpus: &Corpus,
    index: &Index,
    bodies: &[RenderedBody],
    home: Option<&RenderedBody>,
    diagnostics: &mut Diagnostics,
) {
    if corpus.broken.is_empty() {
        return;
    }
    // Per broken page: links to it, and pages with such links.
    let mut counts = vec![(0usize, 0usize); corpus.broken.len()];
    let field_hits = |page: &Page| -> Vec<usize> {
        page.fields
            .iter()
            .filter_map(|f| match &f.value {
                content::Value::Links(names) => Some(names),
                _ => None,
            })
            .flatten()
            .filter(|l| index.resolve(&l.name) == names::Resolution::Missing)
            .filter_map(|l| index.broken(&l.name))
            .collect()
    };
    let mut tally = |mut hits: Vec<usize>| {
        hits.sort_unstable();
        for (i, &b) in hits.iter().enumerate() {
            counts[b].0 += 1;
            if i == 0 || hits[i - 1] != b {
                counts[b].1 += 1;
            }
        }
    };
    for (page, body) in corpus.pages.iter().zip(bodies) {
        let mut hits = body.broken_links.clone();
        hits.extend(field_hits(page));
        tally(hits);
    }
    if let Some(home) = home {
        tally(home.broken_links.clone());
    }
    for (broken, (links, pages)) in corpus.broken.iter().zip(counts) {
        if links > 0 {
            diagnostics.note_first_error(
                &broken.path,
                format!(
                    "{} on {} point{} at this page; they are not reported as red links, and work once it loads",
                    crate::plural(links, "link", "links"),
                    crate::plural(pages, "page", "pages"),
                    if links == 1 { "s" } else { "" },
                ),
            );
        }
    }
}

/// Replaces (or adds) the fresh files in the sorted list of a previous build.
fn patch(mut files: Vec<OutputFile>, fresh: Vec<OutputFile>) -> Vec<OutputFile> {
    for f in fresh {
        match files.binary_search_by(|x| x.path.as_str().cmp(&f.path)) {
            Ok(i) => files[i] = f,
            Err(i) => files.insert(i, f),
        }
    }
    files
}

/// Builds the title and alias index; a name two pages claim is an error on the second.
fn build_index(corpus: &Corpus, diagnostics: &mut Diagnostics) -> Index {
    let (mut index, clashes) = Index::build(
        corpus
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.title.as_str(), p.aliases.iter().map(|a| a.0.as_str()))),
    );
    index.add_sections(corpus.pages.iter().enumerate().flat_map(|(i, p)| {
        p.alias_sections
            .iter()
            .filter_map(move |s| Some((i, p.aliases.get(s.alias)?.0.as_str(), s.heading.as_str())))
    }));
    for clash in clashes {
        let page = &corpus.pages[clash.page];
        let other = &corpus.pages[clash.other];
        let d = match clash.alias_index {
            None => Diagnostic::error(
                "duplicate-title",
                &page.path,
                format!("title \"{}\" is already the title of {}", clash.name, other.path),
            )
            .at_offset(&page.text, page.title_offset)
            .note("two pages sharing a name take qualifiers in their titles: \"Seven (song)\", \"Seven (album)\""),
            Some(i) => Diagnostic::warning(
                "alias-shadowed",
                &page.path,
                format!("alias \"{}\" is the title of \"{}\" ({}); links with this name go there", clash.name, other.title, other.path),
            )
            .at_offset(&page.text, page.aliases[i].1),
        };
        diagnostics.push(d);
    }
    index
}
