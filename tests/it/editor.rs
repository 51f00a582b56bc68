//! `kwiki serve`'s browser editor over real HTTP (the server side; `browser::editor` drives the
//! page in Chromium): the token, the Host, Origin and loopback checks, a cross-origin form post,
//! path tricks and symbolic links, a conflicting save that keeps both versions, atomic saves, a
//! new page from a red link, and the preview, which writes nothing. Every refusal is also
//! checked to have written nothing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

struct Server {
    child: Child,
    /// `127.0.0.1:PORT`
    addr: String,
    port: u16,
}

impl Server {
    fn start(site: &TestSite, bind: &str) -> Server {
        let (child, lines) = spawn_with_lines(
            Command::new(env!("CARGO_BIN_EXE_kwiki"))
                .args(["serve", "--port", "0", "--bind", bind, "--root"])
                .arg(site.root()),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .expect("the server never said it was serving");
            let line: String = lines.recv_timeout(left).unwrap();
            if let Some(rest) = line.split(" at http://").nth(1) {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Server {
            child,
            addr: format!("127.0.0.1:{port}"),
            port,
        }
    }

    /// The editor page's token, fetched as the browser does.
    fn token(&self) -> String {
        let (status, page) =
            self.send("GET", "/__kwiki/edit?path=content/groups/alpha.md", &[], "");
        assert_eq!(status, 200, "{page}");
        let start = page.find("name=\"kwiki-token\" content=\"").unwrap() + 28;
        let token = page[start..start + 64].to_string();
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
        token
    }

    /// A raw HTTP/1.1 request to 127.0.0.1 with `Host: 127.0.0.1:PORT` unless `headers` name
    /// another; returns the status and the body.
    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        send_to(&self.addr, &self.addr, method, path, headers, body)
    }

    /// An API call as the editor makes it, with the token.
    fn api(&self, token: &str, name: &str, body: &Value) -> (u16, Value) {
        let (status, text) = self.send(
            "POST",
            &format!("/__kwiki/api/{name}"),
            &[
                ("Content-Type", "application/json"),
                ("X-Kwiki-Token", token),
                ("Origin", &format!("http://{}", self.addr)),
                ("Sec-Fetch-Site", "same-origin"),
            ],
            &body.to_string(),
        );
        let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        (status, value)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn send_to(
    connect: &str,
    default_host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(connect).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {default_host}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn site() -> TestSite {
    let site = TestSite::new();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "debut = 2013\n",
        "Alpha is a group. It tours with [[Beta]] and [[Gamma]].\n",
    );
    site.page(
        "content/groups/beta.md",
        "Beta",
        "",
        "Beta admires [[Alpha]].\n",
    );
    site
}

fn read(site: &TestSite, path: &str) -> String {
    std::fs::read_to_string(site.root().join(path)).unwrap()
}

/// Every file under `dir`, with its bytes, to show that a refusal changed nothing.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_api_call_needs_the_token_json_the_served_host_and_origin() {
    let site = site();
    let server = Server::start(&site, "127.0.0.1");
    let token = server.token();
    // The token is in the editor page only: not in the served pages, not in their scripts.
    let (_, page) = server.send("GET", "/groups/alpha/", &[], "");
    assert!(page.contains("/__kwiki/edit?path=content/groups/alpha.md"));
    assert!(!page.contains(&token));
    assert!(
        !server
            .send("GET", "/__kwiki/live.js", &[], "")
            .1
            .contains(&token)
    );
    // And `kwiki build` never carries the editor.
    let out = tempfile::tempdir().unwrap();
    let built = site.kwiki(&["build", "--out", out.path().to_str().unwrap()]);
    assert!(built.status.success());
    for (file, bytes) in snapshot(out.path()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__kwiki"),
            "{file} carries the editor"
        );
    }

    let open = json!({ "path": "content/groups/alpha.md" }).to_string();
    let origin = format!("http://{}", server.addr);
    let good: Vec<(&str, &str)> = vec![
        ("Content-Type", "application/json"),
        ("X-Kwiki-Token", &token),
        ("Origin", &origin),
    ];
    let (status, body) = server.send("POST", "/__kwiki/api/open", &good, &open);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Alpha is a group."));

    let wrong = "0".repeat(64);
    let evil_host = format!("evil.example:{}", server.port);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no token", vec![("Content-Type", "application/json")]),
        (
            "a wrong token",
            vec![
                ("Content-Type", "application/json"),
                ("X-Kwiki-Token", &wrong),
            ],
        ),
        (
            "a token one character short",
            vec![
                ("Content-Type", "application/json"),
                ("X-Kwiki-Token", &token[..63]),
            ],
        ),
        (
            "not JSON",
            vec![("Content-Type", "text/plain"), ("X-Kwiki-Token", &token)],
        ),
        (
            "another origin",
            vec![
                ("Content-Type", "application/json"),
                ("X-Kwiki-Token", &token),
                ("Origin", "http://evil.example"),
            ],
        ),
        (
            "the null origin",
            vec![
                ("Content-Type", "application/json"),
                ("X-Kwiki-Token", &token),
                ("Origin", "null"),
            ],
        ),
        (
            "a cross-site fetch",
            vec![
                ("Content-Type", "application/json"),
                ("X-Kwiki-Token", &token),
                ("Sec-Fetch-Site", "cross-site"),
            ],
        ),
        (
            "a rebound DNS name (another Host)",
            vec![
                ("Content-Type", "application/json"),
                ("X-Kwiki-Token", &token),
                ("Host", &evil_host),
            ],
        ),
    ];
    for (what, headers) in cases {
        let (status, body) = server.send("POST", "/__kwiki/api/open", &headers, &open);
        assert_eq!(status, 403, "{what}: {body}");
        assert!(!body.contains("Alpha is a group."), "{what}: {body}");
    }
    // The page that carries the token is refused to another Host or a cross-site request.
    for headers in [
        vec![("Host", evil_host.as_str())],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", "http://evil.example")],
    ] {
        let (status, body) = server.send(
            "GET",
            "/__kwiki/edit?path=content/groups/alpha.md",
            &headers,
            "",
        );
        assert_eq!(status, 403, "{headers:?}");
        assert!(!body.contains(&token));
    }
    // `localhost` names the same server.
    let localhost = format!("localhost:{}", server.port);
    let (status, _) = server.send(
        "GET",
        "/__kwiki/edit?path=content/groups/alpha.md",
        &[("Host", &localhost)],
        "",
    );
    assert_eq!(status, 200);
}

