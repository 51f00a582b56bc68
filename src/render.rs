//! Rendering: builds view structs from the domain data and runs them through the Tera
//! templates, producing every output file in memory. Templates see only these views, never the
//! domain types. Pure: the templates arrive as text from `content::load_templates`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::base::text::{Cut, truncate};
use crate::config::{Config, FieldType};
use crate::content::{Corpus, Page, PageId, TemplateSource, Value};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::graph::{FieldItem, LinkGraph};
use crate::history::History;
use crate::markdown::{Heading, RenderedBody};
use crate::names::normalize;
use crate::period::Term;
use crate::urls::{self, escape_html};

pub use crate::base::{OutputFile, Sink};

/// Templates every site must have.
pub const REQUIRED_TEMPLATES: &[&str] = &[
    "page.html",
    "home.html",
    "kind.html",
    "category.html",
    "categories.html",
    "disambiguation.html",
    "redirect.html",
    "special.html",
    "404.html",
    "search.html",
    "random.html",
    "timeline.html",
    "network.html",
    "history.html",
    "recent-changes.html",
];

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    base_url: &'a str,
    base_path: &'a str,
    language: &'a str,
    repository: Option<&'a str>,
    kinds: Vec<KindView>,
    categories_href: String,
    all_pages_href: String,
    wanted_href: String,
    maintenance_href: String,
    search_href: String,
    random_href: String,
    timeline_href: String,
    network_href: String,
    /// Absent when there is no feed (no page has a git date).
    feed_href: Option<String>,
    /// Absent when the recent changes page is switched off.
    recent_changes_href: Option<String>,
}

#[derive(Serialize, Clone)]
pub(crate) struct KindView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) plural: String,
    pub(crate) href: String,
    pub(crate) count: usize,
}

/// A link to a page in a template. The fields borrow from the build where they can, since
/// every page view holds dozens of these and serialising them copies each once more.
#[derive(Serialize, Clone)]
pub(crate) struct LinkView<'a> {
    pub(crate) title: Cow<'a, str>,
    pub(crate) href: Cow<'a, str>,
    pub(crate) kind: Cow<'a, str>,
    pub(crate) summary: Cow<'a, str>,
}

#[derive(Serialize)]
pub(crate) struct InfoValue<'a> {
    text: Cow<'a, str>,
    href: Option<Cow<'a, str>>,
    missing: bool,
    /// When and how the relation held ("vocalist, from 2013"), shown after the value.
    note: Option<String>,
}

#[derive(Serialize)]
struct InfoRow<'a> {
    label: &'a str,
    values: Vec<InfoValue<'a>>,
    /// On the row that places the page on the timeline: that year's section there.
    year_href: Option<String>,
}

#[derive(Serialize)]
struct RelationView<'a> {
    label: &'a str,
    pages: Vec<RelationItem<'a>>,
}

/// One page in a relation list, with when and how the relation held.
#[derive(Serialize)]
struct RelationItem<'a> {
    #[serde(flatten)]
    link: LinkView<'a>,
    note: Option<String>,
}

#[derive(Serialize)]
struct BacklinkItem<'a> {
    title: &'a str,
    href: &'a str,
    context: &'a str,
}

#[derive(Serialize)]
struct BacklinkGroup<'a> {
    kind: &'a str,
    items: Vec<BacklinkItem<'a>>,
}

/// A top-level entry of the contents, with the sub-headings under it, so the list numbers
/// sections 1, 2, 3 and sub-sections apart.
#[derive(Serialize)]
struct TocEntry<'a> {
    id: &'a str,
    text: &'a str,
    children: Vec<&'a Heading>,
}

/// The contents of a page: its level-2 headings with their level-3 ones (a level-3 heading
/// before any level-2 one is an entry of its own).
fn toc_tree(headings: &[Heading]) -> Vec<TocEntry<'_>> {
    let mut out: Vec<TocEntry> = Vec::new();
    for h in headings.iter().filter(|h| h.level <= 3) {
        match out.last_mut() {
            Some(last) if h.level == 3 => last.children.push(h),
            _ => out.push(TocEntry {
                id: &h.id,
                text: &h.text,
                children: Vec::new(),
            }),
        }
    }
    out
}

/// A page's HTML split before its first section heading: the lead, then the rest, so a phone
/// can show the lead before the infobox and the contents.
fn split_lead(html: &str) -> (&str, &str) {
    let at = html.find("<h2").unwrap_or(html.len());
    html.split_at(at)
}

/// Citation details of a source (its author, publisher, date or year fields, in the kind's
/// order) added after each link to it in the notes: `[[Source]]` reads "Source (Publisher,
/// 2023)". Only fields a source kind declares under these names are shown.
const CITATION_FIELDS: [&str; 4] = ["author", "publisher", "date", "year"];

/// The timeline picture of a page's dated relations, and the same as a table.
#[derive(Serialize)]
struct PeriodChartView<'a> {
    svg: String,
    /// Each role with the number of its colour class (`c0`…`c11`).
    legend: Vec<LegendItem<'a>>,
    rows: Vec<PeriodRow<'a>>,
}

#[derive(Serialize)]
struct LegendItem<'a> {
    role: &'a str,
    colour: usize,
}

#[derive(Serialize)]
struct PeriodRow<'a> {
    title: &'a str,
    href: &'a str,
    role: Option<&'a str>,
    period: String,
}

/// One navigation box: its heading (after the hub page, if any) and its rows.
#[derive(Serialize)]
struct NavboxView<'a> {
    id: String,
    hub: Option<LinkView<'a>>,
    title: &'a str,
    rows: Vec<NavboxRow<'a>>,
}

#[derive(Serialize)]
struct NavboxRow<'a> {
    label: Cow<'a, str>,
    items: Vec<NavboxItem<'a>>,
}

#[derive(Serialize)]
struct NavboxItem<'a> {
    title: &'a str,
    href: &'a str,
    /// The page showing the box.
    current: bool,
}

#[derive(Serialize)]
struct PageView<'a> {
    title: &'a str,
    href: String,
    canonical: String,
    kind: KindView,
    summary: String,
    aliases: Vec<&'a str>,
    /// The page's HTML before its first section heading, and the rest (templates show
    /// `lead` then `body`; the whole is not handed over a third time).
    lead: &'a str,
    body: &'a str,
    footnotes: Cow<'a, str>,
    toc: Vec<TocEntry<'a>>,
    infobox: Vec<InfoRow<'a>>,
    relations: Vec<RelationView<'a>>,
    backlinks: Vec<BacklinkGroup<'a>>,
    /// Pages linking here that no relation list on the page shows already.
    backlink_count: usize,
    /// The disambiguation page of a name this page shares with others.
    disambiguation: Option<LinkView<'a>>,
    categories: Vec<LinkView<'a>>,
    /// The navigation boxes at the page's foot (`[[navboxes]]` in site.toml).
    navboxes: Vec<NavboxView<'a>>,
    /// The timeline of the page's relations that carry periods.
    period_chart: Option<PeriodChartView<'a>>,
    cited_by: Vec<LinkView<'a>>,
    edit_url: Option<String>,
    history_url: Option<String>,
    /// The page's own history page, its revisions' Atom feed and its data (each absent when
    /// switched off; the feed also when the page has no revision).
    history_href: Option<String>,
    feed_href: Option<String>,
    json_href: Option<String>,
    source_path: &'a str,
    /// Day of the last commit that changed the file, `YYYY-MM-DD`; none outside git.
    updated: Option<&'a str>,
    updated_iso: Option<&'a str>,
    json_ld: String,
    /// The neighbourhood picture; none for a page tied to no other.
    graph: Option<crate::diagram::Picture>,
}

