//! The wiki's memory: page histories, recent changes, feeds and data export, built from fixture
//! sites inside scratch git repositories made with real `git` commands (a rename, a merge, an
//! author with a non-ASCII name, a message with HTML in it). Feeds are read with a real Atom
//! parser, JSON is validated against the repository's JSON Schema, CSV read with a CSV parser.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::support::*;

const AUTHOR: &str = "Zoë Ünïcode 김민지";
const HOSTILE: &str = "Add <script>alert(\"owned\")</script> & <b>bold</b> pages";

fn git_in(dir: &Path, args: &[&str], author: &str, date: &str) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", "secret-author@example.com")
        .env("GIT_COMMITTER_NAME", "Committer")
        .env("GIT_COMMITTER_EMAIL", "secret-committer@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn git(site: &TestSite, args: &[&str], author: &str, date: &str) -> String {
    git_in(site.root(), args, author, date)
}

fn alpha(body: &str) -> String {
    format!(
        "Alpha is a group with [[Bea]], in [[Nowhere Yet]].[^s]\n\n{body}\n\n[^s]: [[Report]]\n"
    )
}

/// A site in a git repository with this history (oldest first):
/// 1. `AUTHOR` adds Alpha, Bea and Report, message `HOSTILE`;
/// 2. Alpha's file is renamed `alpha.md` → `alpha-band.md` and edited;
/// 3. on a branch, Bea is edited; on main, Report is edited; the branch is merged (`--no-ff`).
fn fixture() -> (TestSite, BTreeMap<&'static str, String>) {
    let site = TestSite::new();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "summary = \"A group, with a comma.\"\ncategories = [\"Bands\"]\nmembers = [\"Bea\"]\ndebut = 2020\n",
        &alpha("First text."),
    );
    site.page(
        "content/people/bea.md",
        "Bea",
        "summary = \"=1+1 is not a formula here\"\ncategories = [\"Bands\"]\nborn = 1999\n",
        "Bea sings in [[Alpha]].[^s]\n\n[^s]: [[Report]]\n",
    );
    site.page(
        "content/sources/report.md",
        "Report",
        "summary = \"A source.\"\npublisher = \"Herald, \\\"daily\\\"\"\n",
        "A report on [[Alpha]].\n",
    );
    let mut hashes = BTreeMap::new();
    git(
        &site,
        &["init", "-q", "-b", "main"],
        AUTHOR,
        "2026-01-01T00:00:00Z",
    );
    git(&site, &["add", "."], AUTHOR, "2026-01-01T00:00:00Z");
    git(
        &site,
        &["commit", "-qm", HOSTILE],
        AUTHOR,
        "2026-01-02T10:00:00+09:00",
    );
    hashes.insert(
        "first",
        git(
            &site,
            &["rev-parse", "HEAD"],
            AUTHOR,
            "2026-01-02T10:00:00Z",
        ),
    );
    git(
        &site,
        &[
            "mv",
            "content/groups/alpha.md",
            "content/groups/alpha-band.md",
        ],
        "Renamer",
        "2026-02-01T00:00:00Z",
    );
    site.page(
        "content/groups/alpha-band.md",
        "Alpha",
        "summary = \"A group, with a comma.\"\ncategories = [\"Bands\"]\nmembers = [\"Bea\"]\ndebut = 2020\n",
        &alpha("Second text.\n\nA new line."),
    );
    git(&site, &["add", "-A"], "Renamer", "2026-02-01T00:00:00Z");
    git(
        &site,
        &["commit", "-qm", "Rename Alpha"],
        "Renamer",
        "2026-02-01T12:00:00Z",
    );
    hashes.insert(
        "rename",
        git(&site, &["rev-parse", "HEAD"], "x", "2026-02-01T12:00:00Z"),
    );
    git(
        &site,
        &["checkout", "-qb", "side"],
        "x",
        "2026-03-01T00:00:00Z",
    );
    site.page(
        "content/people/bea.md",
        "Bea",
        "summary = \"=1+1 is not a formula here\"\ncategories = [\"Bands\"]\nborn = 1999\n",
        "Bea sings in [[Alpha]], on a branch.[^s]\n\n[^s]: [[Report]]\n",
    );
    git(
        &site,
        &["commit", "-qam", "Bea on a branch"],
        "Brancher",
        "2026-03-01T08:00:00Z",
    );
    hashes.insert(
        "side",
        git(&site, &["rev-parse", "HEAD"], "x", "2026-03-01T08:00:00Z"),
    );
    git(
        &site,
        &["checkout", "-q", "main"],
        "x",
        "2026-03-02T00:00:00Z",
    );
    site.page(
        "content/sources/report.md",
        "Report",
        "summary = \"A source.\"\npublisher = \"Herald, \\\"daily\\\"\"\n",
        "A report on [[Alpha]], revised.\n",
    );
    git(
        &site,
        &["commit", "-qam", "Report revised"],
        "Main Editor",
        "2026-03-02T09:00:00Z",
    );
    git(
        &site,
        &["merge", "-q", "--no-ff", "-m", "Merge branch side", "side"],
        "Merger",
        "2026-03-03T09:00:00Z",
    );
    hashes.insert(
        "merge",
        git(&site, &["rev-parse", "HEAD"], "x", "2026-03-03T09:00:00Z"),
    );
    (site, hashes)
}

