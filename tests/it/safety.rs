//! Broken and hostile input that is not script: pathological Markdown, names that try to leave
//! the output folder, symbolic links, killed builds, and output that must not depend on where
//! or how widely a build runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kwiki::{Options, Session};

use crate::support::{TestSite, copy_dir, repo, stderr};

/// Time of an in-memory build (everything but the write) of a site with `body` as one page
/// beside a small one; the median of three.
fn build_time(body: &str) -> (Duration, kwiki::Report) {
    let site = TestSite::new();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "",
        "Alpha links [[Big]].\n",
    );
    site.page("content/groups/big.md", "Big", "", body);
    let options = Options {
        root: site.root().to_path_buf(),
        out: None,
        base_url: None,
        strict: false,
        render_hook: None,
        remove_previous: None,
        on_stuck: None,
    };
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..3 {
        let started = Instant::now();
        report = Some(Session::new(options.clone()).build());
        times.push(started.elapsed());
    }
    times.sort();
    (times[1], report.expect("three builds"))
}

/// About `size` bytes of ordinary wiki prose: paragraphs, links, emphasis, a heading now and then.
fn normal_page(size: usize) -> String {
    let block = "## A section\n\nThe group [[Alpha]] released a song with *style* and a [link](https://example.com/) in 2019.[^a] Fans sang along.\n\n";
    let mut text = block.repeat(size / block.len() + 1);
    text.truncate(size);
    text.push_str("\n\n[^a]: A note.\n");
    text
}

#[test]
fn pathological_markdown_builds_in_time_proportional_to_its_size() {
    const SIZE: usize = 1 << 20;
    let (normal, report) = build_time(&normal_page(SIZE));
    assert!(!report.failed, "{:?}", report.diagnostics.first());
    // What each case may cost against a normal page of the same size. A quadratic case at this
    // size costs hundreds of times more (the footnote cases took 600x before they were fixed).
    const BUDGET: u32 = 25;
    let cases: Vec<(&str, String)> = vec![
        ("nested block quotes", "> ".repeat(SIZE / 2)),
        (
            "nested lists",
            (0..SIZE / 250)
                .map(|i| format!("{}- x\n", "  ".repeat(i % 250)))
                .collect(),
        ),
        ("open brackets", "[".repeat(SIZE)),
        ("stars", "*".repeat(SIZE)),
        ("alternating emphasis", "*a_".repeat(SIZE / 3)),
        ("strong runs", "**a".repeat(SIZE / 3)),
        ("unclosed wikilinks", "[[".repeat(SIZE / 2)),
        ("unclosed labelled wikilinks", "[[x|".repeat(SIZE / 4)),
        ("unclosed links", "[a](".repeat(SIZE / 4)),
        ("one long line", "word ".repeat(SIZE / 5)),
        ("wikilinks to one page", "[[Alpha]] ".repeat(SIZE / 10)),
        ("red links", "[[Nowhere]] ".repeat(SIZE / 12)),
        ("missing anchors", "[[Alpha#nope]] ".repeat(SIZE / 15)),
        ("headings", "# [[a]]\n".repeat(SIZE / 8)),
        ("references to a missing footnote", "[^x]".repeat(SIZE / 4)),
        (
            "unused footnotes",
            (0..SIZE / 14)
                .map(|i| format!("[^{i}]: note\n\n"))
                .collect(),
        ),
        (
            "many footnotes",
            (0..SIZE / 20)
                .map(|i| format!("x[^{i}]\n\n[^{i}]: n\n\n"))
                .collect(),
        ),
        (
            "link reference definitions",
            (0..SIZE / 10).map(|i| format!("[a{i}]: b\n")).collect(),
        ),
        ("unclosed comments", "<!--".repeat(SIZE / 4)),
        ("entities", "&amp;".repeat(SIZE / 5)),
        (
            "table cells",
            format!("{}\n|{}\n", "|a".repeat(SIZE / 2), "-|".repeat(10)),
        ),
        ("nested raw HTML (rejected)", "<div>".repeat(SIZE / 5)),
        (
            "flat raw HTML",
            ("<div>".repeat(200) + "x" + &"</div>".repeat(200)).repeat(SIZE / 2200),
        ),
        (
            "unclosed formatting elements (rejected)",
            (0..SIZE / 12).map(|i| format!("<b id={i}>x")).collect(),
        ),
    ];
    let mut report_lines = Vec::new();
    let mut over = Vec::new();
    for (name, body) in &cases {
        let (time, _) = build_time(body);
        let ratio = time.as_secs_f64() / normal.as_secs_f64();
        report_lines.push(format!("{name}: {time:?} ({ratio:.1}x)"));
        if ratio > f64::from(BUDGET) {
            over.push(name);
        }
    }
    eprintln!("normal page: {normal:?}\n{}", report_lines.join("\n"));
    assert!(
        over.is_empty(),
        "over {BUDGET}x a normal page: {over:?}\n{}",
        report_lines.join("\n")
    );
}

