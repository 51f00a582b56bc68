//! Fan-wiki data: relations with periods and roles, tables computed from pages (`query`
//! blocks), navigation boxes and the timeline picture, on a fixture site built by the real
//! `kwiki`.

use kwiki::Session;

use crate::support::*;

/// The fixture's site.toml with former labels and two navigation boxes.
fn site_toml() -> String {
    SITE_TOML
        .replace(
            "members = { label = \"Members\", link = \"person\", many = true, inverse = \"Member of\" }",
            "members = { label = \"Members\", link = \"person\", many = true, inverse = \"Member of\", inverse_former = \"Formerly in\" }",
        )
        .replace(
            "[kinds.song.fields]\n",
            "[kinds.song.fields]\nyear = { label = \"Released\", type = \"year\" }\n",
        )
        + "\n[[navboxes]]\nkind = \"group\"\nfield = \"members\"\n\n[[navboxes]]\nkind = \"agency\"\nfrom = \"group.agency\"\n"
}

fn fixture() -> TestSite {
    let site = TestSite::new();
    site.write("site.toml", &site_toml());
    site.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nSee [[Alpha]].\n",
    );
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "agency = { name = \"Big Agency\", since = 2012 }\nmembers = [{ name = \"Ann\", since = 2012, role = \"vocalist\" }, { name = \"Bo\", since = \"2012-03\", until = \"2015-06\", role = \"rapper\" }, \"Cy\"]\n",
        "Alpha is a group.\n\n## Discography\n\n```query\nfrom song\nwhere artist = this\nshow title, year\nsort year desc, title\n```\n\n## Members in 2016\n\n```query\nfrom person\nwhere this.members as of 2016\nshow title, role, period\nsort title\n```\n",
    );
    site.page(
        "content/groups/beta.md",
        "Beta",
        "agency = \"Big Agency\"\n",
        "Beta is a group.\n",
    );
    for name in ["Ann", "Bo", "Cy"] {
        site.page(
            &format!("content/people/{}.md", name.to_lowercase()),
            name,
            "",
            &format!("{name} sings.\n"),
        );
    }
    site.page(
        "content/agencies/big-agency.md",
        "Big Agency",
        "",
        "An agency.\n",
    );
    site.page(
        "content/songs/one.md",
        "One",
        "artist = [\"Alpha\"]\nyear = 2013\n",
        "A song.\n",
    );
    site.page(
        "content/songs/two.md",
        "Two",
        "artist = [\"Alpha\"]\nyear = 2015\n",
        "A song.\n",
    );
    site.page(
        "content/songs/three.md",
        "Three",
        "artist = [\"Beta\"]\nyear = 2014\n",
        "A song.\n",
    );
    site
}

fn built() -> TestSite {
    let site = fixture();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    site
}

/// The text of each row of the `n`th query table on a page, cells joined by " | ".
fn table_rows(html: &str, n: usize) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let table = scraper::Selector::parse("table.query").unwrap();
    let row = scraper::Selector::parse("tbody tr").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    let Some(t) = doc.select(&table).nth(n) else {
        return Vec::new();
    };
    t.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

#[test]
fn periods_show_current_and_former_relations_on_both_sides() {
    let site = built();
    let alpha = site.read("groups/alpha/index.html");
    insta::assert_snapshot!("alpha_infobox", between(&alpha, "<dl>", "</dl>"));
    let bo = site.read("people/bo/index.html");
    assert!(
        bo.contains("<h2>Formerly in</h2>")
            && bo.contains("<span class=\"term\">(rapper, March 2012 – June 2015)</span>"),
        "{bo}"
    );
    let ann = site.read("people/ann/index.html");
    assert!(
        ann.contains("<h2>Member of</h2>") && !ann.contains("Formerly in"),
        "{ann}"
    );
    // The agency lists the group with its period; Beta has none.
    let agency = site.read("agencies/big-agency/index.html");
    assert!(agency.contains("Alpha</a> <span class=\"term\">(from 2012)</span>"));
}

