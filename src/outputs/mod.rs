//! Every file the renderer makes besides the pages themselves, registered in one list,
//! [`OUTPUTS`], each with the rule ([`Stale`]) that says when an incremental build must make it
//! again. The pages are rendered per [`crate::plan::Plan`]; the search index by the build's
//! search stage.
//!
//! To add a special page or an output format: a module here with a function
//! `fn make(r: &Renderer, partial: &Partial) -> Vec<Made>` (render with `r.emit(template,
//! &context, path)`, or build the bytes yourself and return `Ok(Some(file))`), and one line in
//! [`OUTPUTS`] naming it and its rule. A new template also goes into `templates/README.md`.

mod categories;
mod data;
mod feed;
mod fixed;
mod home;
mod kinds;
mod lists;
mod network;
pub(crate) mod revisions;
mod timeline;

use crate::diagnostics::Diagnostic;
use crate::render::{OutputFile, Partial, Renderer};

/// A made file: `Ok(None)` when it was handed to a streaming build's sink and not kept.
pub(crate) type Made = Result<Option<OutputFile>, Diagnostic>;

/// When an incremental build makes an output again (a full build makes every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stale {
    /// After every build: it shows something of every page, or a date.
    Always,
    /// Only in a full build: it depends on names only (which a full build follows).
    Names,
    /// When a page's entry in lists changed (title, summary, infobox); the output itself
    /// picks the affected kinds or names (`Partial::listed`).
    Listed,
    /// When categories or the entries they list changed.
    Categories,
    /// When some page's summary changed.
    Summaries,
    /// When the wanted pages changed.
    Wanted,
    /// When the maintenance lists changed.
    Maintenance,
    /// When some page's links or relations changed.
    Links,
}

impl Stale {
    fn holds(self, partial: &Partial) -> bool {
        partial.full
            || match self {
                Stale::Always => true,
                Stale::Names => false,
                Stale::Listed => !partial.listed.is_empty(),
                Stale::Categories => partial.categories_changed,
                Stale::Summaries => partial.summaries_changed,
                Stale::Wanted => partial.wanted_changed,
                Stale::Maintenance => partial.maintenance_changed,
                Stale::Links => partial.links_changed,
            }
    }
}

pub(crate) struct Output {
    /// What the output is, for a reader of the list (and the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: &'static str,
    pub stale: Stale,
    /// Made beside the other outputs, on another thread (a long computation, such as the
    /// network's force layout), instead of after them.
    pub beside: bool,
    pub make: fn(&Renderer, &Partial) -> Vec<Made>,
}

/// Every output, and when it is made again.
pub(crate) const OUTPUTS: &[Output] = &[
    Output {
        name: "home page",
        stale: Stale::Always,
        beside: false,
        make: home::make,
    },
    Output {
        name: "kind indexes",
        stale: Stale::Listed,
        beside: false,
        make: kinds::make,
    },
    Output {
        name: "categories",
        stale: Stale::Categories,
        beside: false,
        make: categories::make,
    },
    Output {
        name: "disambiguations",
        stale: Stale::Listed,
        beside: false,
        make: lists::disambiguations,
    },
    Output {
        name: "redirects",
        stale: Stale::Names,
        beside: false,
        make: lists::redirects,
    },
    Output {
        name: "all pages A-Z",
        stale: Stale::Summaries,
        beside: false,
        make: lists::all_pages,
    },
    Output {
        name: "timeline",
        stale: Stale::Listed,
        beside: false,
        make: timeline::make,
    },
    Output {
        name: "wanted pages",
        stale: Stale::Wanted,
        beside: false,
        make: lists::wanted,
    },
    Output {
        name: "maintenance",
        stale: Stale::Maintenance,
        beside: false,
        make: lists::maintenance,
    },
    Output {
        name: "404, search and random pages",
        stale: Stale::Names,
        beside: false,
        make: fixed::make,
    },
    Output {
        name: "network",
        stale: Stale::Links,
        beside: true,
        make: network::make,
    },
    Output {
        name: "Atom feed",
        stale: Stale::Always,
        beside: false,
        make: feed::feed,
    },
    Output {
        name: "recent changes",
        stale: Stale::Names,
        beside: false,
        make: revisions::recent_changes,
    },
    Output {
        name: "kind and category feeds",
        stale: Stale::Always,
        beside: false,
        make: revisions::list_feeds,
    },
    Output {
        name: "JSON of every page, kind and the wiki",
        stale: Stale::Always,
        beside: false,
        make: data::collections,
    },
    Output {
        name: "kind CSV tables",
        stale: Stale::Always,
        beside: false,
        make: data::tables,
    },
    Output {
        name: "sitemap",
        stale: Stale::Always,
        beside: false,
        make: feed::sitemap,
    },
    Output {
        name: "robots.txt and .nojekyll",
        stale: Stale::Always,
        beside: false,
        make: feed::robots,
    },
];

/// The files made beside each page, rendered with it (so they follow its edits and its
/// neighbours' by `plan::affected`'s rules for the page): its history page and its feed, each
/// when `site.toml` has it on. (Its JSON is made with the kind's and the wiki's, in `data`.)
pub(crate) fn beside_page(r: &Renderer, id: crate::content::PageId) -> Vec<Made> {
    revisions::beside_page(r, id)
}

/// Makes every output whose rule holds: the ones marked `beside` on one thread, the others
/// (in list order) on another.
pub(crate) fn make_all(r: &Renderer, partial: &Partial) -> Vec<Made> {
    use rayon::prelude::*;
    let due = |beside: bool| {
        OUTPUTS
            .iter()
            .filter(move |o| o.beside == beside && o.stale.holds(partial))
    };
    let (mut beside, rest): (Vec<Made>, Vec<Made>) = rayon::join(
        || {
            due(true)
                .collect::<Vec<_>>()
                .into_par_iter()
                .flat_map_iter(|o| (o.make)(r, partial))
                .collect()
        },
        || due(false).flat_map(|o| (o.make)(r, partial)).collect(),
    );
    beside.extend(rest);
    beside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_have_distinct_names_and_a_full_build_makes_every_one() {
        let mut names: Vec<&str> = OUTPUTS.iter().map(|o| o.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OUTPUTS.len());
        let everything = Partial::everything();
        assert!(OUTPUTS.iter().all(|o| o.stale.holds(&everything)));
        // An incremental build with nothing changed makes only what every build makes.
        let nothing = Partial {
            full: false,
            categories_changed: false,
            summaries_changed: false,
            wanted_changed: false,
            maintenance_changed: false,
            links_changed: false,
            ..Partial::everything()
        };
        let due: Vec<&str> = OUTPUTS
            .iter()
            .filter(|o| o.stale.holds(&nothing))
            .map(|o| o.name)
            .collect();
        assert_eq!(
            due,
            [
                "home page",
                "Atom feed",
                "kind and category feeds",
                "JSON of every page, kind and the wiki",
                "kind CSV tables",
                "sitemap",
                "robots.txt and .nojekyll"
            ]
        );
    }
}
