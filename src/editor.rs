//! The browser editor of `kwiki serve` (never part of `kwiki build`): an editor page for a
//! page's Markdown and front matter, a live preview rendered by the real pipeline, `check`'s
//! diagnostics for the page, and a save that never overwrites a newer file.
//!
//! Routes (mounted by `serve`; the page, script and style are embedded in the binary from
//! `src/editor/`, so nothing of the editor can reach `public/`):
//!
//! - `GET /__kwiki/edit?path=content/…` or `?new=Title`: the editor page, which carries the
//!   session's token; `GET /__kwiki/editor.js`, `/__kwiki/editor.css`: its script and style.
//! - `POST /__kwiki/api/open`, `/preview`, `/field`, `/save`: JSON in, JSON out.
//!
//! Security invariants (each tested in `tests/it/editor.rs`):
//!
//! - Only a loopback peer is answered, and only with a `Host` that is the served loopback
//!   host and port (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`): a page on another site
//!   that rebinds its DNS name to 127.0.0.1 is refused.
//! - Every API request needs the session's token (random at start, 256 bits from the OS) in
//!   `X-Kwiki-Token`, compared in constant time, and `Content-Type: application/json`; an
//!   `Origin` must be the served origin and a `Sec-Fetch-Site` must be `same-origin`. A
//!   cross-origin `<form method=post>` can set neither the header nor the content type.
//! - The token is only in the editor page, which no other site can frame or read
//!   (`frame-ancestors 'none'`, same-origin policy); published HTML never carries it.
//! - A page is named by its site path; anything but `content/` followed by slug folders and
//!   `<slug>.md` (or `content/_index.md`) is refused before the disk is touched, and so is a
//!   path through a symbolic link or whose canonical form leaves `content/`. New pages go only
//!   into a kind's folder and are created with create-new semantics.
//! - A save writes a temporary file beside the page and renames it over the page, only if the
//!   page still has the text the editor opened (else 409 with the text on disk).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::config::{Config, FieldType};
use crate::content::{self, Draft, MAX_PAGE_BYTES};
use crate::diagnostics::{Diagnostics, Severity};
use crate::{Options, Session};

const PAGE_HTML: &str = include_str!("editor/editor.html");
const SCRIPT: &str = include_str!("editor/editor.js");
const STYLE: &str = include_str!("editor/editor.css");

/// The request header that carries the session's token.
pub const TOKEN_HEADER: &str = "x-kwiki-token";
/// How long opening the editor waits for a preview that is still building.
const PREVIEW_WAIT: Duration = Duration::from_secs(15);

/// Where the editor lives under `serve`.
pub const EDIT_PATH: &str = "/__kwiki/edit";

/// The editor's side of `serve`.
pub struct Editor {
    /// The site's root, canonical.
    root: PathBuf,
    /// `Host` values a request may carry: the served loopback host and port.
    hosts: Vec<String>,
    token: String,
    /// Counts the bursts of changes `serve`'s watcher saw: the preview reads everything again
    /// when it moved.
    changes: Arc<AtomicU64>,
    preview: Mutex<Preview>,
    /// One save at a time: the check that the file is unchanged and the rename go together.
    writing: Mutex<()>,
    temp_counter: AtomicU64,
}

/// The preview's own session: the last build plus the draft being edited.
struct Preview {
    session: Session,
    /// `changes` when this session last read the disk; `None`: never built.
    seen: Option<u64>,
    /// The path of the draft in the session's last build.
    draft: Option<String>,
    /// The last build's report.
    report: Option<crate::Report>,
}

/// What a preview build gives the editor.
struct Built {
    report: crate::Report,
    /// The page as the site would serve it; `None` when the build failed.
    html: Option<String>,
    /// The page's URL under `serve`.
    href: Option<String>,
    /// Every page's kind and title (asked for when the editor opens).
    names: Vec<(usize, String)>,
    /// Every page's kind and aliases.
    aliases: Vec<(usize, String)>,
    categories: Vec<String>,
    elapsed_ms: f64,
}

