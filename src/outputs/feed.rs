//! Files for feed readers and crawlers: the Atom feed (only when some page has a git date),
//! the sitemap, robots.txt and `.nojekyll`. They are kept, not streamed: they are written with
//! the build's last files.

use super::Made;
use crate::render::{OutputFile, Partial, Renderer};
use crate::urls;

fn file(path: &str, bytes: Vec<u8>) -> Made {
    Ok(Some(OutputFile {
        path: path.into(),
        bytes: bytes.into(),
    }))
}

/// No dated page (no git history): no feed, rather than one dated 1970.
pub(super) fn feed(r: &Renderer, _: &Partial) -> Vec<Made> {
    r.feed()
        .map(|feed| file(urls::FEED, feed.into_bytes()))
        .into_iter()
        .collect()
}

pub(super) fn sitemap(r: &Renderer, _: &Partial) -> Vec<Made> {
    vec![file("sitemap.xml", r.sitemap().into_bytes())]
}

pub(super) fn robots(r: &Renderer, _: &Partial) -> Vec<Made> {
    let robots = format!(
        "User-agent: *\nAllow: /\nSitemap: {}sitemap.xml\n",
        r.input.config.base_url
    );
    vec![
        file("robots.txt", robots.into_bytes()),
        file(".nojekyll", Vec::new()),
    ]
}
