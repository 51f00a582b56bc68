//! Bad input: each case gives an error at `path:line:col` with a short explanation, all of them
//! in one run, a non-zero exit, no panic, and a previous `public/` left untouched.

use crate::support::*;

fn check(site: &TestSite) -> (Option<i32>, String) {
    let out = site.kwiki(&["check"]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code(), err)
}

fn assert_error(site: &TestSite, expected: &str) {
    let (code, err) = check(site);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
}

#[test]
fn invalid_toml() {
    let site = TestSite::new();
    site.write(
        "content/groups/a.md",
        "+++\ntitle = \"A\"\ndebut = 20 18\n+++\nBody\n",
    );
    assert_error(&site, "content/groups/a.md:3:");
    assert_error(&site, "error[front-matter]: invalid TOML");
}

#[test]
fn missing_fence() {
    let site = TestSite::new();
    site.write("content/groups/a.md", "title = \"A\"\n\nBody\n");
    assert_error(
        &site,
        "content/groups/a.md:1:1: error[front-matter]: missing front matter: the file must start with a +++ line",
    );
    site.write("content/groups/a.md", "+++\ntitle = \"A\"\nBody\n");
    assert_error(
        &site,
        "content/groups/a.md:1:1: error[front-matter]: front matter is never closed",
    );
}

#[test]
fn missing_title() {
    let site = TestSite::new();
    site.write("content/groups/a.md", "+++\ndebut = 2018\n+++\nBody\n");
    assert_error(
        &site,
        "content/groups/a.md:1:1: error[front-matter]: missing title",
    );
}

#[test]
fn duplicate_slug() {
    let site = TestSite::new();
    site.page("content/groups/a.md", "A", "", "x\n").page(
        "content/groups/old/a.md",
        "A two",
        "",
        "x\n",
    );
    assert_error(
        &site,
        "content/groups/old/a.md: error[duplicate-slug]: slug 'a' is already used by content/groups/a.md",
    );
}

#[test]
fn duplicate_title() {
    let site = TestSite::new();
    site.page("content/groups/a.md", "Twice", "", "x\n").page(
        "content/people/b.md",
        "TWICE",
        "",
        "x\n",
    );
    assert_error(
        &site,
        "content/people/b.md:2:9: error[duplicate-title]: title \"TWICE\" is already the title of content/groups/a.md",
    );
}

#[test]
fn duplicate_alias() {
    // An alias two pages share is a name for neither: linking it is an error naming both, and
    // an alias that is another page's title is reported where it is written.
    let site = TestSite::new();
    site.page(
        "content/people/a.md",
        "Kim Min-ji",
        "aliases = [\"Minji\"]\n",
        "x\n",
    )
    .page(
        "content/people/b.md",
        "Park Min-ji",
        "aliases = [\"Minji\", \"Kim Min-ji\"]\n",
        "x\n",
    )
    .page("content/groups/c.md", "C", "", "With [[Minji]].\n");
    assert_error(
        &site,
        "content/groups/c.md:4:6: error[ambiguous-link]: [[Minji]] matches 2 pages: \"Kim Min-ji\" (content/people/a.md), \"Park Min-ji\" (content/people/b.md)",
    );
    let (_, err) = check(&site);
    assert!(err.contains("content/people/b.md:3:21: warning[alias-shadowed]: alias \"Kim Min-ji\" is the title of \"Kim Min-ji\""), "{err}");
}

#[test]
fn unknown_kind_folder() {
    let site = TestSite::new();
    site.page("content/bands/a.md", "A", "", "x\n");
    assert_error(
        &site,
        "content/bands/a.md: error[unknown-kind]: folder 'bands' is not the folder of any kind in site.toml",
    );
}

#[test]
fn file_name_that_is_not_a_slug() {
    let site = TestSite::new();
    site.page("content/groups/Stray Kids.md", "Stray Kids", "", "x\n");
    assert_error(
        &site,
        "content/groups/Stray Kids.md: error[bad-slug]: file name 'Stray Kids' is not a valid slug",
    );
    let (_, err) = check(&site);
    assert!(err.contains("suggested: stray-kids.md"), "{err}");
}

#[test]
fn non_utf8_file() {
    let site = TestSite::new();
    site.write_bytes("content/groups/a.md", b"+++\ntitle = \"A\"\n+++\nCaf\xe9\n");
    assert_error(
        &site,
        "content/groups/a.md:4:4: error[encoding]: file is not valid UTF-8",
    );
}

