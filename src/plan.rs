//! What an edit makes stale: pure functions from what the previous build had and what this one
//! has to the work an incremental rebuild must do. Nothing here reads files or renders; the
//! build (`build.rs`) asks these functions and does what they say, and
//! `tests/it/incremental.rs` holds the rebuild to a fresh build's bytes after random edits.
//!
//! Two questions, asked at two points of the build:
//!
//! 1. Before Markdown, [`stale_bodies`]: which pages need their Markdown rendered again, or
//!    must everything be built afresh? A change to `site.toml`, a template, the git history, or
//!    any page's path, kind, slug, title, aliases or `featured` flag can change every link:
//!    everything. Otherwise only the pages whose text changed.
//! 2. After the link graph, [`affected`]: which files show something that changed? A changed
//!    page, every page it links to or linked to (they show it back: backlinks, cited-by,
//!    relations), the pages naming or citing it when its relations changed (their pictures show
//!    its relations), and the generated lists whose content changed (the flags of [`Plan`]).

use crate::content::{Corpus, Page, PageId, TemplateSource};
use crate::graph::{FieldItem, LinkGraph};
use crate::history::History;
use crate::markdown::RenderedBody;

/// What every page's output depends on besides the pages themselves.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    pub config_text: &'a str,
    pub templates: &'a [TemplateSource],
    pub history: &'a History,
}

impl Frame<'_> {
    fn same(&self, other: &Frame) -> bool {
        self.config_text == other.config_text
            && self.templates == other.templates
            && (std::ptr::eq(self.history, other.history) || self.history == other.history)
    }
}

/// How this build's corpus was read.
pub enum Reload<'a> {
    /// Every file was read again; `previous` is the last build's corpus.
    All { previous: &'a Corpus },
    /// Only the files the watcher named were read again: each with its previous version.
    Pages { replaced: &'a [(PageId, Page)] },
}

/// The pages whose Markdown must be rendered again, or `None` when everything must be built
/// afresh: there is no previous build, or something changed that can change every link.
/// `previous_hrefs` and `hrefs` are every page's URL before and now.
pub fn stale_bodies(
    previous: Option<(&Frame, &[String])>,
    now: (&Frame, &[String]),
    reload: &Reload,
    corpus: &Corpus,
) -> Option<Vec<PageId>> {
    let (before, previous_hrefs) = previous?;
    let (frame, hrefs) = now;
    if !before.same(frame) {
        return None;
    }
    match reload {
        Reload::Pages { replaced } => replaced
            .iter()
            .all(|(i, old)| same_names(old, &corpus.pages[*i]))
            .then(|| {
                replaced
                    .iter()
                    .filter(|(i, old)| old.text != corpus.pages[*i].text)
                    .map(|(i, _)| *i)
                    .collect()
            }),
        Reload::All { previous } => (previous_hrefs == hrefs && names_unchanged(previous, corpus))
            .then(|| {
                (0..corpus.pages.len())
                    .filter(|&i| previous.pages[i].text != corpus.pages[i].text)
                    .collect()
            }),
    }
}

/// No page added, removed, moved or renamed, no alias, kind or `featured` changed: the name
/// index, every URL and every redirect stay as they were.
pub fn names_unchanged(old: &Corpus, new: &Corpus) -> bool {
    old.pages.len() == new.pages.len()
        && old
            .pages
            .iter()
            .zip(&new.pages)
            .all(|(a, b)| same_names(a, b))
}

/// One page's part of `names_unchanged`.
pub fn same_names(a: &Page, b: &Page) -> bool {
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

/// How a page's HTML ties it to another page: the pages it shows something of, and which show
/// something of it. Backlinks, inverse relations and cited-by lists are their reverse, so a
/// change to a page reaches exactly these.
pub type Ties = Vec<(PageId, Tie)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tie {
    /// A link in the text (drawn in the network and the pictures).
    Link,
    /// A link inside a footnote that cites a source.
    CitationLink,
    /// A source cited in a footnote.
    Cites,
    /// A page an infobox field names.
    Infobox,
}

/// A page's ties, sorted.
pub fn ties(body: &RenderedBody, graph: &LinkGraph, id: PageId) -> Ties {
    let mut out: Ties = body
        .links
        .iter()
        .map(|l| {
            let tie = if l.is_citation {
                Tie::CitationLink
            } else {
                Tie::Link
            };
            (l.target, tie)
        })
        .collect();
    out.extend(body.citations.iter().map(|&c| (c, Tie::Cites)));
    if let Some(rows) = graph.infobox.get(id) {
        for (_, items) in rows.iter() {
            out.extend(
                items
                    .iter()
                    .filter_map(FieldItem::page)
                    .map(|p| (p, Tie::Infobox)),
            );
        }
    }
    out.sort_unstable();
    out
}

/// What a build showed that a rebuild compares against: the changed pages' ties (in the order
/// of the changed pages), the link graph and every page's summary.
pub struct Shown<'a> {
    pub ties: Vec<Ties>,
    pub graph: &'a LinkGraph,
    pub summaries: &'a [String],
}

/// What an incremental rebuild renders again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Pages to render, sorted.
    pub pages: Vec<PageId>,
    /// Pages whose entry in lists (title, summary, infobox cells) changed: their kinds'
    /// indexes, disambiguations and the timeline are rendered again.
    pub listed: Vec<PageId>,
    /// Category pages are rendered again (all of them, since one can vanish).
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

impl Plan {
    /// The plan as the renderer takes it.
    pub fn partial(&self) -> crate::render::Partial<'_> {
        crate::render::Partial {
            full: false,
            ids: &self.pages,
            listed: &self.listed,
            categories_changed: self.categories_changed,
            summaries_changed: self.summaries_changed,
            wanted_changed: self.wanted_changed,
            maintenance_changed: self.maintenance_changed,
            links_changed: self.links_changed,
        }
    }
}

