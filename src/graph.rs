//! The link graph: backlinks (inverted once from every page's outgoing links), the inverse
//! relations `site.toml` declares, citations, categories, redirects, disambiguations and the
//! maintenance reports (red links, orphans, unreachable and uncited pages). Pure.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, FieldType};
use crate::content::{Page, PageId, Value};
use crate::diagnostics::{Budget, Diagnostic, Diagnostics};
use crate::markdown::RenderedBody;
use crate::names::{Index, Resolution, normalize, slugify};
use crate::period::Term;
use crate::urls;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlink {
    pub from: PageId,
    pub context: std::sync::Arc<str>,
    /// The first infobox field of `from` that names this page, if any: the relation a picture
    /// of this page labels the line with. Found here, where `from`'s infobox is at hand, so
    /// the picture does not search another page's infobox for each of its lines.
    pub relation: Option<usize>,
}

/// A page's infobox: (field index, values), in front-matter order.
pub type InfoboxRows = Vec<(usize, Vec<FieldItem>)>;

/// One infobox value: a page, a name with no page (red link), or plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldItem {
    Page(PageId),
    /// A page found by one of its section aliases: (page, the name as written, heading id).
    Section(PageId, String, String),
    Missing(String),
    Text(String),
}

impl FieldItem {
    /// The page this value links to, if any.
    pub fn page(&self) -> Option<PageId> {
        match self {
            FieldItem::Page(p) | FieldItem::Section(p, _, _) => Some(*p),
            FieldItem::Missing(_) | FieldItem::Text(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub path: String,
    pub pages: Vec<PageId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub path: String,
    pub alias: String,
    pub to: PageId,
    /// The heading id a section alias leads to.
    pub anchor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disambiguation {
    pub name: String,
    pub path: String,
    pub pages: Vec<PageId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub name: String,
    pub anchor: String,
    pub from: Vec<PageId>,
}

#[derive(Debug, Clone, Default)]
pub struct LinkGraph {
    /// Per page: pages linking to it (body or infobox), one entry per linking page, sorted.
    pub backlinks: Vec<Vec<Backlink>>,
    /// Per page: (heading, pages) for every declared inverse relation that reaches it, each
    /// page with when and how the relation held, if its entry says.
    pub inverse: Vec<Vec<(String, Vec<Related>)>>,
    /// Per page: (field index, values), in the page's front-matter order.
    pub infobox: Vec<Arc<InfoboxRows>>,
    /// Per page: the terms (`since`, `until`, `role`) of its linked fields' entries, in the
    /// order of `infobox`'s values; empty for a page without any. Compared by
    /// `plan::affected`: a changed term changes what lists and the timeline show.
    pub terms: Vec<Arc<Vec<Option<Term>>>>,
    pub cited_by: Vec<Vec<PageId>>,
    pub categories: Vec<Category>,
    /// Per page: indices into `categories`.
    pub page_categories: Vec<Vec<usize>>,
    pub redirects: Vec<Redirect>,
    pub disambiguations: Vec<Disambiguation>,
    pub wanted: Vec<Wanted>,
    pub orphans: Vec<PageId>,
    pub unreachable: Vec<PageId>,
    pub uncited: Vec<PageId>,
    /// Each page's place in kind-then-title order.
    pub rank: Vec<usize>,
    /// Diagnostics that depend on names only (redirect clashes), kept with the redirects.
    pub name_diagnostics: Vec<Diagnostic>,
    /// Per page: what resolving its infobox gave, kept for the next incremental build.
    infoboxes: Vec<Arc<PageInfobox>>,
    /// The tables of the pages with `query` blocks (`query::tables`), by page: filled in after
    /// the graph, from it. A page whose tables changed is rendered again.
    pub query_tables: Vec<(PageId, Vec<String>)>,
    /// Per page: the navigation boxes it shows (`navbox::compute`), filled in after the graph.
    pub navboxes: Vec<Vec<Arc<NavboxInstance>>>,
}

/// One navigation box as one page shows it (made by `navbox::compute`): which declaration of
/// `site.toml`, around which hub page (none for a category), and the pages it lists with the
/// term of their relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavboxInstance {
    pub navbox: usize,
    pub hub: Option<PageId>,
    pub entries: Vec<Related>,
}

/// Every value of a page's infobox with the term of its entry: (field index, the resolved value,
/// its `since`/`until`/`role` if the entry says), in front-matter order. The infobox rows are
/// the page's fields one for one, and a link field's values its entries one for one, so this
/// is the one place that pairs them.
pub fn link_entries<'a>(
    page: &'a Page,
    rows: &'a InfoboxRows,
) -> impl Iterator<Item = (usize, &'a FieldItem, Option<&'a Term>)> + 'a {
    page.fields
        .iter()
        .zip(rows.iter())
        .flat_map(|(fv, (field, items))| {
            let names: &[crate::content::LinkName] = match &fv.value {
                Value::Links(names) => names,
                _ => &[],
            };
            items
                .iter()
                .enumerate()
                .map(move |(j, item)| (*field, item, names.get(j).and_then(|l| l.term.as_ref())))
        })
}

/// A page in a relation list, with when and how the relation held if its entry says.
pub type Related = (PageId, Option<Term>);

/// (target, (declaring kind, field), relation heading, page declaring it, its term).
type InverseEdge = (PageId, (usize, usize), Arc<str>, PageId, Option<Term>);

/// What resolving one page's infobox gives.
#[derive(Debug, Clone, Default)]
struct PageInfobox {
    rows: Arc<InfoboxRows>,
    terms: Arc<Vec<Option<Term>>>,
    inverse_edges: Vec<InverseEdge>,
    field_edges: Vec<(PageId, PageId, Arc<str>)>,
    /// (target, field) for each page the infobox names, with the first field that names it.
    relations: Vec<(PageId, usize)>,
    wanted: Vec<String>,
    diagnostics: Vec<Diagnostic>,
}

pub struct GraphInput<'a> {
    pub config: &'a Config,
    pub pages: &'a [Page],
    pub index: &'a Index,
    pub bodies: &'a [RenderedBody],
    pub home: Option<&'a RenderedBody>,
    pub source_kind: Option<usize>,
    /// The last build's graph, when no page was added, removed or renamed and no alias changed
    /// since: ranks, redirects and disambiguations are taken from it.
    pub previous: Option<&'a LinkGraph>,
    /// With `previous`: the pages whose text changed since it was made.
    pub changed: Option<&'a [PageId]>,
    /// The graph will be `previous` for a later build: keep what that needs.
    pub keep: bool,
}