impl Editor {
    /// `host` is the served host (`127.0.0.1`, `[::1]`) and `port` the served port.
    pub fn new(
        root: &Path,
        host: &str,
        port: u16,
        url: &str,
        changes: Arc<AtomicU64>,
    ) -> anyhow::Result<Arc<Editor>> {
        let root = root
            .canonicalize()
            .with_context(|| format!("reading {}", root.display()))?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow::anyhow!("no random numbers from the system: {e}"))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut hosts = vec![format!("{host}:{port}"), format!("localhost:{port}")];
        for loopback in ["127.0.0.1", "[::1]"] {
            let h = format!("{loopback}:{port}");
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
        let options = Options {
            root: root.clone(),
            out: None,
            base_url: Some(url.to_string()),
            strict: false,
            render_hook: None,
            remove_previous: None,
            on_stuck: None,
        };
        Ok(Arc::new(Editor {
            root,
            hosts,
            token,
            changes,
            preview: Mutex::new(Preview {
                session: Session::new(options),
                seen: None,
                draft: None,
                report: None,
            }),
            writing: Mutex::new(()),
            temp_counter: AtomicU64::new(0),
        }))
    }

    /// The editor's routes, to merge into the server's.
    pub fn routes(self: &Arc<Self>) -> Router {
        Router::new()
            .route(EDIT_PATH, get(page))
            .route("/__kwiki/editor.js", get(script))
            .route("/__kwiki/editor.css", get(style))
            .route("/__kwiki/api/open", post(open))
            .route("/__kwiki/api/preview", post(preview))
            .route("/__kwiki/api/field", post(field))
            .route("/__kwiki/api/save", post(save))
            // A page may be 4 MiB; its text in JSON, escaped, a little more than twice that.
            .layer(DefaultBodyLimit::max(10 << 20))
            .with_state(Arc::clone(self))
    }

