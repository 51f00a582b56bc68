//! `kwiki serve` over real HTTP: the built page, live reload after an edit, one rebuild for a
//! burst of saves, the error overlay's data and recovery, path traversal, a port in use, a load
//! of requests while rebuilding, and Ctrl-C.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crate::support::*;

struct Server {
    child: Child,
    addr: String,
    lines: Receiver<String>,
}

impl Server {
    fn start(site: &TestSite) -> Server {
        Server::start_env(site, &[])
    }

    fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("the server never printed {needle:?}");
    }

    fn get(&self, path: &str) -> (u16, String) {
        get(&self.addr, path)
    }

    fn events(&self) -> Events {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(
            stream,
            "GET /__kwiki/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            self.addr
        )
        .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Events {
            stream,
            buffer: String::new(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 GET with `Connection: close`; the path is sent exactly as given.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    (status, response)
}

struct Events {
    stream: TcpStream,
    buffer: String,
}

impl Events {
    /// The data of the next `build` event, within `within`.
    fn next(&mut self, within: Duration) -> Option<serde_json::Value> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: "))
                    && event.contains("event: build")
                {
                    return Some(serde_json::from_str(data).unwrap());
                }
                continue;
            }
            if Instant::now() > deadline {
                return None;
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => {
                    // Chunked transfer: chunk-size lines are noise around the SSE lines.
                    self.buffer
                        .push_str(&String::from_utf8_lossy(&chunk[..n]).replace('\r', ""));
                }
                Err(_) => {}
            }
        }
    }
}

fn site() -> TestSite {
    let site = TestSite::new();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "summary = \"A group.\"\n",
        "Alpha is a group. See [[Beta]].\n",
    );
    site.page(
        "content/groups/beta.md",
        "Beta",
        "summary = \"Another group.\"\n",
        "Beta admires [[Alpha]].\n",
    );
    site
}

#[test]
fn an_edit_reloads_the_tab_with_the_new_page() {
    let site = site();
    let server = Server::start(&site);
    let (status, page) = server.get("/groups/alpha/");
    assert_eq!(status, 200);
    assert!(page.contains("Alpha is a group."));
    assert!(page.contains("<script src=\"/__kwiki/live.js\"></script></body>"));
    assert!(server.get("/__kwiki/live.js").1.contains("EventSource"));
    // Links are rooted at the server, not at the production base path.
    assert!(page.contains("href=\"/groups/beta/\""));

    let mut events = server.events();
    let hello = events.next(Duration::from_secs(5)).expect("a first event");
    assert_eq!(hello["problems"], serde_json::json!([]));
    let first = hello["generation"].as_u64().unwrap();

    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "summary = \"A group.\"\n",
        "Alpha is a group that tours. It tours with [[Beta]] now.\n",
    );
    let after = events
        .next(Duration::from_secs(10))
        .expect("a reload event");
    assert_eq!(after["generation"].as_u64(), Some(first + 1));
    assert!(
        server
            .get("/groups/alpha/")
            .1
            .contains("Alpha is a group that tours.")
    );
    // Beta's "What links here" carries Alpha's new sentence: the incremental rebuild saw it.
    assert!(
        server
            .get("/groups/beta/")
            .1
            .contains("It tours with Beta now.")
    );

    // A burst of saves to several files is one rebuild.
    for i in 0..5 {
        site.page(
            "content/groups/beta.md",
            "Beta",
            "summary = \"Another group.\"\n",
            &format!("Beta admires [[Alpha]], take {i}.\n"),
        );
        site.page(
            "content/groups/alpha.md",
            "Alpha",
            "summary = \"A group.\"\n",
            &format!("Alpha is a group, take {i}. See [[Beta]].\n"),
        );
    }
    let burst = events
        .next(Duration::from_secs(10))
        .expect("a rebuild after the burst");
    assert_eq!(burst["generation"].as_u64(), Some(first + 2));
    assert!(
        events.next(Duration::from_millis(1500)).is_none(),
        "a burst of saves must give one rebuild"
    );
    assert!(server.get("/groups/beta/").1.contains("take 4."));

    // `kwiki build` output never carries the live-reload script.
    assert!(site.build().status.success());
    assert!(!site.read("groups/alpha/index.html").contains("__kwiki"));
}