#[test]
fn a_cross_origin_form_post_writes_nothing() {
    let site = site();
    let server = Server::start(&site, "127.0.0.1");
    let token = server.token();
    let before = snapshot(site.root());
    let evil = [("Origin", "http://evil.example")];
    // What a `<form method=post>` on another site can send: form-encoded or text/plain (with a
    // body shaped like JSON), no custom header.
    for (kind, body) in [
        (
            "application/x-www-form-urlencoded",
            "path=content%2Fgroups%2Falpha.md&text=pwned&base=",
        ),
        (
            "text/plain",
            r#"{"path":"content/groups/alpha.md","text":"pwned","base":null,"x":"="}"#,
        ),
        (
            "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\npwned\r\n--x--\r\n",
        ),
    ] {
        for with_origin in [true, false] {
            let mut headers = vec![("Content-Type", kind)];
            if with_origin {
                headers.extend(evil);
            }
            let (status, answer) = server.send("POST", "/__kwiki/api/save", &headers, body);
            assert_eq!(status, 403, "{kind}: {answer}");
        }
    }
    // Even with the token (which another site cannot read), another origin is refused.
    let save = json!({ "path": "content/groups/new.md", "text": "+++\ntitle = \"New\"\n+++\n", "base": null });
    let (status, _) = server.send(
        "POST",
        "/__kwiki/api/save",
        &[
            ("Content-Type", "application/json"),
            ("X-Kwiki-Token", &token),
            ("Origin", "http://evil.example"),
        ],
        &save.to_string(),
    );
    assert_eq!(status, 403);
    assert_eq!(snapshot(site.root()), before, "a refused request wrote");
}

