//! Issue 9's pictures: each page's neighbourhood (inline SVG laid out by rust-sugiyama) and the
//! whole-wiki network page (fjadra). Snapshots of the fixture site's SVG, what every picture
//! must carry (title, description, working links), the caps, and the network's limit.

use scraper::{Html, Selector};

use crate::support::*;

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// The fixture of `build.rs`: a group with an agency and members, a person, an agency, a song and
/// a source.
fn site() -> TestSite {
    crate::build::site()
}

#[test]
fn the_fixture_pictures_match_their_snapshots() {
    let site = site();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    // A song: its artist one step away, the artist's agency and member two steps away.
    let song = site.read("songs/wonderland/index.html");
    insta::assert_snapshot!(
        "wonderland_graph",
        between(&song, "<section class=\"graph\"", "</section>")
    );
    // A group named from both sides (a member names it back), text links, a citation.
    let group = site.read("groups/ateez/index.html");
    insta::assert_snapshot!(
        "ateez_graph",
        between(&group, "<section class=\"graph\"", "</section>")
    );
    let network = site.read("special/network/index.html");
    insta::assert_snapshot!(
        "network",
        between(&network, "<div class=\"network\">", "</div>")
    );
    insta::assert_snapshot!(
        "network_filter_css",
        site.read("special/network/filter.css")
    );
}

/// Every picture names itself and describes every page it draws, and every box links to a page
/// that exists; the page's own box is not a link.
#[test]
fn every_picture_has_a_title_a_description_and_working_links() {
    let site = site();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut pictures = 0;
    for entry in walkdir::WalkDir::new(site.root().join("public")) {
        let entry = entry.unwrap();
        if entry.file_name() != "index.html" {
            continue;
        }
        let html = Html::parse_document(&std::fs::read_to_string(entry.path()).unwrap());
        let where_ = entry.path().display().to_string();
        for svg in html.select(&sel("svg.graph-svg, svg.network-svg")) {
            pictures += 1;
            let title = svg
                .select(&sel("title"))
                .next()
                .map(|t| t.text().collect::<String>());
            assert!(
                title.is_some_and(|t| !t.is_empty()),
                "{where_}: svg without a title"
            );
            let desc: String = svg.select(&sel("desc")).flat_map(|d| d.text()).collect();
            assert!(desc.len() > 20, "{where_}: svg description {desc:?}");
            for a in svg.select(&sel("a")) {
                let href = a.value().attr("href").unwrap_or_default();
                let path = href
                    .strip_prefix("/kpop-wiki/")
                    .unwrap_or_else(|| panic!("{where_}: link {href} outside the site"));
                assert!(
                    site.exists(&format!("{path}index.html")),
                    "{where_}: {href} is not a page"
                );
                let name: String = a.select(&sel("title")).flat_map(|t| t.text()).collect();
                assert!(!name.is_empty(), "{where_}: a box without a title");
                if svg.value().classes().any(|c| c == "graph-svg") {
                    let title = name.rsplit_once(" (").map_or(name.as_str(), |(t, _)| t);
                    assert!(
                        desc.contains(title),
                        "{where_}: {title} drawn but not described in {desc}"
                    );
                }
            }
            if svg.value().classes().any(|c| c == "graph-svg") {
                let here = svg.select(&sel("[aria-current=page]")).count();
                assert_eq!(here, 1, "{where_}: the page's own box, once and not a link");
            }
        }
    }
    // Five pages that all have ties, and the network.
    assert_eq!(pictures, 6);
}

#[test]
fn a_page_tied_to_nothing_has_no_picture() {
    let site = TestSite::new();
    site.page(
        "content/groups/alone.md",
        "Alone",
        "",
        "Nobody links here.\n",
    )
    .page(
        "content/groups/pair-a.md",
        "Pair A",
        "",
        "See [[Pair B]].\n",
    )
    .page("content/groups/pair-b.md", "Pair B", "", "Text.\n");
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!site.read("groups/alone/index.html").contains("graph-svg"));
    // A one-way link draws on both pages: B is named by A.
    assert!(site.read("groups/pair-a/index.html").contains("graph-svg"));
    let b = site.read("groups/pair-b/index.html");
    assert!(b.contains("Pair A links to Pair B (Group)."), "{b}");
}

/// A page tied to many draws `FIRST_MAX` of them and says how many there are.
#[test]
fn a_busy_page_draws_eight_neighbours_and_says_how_many_it_has() {
    let site = TestSite::new();
    let names: Vec<String> = (1..=20).map(|i| format!("Member {i:02}")).collect();
    let links: String = names.iter().map(|n| format!("[[{n}]] ")).collect();
    site.page("content/groups/hub.md", "Hub", "", &format!("{links}\n"));
    for n in &names {
        let slug = n.to_lowercase().replace(' ', "-");
        site.page(&format!("content/people/{slug}.md"), n, "", "Text.\n");
    }
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let hub = site.read("groups/hub/index.html");
    let section = between(&hub, "<section class=\"graph\"", "</section>");
    assert_eq!(section.matches("<a class=\"node").count(), 8, "{section}");
    assert!(
        section.contains("8 of the 20 pages tied to Hub are drawn"),
        "{section}"
    );
    // The first eight, in the order the text names them.
    for n in &names[..8] {
        assert!(
            section.contains(&format!(">{n}</text>")),
            "{n} missing: {section}"
        );
    }
}

/// Past `NETWORK_MAX` pages the network draws the most connected ones and says so; the tables
/// still count every page.
#[test]
fn the_network_of_a_big_wiki_draws_the_300_most_connected_pages() {
    let site = TestSite::new();
    let n = 320;
    for i in 0..n {
        // Page i links to i+1 and to page 0, so page 0 is the most connected.
        let body = format!("Links to [[Page {:03}]] and [[Page 000]].\n", (i + 1) % n);
        site.page(
            &format!("content/groups/p{i:03}.md"),
            &format!("Page {i:03}"),
            "",
            &body,
        );
    }
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("special/network/index.html");
    assert!(
        html.contains("The 300 most connected of the wiki's 320 pages"),
        "{html}"
    );
    let doc = Html::parse_document(&html);
    assert_eq!(doc.select(&sel(".network-svg a")).count(), 300);
    assert!(
        doc.select(&sel(".network-svg a[href='/kpop-wiki/groups/p000/']"))
            .next()
            .is_some(),
        "the hub is drawn"
    );
    let row: Vec<String> = doc
        .select(&sel(".network-table tbody tr"))
        .next()
        .unwrap()
        .text()
        .map(str::to_string)
        .collect();
    assert_eq!(&row[..3], ["Groups", "320", "300"], "{row:?}");
}
