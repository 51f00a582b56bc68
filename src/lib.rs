//! kwiki: a static site generator for typed, wikilinked wikis.
//!
//! ```text
//! site.toml ──config──▶ Config
//! content/** ──content::load──▶ Corpus ──names::Index::build──▶ Index
//! Corpus + Index ──markdown::render (parallel)──▶ RenderedBody per page
//! bodies + front matter ──graph::build──▶ LinkGraph (backlinks, relations, reports)
//! everything ──render::render_site (Tera, view structs, parallel)──▶ Vec<OutputFile>
//! Vec<OutputFile> + static/ ──output::write──▶ public/ (staged beside, swapped in)
//! ```
//!
//! Every stage pushes diagnostics and goes on; [`run`] is the only place that orders the
//! stages. `check` is the same run without the write.

pub mod config;
pub mod content;
pub mod diagnostics;
pub mod graph;
pub mod history;
pub mod markdown;
pub mod names;
pub mod output;
pub mod render;
pub mod search;
pub mod urls;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::markdown::{RenderedBody, Resolver};
use crate::names::Index;

/// What to run and where.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    /// Where to write; `None` checks without writing.
    pub out: Option<PathBuf>,
    pub base_url: Option<String>,
    pub strict: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub pages: usize,
    pub redirects: usize,
    pub files: usize,
    pub written: bool,
    pub elapsed: Duration,
    pub stages: Vec<(&'static str, Duration)>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
}

/// Runs the pipeline. Content problems are in the report; `Err` is for the environment (an
/// output folder that cannot be written, a refused `--out`).
pub fn run(options: &Options) -> anyhow::Result<Report> {
    let started = Instant::now();
    let mut stages = Vec::new();
    let mut lap = {
        let mut last = Instant::now();
        move |name: &'static str, stages: &mut Vec<(&'static str, Duration)>| {
            let now = Instant::now();
            stages.push((name, now - last));
            last = now;
        }
    };
    let root = &options.root;
    if let Some(out) = &options.out {
        output::check_output_dir(root, out)?;
    }
    let mut diagnostics = Diagnostics::default();
    let finish = |diagnostics: Diagnostics, stages, report: Report| -> Report {
        let mut diagnostics = diagnostics;
        if options.strict {
            diagnostics.make_strict();
        }
        Report {
            diagnostics: diagnostics.into_sorted(),
            elapsed: started.elapsed(),
            stages,
            ..report
        }
    };

    let Some(mut config) = Config::load(root, &mut diagnostics) else {
        return Ok(finish(diagnostics, stages, Report::default()));
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
                return Ok(finish(diagnostics, stages, Report::default()));
            }
        }
    }
    let corpus = content::load(root, &config, &mut diagnostics);
    let templates = content::load_templates(root, &mut diagnostics);
    // Dates only change the output, so `check` skips the `git log`.
    lap("load", &mut stages);
    let history = if options.out.is_some() {
        history::History::load(root)
    } else {
        history::History::default()
    };
    lap("history", &mut stages);

    let index = build_index(&corpus, &mut diagnostics);
    let hrefs: Vec<String> = corpus
        .pages
        .iter()
        .map(|p| {
            urls::href(
                &config,
                &urls::page_path(&config.kinds[p.kind].folder, &p.slug),
            )
        })
        .collect();
    let source_kind = config.kind_by_id("source");
    let resolver = Resolver {
        config: &config,
        index: &index,
        pages: &corpus.pages,
        hrefs: &hrefs,
        source_kind,
    };
    let bodies: Vec<RenderedBody> = corpus
        .pages
        .par_iter()
        .map(|p| markdown::render(&resolver, &p.path, &p.text, p.body_offset))
        .collect();
    let home = corpus
        .home
        .as_ref()
        .map(|h| markdown::render(&resolver, &h.path, &h.text, h.body_offset));
    for body in bodies.iter().chain(home.iter()) {
        diagnostics.extend(body.diagnostics.iter().cloned());
    }
    lap("markdown", &mut stages);

    let mut graph_diagnostics = Vec::new();
    let graph = graph::build(
        &graph::GraphInput {
            config: &config,
            pages: &corpus.pages,
            index: &index,
            bodies: &bodies,
            home: home.as_ref(),
            source_kind,
        },
        &mut graph_diagnostics,
    );
    diagnostics.extend(graph_diagnostics);
    lap("graph", &mut stages);

    let mut render_diagnostics = Vec::new();
    let mut files = Vec::new();
    if let Some(mut tera) = render::compile_templates(&templates, &mut render_diagnostics) {
        let input = render::RenderInput {
            config: &config,
            corpus: &corpus,
            bodies: &bodies,
            home: home.as_ref(),
            graph: &graph,
            history: &history,
        };
        files = render::render_site(&input, &mut tera, &hrefs, &mut render_diagnostics);
    }
    diagnostics.extend(render_diagnostics);
    lap("render", &mut stages);

    let mut report = Report {
        pages: corpus.pages.len(),
        redirects: graph.redirects.len(),
        files: files.len(),
        ..Report::default()
    };
    let mut failed = diagnostics.has_errors();
    if options.strict {
        failed |= diagnostics
            .iter()
            .any(|d| diagnostics::STRICT_CODES.contains(&d.code));
    }
    if let Some(out) = &options.out
        && !failed
    {
        output::write(out, &files, &root.join("static"))?;
        report.written = true;
        lap("write", &mut stages);
    }
    Ok(finish(diagnostics, stages, report))
}

/// Builds the title and alias index; a name two pages claim is an error on the second.
fn build_index(corpus: &content::Corpus, diagnostics: &mut Diagnostics) -> Index {
    let names: Vec<Vec<String>> = corpus
        .pages
        .iter()
        .map(|p| p.aliases.iter().map(|a| a.0.clone()).collect())
        .collect();
    let (index, clashes) = Index::build(
        corpus
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.title.as_str(), names[i].as_slice())),
    );
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