#[test]
fn only_a_loopback_peer_is_answered() {
    // The editor must refuse a peer on the network even when serve is bound to every address.
    let Some(ip) = non_loopback_ip() else {
        // No network interface besides loopback: no other peer can exist to be refused.
        eprintln!(
            "note: only_a_loopback_peer_is_answered: this machine has no non-loopback address"
        );
        return;
    };
    let site = site();
    let server = Server::start(&site, "0.0.0.0");
    let (status, body) = send_to(
        &format!("{ip}:{}", server.port),
        &server.addr,
        "GET",
        "/__kwiki/edit?path=content/groups/alpha.md",
        &[],
        "",
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("loopback"), "{body}");
    // The site itself is served to the network, as --bind asked (with serve's warning).
    let (status, _) = send_to(
        &format!("{ip}:{}", server.port),
        &server.addr,
        "GET",
        "/groups/alpha/",
        &[],
        "",
    );
    assert_eq!(status, 200);
    // From loopback the editor answers.
    assert_eq!(server.token().len(), 64);
}

/// This machine's address towards the network, if it has one (no packet is sent).
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn paths_that_leave_content_are_refused_and_nothing_is_written() {
    let site = site();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "+++\ntitle = \"Secret\"\n+++\nsecret text\n",
    )
    .unwrap();
    // A link to a file outside content/, and a folder link leading outside.
    std::os::unix::fs::symlink(
        site.root().join("site.toml"),
        site.root().join("content/groups/link.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), site.root().join("content/groups/out")).unwrap();
    let server = Server::start(&site, "127.0.0.1");
    let token = server.token();
    let before = snapshot(site.root());
    let outside_before = snapshot(outside.path());
    let text = "+++\ntitle = \"Pwned\"\n+++\npwned\n";
    for path in [
        "../site.toml",
        "content/../site.toml",
        "content/groups/../../site.toml",
        "/etc/passwd",
        "content/%2e%2e/site.toml",
        "content/groups/%2e%2e/%2e%2e/site.toml",
        "content/..%2fsite.toml",
        "content\\..\\site.toml",
        "content/groups/alpha.md\u{0}",
        "site.toml",
        "templates/page.html",
        "content/groups/link.md",
        "content/groups/out/secret.md",
        "content/groups/out/new.md",
        "content/groups/alpha.md/x.md",
    ] {
        let (status, answer) = server.api(&token, "open", &json!({ "path": path }));
        assert!(
            status == 400 || status == 404,
            "open {path:?}: {status} {answer}"
        );
        assert!(answer.get("text").is_none(), "open {path:?} read: {answer}");
        for base in [Value::Null, json!("whatever")] {
            let (status, answer) = server.api(
                &token,
                "save",
                &json!({ "path": path, "text": text, "base": base }),
            );
            assert!(
                status == 400 || status == 404 || status == 409,
                "save {path:?}: {status} {answer}"
            );
            assert_ne!(answer["saved"], json!(true));
        }
        let (status, _) = server.api(&token, "preview", &json!({ "path": path, "text": text }));
        assert_eq!(status, 400, "preview {path:?}");
    }
    assert_eq!(snapshot(site.root()), before, "a refused path was written");
    assert_eq!(snapshot(outside.path()), outside_before);
    assert!(!outside.path().join("new.md").exists());
}

#[test]
fn a_save_over_a_changed_file_is_refused_and_both_versions_kept() {
    let site = site();
    let server = Server::start(&site, "127.0.0.1");
    let token = server.token();
    let (status, opened) = server.api(
        &token,
        "open",
        &json!({ "path": "content/groups/alpha.md" }),
    );
    assert_eq!(status, 200);
    let base = opened["text"].as_str().unwrap().to_string();
    assert_eq!(base, read(&site, "content/groups/alpha.md"));

    // Someone else changes the file after it was opened.
    let theirs = base.replace("Alpha is a group.", "Alpha is a group (theirs).");
    site.write("content/groups/alpha.md", &theirs);
    let mine = base.replace("Alpha is a group.", "Alpha is a group (mine).");
    let (status, answer) = server.api(
        &token,
        "save",
        &json!({ "path": "content/groups/alpha.md", "text": mine, "base": base }),
    );
    assert_eq!(status, 409, "{answer}");
    assert_eq!(
        answer["disk"],
        json!(theirs),
        "the answer carries the disk's text"
    );
    assert_eq!(
        read(&site, "content/groups/alpha.md"),
        theirs,
        "theirs was overwritten"
    );

    // Saving mine over theirs, knowingly (the base is now theirs), writes.
    let (status, _) = server.api(
        &token,
        "save",
        &json!({ "path": "content/groups/alpha.md", "text": mine, "base": theirs }),
    );
    assert_eq!(status, 200);
    assert_eq!(read(&site, "content/groups/alpha.md"), mine);

    // A file deleted since it was opened is a conflict too; nothing is recreated.
    std::fs::remove_file(site.root().join("content/groups/alpha.md")).unwrap();
    let (status, answer) = server.api(
        &token,
        "save",
        &json!({ "path": "content/groups/alpha.md", "text": mine, "base": mine }),
    );
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["disk"], Value::Null);
    assert!(!site.root().join("content/groups/alpha.md").exists());
}

