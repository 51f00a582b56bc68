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
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod diagram;
#[cfg(test)]
mod fixture;
pub mod graph;
pub mod history;
pub mod markdown;
pub mod names;
pub mod output;
pub mod raw_html;
pub mod render;
pub mod sanitize;
pub mod search;
pub mod serve;
pub mod urls;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::PageId;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::markdown::{RenderedBody, Resolver};
use crate::names::Index;

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
    let mut report = session.build_with(Some(&sink));
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

/// Tells the render hook that the stage ended, however it ends.
struct Ended(Option<fn(bool)>);

impl Drop for Ended {
    fn drop(&mut self) {
        if let Some(hook) = self.0 {
            hook(false);
        }
    }
}

/// What one good build produced, kept so the next build can redo only what a change needs.
struct State {
    config_text: String,
    templates: Vec<content::TemplateSource>,
    tera: tera::Tera,
    corpus: content::Corpus,
    /// What loading the corpus reported, kept for a rebuild that re-reads only some pages.
    load_diagnostics: Vec<Diagnostic>,
    index: Index,
    index_diagnostics: Vec<Diagnostic>,
    hrefs: Vec<String>,
    bodies: Vec<RenderedBody>,
    home: Option<RenderedBody>,
    graph: graph::LinkGraph,
    history: history::History,
    search: search::SearchIndex,
    summaries: Vec<String>,
    /// Every rendered file, sorted by path (static files are not here).
    files: Vec<render::OutputFile>,
}

/// A sequence of builds of one site. The first build runs every stage; later ones reuse the
/// last good build where the change allows it (see [`Session::build`]). `serve` keeps one.
pub struct Session {
    options: Options,
    state: Option<State>,
    /// After a build that streamed its pages out: the files it did not stream.
    streamed_rest: Vec<render::OutputFile>,
    /// Files a watcher reported changed, for the next build (`build_changed`).
    hint: Option<Vec<PathBuf>>,
}

impl Session {
    pub fn new(options: Options) -> Session {
        Session {
            options,
            state: None,
            streamed_rest: Vec::new(),
            hint: None,
        }
    }

    /// `build`, told which files changed since the last build (absolute paths, as a file
    /// watcher reports them). When they are all existing pages, only they are read again;
    /// otherwise this is `build`. The result is the same either way.
    pub fn build_changed(&mut self, paths: &[PathBuf]) -> Report {
        self.hint = Some(paths.to_vec());
        self.build_with(None)
    }

    /// The rendered files of the last good build, sorted by path.
    pub fn files(&self) -> &[render::OutputFile] {
        self.state.as_ref().map_or(&[], |s| s.files.as_slice())
    }

    /// Builds the site in memory.
    ///
    /// When only page bodies or fields changed since the last good build (no page added,
    /// removed or renamed, no alias changed, `site.toml` and templates untouched), it renders
    /// Markdown only for the changed pages and re-renders only them, the pages they link to or
    /// linked to (backlinks, relations, cited-by), and the generated lists. Anything else runs
    /// every stage. Either way the files are byte-identical to a fresh build (tested).
    pub fn build(&mut self) -> Report {
        self.build_with(None)
    }