#[test]
fn a_page_over_the_size_limit_is_an_error_and_never_read() {
    let site = TestSite::new();
    site.page("content/groups/alpha.md", "Alpha", "", "Fine.\n");
    let huge = format!("+++\ntitle = \"Huge\"\n+++\n{}", "word ".repeat(4_000_000));
    site.write("content/groups/huge.md", &huge);
    let started = Instant::now();
    let out = site.build();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("content/groups/huge.md: error[page-too-large]: the page is 19.1 MiB; a page may be at most 4 MiB"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(!site.exists("index.html"), "a failed build writes nothing");
}

/// Every file below `public`, relative, sorted.
fn tree(public: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(public)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(public)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Every path below `root`, relative, that is not inside `public/`.
fn files_outside_public(root: &Path) -> Vec<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| !p.is_empty() && p != "public" && !p.starts_with("public/"))
        .collect()
}

#[test]
fn names_never_leave_the_output_folder_or_take_device_names() {
    let site = TestSite::new();
    let hostile = [
        "../../../../tmp/kwiki-escape",
        "..",
        "/etc/passwd",
        "C:\\Windows\\win.ini",
        "..\\..\\x",
        "．．／．．／fullwidth",
        "∕etc∕division-slash",
        "\u{2024}\u{2024}/one-dot-leaders",
        "%2e%2e%2fencoded",
        "CON",
        "nul",
        "Com1",
        "LPT¹",
        "aux.txt",
        "e\u{301}te\u{301}",
    ];
    let aliases: Vec<String> = hostile
        .iter()
        .map(|h| format!("\"{}\"", h.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        &format!(
            "aliases = [{}]\ncategories = [{}]\n",
            aliases.join(", "),
            aliases.join(", ")
        ),
        "Alpha.\n",
    );
    // A page file whose name is a valid slug and a Windows device name.
    site.page(
        "content/groups/con.md",
        "Con (group)",
        "",
        "Links [[Alpha]].\n",
    );
    site.page(
        "content/groups/beta.md",
        "été",
        "",
        "Links [[Alpha]] and [[Con (group)]].\n",
    );
    let before = files_outside_public(site.root());
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        files_outside_public(site.root()),
        before,
        "the build wrote outside public/"
    );
    assert!(!Path::new("/tmp/kwiki-escape").exists());
    let public = site.root().join("public");
    let files = tree(&public);
    for path in files.keys() {
        for part in Path::new(path).components() {
            let part = part.as_os_str().to_string_lossy();
            assert!(
                part != ".." && part != "." && !part.contains('\\'),
                "{path}"
            );
            assert!(!kwiki::urls::is_device_name(&part), "device name in {path}");
        }
        assert!(
            public
                .join(path)
                .canonicalize()
                .unwrap()
                .starts_with(public.canonicalize().unwrap())
        );
    }
    // The device-name page and category still exist, under a safe folder name.
    assert!(site.exists("groups/con_/index.html"));
    assert!(site.exists("categories/con_/index.html"));
    assert!(
        site.read("groups/beta/index.html")
            .contains("href=\"/kpop-wiki/groups/con_/\"")
    );
    // Composed and decomposed spellings are one folder.
    let ete: Vec<&String> = files
        .keys()
        .filter(|p| p.starts_with("groups/"))
        .filter(|p| p.contains("te"))
        .collect();
    assert!(ete.iter().all(|p| !p.contains('\u{301}')), "{ete:?}");
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_followed_inside_and_refused_outside_without_loops() {
    use std::os::unix::fs::symlink;
    let site = TestSite::new();
    site.page("content/groups/alpha.md", "Alpha", "", "Links [[Beta]].\n");
    // Inside content/: a linked folder is followed like a real one.
    site.page("content/.shared/beta.md", "Beta", "", "Links [[Alpha]].\n");
    std::fs::create_dir_all(site.root().join("content/people")).unwrap();
    symlink(
        "../.shared/beta.md",
        site.root().join("content/people/beta.md"),
    )
    .unwrap();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.exists("people/beta/index.html"));
    let good = tree(&site.root().join("public"));

    // Outside: a secret beside the site, linked as a page, a template and a static file.
    site.write(
        "secret.txt",
        "+++\ntitle = \"Secret\"\n+++\nTOKEN-kwiki-secret\n",
    );
    symlink(
        "../../secret.txt",
        site.root().join("content/groups/secret.md"),
    )
    .unwrap();
    symlink("../secret.txt", site.root().join("templates/leak.html")).unwrap();
    // And a loop: a folder linking to its parent.
    symlink("..", site.root().join("content/groups/loop")).unwrap();
    let out = site.build();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("content/groups/secret.md: error[symlink]: symbolic link to ../../secret.txt leaves content/; it is not followed"),
        "{err}"
    );
    assert!(err.contains("templates/leak.html: error[symlink]"), "{err}");
    assert!(
        err.contains("content/groups/loop") && err.contains("loop"),
        "{err}"
    );
    assert_eq!(
        tree(&site.root().join("public")),
        good,
        "the failed build changed public/"
    );

    std::fs::remove_file(site.root().join("content/groups/secret.md")).unwrap();
    std::fs::remove_file(site.root().join("templates/leak.html")).unwrap();
    std::fs::remove_file(site.root().join("content/groups/loop")).unwrap();
    symlink("../secret.txt", site.root().join("static/leak.txt")).unwrap();
    let out = site.build();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("static/leak.txt: symbolic link to ../secret.txt leaves static/"),
        "{}",
        stderr(&out)
    );
    for (path, bytes) in tree(&site.root().join("public")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("TOKEN-kwiki-secret"),
            "{path}"
        );
    }
}

