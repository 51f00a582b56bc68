//! Incremental rebuilds (what `serve` runs after each save) give byte-identical output to a fresh
//! build, whatever the edit: body text, summary, infobox links, categories, citations, the home
//! page, or a change that touches names and so forces a full rebuild.

use kwiki::Session;

use crate::support::*;

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
    let mut session = Session::new(session_options(site));
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
    let mut session = Session::new(session_options(&site));
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
        let fresh_report = Session::new(session_options(&site)).build();
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
    let mut session = Session::new(session_options(&site));
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

/// A small site as data, so random edits can be applied to it and written out.
#[derive(Debug, Clone)]
struct PageModel {
    folder: &'static str,
    slug: String,
    title: String,
    aliases: Vec<String>,
    summary: Option<String>,
    categories: Vec<String>,
    /// `agency` (groups) or nothing.
    agency: Option<String>,
    /// When and how the agency relation held (`Edit::Term`): none, or one of three forms.
    term: Option<u8>,
    /// The page's body ends with a `query` block: 1 lists the groups naming it as their
    /// agency (rows tied to the page), 2 every group with an agency (rows not tied to it).
    query: u8,
    /// Titles linked in the body.
    links: Vec<String>,
    cites: bool,
    words: String,
}

impl PageModel {
    fn text(&self) -> String {
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut front = format!("+++\ntitle = {:?}\n", self.title);
        if !self.aliases.is_empty() {
            front.push_str(&format!("aliases = [{}]\n", list(&self.aliases)));
        }
        if let Some(s) = &self.summary {
            front.push_str(&format!("summary = {s:?}\n"));
        }
        if !self.categories.is_empty() {
            front.push_str(&format!("categories = [{}]\n", list(&self.categories)));
        }
        if let (Some(a), "groups") = (&self.agency, self.folder) {
            match self.term {
                None => front.push_str(&format!("agency = {a:?}\n")),
                Some(t) => front.push_str(&format!(
                    "agency = {{ name = {a:?}, {} }}\n",
                    [
                        "since = 2010",
                        "since = 2010, until = \"2014-06\"",
                        "role = \"trainee\"",
                    ][t as usize % 3]
                )),
            }
        }
        front.push_str("+++\n");
        let links: String = self
            .links
            .iter()
            .map(|l| format!(" See [[{l}]]."))
            .collect();
        let cite = if self.cites {
            "[^r]\n\n[^r]: [[Report]]\n"
        } else {
            "\n"
        };
        let query = [
            "",
            "\n```query\nfrom group\nwhere agency = this\nshow title, period\nsort since desc, title\n```\n",
            "\n```query\nfrom group\nwhere agency exists\nshow title, agency\n```\n",
        ][usize::from(self.query)];
        format!("{front}{}{links}{cite}{query}", self.words)
    }

    fn path(&self) -> String {
        format!("content/{}/{}.md", self.folder, self.slug)
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Words(usize, u8),
    AddLink(usize, usize),
    DropLinks(usize),
    Summary(usize, Option<u8>),
    Retitle(usize, u8),
    Alias(usize, Option<u8>),
    Category(usize, Option<u8>),
    Agency(usize, Option<usize>),
    Term(usize, Option<u8>),
    Cite(usize, bool),
    NewPage(u8, bool),
    Delete(usize),
    Home(u8),
    Template(u8),
    SiteToml(u8),
}

fn edit() -> impl proptest::strategy::Strategy<Value = Edit> {
    use proptest::prelude::*;
    prop_oneof![
        (0..8usize, any::<u8>()).prop_map(|(i, n)| Edit::Words(i, n)),
        (0..8usize, 0..8usize).prop_map(|(i, j)| Edit::AddLink(i, j)),
        (0..8usize).prop_map(Edit::DropLinks),
        (0..8usize, proptest::option::of(0..4u8)).prop_map(|(i, n)| Edit::Summary(i, n)),
        (0..8usize, 0..6u8).prop_map(|(i, n)| Edit::Retitle(i, n)),
        (0..8usize, proptest::option::of(0..4u8)).prop_map(|(i, n)| Edit::Alias(i, n)),
        (0..8usize, proptest::option::of(0..3u8)).prop_map(|(i, n)| Edit::Category(i, n)),
        (0..8usize, proptest::option::of(0..8usize)).prop_map(|(i, j)| Edit::Agency(i, j)),
        (0..8usize, proptest::option::of(0..3u8)).prop_map(|(i, t)| Edit::Term(i, t)),
        (0..8usize, any::<bool>()).prop_map(|(i, b)| Edit::Cite(i, b)),
        (0..4u8, any::<bool>()).prop_map(|(n, group)| Edit::NewPage(n, group)),
        (0..8usize).prop_map(Edit::Delete),
        (0..3u8).prop_map(Edit::Home),
        (0..2u8).prop_map(Edit::Template),
        (0..2u8).prop_map(Edit::SiteToml),
    ]
}

struct Model {
    pages: Vec<PageModel>,
    home: u8,
    template: u8,
    site_toml: u8,
}

impl Model {
    fn new() -> Model {
        let page =
            |folder, slug: &str, title: &str, links: &[&str], agency: Option<&str>| PageModel {
                folder,
                slug: slug.into(),
                title: title.into(),
                aliases: Vec::new(),
                summary: None,
                categories: vec!["Bands".into()],
                agency: agency.map(Into::into),
                term: None,
                query: match slug {
                    "big-agency" => 1,
                    "ann" => 2,
                    _ => 0,
                },
                links: links.iter().map(|s| s.to_string()).collect(),
                cites: true,
                words: format!("{title} is a page."),
            };
        Model {
            pages: vec![
                page(
                    "groups",
                    "alpha",
                    "Alpha",
                    &["Beta", "Ann"],
                    Some("Big Agency"),
                ),
                page("groups", "beta", "Beta", &["Alpha"], Some("Big Agency")),
                page("people", "ann", "Ann", &["Alpha"], None),
                page("agencies", "big-agency", "Big Agency", &[], None),
                page("sources", "report", "Report", &[], None),
            ],
            home: 0,
            template: 0,
            site_toml: 0,
        }
    }

