//! The content's git history: when each file was first added and last changed, and, when the
//! site shows history, every commit that touched `content/` with the files it changed.
//!
//! One `git log` over `content/` per build, read newest first, with `-z` so that no path or
//! message can break the parsing. Outside a git work tree, or where `git` is not installed,
//! there is no history and nothing else changes: history is an enhancement, never a
//! requirement. The output depends only on the commits, not on when the build runs or on file
//! modification times, so builds stay byte-identical.
//!
//! Dates (`Dates`) are those of the file's own path, as they always were (a rename starts a
//! new path). Revisions (`Revision`) follow a file back through its renames, as
//! `git log --follow` does. Merge commits are what `git log` shows by default: a merge carries
//! no diff of its own (its branch's commits do), so it touches no file and is not listed.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// Author dates (RFC 3339, as git prints them with `%aI`) of a file's first and last commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dates {
    pub created: String,
    pub updated: String,
}

/// One commit that touched `content/`, with what it changed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub hash: String,
    /// The author's name as recorded (never the e-mail address: it is not read).
    pub author: String,
    /// The author date, RFC 3339 with the author's offset (`%aI`).
    pub date: String,
    /// The first line of the commit message.
    pub subject: String,
    pub files: Vec<FileChange>,
}

/// One file a revision changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Site-relative path at this commit (`content/groups/bts.md`).
    pub path: String,
    /// The path the file has now, following renames from this commit on (`None`: the file
    /// was later renamed away from, and another file took this name).
    pub now: Option<String>,
    /// Added and removed lines (`None` for a binary file).
    pub lines: Option<(u64, u64)>,
    /// `A` added, `M` modified, `D` deleted, `R` renamed, `T` type changed, ...
    pub status: char,
    /// For a rename: the path before it.
    pub renamed_from: Option<String>,
}

impl FileChange {
    pub fn created(&self) -> bool {
        self.status == 'A'
    }

    pub fn deleted(&self) -> bool {
        self.status == 'D'
    }
}

/// How much of the history a build reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Each file's first and last date only (no revision is kept): the cheapest `git log`.
    Dates,
    /// Dates and every revision, with renames followed and changed lines counted.
    Revisions,
}

/// Dates per site-relative path (`content/groups/bts.md`), and the revisions. Empty without
/// git history.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct History {
    dates: HashMap<String, Dates>,
    /// Newest first; only commits that changed some file (see the module's note on merges).
    pub revisions: Vec<Revision>,
    /// Per current path: (revision, file) indices, newest first, renames followed.
    by_path: HashMap<String, Vec<(usize, usize)>>,
    /// Why dates are missing or partial, said once by `build` (never an error: dates are an
    /// enhancement).
    pub note: Option<String>,
    /// Whether the history is known to be incomplete or missing (outside git, a shallow
    /// clone, no commit yet), for the history pages to say so.
    pub gap: Option<Gap>,
}

/// Why a page's history may be missing or partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// The site is not in a git checkout, or git is not installed or failed.
    NoGit,
    /// No commit touches `content/` yet.
    NoCommits,
    /// A shallow clone: older commits are missing.
    Shallow,
}

impl Gap {
    /// A sentence for readers of a history page.
    pub fn explain(self) -> &'static str {
        match self {
            Gap::NoGit => {
                "This copy of the wiki was built outside a git checkout, so it has no record of the page's revisions."
            }
            Gap::NoCommits => "No revision of the wiki's content has been committed yet.",
            Gap::Shallow => {
                "This copy of the wiki was built from a shallow git clone: only the most recent revisions are known."
            }
        }
    }
}

impl History {
    pub fn get(&self, path: &str) -> Option<&Dates> {
        self.dates.get(path)
    }

    pub fn len(&self) -> usize {
        self.dates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }

    /// The revisions of the file now at `path`, newest first, renames followed: each with the
    /// change to that file.
    pub fn revisions_of(&self, path: &str) -> impl Iterator<Item = (&Revision, &FileChange)> {
        self.by_path
            .get(path)
            .into_iter()
            .flatten()
            .map(|&(r, f)| (&self.revisions[r], &self.revisions[r].files[f]))
    }

