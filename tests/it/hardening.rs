//! The third hardening pass, as a new user meets kwiki: nothing replaced, nothing hidden,
//! nothing hangs. One test (or more) per point of the issue; `serve.rs` holds the ones that
//! need a running server.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

fn kwiki() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kwiki"))
}

fn small_site() -> TestSite {
    let site = TestSite::new();
    site.page(
        "content/groups/a.md",
        "A",
        "",
        "A group. See [[B]].[^s]\n\n[^s]: [[S]]\n",
    )
    .page(
        "content/groups/b.md",
        "B",
        "",
        "B. See [[A]].[^s]\n\n[^s]: [[S]]\n",
    )
    .page("content/sources/s.md", "S", "", "A source on [[A]].\n")
    .write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\n[[A]] [[B]] [[S]]\n",
    );
    site
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".new-") || n.contains(".old-") || n.contains(".abandoned"))
        .collect()
}

// 1. An --out that names an existing file is refused, the file kept.
#[test]
fn out_naming_a_file_is_refused_and_the_file_kept() {
    let site = small_site();
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(outside.path(), "precious\n").unwrap();
    let targets = [
        site.root().join("site.toml"),
        site.root().join("content/groups/a.md"),
        outside.path().to_path_buf(),
    ];
    for target in targets {
        let before = std::fs::read(&target).unwrap();
        let out = site.kwiki(&["build", "--out", target.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("it is a file, not a folder kwiki made"),
            "{}",
            stderr(&out)
        );
        assert!(target.is_file(), "{} is still a file", target.display());
        assert_eq!(std::fs::read(&target).unwrap(), before);
        assert!(leftovers(target.parent().unwrap()).is_empty());
    }
    // A symbolic link named as the output is refused too (the swap would replace the link).
    let real = tempfile::tempdir().unwrap();
    let link = site.root().join("out-link");
    std::os::unix::fs::symlink(real.path(), &link).unwrap();
    let out = site.kwiki(&["build", "--out", link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

// 2. A broken page: its error comes first, and links to it are not red links.
#[test]
fn a_broken_page_is_the_one_error_and_links_to_it_are_not_red() {
    let site = small_site();
    site.write_bytes(
        "content/groups/b.md",
        b"+++\ntitle = \"B\"\n+++\nbad \xff byte\n",
    );
    let out = site.build();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("content/groups/b.md:4:5: error[encoding]"),
        "the root error first:\n{err}"
    );
    assert!(
        !err.contains("red-link"),
        "no red links to the broken page:\n{err}"
    );
    assert!(
        err.contains("2 links on 2 pages point at this page"),
        "said once how many links point at it:\n{err}"
    );
    // Unreadable front matter, where even the title is lost: still known by its file name.
    site.write("content/groups/b.md", "title = \"B\"\nno fence\n");
    let err = stderr(&site.build());
    assert!(!err.contains("red-link"), "{err}");
    assert!(err.contains("links on 2 pages point at this page"), "{err}");
    // Errors come before warnings, whatever their paths.
    site.write(
        "content/groups/b.md",
        "+++\ntitle = \"B\"\n+++\n[[Nowhere]]\n",
    )
    .write(
        "content/sources/z.md",
        "+++\ntitle = \"Z\"\nyear = \"x\"\n+++\nz\n",
    );
    let err = stderr(&site.build());
    let error_at = err.find("error[").unwrap();
    let warning_at = err.find("warning[red-link]").unwrap();
    assert!(error_at < warning_at, "{err}");
}

// 4. A static file a generated page would replace is an error naming both.
#[test]
fn static_files_that_generated_pages_would_replace_are_errors() {
    let site = small_site();
    site.write("static/index.html", "mine")
        .write("static/groups/a/index.html", "mine too")
        .write("static/robots.txt", "mine as well")
        .write("static/extra.txt", "fine");
    let out = site.build();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        "static/index.html: error[static-collision]: static/index.html and a generated page would both be published at /index.html",
        "static/groups/a/index.html: error[static-collision]: static/groups/a/index.html and the page content/groups/a.md would both be published at /groups/a/index.html",
        "static/robots.txt: error[static-collision]",
    ] {
        assert!(err.contains(expected), "{expected:?} in:\n{err}");
    }
    assert!(!err.contains("extra.txt"), "{err}");
    assert!(!site.root().join("public").exists(), "nothing written");
}

// 5. Template errors at the template's real path, line and column, with the page.
#[test]
fn template_errors_name_the_template_line_and_page() {
    let site = small_site();
    site.write(
        "templates/kinds/group.html",
        "{% extends \"nope.html\" %}\n{% block x %}{% endblock %}\n",
    );
    let out = site.kwiki(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let d = &json["diagnostics"][0];
    assert_eq!(d["path"], "templates/kinds/group.html", "{json}");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(12)),
        "{json}"
    );

    site.write(
        "templates/kinds/group.html",
        "<p>\n  {% include \"missing.html\" %}\n</p>\n",
    );
    let err = stderr(&site.kwiki(&["check"]));
    assert!(
        err.contains("templates/kinds/group.html:2:14: error[template]"),
        "{err}"
    );
    assert!(!err.contains("templates/templates"), "{err}");

    // A component that calls itself: located at the call, with the page being rendered.
    site.write(
        "templates/kinds/group.html",
        "{% component again(n: string) %}\n<i>{{ <again n={n} /> }}</i>\n{% endcomponent again %}\n{{ <again n=\"x\" /> }}\n",
    );
    let err = stderr(&site.kwiki(&["check"]));
    assert!(
        err.contains("templates/kinds/group.html:2:7: error[template]"),
        "{err}"
    );
    assert!(
        err.contains("while rendering content/groups/a.md (groups/a/index.html)"),
        "{err}"
    );
    assert!(err.contains("and 1 more file fails the same way"), "{err}");
}

// 6. A template that never finishes: the watchdog names it and the page, and the build fails.
#[test]
fn a_template_that_never_finishes_fails_the_build_with_its_name_and_page() {
    let site = small_site();
    assert!(site.build().status.success());
    let before = site.read("groups/a/index.html");
    site.write(
        "templates/kinds/group.html",
        "{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}\n",
    );
    let started = Instant::now();
    let out = site
        .kwiki_env(&["build"], &[("KWIKI_RENDER_TIMEOUT_MS", "500")])
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("templates/kinds/group.html: error[template-timeout]: still rendering after"),
        "{err}"
    );
    assert!(err.contains("while rendering content/groups/"), "{err}");
    assert_eq!(
        site.read("groups/a/index.html"),
        before,
        "previous site kept"
    );
    assert!(
        leftovers(site.root()).is_empty(),
        "{:?}",
        leftovers(site.root())
    );
}

