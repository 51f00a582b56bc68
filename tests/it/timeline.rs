//! The timeline page: every page with a date, once, by year; and each dated page's link to its
//! year there.

use crate::support::{TestSite, repo, stderr};

/// How often the timeline links `href`.
fn times_listed(timeline: &str, href: &str) -> usize {
    timeline.matches(&format!("<a href=\"{href}\">")).count()
}

/// The timeline's entries for a page's own date (not the start or end of a relation, which
/// name a second page after the label).
fn date_entries(timeline: &str) -> Vec<&str> {
    timeline
        .split("<li><time")
        .skip(1)
        .map(|e| e.split("</li>").next().unwrap_or(e))
        .filter(|e| !e.contains("</span>: <a"))
        .collect()
}

#[test]
fn the_timeline_lists_every_dated_page_once_by_year() {
    let site = TestSite::new();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "debut = 2013\n",
        "Links [[Beta]] and [[Gamma]] and [[Dee]].\n",
    );
    site.page(
        "content/groups/beta.md",
        "Beta",
        "debut = 2013\n",
        "Links [[Alpha]].\n",
    );
    site.page(
        "content/groups/gamma.md",
        "Gamma",
        "",
        "No date. Links [[Alpha]].\n",
    );
    site.page(
        "content/people/dee.md",
        "Dee",
        "born = 1997\n",
        "Links [[Alpha]].\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let timeline = site.read("special/timeline/index.html");
    for (href, n) in [
        ("/kpop-wiki/groups/alpha/", 1),
        ("/kpop-wiki/groups/beta/", 1),
        ("/kpop-wiki/people/dee/", 1),
        ("/kpop-wiki/groups/gamma/", 0),
    ] {
        assert_eq!(times_listed(&timeline, href), n, "{href} in\n{timeline}");
    }
    // Years in order, the two 2013 debuts in title order under one heading.
    let at = |s: &str| timeline.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("id=\"year-1997\"") < at("id=\"year-2013\""));
    assert!(at("groups/alpha/") < at("groups/beta/"));
    assert_eq!(timeline.matches("<h2>2013</h2>").count(), 1);
    // Each dated page links its year on the timeline from its infobox; an undated one does not.
    let alpha = site.read("groups/alpha/index.html");
    assert!(
        alpha.contains("<a class=\"this-year\" href=\"/kpop-wiki/special/timeline/#year-2013\">this year in the wiki</a>"),
        "{alpha}"
    );
    assert!(!site.read("groups/gamma/index.html").contains("this-year"));
    assert!(
        site.read("people/dee/index.html")
            .contains("#year-1997\">this year in the wiki")
    );
    // Linked from every page's footer, and in the sitemap.
    assert!(alpha.contains("href=\"/kpop-wiki/special/timeline/\">Timeline</a>"));
    assert!(site.read("sitemap.xml").contains("special/timeline/"));
}

#[test]
fn the_real_wikis_timeline_lists_each_dated_page_exactly_once() {
    let root = repo();
    let mut diagnostics = kwiki::diagnostics::Diagnostics::default();
    let (config, _) = kwiki::config::Config::load(&root, &mut diagnostics).expect("site.toml");
    let corpus = kwiki::content::load(&root, &config, &mut diagnostics);
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["build", "--root"])
        .arg(&root)
        .arg("--out")
        .arg(&public)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let timeline = std::fs::read_to_string(public.join("special/timeline/index.html")).unwrap();
    let mut dated = 0;
    for page in &corpus.pages {
        let folder = &config.kinds[page.kind].folder;
        let href = format!(
            "{}{}",
            config.base_path,
            kwiki::urls::page_path(folder, &page.slug)
        );
        let expected = usize::from(kwiki::render::dated(&config, page).is_some());
        dated += expected;
        let link = format!("<a href=\"{href}\">");
        let listed = date_entries(&timeline)
            .iter()
            .filter(|e| e.contains(&link))
            .count();
        assert_eq!(listed, expected, "{}", page.path);
    }
    assert!(dated > 0, "the wiki has dated pages");
    assert_eq!(date_entries(&timeline).len(), dated);
}