fn all_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn atom(text: &str) -> atom_syndication::Feed {
    text.parse::<atom_syndication::Feed>()
        .unwrap_or_else(|e| panic!("not a valid Atom feed ({e}):\n{text}"))
}

#[test]
fn history_pages_follow_renames_count_lines_and_escape_what_authors_wrote() {
    let (site, hashes) = fixture();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let history = site.read("groups/alpha-band/history/index.html");
    let items: Vec<&str> = history.split("<li id=\"rev-").skip(1).collect();
    assert_eq!(items.len(), 2, "the rename and the creation:\n{history}");
    assert!(items[0].starts_with(&hashes["rename"]));
    assert!(items[0].contains("Renamer") && items[0].contains("Rename Alpha"));
    assert!(items[0].contains("renamed from <code>content/groups/alpha.md</code>"));
    // The rename changed "First text." into three lines.
    assert!(items[0].contains("+3 −1 lines"), "{}", items[0]);
    assert!(items[1].starts_with(&hashes["first"]));
    assert!(items[1].contains(AUTHOR) && items[1].contains("page created"));
    assert!(items[1].contains("2026-01-02 01:00 UTC"), "{}", items[1]);
    assert!(items[1].contains(&format!(
        "href=\"https://github.com/example/kpop-wiki/commit/{}\"",
        hashes["first"]
    )));
    assert!(items[1].contains(
        "Add &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; pages"
    ));
    // The page links its history, its feed and its data.
    let page = site.read("groups/alpha-band/index.html");
    assert!(page.contains("<a href=\"/kpop-wiki/groups/alpha-band/history/\">History</a>"));
    assert!(page.contains("<a href=\"/kpop-wiki/groups/alpha-band/feed.xml\">Watch this page</a>"));
    assert!(page.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Alpha: revisions\" href=\"/kpop-wiki/groups/alpha-band/feed.xml\">"
    ));
    assert!(page.contains(
        "<link rel=\"alternate\" type=\"application/json\" title=\"Alpha: data\" href=\"/kpop-wiki/groups/alpha-band/index.json\">"
    ));

    // The branch's commit is listed once on Bea's history; the merge adds nothing of its own.
    let bea = site.read("people/bea/history/index.html");
    assert_eq!(
        bea.matches(&format!("id=\"rev-{}\"", hashes["side"]))
            .count(),
        1
    );
    assert_eq!(bea.matches("<li id=\"rev-").count(), 2, "{bea}");
    // No e-mail address, no raw script and no merge message in any file.
    for (name, bytes) in all_files(&site.root().join("public")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("example.com"),
            "{name} has an e-mail address"
        );
        assert!(
            !text.contains("<script>alert"),
            "{name} has the message's script"
        );
        assert!(
            !text.contains("Merge branch side"),
            "{name} lists the merge"
        );
    }
}

