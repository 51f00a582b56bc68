//! What a successful build produces: pages with infobox, relations, backlinks, categories and
//! citations; generated pages; URLs under the base path; determinism.

use crate::support::*;

pub(crate) fn site() -> TestSite {
    let site = TestSite::new();
    site.page(
        "content/groups/ateez.md",
        "Ateez",
        "aliases = [\"ATEEZ\", \"에이티즈\"]\nagency = \"KQ Entertainment\"\nmembers = [\"Hongjoong\", \"Nobody Yet\"]\ndebut = 2018\ncategories = [\"Export-oriented idols\"]\nsummary = \"Boy group popular abroad.\"\n",
        "**Ateez** signed with [[KQ Entertainment]]. Critics noticed.[^h]\n\n## Abroad\n\nThey tour a lot.[^h]\n\n[^h]: [[When K-pop stays abroad]], quoting a critic.\n",
    )
    .page("content/people/hongjoong.md", "Hongjoong", "born = 1998\n", "Leader. He praised [[Ateez]] in interviews. Other text.[^h]\n\n[^h]: [[When K-pop stays abroad]]\n")
    .page("content/agencies/kq-entertainment.md", "KQ Entertainment", "categories = [\"Export-oriented idols\"]\n", "An agency.\n")
    .page("content/songs/wonderland.md", "Wonderland", "artist = \"Ateez\"\n", "A song by [[Ateez]].\n")
    .page("content/sources/herald.md", "When K-pop stays abroad", "publisher = \"Korea Herald\"\n", "A news article.\n")
    .write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nStart with [[Ateez]].\n");
    site
}

#[test]
fn a_page_has_infobox_relations_backlinks_categories_and_notes() {
    let site = site();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(
        summary.starts_with("Built 5 pages, 1 redirect, 4 warnings in "),
        "one summary line: {summary}"
    );
    let warnings = stderr(&out);
    for expected in [
        "content/groups/ateez.md:5:25: warning[red-link]: field 'members': no page is titled or aliased \"Nobody Yet\"",
        "content/songs/wonderland.md: warning[orphan]",
        "content/songs/wonderland.md: warning[uncited-page]",
        "content/agencies/kq-entertainment.md: warning[uncited-page]",
    ] {
        assert!(
            warnings.contains(expected),
            "{expected} missing from {warnings}"
        );
    }
    let ateez = site.read("groups/ateez/index.html");
    insta::assert_snapshot!(
        "ateez_infobox",
        between(&ateez, "<aside class=\"infobox\"", "</aside>")
    );
    insta::assert_snapshot!(
        "ateez_notes",
        between(&ateez, "<section class=\"notes\"", "</section>")
    );
    // The picture between them has its own snapshot (pictures.rs).
    let relations = between(&ateez, "<section class=\"relation\"", "</nav>");
    let picture = between(relations, "<section class=\"graph\"", "</section>");
    insta::assert_snapshot!(
        "ateez_relations_and_backlinks",
        relations.replace(picture, "")
    );
    let kq = site.read("agencies/kq-entertainment/index.html");
    assert!(
        kq.contains("<h2>Artists</h2>") && kq.contains("href=\"/kpop-wiki/groups/ateez/\""),
        "inverse relation: {kq}"
    );
    let hongjoong = site.read("people/hongjoong/index.html");
    assert!(
        hongjoong.contains("<h2>Member of</h2>"),
        "inverse relation on a person"
    );
    let source = site.read("sources/herald/index.html");
    let cited = between(&source, "<section class=\"cited-by\"", "</section>");
    assert!(
        cited.contains("Ateez") && cited.contains("Hongjoong"),
        "{cited}"
    );
    assert!(
        !source.contains("<h3>Groups</h3>"),
        "citations are listed as 'Cited by', not as backlinks"
    );
}