    /// Applies an edit; returns the files it touched (site-relative), written or removed.
    fn apply(&mut self, edit: &Edit, site: &TestSite) -> Vec<String> {
        const WORDS: [&str; 4] = [
            "It tours.",
            "It sings and dances.",
            "A long story.",
            "Short.",
        ];
        let n = self.pages.len();
        let titles: Vec<String> = self.pages.iter().map(|p| p.title.clone()).collect();
        let mut touched = Vec::new();
        let mut page_edit = |i: usize, f: &mut dyn FnMut(&mut PageModel)| {
            let p = &mut self.pages[i % n];
            f(p);
            site.write(&p.path(), &p.text());
            touched.push(p.path());
        };
        match edit {
            Edit::Words(i, w) => page_edit(*i, &mut |p| {
                p.words = format!("{} {}", p.title, WORDS[*w as usize % 4])
            }),
            Edit::AddLink(i, j) => {
                let target = titles[j % n].clone();
                page_edit(*i, &mut |p| p.links.push(target.clone()))
            }
            Edit::DropLinks(i) => page_edit(*i, &mut |p| p.links.clear()),
            Edit::Summary(i, s) => {
                page_edit(*i, &mut |p| p.summary = s.map(|s| format!("Summary {s}.")))
            }
            Edit::Retitle(i, t) => page_edit(*i, &mut |p| {
                if p.slug != "report" {
                    p.title = format!(
                        "{} {}",
                        p.slug.to_uppercase(),
                        ["X", "Y", "Z", "W", "V", "U"][*t as usize]
                    );
                }
            }),
            Edit::Alias(i, a) => page_edit(*i, &mut |p| {
                p.aliases = a
                    .map(|a| vec![["Al", "Be", "Ann", "Kay"][a as usize].to_string()])
                    .unwrap_or_default()
            }),
            Edit::Category(i, c) => page_edit(*i, &mut |p| {
                p.categories = c
                    .map(|c| vec![["Bands", "Girl groups", "Idols"][c as usize].to_string()])
                    .unwrap_or_default()
            }),
            Edit::Agency(i, j) => {
                let target = j.map(|j| titles[j % n].clone());
                page_edit(*i, &mut |p| p.agency = target.clone())
            }
            Edit::Term(i, t) => page_edit(*i, &mut |p| p.term = *t),
            Edit::Cite(i, c) => page_edit(*i, &mut |p| p.cites = *c),
            Edit::NewPage(k, group) => {
                let slug = format!("new-{k}");
                if !self.pages.iter().any(|p| p.slug == slug) {
                    let p = PageModel {
                        folder: if *group { "groups" } else { "people" },
                        slug: slug.clone(),
                        title: format!("New {k}"),
                        aliases: Vec::new(),
                        summary: None,
                        categories: Vec::new(),
                        agency: None,
                        term: None,
                        query: 0,
                        links: vec!["Alpha".into()],
                        cites: true,
                        words: "A new page.".into(),
                    };
                    site.write(&p.path(), &p.text());
                    touched.push(p.path());
                    self.pages.push(p);
                }
            }
            Edit::Delete(i) => {
                // The source and the first pages stay, so the site keeps building.
                let i = i % n;
                if i >= 5 {
                    let p = self.pages.remove(i);
                    std::fs::remove_file(site.root().join(p.path())).unwrap();
                    touched.push(p.path());
                }
            }
            Edit::Home(h) => {
                self.home = *h;
                let extra = ["", " And [[Beta]].", " And [[Ann]]."][*h as usize];
                site.write(
                    "content/_index.md",
                    &format!("+++\ntitle = \"Home\"\n+++\nSee [[Alpha]], [[Report]].{extra}\n"),
                );
                touched.push("content/_index.md".into());
            }
            Edit::Template(t) => {
                self.template = *t;
                let base = std::fs::read_to_string(repo().join("templates/page.html")).unwrap();
                site.write(
                    "templates/page.html",
                    &format!("{base}{}", ["", "{# edited #}\n"][*t as usize]),
                );
                touched.push("templates/page.html".into());
            }
            Edit::SiteToml(s) => {
                self.site_toml = *s;
                let toml = site_toml().replace(
                    "description = \"A fixture.\"",
                    [
                        "description = \"A fixture.\"",
                        "description = \"An edited fixture.\"",
                    ][*s as usize],
                );
                site.write("site.toml", &toml);
                touched.push("site.toml".into());
            }
        }
        touched
    }