#[derive(Serialize)]
pub(crate) struct ListingRow<'a> {
    pub(crate) page: LinkView<'a>,
    pub(crate) cells: Vec<Vec<InfoValue<'a>>>,
}

/// Everything the render stage reads.
pub struct RenderInput<'a> {
    pub config: &'a Config,
    pub corpus: &'a Corpus,
    pub bodies: &'a [RenderedBody],
    pub home: Option<&'a RenderedBody>,
    pub graph: &'a LinkGraph,
    pub history: &'a History,
    /// Each page's summary (`summary_of`), computed once per build.
    pub summaries: &'a [String],
    /// The templates' sources, to locate errors Tera reports without a position.
    pub templates: &'a [crate::content::TemplateSource],
    /// Called (from a watchdog thread) when one file has been rendering for longer than
    /// [`render_timeout`]: a template that never finishes. `None`: no watchdog.
    pub on_stuck: Option<&'a (dyn Fn(&Diagnostic) + Sync)>,
}

/// How long one file may take to render before the watchdog reports it: 10 s, or
/// `KWIKI_RENDER_TIMEOUT_MS` (tests set it low). The largest page of a 10,000-page wiki renders
/// in a few milliseconds.
pub fn render_timeout() -> Duration {
    std::env::var("KWIKI_RENDER_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(Duration::from_secs(10), Duration::from_millis)
}

/// What each thread is rendering right now, for the watchdog.
#[derive(Default)]
struct InFlight {
    slots: Mutex<Vec<(std::thread::ThreadId, String, String, Instant)>>,
}

impl InFlight {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, Vec<(std::thread::ThreadId, String, String, Instant)>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn enter(&self, template: &str, path: &str) -> Rendering<'_> {
        let id = std::thread::current().id();
        self.lock()
            .push((id, template.to_string(), path.to_string(), Instant::now()));
        Rendering(self, id)
    }

    /// The oldest render still running, if it has run for at least `limit`.
    fn stuck(&self, limit: Duration) -> Option<(String, String, Duration)> {
        self.lock()
            .iter()
            .map(|(_, t, p, since)| (t, p, since.elapsed()))
            .filter(|(_, _, took)| *took >= limit)
            .max_by_key(|(_, _, took)| *took)
            .map(|(t, p, took)| (t.clone(), p.clone(), took))
    }
}

/// Removes its thread's entry from `InFlight` when the render ends, however it ends.
struct Rendering<'a>(&'a InFlight, std::thread::ThreadId);

impl Drop for Rendering<'_> {
    fn drop(&mut self) {
        let mut slots = self.0.lock();
        if let Some(i) = slots.iter().rposition(|(id, ..)| *id == self.1) {
            slots.swap_remove(i);
        }
    }
}

/// Compiles the templates; every template with a syntax error is reported.
pub fn compile_templates(
    templates: &[TemplateSource],
    diagnostics: &mut Diagnostics,
) -> Option<Tera> {
    let before = diagnostics.len();
    for TemplateSource { name, text, .. } in templates {
        let mut scratch = Tera::new();
        if let Err(e) = scratch.add_raw_template(name, text)
            && !matches!(
                e.kind(),
                tera::ErrorKind::MissingParent { .. } | tera::ErrorKind::TemplateNotFound(_)
            )
        {
            diagnostics.push(template_error(&e, name, templates));
        }
    }
    for required in REQUIRED_TEMPLATES {
        if !templates.iter().any(|t| t.name == *required) {
            diagnostics.push(Diagnostic::error(
                "template",
                format!("templates/{required}"),
                "required template is missing",
            ));
        }
    }
    if diagnostics.len() > before {
        return None;
    }
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    if let Err(e) =
        tera.add_raw_templates(templates.iter().map(|t| (t.name.as_str(), t.text.as_str())))
    {
        diagnostics.push(template_error(&e, "", templates));
        return None;
    }
    Some(tera)
}

/// A Tera error as a diagnostic at the template's real path, line and column. Tera's syntax and
/// rendering errors carry both. The errors it finds while linking templates together (a missing
/// parent or included template, a loop of `extends` or `include`) and the component recursion
/// limit name a template or none: those are located here by finding the name in the
/// templates' text. `fallback` is the template being compiled or rendered ("" for the whole set).
fn template_error(error: &tera::Error, fallback: &str, templates: &[TemplateSource]) -> Diagnostic {
    use tera::ErrorKind;
    // Tera wraps some located errors (an unknown included template) in others: the located
    // one, if any, is the one to report.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(c) = cause {
        if let Some(inner) = c.downcast_ref::<tera::Error>()
            && matches!(
                inner.kind(),
                ErrorKind::SyntaxError(_) | ErrorKind::RenderingError(_)
            )
        {
            return template_error(inner, fallback, templates);
        }
        cause = c.source();
    }
    let at = |name: &str, needle: Option<&str>| -> Diagnostic {
        let text = templates
            .iter()
            .find(|t| t.name == name)
            .map_or("", |t| t.text.as_str());
        let mut d = Diagnostic::error("template", template_path(name, templates), String::new());
        if let Some(offset) = needle.and_then(|n| find_quoted(text, n)) {
            d = d.at_offset(text, offset);
        }
        d
    };
    // The template whose text names `needle` in quotes, and where.
    let naming = |needle: &str| -> Diagnostic {
        match templates
            .iter()
            .find(|t| find_quoted(&t.text, needle).is_some())
        {
            Some(t) => at(&t.name, Some(needle)),
            None => at(fallback, None),
        }
    };
    let mut d = match error.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let name = if r.filename().is_empty() {
                fallback
            } else {
                r.filename()
            };
            let span = r.span();
            let d = Diagnostic::error(
                "template",
                template_path(name, templates),
                r.message().to_string(),
            )
            .at(crate::diagnostics::Position {
                line: span.start_line.max(1),
                column: span.start_col + 1,
            });
            return d;
        }
        ErrorKind::MissingParent { current, parent } => at(current, Some(parent)),
        ErrorKind::CircularExtend { tpl, .. } => at(tpl, Some("extends")),
        ErrorKind::CircularInclude { tpl, include_chain } => {
            at(tpl, include_chain.get(1).map(String::as_str))
        }
        ErrorKind::TemplateNotFound(name) => naming(name),
        // Checks across templates (an unknown included template or component) come as
        // reports already formatted, each with its `--> file:line:col`.
        ErrorKind::Msg(text) if !located_reports(text).is_empty() => {
            let (message, name, line, column) = located_reports(text).swap_remove(0);
            let mut d = Diagnostic::error("template", template_path(&name, templates), message)
                .at(crate::diagnostics::Position { line, column });
            let more = located_reports(text).len() - 1;
            if more > 0 {
                d = d.note(format!(
                    "Tera found {more} more such problem{} (fix this one and check again)",
                    if more == 1 { "" } else { "s" }
                ));
            }
            return d;
        }
        _ => match recursive_component(templates) {
            Some((name, offset)) => {
                let text = templates
                    .iter()
                    .find(|t| t.name == name)
                    .map_or("", |t| t.text.as_str());
                Diagnostic::error("template", template_path(name, templates), String::new())
                    .at_offset(text, offset)
            }
            None => at(fallback, None),
        },
    };
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    d.message = message;
    if d.path == "templates/" {
        d.path = "templates".into();
    }
    d
}

