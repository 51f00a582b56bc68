//! Generated lists of pages: disambiguations, alias redirects, all pages A–Z, wanted pages and
//! the maintenance lists.

use std::borrow::Cow;

use rayon::prelude::*;
use tera::Context;

use super::Made;
use crate::content::PageId;
use crate::names::{normalize, slugify};
use crate::render::{PageGroup, Partial, Renderer};
use crate::urls;

/// A page per name that several pages share; in an incremental build only those listing a page
/// whose entry changed.
pub(super) fn disambiguations(r: &Renderer, partial: &Partial) -> Vec<Made> {
    let pages = &r.input.corpus.pages;
    let mut shown = vec![partial.full; pages.len()];
    for &id in partial.listed {
        shown[id] = true;
    }
    r.input
        .graph
        .disambiguations
        .par_iter()
        .filter(|d| d.pages.iter().any(|&p| shown[p]))
        .map(|d| r.named_list("disambiguation.html", &d.name, &d.pages, &d.path))
        .collect()
}

/// A redirect page per alias, to its page (or the section it names).
pub(super) fn redirects(r: &Renderer, _: &Partial) -> Vec<Made> {
    let (config, pages) = (r.input.config, &r.input.corpus.pages);
    r.input
        .graph
        .redirects
        .par_iter()
        .map(|redirect| {
            let mut context = Context::new();
            let to = &pages[redirect.to];
            context.insert("alias", &redirect.alias);
            let mut target = r.link(redirect.to);
            if let Some(anchor) = &redirect.anchor {
                target.href = Cow::Owned(format!("{}#{}", target.href, urls::encode_path(anchor)));
            }
            context.insert("target", &target);
            context.insert(
                "canonical",
                &urls::absolute(
                    config,
                    &urls::page_path(&config.kinds[to.kind].folder, &to.slug),
                ),
            );
            r.emit("redirect.html", &context, urls::file_for(&redirect.path))
        })
        .collect()
}

/// Every page, A to Z, grouped by first letter. (Rendering this and the timeline side by side
/// on rayon's workers saved 20 MiB at 10k pages but cost 0.05–0.1 s: allocation in the
/// workers' fragmented arenas is slower.)
pub(super) fn all_pages(r: &Renderer, _: &Partial) -> Vec<Made> {
    let pages = &r.input.corpus.pages;
    let mut sorted: Vec<PageId> = (0..pages.len()).collect();
    sorted.sort_by_cached_key(|&i| (normalize(&pages[i].title), i));
    let mut letters: Vec<(String, Vec<crate::render::LinkView>)> = Vec::new();
    for i in sorted {
        let letter = normalize(&pages[i].title)
            .chars()
            .next()
            .map(|c| {
                if c.is_alphabetic() {
                    c.to_uppercase().collect()
                } else {
                    "#".to_string()
                }
            })
            .unwrap_or_default();
        match letters.last_mut() {
            Some((l, list)) if *l == letter => list.push(r.link(i)),
            _ => letters.push((letter, vec![r.link(i)])),
        }
    }
    let groups: Vec<PageGroup> = letters
        .into_iter()
        .map(|(l, pages)| PageGroup {
            id: format!("letter-{}", slugify(&l)),
            name: Cow::Owned(l),
            pages,
        })
        .collect();
    let mut context = Context::new();
    context.insert("title", "All pages");
    context.insert("intro", "Every page of the wiki, A to Z.");
    context.insert("groups", &groups);
    vec![r.emit("special.html", &context, urls::file_for(urls::ALL_PAGES))]
}

/// Names that pages link to but no page has, each with the pages linking to it.
pub(super) fn wanted(r: &Renderer, _: &Partial) -> Vec<Made> {
    let wanted: Vec<PageGroup> = r
        .input
        .graph
        .wanted
        .iter()
        .map(|w| PageGroup {
            id: w.anchor.clone(),
            name: Cow::Borrowed(&w.name),
            pages: w.from.iter().map(|&p| r.link(p)).collect(),
        })
        .collect();
    let mut context = Context::new();
    context.insert("title", "Wanted pages");
    context.insert(
        "intro",
        "Names that pages link to but no page has yet. Red links lead here.",
    );
    context.insert("groups", &wanted);
    vec![r.emit("special.html", &context, urls::file_for(urls::WANTED))]
}

/// Orphans, pages the home page cannot reach, and pages citing no source.
pub(super) fn maintenance(r: &Renderer, _: &Partial) -> Vec<Made> {
    let graph = r.input.graph;
    let report = |name: &'static str, ids: &[PageId]| PageGroup {
        id: slugify(name),
        name: Cow::Borrowed(name),
        pages: ids.iter().map(|&p| r.link(p)).collect(),
    };
    let mut context = Context::new();
    context.insert("title", "Maintenance");
    context.insert("intro", "Pages that need an editor's attention.");
    context.insert(
        "groups",
        &vec![
            report("Orphans (no page links here)", &graph.orphans),
            report("Not reachable from the home page", &graph.unreachable),
            report("Pages citing no source", &graph.uncited),
        ],
    );
    vec![r.emit("special.html", &context, urls::file_for(urls::MAINTENANCE))]
}