/// Each page's place when pages are listed by kind (in `site.toml` order), then normalised
/// title: computed once, so sorting compares integers instead of normalising titles.
fn page_ranks(pages: &[Page]) -> Vec<usize> {
    let mut order: Vec<PageId> = (0..pages.len()).collect();
    order.sort_by_cached_key(|&i| (pages[i].kind, normalize(&pages[i].title), i));
    let mut rank = vec![0; pages.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    rank
}

/// Builds the link graph: a sequence of steps, each filling part of it from the pages, their
/// bodies and what the steps before it made.
pub fn build(input: &GraphInput, diagnostics: &mut Diagnostics) -> LinkGraph {
    let n = input.pages.len();
    // What depends on names only is the previous graph's when no name changed.
    let rank = input
        .previous
        .map_or_else(|| page_ranks(input.pages), |p| p.rank.clone());
    let mut graph = LinkGraph {
        backlinks: vec![Vec::new(); n],
        inverse: vec![Vec::new(); n],
        infobox: vec![Arc::default(); n],
        terms: vec![Arc::default(); n],
        cited_by: vec![Vec::new(); n],
        page_categories: vec![Vec::new(); n],
        ..LinkGraph::default()
    };
    let mut wanted = WantedNames::default();
    let infoboxes = resolve_infoboxes(input);
    inverse_relations(&mut graph, &infoboxes, &rank, &mut wanted, diagnostics);
    body_links(&mut graph, input, &mut wanted, diagnostics);
    check_section_aliases(input, diagnostics);
    infobox_backlinks(&mut graph, &infoboxes);
    for list in &mut graph.backlinks {
        list.sort_by_key(|b| rank[b.from]);
    }
    // A build that keeps no state keeps no infobox edges either.
    if input.keep {
        graph.infoboxes = infoboxes;
    }
    for list in &mut graph.cited_by {
        list.sort_by_key(|&p| rank[p]);
    }
    categories(&mut graph, input.pages, &rank, diagnostics);
    names(&mut graph, input, &rank);
    diagnostics.extend(graph.name_diagnostics.iter().cloned());
    graph.rank = rank;
    graph.wanted = wanted.into_list();
    reports(&mut graph, input, diagnostics);
    graph
}

/// Names that pages link to but no page has, with the pages linking to each, by normalised name.
#[derive(Default)]
struct WantedNames(BTreeMap<String, (String, Vec<PageId>)>);

impl WantedNames {
    fn add(&mut self, name: &str, from: PageId) {
        let entry = self
            .0
            .entry(normalize(name))
            .or_insert_with(|| (name.to_string(), Vec::new()));
        if entry.1.last() != Some(&from) {
            entry.1.push(from);
        }
    }

    fn into_list(self) -> Vec<Wanted> {
        self.0
            .into_values()
            .map(|(name, from)| Wanted {
                anchor: slugify(&name),
                name,
                from,
            })
            .collect()
    }
}

/// Infobox links and the inverse relations they declare: each page on its own, in parallel.
/// With the previous graph (no name changed), a page whose text did not change resolves its
/// infobox exactly as before: only the changed pages are resolved again.
fn resolve_infoboxes(input: &GraphInput) -> Vec<Arc<PageInfobox>> {
    let pages = input.pages;
    match (input.previous, input.changed) {
        (Some(previous), Some(changed)) if previous.infoboxes.len() == pages.len() => {
            let mut infoboxes = previous.infoboxes.clone();
            for &id in changed {
                infoboxes[id] = Arc::new(resolve_infobox(input, id, &pages[id]));
            }
            infoboxes
        }
        _ => pages
            .par_iter()
            .enumerate()
            .map(|(id, page)| Arc::new(resolve_infobox(input, id, page)))
            .collect(),
    }
}

/// One page's infobox: each field's values, with links resolved and checked.
fn resolve_infobox(input: &GraphInput, id: PageId, page: &Page) -> PageInfobox {
    let kind = &input.config.kinds[page.kind];
    let mut budget = Budget::default();
    let mut rows = Vec::with_capacity(page.fields.len());
    let mut out = PageInfobox::default();
    for fv in &page.fields {
        let field = &kind.fields[fv.field];
        let items = match (&fv.value, &field.ty) {
            (Value::Links(names), FieldType::Link(allowed)) => names
                .iter()
                .map(|entry| {
                    let link = FieldLink {
                        id,
                        page,
                        field_index: fv.field,
                        field,
                        allowed,
                        name: &entry.name,
                        offset: entry.offset,
                        term: entry.term.as_ref(),
                    };
                    resolve_field_link(input, &link, &mut out, &mut budget)
                })
                .collect(),
            (Value::Text(s) | Value::Date(s) | Value::Number(s) | Value::Url(s), _) => {
                vec![FieldItem::Text(s.clone())]
            }
            (Value::Year(y), _) => vec![FieldItem::Text(y.to_string())],
            (Value::List(items), _) => items.iter().map(|s| FieldItem::Text(s.clone())).collect(),
            (Value::Links(names), _) => names
                .iter()
                .map(|l| FieldItem::Text(l.name.clone()))
                .collect(),
        };
        for item in &items {
            if let Some(target) = item.page()
                && !out.relations.iter().any(|&(t, _)| t == target)
            {
                out.relations.push((target, fv.field));
            }
        }
        rows.push((fv.field, items));
    }
    out.diagnostics.extend(budget.overflow(&page.path));
    let links = || {
        page.fields.iter().flat_map(|fv| match &fv.value {
            Value::Links(names) => names.as_slice(),
            _ => &[],
        })
    };
    if links().any(|l| l.term.is_some()) {
        out.terms = Arc::new(links().map(|l| l.term.clone()).collect());
    }
    out.rows = Arc::new(rows);
    out
}

/// One name in a link field, where it is written.
struct FieldLink<'a> {
    id: PageId,
    page: &'a Page,
    field_index: usize,
    field: &'a crate::config::Field,
    allowed: &'a [usize],
    name: &'a String,
    offset: usize,
    term: Option<&'a Term>,
}

