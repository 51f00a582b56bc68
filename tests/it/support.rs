//! `TestSite`: a tiny site written in code into a temporary folder, with the repository's own
//! templates and static files, built through the real binary or the library.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const SITE_TOML: &str = r#"title = "Test Wiki"
description = "A fixture."
base_url = "https://example.github.io/kpop-wiki/"
repository = "https://github.com/example/kpop-wiki"

[kinds.group]
folder = "groups"
name = "Group"
plural = "Groups"
schema_type = "MusicGroup"
[kinds.group.fields]
agency  = { label = "Agency", link = "agency", inverse = "Artists" }
members = { label = "Members", link = "person", many = true, inverse = "Member of" }
debut   = { label = "Debut", type = "year" }

[kinds.person]
folder = "people"
name = "Person"
plural = "People"
[kinds.person.fields]
born = { label = "Born", type = "year" }

[kinds.agency]
folder = "agencies"
name = "Agency"
plural = "Agencies"

[kinds.song]
folder = "songs"
name = "Song"
plural = "Songs"
[kinds.song.fields]
artist = { label = "Artist", link = ["group", "person"], many = true, inverse = "Songs" }

[kinds.source]
folder = "sources"
name = "Source"
plural = "Sources"
[kinds.source.fields]
publisher = { label = "Publisher", type = "text" }
"#;

pub struct TestSite {
    pub dir: tempfile::TempDir,
}

impl TestSite {
    /// A site with the fixture `site.toml`, the repository's templates and static files.
    pub fn new() -> TestSite {
        let site = TestSite::empty();
        site.write("site.toml", SITE_TOML);
        copy_dir(&repo().join("templates"), &site.root().join("templates"));
        copy_dir(&repo().join("static"), &site.root().join("static"));
        std::fs::create_dir_all(site.root().join("content")).unwrap();
        site
    }

    pub fn empty() -> TestSite {
        TestSite {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, text: &str) -> &TestSite {
        self.write_bytes(path, text.as_bytes())
    }

    pub fn write_bytes(&self, path: &str, bytes: &[u8]) -> &TestSite {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        // Written beside it under a hidden name, then renamed over it, as editors save: a
        // watching `serve` never reads a half-written file (on a loaded machine it could, and
        // a test would see a parse error the edit does not have).
        let name = full.file_name().unwrap().to_string_lossy().into_owned();
        let temporary = full.with_file_name(format!(".{name}.kwiki-test"));
        std::fs::write(&temporary, bytes).unwrap();
        std::fs::rename(&temporary, &full).unwrap();
        self
    }

    /// Writes a page with a title and optional extra front matter.
    pub fn page(&self, path: &str, title: &str, front: &str, body: &str) -> &TestSite {
        self.write(
            path,
            &format!("+++\ntitle = \"{title}\"\n{front}+++\n{body}"),
        )
    }

    pub fn kwiki(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kwiki"))
            .args(args)
            .arg("--root")
            .arg(self.root())
            .output()
            .unwrap()
    }

    /// `kwiki`, with extra environment variables.
    pub fn kwiki_env(&self, args: &[&str], env: &[(&str, &str)]) -> std::io::Result<Output> {
        Command::new(env!("CARGO_BIN_EXE_kwiki"))
            .args(args)
            .arg("--root")
            .arg(self.root())
            .envs(env.iter().copied())
            .output()
    }

    pub fn build(&self) -> Output {
        self.kwiki(&["build"])
    }

    pub fn read(&self, output_path: &str) -> String {
        let path = self.root().join("public").join(output_path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    pub fn exists(&self, output_path: &str) -> bool {
        self.root().join("public").join(output_path).exists()
    }
}

/// Options for a `kwiki::Session` building `site` into its `public/`, as `serve` would.
pub fn session_options(site: &TestSite) -> kwiki::Options {
    kwiki::Options {
        root: site.root().to_path_buf(),
        out: Some(site.root().join("public")),
        base_url: None,
        strict: false,
        render_hook: None,
        remove_previous: None,
        on_stuck: None,
    }
}

/// Starts `command` with its output piped; every line it prints, on either stream, arrives on
/// the receiver (read by two threads, so the child never blocks on a full pipe).
pub fn spawn_with_lines(
    command: &mut Command,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    (child, lines)
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The part of a page between two markers, for focused snapshots.
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found in {html}"));
    let to = html[from..]
        .find(end)
        .map_or(html.len(), |i| from + i + end.len());
    &html[from..to]
}
