//! Incremental rebuilds (what `serve` runs after each save) give byte-identical output to a fresh
//! build, whatever the edit: body text, summary, infobox links, categories, citations, the home
//! page, or a change that touches names and so forces a full rebuild.

use kwiki::{Options, Session};

use crate::support::*;

fn options(site: &TestSite) -> Options {
    Options {
        root: site.root().to_path_buf(),
        out: Some(site.root().join("public")),
        base_url: None,
        strict: false,
        render_hook: None,
        remove_previous: None,
        on_stuck: None,
    }
}

fn fixture() -> TestSite {
    let site = TestSite::new();
    site.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nSee [[Alpha]], [[Beta]], [[Report]].\n",
    );
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "summary = \"First group.\"\nagency = \"Big Agency\"\nmembers = [\"Ann\"]\ncategories = [\"Bands\"]\nfeatured = true\n",
        "Alpha works with [[Beta]].[^r]\n\n[^r]: [[Report]]\n",
    );
    site.page(
        "content/groups/beta.md",
        "Beta",
        "summary = \"Second group.\"\nagency = \"Big Agency\"\n",
        "Beta admires [[Alpha]] and [[Ann]].[^r]\n\n[^r]: [[Report]]\n",
    );
    site.page(
        "content/people/ann.md",
        "Ann",
        "summary = \"A singer.\"\n",
        "Ann sings in [[Alpha]].\n",
    );
    site.page(
        "content/agencies/big-agency.md",
        "Big Agency",
        "",
        "An agency.\n",
    );
    site.page(
        "content/sources/report.md",
        "Report",
        "summary = \"A source.\"\n",
        "A report.\n",
    );
    site
}

/// The files of a fresh session's first build of the same tree.
fn fresh(site: &TestSite) -> Vec<kwiki::render::OutputFile> {
    let mut session = Session::new(options(site));
    let report = session.build();
    assert!(!report.failed, "{:?}", report.diagnostics);
    session.files().to_vec()
}

fn assert_same(site: &TestSite, session: &Session, step: &str) {
    let expected = fresh(site);
    let got = session.files();
    let paths =
        |f: &[kwiki::render::OutputFile]| f.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(got), paths(&expected), "{step}: file lists differ");
    for (a, b) in got.iter().zip(&expected) {
        assert!(
            a.bytes == b.bytes,
            "{step}: {} differs from a fresh build:\n--- incremental\n{}\n--- fresh\n{}",
            a.path,
            String::from_utf8_lossy(&a.bytes),
            String::from_utf8_lossy(&b.bytes)
        );
    }
}

#[test]
fn every_kind_of_edit_rebuilds_to_the_same_bytes_as_a_fresh_build() {
    every_kind_of_edit(false);
}

/// The same, told which file changed, as `serve`'s watcher does: only that page is read again.
#[test]
fn every_kind_of_edit_rebuilds_the_same_when_told_which_file_changed() {
    every_kind_of_edit(true);
}