    /// Who may use the editor at all: a loopback peer, naming the served host, from the
    /// served origin.
    fn guard(&self, peer: SocketAddr, headers: &HeaderMap, api: bool) -> Result<(), Rejected> {
        let loopback = match peer.ip() {
            IpAddr::V4(ip) => ip.is_loopback(),
            IpAddr::V6(ip) => {
                ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        };
        if !loopback {
            return Err(Box::new(refuse(
                "the editor answers only this machine (loopback)",
            )));
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !self.hosts.iter().any(|h| h == host) {
            return Err(Box::new(refuse(
                "the Host header is not the served address",
            )));
        }
        if let Some(origin) = headers.get(header::ORIGIN)
            && origin.to_str().ok() != Some(format!("http://{host}").as_str())
        {
            return Err(Box::new(refuse("cross-origin request")));
        }
        if let Some(site) = headers.get("sec-fetch-site") {
            let site = site.to_str().unwrap_or("");
            let allowed = site == "same-origin" || (!api && site == "none");
            if !allowed {
                return Err(Box::new(refuse("cross-site request")));
            }
        }
        if !api {
            return Ok(());
        }
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(Box::new(refuse("the editor's requests are JSON")));
        }
        let token = headers
            .get(TOKEN_HEADER)
            .map(HeaderValue::as_bytes)
            .unwrap_or(b"");
        if !same_bytes(token, self.token.as_bytes()) {
            return Err(Box::new(refuse("missing or wrong session token")));
        }
        Ok(())
    }

    /// Checks a page's site path (see the module's invariants) and returns its file. `create`:
    /// the file may be missing, and then must be a page of a kind, in the kind's folder.
    fn page_file(&self, raw: &str, create: bool) -> Result<(PathBuf, bool), Refusal> {
        let parts = path_parts(raw).ok_or(Refusal::Path(
            "not a page path: content/<kind folder>/<slug>.md",
        ))?;
        let content = self.root.join("content");
        let meta = std::fs::symlink_metadata(&content).map_err(|_| Refusal::Path("no content/"))?;
        if meta.file_type().is_symlink() || !meta.is_dir() {
            return Err(Refusal::Path("content/ is not a folder"));
        }
        let mut at = content.clone();
        let mut exists = true;
        for (i, part) in parts.iter().enumerate().skip(1) {
            at.push(part);
            let last = i + 1 == parts.len();
            match std::fs::symlink_metadata(&at) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(Refusal::Path("the path goes through a symbolic link"));
                }
                Ok(m) if last && !m.is_file() => return Err(Refusal::Path("not a file")),
                Ok(m) if !last && !m.is_dir() => return Err(Refusal::Path("not a folder")),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    exists = false;
                    break;
                }
                Err(_) => return Err(Refusal::Path("cannot read the path")),
            }
        }
        // Belt and braces: the deepest existing folder, resolved, is inside content/.
        let content_real = content
            .canonicalize()
            .map_err(|_| Refusal::Path("no content/"))?;
        let mut existing = self.root.join(raw);
        while std::fs::symlink_metadata(&existing).is_err() {
            if !existing.pop() {
                return Err(Refusal::Path("outside content/"));
            }
        }
        let real = existing
            .canonicalize()
            .map_err(|_| Refusal::Path("cannot resolve the path"))?;
        if !real.starts_with(&content_real) {
            return Err(Refusal::Path("outside content/"));
        }
        if !exists && !create {
            return Err(Refusal::Missing);
        }
        Ok((self.root.join(raw), exists))
    }

    /// A fresh temporary name beside `file`: hidden and `.tmp`, so neither the build nor the
    /// watcher takes it for a page.
    fn temp_beside(&self, file: &Path) -> PathBuf {
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        file.with_file_name(format!(".{name}.kwiki-{}-{n}.tmp", std::process::id()))
    }

    /// Runs the real pipeline on the site with `draft` in place of its file (nothing is
    /// written) and returns what the editor shows of `page`. `None` when another preview is
    /// still building.
    fn build_preview(
        &self,
        draft: Option<Draft>,
        page: &str,
        (names, wait): (bool, bool),
    ) -> Option<Built> {
        // Waiting is bounded: a template that never finishes holds the preview for ever (it
        // has no watchdog), and must not pile up waiting threads.
        let deadline = Instant::now() + if wait { PREVIEW_WAIT } else { Duration::ZERO };
        let mut preview = loop {
            match self.preview.try_lock() {
                Ok(p) => break p,
                Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::sync::TryLockError::WouldBlock) => return None,
            }
        };
        let started = Instant::now();
        let changes = self.changes.load(Ordering::SeqCst);
        let Preview {
            session,
            seen,
            draft: last,
            report,
        } = &mut *preview;
        // The draft's file, and the last draft's (read from the disk again).
        let mut hint: Vec<PathBuf> = Vec::new();
        for p in draft.iter().map(|d| &d.path).chain(last.iter()) {
            let file = self.root.join(p);
            if !hint.contains(&file) {
                hint.push(file);
            }
        }
        let same_disk = *seen == Some(changes);
        if !(same_disk && hint.is_empty() && report.is_some()) {
            *last = draft.as_ref().map(|d| d.path.clone());
            session.set_draft(draft);
            *report = Some(if same_disk && report.is_some() {
                session.build_changed(&hint)
            } else {
                session.build()
            });
            *seen = Some(changes);
        }
        let report = report.clone().unwrap_or_default();
        let session = &*session;
        let mut built = Built {
            html: None,
            href: None,
            names: Vec::new(),
            aliases: Vec::new(),
            categories: Vec::new(),
            elapsed_ms: 0.0,
            report,
        };
        let home = session.home_path() == Some(page);
        let href = if home {
            Some("/".to_string())
        } else {
            session
                .pages()
                .find(|(p, _)| p.path == page)
                .map(|(_, href)| href.to_string())
        };
        if let Some(href) = &href {
            let file = format!("{}index.html", href.trim_start_matches('/'));
            let files = session.files();
            if let Ok(i) = files.binary_search_by(|f| f.path.as_str().cmp(&file)) {
                built.html = Some(String::from_utf8_lossy(&files[i].bytes).into_owned());
            }
        }
        built.href = href;
        if names {
            built.names = session
                .pages()
                .map(|(p, _)| (p.kind, p.title.clone()))
                .collect();
            built.aliases = session
                .pages()
                .flat_map(|(p, _)| p.aliases.iter().map(|a| (p.kind, a.0.clone())))
                .collect();
            let mut categories: Vec<String> = session
                .pages()
                .flat_map(|(p, _)| p.categories.iter().map(|c| c.0.clone()))
                .collect();
            categories.sort();
            categories.dedup();
            built.categories = categories;
        }
        built.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        Some(built)
    }

    /// A save or a new page changes the disk: the next preview reads it again.
    fn disk_changed(&self) {
        let mut preview = self.preview.lock().unwrap_or_else(PoisonError::into_inner);
        preview.seen = None;
    }
}

/// Why a page path was refused.
#[derive(Debug)]
enum Refusal {
    Path(&'static str),
    Missing,
}

impl Refusal {
    fn response(&self) -> Response {
        match self {
            Refusal::Path(why) => fail(StatusCode::BAD_REQUEST, &format!("refused path: {why}")),
            Refusal::Missing => fail(StatusCode::NOT_FOUND, "no such page file"),
        }
    }
}

/// The components of a page path, if it has the only shape a page path may have:
/// `content/`, then folders that are slugs, then `<slug>.md` (or just `content/_index.md`).
/// Nothing here is decoded: `%2e%2e`, `..`, `.`, a backslash, a NUL, an absolute path or a
/// drive letter are simply not that shape.
fn path_parts(raw: &str) -> Option<Vec<&str>> {
    if raw.len() > 1024 {
        return None;
    }
    let parts: Vec<&str> = raw.split('/').collect();
    if parts.len() < 2 || parts[0] != "content" {
        return None;
    }
    let (file, folders) = parts.split_last()?;
    if !folders[1..].iter().all(|f| content::is_valid_slug(f)) {
        return None;
    }
    let stem = file.strip_suffix(".md")?;
    let home = parts.len() == 2 && stem == "_index";
    if !(home || (parts.len() >= 3 && content::is_valid_slug(stem))) {
        return None;
    }
    Some(parts)
}

/// Equal, in time that does not depend on where they differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(why: &str) -> Response {
    fail(StatusCode::FORBIDDEN, why)
}