/// Where diagnostics say template `name` is: `templates/<name>` for the site's own, with
/// `(built-in theme)` before it for one of the built-in theme's.
fn template_path(name: &str, templates: &[TemplateSource]) -> String {
    match templates.iter().find(|t| t.name == name) {
        Some(t) => t.path(),
        None => format!("templates/{name}"),
    }
}

/// The reports in one of Tera's formatted messages: (message, template, line, column), from
/// `error: <message>` and ` --> <template>:<line>:<column>` lines.
fn located_reports(text: &str) -> Vec<(String, String, usize, usize)> {
    let mut out = Vec::new();
    let mut message = None;
    for line in text.lines() {
        if let Some(m) = line.strip_prefix("error: ") {
            message = Some(m.to_string());
        } else if let Some(at) = line.trim_start().strip_prefix("--> ")
            && let Some(m) = message.take()
        {
            let mut parts = at.rsplitn(3, ':');
            let column = parts.next().and_then(|c| c.trim().parse().ok());
            let line_no = parts.next().and_then(|l| l.trim().parse().ok());
            if let (Some(column), Some(line_no), Some(name)) = (column, line_no, parts.next()) {
                out.push((m, name.to_string(), line_no, column));
            }
        }
    }
    out
}

/// The byte offset of `needle` written in quotes ("…" or '…') in `text`, or of the word itself
/// for keywords such as `extends`.
fn find_quoted(text: &str, needle: &str) -> Option<usize> {
    for quote in ['"', '\''] {
        if let Some(i) = text.find(&format!("{quote}{needle}{quote}")) {
            return Some(i);
        }
    }
    if needle.chars().all(|c| c.is_ascii_alphabetic()) {
        return text.find(needle);
    }
    None
}

/// A component that calls itself (the usual cause of Tera's recursion limit): its template and
/// the offset of the call.
fn recursive_component(templates: &[TemplateSource]) -> Option<(&str, usize)> {
    for TemplateSource { name, text, .. } in templates {
        let mut rest = 0;
        while let Some(i) = text[rest..].find("{% component ") {
            let start = rest + i + "{% component ".len();
            let id: String = text[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            let end = text[start..]
                .find("endcomponent")
                .map_or(text.len(), |e| start + e);
            if !id.is_empty()
                && let Some(call) = text[start..end].find(&format!("<{id}"))
            {
                return Some((name, start + call));
            }
            rest = start;
        }
    }
    None
}

pub(crate) struct Renderer<'a> {
    pub(crate) input: &'a RenderInput<'a>,
    tera: &'a Tera,
    pub(crate) hrefs: &'a [String],
    pub(crate) summaries: &'a [String],
    /// Per kind: `kinds/<id>.html` if the site has it, else `page.html`; chosen once per build.
    page_templates: Vec<String>,
    /// Where a streaming build sends each file as soon as it is rendered.
    sink: Option<&'a Sink<'a>>,
    /// What is rendering now, for the watchdog.
    in_flight: InFlight,
    /// Per page: the disambiguation page listing it, if any (index into the graph's list).
    disambiguation_of: Vec<Option<usize>>,
}

/// Which pages to render: all, or (for an incremental rebuild, where no name changed) some
/// pages and the generated files that can show something of them: the home page, the indexes of
/// their kinds, every category and disambiguation page, wanted and maintenance, the feed and the
/// sitemap, and the A–Z list when a summary changed. Redirects, 404, search and random pages
/// depend on names only.
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    All,
    Pages(&'a Partial<'a>),
}

/// What an incremental rebuild re-renders (a full build: `full`, and every flag set).
pub struct Partial<'a> {
    /// Everything is rendered (a full build).
    pub full: bool,
    /// Pages to render, sorted.
    pub ids: &'a [PageId],
    /// Pages whose entry in lists (title, summary, infobox cells) changed: their kinds'
    /// indexes and their disambiguations are rendered again.
    pub listed: &'a [PageId],
    /// Category pages are rendered again (all of them).
    pub categories_changed: bool,
    /// Some page's summary changed: lists of all pages show summaries.
    pub summaries_changed: bool,
    /// The wanted pages (red links) changed.
    pub wanted_changed: bool,
    /// The maintenance lists (orphans, unreachable, uncited) changed.
    pub maintenance_changed: bool,
    /// Some page's links or relations changed: the network page is drawn again.
    pub links_changed: bool,
}

impl Partial<'_> {
    /// A full build's: everything.
    pub fn everything() -> Partial<'static> {
        Partial {
            full: true,
            ids: &[],
            listed: &[],
            categories_changed: true,
            summaries_changed: true,
            wanted_changed: true,
            maintenance_changed: true,
            links_changed: true,
        }
    }
}

/// What every template gets as `site`: the site's names, its kinds and the special pages'
/// addresses (the feed's only when some page has a git date).
fn site_view<'a>(input: &'a RenderInput) -> SiteView<'a> {
    let config = input.config;
    let pages = &input.corpus.pages;
    let kind_counts = count_kinds(config, pages);
    SiteView {
        title: &config.title,
        description: &config.description,
        base_url: &config.base_url,
        base_path: &config.base_path,
        language: &config.language,
        repository: config.repository.as_deref(),
        kinds: config
            .kinds
            .iter()
            .enumerate()
            .map(|(i, k)| KindView {
                id: k.id.clone(),
                name: k.name.clone(),
                plural: k.plural.clone(),
                href: urls::href(config, &urls::kind_path(&k.folder)),
                count: kind_counts[i],
            })
            .collect(),
        categories_href: urls::href(config, urls::CATEGORIES),
        all_pages_href: urls::href(config, urls::ALL_PAGES),
        wanted_href: urls::href(config, urls::WANTED),
        maintenance_href: urls::href(config, urls::MAINTENANCE),
        search_href: urls::href(config, urls::SEARCH),
        random_href: urls::href(config, urls::RANDOM),
        timeline_href: urls::href(config, urls::TIMELINE),
        network_href: urls::href(config, urls::NETWORK),
        feed_href: pages
            .iter()
            .any(|p| input.history.get(&p.path).is_some())
            .then(|| urls::href(config, urls::FEED)),
        recent_changes_href: config
            .outputs
            .recent_changes
            .then(|| urls::href(config, urls::RECENT_CHANGES)),
    }
}