/// Resolves one name of a link field: the page it names (or the section alias), or why not.
fn resolve_field_link(
    input: &GraphInput,
    link: &FieldLink,
    out: &mut PageInfobox,
    budget: &mut Budget,
) -> FieldItem {
    let (config, pages, index) = (input.config, input.pages, input.index);
    let FieldLink {
        id,
        page,
        field_index,
        field,
        allowed,
        name,
        offset,
        term,
    } = *link;
    match index.resolve(name) {
        Resolution::Found(target) if allowed.contains(&pages[target].kind) => {
            if let Some(label) = &field.inverse {
                out.inverse_edges.push((
                    target,
                    (page.kind, field_index),
                    label.as_str().into(),
                    id,
                    term.cloned(),
                ));
            }
            out.field_edges.push((
                target,
                id,
                format!("{}: {}", field.label, pages[target].title).into(),
            ));
            match index.section_of(name, target) {
                Some(anchor) => FieldItem::Section(target, name.clone(), anchor.to_string()),
                None => FieldItem::Page(target),
            }
        }
        Resolution::Found(target) => {
            if budget.allow("wrong-kind") {
                let wanted_kinds: Vec<&str> = allowed
                    .iter()
                    .map(|&k| config.kinds[k].name.as_str())
                    .collect();
                out.diagnostics.push(
                    Diagnostic::error(
                        "wrong-kind",
                        &page.path,
                        format!(
                            "field '{}' must name a page of kind {}, but \"{}\" is a {} ({})",
                            field.key,
                            wanted_kinds.join(" or "),
                            pages[target].title,
                            config.kinds[pages[target].kind].name,
                            pages[target].path
                        ),
                    )
                    .at_offset(&page.text, offset),
                );
            }
            FieldItem::Page(target)
        }
        Resolution::Ambiguous(ids) => {
            if budget.allow("ambiguous-link") {
                let names: Vec<String> = ids
                    .iter()
                    .map(|&i| format!("\"{}\" ({})", pages[i].title, pages[i].path))
                    .collect();
                out.diagnostics.push(
                    Diagnostic::error(
                        "ambiguous-link",
                        &page.path,
                        format!(
                            "field '{}': \"{name}\" matches {}",
                            field.key,
                            names.join(", ")
                        ),
                    )
                    .at_offset(&page.text, offset),
                );
            }
            FieldItem::Text(name.clone())
        }
        Resolution::Missing if index.broken(name).is_some() => FieldItem::Missing(name.clone()),
        Resolution::Missing => {
            if budget.allow("red-link") {
                out.diagnostics.push(
                    Diagnostic::warning(
                        "red-link",
                        &page.path,
                        format!(
                            "field '{}': no page is titled or aliased \"{name}\"",
                            field.key
                        ),
                    )
                    .at_offset(&page.text, offset),
                );
            }
            out.wanted.push(name.clone());
            FieldItem::Missing(name.clone())
        }
    }
}