#[test]
fn recent_changes_group_commits_by_day_with_their_pages() {
    let (site, hashes) = fixture();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let recent = site.read("recent-changes/index.html");
    let days: Vec<&str> = recent
        .split("<section id=\"day-")
        .skip(1)
        .map(|s| &s[..10])
        .collect();
    assert_eq!(
        days,
        ["2026-03-02", "2026-03-01", "2026-02-01", "2026-01-02"],
        "{recent}"
    );
    let first = between(&recent, "<section id=\"day-2026-01-02\"", "</section>");
    assert!(first.contains(&hashes["first"]));
    for page in [
        "<a href=\"/kpop-wiki/groups/alpha-band/\">Alpha</a> <strong class=\"rev-new\">new</strong>",
        "<a href=\"/kpop-wiki/people/bea/\">Bea</a> <strong class=\"rev-new\">new</strong>",
        "<a href=\"/kpop-wiki/sources/report/\">Report</a> <strong class=\"rev-new\">new</strong>",
    ] {
        assert!(first.contains(page), "{page} in {first}");
    }
    let rename = between(&recent, "<section id=\"day-2026-02-01\"", "</section>");
    assert!(rename.contains("<a href=\"/kpop-wiki/groups/alpha-band/\">Alpha</a></li>"));
    assert!(!rename.contains("rev-new"), "a rename is not a new page");
    assert!(recent.contains("&lt;script&gt;") && !recent.contains("<script>alert"));
    // The footer of every page links it.
    assert!(
        site.read("index.html")
            .contains("<a href=\"/kpop-wiki/recent-changes/\">Recent changes</a>")
    );
}

#[test]
fn feeds_are_valid_atom_for_pages_kinds_and_categories() {
    let (site, hashes) = fixture();
    assert!(site.build().status.success());
    let feed = atom(&site.read("groups/alpha-band/feed.xml"));
    assert_eq!(feed.entries().len(), 2);
    let newest = &feed.entries()[0];
    assert_eq!(newest.title().as_str(), "Rename Alpha");
    assert_eq!(newest.authors()[0].name(), "Renamer");
    let oldest = &feed.entries()[1];
    assert_eq!(
        oldest.title().as_str(),
        HOSTILE,
        "the message is text, read back as written"
    );
    assert_eq!(oldest.authors()[0].name(), AUTHOR);
    assert_eq!(
        oldest.links()[0].href(),
        format!(
            "https://github.com/example/kpop-wiki/commit/{}",
            hashes["first"]
        )
    );
    assert_eq!(
        feed.updated().to_rfc3339(),
        "2026-02-01T12:00:00+00:00",
        "the feed is as new as its newest entry"
    );
    // A kind's and a category's feeds list the pages added to them, newest first.
    let people = atom(&site.read("people/feed.xml"));
    assert_eq!(people.entries().len(), 1);
    assert_eq!(people.entries()[0].title().as_str(), "Bea");
    let bands = atom(&site.read("categories/bands/feed.xml"));
    let titles: Vec<&str> = bands.entries().iter().map(|e| e.title().as_str()).collect();
    // Alpha's file is new since the rename; Bea's dates from the first commit.
    assert_eq!(titles, ["Alpha", "Bea"]);
    assert!(
        site.read("groups/index.html")
            .contains("href=\"/kpop-wiki/groups/feed.xml\"")
    );
    assert!(
        site.read("categories/bands/index.html")
            .contains("href=\"/kpop-wiki/categories/bands/feed.xml\"")
    );
}