fn every_kind_of_edit(hinted: bool) {
    let site = fixture();
    let mut session = Session::new(options(&site));
    assert!(!session.build().failed);
    assert!(!session.build().failed);

    let edits: Vec<(&str, &str, &str)> = vec![
        // (what, file, new text)
        (
            "body text",
            "content/people/ann.md",
            "+++\ntitle = \"Ann\"\nsummary = \"A singer.\"\n+++\nAnn sings and dances in [[Alpha]].\n",
        ),
        (
            "summary shown in relations and lists",
            "content/people/ann.md",
            "+++\ntitle = \"Ann\"\nsummary = \"A singer and dancer.\"\n+++\nAnn sings in [[Alpha]].\n",
        ),
        (
            "a new link and a dropped one",
            "content/groups/beta.md",
            "+++\ntitle = \"Beta\"\nsummary = \"Second group.\"\nagency = \"Big Agency\"\n+++\nBeta tours with [[Ann]] and [[Big Agency]].[^r]\n\n[^r]: [[Report]]\n",
        ),
        (
            "infobox link moved",
            "content/groups/alpha.md",
            "+++\ntitle = \"Alpha\"\nsummary = \"First group.\"\nmembers = [\"Ann\"]\ncategories = [\"Bands\"]\nfeatured = true\n+++\nAlpha works with [[Beta]].[^r]\n\n[^r]: [[Report]]\n",
        ),
        (
            "category renamed",
            "content/groups/alpha.md",
            "+++\ntitle = \"Alpha\"\nsummary = \"First group.\"\nmembers = [\"Ann\"]\ncategories = [\"Girl groups\"]\nfeatured = true\n+++\nAlpha works with [[Beta]].[^r]\n\n[^r]: [[Report]]\n",
        ),
        (
            "citation removed",
            "content/groups/beta.md",
            "+++\ntitle = \"Beta\"\nsummary = \"Second group.\"\n+++\nBeta tours with [[Ann]].\n",
        ),
        (
            "first paragraph, the summary of a page without one",
            "content/agencies/big-agency.md",
            "+++\ntitle = \"Big Agency\"\n+++\nA large agency.\n",
        ),
        (
            "home page",
            "content/_index.md",
            "+++\ntitle = \"Home\"\n+++\nStart at [[Beta]], then [[Alpha]] and [[Report]].\n",
        ),
        (
            "title changed: a full rebuild",
            "content/people/ann.md",
            "+++\ntitle = \"Ann Lee\"\naliases = [\"Ann\"]\nsummary = \"A singer.\"\n+++\nAnn sings in [[Alpha]].\n",
        ),
        (
            "after the full rebuild, body again",
            "content/groups/alpha.md",
            "+++\ntitle = \"Alpha\"\nsummary = \"The first group.\"\nmembers = [\"Ann\"]\nfeatured = true\n+++\nAlpha works with [[Beta]] and [[Ann Lee]].[^r]\n\n[^r]: [[Report]]\n",
        ),
    ];
    let mut incremental = 0;
    for (what, file, text) in edits {
        site.write(file, text);
        let report = if hinted {
            let path = site.root().canonicalize().unwrap().join(file);
            session.build_changed(&[path])
        } else {
            session.build()
        };
        assert!(!report.failed, "{what}: {:?}", report.diagnostics);
        incremental += usize::from(report.incremental);
        assert_same(&site, &session, what);
        // The diagnostics, too, are a fresh build's (a page not read again keeps its own).
        let fresh_report = Session::new(options(&site)).build();
        let show = |r: &kwiki::Report| {
            r.diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            show(&report),
            show(&fresh_report),
            "{what}: diagnostics differ"
        );
    }
    assert_eq!(
        incremental, 9,
        "every edit but the title change reuses the previous build"
    );
}

#[test]
fn a_failed_build_keeps_the_last_good_files_and_recovers() {
    let site = fixture();
    let mut session = Session::new(options(&site));
    assert!(!session.build().failed);
    let good = session.files().to_vec();
    site.write(
        "content/people/ann.md",
        "+++\ntitle = \"Ann\nbroken\n+++\nText.\n",
    );
    let report = session.build();
    assert!(report.failed);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.path == "content/people/ann.md" && d.position.is_some())
    );
    // `run` writes nothing on failure (the output folder keeps the last good files, and
    // `serve` its last good snapshot); the session forgets its state, so the next build is full.
    assert!(!good.is_empty());
    assert!(session.files().is_empty());
    site.write(
        "content/people/ann.md",
        "+++\ntitle = \"Ann\"\n+++\nAnn is back in [[Alpha]].\n",
    );
    let report = session.build();
    assert!(!report.failed, "{:?}", report.diagnostics);
    assert!(!report.incremental, "the build after a failed one is full");
    assert_same(&site, &session, "recovery");
}