#[test]
fn a_save_is_atomic_keeps_permissions_and_leaves_no_temporary_file() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let site = site();
    let file = site.root().join("content/groups/alpha.md");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let server = Server::start(&site, "127.0.0.1");
    let token = server.token();
    // Two long versions; a reader that looks at the file all the while sees one or the other,
    // whole, never a mix or a truncated file.
    let long = |word: &str| {
        format!(
            "+++\ntitle = \"Alpha\"\n+++\n{}",
            format!("{word} paragraph about [[Beta]].\n\n").repeat(8000)
        )
    };
    let (a, b) = (long("First"), long("Second"));
    site.write("content/groups/alpha.md", &a);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let inode = std::fs::metadata(&file).unwrap().ino();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (file, a, b, stop) = (file.clone(), a.clone(), b.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let now = std::fs::read_to_string(&file).unwrap();
                assert!(
                    now == a || now == b,
                    "a reader saw a partial file ({} bytes)",
                    now.len()
                );
                reads += 1;
                // Often, not flat out: the other tests (and their timing) share the machine.
                std::thread::sleep(Duration::from_micros(300));
            }
            reads
        })
    };
    let mut current = a.clone();
    for i in 0..10 {
        let next = if i % 2 == 0 { &b } else { &a };
        let (status, answer) = server.api(
            &token,
            "save",
            &json!({ "path": "content/groups/alpha.md", "text": next, "base": current }),
        );
        assert_eq!(status, 200, "{answer}");
        if i == 0 {
            // The page was replaced by a file written beside it (which existed before the old
            // one went, so it has another inode), not rewritten in place. Only after the first
            // save: a freed inode number may come back later.
            let now = std::fs::metadata(&file).unwrap().ino();
            assert_ne!(now, inode, "the file was rewritten in place, not replaced");
        }
        current = next.clone();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let reads = reader.join().unwrap();
    assert!(reads > 10, "the reader read only {reads} times");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), a);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') || n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_red_link_leads_to_a_new_page_created_only_once() {
    let site = site();
    let server = Server::start(&site, "127.0.0.1");
    let token = server.token();
    // The served page's red link, and the script that points it at the editor.
    let (_, page) = server.send("GET", "/groups/alpha/", &[], "");
    assert!(
        page.contains("title=\"Gamma (page does not exist)\""),
        "{page}"
    );
    let (_, live) = server.send("GET", "/__kwiki/live.js", &[], "");
    assert!(live.contains("/__kwiki/edit?new="));

    let (status, opened) = server.api(&token, "open", &json!({ "new": "Gamma" }));
    assert_eq!(status, 200, "{opened}");
    let choices = opened["choices"].as_array().unwrap();
    let group = choices.iter().find(|c| c["kind"] == "group").unwrap();
    assert_eq!(group["path"], "content/groups/gamma.md");
    assert_eq!(group["exists"], false);
    let text = format!("{}Gamma is a group.\n", opened["text"].as_str().unwrap());
    assert!(text.starts_with("+++\ntitle = \"Gamma\"\n+++\n"), "{text}");

    // The preview of the page that does not exist yet writes nothing.
    let (status, preview) = server.api(
        &token,
        "preview",
        &json!({ "path": "content/groups/gamma.md", "text": text }),
    );
    assert_eq!(status, 200);
    assert!(
        preview["html"]
            .as_str()
            .unwrap()
            .contains("Gamma is a group.")
    );
    assert!(!site.root().join("content/groups/gamma.md").exists());

    let save = json!({ "path": "content/groups/gamma.md", "text": text, "base": null });
    let (status, answer) = server.api(&token, "save", &save);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(read(&site, "content/groups/gamma.md"), text);
    // A second "new page" of that name never overwrites it: create-new, and both kept.
    let other = json!({ "path": "content/groups/gamma.md", "text": "+++\ntitle = \"Other\"\n+++\n", "base": null });
    let (status, answer) = server.api(&token, "save", &other);
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["disk"], json!(text));
    assert_eq!(read(&site, "content/groups/gamma.md"), text);
    // A kind's folder without pages yet is made; a folder of no kind is not.
    let (status, _) = server.api(
        &token,
        "save",
        &json!({ "path": "content/songs/first.md", "text": "+++\ntitle = \"First\"\n+++\n", "base": null }),
    );
    assert_eq!(status, 200);
    assert!(site.root().join("content/songs/first.md").is_file());
    let (status, _) = server.api(
        &token,
        "save",
        &json!({ "path": "content/nokind/x.md", "text": "+++\ntitle = \"X\"\n+++\n", "base": null }),
    );
    assert_eq!(status, 400);
    assert!(!site.root().join("content/nokind").exists());
}