pub fn validator(schema: &str) -> jsonschema::Validator {
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(repo().join("schema").join(name)).unwrap())
            .unwrap()
    };
    let registry = jsonschema::Registry::new()
        .add(
            "https://kwiki.example/schema/page.schema.json",
            read("page.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&read(schema))
        .unwrap()
}

pub fn assert_valid(validator: &jsonschema::Validator, value: &serde_json::Value, name: &str) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not follow the schema: {errors:#?}"
    );
}

#[test]
fn json_follows_the_schema_and_resolves_links() {
    let (site, _) = fixture();
    assert!(site.build().status.success());
    let page_schema = validator("page.schema.json");
    let collection_schema = validator("collection.schema.json");
    let json =
        |path: &str| -> serde_json::Value { serde_json::from_str(&site.read(path)).unwrap() };
    let alpha = json("groups/alpha-band/index.json");
    assert_valid(&page_schema, &alpha, "alpha");
    let bea_url = "https://example.github.io/kpop-wiki/people/bea/";
    assert_eq!(alpha["fields"]["members"][0]["url"], bea_url);
    assert_eq!(alpha["fields"]["members"][0]["title"], "Bea");
    assert_eq!(alpha["fields"]["debut"], 2020);
    assert_eq!(alpha["kind"], "group");
    assert_eq!(alpha["summary"], "A group, with a comma.");
    assert_eq!(alpha["categories"][0]["title"], "Bands");
    // Links in order, a red link last with a null URL.
    let links: Vec<(&str, Option<&str>)> = alpha["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["title"].as_str().unwrap(), l["url"].as_str()))
        .collect();
    assert_eq!(links, [("Bea", Some(bea_url)), ("Nowhere Yet", None)]);
    assert_eq!(alpha["citations"][0]["title"], "Report");
    let backlinks: Vec<&str> = alpha["backlinks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].as_str().unwrap())
        .collect();
    assert_eq!(backlinks, ["Bea", "Report"]);
    assert_eq!(alpha["updated"], "2026-02-01T12:00:00Z");
    let report = json("sources/report/index.json");
    assert_valid(&page_schema, &report, "report");
    assert_eq!(report["cited_by"].as_array().unwrap().len(), 2);
    assert_eq!(report["fields"]["publisher"], "Herald, \"daily\"");

    let wiki = json("wiki.json");
    assert_valid(&collection_schema, &wiki, "wiki.json");
    assert_eq!(wiki["pages"].as_array().unwrap().len(), 3);
    assert_eq!(
        wiki["pages"][0], alpha,
        "the wiki's file holds each page's data"
    );
    let groups = json("groups/index.json");
    assert_valid(&collection_schema, &groups, "groups");
    assert_eq!(groups["kind"], "group");
    assert_eq!(groups["pages"].as_array().unwrap().len(), 1);
    // A page that is not valid is refused: the schema checks something.
    let mut broken = alpha.clone();
    broken["links"][0]["url"] = serde_json::json!("not a url");
    assert!(!page_schema.is_valid(&broken));
}

#[test]
fn csv_tables_quote_their_fields_and_guard_against_formulas() {
    let (site, _) = fixture();
    assert!(site.build().status.success());
    let read = |path: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(site.read(path).as_bytes())
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let text = site.read("groups/index.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "title",
            "url",
            "summary",
            "aliases",
            "categories",
            "created",
            "updated",
            "agency",
            "members",
            "debut"
        ]
    );
    assert!(text.ends_with("\r\n"), "records end with CRLF (RFC 4180)");
    let groups = read("groups/index.csv");
    assert_eq!(groups.len(), 1);
    assert_eq!(&groups[0][0], "Alpha");
    assert_eq!(&groups[0][2], "A group, with a comma.");
    assert_eq!(&groups[0][8], "Bea");
    assert_eq!(&groups[0][9], "2020");
    let people = read("people/index.csv");
    assert_eq!(&people[0][2], "'=1+1 is not a formula here");
    let sources = read("sources/index.csv");
    assert_eq!(&sources[0][7], "Herald, \"daily\"");
}

#[test]
fn toggles_off_leave_no_files_and_no_links() {
    let (site, _) = fixture();
    site.write(
        "site.toml",
        &format!(
            "{SITE_TOML}\n[outputs]\nhistory = false\nrecent_changes = false\npage_feeds = false\njson = false\ncsv = false\n"
        ),
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    for (name, bytes) in all_files(&site.root().join("public")) {
        let json = name.ends_with(".json") && !name.starts_with("search/");
        let made = name.contains("history/") || name.starts_with("recent-changes") || json;
        assert!(!made, "{name} is made with its output off");
        assert!(!name.ends_with(".csv"), "{name}");
        assert!(name == "feed.xml" || !name.ends_with("feed.xml"), "{name}");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("recent-changes/") && !text.contains("Watch this page"));
    }
    let page = site.read("groups/alpha-band/index.html");
    assert!(!page.contains("application/json") && !page.contains(">History<"));
    // The repository's own history stays linked.
    assert!(page.contains(
        "https://github.com/example/kpop-wiki/commits/main/content/groups/alpha-band.md"
    ));
    // Dates are still read.
    assert!(page.contains("Last edited"));

    site.write(
        "site.toml",
        &format!("{SITE_TOML}\n[outputs]\njson = false\nhistroy = false\n"),
    );
    let out = site.build();
    assert_eq!(out.status.code(), Some(1));
    let line = SITE_TOML.lines().count() + 4;
    assert!(
        stderr(&out).contains(&format!(
            "site.toml:{line}:1: error[config]: unknown field `histroy`"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_same_commit_gives_the_same_bytes_in_any_folder() {
    let (site, _) = fixture();
    let elsewhere = tempfile::tempdir().unwrap();
    let clone = elsewhere.path().join("another name");
    let out = Command::new("git")
        .args(["clone", "-q"])
        .arg(site.root())
        .arg(&clone)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.build().status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["build", "--root"])
        .arg(&clone)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let here = all_files(&site.root().join("public"));
    let there = all_files(&clone.join("public"));
    assert_eq!(
        here.keys().collect::<Vec<_>>(),
        there.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &here {
        assert!(there[name] == *bytes, "{name} differs between the folders");
    }
    assert!(here.contains_key("groups/alpha-band/history/index.html"));
}

#[test]
fn without_git_or_in_a_shallow_clone_history_pages_say_so() {
    let site = TestSite::new();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "",
        "Alpha is a group.\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let history = site.read("groups/alpha/history/index.html");
    assert!(
        history.contains("built outside a git checkout"),
        "{history}"
    );
    assert!(!history.contains("<li id=\"rev-"));
    assert!(
        site.read("recent-changes/index.html")
            .contains("built outside a git checkout")
    );
    assert!(!site.exists("groups/alpha/feed.xml") && !site.exists("groups/feed.xml"));
    let json: serde_json::Value =
        serde_json::from_str(&site.read("groups/alpha/index.json")).unwrap();
    assert_eq!(json["created"], serde_json::Value::Null);
    assert_valid(&validator("page.schema.json"), &json, "alpha outside git");

    let (full, hashes) = fixture();
    let shallow = tempfile::tempdir().unwrap();
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1"])
        .arg(format!("file://{}", full.root().display()))
        .arg(shallow.path().join("site"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["build", "--root"])
        .arg(shallow.path().join("site"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let history = std::fs::read_to_string(
        shallow
            .path()
            .join("site/public/groups/alpha-band/history/index.html"),
    )
    .unwrap();
    assert!(history.contains("shallow git clone"), "{history}");
    assert!(
        history.contains(&hashes["merge"]),
        "the one commit it has is listed"
    );
}