#[test]
fn a_page_with_periods_gets_a_timeline_picture_and_its_table() {
    let site = built();
    let alpha = site.read("groups/alpha/index.html");
    insta::assert_snapshot!(
        "alpha_period_chart",
        between(&alpha, "<section class=\"period-timeline\"", "</section>")
    );
    // A page without periods has none; the site timeline lists each start and end.
    assert!(
        !site
            .read("groups/beta/index.html")
            .contains("period-timeline")
    );
    let timeline = site.read("special/timeline/index.html");
    assert!(timeline.contains("<time datetime=\"2015-06\">2015-06</time> <a href=\"/kpop-wiki/groups/alpha/\">Alpha</a> <span class=\"kind\">Group</span> <span class=\"timeline-label\">Former members (until)</span>: <a href=\"/kpop-wiki/people/bo/\">Bo</a> (rapper)"), "{timeline}");
}

#[test]
fn queries_fill_tables_from_the_pages() {
    let site = built();
    let alpha = site.read("groups/alpha/index.html");
    assert_eq!(table_rows(&alpha, 0), ["Two | 2015", "One | 2013"]);
    // As of 2016 Bo had left; Cy has no period and counts as a member at any date.
    assert_eq!(
        table_rows(&alpha, 1),
        ["Ann | vocalist | from 2012", "Cy |  | "]
    );
    insta::assert_snapshot!(
        "alpha_discography",
        between(
            &alpha,
            "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Songs",
            "</div>"
        )
    );
    // Links stay links.
    assert!(alpha.contains("<td><a href=\"/kpop-wiki/songs/two/\">Two</a></td>"));
}

#[test]
fn navboxes_are_on_the_hub_and_every_page_they_list() {
    let site = built();
    let bo = site.read("people/bo/index.html");
    insta::assert_snapshot!("bo_navbox", between(&bo, "<nav class=\"navbox\"", "</nav>"));
    for page in [
        "groups/alpha/index.html",
        "groups/beta/index.html",
        "agencies/big-agency/index.html",
    ] {
        let html = site.read(page);
        assert!(
            html.contains("<a href=\"/kpop-wiki/agencies/big-agency/\">Big Agency</a>: Artists"),
            "{page}"
        );
    }
    // A page in no box shows none.
    assert!(
        !site
            .read("songs/one/index.html")
            .contains("class=\"navbox\"")
    );
}

#[test]
fn a_query_that_matches_nothing_says_so_and_warns() {
    let site = fixture();
    site.page(
        "content/groups/beta.md",
        "Beta",
        "agency = \"Big Agency\"\n",
        "Beta is a group.\n\n```query\nfrom song\nwhere artist = this and year < 2000\n```\n",
    );
    let out = site.kwiki(&["check"]);
    assert!(out.status.success(), "a warning only: {}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "content/groups/beta.md:7:1: warning[query-empty]: this query matches no page"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!site.kwiki(&["check", "--strict"]).status.success());
    site.build();
    assert!(site
        .read("groups/beta/index.html")
        .contains("<p class=\"query-empty\">No page matches this query: <code>from song; where artist = this and year &lt; 2000</code></p>"));
}

#[test]
fn wrong_relations_and_queries_are_errors_at_their_place_all_together() {
    let site = fixture();
    site.page(
        "content/groups/beta.md",
        "Beta",
        "agency = { name = \"Big Agency\", since = 2015, until = 2014 }\nmembers = [{ name = \"Ann\", colour = \"red\" }, { name = \"Bo\", since = \"May 2012\" }, { role = \"x\" }]\n",
        "Beta is a group.\n\n```query\nfrom song, gadget\nwhere year = this\nand artist > 2010\nand colour exists\nshow title, role\nsort year sideways\nlimit 0\n```\n",
    );
    let out = site.kwiki(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        "content/groups/beta.md:3:55: error[front-matter]: field 'agency': until 2014 is before since 2015",
        "content/groups/beta.md:4:28: error[front-matter]: field 'members': unknown key 'colour' in a relation (it takes name, since, until and role)",
        "content/groups/beta.md:4:69: error[front-matter]: field 'members': since must be a year (2013), a month (\"2023-12\") or a date (\"2023-12-31\")",
        "content/groups/beta.md:4:83: error[front-matter]: field 'members': relation has no name",
        "content/groups/beta.md:9:12: error[query]: query: unknown kind 'gadget'",
        "content/groups/beta.md:10:14: error[query]: query: 'year' is a year, not a link: it cannot name this page",
        "content/groups/beta.md:11:14: error[query]: query: 'artist' links to pages: compare it with `= this` or `= [[Page]]`",
        "content/groups/beta.md:12:5: error[query]: query: unknown field 'colour' for song",
        "content/groups/beta.md:13:13: error[query]: query: 'role' is a column of a relation",
        "content/groups/beta.md:14:11: error[query]: query: sort order is asc or desc, not 'sideways'",
        "content/groups/beta.md:15:7: error[query]: query: limit takes a positive number, not '0'",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
}

#[test]
fn a_query_on_the_home_page_is_an_error() {
    let site = fixture();
    site.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nSee [[Alpha]].\n\n```query\nfrom song\n```\n",
    );
    let out = site.kwiki(&["check"]);
    assert!(
        stderr(&out).contains(
            "content/_index.md:6:1: error[query]: query: a query block works on a page of a kind"
        ),
        "{}",
        stderr(&out)
    );
}

fn page_of(session: &Session, path: &str) -> String {
    let file = session
        .files()
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} not built"));
    String::from_utf8_lossy(&file.bytes).into_owned()
}