/// Merges the infoboxes in page order: each page's rows, the inverse relations they declare
/// (listed on their targets by heading), their red links and problems.
fn inverse_relations(
    graph: &mut LinkGraph,
    infoboxes: &[Arc<PageInfobox>],
    rank: &[usize],
    wanted: &mut WantedNames,
    diagnostics: &mut Diagnostics,
) {
    let mut inverse_edges: Vec<InverseEdge> = Vec::new();
    for (id, info) in infoboxes.iter().enumerate() {
        inverse_edges.extend(info.inverse_edges.iter().cloned());
        for name in &info.wanted {
            wanted.add(name, id);
        }
        diagnostics.extend(info.diagnostics.iter().cloned());
        graph.infobox[id] = Arc::clone(&info.rows);
        graph.terms[id] = Arc::clone(&info.terms);
    }
    inverse_edges.sort_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| rank[a.3].cmp(&rank[b.3]))
    });
    for (target, _, label, from, term) in inverse_edges {
        let groups = &mut graph.inverse[target];
        match groups.iter_mut().find(|(l, _)| **l == *label) {
            Some((_, list)) if !list.iter().any(|(p, t)| *p == from && *t == term) => {
                list.push((from, term))
            }
            Some(_) => {}
            None => groups.push((label.to_string(), vec![(from, term)])),
        }
    }
}