/// Renders the output files of `scope`. Template errors are collected once per template position.
/// With a `sink`, each page is handed to it as soon as it is rendered and only its path is kept,
/// so a one-shot build never holds the whole site in memory.
pub fn render_site(
    input: &RenderInput,
    tera: &mut Tera,
    hrefs: &[String],
    scope: Scope,
    sink: Option<&Sink<'_>>,
    diagnostics: &mut Diagnostics,
) -> Vec<OutputFile> {
    let pages = &input.corpus.pages;
    let site = site_view(input);
    tera.global_context().insert("site", &site);
    let renderer = Renderer::new(input, tera, hrefs, sink);

    // The generated outputs (`outputs::OUTPUTS`: lists, special pages, the network, feeds)
    // render beside the pages, so neither leaves a core idle at the end of the stage. A
    // streamed file is written by the sink and not kept.
    let everything = Partial::everything();
    let partial = match scope {
        Scope::All => &everything,
        Scope::Pages(partial) => partial,
    };
    type Results = Vec<Result<Option<OutputFile>, Diagnostic>>;
    // The watchdog: a template that never finishes (a loop over a huge range) is reported,
    // with the file still rendering, instead of hanging the build without a word.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let watchdog = input
        .on_stuck
        .map(|on_stuck| watchdog(&renderer, on_stuck, stopped));
    let (results, generated): (Results, Results) = std::thread::scope(|threads| {
        if let Some(watchdog) = watchdog {
            threads.spawn(watchdog);
        }
        let done = rayon::join(
            || {
                let ids: Box<dyn Iterator<Item = PageId> + Send> = match scope {
                    Scope::All => Box::new(0..pages.len()),
                    Scope::Pages(partial) => Box::new(partial.ids.iter().copied()),
                };
                ids.collect::<Vec<_>>()
                    .into_par_iter()
                    .flat_map_iter(|id| {
                        let mut files = crate::outputs::beside_page(&renderer, id);
                        files.push(renderer.hand_over(renderer.page(id)));
                        files
                    })
                    .collect()
            },
            || crate::outputs::make_all(&renderer, partial),
        );
        drop(stop);
        done
    });
    gather(
        results.into_iter().chain(generated),
        pages.len() * 2,
        diagnostics,
    )
}

/// The files the renderers made, and their errors: one per template problem, however many files
/// it broke (the first file's note, and how many more).
fn gather(
    results: impl Iterator<Item = Result<Option<OutputFile>, Diagnostic>>,
    capacity: usize,
    diagnostics: &mut Diagnostics,
) -> Vec<OutputFile> {
    let mut files = Vec::with_capacity(capacity);
    let mut errors: BTreeMap<String, (Diagnostic, usize)> = BTreeMap::new();
    for r in results {
        match r {
            Ok(Some(f)) => files.push(f),
            Ok(None) => {}
            Err(d) => {
                let key = Diagnostic {
                    notes: Vec::new(),
                    ..d.clone()
                }
                .to_string();
                errors.entry(key).or_insert((d, 0)).1 += 1;
            }
        }
    }
    diagnostics.extend(errors.into_values().map(|(d, n)| {
        if n > 1 {
            d.note(if n == 2 {
                "and 1 more file fails the same way".to_string()
            } else {
                format!("and {} more files fail the same way", n - 1)
            })
        } else {
            d
        }
    }));
    files
}

impl<'a> Renderer<'a> {
    /// The renderer of one build: each kind's page template (`kinds/<id>.html` where the site
    /// has one) and each page's disambiguation, found once.
    fn new(
        input: &'a RenderInput<'a>,
        tera: &'a Tera,
        hrefs: &'a [String],
        sink: Option<&'a Sink<'a>>,
    ) -> Renderer<'a> {
        let page_templates = input
            .config
            .kinds
            .iter()
            .map(|k| {
                let name = format!("kinds/{}.html", k.id);
                if tera.contains_template(&name) {
                    name
                } else {
                    "page.html".to_string()
                }
            })
            .collect();
        let mut disambiguation_of = vec![None; input.corpus.pages.len()];
        for (d, dis) in input.graph.disambiguations.iter().enumerate() {
            for &p in &dis.pages {
                if let Some(slot @ None) = disambiguation_of.get_mut(p) {
                    *slot = Some(d);
                }
            }
        }
        Renderer {
            input,
            tera,
            hrefs,
            summaries: input.summaries,
            page_templates,
            sink,
            in_flight: InFlight::default(),
            disambiguation_of,
        }
    }
}

/// The render watchdog: until `stopped` says the stage is over, checks every 100 ms whether one
/// file has been rendering for longer than [`render_timeout`], and reports the first such file
/// once through `on_stuck`.
fn watchdog<'r>(
    renderer: &'r Renderer<'r>,
    on_stuck: &'r (dyn Fn(&Diagnostic) + Sync),
    stopped: std::sync::mpsc::Receiver<()>,
) -> impl FnOnce() + Send + 'r {
    let limit = render_timeout();
    move || {
        let mut reported = false;
        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            stopped.recv_timeout(Duration::from_millis(100).min(limit))
        {
            if reported {
                continue;
            }
            if let Some((template, path, took)) = renderer.in_flight.stuck(limit) {
                reported = true;
                on_stuck(
                    &Diagnostic::error(
                        "template-timeout",
                        template_path(&template, renderer.input.templates),
                        format!(
                            "still rendering after {:.0} s: does a loop in this template (or one it includes) never end?",
                            took.as_secs_f64()
                        ),
                    )
                    .note(format!("while rendering {}", renderer.source_of(&path))),
                );
            }
        }
    }
}

/// Where a page sits on the timeline: its first field of type year or date, in the kind's
/// field order (a source's date before its year, an event's date before its year).
pub struct Dated {
    pub year: i64,
    /// As written: `2013`, `2025-04` or `2025-04-28`; sorts chronologically as text.
    pub when: String,
    pub field: usize,
}

pub fn dated(config: &Config, page: &Page) -> Option<Dated> {
    let kind = &config.kinds[page.kind];
    (0..kind.fields.len()).find_map(|field| {
        let fv = page.fields.iter().find(|fv| fv.field == field)?;
        match (&kind.fields[field].ty, &fv.value) {
            (FieldType::Year, Value::Year(y)) => Some(Dated {
                year: *y,
                when: y.to_string(),
                field,
            }),
            (FieldType::Date, Value::Date(d)) => Some(Dated {
                year: d.get(..4)?.parse().ok()?,
                when: d.clone(),
                field,
            }),
            _ => None,
        }
    })
}

#[derive(Serialize)]
pub(crate) struct TimelineEntry {
    pub(crate) title: String,
    pub(crate) href: String,
    pub(crate) kind: String,
    pub(crate) label: String,
    pub(crate) when: String,
    /// For the start or end of a relation with a period: the page it names and the role.
    pub(crate) other: Option<TimelineOther>,
}