fn fail(status: StatusCode, why: &str) -> Response {
    reply(status, &json!({ "error": why }))
}

fn reply(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

type Peer = ConnectInfo<SocketAddr>;

/// A refusal, as the response to send (boxed: a `Response` is large).
type Rejected = Box<Response>;

async fn page(
    State(editor): State<Arc<Editor>>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = editor.guard(peer, &headers, false) {
        return *refused;
    }
    let html = PAGE_HTML.replace("{{TOKEN}}", &editor.token);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                 script-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'none'",
            ),
        ],
        html,
    )
        .into_response()
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(kind: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// The guard, then the JSON body, then `work` on a blocking thread (it reads files and builds).
async fn api<T, F>(
    editor: Arc<Editor>,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &[u8],
    work: F,
) -> Response
where
    T: for<'de> Deserialize<'de> + Send + 'static,
    F: FnOnce(&Editor, T) -> Response + Send + 'static,
{
    if let Err(refused) = editor.guard(peer, headers, true) {
        return *refused;
    }
    let request: T = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &format!("bad request: {e}")),
    };
    match tokio::task::spawn_blocking(move || work(&editor, request)).await {
        Ok(response) => response,
        Err(_) => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the editor's worker failed",
        ),
    }
}

#[derive(Deserialize)]
struct OpenRequest {
    path: Option<String>,
    new: Option<String>,
}

async fn open(
    State(editor): State<Arc<Editor>>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    api(editor, peer, &headers, &body, Editor::open).await
}

#[derive(Deserialize)]
struct PreviewRequest {
    path: String,
    text: String,
}

async fn preview(
    State(editor): State<Arc<Editor>>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    api(editor, peer, &headers, &body, Editor::preview).await
}

#[derive(Deserialize)]
struct FieldRequest {
    path: String,
    text: String,
    key: String,
    value: FieldInput,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FieldInput {
    One(String),
    Many(Vec<String>),
}

async fn field(
    State(editor): State<Arc<Editor>>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    api(editor, peer, &headers, &body, Editor::field).await
}

#[derive(Deserialize)]
struct SaveRequest {
    path: String,
    text: String,
    /// The text the editor opened; `None` for a page that does not exist yet.
    base: Option<String>,
}

async fn save(
    State(editor): State<Arc<Editor>>,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    api(editor, peer, &headers, &body, Editor::save).await
}

/// How a field's value is typed, for the form and for writing it back.
fn type_name(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Text => "text",
        FieldType::Year => "year",
        FieldType::Date => "date",
        FieldType::Number => "number",
        FieldType::List => "list",
        FieldType::Url => "url",
        FieldType::Link(_) => "link",
    }
}

/// The keys every page has, as form fields: (key, label, type, many).
const COMMON_FIELDS: [(&str, &str, &str, bool); 4] = [
    ("title", "Title", "text", false),
    ("summary", "Summary", "text", false),
    ("aliases", "Aliases", "list", true),
    ("categories", "Categories", "list", true),
];

/// Every kind with its fields, for the form.
fn kinds_json(config: &Config) -> Json {
    let kinds: Vec<Json> = config
        .kinds
        .iter()
        .map(|k| {
            let mut fields: Vec<Json> = COMMON_FIELDS
                .iter()
                .map(|(key, label, ty, many)| {
                    json!({ "key": key, "label": label, "type": ty, "many": many, "kinds": [], "hidden": false })
                })
                .collect();
            fields.extend(k.fields.iter().map(|f| {
                let kinds: Vec<&str> = match &f.ty {
                    FieldType::Link(ids) => ids.iter().map(|&i| config.kinds[i].id.as_str()).collect(),
                    _ => Vec::new(),
                };
                json!({
                    "key": f.key,
                    "label": f.label,
                    "type": type_name(&f.ty),
                    "many": f.many || f.ty == FieldType::List,
                    "kinds": kinds,
                    "hidden": f.hidden,
                })
            }));
            json!({ "id": k.id, "name": k.name, "folder": k.folder, "fields": fields })
        })
        .collect();
    Json::Array(kinds)
}