    fn write_all(&self, site: &TestSite) {
        site.write("site.toml", &site_toml());
        for p in &self.pages {
            site.write(&p.path(), &p.text());
        }
        site.write(
            "content/_index.md",
            "+++\ntitle = \"Home\"\n+++\nSee [[Alpha]], [[Report]].\n",
        );
    }
}

/// The fixture's site.toml with a navigation box of each agency's groups.
fn site_toml() -> String {
    format!("{SITE_TOML}\n[[navboxes]]\nkind = \"agency\"\nfrom = \"group.agency\"\n")
}

/// The outcome of a build that a fresh session must reproduce: failure, diagnostics, files.
type Outcome = (bool, Vec<String>, Vec<(String, Vec<u8>)>);

fn outcome(report: &kwiki::Report, session: &Session) -> Outcome {
    (
        report.failed,
        report.diagnostics.iter().map(|d| d.to_string()).collect(),
        session
            .files()
            .iter()
            .map(|f| (f.path.clone(), f.bytes.to_vec()))
            .collect(),
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Random sequences of edits of every kind (text, links, front matter, titles, aliases,
    /// categories, infobox links, citations, new and deleted pages, the home page, a template,
    /// site.toml), each rebuilt incrementally (told the changed files, as `serve` is, or not):
    /// after every step the result equals a fresh build's, byte for byte, diagnostics included.
    #[test]
    fn random_edit_sequences_rebuild_to_the_same_bytes_as_a_fresh_build(
        edits in proptest::collection::vec((edit(), proptest::bool::ANY), 1..8)
    ) {
        let site = TestSite::new();
        let mut model = Model::new();
        model.write_all(&site);
        let mut session = Session::new(session_options(&site));
        session.build();
        for (step, (edit, hinted)) in edits.iter().enumerate() {
            let touched = model.apply(edit, &site);
            let report = if *hinted {
                let paths: Vec<std::path::PathBuf> = touched.iter().map(|p| site.root().canonicalize().unwrap().join(p)).collect();
                session.build_changed(&paths)
            } else {
                session.build()
            };
            let got = outcome(&report, &session);
            let mut fresh_session = Session::new(session_options(&site));
            let fresh_report = fresh_session.build();
            let expected = outcome(&fresh_report, &fresh_session);
            proptest::prop_assert_eq!(&got.0, &expected.0, "step {} ({:?}): failed differs", step, edit);
            proptest::prop_assert_eq!(&got.1, &expected.1, "step {} ({:?}): diagnostics differ", step, edit);
            let paths = |o: &Outcome| o.2.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(paths(&got), paths(&expected), "step {} ({:?}): file lists differ", step, edit);
            for (a, b) in got.2.iter().zip(&expected.2) {
                proptest::prop_assert!(a.1 == b.1, "step {} ({:?}): {} differs from a fresh build", step, edit, a.0);
            }
        }
    }
}