#[derive(Serialize)]
pub(crate) struct TimelineOther {
    pub(crate) title: String,
    pub(crate) href: String,
    pub(crate) role: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct TimelineYear {
    pub(crate) year: i64,
    pub(crate) id: String,
    pub(crate) entries: Vec<TimelineEntry>,
}

fn count_kinds(config: &Config, pages: &[Page]) -> Vec<usize> {
    let mut counts = vec![0; config.kinds.len()];
    for p in pages {
        counts[p.kind] += 1;
    }
    counts
}

/// A page's summary: its front matter's, else the start of its first paragraph.
pub fn summary_of(page: &Page, body: &RenderedBody) -> String {
    if let Some(s) = &page.summary {
        return s.clone();
    }
    truncate(&body.first_paragraph, 200, Cut::AtSpace)
}

/// A page's JSON-LD. Its fields are in the order serde_json's maps keep (sorted), so the page
/// reads as it did when this was built with `json!`, without building a `serde_json::Value`.
#[derive(Serialize)]
struct PageLd<'a> {
    #[serde(rename = "@context")]
    context: &'a str,
    #[serde(rename = "@type")]
    kind: &'a str,
    #[serde(rename = "alternateName")]
    alternate_name: Vec<&'a str>,
    #[serde(rename = "dateModified", skip_serializing_if = "Option::is_none")]
    date_modified: Option<&'a str>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    date_published: Option<&'a str>,
    description: &'a str,
    #[serde(rename = "isPartOf")]
    is_part_of: WebSiteLd<'a>,
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct WebSiteLd<'a> {
    #[serde(rename = "@type")]
    kind: &'a str,
    name: &'a str,
    url: &'a str,
}

/// A named list of pages on a special page (a letter of the A–Z list, a wanted name, a
/// maintenance report).
#[derive(Serialize)]
pub(crate) struct PageGroup<'a> {
    pub(crate) id: String,
    pub(crate) name: Cow<'a, str>,
    pub(crate) pages: Vec<LinkView<'a>>,
}

