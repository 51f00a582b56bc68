//! The built-in theme: this repository's `templates/` and `static/`, compiled into the binary
//! (with `include_dir`), so a wiki needs neither folder. A site's own file of the same name
//! replaces the built-in one, file by file (as in mdBook): `templates/page.html` in a site
//! overrides the built-in `page.html` and leaves the other templates built in. [`eject`] writes
//! the theme out for editing.
//!
//! `build.rs` asks Cargo to rebuild when a file under either folder is added, removed or
//! changed, so a new template is in the next binary without touching this file.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use include_dir::{Dir, include_dir};

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");
static STATIC: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static");

/// How a diagnostic names a built-in file: `(built-in theme) templates/page.html`.
pub const BUILT_IN: &str = "(built-in theme)";

/// Every file of a folder of the theme, as (path relative to the folder with `/` separators,
/// bytes), sorted by path.
fn files(dir: &'static Dir<'static>) -> Vec<(String, &'static [u8])> {
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for file in dir.files() {
            let path = file
                .path()
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((path, file.contents()));
        }
        stack.extend(dir.dirs());
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The built-in templates: (name relative to `templates/`, text), sorted by name. A file that is
/// not UTF-8 cannot be a template and is left out (the theme's own test holds that none is).
pub fn templates() -> Vec<(String, &'static str)> {
    files(&TEMPLATES)
        .into_iter()
        .filter_map(|(name, bytes)| Some((name, std::str::from_utf8(bytes).ok()?)))
        .collect()
}

/// The built-in static files: (path relative to `static/`, bytes), sorted by path.
pub fn static_files() -> Vec<(String, &'static [u8])> {
    files(&STATIC)
}

/// What to do with a file that already exists where the theme would write one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Write nothing at all and say which files are in the way.
    Refuse,
    /// Keep the existing file and write the others.
    Keep,
    /// Replace it.
    Overwrite,
}

/// Writes the built-in theme into `root/templates/` and `root/static/`; returns the files written
/// (relative to `root`, sorted). With [`Existing::Refuse`], nothing is written when any file is
/// already there.
pub fn eject(root: &Path, existing: Existing) -> anyhow::Result<Vec<String>> {
    let mut planned: Vec<(String, &'static [u8])> = Vec::new();
    for (name, text) in templates() {
        planned.push((format!("templates/{name}"), text.as_bytes()));
    }
    for (path, bytes) in static_files() {
        planned.push((format!("static/{path}"), bytes));
    }
    write_files(root, &planned, existing)
}

/// Writes `files` (paths relative to `root`) as `existing` says; returns the paths written.
pub fn write_files(
    root: &Path,
    files: &[(String, &[u8])],
    existing: Existing,
) -> anyhow::Result<Vec<String>> {
    let target = |path: &str| -> PathBuf { root.join(path) };
    if existing == Existing::Refuse {
        let present: Vec<&str> = files
            .iter()
            .map(|(p, _)| p.as_str())
            .filter(|p| target(p).exists())
            .collect();
        if !present.is_empty() {
            bail!(
                "refusing to overwrite {} existing file{} in {}: {}; nothing was written (--force overwrites them)",
                present.len(),
                if present.len() == 1 { "" } else { "s" },
                root.display(),
                present.join(", ")
            );
        }
    }
    let mut written = Vec::new();
    for (path, bytes) in files {
        let full = target(path);
        if existing == Existing::Keep && full.exists() {
            continue;
        }
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&full, bytes).with_context(|| format!("writing {}", full.display()))?;
        written.push(path.clone());
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The theme has what `render` requires, and every template is UTF-8 (none was left out).
    #[test]
    fn theme_is_complete() {
        let names: Vec<String> = templates().into_iter().map(|(n, _)| n).collect();
        for required in crate::render::REQUIRED_TEMPLATES {
            assert!(names.iter().any(|n| n == required), "{required} missing");
        }
        assert_eq!(names.len(), files(&TEMPLATES).len());
        let statics: Vec<String> = static_files().into_iter().map(|(p, _)| p).collect();
        assert!(statics.iter().any(|p| p == "style.css"), "{statics:?}");
        let mut sorted = statics.clone();
        sorted.sort();
        assert_eq!(statics, sorted);
    }

    /// A template error names the file it is in: the site's `templates/x`, or the built-in
    /// theme's as `(built-in theme) templates/x`.
    #[test]
    fn template_errors_name_a_built_in_template_as_such() {
        let template = |name: &str, text: &str, built_in: bool| crate::content::TemplateSource {
            name: name.into(),
            text: text.into(),
            built_in,
        };
        for (built_in, expected) in [
            (true, "(built-in theme) templates/page.html:1:7"),
            (false, "templates/page.html:1:7"),
        ] {
            let mut all: Vec<_> = templates()
                .into_iter()
                .filter(|(n, _)| n != "page.html")
                .map(|(n, t)| template(&n, t, true))
                .collect();
            all.push(template("page.html", "{% if %}", built_in));
            let mut diagnostics = crate::diagnostics::Diagnostics::default();
            assert!(crate::render::compile_templates(&all, &mut diagnostics).is_none());
            let shown = diagnostics.into_vec()[0].to_string();
            assert!(
                shown.starts_with(&format!("{expected}: error[template]")),
                "{shown}"
            );
        }
    }

    #[test]
    fn refuse_writes_nothing_when_a_file_is_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        std::fs::write(dir.path().join("static/style.css"), "mine").unwrap();
        let error = eject(dir.path(), Existing::Refuse).unwrap_err().to_string();
        assert!(error.contains("static/style.css"), "{error}");
        assert!(!dir.path().join("templates").exists());
        let kept = eject(dir.path(), Existing::Keep).unwrap();
        assert!(!kept.iter().any(|p| p == "static/style.css"), "{kept:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("static/style.css")).unwrap(),
            "mine"
        );
        let all = eject(dir.path(), Existing::Overwrite).unwrap();
        assert!(all.iter().any(|p| p == "static/style.css"));
        assert_ne!(
            std::fs::read_to_string(dir.path().join("static/style.css")).unwrap(),
            "mine"
        );
    }
}
