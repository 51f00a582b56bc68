//! Page dates from the content's git history: when each file was first added and last changed.
//!
//! One `git log` over `content/` per build, read newest first. Outside a git work tree, or where
//! `git` is not installed, there are no dates and nothing else changes: dates are an
//! enhancement, never a requirement. The output depends only on the commits, not on when the
//! build runs or on file modification times, so builds stay byte-identical.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// Author dates (RFC 3339, as git prints them with `%aI`) of a file's first and last commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dates {
    pub created: String,
    pub updated: String,
}

/// Dates per site-relative path (`content/groups/bts.md`). Empty without git history.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct History {
    dates: HashMap<String, Dates>,
    /// Why dates are missing or partial, said once by `build` (never an error: dates are an
    /// enhancement).
    pub note: Option<String>,
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

    /// Reads the history of `<root>/content`; any failure means "no history".
    pub fn load(root: &Path) -> History {
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
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        };
        let missing = |why: &str| History {
            dates: HashMap::new(),
            note: Some(format!(
                "{why}: pages show no \"last edited\" date and no feed.xml is written; build in a git clone with its whole history for dates"
            )),
        };
        // Paths in `git log` are relative to the top of the work tree; the root may sit below it.
        let Some(prefix) = git(&["rev-parse", "--show-prefix"]) else {
            return missing("content/ is not in a git checkout (or git is not installed)");
        };
        let shallow =
            git(&["rev-parse", "--is-shallow-repository"]).is_some_and(|s| s.trim() == "true");
        let Some(log) = git(&[
            "log",
            "--no-renames",
            "--format=%x01%aI",
            "--name-only",
            "--",
            ".",
        ]) else {
            return missing("git log failed in content/");
        };
        // The prefix names the content folder itself: `site/content/` → `site/`.
        let root_prefix = prefix
            .trim()
            .strip_suffix("content/")
            .unwrap_or("")
            .to_string();
        let dates = parse_log(&log, &root_prefix);
        let note = if dates.is_empty() {
            Some("no commit touches content/ yet: pages show no \"last edited\" date and no feed.xml is written until one does".to_string())
        } else if shallow {
            Some("this is a shallow git clone: \"last edited\" dates and the feed are those of the commits it has (on GitHub Actions, check out with fetch-depth: 0)".to_string())
        } else {
            None
        };
        History { dates, note }
    }
}

/// Parses `git log --format=%x01%aI --name-only` output, newest commit first.
fn parse_log(log: &str, root_prefix: &str) -> HashMap<String, Dates> {
    let mut dates: HashMap<String, Dates> = HashMap::new();
    let mut date = "";
    for line in log.lines() {
        if let Some(d) = line.strip_prefix('\u{1}') {
            date = d.trim();
            continue;
        }
        let line = line.trim_end();
        if line.is_empty() || date.is_empty() {
            continue;
        }
        let Some(path) = line.strip_prefix(root_prefix) else {
            continue;
        };
        dates
            .entry(path.to_string())
            .and_modify(|d| d.created = date.to_string())
            .or_insert_with(|| Dates {
                created: date.to_string(),
                updated: date.to_string(),
            });
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_commit_gives_updated_and_oldest_gives_created() {
        let log = "\u{1}2026-03-01T10:00:00+09:00\n\nsite/content/groups/a.md\nsite/content/b.md\n\
                   \u{1}2026-01-01T00:00:00Z\n\nsite/content/groups/a.md\nother/x.md\n";
        let d = parse_log(log, "site/");
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
}