/// What must be rendered again after the pages `changed` were edited, from what the previous
/// build showed and what this one shows.
pub fn affected(changed: &[PageId], before: &Shown, after: &Shown) -> Plan {
    // A page's HTML shows its neighbours (links, citations, infobox values) and they show it
    // back (backlinks, cited-by, relations): before and after.
    let mut pages: Vec<PageId> = changed.to_vec();
    let mut links_changed = false;
    for (old, new) in before.ties.iter().zip(&after.ties) {
        pages.extend(old.iter().map(|t| t.0));
        pages.extend(new.iter().map(|t| t.0));
        links_changed |= old != new;
    }
    let infobox_changed = |i: PageId| {
        before.graph.infobox.get(i) != after.graph.infobox.get(i)
            || before.graph.terms.get(i) != after.graph.terms.get(i)
    };
    // Pictures show the relations of the pages a page names: when a page's relations change,
    // so do the pictures of the pages naming or citing it.
    for &i in changed {
        if infobox_changed(i) {
            pages.extend(after.graph.backlinks[i].iter().map(|b| b.from));
            pages.extend(&after.graph.cited_by[i]);
        }
    }
    // A page's query tables read other pages: it is rendered again when they changed.
    pages.extend(changed_tables(
        &before.graph.query_tables,
        &after.graph.query_tables,
    ));
    // Navigation boxes list pages by relation: every page whose boxes changed.
    let no_boxes = Vec::new();
    pages.extend((0..after.graph.navboxes.len()).filter(|&i| {
        before.graph.navboxes.get(i).unwrap_or(&no_boxes) != &after.graph.navboxes[i]
    }));
    pages.sort_unstable();
    pages.dedup();
    // Lists (kind indexes, categories, disambiguations) show a page's title, summary and
    // infobox: only changed pages' can differ.
    let listed: Vec<PageId> = changed
        .iter()
        .copied()
        .filter(|&i| before.summaries.get(i) != after.summaries.get(i) || infobox_changed(i))
        .collect();
    let (b, a) = (before.graph, after.graph);
    Plan {
        categories_changed: !listed.is_empty() || b.categories != a.categories,
        listed,
        pages,
        summaries_changed: before.summaries != after.summaries,
        wanted_changed: b.wanted != a.wanted,
        maintenance_changed: (&b.orphans, &b.unreachable, &b.uncited)
            != (&a.orphans, &a.unreachable, &a.uncited),
        links_changed,
    }
}