/// A field's type and whether it takes several values, by key.
fn field_type(config: &Config, kind: Option<usize>, key: &str) -> Option<(&'static str, bool)> {
    if let Some((_, _, ty, many)) = COMMON_FIELDS.iter().find(|f| f.0 == key) {
        if kind.is_none() && !matches!(key, "title" | "summary") {
            return None;
        }
        return Some((ty, *many));
    }
    let field = config.kinds[kind?].fields.iter().find(|f| f.key == key)?;
    Some((
        type_name(&field.ty),
        field.many || field.ty == FieldType::List,
    ))
}

/// The front matter's keys and values, for the form: `{ key: { value, editable } }`, where a
/// value holding tables (a section alias, a relation with details) is left to the text.
fn fields_json(text: &str) -> Json {
    let Ok(split) = content::front_matter::split(text) else {
        return json!({ "error": "no +++ front matter: fix it in the text" });
    };
    let Ok(doc) = text[split.toml_start..split.toml_end].parse::<toml_edit::DocumentMut>() else {
        return json!({ "error": "the front matter is not valid TOML: fix it in the text" });
    };
    let mut values = serde_json::Map::new();
    for (key, item) in doc.as_table() {
        let value = item.as_value().and_then(simple_json);
        let editable = value.is_some();
        values.insert(
            key.to_string(),
            json!({ "value": value.unwrap_or(Json::Null), "editable": editable }),
        );
    }
    json!({ "values": values })
}

/// A TOML value the form can show: a string, number, boolean, date, or a list of those.
fn simple_json(value: &toml_edit::Value) -> Option<Json> {
    use toml_edit::Value as V;
    Some(match value {
        V::String(s) => Json::String(s.value().clone()),
        V::Integer(i) => Json::from(*i.value()),
        V::Float(f) => serde_json::Number::from_f64(*f.value()).map_or(Json::Null, Json::Number),
        V::Boolean(b) => Json::Bool(*b.value()),
        V::Datetime(d) => Json::String(d.value().to_string()),
        V::Array(items) => Json::Array(
            items
                .iter()
                .map(|v| match v {
                    V::Array(_) | V::InlineTable(_) => None,
                    v => simple_json(v),
                })
                .collect::<Option<Vec<Json>>>()?,
        ),
        V::InlineTable(_) => return None,
    })
}

/// The TOML value the form's input means, by the field's type. A value that is not of the type
/// is written as the string typed, so `check` reports it at its line.
fn toml_value(ty: &str, many: bool, input: FieldInput) -> Option<toml_edit::Value> {
    let one = |s: &str| -> toml_edit::Value {
        let s = s.trim();
        match ty {
            "year" => s.parse::<i64>().map_or_else(|_| s.into(), Into::into),
            "number" => s.parse::<i64>().map_or_else(
                |_| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map_or_else(|| s.into(), Into::into)
                },
                Into::into,
            ),
            "date" => s
                .parse::<toml_edit::Datetime>()
                .map_or_else(|_| s.into(), Into::into),
            _ => s.into(),
        }
    };
    let values: Vec<String> = match input {
        FieldInput::One(s) => vec![s],
        FieldInput::Many(v) => v,
    };
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return None;
    }
    if many {
        let mut array = toml_edit::Array::new();
        for v in values {
            array.push(one(v));
        }
        Some(toml_edit::Value::Array(array))
    } else {
        Some(one(values[0]))
    }
}

