//! Pages whose content is all in their template: 404, search results, random page.

use tera::Context;

use super::Made;
use crate::render::{Partial, Renderer};
use crate::urls;

pub(super) fn make(r: &Renderer, _: &Partial) -> Vec<Made> {
    let context = Context::new();
    vec![
        r.emit("404.html", &context, "404.html".into()),
        r.emit("search.html", &context, urls::file_for(urls::SEARCH)),
        r.emit("random.html", &context, urls::file_for(urls::RANDOM)),
    ]
}
