//! The editor's commands: `init` (a new wiki on the built-in theme), `eject` and `init --theme`
//! (the theme written out), a site's templates and static files overriding the built-in ones
//! file by file, `new` (a page of a kind, refusing names that are taken) and
//! `check --format github`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::*;

/// `kwiki` with exactly these arguments (no `--root` added).
fn kwiki(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A new wiki made by `kwiki init` in a fresh temporary folder.
fn init_site() -> TestSite {
    let site = TestSite::empty();
    let out = kwiki(&["init", "."], site.root());
    assert!(out.status.success(), "{}", stderr(&out));
    site
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(dir).unwrap();
            let name = relative.to_string_lossy().replace('\\', "/");
            out.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

fn assert_same_files(left: &Path, right: &Path) {
    let (a, b) = (files(left), files(right));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{} and {} hold different files",
        left.display(),
        right.display()
    );
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs");
    }
}

#[test]
fn init_builds_and_passes_the_strict_check_on_the_built_in_theme() {
    let site = init_site();
    let root = site.root();
    for written in [
        "site.toml",
        "content/_index.md",
        ".gitignore",
        ".github/workflows/check.yml",
        ".github/workflows/pages.yml",
    ] {
        assert!(root.join(written).is_file(), "{written} missing");
    }
    assert!(!root.join("templates").exists() && !root.join("static").exists());
    // One example page per kind of the schema.
    let config = std::fs::read_to_string(root.join("site.toml")).unwrap();
    for folder in ["people", "groups", "works", "events", "sources"] {
        assert!(
            config.contains(&format!("folder = \"{folder}\"")),
            "{folder}"
        );
        let pages = std::fs::read_dir(root.join("content").join(folder)).unwrap();
        assert_eq!(pages.count(), 1, "one example page in {folder}/");
    }
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert_eq!(gitignore, "public/\ntarget/\n");
    for workflow in ["check.yml", "pages.yml"] {
        let text = std::fs::read_to_string(root.join(".github/workflows").join(workflow)).unwrap();
        assert!(
            text.contains("check --strict --format github"),
            "{workflow}"
        );
        assert!(text.contains("cargo install --locked"), "{workflow}");
    }

    let check = site.kwiki(&["check", "--strict"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stdout(&check).starts_with("Checked 5 pages: 0 errors, 0 warnings"),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    assert_eq!(stderr(&check), "", "no problem, no note");
    let build = site.kwiki(&["build", "--strict"]);
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(stdout(&build).contains("Built 5 pages, 1 redirect, 0 warnings"));
    // The built-in theme's static files are published as they are in the repository.
    for file in ["style.css", "kwiki.js", "search.js", "favicon.svg"] {
        assert_eq!(
            std::fs::read(root.join("public").join(file)).unwrap(),
            std::fs::read(repo().join("static").join(file)).unwrap(),
            "{file}"
        );
    }
    let page = site.read("groups/example-group/index.html");
    assert!(page.contains("Example Person"), "infobox link");
    assert!(page.contains("style.css"), "the built-in base.html");
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let site = TestSite::empty();
    site.write("notes.txt", "mine");
    let out = kwiki(&["init", "."], site.root());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("not empty (notes.txt)"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(!site.root().join("site.toml").exists(), "nothing written");

    // --force adds what is missing and overwrites nothing, even in a finished wiki.
    let forced = kwiki(&["init", ".", "--force"], site.root());
    assert!(forced.status.success(), "{}", stderr(&forced));
    site.write("site.toml", "title = \"Mine\"\n");
    std::fs::remove_file(site.root().join(".gitignore")).unwrap();
    let again = kwiki(&["init", ".", "--force"], site.root());
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("wrote ./.gitignore"),
        "{}",
        stdout(&again)
    );
    assert!(
        stdout(&again).contains("kept ./site.toml"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        std::fs::read_to_string(site.root().join("site.toml")).unwrap(),
        "title = \"Mine\"\n"
    );
    assert_eq!(
        std::fs::read_to_string(site.root().join("notes.txt")).unwrap(),
        "mine"
    );

    // A folder with only .git (a repository just made) is a fine place, and DIR is made.
    let repo_dir = TestSite::empty();
    std::fs::create_dir(repo_dir.root().join(".git")).unwrap();
    let out = kwiki(&["init", "."], repo_dir.root());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = kwiki(&["init", "new/wiki"], repo_dir.root());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo_dir.root().join("new/wiki/site.toml").is_file());
}

#[test]
fn a_site_file_overrides_the_built_in_one_of_its_name_only() {
    let site = init_site();
    let before_dir = site.root().join("before");
    let built_in = site.kwiki(&["build", "--out", before_dir.to_str().unwrap()]);
    assert!(built_in.status.success(), "{}", stderr(&built_in));
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}<p>OWN PAGE {{ page.title }}</p>{% endblock %}",
    );
    site.write("static/style.css", "body { color: red }\n");
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let page = site.read("people/example-person/index.html");
    assert!(page.contains("<p>OWN PAGE Example Person</p>"), "{page}");
    // The rest is the built-in theme: base.html around the page, the home page, the scripts.
    assert!(page.contains("kwiki.js"), "built-in base.html");
    assert_eq!(
        site.read("index.html"),
        std::fs::read_to_string(site.root().join("before/index.html")).unwrap()
    );
    assert_eq!(site.read("style.css"), "body { color: red }\n");
    assert_eq!(
        site.read("kwiki.js"),
        std::fs::read_to_string(repo().join("static/kwiki.js")).unwrap()
    );

    // Errors name the real file: the site's own template...
    site.write("templates/page.html", "{% if %}");
    let out = site.kwiki(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("templates/page.html:1:"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("built-in"), "{}", stderr(&out));
    // ...or the built-in one, which a site's base.html can break (a loop of `extends`
    // through the built-in page.html, reported at the first built-in template that meets it).
    std::fs::remove_file(site.root().join("templates/page.html")).unwrap();
    site.write("templates/base.html", "{% extends \"page.html\" %}");
    let out = site.kwiki(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("(built-in theme) templates/404.html:1:4: error[template]: Circular extend"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn eject_writes_the_repository_theme_and_the_output_stays_the_same() {
    let site = init_site();
    let before_dir = site.root().join("before");
    let before = site.kwiki(&["build", "--out", before_dir.to_str().unwrap()]);
    assert!(before.status.success(), "{}", stderr(&before));
    let out = site.kwiki(&["eject"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_files(&site.root().join("templates"), &repo().join("templates"));
    assert_same_files(&site.root().join("static"), &repo().join("static"));
    let after = site.build();
    assert!(after.status.success(), "{}", stderr(&after));
    assert_same_files(&site.root().join("public"), &site.root().join("before"));

    // Ejecting again refuses, names a file in the way, and writes nothing; --force overwrites.
    site.write("templates/page.html", "edited");
    let again = site.kwiki(&["eject"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("templates/page.html"),
        "{}",
        stderr(&again)
    );
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(
        std::fs::read_to_string(site.root().join("templates/page.html")).unwrap(),
        "edited"
    );
    let forced = site.kwiki(&["eject", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_same_files(&site.root().join("templates"), &repo().join("templates"));

    // `init --theme` in an existing wiki writes the theme only.
    let other = init_site();
    let themed = kwiki(&["init", ".", "--theme"], other.root());
    assert!(themed.status.success(), "{}", stderr(&themed));
    assert_same_files(&other.root().join("templates"), &repo().join("templates"));
    assert_same_files(&other.root().join("static"), &repo().join("static"));
    assert!(
        !stdout(&themed).contains("site.toml"),
        "{}",
        stdout(&themed)
    );

    // `init --theme` in an empty folder: the wiki and the theme.
    let fresh = TestSite::empty();
    let out = kwiki(&["init", ".", "--theme"], fresh.root());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fresh.root().join("site.toml").is_file());
    assert_same_files(&fresh.root().join("templates"), &repo().join("templates"));
    assert_same_files(&fresh.root().join("static"), &repo().join("static"));
}

#[test]
fn new_writes_every_field_of_the_kind_and_refuses_a_taken_name() {
    let site = TestSite::new();
    site.page(
        "content/groups/ateez.md",
        "Ateez",
        "aliases = [\"ATEEZ\", \"Eight makes one team\"]\n",
        "x\n",
    );
    let out = site.kwiki(&["new", "group", "Stray Kids"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = site.root().join("content/groups/stray-kids.md");
    assert_eq!(stdout(&out).trim(), path.display().to_string());
    let text = std::fs::read_to_string(&path).unwrap();
    insta::assert_snapshot!("new_group_page", text);
    // The new page is a valid page: its only problems are that nothing links to it yet.
    let check = site.kwiki(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    for line in stderr(&check)
        .lines()
        .filter(|l| l.contains("stray-kids.md"))
    {
        assert!(
            line.ends_with("warning[orphan]: no page links to \"Stray Kids\"")
                || line.ends_with("warning[uncited-page]: page cites no source"),
            "{line}"
        );
    }
    // Uncommenting a field gives a value of the right type.
    let filled = text
        .replace("# debut = 2024", "debut = 2024")
        .replace("# members = [\"...\"]", "members = [\"Bang Chan\"]");
    site.write("content/groups/stray-kids.md", &filled);
    let check = site.kwiki(&["check"]);
    assert!(
        !stderr(&check).contains("front-matter"),
        "{}",
        stderr(&check)
    );

    // Taken: a title (any case), an alias (typographic variants match), a file name.
    for (kind, title, names) in [
        ("song", "stray kids", "content/groups/stray-kids.md"),
        ("person", "Eight Makes One Team", "content/groups/ateez.md"),
        ("group", "Stray-Kids!", "content/groups/stray-kids.md"),
    ] {
        let out = site.kwiki(&["new", kind, title]);
        assert_eq!(out.status.code(), Some(1), "{title}: {}", stderr(&out));
        assert!(stderr(&out).contains(names), "{title}: {}", stderr(&out));
    }
    assert!(
        stderr(&site.kwiki(&["new", "person", "ateez"]))
            .contains("already has the title \"Ateez\"")
    );
    assert!(
        stderr(&site.kwiki(&["new", "person", "Eight makes one team"]))
            .contains("has the alias \"Eight makes one team\"")
    );
    assert!(!site.root().join("content/songs/stray-kids.md").exists());

    // An unknown kind lists the kinds; a title without letters needs --slug.
    let out = site.kwiki(&["new", "band", "X"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "unknown kind \"band\": site.toml declares group, person, agency, song, source"
        ),
        "{}",
        stderr(&out)
    );
    let out = site.kwiki(&["new", "song", "!!!"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--slug"), "{}", stderr(&out));
    let out = site.kwiki(&["new", "song", "!!!", "--slug", "exclamations"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(site.root().join("content/songs/exclamations.md"))
            .unwrap()
            .starts_with("+++\ntitle = \"!!!\"\n")
    );
    // A title with quotes and a backslash is written as a TOML string that reads back as typed.
    let out = site.kwiki(&["new", "song", "Say \"Hi\" \\o/"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(site.root().join("content/songs/say-hi-o.md")).unwrap();
    assert!(
        written.starts_with("+++\ntitle = 'Say \"Hi\" \\o/'\n"),
        "{written}"
    );
    // An apostrophe does not split a word of the file name.
    let out = site.kwiki(&["new", "song", "It’s Me"]);
    assert!(
        stdout(&out).trim().ends_with("content/songs/its-me.md"),
        "{}",
        stdout(&out)
    );
    let check = site.kwiki(&["check"]);
    assert!(
        stderr(&check).contains("no page links to \"Say \"Hi\" \\o/\""),
        "{}",
        stderr(&check)
    );
    // Outside a wiki: the missing site.toml, and what to do.
    let nowhere = TestSite::empty();
    let out = nowhere.kwiki(&["new", "song", "X"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot read site.toml"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--root"), "{}", stderr(&out));
    // Other scripts are romanised for the file name; the title keeps them.
    let out = site.kwiki(&["new", "person", "방찬"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).trim().ends_with("content/people/bangcan.md"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_format_github_prints_workflow_commands() {
    let site = TestSite::new();
    site.page(
        "content/groups/a.md",
        "A",
        "debut = \"soon\"\n",
        "See [[50%, or: half]] and [[B]].\n",
    )
    .page("content/groups/b.md", "B", "aliases = [\"A\"]\n", "x\n")
    .write("content/groups/x,y:z.md", "+++\ntitle = \"C\"\n+++\n");
    let out = site.kwiki(&["check", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    // The last line is the summary, with a time.
    let (commands, summary) = text.trim_end().rsplit_once('\n').unwrap();
    assert!(
        summary.starts_with("Checked 2 pages: 2 errors, 5 warnings in "),
        "{summary}"
    );
    for line in commands.lines() {
        assert!(
            line.starts_with("::error file=") || line.starts_with("::warning file="),
            "{line}"
        );
    }
    insta::assert_snapshot!("check_github", commands);
    // Strict makes content warnings errors, as in the text format.
    let strict = site.kwiki(&["check", "--strict", "--format", "github"]);
    assert!(
        stdout(&strict).contains("::error file=content/groups/a.md,title=orphan::"),
        "{}",
        stdout(&strict)
    );
    // A good site: no command, exit 0.
    let good = init_site();
    let out = good.kwiki(&["check", "--strict", "--format", "github"]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("Checked 5 pages: 0 errors, 0 warnings"));
}