    /// Reads the history of `<root>/content`; any failure means "no history".
    pub fn load(root: &Path, depth: Depth) -> History {
        let content = root.join("content");
        let git = |args: &[&str]| {
            Command::new("git")
                .arg("-C")
                .arg(&content)
                .args(["-c", "core.quotepath=off"])
                .args(args)
                .env("GIT_OPTIONAL_LOCKS", "0")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| o.stdout)
        };
        let missing = |why: &str, gap: Gap| History {
            note: Some(format!(
                "{why}: pages show no \"last edited\" date or history and no feed.xml is written; build in a git clone with its whole history for them"
            )),
            gap: Some(gap),
            ..History::default()
        };
        // Paths in `git log` are relative to the top of the work tree; the root may sit below it.
        let Some(prefix) = git(&["rev-parse", "--show-prefix"]) else {
            return missing(
                "content/ is not in a git checkout (or git is not installed)",
                Gap::NoGit,
            );
        };
        let shallow = git(&["rev-parse", "--is-shallow-repository"])
            .is_some_and(|s| String::from_utf8_lossy(&s).trim() == "true");
        let args: &[&str] = match depth {
            Depth::Dates => &[
                "log",
                "-z",
                "--no-renames",
                "--format=%x01%aI",
                "--name-only",
                "--",
                ".",
            ],
            Depth::Revisions => &[
                "log",
                "-z",
                "-M",
                "--format=%x01%H%x00%an%x00%aI%x00%s%x00",
                "--raw",
                "--numstat",
                "--no-abbrev",
                "--",
                ".",
            ],
        };
        let Some(log) = git(args) else {
            return missing("git log failed in content/", Gap::NoGit);
        };
        // The prefix names the content folder itself: `site/content/` → `site/`.
        let prefix = String::from_utf8_lossy(&prefix);
        let root_prefix = prefix.trim().strip_suffix("content/").unwrap_or("");
        let mut history = match depth {
            Depth::Dates => History {
                dates: parse_dates(&log, root_prefix),
                ..History::default()
            },
            Depth::Revisions => History::from_revisions(parse_log(&log, root_prefix)),
        };
        if history.dates.is_empty() {
            history.note = Some("no commit touches content/ yet: pages show no \"last edited\" date or history and no feed.xml is written until one does".to_string());
            history.gap = Some(Gap::NoCommits);
        } else if shallow {
            history.note = Some("this is a shallow git clone: \"last edited\" dates, page histories and the feeds are those of the commits it has (on GitHub Actions, check out with fetch-depth: 0)".to_string());
            history.gap = Some(Gap::Shallow);
        }
        history
    }

    /// Dates, renames followed back and each current file's revisions, from the revisions
    /// (newest first).
    pub fn from_revisions(mut revisions: Vec<Revision>) -> History {
        revisions.retain(|r| !r.files.is_empty());
        let mut dates: HashMap<String, Dates> = HashMap::new();
        let mut by_path: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        // A path as it was at some commit → the path that file has now (`None`: the name
        // was renamed away from, so an older file of that name is another file).
        let mut now_of: HashMap<String, Option<String>> = HashMap::new();
        for (r, revision) in revisions.iter_mut().enumerate() {
            for (f, file) in revision.files.iter_mut().enumerate() {
                dates
                    .entry(file.path.clone())
                    .and_modify(|d| d.created.clone_from(&revision.date))
                    .or_insert_with(|| Dates {
                        created: revision.date.clone(),
                        updated: revision.date.clone(),
                    });
                let now = match now_of.get(&file.path) {
                    Some(now) => now.clone(),
                    None => Some(file.path.clone()),
                };
                if let Some(now) = &now {
                    by_path.entry(now.clone()).or_default().push((r, f));
                }
                if let Some(from) = &file.renamed_from {
                    now_of.insert(from.clone(), now.clone());
                    now_of.insert(file.path.clone(), None);
                    // The old path's dates, as `--no-renames` gives them: it was deleted here.
                    dates
                        .entry(from.clone())
                        .and_modify(|d| d.created.clone_from(&revision.date))
                        .or_insert_with(|| Dates {
                            created: revision.date.clone(),
                            updated: revision.date.clone(),
                        });
                }
                file.now = now;
            }
        }
        History {
            dates,
            revisions,
            by_path,
            note: None,
            gap: None,
        }
    }
}