/// A site big enough that its build takes a while: `n` pages linking each other.
fn big_site(n: usize, marker: &str) -> TestSite {
    let site = TestSite::new();
    for i in 0..n {
        site.page(
            &format!("content/groups/g{i}.md"),
            &format!("Group {i}"),
            "",
            &format!(
                "{marker} group {i} links [[Group {}]] and [[Group {}]].\n\n{}\n",
                (i + 1) % n,
                (i * 7 + 3) % n,
                "Filler text for the page. ".repeat(40)
            ),
        );
    }
    site
}

#[test]
fn a_build_killed_mid_write_leaves_the_previous_output_whole() {
    let site = big_site(1500, "First");
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let public = site.root().join("public");
    let previous = tree(&public);
    for i in 0..1500 {
        let path = format!("content/groups/g{i}.md");
        let text = std::fs::read_to_string(site.root().join(&path)).unwrap();
        site.write(&path, &text.replace("First", "Second"));
    }
    // Kill the build once its staging folder holds some pages, then check the old output.
    let mut killed_mid_write = false;
    for _attempt in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kwiki"))
            .args(["build", "--root"])
            .arg(site.root())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let staging = site.root().join(format!(".public.new-{}", child.id()));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = false;
        while Instant::now() < deadline {
            if staging.join("groups").is_dir()
                && std::fs::read_dir(staging.join("groups")).is_ok_and(|d| d.count() > 20)
            {
                seen = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap(); // SIGKILL: no destructor, no cleanup runs.
        child.wait().unwrap();
        assert_eq!(tree(&public), previous, "a killed build changed public/");
        if seen {
            killed_mid_write = true;
            assert!(
                staging.is_dir(),
                "the killed build's half-written folder is left"
            );
            break;
        }
    }
    assert!(killed_mid_write, "never caught the build mid-write");
    // The next build cleans up after it and succeeds; the previous output it replaces is
    // removed in the background, so that folder may take a moment to go.
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.read("groups/g0/index.html").contains("Second group 0"));
    let leftovers = || -> Vec<PathBuf> {
        std::fs::read_dir(site.root())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".public.")
            })
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !leftovers().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(leftovers().is_empty(), "{:?}", leftovers());
}

