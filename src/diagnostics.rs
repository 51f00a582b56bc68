//! Problems found in user input, with their location, collected rather than thrown.
//!
//! Every stage pushes [`Diagnostic`]s and carries on with what is valid, so one run reports every
//! problem at once. This module only formats; deciding the exit code is `main`'s job.

use std::fmt;
use std::path::Path;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A line and column, both 1-based; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A short stable name for the kind of problem, e.g. `red-link`.
    pub code: &'static str,
    /// Path relative to the site root, with `/` separators.
    pub path: String,
    #[serde(flatten)]
    pub position: Option<Position>,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// On the diagnostic that says how many of one code a file had past the cap
    /// ([`Budget::LIMIT`]): how many were left out.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Diagnostic {
    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            path: path.into(),
            position: None,
            message: message.into(),
            notes: Vec::new(),
            omitted: 0,
        }
    }

    pub fn warning(
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, message)
        }
    }

    pub fn at(mut self, position: Position) -> Self {
        self.position = Some(position);
        self
    }

    pub fn at_offset(self, text: &str, offset: usize) -> Self {
        self.at(position_of(text, offset))
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Errors first (the root cause is an error; the warnings it causes follow), then by path
    /// and position.
    fn sort_key(&self) -> (Severity, &str, Option<Position>, &str) {
        (self.severity, &self.path, self.position, &self.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: ", self.path, p.line, p.column)?,
            None => write!(f, "{}: ", self.path)?,
        }
        write!(f, "{severity}[{}]: {}", self.code, self.message)?;
        for note in &self.notes {
            // A note of several lines keeps its lines under its first.
            write!(f, "\n    note: {}", note.replace('\n', "\n          "))?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// The diagnostic as a GitHub Actions workflow command, which a pull request shows on the
    /// line it names: `::error file=content/x.md,line=3,col=5,title=red-link::message` (or
    /// `::warning`). Notes follow the message on lines of their own. Escaped as GitHub's runner
    /// unescapes: `%`, CR and LF in the message; also `:` and `,` in the properties. A file of
    /// the built-in theme is no file of the repository: its path goes into the message instead.
    pub fn github_command(&self) -> String {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = Vec::new();
        let mut message = String::new();
        if self.path.starts_with(crate::theme::BUILT_IN) {
            message.push_str(&self.path);
            if let Some(p) = self.position {
                message.push_str(&format!(":{}:{}", p.line, p.column));
            }
            message.push_str(": ");
        } else {
            properties.push(format!("file={}", escape_property(&self.path)));
            if let Some(p) = self.position {
                properties.push(format!("line={}", p.line));
                properties.push(format!("col={}", p.column));
            }
        }
        properties.push(format!("title={}", escape_property(self.code)));
        message.push_str(&self.message);
        for note in &self.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        format!(
            "::{severity} {}::{}",
            properties.join(","),
            escape_data(&message)
        )
    }
}

/// A workflow command's message, escaped: `%`, CR and LF.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value, escaped: as a message, and `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The 1-based line and column of a byte offset. Offsets past the end or inside a character are
/// clamped, never a panic.
pub fn position_of(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Positions of offsets in one text, each found from the one before when the offsets grow: a
/// page's links and paragraphs are located in one pass over it, not one pass each. Gives what
/// [`position_of`] gives.
pub struct Locator<'a> {
    text: &'a str,
    offset: usize,
    position: Position,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            offset: 0,
            position: Position { line: 1, column: 1 },
        }
    }

    pub fn locate(&mut self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.offset {
            self.offset = 0;
            self.position = Position { line: 1, column: 1 };
        }
        let between = &self.text[self.offset..offset];
        match between.rfind('\n') {
            Some(last) => {
                // A byte count (vectorised) rather than a search for each line end.
                self.position.line += between.bytes().filter(|&b| b == b'\n').count();
                self.position.column = between[last + 1..].chars().count() + 1;
            }
            None => self.position.column += between.chars().count(),
        }
        self.offset = offset;
        self.position
    }
}

/// Caps how many diagnostics of one code one file gets. A pathological page (260,000 references
/// to a missing footnote) would otherwise get as many warnings, each locating itself by
/// scanning the page: quadratic time, and a report no one reads.
#[derive(Debug, Default)]
pub struct Budget {
    counts: Vec<(&'static str, usize)>,
}

impl Budget {
    /// Diagnostics of one code shown per file; the rest are counted.
    pub const LIMIT: usize = 100;

    /// Whether another diagnostic of `code` may be made; counts it either way.
    pub fn allow(&mut self, code: &'static str) -> bool {
        let at = match self.counts.iter().position(|(c, _)| *c == code) {
            Some(at) => at,
            None => {
                self.counts.push((code, 0));
                self.counts.len() - 1
            }
        };
        self.counts[at].1 += 1;
        self.counts[at].1 <= Self::LIMIT
    }

