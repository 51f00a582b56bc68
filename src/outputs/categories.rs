//! The list of categories and one page per category (all of them when any changed: one can
//! vanish).

use std::borrow::Cow;

use rayon::prelude::*;
use tera::Context;

use super::Made;
use crate::render::{LinkView, Partial, Renderer};
use crate::urls;

pub(super) fn make(r: &Renderer, _: &Partial) -> Vec<Made> {
    let (config, graph) = (r.input.config, r.input.graph);
    let category_links: Vec<LinkView> = graph
        .categories
        .iter()
        .map(|c| LinkView {
            title: Cow::Borrowed(&c.name),
            href: Cow::Owned(urls::href(config, &c.path)),
            kind: Cow::Borrowed("Category"),
            summary: Cow::Owned(match c.pages.len() {
                1 => "1 page".to_string(),
                n => format!("{n} pages"),
            }),
        })
        .collect();
    let mut context = Context::new();
    context.insert("categories", &category_links);
    let mut out = vec![r.emit(
        "categories.html",
        &context,
        urls::file_for(urls::CATEGORIES),
    )];
    out.par_extend(graph.categories.par_iter().map(|c| {
        let mut context = Context::new();
        context.insert("name", &c.name);
        context.insert(
            "pages",
            &c.pages.iter().map(|&p| r.link(p)).collect::<Vec<_>>(),
        );
        context.insert(
            "feed_href",
            &super::revisions::list_feed_href(r, &c.path, &c.pages),
        );
        r.emit("category.html", &context, urls::file_for(&c.path))
    }));
    out
}