/// The pages whose query tables differ between two builds (both lists in page order): one
/// pass, where looking each entry up in the other list would be quadratic in the pages with
/// queries.
fn changed_tables(old: &[(PageId, Vec<String>)], new: &[(PageId, Vec<String>)]) -> Vec<PageId> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                if a.1 != b.1 {
                    out.push(a.0);
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                out.push(a.0);
                i += 1;
            }
            (Some(a), None) => {
                out.push(a.0);
                i += 1;
            }
            (_, Some(b)) => {
                out.push(b.0);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::graph::Backlink;

    fn graph(n: usize) -> LinkGraph {
        let mut graph = LinkGraph::default();
        graph.backlinks = vec![Vec::new(); n];
        graph.cited_by = vec![Vec::new(); n];
        graph.infobox = vec![Arc::default(); n];
        graph
    }

    fn shown<'a>(ties: Vec<Ties>, graph: &'a LinkGraph, summaries: &'a [String]) -> Shown<'a> {
        Shown {
            ties,
            graph,
            summaries,
        }
    }

    fn summaries(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("Page {i}.")).collect()
    }

    #[test]
    fn a_text_edit_rerenders_the_page_and_its_neighbours_and_no_list() {
        let g = graph(4);
        let s = summaries(4);
        let ties = vec![vec![(1, Tie::Link), (2, Tie::Cites)]];
        let plan = affected(&[0], &shown(ties.clone(), &g, &s), &shown(ties, &g, &s));
        assert_eq!(
            plan,
            Plan {
                pages: vec![0, 1, 2],
                ..Plan::default()
            }
        );
    }

    #[test]
    fn a_new_link_reaches_old_and_new_targets_and_redraws_the_network() {
        let g = graph(4);
        let s = summaries(4);
        let plan = affected(
            &[0],
            &shown(vec![vec![(1, Tie::Link)]], &g, &s),
            &shown(vec![vec![(3, Tie::Link)]], &g, &s),
        );
        assert_eq!(plan.pages, vec![0, 1, 3]);
        assert!(plan.links_changed);
        assert!(plan.listed.is_empty() && !plan.categories_changed);
    }

    #[test]
    fn a_citation_that_becomes_a_link_in_the_text_redraws_the_network() {
        // The same target, no longer only in a footnote: the network draws text links.
        let g = graph(2);
        let s = summaries(2);
        let plan = affected(
            &[0],
            &shown(vec![vec![(1, Tie::CitationLink), (1, Tie::Cites)]], &g, &s),
            &shown(vec![vec![(1, Tie::Link), (1, Tie::Cites)]], &g, &s),
        );
        assert!(plan.links_changed);
    }

    #[test]
    fn a_summary_edit_reaches_every_list() {
        let g = graph(3);
        let before = summaries(3);
        let mut after = before.clone();
        after[2] = "New.".into();
        let plan = affected(
            &[2],
            &shown(vec![vec![]], &g, &before),
            &shown(vec![vec![]], &g, &after),
        );
        assert_eq!(plan.listed, vec![2]);
        assert!(plan.summaries_changed && plan.categories_changed);
        assert!(!plan.links_changed && !plan.wanted_changed && !plan.maintenance_changed);
    }

    #[test]
    fn an_infobox_edit_reaches_the_pages_naming_or_citing_the_page() {
        let before = graph(4);
        let mut after = graph(4);
        after.infobox[0] = Arc::new(vec![(0, vec![FieldItem::Text("2018".into())])]);
        after.backlinks[0].push(Backlink {
            from: 3,
            context: "".into(),
            relation: None,
        });
        after.cited_by[0].push(2);
        let s = summaries(4);
        let plan = affected(
            &[0],
            &shown(vec![vec![]], &before, &s),
            &shown(vec![vec![]], &after, &s),
        );
        assert_eq!(plan.pages, vec![0, 2, 3]);
        assert_eq!(plan.listed, vec![0]);
    }

    #[test]
    fn generated_lists_follow_the_graph() {
        let before = graph(2);
        let mut after = graph(2);
        after.orphans.push(1);
        after.wanted.push(crate::graph::Wanted {
            name: "X".into(),
            anchor: "x".into(),
            from: vec![0],
        });
        let s = summaries(2);
        let plan = affected(
            &[0],
            &shown(vec![vec![]], &before, &s),
            &shown(vec![vec![]], &after, &s),
        );
        assert!(plan.wanted_changed && plan.maintenance_changed);
        assert!(!plan.categories_changed && !plan.links_changed);
    }

    fn page(path: &str, title: &str, text: &str) -> Page {
        Page {
            kind: 0,
            slug: path.into(),
            path: path.into(),
            text: text.into(),
            body_offset: 0,
            title: title.into(),
            title_offset: 0,
            aliases: Vec::new(),
            alias_sections: Vec::new(),
            summary: None,
            categories: Vec::new(),
            featured: false,
            fields: Vec::new(),
        }
    }

    #[test]
    fn stale_bodies_are_the_edited_pages_unless_a_name_or_the_frame_changed() {
        let history = History::default();
        let templates = vec![TemplateSource {
            name: "page.html".to_string(),
            text: "x".to_string(),
            built_in: false,
        }];
        let frame = Frame {
            config_text: "a",
            templates: &templates,
            history: &history,
        };
        let hrefs = vec!["/a/".to_string(), "/b/".to_string()];
        let old = Corpus {
            pages: vec![page("a", "A", "one"), page("b", "B", "two")],
            ..Corpus::default()
        };
        let mut new = old.clone();
        new.pages[1].text = "three".into();
        let reload = Reload::All { previous: &old };
        let stale = |before: &Frame, now: &Frame, corpus: &Corpus| {
            stale_bodies(Some((before, &hrefs)), (now, &hrefs), &reload, corpus)
        };
        assert_eq!(stale(&frame, &frame, &new), Some(vec![1]));
        assert_eq!(stale(&frame, &frame, &old), Some(vec![]));
        // No previous build, another site.toml or template, a renamed page: everything.
        assert_eq!(stale_bodies(None, (&frame, &hrefs), &reload, &new), None);
        let other = Frame {
            config_text: "b",
            ..frame
        };
        assert_eq!(stale(&frame, &other, &new), None);
        let templates2 = vec![TemplateSource {
            name: "page.html".to_string(),
            text: "y".to_string(),
            built_in: false,
        }];
        let other = Frame {
            templates: &templates2,
            ..frame
        };
        assert_eq!(stale(&frame, &other, &new), None);
        let mut renamed = new.clone();
        renamed.pages[0].title = "A2".into();
        assert_eq!(stale(&frame, &frame, &renamed), None);
        // Told which files changed: the same answers from the replaced pages.
        let replaced = vec![(1, old.pages[1].clone())];
        let reload = Reload::Pages {
            replaced: &replaced,
        };
        assert_eq!(
            stale_bodies(Some((&frame, &hrefs)), (&frame, &hrefs), &reload, &new),
            Some(vec![1])
        );
        let replaced = vec![(0, old.pages[0].clone())];
        let reload = Reload::Pages {
            replaced: &replaced,
        };
        assert_eq!(
            stale_bodies(Some((&frame, &hrefs)), (&frame, &hrefs), &reload, &renamed),
            None
        );
    }

    #[test]
    fn changed_tables_are_the_pages_whose_tables_differ_or_come_and_go() {
        let t = |p: PageId, html: &str| (p, vec![html.to_string()]);
        let old = [t(1, "a"), t(3, "b"), t(5, "c")];
        let new = [t(1, "a"), t(2, "x"), t(3, "B"), t(6, "d")];
        assert_eq!(changed_tables(&old, &new), [2, 3, 5, 6]);
        assert!(changed_tables(&old, &old).is_empty());
    }
}
