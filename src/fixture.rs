//! A tiny site, run through the pure stages one by one, for the unit tests of `markdown`,
//! `graph` and `render`. Test-only.

use std::path::Path;

use crate::config::Config;
use crate::content::{self, Corpus};
use crate::diagnostics::Diagnostics;
use crate::graph::{self, LinkGraph};
use crate::markdown::{self, RenderedBody, Resolver};
use crate::names::Index;
use crate::urls;

pub const SITE_TOML: &str = r#"title = "Test Wiki"
description = "A fixture."
base_url = "https://example.org/wiki/"

[kinds.group]
folder = "groups"
name = "Group"
plural = "Groups"
[kinds.group.fields]
members = { label = "Members", link = "person", many = true, inverse = "Member of" }
debut   = { label = "Debut", type = "year" }

[kinds.person]
folder = "people"
name = "Person"
plural = "People"

[kinds.source]
folder = "sources"
name = "Source"
plural = "Sources"
"#;

/// The pages: Alpha (a group with members Ann and Bo, who is not written), Ann (links to Alpha
/// and cites the report), Beta (links to Ann twice and to a missing page), the report.
pub const PAGES: &[(&str, &str)] = &[
    (
        "groups/alpha.md",
        "+++\ntitle = \"Alpha\"\naliases = [\"The Alphas\"]\nmembers = [\"Ann\", \"Bo\"]\ndebut = 2018\n+++\nAlpha is a group.\n\n## History\n\nAlpha formed in 2018.\n\n## Members\n\nTwo.\n\n## Music\n\nSongs.\n",
    ),
    (
        "people/ann.md",
        "+++\ntitle = \"Ann\"\n+++\nAnn sings in [[The Alphas|Alpha]]. She was praised.[^r]\n\n[^r]: [[Report]]\n",
    ),
    (
        "groups/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nBeta covered a song by [[Ann]]. Later [[Ann]] joined them, and [[Nobody]] did not.\n",
    ),
    (
        "sources/report.md",
        "+++\ntitle = \"Report\"\n+++\nA report.\n",
    ),
];

/// Every product of the stages up to the link graph.
pub struct Built {
    pub config: Config,
    pub corpus: Corpus,
    pub hrefs: Vec<String>,
    pub bodies: Vec<RenderedBody>,
    pub graph: LinkGraph,
}

impl Built {
    /// The id of the page titled `title`.
    pub fn id(&self, title: &str) -> usize {
        self.corpus
            .pages
            .iter()
            .position(|p| p.title == title)
            .unwrap_or_else(|| panic!("no page {title}"))
    }
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Loads [`PAGES`] from a scratch folder, then runs the name index, the Markdown pass and the
/// link graph as `lib` does.
pub fn build() -> Built {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in PAGES {
        write(dir.path(), &format!("content/{path}"), text);
    }
    let mut diagnostics = Diagnostics::default();
    let config = Config::parse(SITE_TOML, &mut diagnostics).unwrap();
    let corpus = content::load(dir.path(), &config, &mut diagnostics);
    assert!(
        !diagnostics.has_errors(),
        "{:?}",
        diagnostics.iter().collect::<Vec<_>>()
    );
    let (index, clashes) = Index::build(
        corpus
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.title.as_str(), p.aliases.iter().map(|a| a.0.as_str()))),
    );
    assert!(clashes.is_empty());
    let hrefs: Vec<String> = corpus
        .pages
        .iter()
        .map(|p| {
            urls::href(
                &config,
                &urls::page_path(&config.kinds[p.kind].folder, &p.slug),
            )
        })
        .collect();
    let source_kind = config.kind_by_id("source");
    let resolver = Resolver {
        config: &config,
        index: &index,
        pages: &corpus.pages,
        hrefs: &hrefs,
        source_kind,
    };
    let bodies: Vec<RenderedBody> = corpus
        .pages
        .iter()
        .map(|p| markdown::render(&resolver, &p.path, &p.text, p.body_offset))
        .collect();
    let mut graph_diagnostics = crate::diagnostics::Diagnostics::default();
    let graph = graph::build(
        &graph::GraphInput {
            config: &config,
            pages: &corpus.pages,
            index: &index,
            bodies: &bodies,
            home: None,
            source_kind,
            previous: None,
            changed: None,
            keep: false,
        },
        &mut graph_diagnostics,
    );
    Built {
        config,
        corpus,
        hrefs,
        bodies,
        graph,
    }
}