#[test]
fn the_preview_runs_the_pipeline_on_the_draft_and_writes_nothing() {
    let site = site();
    let server = Server::start(&site, "127.0.0.1");
    let token = server.token();
    let before = snapshot(site.root());
    let path = "content/groups/alpha.md";
    let good = "+++\ntitle = \"Alpha\"\ndebut = 2014\n+++\nAlpha is a draft about [[Beta]].\n";
    let (status, preview) = server.api(&token, "preview", &json!({ "path": path, "text": good }));
    assert_eq!(status, 200, "{preview}");
    let html = preview["html"].as_str().unwrap();
    assert!(html.contains("Alpha is a draft about"), "{html}");
    // Rendered through the page template, with the wikilink resolved and the infobox filled.
    assert!(html.contains("href=\"/groups/beta/\""));
    assert!(html.contains("<dt>Debut</dt>"));
    assert_eq!(preview["fields"]["values"]["debut"]["value"], 2014);

    // A bad year and a red link: check's error and warning, at their lines and columns.
    let bad = "+++\ntitle = \"Alpha\"\ndebut = \"2014\"\n+++\nAlpha links [[Nowhere]].\n";
    let (_, preview) = server.api(&token, "preview", &json!({ "path": path, "text": bad }));
    let problems = preview["diagnostics"].as_array().unwrap();
    let year = problems
        .iter()
        .find(|d| d["code"] == "front-matter")
        .unwrap();
    assert_eq!(
        (year["line"].as_u64(), year["column"].as_u64()),
        (Some(3), Some(9))
    );
    assert_eq!(year["severity"], "error");
    let red = problems.iter().find(|d| d["code"] == "red-link").unwrap();
    assert_eq!(red["line"], 5);
    assert_eq!(preview["failed"], true);
    assert_eq!(preview["html"], Value::Null);

    // Fixed: the problems go (the fixture cites no source, which is the one warning left).
    let (_, preview) = server.api(&token, "preview", &json!({ "path": path, "text": good }));
    let codes: Vec<&str> = preview["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["uncited-page"], "{preview}");
    assert!(
        preview["html"]
            .as_str()
            .unwrap()
            .contains("Alpha is a draft")
    );

    // Nothing was written, and the served site is still the file's.
    assert_eq!(snapshot(site.root()), before);
    let (_, page) = server.send("GET", "/groups/alpha/", &[], "");
    assert!(page.contains("Alpha is a group.") && !page.contains("a draft"));

    // A field set from the form lands in the front matter as its type says.
    let (status, set) = server.api(
        &token,
        "field",
        &json!({ "path": path, "text": good, "key": "members", "value": ["Kim", "Lee"] }),
    );
    assert_eq!(status, 200, "{set}");
    assert!(
        set["text"]
            .as_str()
            .unwrap()
            .contains("members = [\"Kim\", \"Lee\"]\n+++")
    );
    let (status, _) = server.api(
        &token,
        "field",
        &json!({ "path": path, "text": good, "key": "nonsense", "value": "x" }),
    );
    assert_eq!(status, 400);
}