/// JSON for a `<script type="application/ld+json">`: `<` is escaped so no `</script>` survives.
pub(crate) fn script_json(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

impl<'a> Renderer<'a> {
    pub(crate) fn link(&self, id: PageId) -> LinkView<'a> {
        let page = &self.input.corpus.pages[id];
        LinkView {
            title: Cow::Borrowed(&page.title),
            href: Cow::Borrowed(&self.hrefs[id]),
            kind: Cow::Borrowed(&self.input.config.kinds[page.kind].name),
            summary: Cow::Borrowed(&self.summaries[id]),
        }
    }

    pub(crate) fn diagram_view(&self) -> crate::diagram::View<'_> {
        crate::diagram::View {
            config: self.input.config,
            pages: &self.input.corpus.pages,
            bodies: self.input.bodies,
            graph: self.input.graph,
            hrefs: self.hrefs,
        }
    }

    pub(crate) fn kind_view(&self, kind: usize) -> KindView {
        let k = &self.input.config.kinds[kind];
        KindView {
            id: k.id.clone(),
            name: k.name.clone(),
            plural: k.plural.clone(),
            href: urls::href(self.input.config, &urls::kind_path(&k.folder)),
            count: 0,
        }
    }

    /// Hands a rendered file to the sink of a streaming build (keeping nothing), or keeps it.
    pub(crate) fn hand_over(
        &self,
        result: Result<OutputFile, Diagnostic>,
    ) -> Result<Option<OutputFile>, Diagnostic> {
        match (result, self.sink) {
            (Ok(file), Some(sink)) => {
                sink(&file);
                Ok(None)
            }
            (result, _) => result.map(Some),
        }
    }

    /// `render`, then `hand_over`.
    pub(crate) fn emit(
        &self,
        template: &str,
        context: &Context,
        path: String,
    ) -> Result<Option<OutputFile>, Diagnostic> {
        self.hand_over(self.render(template, context, path))
    }

    fn render(
        &self,
        template: &str,
        context: &Context,
        path: String,
    ) -> Result<OutputFile, Diagnostic> {
        self.render_sized(template, context, path, 4096)
    }

    /// `render` into a buffer of `hint` bytes at least (what the page is expected to take), so
    /// a large page is not copied each time the buffer doubles; the bytes are then shared
    /// without a copy.
    fn render_sized(
        &self,
        template: &str,
        context: &Context,
        path: String,
        hint: usize,
    ) -> Result<OutputFile, Diagnostic> {
        let mut out = Vec::with_capacity(hint);
        let rendering = self.in_flight.enter(template, &path);
        let result = self.tera.render_to(template, context, &mut out);
        drop(rendering);
        match result {
            Ok(()) => Ok(OutputFile {
                path,
                bytes: out.into(),
            }),
            Err(e) => Err(template_error(&e, template, self.input.templates)
                .note(format!("while rendering {}", self.source_of(&path)))),
        }
    }

    /// The page an output file is rendered from, for messages: `content/groups/bts.md
    /// (groups/bts/index.html)`, or the output path alone for generated pages.
    fn source_of(&self, path: &str) -> String {
        let config = self.input.config;
        self.input
            .corpus
            .pages
            .iter()
            .find(|p| {
                urls::file_for(&urls::page_path(&config.kinds[p.kind].folder, &p.slug)) == path
            })
            .map_or_else(|| path.to_string(), |p| format!("{} ({path})", p.path))
    }

    /// "What links here": the pages linking to `id`, grouped by kind, with the sentence around
    /// each link, leaving out the pages a relation list ("Artists", "Songs") already shows; and
    /// how many there are.
    fn backlink_groups(&self, id: PageId) -> (Vec<BacklinkGroup<'a>>, usize) {
        let input = self.input;
        let (config, graph) = (input.config, input.graph);
        let mut backlinks: Vec<BacklinkGroup> = Vec::new();
        // A page a relation list ("Artists", "Songs") shows is not listed again here.
        let related: HashSet<PageId> = graph.inverse[id]
            .iter()
            .flat_map(|(_, list)| list.iter().map(|(p, _)| *p))
            .collect();
        let mut backlink_count = 0;
        for b in graph.backlinks[id]
            .iter()
            .filter(|b| !related.contains(&b.from))
        {
            backlink_count += 1;
            let from = &input.corpus.pages[b.from];
            let kind_name = config.kinds[from.kind].plural.as_str();
            let item = BacklinkItem {
                title: &from.title,
                href: &self.hrefs[b.from],
                context: &b.context,
            };
            match backlinks.last_mut() {
                Some(g) if g.kind == kind_name => g.items.push(item),
                _ => backlinks.push(BacklinkGroup {
                    kind: kind_name,
                    items: vec![item],
                }),
            }
        }
        (backlinks, backlink_count)
    }

    /// A page's infobox rows (hidden fields left out); a year that places the page on the
    /// timeline links to its year there.
    fn infobox_rows(&self, id: PageId) -> Vec<InfoRow<'a>> {
        let config = self.input.config;
        let page = &self.input.corpus.pages[id];
        let kind = &config.kinds[page.kind];
        let when = dated(config, page);
        let mut rows = Vec::new();
        for (k, (field, items)) in self.input.graph.infobox[id].iter().enumerate() {
            let f = &kind.fields[*field];
            if f.hidden {
                continue;
            }
            let year_href = when.as_ref().filter(|w| w.field == *field).map(|w| {
                format!(
                    "{}#{}",
                    urls::href(config, urls::TIMELINE),
                    urls::year_anchor(w.year)
                )
            });
            // Entries with terms: ended ones ("until") go to a row of their own.
            let terms: Vec<Option<&Term>> = match page.fields.get(k).map(|fv| &fv.value) {
                Some(Value::Links(names))
                    if names.len() == items.len() && names.iter().any(|l| l.term.is_some()) =>
                {
                    names.iter().map(|l| l.term.as_ref()).collect()
                }
                _ => {
                    rows.push(InfoRow {
                        year_href,
                        label: &f.label,
                        values: items.iter().map(|item| self.info_value(item)).collect(),
                    });
                    continue;
                }
            };
            let value = |(item, term): (&'a FieldItem, &Option<&Term>)| InfoValue {
                note: term.and_then(Term::describe),
                ..self.info_value(item)
            };
            let (former, current): (Vec<_>, Vec<_>) = items
                .iter()
                .zip(&terms)
                .partition(|(_, t)| t.is_some_and(Term::is_former));
            if !current.is_empty() || former.is_empty() {
                rows.push(InfoRow {
                    year_href,
                    label: &f.label,
                    values: current.into_iter().map(value).collect(),
                });
            }
            if !former.is_empty() {
                rows.push(InfoRow {
                    year_href: None,
                    label: &f.former,
                    values: former.into_iter().map(value).collect(),
                });
            }
        }
        rows
    }

    /// The timeline of `id`'s relations with periods: its own fields' entries and the other
    /// pages' entries naming it, earliest start first.
    fn period_chart(&self, id: PageId) -> Option<PeriodChartView<'a>> {
        let input = self.input;
        let pages = &input.corpus.pages;
        let mut related: Vec<(PageId, &'a Term)> =
            crate::graph::link_entries(&pages[id], &input.graph.infobox[id])
                .filter_map(|(_, item, term)| Some((item.page()?, term?)))
                .filter(|(_, term)| term.has_period())
                .collect();
        for (_, list) in &input.graph.inverse[id] {
            for (p, term) in list {
                if let Some(term) = term.as_ref().filter(|t| t.has_period()) {
                    related.push((*p, term));
                }
            }
        }
        if related.is_empty() {
            return None;
        }
        related.sort_by(|a, b| {
            let key = |t: &Term| t.since.map(|s| s.first());
            key(a.1)
                .cmp(&key(b.1))
                .then(input.graph.rank[a.0].cmp(&input.graph.rank[b.0]))
        });
        related.dedup();
        let bars: Vec<crate::period_chart::Bar> = related
            .iter()
            .map(|&(p, term)| crate::period_chart::Bar {
                title: &pages[p].title,
                term,
            })
            .collect();
        let svg = crate::period_chart::svg(&pages[id].title, &bars)?;
        let legend = crate::period_chart::roles(related.iter().map(|r| r.1))
            .into_iter()
            .enumerate()
            .map(|(i, role)| LegendItem {
                role: role.unwrap_or("no role given"),
                colour: i % 12,
            })
            .collect();
        Some(PeriodChartView {
            svg,
            legend,
            rows: related
                .iter()
                .map(|&(p, term)| PeriodRow {
                    title: &pages[p].title,
                    href: &self.hrefs[p],
                    role: term.role.as_deref(),
                    period: term.period_text().unwrap_or_default(),
                })
                .collect(),
        })
    }

    /// The navigation boxes page `id` shows: current and former entries in rows of their own.
    fn navbox_views(&self, id: PageId) -> Vec<NavboxView<'a>> {
        let config = self.input.config;
        let Some(boxes) = self.input.graph.navboxes.get(id) else {
            return Vec::new();
        };
        let pages = &self.input.corpus.pages;
        boxes
            .iter()
            .enumerate()
            .map(|(n, b)| {
                let navbox = &config.navboxes[b.navbox];
                let item = |p: PageId| NavboxItem {
                    title: &pages[p].title,
                    href: &self.hrefs[p],
                    current: p == id,
                };
                let (former, current): (Vec<_>, Vec<_>) = b
                    .entries
                    .iter()
                    .partition(|(_, t)| t.as_ref().is_some_and(Term::is_former));
                let former_label = match &navbox.source {
                    crate::config::NavboxSource::Field { kind, field } => {
                        Cow::Borrowed(config.kinds[*kind].fields[*field].former.as_str())
                    }
                    _ => Cow::Owned(format!("Former {}", navbox.title.to_lowercase())),
                };
                let mut rows = vec![NavboxRow {
                    label: Cow::Borrowed(navbox.title.as_str()),
                    items: current.iter().map(|(p, _)| item(*p)).collect(),
                }];
                if !former.is_empty() {
                    rows.push(NavboxRow {
                        label: former_label,
                        items: former.iter().map(|(p, _)| item(*p)).collect(),
                    });
                }
                rows.retain(|r| !r.items.is_empty());
                NavboxView {
                    id: format!("navbox-{}", n + 1),
                    hub: b.hub.map(|h| self.link(h)),
                    title: &navbox.title,
                    rows,
                }
            })
            .collect()
    }

    /// The body's HTML with its `query` blocks' tables in place.
    fn with_query_tables(&self, id: PageId, body: &'a RenderedBody) -> Cow<'a, str> {
        if body.query_at.is_empty() {
            return Cow::Borrowed(&body.html);
        }
        let tables = &self.input.graph.query_tables;
        let Ok(i) = tables.binary_search_by_key(&id, |(p, _)| *p) else {
            return Cow::Borrowed(&body.html);
        };
        let mut html = String::with_capacity(body.html.len() + 4096);
        let mut last = 0;
        for (&at, table) in body.query_at.iter().zip(&tables[i].1) {
            html.push_str(&body.html[last..at]);
            html.push_str(table);
            last = at;
        }
        html.push_str(&body.html[last..]);
        Cow::Owned(html)
    }

    /// The relation lists other pages' fields make for `id` ("Artists", "Member of"), each
    /// split into current and former ("Former artists") where entries say when they ended.
    fn relation_views(&self, id: PageId) -> Vec<RelationView<'a>> {
        let graph = self.input.graph;
        let config = self.input.config;
        // The heading for ended relations, from the field that declares `label`.
        let former_label = |label: &str| -> Option<&'a str> {
            config
                .kinds
                .iter()
                .flat_map(|k| &k.fields)
                .find(|f| f.inverse.as_deref() == Some(label))
                .and_then(|f| f.inverse_former.as_deref())
        };
        let item = |(p, term): &(PageId, Option<Term>)| RelationItem {
            link: self.link(*p),
            note: term.as_ref().and_then(Term::describe),
        };
        let mut views = Vec::new();
        for (label, list) in &graph.inverse[id] {
            let (former, current): (Vec<_>, Vec<_>) = list
                .iter()
                .partition(|(_, t)| t.as_ref().is_some_and(Term::is_former));
            let former_heading = former_label(label);
            if !current.is_empty() || former_heading.is_none() {
                let all = if former_heading.is_none() {
                    list.iter().collect()
                } else {
                    current
                };
                views.push(RelationView {
                    label,
                    pages: all.into_iter().map(item).collect(),
                });
            }
            if let (Some(heading), false) = (former_heading, former.is_empty()) {
                views.push(RelationView {
                    label: heading,
                    pages: former.into_iter().map(item).collect(),
                });
            }
        }
        views
    }

    /// A page's JSON-LD: its schema.org type, names, dates and the site it is part of.
    fn page_json_ld(&self, id: PageId, summary: &str, canonical: &str) -> String {
        let config = self.input.config;
        let page = &self.input.corpus.pages[id];
        let kind = &config.kinds[page.kind];
        let dates = self.input.history.get(&page.path);
        script_json(&PageLd {
            context: "https://schema.org",
            kind: &kind.schema_type,
            alternate_name: page.aliases.iter().map(|a| a.0.as_str()).collect(),
            date_modified: dates.map(|d| d.updated.as_str()),
            date_published: dates.map(|d| d.created.as_str()),
            description: summary,
            is_part_of: WebSiteLd {
                kind: "WebSite",
                name: &config.title,
                url: &config.base_url,
            },
            name: &page.title,
            url: canonical,
        })
    }

    fn page(&self, id: PageId) -> Result<OutputFile, Diagnostic> {
        let input = self.input;
        let config = input.config;
        let page = &input.corpus.pages[id];
        let body = &input.bodies[id];
        let graph = input.graph;
        let kind = &config.kinds[page.kind];
        let relative = urls::page_path(&kind.folder, &page.slug);
        let infobox = self.infobox_rows(id);
        let (backlinks, backlink_count) = self.backlink_groups(id);
        let canonical = urls::absolute(config, &relative);
        let summary = self.summaries[id].clone();
        let dates = input.history.get(&page.path);
        let json_ld = self.page_json_ld(id, &summary, &canonical);
        let html = self.with_query_tables(id, body);
        let (lead, rest) = split_lead(&html);
        let view = PageView {
            title: &page.title,
            href: self.hrefs[id].clone(),
            canonical,
            kind: self.kind_view(page.kind),
            summary,
            aliases: page.aliases.iter().map(|a| a.0.as_str()).collect(),
            lead,
            body: rest,
            footnotes: self.notes_with_details(body),
            toc: if body.headings.iter().filter(|h| h.level == 2).count() >= 3 {
                toc_tree(&body.headings)
            } else {
                Vec::new()
            },
            infobox,
            relations: self.relation_views(id),
            backlink_count,
            backlinks,
            disambiguation: self.disambiguation_of[id]
                .and_then(|d| graph.disambiguations.get(d))
                .map(|d| LinkView {
                    title: Cow::Borrowed(&d.name),
                    href: Cow::Owned(urls::href(config, &d.path)),
                    kind: Cow::Borrowed("Disambiguation"),
                    summary: Cow::Borrowed(""),
                }),
            categories: graph.page_categories[id]
                .iter()
                .map(|&c| {
                    let cat = &graph.categories[c];
                    LinkView {
                        title: Cow::Borrowed(&cat.name),
                        href: Cow::Owned(urls::href(config, &cat.path)),
                        kind: Cow::Borrowed("Category"),
                        summary: Cow::Borrowed(""),
                    }
                })
                .collect(),
            navboxes: self.navbox_views(id),
            period_chart: self.period_chart(id),
            cited_by: graph.cited_by[id].iter().map(|&p| self.link(p)).collect(),
            edit_url: config
                .repository
                .as_ref()
                .map(|r| format!("{r}/edit/{}/{}", config.branch, page.path)),
            history_url: config
                .repository
                .as_ref()
                .map(|r| format!("{r}/commits/{}/{}", config.branch, page.path)),
            history_href: config
                .outputs
                .history
                .then(|| urls::href(config, &urls::history_path(&relative))),
            feed_href: (config.outputs.page_feeds
                && input.history.revisions_of(&page.path).next().is_some())
            .then(|| urls::href(config, &urls::feed_in(&relative))),
            json_href: config
                .outputs
                .json
                .then(|| urls::href(config, &urls::json_in(&relative))),
            source_path: &page.path,
            updated: dates.map(|d| d.updated.get(..10).unwrap_or(&d.updated)),
            updated_iso: dates.map(|d| d.updated.as_str()),
            json_ld,
            graph: crate::diagram::neighbourhood_svg(&self.diagram_view(), id),
        };
        // The template's own text, the content, the picture and the backlinks' sentences.
        let hint = 16 * 1024
            + body.html.len()
            + view.footnotes.len()
            + view.graph.as_ref().map_or(0, |g| g.svg.len())
            + view
                .backlinks
                .iter()
                .flat_map(|g| &g.items)
                .map(|b| b.context.len() + b.title.len() + b.href.len() + 64)
                .sum::<usize>();
        let mut context = Context::new();
        context.insert("page", &view);
        self.render_sized(
            &self.page_templates[page.kind],
            &context,
            urls::file_for(&relative),
            hint,
        )
    }

    /// A page that lists pages under a name: a category, a disambiguation.
    pub(crate) fn named_list(
        &self,
        template: &str,
        name: &str,
        pages: &[PageId],
        path: &str,
    ) -> Result<Option<OutputFile>, Diagnostic> {
        let mut context = Context::new();
        context.insert("name", name);
        context.insert(
            "pages",
            &pages.iter().map(|&p| self.link(p)).collect::<Vec<_>>(),
        );
        self.emit(template, &context, urls::file_for(path))
    }

    /// The network page and its filter stylesheet.
    pub(crate) fn network_page(
        &self,
        network: crate::diagram::Network,
    ) -> [Result<Option<OutputFile>, Diagnostic>; 2] {
        let mut context = Context::new();
        context.insert("network", &network);
        [
            self.emit("network.html", &context, urls::file_for(urls::NETWORK)),
            self.hand_over(Ok(OutputFile {
                path: format!("{}filter.css", urls::NETWORK),
                bytes: network.css.into_bytes().into(),
            })),
        ]
    }

    /// A kind table's cell value: a link to the page an infobox value names. A name no page has
    /// is plain text here (the page's own infobox links it to the wanted list): a 10k-page
    /// table of red links would be mostly links to one page.
    pub(crate) fn listing_value(&self, item: &'a FieldItem) -> InfoValue<'a> {
        match item {
            FieldItem::Missing(t) => InfoValue {
                text: Cow::Borrowed(t),
                href: None,
                missing: false,
                note: None,
            },
            _ => self.info_value(item),
        }
    }

    /// An infobox value: a link where it names a page (or a section alias's heading), a red
    /// link to the wanted list where it names a page that does not exist.
    pub(crate) fn info_value(&self, item: &'a FieldItem) -> InfoValue<'a> {
        match item {
            FieldItem::Page(p) => InfoValue {
                text: Cow::Borrowed(&self.input.corpus.pages[*p].title),
                href: Some(Cow::Borrowed(&self.hrefs[*p])),
                missing: false,
                note: None,
            },
            FieldItem::Section(p, name, anchor) => InfoValue {
                text: Cow::Borrowed(name),
                href: Some(Cow::Owned(format!(
                    "{}#{}",
                    self.hrefs[*p],
                    urls::encode_path(anchor)
                ))),
                missing: false,
                note: None,
            },
            FieldItem::Missing(name) => InfoValue {
                text: Cow::Borrowed(name),
                href: Some(Cow::Owned(format!(
                    "{}#{}",
                    urls::href(self.input.config, urls::WANTED),
                    urls::encode_path(&crate::names::slugify(name))
                ))),
                missing: true,
                note: None,
            },
            FieldItem::Text(t) => InfoValue {
                text: Cow::Borrowed(t),
                href: None,
                missing: false,
                note: None,
            },
        }
    }

    /// The notes of a page with each cited source's details after its link (see
    /// `CITATION_FIELDS`). Borrowed when no cited source has any.
    fn notes_with_details(&self, body: &'a RenderedBody) -> Cow<'a, str> {
        let input = self.input;
        let mut html = Cow::Borrowed(body.footnotes_html.as_str());
        for &source in &body.citations {
            let kind = &input.config.kinds[input.corpus.pages[source].kind];
            let details: Vec<String> = input.graph.infobox[source]
                .iter()
                .filter(|(f, items)| {
                    CITATION_FIELDS.contains(&kind.fields[*f].key.as_str()) && !items.is_empty()
                })
                .map(|(_, items)| {
                    items
                        .iter()
                        .map(|it| self.item_text(it))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .collect();
            if details.is_empty() {
                continue;
            }
            // The year field repeats the date's year: keep the date.
            let mut details = details;
            details.dedup_by(|b, a| a.len() >= 4 && b.len() == 4 && a.starts_with(b.as_str()));
            let open = format!(
                "href=\"{}\" data-kind=\"{}\">",
                escape_html(&self.hrefs[source]),
                escape_html(&kind.id)
            );
            let mut out = String::with_capacity(html.len() + 64);
            let mut rest: &str = &html;
            while let Some(at) = rest.find(&open) {
                let Some(close) = rest[at..].find("</a>") else {
                    break;
                };
                let end = at + close + "</a>".len();
                out.push_str(&rest[..end]);
                out.push_str(" <span class=\"cite-details\">(");
                out.push_str(&escape_html(&details.join(", ")));
                out.push_str(")</span>");
                rest = &rest[end..];
            }
            out.push_str(rest);
            html = Cow::Owned(out);
        }
        html
    }

    pub(crate) fn item_text(&self, item: &FieldItem) -> String {
        match item {
            FieldItem::Page(p) => self.input.corpus.pages[*p].title.clone(),
            FieldItem::Section(_, s, _) | FieldItem::Missing(s) | FieldItem::Text(s) => s.clone(),
        }
    }

    /// An Atom feed of the most recently changed pages, by their git history. Pages without
    /// history are left out; with none at all the feed is valid and empty.
    pub(crate) fn feed(&self) -> Option<String> {
        const ENTRIES: usize = 30;
        let config = self.input.config;
        let pages = &self.input.corpus.pages;
        let mut dated: Vec<(PageId, &crate::history::Dates)> = pages
            .iter()
            .enumerate()
            .filter_map(|(i, p)| self.input.history.get(&p.path).map(|d| (i, d)))
            .collect();
        // Newest first; RFC 3339 with offsets does not sort as text, so compare as UTC.
        dated.sort_by_cached_key(|&(i, d)| {
            (
                std::cmp::Reverse(utc_key(&d.updated)),
                normalize(&pages[i].title),
            )
        });
        dated.truncate(ENTRIES);
        let updated = dated
            .iter()
            .map(|(_, d)| d.updated.as_str())
            .max_by_key(|d| utc_key(d))?;
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{title}</title>\n  <subtitle>{subtitle}</subtitle>\n  <link rel=\"self\" href=\"{self_url}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{home}\"/>\n  <id>{home}</id>\n  <updated>{updated}</updated>\n  <author><name>{title} contributors</name></author>\n  <generator>kwiki</generator>\n",
            title = escape_html(&config.title),
            subtitle = escape_html(&config.description),
            self_url = escape_html(&urls::absolute(config, urls::FEED)),
            home = escape_html(&config.base_url),
        );
        for (i, d) in dated {
            let p = &pages[i];
            let url = urls::absolute(
                config,
                &urls::page_path(&config.kinds[p.kind].folder, &p.slug),
            );
            xml.push_str(&format!(
                "  <entry>\n    <title>{}</title>\n    <link href=\"{url}\"/>\n    <id>{url}</id>\n    <published>{}</published>\n    <updated>{}</updated>\n    <category term=\"{}\"/>\n    <summary>{}</summary>\n  </entry>\n",
                escape_html(&p.title),
                d.created,
                d.updated,
                escape_html(&config.kinds[p.kind].name),
                escape_html(&self.summaries[i]),
                url = escape_html(&url),
            ));
        }
        xml.push_str("</feed>\n");
        Some(xml)
    }

    pub(crate) fn sitemap(&self) -> String {
        let config = self.input.config;
        let mut paths: Vec<String> = vec![String::new()];
        paths.extend(config.kinds.iter().map(|k| urls::kind_path(&k.folder)));
        paths.extend(
            self.input
                .corpus
                .pages
                .iter()
                .map(|p| urls::page_path(&config.kinds[p.kind].folder, &p.slug)),
        );
        paths.push(urls::CATEGORIES.to_string());
        paths.extend(self.input.graph.categories.iter().map(|c| c.path.clone()));
        paths.push(urls::ALL_PAGES.to_string());
        paths.push(urls::TIMELINE.to_string());
        paths.push(urls::NETWORK.to_string());
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for p in paths {
            xml.push_str(&format!(
                "  <url><loc>{}</loc></url>\n",
                escape_html(&urls::absolute(config, &p))
            ));
        }
        xml.push_str("</urlset>\n");
        xml
    }
}

/// Sorts RFC 3339 timestamps by instant: `2026-01-01T09:00:00+09:00` is `2026-01-01T00:00:00Z`.
/// Malformed input sorts before every well-formed one, so it is never "newest".
pub(crate) fn utc_key(stamp: &str) -> (i64, String) {
    let parse = || -> Option<i64> {
        let num = |r: std::ops::Range<usize>| stamp.get(r)?.parse::<i64>().ok();
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let rest = stamp.get(19..)?;
        let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
        let offset = if rest == "Z" {
            0
        } else {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        };
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = if mo <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (mo + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
    };
    match parse() {
        Some(t) => (t, String::new()),
        None => (i64::MIN, stamp.to_string()),
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