/// Parses `git log -z --format=%x01%aI --name-only` output, newest commit first.
fn parse_dates(log: &[u8], root_prefix: &str) -> HashMap<String, Dates> {
    let mut dates: HashMap<String, Dates> = HashMap::new();
    let mut date = String::new();
    for token in log.split(|&b| b == 0) {
        let token = String::from_utf8_lossy(token);
        let token = token.trim_start_matches('\n');
        if let Some(d) = token.strip_prefix('\u{1}') {
            // `%aI` then the blank line before the names, and the first name.
            let mut lines = d.splitn(2, '\n');
            date = lines.next().unwrap_or("").trim().to_string();
            match lines.next().map(|l| l.trim_start_matches('\n')) {
                Some(first) if !first.is_empty() => add_date(&mut dates, first, &date, root_prefix),
                _ => {}
            }
            continue;
        }
        if token.is_empty() || date.is_empty() {
            continue;
        }
        add_date(&mut dates, token, &date, root_prefix);
    }
    dates
}

fn add_date(dates: &mut HashMap<String, Dates>, path: &str, date: &str, root_prefix: &str) {
    let Some(path) = path.strip_prefix(root_prefix) else {
        return;
    };
    dates
        .entry(path.to_string())
        .and_modify(|d| d.created = date.to_string())
        .or_insert_with(|| Dates {
            created: date.to_string(),
            updated: date.to_string(),
        });
}