#[test]
fn generated_pages_exist_and_honour_the_base_path() {
    let site = site();
    assert!(site.build().status.success());
    for path in [
        "index.html",
        "groups/index.html",
        "people/index.html",
        "categories/index.html",
        "categories/export-oriented-idols/index.html",
        "special/all-pages/index.html",
        "special/wanted/index.html",
        "special/maintenance/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        ".nojekyll",
        "style.css",
    ] {
        assert!(site.exists(path), "{path} missing");
    }
    let redirect = site.read("groups/에이티즈/index.html");
    assert!(
        redirect
            .contains("<meta http-equiv=\"refresh\" content=\"0; url=/kpop-wiki/groups/ateez/\">"),
        "{redirect}"
    );
    assert!(
        redirect.contains(
            "<link rel=\"canonical\" href=\"https://example.github.io/kpop-wiki/groups/ateez/\">"
        ),
        "{redirect}"
    );
    assert!(!site.exists("groups/ateez-2/index.html"));
    let category = site.read("categories/export-oriented-idols/index.html");
    assert!(
        category.contains("Ateez") && category.contains("KQ Entertainment"),
        "{category}"
    );
    let sitemap = site.read("sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.github.io/kpop-wiki/groups/ateez/</loc>"),
        "{sitemap}"
    );
    assert!(
        site.read("robots.txt")
            .contains("Sitemap: https://example.github.io/kpop-wiki/sitemap.xml")
    );
    let not_found = site.read("404.html");
    assert!(
        not_found.contains("href=\"/kpop-wiki/\"") && not_found.contains("/kpop-wiki/style.css"),
        "404 works under the subpath"
    );
    // Every root-relative href or src in every HTML file starts with the base path.
    for entry in walkdir::WalkDir::new(site.root().join("public")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(entry.path()).unwrap();
            for attr in ["href=\"/", "src=\"/", "url=/"] {
                for (i, _) in html.match_indices(attr) {
                    assert!(
                        html[i + attr.len()..].starts_with("kpop-wiki/"),
                        "{}: {}",
                        entry.path().display(),
                        &html[i..(i + 60).min(html.len())]
                    );
                }
            }
        }
    }
}