    /// `build`, handing each rendered page to `sink` as it is made (see `render_site`). The
    /// other files are left in `streamed_rest`; no state is kept, so a session that streams
    /// always builds in full.
    fn build_with(&mut self, outer_sink: Option<&render::Sink<'_>>) -> Report {
        let started = Instant::now();
        // Files of static/ that a generated file would replace: collected as files are made
        // (streamed or kept), reported as errors naming both.
        let statics = content::static_paths(&self.options.root);
        let collisions: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let note_collision = |path: &str| {
            if !statics.is_empty() && collides(&statics, path) {
                collisions
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(path.to_string());
            }
        };
        let checked_sink = |file: &render::OutputFile| {
            note_collision(&file.path);
            if let Some(sink) = outer_sink {
                sink(file);
            }
        };
        let sink: Option<&render::Sink<'_>> =
            outer_sink.map(|_| &checked_sink as &render::Sink<'_>);
        let mut stages = Vec::new();
        let mut peaks = Vec::new();
        let mut lap = {
            let mut last = Instant::now();
            move |name: &'static str,
                  stages: &mut Vec<(&'static str, Duration)>,
                  peaks: &mut Vec<(&'static str, Option<u64>)>| {
                let now = Instant::now();
                stages.push((name, now - last));
                peaks.push((name, peak_memory_kib()));
                last = now;
            }
        };
        let options = &self.options;
        let root = &options.root;
        let mut diagnostics = Diagnostics::default();
        let finish = |mut diagnostics: Diagnostics, stages, peaks, report: Report| -> Report {
            if options.strict {
                diagnostics.make_strict();
            }
            let mut failed = diagnostics.has_errors();
            if options.strict {
                failed |= diagnostics
                    .iter()
                    .any(|d| diagnostics::STRICT_CODES.contains(&d.code));
            }
            Report {
                diagnostics: diagnostics.into_sorted(),
                elapsed: started.elapsed(),
                stages,
                peaks,
                failed,
                ..report
            }
        };

        let Some((mut config, config_text)) = Config::load(root, &mut diagnostics) else {
            return finish(diagnostics, stages, peaks, Report::default());
        };
        if let Some(url) = &options.base_url {
            match config.clone().with_base_url(url) {
                Some(c) => config = c,
                None => {
                    diagnostics.push(Diagnostic::error(
                        "config",
                        "--base-url",
                        format!("{url:?} is not an absolute http(s) URL"),
                    ));
                    return finish(diagnostics, stages, peaks, Report::default());
                }
            }
        }
        // The state is taken: a failed build leaves none, and the next build runs in full.
        let mut previous = self.state.take();
        // When the watcher named the changed files and they are all existing pages, only they
        // are read again; the other pages, and their load diagnostics, are the last build's.
        let hint = self.hint.take();
        let reloaded = match (&hint, previous.as_mut()) {
            (Some(paths), Some(old)) if old.config_text == config_text => {
                let root_abs = root.canonicalize().unwrap_or_else(|_| root.clone());
                content::reload_pages(&root_abs, &old.corpus, paths, &config)
            }
            _ => None,
        };
        let (mut corpus, load_diagnostics, replaced) = match (reloaded, previous.as_mut()) {
            (Some(fresh), Some(old)) => {
                let mut pages = std::mem::take(&mut old.corpus.pages);
                let corpus_home = old.corpus.home.clone();
                let mut replaced = Vec::with_capacity(fresh.len());
                let changed_paths: Vec<&str> = fresh
                    .iter()
                    .map(|(i, _, _)| pages[*i].path.as_str())
                    .collect();
                let mut load_diagnostics: Vec<Diagnostic> = old
                    .load_diagnostics
                    .iter()
                    .filter(|d| !changed_paths.contains(&d.path.as_str()))
                    .cloned()
                    .collect();
                for (i, page, problems) in fresh {
                    load_diagnostics.extend(problems);
                    replaced.push((i, std::mem::replace(&mut pages[i], page)));
                }
                let corpus = content::Corpus {
                    pages,
                    home: corpus_home,
                    broken: old.corpus.broken.clone(),
                };
                (corpus, load_diagnostics, Some(replaced))
            }
            _ => {
                let mut load = Diagnostics::default();
                let corpus = content::load(root, &config, &mut load);
                (corpus, load.iter().cloned().collect(), None)
            }
        };
        diagnostics.extend(load_diagnostics.iter().cloned());
        let templates = content::load_templates(root, &mut diagnostics);
        lap("load", &mut stages, &mut peaks);
        // Dates only change the output, so `check` skips the `git log`.
        let history = if options.out.is_some() {
            history::History::load(root)
        } else {
            history::History::default()
        };
        lap("history", &mut stages, &mut peaks);

        // Reloaded pages with the same names keep the name index, its diagnostics and every
        // URL of the last build.
        let names_kept = replaced.as_ref().is_some_and(|r| {
            r.iter()
                .all(|(i, old_page)| same_names(old_page, &corpus.pages[*i]))
        });
        let (index, index_diagnostics, hrefs) = match previous.as_mut() {
            Some(old) if names_kept => (
                std::mem::take(&mut old.index),
                std::mem::take(&mut old.index_diagnostics),
                std::mem::take(&mut old.hrefs),
            ),
            _ => {
                // The name index is built on one thread (normalising names in parallel) while
                // the other makes every page's URL: both read only the corpus.
                let mut found = Diagnostics::default();
                let (index, hrefs) = rayon::join(
                    || {
                        let mut index = build_index(&corpus, &mut found);
                        index.set_broken(corpus.broken_names());
                        index
                    },
                    || {
                        corpus
                            .pages
                            .par_iter()
                            .map(|p| {
                                urls::href(
                                    &config,
                                    &urls::page_path(&config.kinds[p.kind].folder, &p.slug),
                                )
                            })
                            .collect::<Vec<String>>()
                    },
                );
                (index, found.iter().cloned().collect::<Vec<_>>(), hrefs)
            }
        };
        diagnostics.extend(index_diagnostics.iter().cloned());
        // The pages whose text changed, when nothing else did that would touch every page.
        let changed: Option<Vec<PageId>> = previous.as_ref().and_then(|old| {
            let same_frame = old.config_text == config_text
                && old.templates == templates
                && old.history == history;
            match &replaced {
                Some(replaced) => (same_frame && names_kept).then(|| {
                    replaced
                        .iter()
                        .filter(|(i, old_page)| old_page.text != corpus.pages[*i].text)
                        .map(|(i, _)| *i)
                        .collect()
                }),
                None => (same_frame && old.hrefs == hrefs && names_unchanged(&old.corpus, &corpus))
                    .then(|| {
                        (0..corpus.pages.len())
                            .filter(|&i| old.corpus.pages[i].text != corpus.pages[i].text)
                            .collect()
                    }),
            }
        });
        let source_kind = config.kind_by_id("source");
        let resolver = Resolver {
            config: &config,
            index: &index,
            pages: &corpus.pages,
            hrefs: &hrefs,
            source_kind,
        };
        // A page's search terms are counted as soon as its body is rendered, so its plain text
        // (only search reads it) is dropped here instead of living until the search stage.
        let render_body = |p: &content::Page| {
            let mut body = markdown::render(&resolver, &p.path, &p.text, p.body_offset);
            let mut text = std::mem::take(&mut body.text);
            // Lowered in place (count_terms would lower a copy): only search reads it.
            text.make_ascii_lowercase();
            let summary = render::summary_of(p, &body);
            let names = p.aliases.iter().map(|a| a.0.as_str());
            let sources = [p.title.as_str(), summary.as_str(), text.as_str()];
            let terms = search::count_terms(sources.into_iter().chain(names));
            (body, terms)
        };
        let render_home = |c: &content::Corpus| {
            c.home
                .as_ref()
                .map(|h| markdown::render(&resolver, &h.path, &h.text, h.body_offset))
        };
        let (bodies, home, terms, reuse) = match (changed.as_deref(), previous) {
            (Some(ids), Some(old)) => {
                let old_links: Vec<Vec<PageId>> = ids
                    .iter()
                    .map(|&i| out_neighbours(&old.bodies[i], &old.graph, i))
                    .collect();
                let State {
                    mut bodies,
                    home: old_home,
                    corpus: old_corpus,
                    tera,
                    files,
                    search,
                    summaries,
                    graph: old_graph,
                    ..
                } = old;
                let fresh: Vec<(PageId, (RenderedBody, search::PageTerms))> = ids
                    .par_iter()
                    .map(|&i| (i, render_body(&corpus.pages[i])))
                    .collect();
                let mut fresh_terms = Vec::with_capacity(fresh.len());
                for (i, (body, terms)) in fresh {
                    bodies[i] = body;
                    fresh_terms.push((i, terms));
                }
                let home_text = |c: &content::Corpus| c.home.as_ref().map(|h| h.text.clone());
                let home = if home_text(&old_corpus) == home_text(&corpus) {
                    old_home
                } else {
                    render_home(&corpus)
                };
                (
                    bodies,
                    home,
                    fresh_terms,
                    Some((tera, files, old_links, search, summaries, old_graph)),
                )
            }
            _ => {
                // Pieces of at most 32 pages: with rayon's default split for two threads, one
                // thread could be left rendering a long last piece alone.
                let (bodies, terms) = corpus
                    .pages
                    .par_iter()
                    .with_max_len(32)
                    .map(render_body)
                    .unzip();
                (bodies, render_home(&corpus), terms_of_all(terms), None)
            }
        };
        for body in bodies.iter().chain(home.iter()) {
            diagnostics.extend(body.diagnostics.iter().cloned());
        }
        note_broken_links(&corpus, &index, &bodies, home.as_ref(), &mut diagnostics);
        // Past the Markdown stage only the front matter of a page's source is read (the graph
        // locates problems with infobox values, categories and aliases in it; links and
        // paragraphs were located while rendering). A streaming build, which keeps no state,
        // frees the rest now.
        if sink.is_some() {
            for page in &mut corpus.pages {
                page.text.truncate(page.body_offset);
                page.text.shrink_to_fit();
            }
        }
        lap("markdown", &mut stages, &mut peaks);

        let mut render_diagnostics = Vec::new();
        let (mut tera, old_files, old_links, old_search, old_summaries, old_graph) = match reuse {
            Some((tera, files, links, search, summaries, graph)) => (
                Some(tera),
                Some(files),
                links,
                Some(search),
                summaries,
                Some(graph),
            ),
            None => (None, None, Vec::new(), None, Vec::new(), None),
        };
        let graph_stage = || {
            let started = Instant::now();
            let mut graph_diagnostics = Vec::new();
            let graph = graph::build(
                &graph::GraphInput {
                    config: &config,
                    pages: &corpus.pages,
                    index: &index,
                    bodies: &bodies,
                    home: home.as_ref(),
                    source_kind,
                    previous: old_graph.as_ref(),
                    changed: changed.as_deref(),
                    keep: sink.is_none(),
                },
                &mut graph_diagnostics,
            );
            (graph, graph_diagnostics, started.elapsed())
        };
        // What the pages and the search index need besides the graph: compiled templates and
        // every page's summary (a few milliseconds).
        let mut prep_stage = || {
            let started = Instant::now();
            let mut template_diagnostics = Vec::new();
            let tera = tera
                .take()
                .or_else(|| render::compile_templates(&templates, &mut template_diagnostics));
            // Summaries: a page's own, so only the changed pages' can differ from the last
            // build's.
            let summaries: Vec<String> = match changed.as_deref() {
                Some(ids) if old_summaries.len() == corpus.pages.len() => {
                    let mut summaries = old_summaries.clone();
                    for &i in ids {
                        summaries[i] = render::summary_of(&corpus.pages[i], &bodies[i]);
                    }
                    summaries
                }
                _ => corpus
                    .pages
                    .iter()
                    .zip(&bodies)
                    .map(|(p, b)| render::summary_of(p, b))
                    .collect(),
            };
            (tera, summaries, template_diagnostics, started.elapsed())
        };
        let (tera_compiled, summaries, template_diagnostics, prep_time) = prep_stage();
        tera = tera_compiled;
        render_diagnostics.extend(template_diagnostics);
        // The search index reads the counted terms and the summaries, and nothing the graph or
        // the pages read: it is built on one thread while the other builds the graph (which is
        // mostly serial), and the pages then render on both.
        let index_stage = |summaries: &[String]| {
            let started = Instant::now();
            // The search index: re-counted for the changed pages only, when the last build's
            // is kept.
            let mut search = match old_search {
                Some(mut index) => {
                    index.update(terms);
                    index
                }
                None => search::SearchIndex::build(terms.into_iter().map(|(_, t)| t).collect()),
            };
            // `index.json` holds titles, aliases, kinds, paths and summaries: when none changed
            // (an incremental build keeps every name) the last one is kept.
            if changed.is_none() || old_summaries.as_slice() != summaries {
                let entries: Vec<search::Entry> = corpus
                    .pages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| search::Entry {
                        title: &p.title,
                        kind: p.kind,
                        path: urls::page_path(&config.kinds[p.kind].folder, &p.slug),
                        aliases: p.aliases.iter().map(|a| a.0.as_str()).collect(),
                        anchors: section_anchors(p),
                        summary: &summaries[i],
                    })
                    .collect();
                let kind_names: Vec<String> = config.kinds.iter().map(|k| k.name.clone()).collect();
                search.set_docs(&kind_names, &entries);
            }
            let mut search_files = search.files();
            if let Some(sink) = sink {
                for file in search_files.drain(..) {
                    sink(&file);
                }
            }
            // A streaming build keeps no state: the postings are not needed past this point,
            // so they are freed before rendering.
            let search = if sink.is_some() {
                drop(search);
                None
            } else {
                Some(search)
            };
            (search, search_files, started.elapsed())
        };
        let render_stage = |graph: &graph::LinkGraph,
                            render_diagnostics: &mut Vec<Diagnostic>|
         -> (Vec<render::OutputFile>, Option<Vec<render::OutputFile>>) {
            let Some(tera) = &mut tera else {
                return (Vec::new(), None);
            };
            if let Some(hook) = options.render_hook {
                hook(true);
            }
            let _ended = Ended(options.render_hook);
            let input = render::RenderInput {
                config: &config,
                corpus: &corpus,
                bodies: &bodies,
                home: home.as_ref(),
                graph,
                history: &history,
                summaries: &summaries,
                templates: &templates,
                on_stuck: options
                    .on_stuck
                    .as_ref()
                    .map(|h| &*h.0 as &(dyn Fn(&Diagnostic) + Sync)),
            };
            match (changed.as_deref(), old_files) {
                (Some(ids), Some(old_files)) => {
                    // A page's HTML shows its neighbours (links, citations, infobox values) and
                    // they show it back (backlinks, cited-by, relations): before and after.
                    let mut affected: Vec<PageId> = ids.to_vec();
                    let mut links_changed = false;
                    for (&i, mut old) in ids.iter().zip(old_links) {
                        let mut new = out_neighbours(&bodies[i], graph, i);
                        affected.extend(&old);
                        affected.extend(&new);
                        old.sort_unstable();
                        new.sort_unstable();
                        links_changed |= old != new;
                    }
                    // Pictures show the relations of the pages a page names: when a page's
                    // relations change, so do the pictures of the pages naming or citing it.
                    for &i in ids {
                        if old_graph
                            .as_ref()
                            .is_none_or(|g| g.infobox.get(i) != graph.infobox.get(i))
                        {
                            affected.extend(graph.backlinks[i].iter().map(|b| b.from));
                            affected.extend(&graph.cited_by[i]);
                        }
                    }
                    affected.sort_unstable();
                    affected.dedup();
                    // Lists (kind indexes, categories, disambiguations) show a page's title,
                    // summary and infobox: only changed pages' can differ.
                    let listed: Vec<PageId> = ids
                        .iter()
                        .copied()
                        .filter(|&i| {
                            old_summaries.get(i) != summaries.get(i)
                                || old_graph
                                    .as_ref()
                                    .is_none_or(|g| g.infobox.get(i) != graph.infobox.get(i))
                        })
                        .collect();
                    let categories_changed = !listed.is_empty()
                        || old_graph
                            .as_ref()
                            .is_none_or(|g| g.categories != graph.categories);
                    let fresh = render::render_site(
                        &input,
                        tera,
                        &hrefs,
                        render::Scope::Pages(&render::Partial {
                            ids: &affected,
                            listed: &listed,
                            categories_changed,
                            summaries_changed: old_summaries != summaries,
                            wanted_changed: old_graph
                                .as_ref()
                                .is_none_or(|g| g.wanted != graph.wanted),
                            links_changed,
                            maintenance_changed: old_graph.as_ref().is_none_or(|g| {
                                (&g.orphans, &g.unreachable, &g.uncited)
                                    != (&graph.orphans, &graph.unreachable, &graph.uncited)
                            }),
                        }),
                        None,
                        render_diagnostics,
                    );
                    // Category pages (when they changed) and the search index are emitted
                    // whole (one can vanish); every other old file is kept unless a fresh one
                    // replaces it.
                    let old_files = old_files
                        .into_iter()
                        .filter(|f| {
                            !((categories_changed && f.path.starts_with(urls::CATEGORIES))
                                || f.path.starts_with(search::DIR))
                        })
                        .collect();
                    (fresh, Some(old_files))
                }
                _ => (
                    render::render_site(
                        &input,
                        tera,
                        &hrefs,
                        render::Scope::All,
                        sink,
                        render_diagnostics,
                    ),
                    None,
                ),
            }
        };
        let graph_then_render = || {
            let (graph, graph_diagnostics, graph_time) = graph_stage();
            diagnostics.extend(graph_diagnostics);
            lap("graph", &mut stages, &mut peaks);
            // The stage's time is the graph's own, without the templates and summaries.
            if let Some(last) = stages.last_mut() {
                last.1 = graph_time;
            }
            let (rendered, kept) = render_stage(&graph, &mut render_diagnostics);
            (graph, rendered, kept)
        };
        let ((graph, mut rendered, kept), (search, search_files, index_time)) =
            rayon::join(graph_then_render, || index_stage(&summaries));
        // Without templates nothing is rendered, and the build fails: no search files either.
        if tera.is_some() {
            rendered.extend(search_files);
        }
        let files = match kept {
            Some(old_files) => patch(old_files, rendered),
            None => {
                rendered.sort_by(|a, b| a.path.cmp(&b.path));
                rendered
            }
        };
        diagnostics.extend(render_diagnostics);
        for file in &files {
            note_collision(&file.path);
        }
        let mut collided =
            std::mem::take(&mut *collisions.lock().unwrap_or_else(PoisonError::into_inner));
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
            let file = statics
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
        lap("render", &mut stages, &mut peaks);
        // The search index was built beside the graph and the pages: it gets its own time, with
        // the templates and summaries it was built after, and render the wall time of the rest.
        let n = stages.len();
        stages.insert(n - 1, ("search", prep_time + index_time));
        peaks.insert(n - 1, ("search", peaks[n - 1].1));

        let report = Report {
            notes: history.note.iter().cloned().collect(),
            pages: corpus.pages.len(),
            redirects: graph.redirects.len(),
            // A streaming build counts what it streamed itself (`run`).
            files: files.len(),
            incremental: changed.is_some(),
            ..Report::default()
        };
        let report = finish(diagnostics, stages, peaks, report);
        if sink.is_some() {
            self.streamed_rest = files;
            // A streaming build keeps nothing: its products are freed off the caller's path
            // (see `run`).
            std::thread::spawn(move || drop((corpus, bodies, graph, summaries, index, hrefs)));
            return report;
        }
        if let (Some(tera), Some(search)) = (tera, search)
            && !report.failed
        {
            self.state = Some(State {
                config_text,
                templates,
                tera,
                corpus,
                load_diagnostics,
                index,
                index_diagnostics,
                hrefs,
                bodies,
                home,
                graph,
                history,
                search,
                summaries,
                files,
            });
        }
        report
    }
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

/// Beside a page's aliases, the heading id each section alias leads to ("" for a plain alias);
/// empty when none names a section.
fn section_anchors(page: &content::Page) -> Vec<String> {
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

/// No page added, removed, moved or renamed, no alias, kind or `featured` changed: the name
/// index, every URL and every redirect stay as they were.
fn names_unchanged(old: &content::Corpus, new: &content::Corpus) -> bool {
    old.pages.len() == new.pages.len()
        && old
            .pages
            .iter()
            .zip(&new.pages)
            .all(|(a, b)| same_names(a, b))
}

/// One page's part of `names_unchanged`.
fn same_names(a: &content::Page, b: &content::Page) -> bool {
    a.path == b.path
        && a.kind == b.kind
        && a.slug == b.slug
        && a.title == b.title
        && a.featured == b.featured
        && a.aliases
            .iter()
            .map(|x| &x.0)
            .eq(b.aliases.iter().map(|x| &x.0))
        && a.alias_sections
            .iter()
            .map(|s| (s.alias, &s.heading))
            .eq(b.alias_sections.iter().map(|s| (s.alias, &s.heading)))
}

/// Pages a page's HTML can show something of, and which show something of it: its body links,
/// citations and infobox links. Backlinks, inverse relations and cited-by lists are their
/// reverse, so a change to a page reaches exactly these.
fn out_neighbours(body: &RenderedBody, graph: &graph::LinkGraph, id: PageId) -> Vec<PageId> {
    let mut out: Vec<PageId> = body.links.iter().map(|l| l.target).collect();
    out.extend(body.citations.iter().copied());
    for (_, items) in graph.infobox[id].iter() {
        out.extend(items.iter().filter_map(graph::FieldItem::page));
    }
    out
}

/// Every page's terms, numbered, as `SearchIndex::update` takes the changed ones.
fn terms_of_all(terms: Vec<search::PageTerms>) -> Vec<(PageId, search::PageTerms)> {
    terms.into_iter().enumerate().collect()
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

/// Links to a page that exists but failed to load are not red links (the page's own error is
/// the problem): its first error says, once, how many there are.
fn note_broken_links(
    corpus: &content::Corpus,
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
    let field_hits = |page: &content::Page| -> Vec<usize> {
        page.fields
            .iter()
            .filter_map(|f| match &f.value {
                content::Value::Links(names) => Some(names),
                _ => None,
            })
            .flatten()
            .filter(|(name, _)| index.resolve(name) == names::Resolution::Missing)
            .filter_map(|(name, _)| index.broken(name))
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
                    plural(links, "link", "links"),
                    plural(pages, "page", "pages"),
                    if links == 1 { "s" } else { "" },
                ),
            );
        }
    }
}

/// "1 page", "2 pages".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Replaces (or adds) the fresh files in the sorted list of a previous build.
fn patch(
    mut files: Vec<render::OutputFile>,
    fresh: Vec<render::OutputFile>,
) -> Vec<render::OutputFile> {
    for f in fresh {
        match files.binary_search_by(|x| x.path.as_str().cmp(&f.path)) {
            Ok(i) => files[i] = f,
            Err(i) => files.insert(i, f),
        }
    }
    files
}

/// Builds the title and alias index; a name two pages claim is an error on the second.
fn build_index(corpus: &content::Corpus, diagnostics: &mut Diagnostics) -> Index {
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
