//! `render_site` on its own, over the tiny site of `crate::fixture`: what the page view gives a
//! template, read through a probe `page.html` that prints every field.

use super::*;
use crate::fixture;

const PROBE: &str = "title={{ page.title }}
kind={{ page.kind.name }}|{{ page.kind.href }}
href={{ page.href }}
canonical={{ page.canonical }}
summary={{ page.summary }}
aliases={% for a in page.aliases %}{{ a }};{% endfor %}
toc={% for h in page.toc %}{{ h.id }}:{{ h.text }}({% for c in h.children %}{{ c.id }};{% endfor %});{% endfor %}
infobox={% for r in page.infobox %}{{ r.label }}=[{% for v in r.values %}{{ v.text }}{% if v.href %}@{{ v.href }}{% endif %}{% if v.missing %}!{% endif %};{% endfor %}]{% if r.year_href %}({{ r.year_href }}){% endif %};{% endfor %}
relations={% for r in page.relations %}{{ r.label }}:{% for p in r.pages %}{{ p.title }}@{{ p.href }},{% endfor %};{% endfor %}
backlinks={{ page.backlink_count }}:{% for g in page.backlinks %}{{ g.kind }}[{% for i in g.items %}{{ i.title }}({{ i.context }}){% endfor %}]{% endfor %}
categories={% for c in page.categories %}{{ c.title }};{% endfor %}
cited_by={% for p in page.cited_by %}{{ p.title }};{% endfor %}
source={{ page.source_path }}
updated={% if page.updated %}{{ page.updated }}{% else %}none{% endif %}
graph={% if page.graph %}{{ page.graph.drawn }}/{{ page.graph.connected }}{% else %}none{% endif %}
content={{ page.lead | safe }}{{ page.body | safe }}
";

/// Each page's probe output, as field → value.
fn views() -> BTreeMap<String, BTreeMap<String, String>> {
    let b = fixture::build();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut templates = crate::content::load_templates(root, &mut Default::default());
    let probe = templates.iter_mut().find(|t| t.name == "page.html");
    probe.unwrap().text = PROBE.to_string();
    let mut diagnostics = crate::diagnostics::Diagnostics::default();
    let mut tera = compile_templates(&templates, &mut diagnostics).unwrap();
    let summaries: Vec<String> = b
        .corpus
        .pages
        .iter()
        .zip(&b.bodies)
        .map(|(p, body)| summary_of(p, body))
        .collect();
    let history = History::default();
    let input = RenderInput {
        config: &b.config,
        corpus: &b.corpus,
        bodies: &b.bodies,
        home: None,
        graph: &b.graph,
        history: &history,
        summaries: &summaries,
        templates: &templates,
        on_stuck: None,
    };
    let files = render_site(
        &input,
        &mut tera,
        &b.hrefs,
        Scope::All,
        None,
        &mut diagnostics,
    );
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let mut out = BTreeMap::new();
    for page in &b.corpus.pages {
        let path = urls::file_for(&urls::page_path(
            &b.config.kinds[page.kind].folder,
            &page.slug,
        ));
        let file = files.iter().find(|f| f.path == path).unwrap();
        let text = std::str::from_utf8(&file.bytes).unwrap();
        let fields = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        out.insert(page.title.clone(), fields);
    }
    out
}

#[test]
fn a_page_view_holds_its_names_infobox_and_outline() {
    let views = views();
    let alpha = &views["Alpha"];
    assert_eq!(alpha["title"], "Alpha");
    assert_eq!(alpha["kind"], "Group|/wiki/groups/");
    assert_eq!(alpha["href"], "/wiki/groups/alpha/");
    assert_eq!(alpha["canonical"], "https://example.org/wiki/groups/alpha/");
    // No summary in the front matter: the first paragraph.
    assert_eq!(alpha["summary"], "Alpha is a group.");
    assert_eq!(alpha["aliases"], "The Alphas;");
    // An outline from three second-level headings on (Ann has none).
    assert_eq!(
        alpha["toc"],
        "history:History();members:Members();music:Music();"
    );
    assert_eq!(views["Ann"]["toc"], "");
    // A linked value, a red one (leading to its entry among the wanted pages), and a year
    // that leads to its place on the timeline.
    assert_eq!(
        alpha["infobox"],
        "Members=[Ann@/wiki/people/ann/;Bo@/wiki/special/wanted/#bo!;];Debut=[2018;](/wiki/special/timeline/#year-2018);"
    );
    assert_eq!(alpha["source"], "content/groups/alpha.md");
    assert_eq!(alpha["updated"], "none");
    assert!(
        alpha["content"].starts_with("<p>Alpha is a group.</p>"),
        "{}",
        alpha["content"]
    );
}

#[test]
fn a_page_view_holds_what_points_at_the_page() {
    let views = views();
    let ann = &views["Ann"];
    assert_eq!(ann["relations"], "Member of:Alpha@/wiki/groups/alpha/,;");
    // What links here leaves out Alpha, already listed under "Member of"; Beta, which links
    // her in its text, stays, with the sentence around its link.
    assert_eq!(
        ann["backlinks"],
        "1:Groups[Beta(Beta covered a song by Ann.)]"
    );
    assert_eq!(ann["cited_by"], "");
    // Her picture: Alpha and Beta, which name her, and the report she cites.
    assert_eq!(ann["graph"], "3/3");
    assert_eq!(views["Report"]["cited_by"], "Ann;");
    assert_eq!(views["Beta"]["backlinks"], "0:");
    assert_eq!(views["Beta"]["relations"], "");
}
