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

/// A list page whose sections stand for subjects too small for a page of their own, each named
/// by a section alias.
fn site_with_section_aliases() -> TestSite {
    let site = site();
    site.page(
        "content/groups/idols.md",
        "Idols of the early years",
        "aliases = [\"Early idols\", { name = \"H.O.T.\", section = \"The first groups\" }, { name = \"S.E.S.\", section = \"Girl groups\" }]\n",
        "## The first groups\n\nOne.\n\n## Girl groups\n\nTwo.\n",
    );
    site
}

#[test]
fn a_section_alias_links_and_redirects_to_its_heading() {
    let site = site_with_section_aliases();
    site.page(
        "content/people/writer.md",
        "Writer",
        "",
        "See [[h.o.t.]], [[S.E.S.|the girls]], [[Early idols]] and [[H.O.T.#Girl groups]].\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("people/writer/index.html");
    let content = between(&html, "<div class=\"content", "</div>");
    for link in [
        "<a class=\"wikilink\" href=\"/kpop-wiki/groups/idols/#the-first-groups\" data-kind=\"group\">h.o.t.</a>",
        "<a class=\"wikilink\" href=\"/kpop-wiki/groups/idols/#girl-groups\" data-kind=\"group\">the girls</a>",
        // A plain alias goes to the top of the page, and a written anchor wins over the alias's.
        "<a class=\"wikilink\" href=\"/kpop-wiki/groups/idols/\" data-kind=\"group\">Early idols</a>",
        "<a class=\"wikilink\" href=\"/kpop-wiki/groups/idols/#girl-groups\" data-kind=\"group\">H.O.T.#Girl groups</a>",
    ] {
        assert!(content.contains(link), "{link} missing from {content}");
    }
    let redirect = site.read("groups/h-o-t/index.html");
    assert!(
        redirect.contains(
            "<meta http-equiv=\"refresh\" content=\"0; url=/kpop-wiki/groups/idols/#the-first-groups\">"
        ),
        "{redirect}"
    );
    assert!(
        redirect.contains(
            "<link rel=\"canonical\" href=\"https://example.github.io/kpop-wiki/groups/idols/\">"
        ),
        "{redirect}"
    );
    let plain = site.read("groups/early-idols/index.html");
    assert!(
        plain.contains("content=\"0; url=/kpop-wiki/groups/idols/\">"),
        "{plain}"
    );
    // The search index leads a section alias to its heading, beside the page's other aliases.
    let index = site.read("search/index.json");
    assert!(
        index.contains(
            "[\"Idols of the early years\",0,\"groups/idols/\",[\"Early idols\",\"H.O.T.\",\"S.E.S.\"],\"One.\",[\"\",\"the-first-groups\",\"girl-groups\"]]"
        ),
        "{index}"
    );
    assert!(
        index.contains("[\"Ateez\",0,\"groups/ateez/\",[\"ATEEZ\",\"에이티즈\"],"),
        "{index}"
    );
}

#[test]
fn a_section_alias_naming_no_heading_is_reported_at_the_alias() {
    let site = site();
    site.page(
        "content/groups/idols.md",
        "Idols",
        "aliases = [\"Early\", { name = \"Kara\", section = \"Second wave\" }]\n",
        "## First wave\n\nOne.\n",
    );
    site.page(
        "content/people/writer.md",
        "Writer",
        "",
        "See [[Kara]] and [[Idols]].\n",
    );
    let out = site.kwiki(&["check"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(
            "content/groups/idols.md:3:48: warning[unknown-anchor]: alias \"Kara\" names section \"Second wave\", but \"Idols\" has no heading with id '#second-wave'"
        ),
        "{err}"
    );
    // Reported once, at the alias, not again at the link that uses it.
    assert_eq!(err.matches("unknown-anchor").count(), 1, "{err}");
    let strict = site.kwiki(&["check", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stderr(&strict).contains("content/groups/idols.md:3:48: error[unknown-anchor]"),
        "{}",
        stderr(&strict)
    );
}

#[test]
fn a_bad_alias_table_is_a_located_front_matter_error() {
    let site = site();
    site.page(
        "content/groups/idols.md",
        "Idols",
        "aliases = [\"Early\", { section = \"First wave\" },\n  { name = \"Kara\", heading = \"First wave\" }, { name = 3 }]\n",
        "## First wave\n\nOne.\n",
    );
    let out = site.kwiki(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        "content/groups/idols.md:3:21: error[front-matter]: aliases: alias table has no name",
        "content/groups/idols.md:4:20: error[front-matter]: aliases: unknown key 'heading' in an alias table (it takes name and section)",
        "content/groups/idols.md:4:55: error[front-matter]: aliases: name must be a string, not integer",
    ] {
        assert!(err.contains(expected), "{expected} missing from {err}");
    }
}

#[test]
fn an_infobox_value_naming_a_section_alias_shows_the_name_and_links_to_the_heading() {
    let site = site();
    site.page(
        "content/people/dancers.md",
        "Dancers of the crew",
        "aliases = [{ name = \"Aiki\", section = \"Crew members\" }]\n",
        "## Crew members\n\nAiki dances.\n",
    )
    .page(
        "content/groups/crew.md",
        "Crew",
        "members = [\"Aiki\"]\n",
        "A crew.\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("groups/crew/index.html");
    assert!(
        html.contains("href=\"/kpop-wiki/people/dancers/#crew-members\">Aiki</a>"),
        "{html}"
    );
    assert!(!html.contains(">Dancers of the crew</a>"), "{html}");
    // The list page still shows the relation back.
    let dancers = site.read("people/dancers/index.html");
    assert!(dancers.contains("Member of"), "{dancers}");
}
