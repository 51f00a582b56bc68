//! `[[wikilinks]]`: resolution by title and alias, labels, anchors, red links, ambiguity,
//! tables and embeds.

use crate::support::*;

fn site() -> TestSite {
    let site = TestSite::new();
    site.page(
        "content/groups/ateez.md",
        "Ateez",
        "aliases = [\"ATEEZ\", \"에이티즈\"]\nagency = \"KQ Entertainment\"\n",
        "## History\n\nFormed in 2018.\n",
    )
    .page(
        "content/agencies/kq-entertainment.md",
        "KQ Entertainment",
        "",
        "Agency.\n",
    )
    .page(
        "content/groups/girls-generation.md",
        "Girls' Generation",
        "",
        "Group.\n",
    )
    .page(
        "content/songs/seven-song.md",
        "Seven (song)",
        "",
        "A song.\n",
    )
    .page(
        "content/people/seven-person.md",
        "Seven (singer)",
        "",
        "A singer.\n",
    );
    site
}

#[test]
fn links_resolve_by_title_alias_case_and_typography() {
    let site = site();
    site.page(
        "content/people/writer.md",
        "Writer",
        "",
        "See [[ateez]], [[에이티즈|the group]], [[Girls’ Generation]], [[KQ Entertainment#History|x]] and [[Ateez#History]].\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("people/writer/index.html");
    let content = between(&html, "<div class=\"content", "</div>");
    insta::assert_snapshot!(content);
}

/// A name typed with a combining accent (as some keyboards and macOS file names produce) finds
/// the page whose title has the composed letter.
#[test]
fn decomposed_accents_resolve_like_composed_ones() {
    let site = site();
    site.page("content/people/beyonce.md", "Beyoncé", "", "A singer.\n");
    site.page(
        "content/people/writer.md",
        "Writer",
        "",
        "See [[Beyonce\u{301}]] and [[Ateez]].\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("people/writer/index.html");
    assert!(
        html.contains("href=\"/kpop-wiki/people/beyonce/\""),
        "{html}"
    );
    assert!(!html.contains("class=\"wikilink new\""), "{html}");
}

#[test]
fn red_links_render_with_their_own_class_and_are_reported() {
    let site = site();
    site.page(
        "content/people/writer.md",
        "Writer",
        "",
        "A [[Missing Page]] here.\n",
    );
    let out = site.build();
    assert!(
        out.status.success(),
        "red links are warnings in a normal build: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("content/people/writer.md:4:3: warning[red-link]: no page is titled or aliased \"Missing Page\""), "{}", stderr(&out));
    let html = site.read("people/writer/index.html");
    assert!(
        html.contains("<a class=\"wikilink new\" href=\"/kpop-wiki/special/wanted/#missing-page\""),
        "{html}"
    );
    let wanted = site.read("special/wanted/index.html");
    assert!(
        wanted.contains("id=\"missing-page\"") && wanted.contains("Writer"),
        "{wanted}"
    );
    let strict = site.kwiki(&["check", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stderr(&strict).contains("error[red-link]"),
        "{}",
        stderr(&strict)
    );
}

#[test]
fn ambiguous_links_are_errors_naming_every_candidate() {
    let site = site();
    site.page(
        "content/people/writer.md",
        "Writer",
        "",
        "Which [[Seven]]?\n",
    );
    let out = site.kwiki(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "content/people/writer.md:4:7: error[ambiguous-link]: [[Seven]] matches 2 pages:"
        ),
        "{err}"
    );
    assert!(
        err.contains("\"Seven (singer)\" (content/people/seven-person.md)")
            && err.contains("\"Seven (song)\" (content/songs/seven-song.md)"),
        "{err}"
    );
}

#[test]
fn shared_base_names_get_a_disambiguation_page() {
    let site = site();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let page = site.read("disambiguation/seven/index.html");
    assert!(
        page.contains("may refer to")
            && page.contains("/kpop-wiki/songs/seven-song/")
            && page.contains("/kpop-wiki/people/seven-person/"),
        "{page}"
    );
}

#[test]
fn piped_wikilinks_work_inside_table_cells() {
    let site = site();
    site.page("content/people/writer.md", "Writer", "", "| Year | Act | Note |\n|---|---|---|\n| 2018 | [[Ateez|the group]] | [[KQ Entertainment]] |\n");
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("people/writer/index.html");
    let table = between(&html, "<table>", "</table>");
    insta::assert_snapshot!(table);
    let backlinks = site.read("groups/ateez/index.html");
    assert!(
        backlinks.contains("href=\"/kpop-wiki/people/writer/\""),
        "the table link counts as a backlink"
    );
}

#[test]
fn wikilink_embeds_do_not_become_broken_images() {
    let site = site();
    site.page(
        "content/people/writer.md",
        "Writer",
        "",
        "Embed ![[Ateez]] and ![[logo.svg]].\n",
    );
    site.write(
        "static/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("people/writer/index.html");
    assert!(html.contains("Embed <a class=\"wikilink\" href=\"/kpop-wiki/groups/ateez/\" data-kind=\"group\">Ateez</a>"), "{html}");
    assert!(
        html.contains("<img src=\"/kpop-wiki/logo.svg\" alt=\"logo.svg\">"),
        "{html}"
    );
    assert!(!html.contains("<img src=\"Ateez\""), "{html}");
    assert!(site.exists("logo.svg"));
}

#[test]
fn unknown_heading_anchor_is_reported() {
    let site = site();
    site.page(
        "content/people/writer.md",
        "Writer",
        "",
        "See [[Ateez#Discography]].\n",
    );
    let out = site.kwiki(&["check"]);
    assert!(
        stderr(&out)
            .contains("warning[unknown-anchor]: \"Ateez\" has no heading with id '#discography'"),
        "{}",
        stderr(&out)
    );
}