/// Parses `git log -z -M --format=%x01%H%x00%an%x00%aI%x00%s%x00 --raw --numstat` output,
/// newest commit first. The output is a stream of NUL-separated tokens: a commit's four header
/// tokens (the first starting with `\x01`), then its `--raw` entries (`:modes hashes STATUS`,
/// then one path, or two for a rename or copy), then its `--numstat` entries (`added\tremoved\t
/// path`, or `added\tremoved\t` then the old and new paths of a rename). Paths and messages
/// are read by position, never by content, so no file name or message can be misread.
pub fn parse_log(log: &[u8], root_prefix: &str) -> Vec<Revision> {
    let mut tokens = log
        .split(|&b| b == 0)
        .map(|t| String::from_utf8_lossy(t).into_owned());
    let mut revisions: Vec<Revision> = Vec::new();
    let site_path =
        |p: String| -> Option<String> { p.strip_prefix(root_prefix).map(str::to_string) };
    while let Some(token) = tokens.next() {
        let token = token.trim_start_matches('\n');
        if let Some(hash) = token.strip_prefix('\u{1}') {
            let author = clean(&tokens.next().unwrap_or_default());
            let date = tokens.next().unwrap_or_default();
            let subject = clean(&tokens.next().unwrap_or_default());
            revisions.push(Revision {
                hash: hash.to_string(),
                author,
                date,
                subject,
                files: Vec::new(),
            });
            continue;
        }
        let Some(revision) = revisions.last_mut() else {
            continue;
        };
        if let Some(raw) = token.strip_prefix(':') {
            // `100644 100644 <old> <new> R090`
            let status = raw.rsplit(' ').next().and_then(|s| s.chars().next());
            let Some(status) = status else { continue };
            let two = matches!(status, 'R' | 'C');
            let first = tokens.next().unwrap_or_default();
            let (from, path) = if two {
                (Some(first), tokens.next().unwrap_or_default())
            } else {
                (None, first)
            };
            let Some(path) = site_path(path) else {
                continue;
            };
            // A copy is a new file that started as a copy of another: a creation.
            let (status, renamed_from) = match status {
                'R' => ('R', from.and_then(site_path)),
                'C' => ('A', None),
                s => (s, None),
            };
            revision.files.push(FileChange {
                path,
                now: None,
                lines: None,
                status,
                renamed_from,
            });
            continue;
        }
        let mut parts = token.splitn(3, '\t');
        let (Some(added), Some(removed), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let path = if path.is_empty() {
            let _old = tokens.next();
            tokens.next().unwrap_or_default()
        } else {
            path.to_string()
        };
        let Some(path) = site_path(path) else {
            continue;
        };
        let lines = added.parse().ok().zip(removed.parse().ok());
        if let Some(file) = revision.files.iter_mut().find(|f| f.path == path) {
            file.lines = lines;
        }
    }
    revisions
}

/// A name or message as text any page or feed can hold: control characters (which HTML and
/// XML forbid) and noncharacters become spaces. Escaping is the renderer's business.
fn clean(text: &str) -> String {
    let bad = |c: char| {
        c.is_control() || matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32) & 0xFFFE == 0xFFFE
    };
    if text.contains(bad) {
        text.chars().map(|c| if bad(c) { ' ' } else { c }).collect()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_commit_gives_updated_and_oldest_gives_created() {
        let log = "\u{1}2026-03-01T10:00:00+09:00\0\nsite/content/groups/a.md\0site/content/b.md\0\
                   \u{1}2026-01-01T00:00:00Z\0\nsite/content/groups/a.md\0other/x.md\0";
        let d = parse_dates(log.as_bytes(), "site/");
        assert_eq!(
            d["content/groups/a.md"],
            Dates {
                created: "2026-01-01T00:00:00Z".into(),
                updated: "2026-03-01T10:00:00+09:00".into()
            }
        );
        assert_eq!(d["content/b.md"].created, "2026-03-01T10:00:00+09:00");
        assert!(!d.contains_key("x.md") && d.len() == 2);
    }

    /// The bytes `git log -z -M --raw --numstat` prints for: a merge (no diff), a rename with an
    /// edit and a new file, then the first commit (with `<script>` in its subject).
    fn sample() -> Vec<u8> {
        let mut log = Vec::new();
        let mut push = |s: &str| {
            log.extend_from_slice(s.as_bytes());
            log.push(0);
        };
        push("\u{1}m3rge");
        push("Merger");
        push("2026-12-05T00:00:00Z");
        push("Merge branch 'x'");
        push("");
        push("\u{1}b2");
        push("Zoë");
        push("2026-12-04T09:26:18+09:00");
        push("rename\ttab");
        push("");
        push("\n:000000 100644 0000 3e75 A");
        push("content/a/three.md");
        push(":100644 100644 b77b 04ec R066");
        push("content/a/one.md");
        push("content/a/two.md");
        push("1\t0\tcontent/a/three.md");
        push("1\t0\t");
        push("content/a/one.md");
        push("content/a/two.md");
        push("\u{1}a1");
        push("A <b>");
        push("2026-12-04T09:26:14Z");
        push("first <script>alert(1)</script>");
        push("");
        push("\n:000000 100644 0000 b77b A");
        push("content/a/one.md");
        push("2\t0\tcontent/a/one.md");
        log
    }

    #[test]
    fn revisions_follow_renames_and_count_lines() {
        let history = History::from_revisions(parse_log(&sample(), ""));
        // The merge changed nothing of its own: not listed.
        let hashes: Vec<&str> = history.revisions.iter().map(|r| r.hash.as_str()).collect();
        assert_eq!(hashes, ["b2", "a1"]);
        type Row<'a> = (&'a str, &'a str, Option<(u64, u64)>, char);
        let two: Vec<Row> = history
            .revisions_of("content/a/two.md")
            .map(|(r, f)| (r.hash.as_str(), f.path.as_str(), f.lines, f.status))
            .collect();
        assert_eq!(
            two,
            [
                ("b2", "content/a/two.md", Some((1, 0)), 'R'),
                ("a1", "content/a/one.md", Some((2, 0)), 'A')
            ]
        );
        assert_eq!(
            history.revisions[1].subject,
            "first <script>alert(1)</script>"
        );
        assert_eq!(history.revisions[0].author, "Zoë");
        assert_eq!(history.revisions[0].subject, "rename tab");
        let three: Vec<_> = history.revisions_of("content/a/three.md").collect();
        assert!(three.len() == 1 && three[0].1.created());
        // Dates are per path, as before: the renamed file's starts at the rename.
        assert_eq!(
            history.get("content/a/two.md").map(|d| d.created.as_str()),
            Some("2026-12-04T09:26:18+09:00")
        );
        assert_eq!(
            history.get("content/a/one.md").map(|d| d.created.as_str()),
            Some("2026-12-04T09:26:14Z")
        );
        // Nothing is filed under the old name: it is no file now.
        assert_eq!(history.revisions_of("content/a/one.md").count(), 0);
    }

    #[test]
    fn truncated_or_garbled_output_does_not_panic() {
        let log = sample();
        for end in 0..log.len() {
            let _ = History::from_revisions(parse_log(&log[..end], ""));
            let _ = parse_dates(&log[..end], "");
        }
        let _ = parse_log(b"\x01\0\0\0\0:\0\t\t\0", "x/");
    }
}