/// Backlinks and citations from the bodies, and their red links; links into a heading are
/// checked against the target's headings. Body links are visited in page order, so a page
/// already linking a target is the last entry of the target's list.
fn body_links(
    graph: &mut LinkGraph,
    input: &GraphInput,
    wanted: &mut WantedNames,
    diagnostics: &mut Diagnostics,
) {
    let (pages, bodies) = (input.pages, input.bodies);
    // Heading ids of the pages some link points into, made on first use: looking each anchor up
    // in a list of headings would be quadratic on a page with thousands of both.
    let mut anchors: HashMap<PageId, HashSet<&str>> = HashMap::new();
    for (from, body) in bodies.iter().enumerate() {
        let mut budget = Budget::default();
        for link in &body.links {
            if link.is_citation {
                continue;
            }
            if link.target == from {
                continue;
            }
            if let Some(anchor) = &link.anchor
                && !anchors
                    .entry(link.target)
                    .or_insert_with(|| {
                        bodies[link.target]
                            .headings
                            .iter()
                            .map(|h| h.id.as_str())
                            .collect()
                    })
                    .contains(anchor.as_str())
                && budget.allow("unknown-anchor")
            {
                diagnostics.push(
                    Diagnostic::warning(
                        "unknown-anchor",
                        &pages[from].path,
                        format!(
                            "\"{}\" has no heading with id '#{anchor}'",
                            pages[link.target].title
                        ),
                    )
                    .at(link.at),
                );
            }
            if graph.backlinks[link.target].last().map(|b| b.from) != Some(from) {
                graph.backlinks[link.target].push(Backlink {
                    from,
                    context: link.context.clone(),
                    relation: None,
                });
            }
        }
        // Every source a footnote cites, even one the text linked before (the link list keeps
        // only the first link to a page); a page citing itself is not listed. Pages are
        // visited in order, so a repeat can only be the last entry.
        for &target in &body.citations {
            if target != from && graph.cited_by[target].last() != Some(&from) {
                graph.cited_by[target].push(from);
            }
        }
        for red in &body.red_links {
            wanted.add(&red.target, from);
        }
        diagnostics.extend(budget.overflow(&pages[from].path));
    }
}

/// Section aliases name a heading of their own page: checked once here, at the alias, not at
/// every link that uses it.
fn check_section_aliases(input: &GraphInput, diagnostics: &mut Diagnostics) {
    for (id, page) in input.pages.iter().enumerate() {
        for section in &page.alias_sections {
            let anchor = slugify(&section.heading);
            if !input.bodies[id].headings.iter().any(|h| h.id == anchor) {
                let alias = page.aliases.get(section.alias).map_or("", |a| a.0.as_str());
                diagnostics.push(
                    Diagnostic::warning(
                        "unknown-anchor",
                        &page.path,
                        format!(
                            "alias \"{alias}\" names section \"{}\", but \"{}\" has no heading with id '#{anchor}'",
                            section.heading, page.title
                        ),
                    )
                    .note("`section` is a heading of this page as written in the body, like [[Page#Heading]]")
                    .at_offset(&page.text, section.offset),
                );
            }
        }
    }
}

/// Backlinks from infoboxes (after the body entries, which they do not repeat), and each
/// backlink's relation: the first infobox field of the linking page that names the target.
fn infobox_backlinks(graph: &mut LinkGraph, infoboxes: &[Arc<PageInfobox>]) {
    let body_counts: Vec<usize> = graph.backlinks.iter().map(Vec::len).collect();
    for info in infoboxes {
        for (target, from, context) in &info.field_edges {
            let (target, from) = (*target, *from);
            let list = &graph.backlinks[target];
            let in_body = list[..body_counts[target]]
                .binary_search_by_key(&from, |b| b.from)
                .is_ok();
            let again =
                list.len() > body_counts[target] && list.last().map(|b| b.from) == Some(from);
            if target != from && !in_body && !again {
                graph.backlinks[target].push(Backlink {
                    from,
                    context: context.clone(),
                    relation: None,
                });
            }
        }
    }
    // A target's list holds its body entries, then its infobox entries, each part in page
    // order: binary search finds the entry in one or the other.
    for (from, info) in infoboxes.iter().enumerate() {
        for &(target, field) in &info.relations {
            let list = &mut graph.backlinks[target];
            let body_count = body_counts[target].min(list.len());
            let (body, rest) = list.split_at_mut(body_count);
            let entry = match body.binary_search_by_key(&from, |b| b.from) {
                Ok(i) => body.get_mut(i),
                Err(_) => rest
                    .binary_search_by_key(&from, |b| b.from)
                    .ok()
                    .and_then(|i| rest.get_mut(i)),
            };
            if let Some(b) = entry {
                b.relation = Some(field);
            }
        }
    }
}