#[test]
fn base_url_flag_moves_the_site_to_a_domain_root() {
    let site = site();
    let out = site.kwiki(&["build", "--base-url", "https://wiki.example.org"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("groups/ateez/index.html");
    assert!(
        html.contains("href=\"/style.css\"")
            && html.contains(
                "<link rel=\"canonical\" href=\"https://wiki.example.org/groups/ateez/\">"
            ),
        "{html}"
    );
    let bad = site.kwiki(&["build", "--base-url", "wiki.example.org"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("--base-url: error[config]"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn backlinks_carry_the_sentence_around_the_link_grouped_by_kind() {
    let site = site();
    assert!(site.build().status.success());
    let html = site.read("groups/ateez/index.html");
    let backlinks = between(&html, "<section class=\"backlinks\"", "</section>");
    assert!(backlinks.contains("<h3>People</h3>"), "{backlinks}");
    // Wonderland names Ateez as its artist: the "Songs" relation list shows it, so What links
    // here does not list it again (issue 22).
    let relations = between(&html, "<section class=\"relation\"", "</section>");
    assert!(relations.contains(">Wonderland<"), "{relations}");
    assert!(!backlinks.contains("Wonderland"), "{backlinks}");
    assert!(
        backlinks.contains("<blockquote>He praised Ateez in interviews.</blockquote>"),
        "{backlinks}"
    );
}

#[test]
fn check_writes_nothing_and_build_is_deterministic() {
    let site = site();
    let check = site.kwiki(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(!site.root().join("public").exists(), "check must not write");
    let a = site.root().join("a");
    let b = site.root().join("b");
    assert!(
        site.kwiki(&["build", "--out", a.to_str().unwrap()])
            .status
            .success()
    );
    assert!(
        site.kwiki(&["build", "--out", b.to_str().unwrap()])
            .status
            .success()
    );
    let files = |dir: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path()
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let (fa, fb) = (files(&a), files(&b));
    assert!(fa.len() > 10);
    assert_eq!(
        fa, fb,
        "two builds of the same input must be byte-identical"
    );
}

#[test]
fn a_rebuild_replaces_the_previous_output() {
    let site = site();
    assert!(site.build().status.success());
    site.write(
        "content/people/new-person.md",
        "+++\ntitle = \"New Person\"\n+++\nLinks [[Ateez]].\n",
    );
    std::fs::remove_file(site.root().join("content/songs/wonderland.md")).unwrap();
    assert!(site.build().status.success());
    assert!(site.exists("people/new-person/index.html"));
    assert!(
        !site.exists("songs/wonderland/index.html"),
        "stale pages disappear"
    );
}

#[test]
fn refuses_output_folders_that_would_destroy_sources() {
    let site = site();
    for out in [".", "content", "templates/x"] {
        let result = site.kwiki(&["build", "--out", site.root().join(out).to_str().unwrap()]);
        assert_eq!(
            result.status.code(),
            Some(2),
            "--out {out}: {}",
            stderr(&result)
        );
        assert!(stderr(&result).contains("refusing"), "{}", stderr(&result));
    }
    site.write("elsewhere/notes.txt", "mine");
    let result = site.kwiki(&[
        "build",
        "--out",
        site.root().join("elsewhere").to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(2));
    assert!(
        stderr(&result).contains("not empty and was not made by kwiki"),
        "{}",
        stderr(&result)
    );
    assert_eq!(
        std::fs::read_to_string(site.root().join("elsewhere/notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn the_synthetic_benchmark_corpus_builds() {
    // The generator is vendored in benches/ (CI has only this repository); without it, or
    // without Python, this test fails rather than passing without building anything.
    let generator = repo().join("benches/gen_corpus.py");
    assert!(
        generator.is_file(),
        "{} is missing: the benchmark corpus generator is part of the repository",
        generator.display()
    );
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| {
            std::process::Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("python3 is needed to run benches/gen_corpus.py");
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let gen_out = std::process::Command::new(python)
        .arg(&generator)
        .args(["--pages", "60", "--seed", "3", "--format", "kwiki", "--out"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert!(gen_out.status.success(), "{}", stderr(&gen_out));
    copy_dir(&repo().join("templates"), &corpus.join("templates"));
    copy_dir(&repo().join("static"), &corpus.join("static"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["build", "--root"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Built 60 pages"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_kind_template_overrides_page_html_for_that_kind_only() {
    let site = site();
    site.write(
        "templates/kinds/group.html",
        "{% extends \"page.html\" %}{% block title %}GROUP {{ page.title }}{% endblock title %}",
    );
    assert!(site.build().status.success());
    assert!(
        site.read("groups/ateez/index.html")
            .contains("<title>GROUP Ateez</title>")
    );
    assert!(
        site.read("people/hongjoong/index.html")
            .contains("<title>Hongjoong – Test Wiki</title>")
    );
}

/// Issue 22: a footnote citing a source the text already linked counts as a citation, and a
/// source citing itself is not listed among the pages citing it.
#[test]
fn cited_by_counts_footnotes_after_a_link_and_leaves_out_the_page_itself() {
    let site = TestSite::new();
    site.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\n[[Alpha]], [[Beta]], [[Report]].\n",
    );
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "",
        "As [[Report]] says, Alpha sings.[^r]\n\n[^r]: [[Report]], page 3.\n",
    );
    site.page(
        "content/groups/beta.md",
        "Beta",
        "",
        "Beta dances.[^r]\n\n[^r]: [[Report]]\n",
    );
    site.page(
        "content/sources/report.md",
        "Report",
        "",
        "A report on [[Alpha]] and [[Beta]].[^self]\n\n[^self]: [[Report]]\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let source = site.read("sources/report/index.html");
    let cited = between(&source, "<section class=\"cited-by\"", "</section>");
    assert!(
        cited.contains(">Alpha<"),
        "the link before the footnote hid it: {cited}"
    );
    assert!(cited.contains(">Beta<"), "{cited}");
    assert!(
        !cited.contains(">Report<"),
        "the source lists itself: {cited}"
    );
}
