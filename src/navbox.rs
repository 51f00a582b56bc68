//! Navigation boxes: the `[[navboxes]]` of `site.toml` made into lists of pages, from the
//! relations (a group's members, an agency's artists) or a category, and placed on every page
//! they list and on their hub. Pure; computed after the link graph, kept in it, and compared
//! by `plan::affected`, so an edit that changes a box renders again every page showing it.

use std::sync::Arc;

use crate::config::{Config, NavboxSource};
use crate::content::{Page, PageId};
use crate::graph::{LinkGraph, NavboxInstance as Instance};
use crate::period::Term;

/// Per page, the boxes it shows, in declaration order, then by hub.
pub fn compute(config: &Config, pages: &[Page], graph: &LinkGraph) -> Vec<Vec<Arc<Instance>>> {
    let mut out: Vec<Vec<Arc<Instance>>> = vec![Vec::new(); pages.len()];
    if config.navboxes.is_empty() {
        return out;
    }
    for (n, navbox) in config.navboxes.iter().enumerate() {
        let mut instances: Vec<Instance> = Vec::new();
        match &navbox.source {
            NavboxSource::Field { kind, field } => {
                for (hub, page) in pages.iter().enumerate().filter(|(_, p)| p.kind == *kind) {
                    let entries: Vec<_> = linked(page, *field, &graph.infobox[hub]).collect();
                    instances.push(Instance {
                        navbox: n,
                        hub: Some(hub),
                        entries,
                    });
                }
            }
            NavboxSource::Inverse { kind, from } => {
                let mut by_hub: Vec<Vec<(PageId, Option<Term>)>> = vec![Vec::new(); pages.len()];
                for (id, page) in pages.iter().enumerate() {
                    for &(_, f) in from.iter().filter(|(k, _)| *k == page.kind) {
                        for (target, term) in linked(page, f, &graph.infobox[id]) {
                            if pages[target].kind == *kind {
                                by_hub[target].push((id, term));
                            }
                        }
                    }
                }
                for (hub, entries) in by_hub.into_iter().enumerate() {
                    if pages[hub].kind == *kind {
                        instances.push(Instance {
                            navbox: n,
                            hub: Some(hub),
                            entries,
                        });
                    }
                }
            }
            NavboxSource::Category(name) => {
                if let Some(c) = graph.categories.iter().find(|c| c.name == *name) {
                    instances.push(Instance {
                        navbox: n,
                        hub: None,
                        entries: c.pages.iter().map(|&p| (p, None)).collect(),
                    });
                }
            }
        }
        for mut instance in instances {
            // A box of one page leads nowhere new: boxes list two pages or more.
            if instance.entries.len() < 2 {
                continue;
            }
            instance
                .entries
                .sort_by(|a, b| graph.rank[a.0].cmp(&graph.rank[b.0]).then(a.0.cmp(&b.0)));
            instance.entries.dedup();
            let mut shown_on: Vec<PageId> = instance.entries.iter().map(|e| e.0).collect();
            shown_on.extend(instance.hub);
            shown_on.sort_unstable();
            shown_on.dedup();
            let instance = Arc::new(instance);
            for p in shown_on {
                out[p].push(Arc::clone(&instance));
            }
        }
    }
    out
}

/// The pages `page`'s field `field` names (an index into its kind's fields), with terms.
fn linked<'a>(
    page: &'a Page,
    field: usize,
    infobox: &'a crate::graph::InfoboxRows,
) -> impl Iterator<Item = (PageId, Option<Term>)> + 'a {
    crate::graph::link_entries(page, infobox)
        .filter(move |(f, _, _)| *f == field)
        .filter_map(|(_, item, term)| Some((item.page()?, term.cloned())))
}