/// Categories: one spelling per name, members in rank order.
fn categories(
    graph: &mut LinkGraph,
    pages: &[Page],
    rank: &[usize],
    diagnostics: &mut Diagnostics,
) {
    let mut categories: BTreeMap<String, (String, String, Vec<PageId>)> = BTreeMap::new();
    for (id, page) in pages.iter().enumerate() {
        for (name, offset) in &page.categories {
            let key = normalize(name);
            let entry = categories
                .entry(key)
                .or_insert_with(|| (name.clone(), page.path.clone(), Vec::new()));
            if entry.0 != *name {
                diagnostics.push(
                    Diagnostic::warning(
                        "category-spelling",
                        &page.path,
                        format!(
                            "category \"{name}\" is spelled \"{}\" in {}",
                            entry.0, entry.1
                        ),
                    )
                    .at_offset(&page.text, *offset),
                );
            }
            if !entry.2.contains(&id) {
                entry.2.push(id);
            }
        }
    }
    for (_, (name, _, mut members)) in categories {
        members.sort_by_key(|&p| rank[p]);
        let index = graph.categories.len();
        for &m in &members {
            graph.page_categories[m].push(index);
        }
        graph.categories.push(Category {
            path: urls::category_path(&name),
            name,
            pages: members,
        });
    }
}

/// What depends on names only: redirects for aliases and disambiguations for shared names,
/// the previous graph's when no name changed.
fn names(graph: &mut LinkGraph, input: &GraphInput, rank: &[usize]) {
    if let Some(previous) = input.previous {
        graph.redirects = previous.redirects.clone();
        graph.disambiguations = previous.disambiguations.clone();
        graph.name_diagnostics = previous.name_diagnostics.clone();
        return;
    }
    graph.name_diagnostics = redirects(graph, input);
    for (name, ids) in input.index.shared_names() {
        let mut ids = ids.clone();
        ids.sort_by_key(|&p| rank[p]);
        graph.disambiguations.push(Disambiguation {
            path: urls::disambiguation_path(name),
            name: name.clone(),
            pages: ids,
        });
    }
}

/// Redirects for aliases; they may not take a path that a page or another redirect has.
fn redirects(graph: &mut LinkGraph, input: &GraphInput) -> Vec<Diagnostic> {
    let (config, pages, index) = (input.config, input.pages, input.index);
    let mut name_diagnostics = Vec::new();
    let mut taken: HashSet<String> = pages
        .iter()
        .map(|p| urls::page_path(&config.kinds[p.kind].folder, &p.slug))
        .collect();
    for (id, page) in pages.iter().enumerate() {
        let folder = &config.kinds[page.kind].folder;
        for (i, (alias, offset)) in page.aliases.iter().enumerate() {
            let slug = slugify(alias);
            if slug.is_empty() {
                name_diagnostics.push(
                    Diagnostic::warning("alias-no-redirect", &page.path, format!("alias \"{alias}\" has no letter or digit to make an address from: links with it work, but it gets no redirect page"))
                        .at_offset(&page.text, *offset)
                        .note("add a spelled-out alias too (\"Exclamation\" for \"!!!\") if readers may type it into the address bar"),
                );
                continue;
            }
            // Shared or shadowed aliases lead to a disambiguation or another page, not here.
            if slug == page.slug || index.resolve(alias) != Resolution::Found(id) {
                continue;
            }
            let path = urls::page_path(folder, &slug);
            if taken.contains(&path) {
                name_diagnostics.push(
                    Diagnostic::warning("redirect-clash", &page.path, format!("alias \"{alias}\" would redirect from /{path}, which is already taken; no redirect made"))
                        .at_offset(&page.text, *offset),
                );
                continue;
            }
            taken.insert(path.clone());
            let anchor = page
                .alias_sections
                .iter()
                .find(|s| s.alias == i)
                .map(|s| slugify(&s.heading))
                .filter(|a| !a.is_empty());
            graph.redirects.push(Redirect {
                path,
                alias: alias.clone(),
                to: id,
                anchor,
            });
        }
    }
    name_diagnostics
}

