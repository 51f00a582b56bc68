//! What a reader's browser receives beyond the article text: dates from git history, the Atom
//! feed, the search index, metadata, and the weight of what every page loads.

use std::process::Command;

use crate::support::*;

fn site() -> TestSite {
    let site = TestSite::new();
    site.page(
        "content/groups/beyonce-club.md",
        "Beyoncé Club",
        "aliases = [\"비욘세 클럽\"]\nsummary = \"A group.\"\n",
        "The group sings about choreography.[^s]\n\n[^s]: [[Report]]\n",
    );
    site.page(
        "content/sources/report.md",
        "Report",
        "summary = \"A source.\"\n",
        "A report on [[Beyoncé Club]] and choreography, choreography, choreography.\n",
    );
    site
}

fn git(site: &TestSite, args: &[&str], date: &str) {
    let out = Command::new("git")
        .args(args)
        .current_dir(site.root())
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

#[test]
fn pages_carry_their_last_git_edit_and_the_feed_lists_newest_first() {
    let site = site();
    git(&site, &["init", "-q", "-b", "main"], "2026-01-01T00:00:00Z");
    git(&site, &["add", "."], "2026-01-01T00:00:00Z");
    git(
        &site,
        &["commit", "-qm", "first"],
        "2026-01-02T10:00:00+09:00",
    );
    site.page(
        "content/sources/report.md",
        "Report",
        "summary = \"A source, revised.\"\n",
        "A report on [[Beyoncé Club]] and choreography.\n",
    );
    git(&site, &["commit", "-qam", "second"], "2026-03-04T05:06:07Z");
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));

    let report = site.read("sources/report/index.html");
    assert!(
        report.contains(r#"Last edited <time datetime="2026-03-04T05:06:07Z">2026-03-04</time>"#),
        "{}",
        between(&report, "<p class=\"edit\">", "</p>")
    );
    // The page's own history page (the hosting site's list of commits when it is off:
    // `history::toggles_off_leave_no_files_and_no_links`).
    assert!(report.contains(r#"<a href="/kpop-wiki/sources/report/history/">History</a>"#));
    assert!(report.contains(r#""dateModified":"2026-03-04T05:06:07Z""#));
    assert!(report.contains(r#""datePublished":"2026-01-02T10:00:00+09:00""#));
    let club = site.read("groups/beyonce-club/index.html");
    assert!(club.contains(r#"<time datetime="2026-01-02T10:00:00+09:00">2026-01-02</time>"#));

    assert!(
        report.contains(r#"<link rel="alternate" type="application/atom+xml""#),
        "pages link the feed when there is one"
    );
    assert!(
        !stderr(&out).contains("note:"),
        "a full history needs no note: {}",
        stderr(&out)
    );
    let feed = site.read("feed.xml");
    assert!(feed.contains("<updated>2026-03-04T05:06:07Z</updated>\n  <author>"));
    let report_at = feed.find("<title>Report</title>").expect("report in feed");
    let club_at = feed
        .find("<title>Beyoncé Club</title>")
        .expect("club in feed");
    assert!(report_at < club_at, "newest first:\n{feed}");
    assert!(feed.contains("<summary>A source, revised.</summary>"));
    assert!(feed.contains("<id>https://example.github.io/kpop-wiki/sources/report/</id>"));
}

#[test]
fn outside_git_there_are_no_dates_no_1970_and_one_note_saying_why() {
    let site = site();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err.matches("note: content/ is not in a git checkout")
            .count(),
        1,
        "said once why dates are missing:\n{err}"
    );
    let club = site.read("groups/beyonce-club/index.html");
    assert!(!club.contains("Last edited"));
    assert!(!club.contains("dateModified"));
    assert!(club.contains("Edit this page"));
    // No feed dated 1970: no feed at all, and no page links one.
    assert!(!site.exists("feed.xml"));
    assert!(!club.contains("application/atom+xml") && !club.contains("feed.xml"));
    for entry in walkdir::WalkDir::new(site.root().join("public")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("1970"),
                "{} mentions 1970",
                entry.path().display()
            );
        }
    }
    // A shallow clone says so too.
    git(&site, &["init", "-q", "-b", "main"], "2026-01-01T00:00:00Z");
    git(&site, &["add", "."], "2026-01-01T00:00:00Z");
    git(&site, &["commit", "-qm", "one"], "2026-01-02T00:00:00Z");
    site.page("content/sources/report.md", "Report", "", "Edited.\n");
    git(&site, &["commit", "-qam", "two"], "2026-01-03T00:00:00Z");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", site.root().display());
    let cloned = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(clone.path().join("site"))
        .output()
        .unwrap();
    assert!(cloned.status.success(), "{}", stderr(&cloned));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["build", "--root"])
        .arg(clone.path().join("site"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: this is a shallow git clone"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_search_index_has_every_page_and_shards_its_text_by_folded_prefix() {
    let site = site();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let index: serde_json::Value = serde_json::from_str(&site.read("search/index.json")).unwrap();
    let docs = index["docs"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    let club = docs
        .iter()
        .position(|d| d[0] == "Beyoncé Club")
        .expect("club indexed");
    assert_eq!(docs[club][2], "groups/beyonce-club/");
    assert_eq!(docs[club][3][0], "비욘세 클럽");
    assert_eq!(
        index["kinds"][docs[club][1].as_u64().unwrap() as usize],
        "Group"
    );

    // "beyonce" (folded from "Beyoncé") lives in the `be` shard; "choreography" ranks the
    // report (three uses) before the group (one).
    let be: serde_json::Value = serde_json::from_str(&site.read("search/t/62-65.json")).unwrap();
    assert!(be["beyonce"].as_array().unwrap().contains(&club.into()));
    let ch: serde_json::Value = serde_json::from_str(&site.read("search/t/63-68.json")).unwrap();
    let report = 1 - club;
    assert_eq!(ch["choreography"], serde_json::json!([report, club]));
    // Hangul is decomposed into jamo, as the browser folds it: 비 = U+1107 U+1175.
    assert!(site.exists("search/t/1107-1175.json"));
}

#[test]
fn pages_carry_social_metadata_and_a_schema_org_type_per_kind() {
    let site = site();
    assert!(site.build().status.success());
    let club = site.read("groups/beyonce-club/index.html");
    for needle in [
        r#"<meta property="og:title" content="Beyoncé Club">"#,
        r#"<meta property="og:type" content="article">"#,
        r#"<meta property="og:url" content="https://example.github.io/kpop-wiki/groups/beyonce-club/">"#,
        r#"<meta name="twitter:card" content="summary">"#,
        r#""@type":"MusicGroup""#,
        r#"data-kind="Group""#,
    ] {
        assert!(club.contains(needle), "missing {needle}");
    }
    let home = site.read("index.html");
    assert!(home.contains(r#""@type":"WebSite""#) && home.contains("SearchAction"));
    let not_found = site.read("404.html");
    assert!(not_found.contains(r#"action="/kpop-wiki/special/search/""#));
    assert!(not_found.contains(r#"href="/kpop-wiki/style.css""#));
    assert!(site.exists("special/search/index.html") && site.exists("special/random/index.html"));
}

/// The issue's budget: the CSS and JS every page loads stay under 40 KB together, and no page
/// loads the search index up front (the script fetches it on first use).
#[test]
fn every_page_loads_under_40_kb_of_css_and_js_and_no_search_index() {
    let out = tempfile::tempdir().unwrap();
    let built = Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["build", "--root"])
        .arg(repo())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(out.path()) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(entry.path()).unwrap();
        let mut assets = Vec::new();
        for (tag, attr) in [
            ("<link rel=\"stylesheet\"", "href=\""),
            ("<script", "src=\""),
        ] {
            for (at, _) in html.match_indices(tag) {
                let rest = &html[at..];
                let end = rest.find('>').unwrap();
                if let Some(i) = rest[..end].find(attr) {
                    let url = &rest[i + attr.len()..];
                    assets.push(url[..url.find('"').unwrap()].to_string());
                }
            }
        }
        let bytes: u64 = assets
            .iter()
            .map(|url| {
                let local = url.strip_prefix("/kpop-wiki/").unwrap_or_else(|| {
                    panic!(
                        "{}: asset {url} is not under the base path",
                        entry.path().display()
                    )
                });
                assert!(!local.starts_with("search/"), "{url} loaded up front");
                std::fs::metadata(out.path().join(local)).unwrap().len()
            })
            .sum();
        assert!(
            bytes < 40 * 1024,
            "{} loads {bytes} bytes of CSS and JS: {assets:?}",
            entry.path().display()
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} pages found");
}