// 8. Ctrl-C or SIGTERM during a build: the staging folder is removed, the output kept.
#[test]
fn an_interrupted_build_cleans_up_and_keeps_the_previous_site() {
    for signal in ["INT", "TERM"] {
        let site = small_site();
        assert!(site.build().status.success());
        let before = site.read("index.html");
        // A slow (not endless) template keeps the build in its render stage for a while.
        site.write(
            "templates/kinds/group.html",
            "{% for i in range(end=30000) %}{% for j in range(end=3000) %}{% endfor %}{% endfor %}\n",
        );
        let child = kwiki()
            .env("KWIKI_RENDER_TIMEOUT_MS", "600000")
            .args(["build", "--root"])
            .arg(site.root())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while leftovers(site.root()).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !leftovers(site.root()).is_empty(),
            "the build started staging"
        );
        std::thread::sleep(Duration::from_millis(200));
        let killed = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(130),
            "SIG{signal}: {}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("Interrupted"), "{}", stderr(&out));
        assert!(
            leftovers(site.root()).is_empty(),
            "SIG{signal}: {:?}",
            leftovers(site.root())
        );
        assert_eq!(site.read("index.html"), before);
    }
}

// 10. Links that lead nowhere, and aliases with nothing to make an address from.
#[test]
fn links_to_nothing_and_unaddressable_aliases_are_located_warnings() {
    let site = small_site();
    site.page(
        "content/groups/c.md",
        "C",
        "aliases = [\"!!!\", \"🎉\"]\n",
        "One [[ ]] two [[#]] three [[A|]] four.[^s]\n\n[^s]: [[S]]\n",
    );
    let err = stderr(&site.kwiki(&["check"]));
    for expected in [
        "content/groups/c.md:5:5: warning[empty-link]: this link names no page and no heading",
        "content/groups/c.md:5:15: warning[empty-link]: this link names no page and no heading",
        "content/groups/c.md:5:27: warning[empty-link]: the link to \"A\" has no text",
        "content/groups/c.md:3:12: warning[alias-no-redirect]: alias \"!!!\"",
        "content/groups/c.md:3:19: warning[alias-no-redirect]: alias \"🎉\"",
    ] {
        assert!(err.contains(expected), "{expected:?} in:\n{err}");
    }
    assert!(site.build().status.success());
    let page = site.read("groups/c/index.html");
    assert!(!page.contains("href=\"\""), "no empty href");
    assert!(page.contains(">A</a>"), "the target is the text of [[A|]]");
}