/// `text` with one front-matter key set to `value` (removed when `None`), the rest of the
/// text as it was, comments and layout included.
fn set_field(text: &str, key: &str, value: Option<toml_edit::Value>) -> Result<String, String> {
    let split = content::front_matter::split(text)
        .map_err(|_| "no +++ front matter: fix it in the text first".to_string())?;
    let mut doc = text[split.toml_start..split.toml_end]
        .parse::<toml_edit::DocumentMut>()
        .map_err(|_| "the front matter is not valid TOML: fix it in the text first".to_string())?;
    let table = doc.as_table_mut();
    if let Some(old) = table.get(key)
        && old.as_value().and_then(simple_json).is_none()
    {
        return Err(format!("{key} holds tables: edit it in the text"));
    }
    match value {
        None => {
            table.remove(key);
        }
        Some(mut value) => match table.get_mut(key).and_then(|i| i.as_value_mut()) {
            Some(old) => {
                *value.decor_mut() = old.decor().clone();
                *old = value;
            }
            None => {
                table.insert(key, toml_edit::Item::Value(value));
            }
        },
    }
    let mut front = doc.to_string();
    if !front.is_empty() && !front.ends_with('\n') {
        front.push('\n');
    }
    Ok(format!(
        "{}{front}{}",
        &text[..split.toml_start],
        &text[split.toml_end..]
    ))
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

impl Editor {
    fn config(&self) -> Result<Config, Rejected> {
        let mut diagnostics = Diagnostics::default();
        match Config::load(&self.root, &mut diagnostics) {
            Some((config, _)) => Ok(config),
            None => Err(Box::new(fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "site.toml has errors: fix them first (kwiki check lists them)",
            ))),
        }
    }

    fn open(&self, request: OpenRequest) -> Response {
        let config = match self.config() {
            Ok(c) => c,
            Err(r) => return *r,
        };
        let (path, text, exists) = match (request.path, request.new) {
            (Some(path), _) => {
                let file = match self.page_file(&path, false) {
                    Ok((file, _)) => file,
                    Err(refused) => return refused.response(),
                };
                match read_text(&file) {
                    Ok(text) => (path, text, true),
                    Err(response) => return *response,
                }
            }
            (None, Some(title)) => {
                let title = title.trim().to_string();
                if title.is_empty() || title.len() > 300 {
                    return fail(StatusCode::BAD_REQUEST, "a new page needs a title");
                }
                let text = format!("+++\ntitle = {}\n+++\n\n", toml_string(&title));
                return self.open_new(&config, &title, &text);
            }
            (None, None) => return fail(StatusCode::BAD_REQUEST, "name a path or a new title"),
        };
        let Some(built) = self.build_preview(None, &path, (true, true)) else {
            return fail(StatusCode::SERVICE_UNAVAILABLE, "busy");
        };
        let kind = config
            .kind_of_path(&path)
            .map(|k| config.kinds[k].id.clone());
        reply(
            StatusCode::OK,
            &json!({
                "path": path,
                "text": text,
                "exists": exists,
                "kind": kind,
                "kinds": kinds_json(&config),
                "names": names_json(&config, &built.names),
                "aliases": names_json(&config, &built.aliases),
                "categories": built.categories,
                "href": built.href,
                "fields": fields_json(&text),
            }),
        )
    }

    /// A page that does not exist yet (from a red link): a path in each kind's folder.
    fn open_new(&self, config: &Config, title: &str, text: &str) -> Response {
        let Some(slug) = content::suggest_slug(title).filter(|s| content::is_valid_slug(s)) else {
            return fail(
                StatusCode::BAD_REQUEST,
                "no file name can be made from this title",
            );
        };
        let choices: Vec<Json> = config
            .kinds
            .iter()
            .map(|k| {
                let path = format!("content/{}/{slug}.md", k.folder);
                let exists = self.root.join(&path).exists();
                json!({ "kind": k.id, "name": k.name, "path": path, "exists": exists })
            })
            .collect();
        let names = self
            .build_preview(None, "", (true, true))
            .map(|b| {
                (
                    names_json(config, &b.names),
                    names_json(config, &b.aliases),
                    b.categories,
                )
            })
            .unwrap_or_default();
        reply(
            StatusCode::OK,
            &json!({
                "new": title,
                "text": text,
                "exists": false,
                "choices": choices,
                "kinds": kinds_json(config),
                "names": names.0,
                "aliases": names.1,
                "categories": names.2,
                "fields": fields_json(text),
            }),
        )
    }

    fn preview(&self, request: PreviewRequest) -> Response {
        if let Err(refused) = self.page_file(&request.path, true) {
            return refused.response();
        }
        if request.text.len() as u64 > MAX_PAGE_BYTES {
            return fail(StatusCode::PAYLOAD_TOO_LARGE, "a page may be at most 4 MiB");
        }
        let fields = fields_json(&request.text);
        let draft = Draft {
            path: request.path.clone(),
            text: request.text,
        };
        let Some(built) = self.build_preview(Some(draft), &request.path, (false, false)) else {
            return reply(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({ "busy": true, "error": "a preview is still building" }),
            );
        };
        let report = &built.report;
        let mine: Vec<&crate::diagnostics::Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.path == request.path)
            .collect();
        let elsewhere = report
            .diagnostics
            .iter()
            .filter(|d| d.path != request.path && d.severity == Severity::Error)
            .count();
        reply(
            StatusCode::OK,
            &json!({
                "html": built.html,
                "href": built.href,
                "failed": report.failed,
                "diagnostics": mine,
                "elsewhere": elsewhere,
                "fields": fields,
                "ms": (built.elapsed_ms * 10.0).round() / 10.0,
            }),
        )
    }

    fn field(&self, request: FieldRequest) -> Response {
        let config = match self.config() {
            Ok(c) => c,
            Err(r) => return *r,
        };
        if let Err(refused) = self.page_file(&request.path, true) {
            return refused.response();
        }
        let kind = config.kind_of_path(&request.path);
        let Some((ty, many)) = field_type(&config, kind, &request.key) else {
            return fail(StatusCode::BAD_REQUEST, "not a field of this page's kind");
        };
        let value = toml_value(ty, many, request.value);
        match set_field(&request.text, &request.key, value) {
            Ok(text) => reply(StatusCode::OK, &json!({ "text": text })),
            Err(why) => fail(StatusCode::UNPROCESSABLE_ENTITY, &why),
        }
    }

    fn save(&self, request: SaveRequest) -> Response {
        if request.text.len() as u64 > MAX_PAGE_BYTES {
            return fail(StatusCode::PAYLOAD_TOO_LARGE, "a page may be at most 4 MiB");
        }
        let creating = request.base.is_none();
        let (file, exists) = match self.page_file(&request.path, creating) {
            Ok(found) => found,
            Err(Refusal::Missing) => {
                // Deleted since it was opened: nothing to compare with, and nothing is lost.
                return reply(
                    StatusCode::CONFLICT,
                    &json!({ "conflict": true, "disk": null, "error": "the file was deleted since you opened it" }),
                );
            }
            Err(refused) => return refused.response(),
        };
        let _one = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let outcome = match (&request.base, exists) {
            (Some(base), true) => {
                let disk = match read_text(&file) {
                    Ok(text) => text,
                    Err(response) => return *response,
                };
                if disk != *base {
                    return conflict(&disk);
                }
                self.replace(&file, &request.text)
            }
            (None, true) => match read_text(&file) {
                Ok(disk) => return conflict(&disk),
                Err(response) => return *response,
            },
            (None, false) => {
                let config = match self.config() {
                    Ok(c) => c,
                    Err(r) => return *r,
                };
                if config.kind_of_path(&request.path).is_none() {
                    return fail(
                        StatusCode::BAD_REQUEST,
                        "a new page goes into a kind's folder: content/<kind folder>/<slug>.md",
                    );
                }
                self.create(&file, &request.text)
            }
            (Some(_), false) => unreachable_missing(),
        };
        match outcome {
            Ok(Written::Done) => {
                self.disk_changed();
                reply(
                    StatusCode::OK,
                    &json!({ "saved": true, "path": request.path }),
                )
            }
            Ok(Written::Exists) => match read_text(&file) {
                Ok(disk) => conflict(&disk),
                Err(response) => *response,
            },
            Err(e) => fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("could not write {}: {e}", request.path),
            ),
        }
    }

    /// Writes `text` beside `file` and renames it over `file`: a reader sees the old page or
    /// the new one, never half of it. The page's permissions are kept.
    fn replace(&self, file: &Path, text: &str) -> std::io::Result<Written> {
        let temp = self.temp_beside(file);
        let result = (|| {
            write_new(&temp, text)?;
            if let Ok(meta) = std::fs::metadata(file) {
                std::fs::set_permissions(&temp, meta.permissions())?;
            }
            std::fs::rename(&temp, file)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map(|()| Written::Done)
    }

    /// Creates `file` with `text`, only if no file has its name: the text is written to a
    /// temporary file, then linked under the page's name (which fails if it exists).
    fn create(&self, file: &Path, text: &str) -> std::io::Result<Written> {
        let Some(parent) = file.parent() else {
            return Err(std::io::Error::other("no folder"));
        };
        if !parent.exists() {
            // One level only (a kind's folder with no page yet); its parent was checked.
            std::fs::create_dir(parent)?;
        }
        let temp = self.temp_beside(file);
        write_new(&temp, text)?;
        let linked = std::fs::hard_link(&temp, file);
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => Ok(Written::Done),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Written::Exists),
            // A file system without hard links: create-new, written in place.
            Err(_) => match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(file)
            {
                Ok(mut f) => {
                    std::io::Write::write_all(&mut f, text.as_bytes())?;
                    f.sync_all()?;
                    Ok(Written::Done)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Written::Exists),
                Err(e) => Err(e),
            },
        }
    }
}