#[test]
fn a_rebuild_removes_the_previous_output_in_the_background() {
    let site = big_site(300, "First");
    assert!(site.build().status.success());
    site.write(
        "content/groups/g0.md",
        &std::fs::read_to_string(site.root().join("content/groups/g0.md"))
            .unwrap()
            .replace("First", "Second"),
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    // The new site is in place when the command returns ...
    assert!(site.read("groups/g0/index.html").contains("Second group 0"));
    assert!(site.read("groups/g1/index.html").contains("First group 1"));
    // ... and the previous one, set aside as `.public.trash-<pid>`, goes by itself.
    let trash = || {
        std::fs::read_dir(site.root())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".public.")
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while trash() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(trash(), 0, "the previous output was not removed");
    // The hidden command removes only such folders: not the output, not an unmarked folder.
    let refused = |folder: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
            .arg("remove-previous")
            .arg(folder)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(folder.exists());
    };
    refused(&site.root().join("public"));
    std::fs::create_dir_all(site.root().join(".notes.trash-1")).unwrap();
    refused(&site.root().join(".notes.trash-1"));
    std::fs::remove_dir_all(site.root().join(".notes.trash-1")).unwrap();
    // A trash folder whose removal was cut short is removed by a later build.
    let cut_short = site.root().join(".public.trash-4294967");
    std::fs::create_dir_all(cut_short.join("groups/g0")).unwrap();
    std::fs::write(cut_short.join(".kwiki-build"), "").unwrap();
    assert!(site.build().status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while cut_short.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!cut_short.exists());
}

#[test]
fn a_build_killed_between_the_two_renames_gets_its_previous_output_back() {
    let site = TestSite::new();
    site.page("content/groups/alpha.md", "Alpha", "", "First.\n");
    assert!(site.build().status.success());
    let previous = tree(&site.root().join("public"));
    // What a kill between "public → .public.old-PID" and ".public.new-PID → public" leaves,
    // with a PID no process has.
    std::fs::rename(
        site.root().join("public"),
        site.root().join(".public.old-4294967"),
    )
    .unwrap();
    std::fs::create_dir_all(site.root().join(".public.new-4294967/groups")).unwrap();
    // The next build fails (broken content), and still the previous output is back in place.
    site.write("content/groups/alpha.md", "+++\ntitle = \n+++\n");
    let out = site.build();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(tree(&site.root().join("public")), previous);
    assert!(!site.root().join(".public.new-4294967").exists());
    assert!(!site.root().join(".public.old-4294967").exists());
}

#[test]
fn builds_from_other_folders_and_thread_counts_are_byte_identical() {
    let copy = |dir: &Path| {
        for part in ["content", "templates", "static"] {
            copy_dir(&repo().join(part), &dir.join(part));
        }
        std::fs::copy(repo().join("site.toml"), dir.join("site.toml")).unwrap();
    };
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let b_root = b
        .path()
        .join("a/much/deeper/and/longer/folder name with spaces");
    copy(a.path());
    copy(&b_root);
    let build = |root: &Path, threads: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
            .args(["build", "--root"])
            .arg(root)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        tree(&root.join("public"))
    };
    let one = build(a.path(), "1");
    let many = build(&b_root, "7");
    assert!(one.len() > 300, "{} files", one.len());
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        many.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &one {
        assert!(
            bytes == &many[path],
            "{path} differs between the two builds"
        );
    }
}