#[test]
fn editing_a_song_updates_its_artists_discography_at_once() {
    let site = fixture();
    let mut session = Session::new(session_options(&site));
    assert!(!session.build().failed);
    let before = page_of(&session, "groups/alpha/index.html");
    assert_eq!(table_rows(&before, 0), ["Two | 2015", "One | 2013"]);
    // The song moves to 2016 and a song of Beta's joins Alpha's: told only the changed files,
    // as `serve` is.
    site.page(
        "content/songs/one.md",
        "One",
        "artist = [\"Alpha\"]\nyear = 2016\n",
        "A song.\n",
    );
    site.page(
        "content/songs/three.md",
        "Three",
        "artist = [\"Beta\", \"Alpha\"]\nyear = 2014\n",
        "A song.\n",
    );
    let root = site.root().canonicalize().unwrap();
    let report = session.build_changed(&[
        root.join("content/songs/one.md"),
        root.join("content/songs/three.md"),
    ]);
    assert!(
        !report.failed && report.incremental,
        "{:?}",
        report.diagnostics
    );
    let after = page_of(&session, "groups/alpha/index.html");
    assert_eq!(
        table_rows(&after, 0),
        ["One | 2016", "Two | 2015", "Three | 2014"]
    );
    // And it is what a fresh build makes.
    let mut fresh = Session::new(session_options(&site));
    assert!(!fresh.build().failed);
    assert_eq!(after, page_of(&fresh, "groups/alpha/index.html"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// A query's table equals the same filter written directly over the pages: songs of random
    /// years and artists, `from song where artist = this and year >= Y sort year desc, title`
    /// on each group.
    #[test]
    fn a_query_table_is_the_filter_written_over_the_pages(
        songs in proptest::collection::vec((0..3usize, 0..3usize, 2000..2010i64), 0..10),
        from_year in 2000..2010i64,
    ) {
        let groups = ["Alpha", "Beta", "Gamma"];
        let site = TestSite::new();
        site.write("site.toml", &site_toml());
        site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHome.\n");
        for g in groups {
            site.page(
                &format!("content/groups/{}.md", g.to_lowercase()),
                g,
                "",
                &format!("{g} is a group.\n\n```query\nfrom song\nwhere artist = this and year >= {from_year}\nshow title, year\nsort year desc, title\n```\n"),
            );
        }
        for (i, (a, b, year)) in songs.iter().enumerate() {
            let artists = if a == b { format!("{:?}", groups[*a]) } else { format!("{:?}, {:?}", groups[*a], groups[*b]) };
            site.page(
                &format!("content/songs/song-{i}.md"),
                &format!("Song {i}"),
                &format!("artist = [{artists}]\nyear = {year}\n"),
                "A song.\n",
            );
        }
        let out = site.build();
        proptest::prop_assert!(out.status.success(), "{}", stderr(&out));
        for (g, group) in groups.iter().enumerate() {
            let mut expected: Vec<(i64, String)> = songs
                .iter()
                .enumerate()
                .filter(|(_, (a, b, year))| (*a == g || *b == g) && *year >= from_year)
                .map(|(i, (_, _, year))| (*year, format!("Song {i}")))
                .collect();
            // Year descending, then title as the wiki sorts titles (normalised, so "Song 10"
            // after "Song 1").
            expected.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
            let expected: Vec<String> = expected.iter().map(|(y, t)| format!("{t} | {y}")).collect();
            let html = site.read(&format!("groups/{}/index.html", group.to_lowercase()));
            proptest::prop_assert_eq!(table_rows(&html, 0), expected);
        }
    }
}

#[test]
fn a_page_cannot_forge_the_place_of_a_query_table() {
    let site = fixture();
    // The noncharacter the build marks a table's place with, written in the page itself.
    site.page(
        "content/groups/beta.md",
        "Beta",
        "agency = \"Big Agency\"\n",
        "Beta \u{FDD0}query\u{FDD0} is a group.\n\n```query\nfrom song\nwhere artist = this\n```\n\nAfter.\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let beta = site.read("groups/beta/index.html");
    assert!(
        beta.contains("Beta \u{FFFD}query\u{FFFD} is a group."),
        "{beta}"
    );
    assert_eq!(table_rows(&beta, 0), ["Three"]);
    let table = beta
        .find("<table class=\"listing sortable query\">")
        .unwrap();
    assert!(beta.find("is a group.").unwrap() < table && table < beta.find("After.").unwrap());
}

#[test]
fn the_data_export_carries_each_relations_period_and_role() {
    let site = built();
    let alpha: serde_json::Value =
        serde_json::from_str(&site.read("groups/alpha/index.json")).unwrap();
    crate::history::assert_valid(
        &crate::history::validator("page.schema.json"),
        &alpha,
        "alpha",
    );
    let members = &alpha["fields"]["members"];
    assert_eq!(
        members[1],
        serde_json::json!({
            "title": "Bo",
            "url": "https://example.github.io/kpop-wiki/people/bo/",
            "since": "2012-03",
            "until": "2015-06",
            "role": "rapper"
        })
    );
    // A plain name has no period keys at all.
    assert_eq!(members[2].as_object().unwrap().len(), 2, "{members}");
    // And the schema refuses a period that is not a date.
    let mut broken = alpha.clone();
    broken["fields"]["members"][1]["since"] = serde_json::json!("March 2012");
    assert!(!crate::history::validator("page.schema.json").is_valid(&broken));
}

#[test]
fn a_relation_that_ended_on_a_date_not_given_is_former_without_a_date() {
    let site = fixture();
    site.page(
        "content/groups/beta.md",
        "Beta",
        "agency = { name = \"Big Agency\", role = \"trainee\", ended = true }\n",
        "Beta is a group.\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let beta = site.read("groups/beta/index.html");
    assert!(
        beta.contains("<dt>Former agency</dt>")
            && beta.contains("Big Agency</a> <span class=\"term\">(trainee, ended)</span>"),
        "{beta}"
    );
    // Not a dated relation: no timeline picture of its own, and no bar.
    assert!(!beta.contains("period-timeline"));
    let json: serde_json::Value =
        serde_json::from_str(&site.read("groups/beta/index.json")).unwrap();
    assert_eq!(json["fields"]["agency"][0]["ended"], true);
    // `ended = false` beside an `until` contradicts it.
    site.page(
        "content/groups/beta.md",
        "Beta",
        "agency = { name = \"Big Agency\", until = 2014, ended = false }\n",
        "Beta is a group.\n",
    );
    let out = site.kwiki(&["check"]);
    assert!(
        stderr(&out).contains("content/groups/beta.md:3:55: error[front-matter]: field 'agency': ended = false, but until says when it ended"),
        "{}",
        stderr(&out)
    );
}
