//! The one directory walk, for `content/`, `templates/` and `static/`.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// What [`walk`] found under a folder.
#[derive(Debug, Default)]
pub struct Walk {
    /// Every entry, the folder itself first, in walk order (sorted by file name at every
    /// level), with what could not be read (permissions, a loop of symbolic links) in its place.
    pub entries: Vec<Result<walkdir::DirEntry, walkdir::Error>>,
    /// Symbolic links that resolve outside the folder: not followed, for the caller to report.
    pub escaped: Vec<PathBuf>,
}

impl Walk {
    /// The files that could be read, in walk order.
    pub fn files(&self) -> impl Iterator<Item = &walkdir::DirEntry> {
        self.entries
            .iter()
            .filter_map(|e| e.as_ref().ok())
            .filter(|e| e.file_type().is_file())
    }
}

/// Walks `dir`, sorted by file name. Symbolic links are followed only when they resolve inside
/// `dir`: a pull request must not publish `.git/config` or `/etc/passwd` through one. A link that
/// leaves is not walked and is listed in [`Walk::escaped`]; a loop is an error entry.
pub fn walk(dir: &Path) -> Walk {
    let base = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let escaped = RefCell::new(Vec::new());
    let entries = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| keep_link(&base, e, &escaped))
        .collect();
    Walk {
        entries,
        escaped: escaped.into_inner(),
    }
}

/// Whether the walk enters `entry`: anything but a symbolic link leaving `base` (canonical),
/// which is recorded in `escaped`.
fn keep_link(base: &Path, entry: &walkdir::DirEntry, escaped: &RefCell<Vec<PathBuf>>) -> bool {
    if !entry.path_is_symlink() {
        return true;
    }
    let inside = std::fs::canonicalize(entry.path()).is_ok_and(|target| target.starts_with(base));
    if !inside {
        escaped.borrow_mut().push(entry.path().to_path_buf());
    }
    inside
}

/// `path` relative to `root`, with `/` between its parts (whatever the system's separator),
/// as paths are shown and published. A path outside `root` is shown whole.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(walk: &Walk, root: &Path) -> Vec<String> {
        walk.files().map(|e| relative(root, e.path())).collect()
    }

    #[test]
    fn walks_sorted_and_follows_only_links_that_stay_inside() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("site");
        let outside = scratch.path().join("outside");
        for dir in [root.join("b"), root.join("a"), outside.clone()] {
            std::fs::create_dir_all(dir).unwrap();
        }
        for file in [
            root.join("b/z.md"),
            root.join("b/c.md"),
            root.join("a/y.md"),
            root.join("top.md"),
            outside.join("secret"),
        ] {
            std::fs::write(file, "x").unwrap();
        }
        std::os::unix::fs::symlink(root.join("a/y.md"), root.join("b/inside.md")).unwrap();
        std::os::unix::fs::symlink(outside.join("secret"), root.join("b/leak.md")).unwrap();
        let found = walk(&root);
        assert_eq!(
            names(&found, &root),
            ["a/y.md", "b/c.md", "b/inside.md", "b/z.md", "top.md"]
        );
        assert_eq!(found.escaped, [root.join("b/leak.md")]);
        assert!(found.entries.iter().all(Result::is_ok));
        // The folder itself comes first, then directories and files in order.
        let first = found.entries.first().and_then(|e| e.as_ref().ok());
        assert_eq!(first.map(|e| e.path()), Some(root.as_path()));
    }

    #[test]
    fn a_loop_of_links_is_an_error_entry_not_a_hang() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("site");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::os::unix::fs::symlink(&root, root.join("a/loop")).unwrap();
        let found = walk(&root);
        let errors: Vec<_> = found
            .entries
            .iter()
            .filter_map(|e| e.as_ref().err())
            .collect();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].loop_ancestor().is_some());
        assert!(found.escaped.is_empty());
    }

    #[test]
    fn a_missing_folder_is_one_error() {
        let scratch = tempfile::tempdir().unwrap();
        let found = walk(&scratch.path().join("none"));
        assert_eq!(found.entries.len(), 1);
        assert!(found.entries[0].is_err());
    }

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(relative(Path::new("/s"), Path::new("/s/a/b.md")), "a/b.md");
        assert_eq!(relative(Path::new("/s"), Path::new("/t/b.md")), "/t/b.md");
    }
}