/// A page saved with a base text it exists is never missing at the same time: `page_file`
/// answers `Missing` first. Kept as a conflict, so nothing is lost if it ever happens.
fn unreachable_missing() -> std::io::Result<Written> {
    Err(std::io::Error::other("the file vanished"))
}

enum Written {
    Done,
    Exists,
}

fn conflict(disk: &str) -> Response {
    reply(
        StatusCode::CONFLICT,
        &json!({
            "conflict": true,
            "disk": disk,
            "error": "the file changed on disk since you opened it",
        }),
    )
}

fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    f.sync_all()
}

/// A page file's text: at most `MAX_PAGE_BYTES`, UTF-8.
fn read_text(file: &Path) -> Result<String, Rejected> {
    let bytes = std::fs::read(file).map_err(|e| {
        Box::new(fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot read the page: {e}"),
        ))
    })?;
    if bytes.len() as u64 > MAX_PAGE_BYTES {
        return Err(Box::new(fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the page is larger than 4 MiB",
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        Box::new(fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the page is not UTF-8: save it as UTF-8 in a text editor first",
        ))
    })
}

/// Names (titles or aliases) of each kind's pages, by kind id, sorted.
fn names_json(config: &Config, names: &[(usize, String)]) -> Json {
    let mut by_kind: Vec<Vec<&str>> = vec![Vec::new(); config.kinds.len()];
    for (kind, title) in names {
        if let Some(list) = by_kind.get_mut(*kind) {
            list.push(title);
        }
    }
    let mut out = serde_json::Map::new();
    for (kind, mut titles) in config.kinds.iter().zip(by_kind) {
        titles.sort_unstable();
        out.insert(kind.id.clone(), json!(titles));
    }
    Json::Object(out)
}