/// Reports: orphans, pages the home page cannot reach, pages and paragraphs that cite nothing.
fn reports(graph: &mut LinkGraph, input: &GraphInput, diagnostics: &mut Diagnostics) {
    let (pages, bodies, source_kind) = (input.pages, input.bodies, input.source_kind);
    let home_links: HashSet<PageId> = input
        .home
        .map(|h| h.links.iter().map(|l| l.target).collect())
        .unwrap_or_default();
    for id in 0..pages.len() {
        if graph.backlinks[id].is_empty()
            && graph.cited_by[id].is_empty()
            && !home_links.contains(&id)
            && !pages[id].featured
        {
            graph.orphans.push(id);
            diagnostics.push(
                Diagnostic::warning(
                    "orphan",
                    &pages[id].path,
                    format!("no page links to \"{}\"", pages[id].title),
                )
                .note("link it from a related page so readers can find it"),
            );
        }
        if source_kind.is_some_and(|s| s != pages[id].kind) {
            uncited(graph, id, &pages[id], &bodies[id], diagnostics);
        }
    }
    if input.home.is_some() {
        let reachable = reachable_from_home(graph, bodies, &home_links, pages);
        for id in 0..pages.len() {
            if !reachable[id] && !graph.orphans.contains(&id) {
                graph.unreachable.push(id);
                diagnostics.push(Diagnostic::warning(
                    "unreachable",
                    &pages[id].path,
                    format!(
                        "\"{}\" cannot be reached by following links from the home page",
                        pages[id].title
                    ),
                ));
            }
        }
    }
}

/// A page that cites no source, and its paragraphs without a footnote.
fn uncited(
    graph: &mut LinkGraph,
    id: PageId,
    page: &Page,
    body: &RenderedBody,
    diagnostics: &mut Diagnostics,
) {
    if body.citations.is_empty() {
        graph.uncited.push(id);
        diagnostics.push(
            Diagnostic::warning("uncited-page", &page.path, "page cites no source")
                .note("end each factual paragraph with a footnote whose text links a source page: [^a] … [^a]: [[Source title]]"),
        );
    }
    let mut budget = Budget::default();
    for &at in &body.uncited_paragraphs {
        if budget.allow("uncited-paragraph") {
            diagnostics.push(
                Diagnostic::warning(
                    "uncited-paragraph",
                    &page.path,
                    "paragraph has no footnote citing a source",
                )
                .at(at),
            );
        }
    }
    diagnostics.extend(budget.overflow(&page.path));
}

/// Breadth-first over everything a reader can click on a page: body links, infobox links,
/// inverse relations, backlinks' sources stay out (they are "what links here"), categories.
fn reachable_from_home(
    graph: &LinkGraph,
    bodies: &[RenderedBody],
    home_links: &HashSet<PageId>,
    pages: &[Page],
) -> Vec<bool> {
    let n = pages.len();
    let mut seen = vec![false; n];
    let mut queue: VecDeque<PageId> = VecDeque::new();
    let mut starts: Vec<PageId> = home_links.iter().copied().collect();
    starts.extend((0..n).filter(|&i| pages[i].featured));
    for s in starts {
        if !seen[s] {
            seen[s] = true;
            queue.push_back(s);
        }
    }
    while let Some(id) = queue.pop_front() {
        let mut next: Vec<PageId> = bodies[id].links.iter().map(|l| l.target).collect();
        for (_, items) in graph.infobox[id].iter() {
            next.extend(items.iter().filter_map(FieldItem::page));
        }
        for (_, list) in &graph.inverse[id] {
            next.extend(list.iter().map(|(p, _)| *p));
        }
        next.extend(&graph.cited_by[id]);
        for &c in &graph.page_categories[id] {
            next.extend(&graph.categories[c].pages);
        }
        for t in next {
            if !seen[t] {
                seen[t] = true;
                queue.push_back(t);
            }
        }
    }
    seen
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