// 11. Exit codes: an unreadable folder is an environment failure (2), like a usage error.
#[test]
fn an_unreadable_folder_exits_2_and_a_usage_error_exits_2() {
    let out = kwiki().args(["build", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let site = small_site();
    let groups = site.root().join("content/groups");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(site.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&groups, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads any folder: run as an unprivileged user there (setpriv, from util-linux).
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| stdout(&o).trim() == "0")
        .unwrap_or(false);
    let mut command = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_kwiki"));
        c
    } else {
        kwiki()
    };
    let out = command
        .args(["check", "--root"])
        .arg(site.root())
        .output()
        .unwrap();
    std::fs::set_permissions(&groups, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("content/groups: error[unreadable]: cannot read"),
        "{}",
        stderr(&out)
    );
}

// 12. Messages that read correctly.
#[test]
fn messages_suggest_real_names_and_read_correctly() {
    let site = small_site();
    site.write(
        "content/groups/에이티즈.md",
        "+++\ntitle = \"에이티즈\"\n+++\nx\n",
    );
    let err = stderr(&site.kwiki(&["check"]));
    assert!(err.contains("suggested: eitijeu.md"), "{err}");
    assert!(!err.contains("page.md"), "{err}");
    std::fs::remove_file(site.root().join("content/groups/에이티즈.md")).unwrap();

    site.write("content/groups/y.md", "---\ntitle: Y\n---\nYAML.\n");
    let out = site.kwiki(&["check"]);
    let err = stderr(&out);
    assert!(err.contains("as YAML front matter does"), "{err}");
    assert!(!err.contains("\\n"), "notes print real line breaks:\n{err}");
    assert!(err.contains("\n          +++\n"), "{err}");
    assert!(
        stdout(&out).contains(": 1 error, 0 warnings in "),
        "{}",
        stdout(&out)
    );
}

// 13. The README's sample summary line has the shape of today's output.
#[test]
fn the_readme_summary_line_matches_the_output() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let sample = readme
        .lines()
        .find_map(|l| {
            let at = l.find("`Built ")?;
            Some(l[at + 1..].split('`').next()?.to_string())
        })
        .expect("the README shows a summary line");
    let shape = |line: &str| -> String {
        line.split_whitespace()
            .map(|w| {
                if w.chars().any(|c| c.is_ascii_digit()) {
                    "N"
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let site = small_site();
    let out = site.build();
    let printed = stdout(&out);
    let line = printed.lines().find(|l| l.starts_with("Built ")).unwrap();
    let line = line.split(" → ").next().unwrap();
    let sample = sample.split(" → ").next().unwrap();
    assert_eq!(
        shape(sample),
        shape(line).replace("redirect,", "redirects,")
    );
}

// 14. `check --format json` carries a summary, with what the cap left out.
#[test]
fn json_report_has_a_summary_with_counts_and_capped_diagnostics() {
    let site = small_site();
    let links: String = (0..130).map(|i| format!("[[Missing {i}]] ")).collect();
    site.page("content/groups/c.md", "C", "year = 1\n", &links);
    let out = site.kwiki(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let summary = &json["summary"];
    let listed = json["diagnostics"].as_array().unwrap().len() as u64;
    assert_eq!(
        summary["errors"].as_u64().unwrap() + summary["warnings"].as_u64().unwrap(),
        listed
    );
    assert_eq!(summary["omitted"], 30, "{summary}");
    assert_eq!(summary["by_code"]["red-link"]["warnings"], 101, "{summary}");
    assert_eq!(summary["by_code"]["red-link"]["omitted"], 30, "{summary}");
    assert_eq!(summary["by_code"]["front-matter"]["errors"], 1, "{summary}");
}
