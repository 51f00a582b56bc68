//! The home page: `content/_index.md`'s text, the featured pages and the site's JSON-LD.

use tera::Context;

use super::Made;
use crate::render::{LinkView, Partial, Renderer, script_json};
use crate::urls;

pub(super) fn make(r: &Renderer, _: &Partial) -> Vec<Made> {
    let input = r.input;
    let config = input.config;
    let pages = &input.corpus.pages;
    let mut context = Context::new();
    let featured: Vec<LinkView> = (0..pages.len())
        .filter(|&i| pages[i].featured)
        .map(|i| r.link(i))
        .collect();
    let home = input.corpus.home.as_ref();
    context.insert(
        "title",
        &home
            .and_then(|h| h.title.clone())
            .unwrap_or_else(|| config.title.clone()),
    );
    context.insert(
        "summary",
        &home
            .and_then(|h| h.summary.clone())
            .unwrap_or_else(|| config.description.clone()),
    );
    context.insert("intro", &input.home.map_or("", |h| h.html.as_str()));
    context.insert("featured", &featured);
    context.insert("page_count", &pages.len());
    context.insert("category_count", &input.graph.categories.len());
    context.insert(
        "json_ld",
        &script_json(&serde_json::json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": config.title,
            "url": config.base_url,
            "description": config.description,
            "potentialAction": {
                "@type": "SearchAction",
                "target": format!("{}?q={{query}}", urls::absolute(config, urls::SEARCH)),
                "query-input": "required name=query",
            },
        })),
    );
    vec![r.emit("home.html", &context, "index.html".into())]
}