#[test]
fn empty_file() {
    let site = TestSite::new();
    site.write("content/groups/a.md", "");
    assert_error(
        &site,
        "content/groups/a.md: error[front-matter]: file is empty",
    );
}

#[test]
fn wrong_field_types_and_kinds() {
    let site = TestSite::new();
    site.page(
        "content/groups/a.md",
        "A",
        "debut = \"2018\"\nagency = \"B\"\nmood = \"happy\"\n",
        "x\n",
    )
    .page("content/groups/b.md", "B", "", "x\n");
    assert_error(
        &site,
        "content/groups/a.md:3:9: error[front-matter]: field 'debut': expected a year such as 2018 (no quotes), found string",
    );
    assert_error(
        &site,
        "content/groups/a.md:5:1: error[front-matter]: unknown field 'mood' for kind 'group'",
    );
    site.page("content/groups/a.md", "A", "agency = \"B\"\n", "x\n");
    assert_error(
        &site,
        "content/groups/a.md:3:10: error[wrong-kind]: field 'agency' must name a page of kind Agency, but \"B\" is a Group (content/groups/b.md)",
    );
}

#[test]
fn template_that_does_not_parse() {
    let site = TestSite::new();
    site.page("content/groups/a.md", "A", "", "x\n");
    site.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title \n{% endblock content %}\n");
    let (code, err) = check(&site);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("templates/page.html:"), "{err}");
    assert!(err.contains("error[template]"), "{err}");
}

#[test]
fn template_with_an_undefined_variable() {
    let site = TestSite::new();
    site.page("content/groups/a.md", "A", "", "x\n");
    site.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n<p>{{ page.no_such_field }}</p>\n{% endblock content %}\n");
    let (code, err) = check(&site);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("templates/page.html:3:"), "{err}");
}

#[test]
fn invalid_site_toml() {
    let site = TestSite::new();
    site.write("site.toml", "title = \"W\"\nbase_url = \"https://x.org/\"\n[kinds.group]\nfolder = \"groups\"\n[kinds.group.fields]\nagency = { link = \"agency\" }\n");
    assert_error(
        &site,
        "site.toml:6:19: error[config]: field 'agency' links to unknown kind 'agency' (kinds: group)",
    );
    site.write("site.toml", "title = \"W\"\nbase_url = [\n");
    assert_error(&site, "site.toml:2:");
}

#[test]
fn every_problem_is_reported_in_one_run_and_public_is_left_untouched() {
    let site = TestSite::new();
    site.page("content/groups/good.md", "Good", "", "Fine.\n");
    let first = site.build();
    assert!(first.status.success(), "{}", stderr(&first));
    let before = site.read("groups/good/index.html");

    site.write(
        "content/groups/a.md",
        "+++\ntitle = \"A\"\ndebut = [\n+++\n",
    )
    .write("content/groups/b.md", "no fence\n")
    .write("content/groups/c.md", "")
    .write("content/bands/d.md", "+++\ntitle = \"D\"\n+++\n")
    .page("content/groups/E.md", "E", "", "x\n")
    .page(
        "content/groups/good.md",
        "Good",
        "",
        "Now links [[Nowhere]] and the page changed.\n",
    );
    let out = site.build();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        "content/groups/a.md:3:",
        "content/groups/b.md:1:1",
        "content/groups/c.md:",
        "content/bands/d.md:",
        "content/groups/E.md:",
    ] {
        assert!(err.contains(expected), "{expected} missing from:\n{err}");
    }
    assert!(err.contains("Build failed: 5 errors"), "{err}");
    assert_eq!(
        site.read("groups/good/index.html"),
        before,
        "the previous public/ must be untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".public"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders removed: {leftovers:?}"
    );
}

#[test]
fn check_output_snapshot_text_and_json() {
    let site = TestSite::new();
    site.write(
        "content/groups/a.md",
        "+++\ntitle = \"A\"\ndebut = \"soon\"\n+++\nSee [[B]] and [[Nope]].[^x]\n",
    )
    .page("content/groups/b.md", "B", "aliases = [\"A\"]\n", "x\n");
    let out = site.kwiki(&["check"]);
    insta::assert_snapshot!("check_text", stderr(&out));
    let json = site.kwiki(&["check", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let parsed: serde_json::Value =
        serde_json::from_str(&stdout(&json)).expect("check --format json prints JSON");
    insta::assert_snapshot!("check_json", serde_json::to_string_pretty(&parsed).unwrap());
}