/// The link `serve` puts on a page to edit its source.
pub fn edit_link(source: &str) -> String {
    format!(
        "<a id=\"kwiki-edit\" href=\"{EDIT_PATH}?path={}\" style=\"position:fixed;left:1rem;bottom:1rem;z-index:2147483646;\
         background:#1a56db;color:#fff;padding:.5rem .9rem;border-radius:6px;font:600 15px system-ui,sans-serif;\
         text-decoration:none;box-shadow:0 2px 8px #0005\">Edit</a>",
        crate::urls::escape_html(source)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_page_paths_have_the_shape_of_one() {
        for good in [
            "content/groups/bts.md",
            "content/groups/2010s/bts.md",
            "content/_index.md",
        ] {
            assert!(path_parts(good).is_some(), "{good}");
        }
        for bad in [
            "../site.toml",
            "content/../site.toml",
            "content/groups/../../site.toml",
            "/etc/passwd",
            "/content/groups/bts.md",
            "content/%2e%2e/site.toml",
            "content/groups/%2e%2e.md",
            "content\\groups\\bts.md",
            "content/groups/bts.md\0",
            "content/groups/./bts.md",
            "content//bts.md",
            "content/groups/bts.txt",
            "content/groups/BTS.md",
            "content/groups/.bts.md",
            "content/bts.md",
            "content/groups/_index.md",
            "C:/content/groups/bts.md",
            "templates/page.md",
            "content",
            "",
        ] {
            assert!(path_parts(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
        assert!(!same_bytes(b"", b"a"));
    }

    #[test]
    fn a_field_is_set_and_the_rest_of_the_text_kept() {
        let text = "+++\ntitle = \"A\" # the name\ndebut = 2013\nmembers = [{ name = \"X\", since = 2013 }]\n+++\nBody [[B]].\n";
        let year = toml_value("year", false, FieldInput::One("2014".into()));
        let out = set_field(text, "debut", year).unwrap();
        assert_eq!(out, text.replace("debut = 2013", "debut = 2014"));
        // Not a year: written as typed, for `check` to report at its line.
        let bad = toml_value("year", false, FieldInput::One("20x4".into()));
        assert!(
            set_field(text, "debut", bad)
                .unwrap()
                .contains("debut = \"20x4\"")
        );
        // A new key goes into the front matter, a cleared one leaves it.
        let added = set_field(
            text,
            "agency",
            toml_value("link", false, FieldInput::One("Big Hit".into())),
        )
        .unwrap();
        assert!(added.contains("agency = \"Big Hit\"\n+++\nBody"), "{added}");
        let removed = set_field(text, "debut", None).unwrap();
        assert!(!removed.contains("debut"));
        assert!(removed.contains("# the name"));
        // A value with tables is left to the text.
        assert!(set_field(text, "members", None).is_err());
        let fields = fields_json(text);
        assert_eq!(fields["values"]["members"]["editable"], json!(false));
        assert_eq!(fields["values"]["debut"]["value"], json!(2013));
    }
}