    /// One diagnostic per code that went over the limit, saying how many were left out.
    pub fn overflow(&self, path: &str) -> Vec<Diagnostic> {
        self.counts
            .iter()
            .filter(|(_, n)| *n > Self::LIMIT)
            .map(|(code, n)| Diagnostic {
                omitted: u32::try_from(n - Self::LIMIT).unwrap_or(u32::MAX),
                ..Diagnostic::warning(
                    code,
                    path,
                    format!(
                        "{} more [{code}] problems in this file are not shown",
                        n - Self::LIMIT
                    ),
                )
            })
            .collect()
    }
}

/// Collects diagnostics from every stage.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(more);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Adds a note to the first error reported for `path` (in the order they were pushed).
    pub fn note_first_error(&mut self, path: &str, note: String) {
        if let Some(d) = self
            .items
            .iter_mut()
            .find(|d| d.path == path && d.severity == Severity::Error)
        {
            d.notes.push(note);
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// Under `--strict`, the codes that are warnings by default become errors.
    pub fn make_strict(&mut self) {
        for d in &mut self.items {
            if STRICT_CODES.contains(&d.code) {
                d.severity = Severity::Error;
            }
        }
    }

    /// Errors before warnings, each sorted by path, then position: the order users read them in.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.items.dedup();
        self.items
    }

    /// The diagnostics in the order they were pushed.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

/// Counts for `check --format json`, so tools need not count: by severity, by code (each with
/// its errors and warnings), and how many diagnostics the per-file cap left out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    /// Diagnostics left out by the cap of [`Budget::LIMIT`] per code and file (counted in
    /// neither `errors` nor `warnings`).
    pub omitted: usize,
    pub by_code: std::collections::BTreeMap<&'static str, CodeCount>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CodeCount {
    pub errors: usize,
    pub warnings: usize,
    pub omitted: usize,
}

impl Summary {
    pub fn of(diagnostics: &[Diagnostic]) -> Summary {
        let mut summary = Summary::default();
        for d in diagnostics {
            let count = summary.by_code.entry(d.code).or_default();
            match d.severity {
                Severity::Error => {
                    summary.errors += 1;
                    count.errors += 1;
                }
                Severity::Warning => {
                    summary.warnings += 1;
                    count.warnings += 1;
                }
            }
            summary.omitted += d.omitted as usize;
            count.omitted += d.omitted as usize;
        }
        summary
    }
}

/// Warnings that `check --strict` (and the wiki's CI) treats as errors.
pub const STRICT_CODES: &[&str] = &[
    "red-link",
    "orphan",
    "unreachable",
    "uncited-page",
    "uncited-paragraph",
    "unknown-anchor",
    "footnote",
    "category-spelling",
    "query-empty",
];

/// Renders a path relative to `root` with forward slashes, for messages.
pub fn display_path(root: &Path, path: &Path) -> String {
    crate::base::walk::relative(root, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_commands_escape_what_the_runner_unescapes() {
        let d = Diagnostic::error("red-link", "content/a,b:c%.md", "50% of: a, b\r\nc")
            .at(Position { line: 3, column: 5 })
            .note("see: x");
        assert_eq!(
            d.github_command(),
            "::error file=content/a%2Cb%3Ac%25.md,line=3,col=5,title=red-link::50%25 of: a, b%0D%0Ac%0Anote: see: x"
        );
        let w = Diagnostic::warning("orphan", "site.toml", "m");
        assert_eq!(
            w.github_command(),
            "::warning file=site.toml,title=orphan::m"
        );
        let built_in = Diagnostic::error(
            "template",
            format!("{} templates/page.html", crate::theme::BUILT_IN),
            "bad",
        )
        .at(Position { line: 1, column: 2 });
        assert_eq!(
            built_in.github_command(),
            "::error title=template::(built-in theme) templates/page.html:1:2: bad"
        );
    }

    proptest::proptest! {
        /// The locator gives what `position_of` gives, for offsets in any order (mid-character
        /// ones included), in text with newlines and multi-byte characters.
        #[test]
        fn locator_agrees_with_position_of(
            text in "[a\n é방\r]{0,60}",
            offsets in proptest::collection::vec(0usize..70, 0..12),
        ) {
            let mut locator = Locator::new(&text);
            for offset in offsets {
                proptest::prop_assert_eq!(locator.locate(offset), position_of(&text, offset));
            }
        }
    }

    fn check(text: &str, offset: usize, line: usize, column: usize) {
        assert_eq!(
            position_of(text, offset),
            Position { line, column },
            "offset {offset} in {text:?}"
        );
    }

    #[test]
    fn positions_count_lines_and_characters() {
        check("abc", 0, 1, 1);
        check("abc", 2, 1, 3);
        check("a\nbc", 2, 2, 1);
        check("a\nbc", 3, 2, 2);
        check("한글\nx", 3, 1, 2);
        check("한글", 4, 1, 2); // inside a character: clamped back
        check("ab", 99, 1, 3); // past the end: clamped
    }

    #[test]
    fn strict_upgrades_only_listed_codes() {
        let mut d = Diagnostics::default();
        d.push(Diagnostic::warning("red-link", "a.md", "x"));
        d.push(Diagnostic::warning("ignored-file", "b.md", "y"));
        d.make_strict();
        let sorted = d.into_sorted();
        assert_eq!(sorted[0].severity, Severity::Error);
        assert_eq!(sorted[1].severity, Severity::Warning);
    }
}