#[test]
fn a_broken_build_is_reported_to_the_browser_and_recovers() {
    let site = site();
    let server = Server::start(&site);
    let mut events = server.events();
    let first = events.next(Duration::from_secs(5)).unwrap()["generation"]
        .as_u64()
        .unwrap();

    site.write(
        "content/groups/alpha.md",
        "+++\ntitle = \"Alpha\"\nsummary = [broken\n+++\nText.\n",
    );
    site.write(
        "content/groups/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nBeta admires [[Gamma]] and [[Alpha]].\n",
    );
    let failed = events
        .next(Duration::from_secs(10))
        .expect("an error event");
    let problems = failed["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    assert!(
        problems.iter().any(|p| p["location"]
            .as_str()
            .unwrap()
            .starts_with("content/groups/alpha.md:3:")),
        "{problems:?}"
    );
    assert_eq!(
        failed["generation"].as_u64(),
        Some(first),
        "no reload on failure"
    );
    // The last good build is still served.
    let (status, page) = server.get("/groups/alpha/");
    assert_eq!(status, 200);
    assert!(page.contains("Alpha is a group."));
    server.wait_for_line("Build failed");

    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "summary = \"A group, fixed.\"\n",
        "Alpha is back. See [[Beta]].\n",
    );
    let fixed = events
        .next(Duration::from_secs(10))
        .expect("a recovery event");
    assert_eq!(fixed["problems"], serde_json::json!([]));
    assert_eq!(fixed["generation"].as_u64(), Some(first + 1));
    assert!(server.get("/groups/alpha/").1.contains("Alpha is back."));
}

#[test]
fn paths_outside_the_site_are_refused() {
    let site = site();
    site.write("secret.txt", "TOP SECRET");
    let server = Server::start(&site);
    for path in [
        "/../secret.txt",
        "/../site.toml",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/secret.txt",
        "/groups/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/groups/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "//etc/passwd",
        "/style.css/../../secret.txt",
        "/%00",
    ] {
        let (status, body) = server.get(path);
        assert!(status == 400 || status == 404, "{path}: status {status}");
        assert!(
            !body.contains("TOP SECRET") && !body.contains("[kinds"),
            "{path} leaked a file"
        );
    }
    assert_eq!(server.get("/style.css").0, 200);
    assert_eq!(server.get("/groups/alpha").0, 301);
    assert_eq!(server.get("/no/such/page/").0, 404);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let site = site();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = site.kwiki(&["serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("already in use") && err.contains("--port"),
        "{err}"
    );
}

#[test]
fn stays_up_under_load_while_rebuilding_and_stops_on_ctrl_c() {
    let site = site();
    let mut server = Server::start(&site);
    let addr = server.addr.clone();
    let load: Vec<_> = (0..4)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut failures = 0;
                for i in 0..150 {
                    let path = if i % 2 == 0 {
                        "/groups/alpha/"
                    } else {
                        "/search/index.json"
                    };
                    if get(&addr, path).0 != 200 {
                        failures += 1;
                    }
                }
                failures
            })
        })
        .collect();
    for i in 0..10 {
        site.page(
            "content/groups/alpha.md",
            "Alpha",
            "summary = \"A group.\"\n",
            &format!("Alpha is a group, edit {i}. See [[Beta]].\n"),
        );
        std::thread::sleep(Duration::from_millis(120));
    }
    let failures: usize = load.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(failures, 0, "requests failed during rebuilds");
    assert_eq!(server.get("/groups/alpha/").0, 200);

    // Ctrl-C: SIGINT ends the server cleanly even with an event stream open.
    let _events = server.events();
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    server.wait_for_line("Stopped.");
}

#[test]
fn a_site_that_never_built_shows_its_problems_and_recovers() {
    let site = site();
    site.write(
        "content/groups/alpha.md",
        "+++\ntitle = \"Alpha\"\nsummary = [broken\n+++\nText.\n",
    );
    let server = Server::start(&site);
    let (status, page) = server.get("/groups/beta/");
    assert_eq!(status, 503);
    assert!(page.contains("content/groups/alpha.md:3:"), "{page}");
    assert!(page.contains("/__kwiki/live.js"));
    let mut events = server.events();
    events.next(Duration::from_secs(5)).expect("a first event");
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "summary = \"A group.\"\n",
        "Alpha is fixed. See [[Beta]].\n",
    );
    let fixed = events.next(Duration::from_secs(10)).expect("a build event");
    assert_eq!(fixed["problems"], serde_json::json!([]));
    assert!(server.get("/groups/alpha/").1.contains("Alpha is fixed."));
}

