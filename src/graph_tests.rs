//! `graph::build` on its own, over the tiny site of `crate::fixture`.

use super::*;
use crate::fixture;

#[test]
fn backlinks_are_the_inverse_of_links_one_entry_per_linking_page() {
    let b = fixture::build();
    let (alpha, ann, beta, report) = (b.id("Alpha"), b.id("Ann"), b.id("Beta"), b.id("Report"));
    let from = |id: PageId| {
        b.graph.backlinks[id]
            .iter()
            .map(|l| l.from)
            .collect::<Vec<_>>()
    };
    // Ann links to Alpha through its alias; the sentence around the link is kept.
    assert_eq!(from(alpha), [ann]);
    assert_eq!(&*b.graph.backlinks[alpha][0].context, "Ann sings in Alpha.");
    assert_eq!(b.graph.backlinks[alpha][0].relation, None);
    // Alpha names Ann in its infobox (field 0, "members"); Beta links to her twice, once here.
    assert_eq!(from(ann), [alpha, beta]);
    assert_eq!(b.graph.backlinks[ann][0].relation, Some(0));
    assert_eq!(b.graph.backlinks[ann][1].relation, None);
    assert!(
        b.graph.backlinks[ann][1]
            .context
            .starts_with("Beta covered a song by Ann.")
    );
    assert!(from(beta).is_empty());
    // A citation is not a backlink: it is cited-by.
    assert!(from(report).is_empty());
}

#[test]
fn inverse_relations_and_cited_by() {
    let b = fixture::build();
    let (alpha, ann, report) = (b.id("Alpha"), b.id("Ann"), b.id("Report"));
    assert_eq!(
        b.graph.inverse[ann],
        [("Member of".to_string(), vec![(alpha, None)])]
    );
    assert!(b.graph.inverse[alpha].is_empty());
    assert_eq!(b.graph.cited_by[report], [ann]);
    assert!(b.graph.cited_by[alpha].is_empty());
    // Alpha's infobox: Ann is a page, Bo has none (a red link), in front-matter order.
    let members = b.graph.infobox[alpha].iter().find(|(f, _)| *f == 0);
    assert_eq!(
        members.map(|(_, items)| items.clone()),
        Some(vec![FieldItem::Page(ann), FieldItem::Missing("Bo".into())])
    );
}

#[test]
fn redirects_wanted_pages_and_reports() {
    let b = fixture::build();
    let (alpha, ann, beta, report) = (b.id("Alpha"), b.id("Ann"), b.id("Beta"), b.id("Report"));
    let redirects: Vec<(&str, PageId)> = b
        .graph
        .redirects
        .iter()
        .map(|r| (r.alias.as_str(), r.to))
        .collect();
    assert_eq!(redirects, [("The Alphas", alpha)]);
    assert_eq!(b.graph.redirects[0].path, "groups/the-alphas/");
    // Wanted: names linked (in text or an infobox) that no page has, with who wants them.
    let wanted: Vec<(&str, &[PageId])> = b
        .graph
        .wanted
        .iter()
        .map(|w| (w.name.as_str(), w.from.as_slice()))
        .collect();
    assert_eq!(wanted, [("Bo", &[alpha][..]), ("Nobody", &[beta][..])]);
    assert_eq!(b.graph.orphans, [beta]);
    assert!(b.graph.uncited.contains(&alpha) && b.graph.uncited.contains(&beta));
    assert!(!b.graph.uncited.contains(&ann) && !b.graph.uncited.contains(&report));
    // Ranks: kind order of site.toml, then title.
    let mut by_rank: Vec<PageId> = (0..b.corpus.pages.len()).collect();
    by_rank.sort_by_key(|&i| b.graph.rank[i]);
    assert_eq!(by_rank, [alpha, beta, ann, report]);
}