impl Server {
    /// `start`, with extra environment variables.
    fn start_env(site: &TestSite, env: &[(&str, &str)]) -> Server {
        // SAFETY-free: the child gets the variables; this process's environment is untouched.
        let (child, lines) = spawn_with_lines(
            Command::new(env!("CARGO_BIN_EXE_kwiki"))
                .args(["serve", "--port", "0", "--root"])
                .arg(site.root())
                .envs(env.iter().copied()),
        );
        let mut server = Server {
            child,
            addr: String::new(),
            lines,
        };
        let line = server.wait_for_line("Serving ");
        let url = line
            .split(" at ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        server.addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        server
    }
}

// Hardening pass, point 3: a good build's warnings reach the terminal and the browser.
#[test]
fn warnings_of_a_good_build_show_in_the_terminal_and_the_browser() {
    let site = site();
    let server = Server::start(&site);
    let mut events = server.events();
    let hello = events.next(Duration::from_secs(5)).expect("a first event");
    let before = hello["warning_count"].as_u64().unwrap();
    // A rename leaves a red link behind.
    std::fs::rename(
        site.root().join("content/groups/beta.md"),
        site.root().join("content/groups/gamma.md"),
    )
    .unwrap();
    site.page(
        "content/groups/gamma.md",
        "Gamma",
        "summary = \"Another group.\"\n",
        "Gamma admires [[Alpha]].\n",
    );
    let after = events.next(Duration::from_secs(10)).expect("a build event");
    assert_eq!(after["problems"], serde_json::json!([]));
    assert!(after["warning_count"].as_u64().unwrap() > before, "{after}");
    let shown = after["warnings"].to_string();
    assert!(
        shown.contains("content/groups/alpha.md:5:") && shown.contains("red-link"),
        "{after}"
    );
    server.wait_for_line("warning[red-link]: no page is titled or aliased \"Beta\"");
    assert!(
        server
            .get("/__kwiki/live.js")
            .1
            .contains("kwiki-serve-warnings")
    );
}

// Point 6: a template that never finishes is reported, and serve recovers when it is fixed.
#[test]
fn a_template_that_never_finishes_is_reported_and_serve_recovers() {
    let site = site();
    let server = Server::start_env(&site, &[("KWIKI_RENDER_TIMEOUT_MS", "500")]);
    let mut events = server.events();
    events.next(Duration::from_secs(5)).expect("a first event");
    site.write(
        "templates/kinds/group.html",
        "{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}\n",
    );
    let stuck = events.next(Duration::from_secs(20)).expect("a stuck event");
    let shown = stuck["problems"].to_string();
    assert!(
        shown.contains("template-timeout") && shown.contains("templates/kinds/group.html"),
        "{stuck}"
    );
    assert!(shown.contains("while rendering content/groups/"), "{stuck}");
    // Still serving the last good build.
    assert!(server.get("/groups/alpha/").1.contains("Alpha is a group."));
    std::fs::remove_file(site.root().join("templates/kinds/group.html")).unwrap();
    let fixed = events
        .next(Duration::from_secs(20))
        .expect("a build after the fix");
    assert_eq!(fixed["problems"], serde_json::json!([]), "{fixed}");
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "summary = \"A group.\"\n",
        "Alpha recovered. See [[Beta]].\n",
    );
    let mut recovered = false;
    for _ in 0..3 {
        if let Some(e) = events.next(Duration::from_secs(10))
            && e["problems"] == serde_json::json!([])
            && server.get("/groups/alpha/").1.contains("Alpha recovered.")
        {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "serve builds again after the fix");
}

// Point 7: a mistyped --root is refused at once; scratch files are not changes; only the
// sources are watched.
#[test]
fn a_mistyped_root_is_refused_like_build_does() {
    let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["serve", "--port", "0", "--root", "/no/such/site"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("/no/such/site"), "{}", stderr(&out));
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .args(["serve", "--port", "0", "--root"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no site.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn editor_scratch_files_are_not_sources() {
    for scratch in [
        "sedAb12Cd",
        ".page.md.swp",
        "page.md.swx",
        "page.md~",
        ".#page.md",
        "#page.md#",
        "4913",
        "x.tmp",
    ] {
        assert!(kwiki::serve::is_scratch_file(scratch), "{scratch}");
    }
    for source in ["page.md", "sed-lyrics.md", "seduction.md", "style.css"] {
        assert!(!kwiki::serve::is_scratch_file(source), "{source}");
    }
}

#[test]
fn only_the_sources_are_watched() {
    let site = site();
    for i in 0..120 {
        std::fs::create_dir_all(site.root().join(format!("target/debug/deps/d{i}"))).unwrap();
        std::fs::create_dir_all(site.root().join(format!("node_modules/m{i}"))).unwrap();
    }
    let server = Server::start(&site);
    // inotify lists one `inotify wd:` line per watch in the fdinfo of its descriptor.
    let pid = server.child.id();
    let mut watches = 0;
    for fd in std::fs::read_dir(format!("/proc/{pid}/fdinfo")).unwrap() {
        let text = std::fs::read_to_string(fd.unwrap().path()).unwrap_or_default();
        watches += text
            .lines()
            .filter(|l| l.starts_with("inotify wd:"))
            .count();
    }
    let source_folders = walkdir::WalkDir::new(site.root())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .filter(|e| {
            let rel = e.path().strip_prefix(site.root()).unwrap();
            ["content", "templates", "static"]
                .iter()
                .any(|f| rel.starts_with(f))
        })
        .count();
    assert!(watches > 0, "inotify watches are visible");
    assert!(
        watches <= source_folders + 1,
        "{watches} watches for {source_folders} source folders and the root"
    );
}

/// A wiki on the built-in theme (no `templates/` or `static/`, as `kwiki init` makes it) is
/// served with the theme's files and reloads on an edit; a `static/` folder made while serving
/// overrides the built-in file of its name.
#[test]
fn the_built_in_theme_is_served_and_live_reload_works() {
    let site = TestSite::empty();
    let init = Command::new(env!("CARGO_BIN_EXE_kwiki"))
        .arg("init")
        .arg(site.root())
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(!site.root().join("templates").exists());
    let server = Server::start(&site);
    let (status, css) = server.get("/style.css");
    assert_eq!(status, 200);
    let built_in = std::fs::read_to_string(repo().join("static/style.css")).unwrap();
    assert!(css.ends_with(&built_in), "the built-in style.css is served");
    let (status, page) = server.get("/people/example-person/");
    assert_eq!(status, 200);
    assert!(page.contains("<script src=\"/__kwiki/live.js\"></script></body>"));

    let mut events = server.events();
    let first = events.next(Duration::from_secs(5)).expect("a first event")["generation"]
        .as_u64()
        .unwrap();
    let page_path = "content/people/example-person.md";
    let text = std::fs::read_to_string(site.root().join(page_path)).unwrap();
    site.write(
        page_path,
        &text.replace("is an example page", "is an edited page"),
    );
    let after = events
        .next(Duration::from_secs(10))
        .expect("a reload event");
    assert_eq!(after["generation"].as_u64(), Some(first + 1));
    assert!(
        server
            .get("/people/example-person/")
            .1
            .contains("is an edited page")
    );

    site.write("static/style.css", "body { color: red }\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server
        .get("/style.css")
        .1
        .ends_with("body { color: red }\n")
    {
        assert!(
            Instant::now() < deadline,
            "the site's style.css is never served"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(server.get("/kwiki.js").1.contains("addEventListener"));
}

/// `git` in the site's folder, as `author`.
fn git(site: &TestSite, args: &[&str], author: &str) {
    let out = Command::new("git")
        .args(args)
        .current_dir(site.root())
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", "author@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

#[test]
fn a_commit_refreshes_history_and_recent_changes() {
    let site = site();
    git(&site, &["init", "-q", "-b", "main"], "First Author");
    git(&site, &["add", "."], "First Author");
    git(&site, &["commit", "-qm", "First commit"], "First Author");
    let server = Server::start(&site);
    let (status, history) = server.get("/groups/alpha/history/");
    assert_eq!(status, 200);
    assert!(history.contains("First Author") && !history.contains("Second Author"));
    assert!(server.get("/recent-changes/").1.contains("First commit"));

    let mut events = server.events();
    let hello = events.next(Duration::from_secs(5)).expect("a first event");
    let first = hello["generation"].as_u64().unwrap();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "summary = \"A group.\"\n",
        "Alpha is a group, edited. See [[Beta]].\n",
    );
    let edited = events
        .next(Duration::from_secs(10))
        .expect("a rebuild after the save");
    assert_eq!(edited["generation"].as_u64(), Some(first + 1));
    // Saved but not committed: the history is as it was.
    assert!(
        !server
            .get("/groups/alpha/history/")
            .1
            .contains("Second Author")
    );

    git(&site, &["commit", "-qam", "Second commit"], "Second Author");
    let committed = events
        .next(Duration::from_secs(10))
        .expect("a rebuild after the commit");
    assert_eq!(committed["generation"].as_u64(), Some(first + 2));
    let history = server.get("/groups/alpha/history/").1;
    assert!(
        history.contains("Second Author") && history.contains("First Author"),
        "{history}"
    );
    assert!(server.get("/recent-changes/").1.contains("Second commit"));
    assert!(
        !server
            .get("/groups/beta/history/")
            .1
            .contains("Second Author")
    );
}
