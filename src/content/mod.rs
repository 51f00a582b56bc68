//! Loading: walks `content/` and `templates/`, reads every file and turns each page into a typed
//! [`Page`]. With `config`, the only module that reads the site's sources from disk.
//!
//! A bad file becomes a diagnostic and is skipped; the others load. The folder under `content/`
//! gives the kind, the file name the slug; sub-folders inside a kind folder only organise files.

pub mod front_matter;

use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

pub use crate::base::PageId;
pub use crate::base::slug::is_valid_slug;
use crate::base::text::join;
use crate::base::walk::{relative, walk};
use crate::config::{Config, KindId};
use crate::diagnostics::{Diagnostic, Diagnostics, display_path};
pub use front_matter::{AliasSection, FieldValue, LinkName, Value};

/// One page of content, with its source kept for positions and rendering.
#[derive(Debug, Clone)]
pub struct Page {
    pub kind: KindId,
    pub slug: String,
    /// Path relative to the site root, `/`-separated: `content/groups/ateez.md`.
    pub path: String,
    pub text: String,
    pub body_offset: usize,
    pub title: String,
    pub title_offset: usize,
    pub aliases: Vec<(String, usize)>,
    /// The aliases that name a section of this page (`{ name, section }` in the front matter).
    pub alias_sections: Vec<AliasSection>,
    pub summary: Option<String>,
    pub categories: Vec<(String, usize)>,
    pub featured: bool,
    pub fields: Vec<FieldValue>,
}

/// `content/_index.md`: the home page's own text.
#[derive(Debug, Clone)]
pub struct Home {
    pub path: String,
    pub text: String,
    pub body_offset: usize,
    pub title: Option<String>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Sorted by path: the order is part of the output's determinism.
    pub pages: Vec<Page>,
    pub home: Option<Home>,
    /// Pages that exist but failed to load (unreadable, misencoded, no front matter...). A link
    /// to one of them is not a red link: its error is the one to fix.
    pub broken: Vec<Broken>,
}

/// A page file that failed to load, and the names a link could reach it by: its file name
/// (dashes read as spaces) and, where its front matter could still be read, its title and
/// aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub path: String,
    pub names: Vec<String>,
}

impl Corpus {
    /// The normalised names of the broken pages, each with the broken page it names.
    pub fn broken_names(&self) -> BrokenNames {
        let mut names = BrokenNames::default();
        for (i, broken) in self.broken.iter().enumerate() {
            for name in &broken.names {
                names.entry(crate::names::normalize(name)).or_insert(i);
            }
        }
        names
    }
}

/// Normalised name → index in `Corpus::broken`.
pub type BrokenNames = FxHashMap<String, usize>;

/// A template: its name (relative to `templates/`, as templates name each other), its text,
/// and whether it is the built-in theme's (the site has no file of that name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    pub name: String,
    pub text: String,
    pub built_in: bool,
}

impl TemplateSource {
    /// The template's path as diagnostics show it: `templates/page.html`, or
    /// `(built-in theme) templates/page.html` for one of the built-in theme.
    pub fn path(&self) -> String {
        if self.built_in {
            format!("{} templates/{}", crate::theme::BUILT_IN, self.name)
        } else {
            format!("templates/{}", self.name)
        }
    }
}

/// The error for a symbolic link that the walk (`base::walk`) refused.
pub fn escaped_link(root: &Path, path: &Path, folder: &str) -> Diagnostic {
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|e| e.to_string());
    Diagnostic::error(
        "symlink",
        display_path(root, path),
        format!("symbolic link to {target} leaves {folder}/; it is not followed"),
    )
    .note(format!("copy the file into {folder}/ instead"))
}

/// Largest page file, in bytes. Rendering is linear in a page's size, but memory for a page of
/// pathological Markdown (a million `[`) reaches about 150 times its size.
pub const MAX_PAGE_BYTES: u64 = 4 << 20;

enum Loaded {
    Page(Box<Page>),
    Home(Home),
    Skipped,
    /// A page of a kind that failed to load, with the names links could use for it.
    Broken(Broken),
}

/// A page's text held in memory in place of its file (or as a file that does not exist yet),
/// for one build: the browser editor's preview runs the real pipeline on a draft this way,
/// without writing it. `path` is the page's site path (`content/groups/ateez.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub path: String,
    pub text: String,
}

/// Reads every page under `root/content`.
pub fn load(root: &Path, config: &Config, diagnostics: &mut Diagnostics) -> Corpus {
    load_with_draft(root, config, None, diagnostics)
}

/// [`load`], with `draft` read from memory instead of its file (added when the file does not
/// exist).
pub fn load_with_draft(
    root: &Path,
    config: &Config,
    draft: Option<&Draft>,
    diagnostics: &mut Diagnostics,
) -> Corpus {
    let content_dir = root.join("content");
    if !content_dir.is_dir() {
        diagnostics.push(Diagnostic::error(
            "content",
            "content",
            "no content/ folder: pages live in content/<kind folder>/<slug>.md",
        ));
        return Corpus::default();
    }
    let mut files = page_files(root, &content_dir, config, diagnostics);
    if let Some(draft) = draft {
        add_draft_file(root, &content_dir, config, draft, &mut files, diagnostics);
    }
    let loaded: Vec<(Loaded, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|(path, kind)| {
            let text = draft
                .filter(|d| display_path(root, path) == d.path)
                .map(|d| d.text.as_str());
            load_file(root, path, *kind, config, text)
        })
        .collect();
    let refused = refuse_duplicate_slugs(&loaded, diagnostics);
    let mut corpus = Corpus {
        pages: Vec::with_capacity(loaded.len()),
        home: None,
        broken: Vec::new(),
    };
    for ((item, problems), refused) in loaded.into_iter().zip(refused) {
        diagnostics.extend(problems);
        match item {
            Loaded::Page(_) if refused => {}
            Loaded::Page(page) => corpus.pages.push(*page),
            Loaded::Home(home) => {
                if let Some(first) = &corpus.home {
                    diagnostics.push(Diagnostic::error(
                        "duplicate-slug",
                        &home.path,
                        format!("the home page is already {}", first.path),
                    ));
                } else {
                    corpus.home = Some(home);
                }
            }
            Loaded::Skipped => {}
            Loaded::Broken(broken) => corpus.broken.push(broken),
        }
    }
    corpus
}

/// The page files under `content/`, each with its kind (`None`: the home page), sorted; files
/// that are not pages, folders that are not kinds and unreadable entries are reported.
fn page_files(
    root: &Path,
    content_dir: &Path,
    config: &Config,
    diagnostics: &mut Diagnostics,
) -> Vec<(PathBuf, Option<KindId>)> {
    let mut files: Vec<(PathBuf, Option<KindId>)> = Vec::new();
    let walked = walk(content_dir);
    for entry in walked.entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map_or_else(|| "content".to_string(), |p| display_path(root, p));
                // A loop of symbolic links is the content's problem; anything else (permissions,
                // I/O) is the environment's.
                let code = if e.loop_ancestor().is_some() {
                    "content"
                } else {
                    "unreadable"
                };
                diagnostics.push(Diagnostic::error(code, path, format!("cannot read: {e}")));
                continue;
            }
        };
        let relative = entry
            .path()
            .strip_prefix(content_dir)
            .unwrap_or(entry.path());
        let hidden = relative
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if hidden || !entry.file_type().is_file() {
            continue;
        }
        if let Some(file) = classify(root, entry.path(), relative, config, diagnostics) {
            files.push(file);
        }
    }
    for path in walked.escaped {
        diagnostics.push(escaped_link(root, &path, "content"));
    }
    files
}

/// A draft whose file does not exist yet joins the page files, in path order.
fn add_draft_file(
    root: &Path,
    content_dir: &Path,
    config: &Config,
    draft: &Draft,
    files: &mut Vec<(PathBuf, Option<KindId>)>,
    diagnostics: &mut Diagnostics,
) {
    let path = root.join(&draft.path);
    if files.iter().any(|(p, _)| *p == path) {
        return;
    }
    let Ok(relative) = path.strip_prefix(content_dir) else {
        return;
    };
    if let Some(file) = classify(root, &path, relative, config, diagnostics) {
        let at = files.partition_point(|(p, _)| *p < file.0);
        files.insert(at, file);
    }
}

/// What one file under `content/` is: a page of the kind its first folder names, the home
/// page, or (reported) neither.
fn classify(
    root: &Path,
    path: &Path,
    relative: &Path,
    config: &Config,
    diagnostics: &mut Diagnostics,
) -> Option<(PathBuf, Option<KindId>)> {
    // Only problems name the file here: the page's own path is made when it loads.
    let display = || display_path(root, path);
    let mut components = relative.components();
    let first = components
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_markdown = relative.extension().is_some_and(|e| e == "md");
    if components.next().is_none() {
        // A file directly in content/.
        if first == "_index.md" || first == "index.md" {
            return Some((path.to_path_buf(), None));
        } else if is_markdown {
            diagnostics.push(Diagnostic::error(
                "unknown-kind",
                display(),
                "a page must live in a kind's folder (content/<folder>/<slug>.md); only _index.md, the home page, sits in content/",
            ));
        }
        return None;
    }
    match config.kind_by_folder(&first) {
        Some(kind) if is_markdown => return Some((path.to_path_buf(), Some(kind))),
        Some(_) => diagnostics.push(Diagnostic::warning(
            "ignored-file",
            display(),
            "not a Markdown (.md) file: ignored",
        )),
        None => {
            let folders = join(config.kinds.iter().map(|k| &k.folder), ", ");
            diagnostics.push(
                Diagnostic::error(
                    "unknown-kind",
                    display(),
                    format!("folder '{first}' is not the folder of any kind in site.toml"),
                )
                .note(format!("kind folders: {folders}")),
            );
        }
    }
    None
}

/// A slug used twice in one kind: the later file (in path order) is refused. Found on borrowed
/// names, so the pages then move into the corpus without copies. Per loaded file: refused?
fn refuse_duplicate_slugs(
    loaded: &[(Loaded, Vec<Diagnostic>)],
    diagnostics: &mut Diagnostics,
) -> Vec<bool> {
    let mut first_with: FxHashMap<(KindId, &str), &str> = FxHashMap::default();
    first_with.reserve(loaded.len());
    let mut refused = vec![false; loaded.len()];
    for (i, (item, _)) in loaded.iter().enumerate() {
        if let Loaded::Page(page) = item {
            match first_with.entry((page.kind, page.slug.as_str())) {
                Entry::Occupied(first) => {
                    diagnostics.push(
                        Diagnostic::error("duplicate-slug", &page.path, format!("slug '{}' is already used by {}", page.slug, first.get()))
                            .note("two files of one kind cannot share a file name, even in different sub-folders"),
                    );
                    refused[i] = true;
                }
                Entry::Vacant(slot) => {
                    slot.insert(&page.path);
                }
            }
        }
    }
    refused
}

/// Re-reads pages of a corpus whose files changed (a watcher's report), instead of walking and
/// reading every file again. `paths` are absolute under `root_abs`, the canonical site root.
/// Returns, per changed page, its new version and its load diagnostics; `None` when any path is
/// not an existing page of the corpus (a new, removed or renamed file, the home page, anything
/// outside `content/`) or fails to load, so the caller loads everything.
///
/// A path that is `draft`'s is read from the draft instead.
pub fn reload_pages(
    root_abs: &Path,
    corpus: &Corpus,
    paths: &[PathBuf],
    config: &Config,
    draft: Option<&Draft>,
) -> Option<Vec<(PageId, Page, Vec<Diagnostic>)>> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let shown = display_path(root_abs, path);
        let id = corpus.pages.iter().position(|p| p.path == shown)?;
        if !path.is_file() {
            return None;
        }
        let text = draft.filter(|d| d.path == shown).map(|d| d.text.as_str());
        let kind = Some(corpus.pages[id].kind);
        let (loaded, problems) = load_file(root_abs, path, kind, config, text);
        match loaded {
            Loaded::Page(page) if page.path == shown => out.push((id, *page, problems)),
            _ => return None,
        }
    }
    Some(out)
}

fn load_file(
    root: &Path,
    path: &Path,
    kind: Option<KindId>,
    config: &Config,
    draft: Option<&str>,
) -> (Loaded, Vec<Diagnostic>) {
    let display = display_path(root, path);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A page that fails to load is still known by its file name and, where its front matter
    // can be read, by its title and aliases; a link to it is not reported as red.
    let broken = |text: Option<&str>| {
        if kind.is_none() {
            return Loaded::Skipped;
        }
        let mut names = vec![stem.replace('-', " ")];
        if let Some(text) = text
            && let Ok(split) = front_matter::split(text)
        {
            let (fm, _) = front_matter::parse(text, split, None, &display);
            names.extend(fm.title.map(|t| t.0));
            names.extend(fm.aliases.into_iter().map(|a| a.0));
        }
        Loaded::Broken(Broken {
            path: display.clone(),
            names,
        })
    };
    if kind.is_some() && !is_valid_slug(&stem) {
        return (broken(None), vec![bad_slug(&display, &stem)]);
    }
    let read = match draft {
        Some(text) => draft_page(text, &display),
        None => read_page(path, &display),
    };
    let text = match read {
        Ok(text) => text,
        Err(unread) => {
            let (problem, text) = *unread;
            return (broken(text.as_deref()), vec![problem]);
        }
    };
    let split = match split_front_matter(&text, &display) {
        Ok(split) => split,
        Err(problem) => return (broken(Some(&text)), vec![problem]),
    };
    let mut problems = Vec::new();
    let kind_def = kind.map(|k| &config.kinds[k]);
    let (fm, errors) = front_matter::parse(&text, split, kind_def, &display);
    problems.extend(errors);
    if fm.draft {
        return (Loaded::Skipped, problems);
    }
    let Some(kind) = kind else {
        let home = Home {
            path: display,
            body_offset: split.body_offset,
            title: fm.title.map(|t| t.0),
            summary: fm.summary,
            text,
        };
        return (Loaded::Home(home), problems);
    };
    // A page with a bad field still loads, so the problems in its body are reported too; the
    // field's error fails the build.
    let Some((title, title_offset)) = fm.title else {
        return (broken(Some(&text)), problems);
    };
    let page = Page {
        kind,
        slug: stem,
        path: display,
        body_offset: split.body_offset,
        title,
        title_offset,
        aliases: fm.aliases,
        alias_sections: fm.alias_sections,
        summary: fm.summary,
        categories: fm.categories,
        featured: fm.featured,
        fields: fm.fields,
        text,
    };
    (Loaded::Page(Box::new(page)), problems)
}

/// Reads a page's text: at most `MAX_PAGE_BYTES`, valid UTF-8, not empty. On failure, the
/// problem and, where the bytes could be read, their text (lossily) to find the page's names.
/// Why a page could not be read, and the text its bytes had where they could be read (lossily).
type Unread = Box<(Diagnostic, Option<String>)>;

fn read_page(path: &Path, display: &str) -> Result<String, Unread> {
    // One open: the size is checked on the open file (so a huge file is never loaded), then
    // read into a buffer of that size.
    let read = std::fs::File::open(path).and_then(|mut file| {
        let len = file.metadata()?.len();
        if len > MAX_PAGE_BYTES {
            return Ok(Err(len));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0) + 1);
        std::io::Read::read_to_end(&mut file, &mut bytes)?;
        Ok(Ok(bytes))
    });
    let bytes = match read {
        Ok(Ok(b)) => b,
        Ok(Err(len)) => {
            return Err(Box::new((
                Diagnostic::error(
                    "page-too-large",
                    display,
                    format!(
                        "the page is {:.1} MiB; a page may be at most {} MiB",
                        len as f64 / 1048576.0,
                        MAX_PAGE_BYTES >> 20
                    ),
                )
                .note("split it into several pages"),
                None,
            )));
        }
        Err(e) => {
            return Err(Box::new((
                Diagnostic::error("unreadable", display, format!("cannot read: {e}")),
                None,
            )));
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            return Err(Box::new((
                Diagnostic::error(
                    "encoding",
                    display,
                    "file is not valid UTF-8; save it as UTF-8",
                )
                .at_offset(&prefix, valid),
                Some(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            )));
        }
    };
    if text.trim().is_empty() {
        return Err(empty_page(display));
    }
    Ok(text)
}

/// The error of a page with no text: a file, or a draft.
fn empty_page(display: &str) -> Unread {
    Box::new((
        Diagnostic::error(
            "front-matter",
            display,
            "file is empty: a page needs +++ front matter with a title",
        ),
        None,
    ))
}

/// A draft's text, held to the rules a file's is (size, not empty).
fn draft_page(text: &str, display: &str) -> Result<String, Unread> {
    if text.len() as u64 > MAX_PAGE_BYTES {
        return Err(Box::new((
            Diagnostic::error(
                "page-too-large",
                display,
                format!("a page may be at most {} MiB", MAX_PAGE_BYTES >> 20),
            ),
            None,
        )));
    }
    if text.trim().is_empty() {
        return Err(empty_page(display));
    }
    Ok(text.to_string())
}

/// Finds the `+++` front matter; a missing or unclosed fence is the page's problem (with a hint
/// when the file starts with YAML's `---`).
fn split_front_matter(text: &str, display: &str) -> Result<front_matter::Split, Diagnostic> {
    match front_matter::split(text) {
        Ok(s) => Ok(s),
        Err(front_matter::SplitError::NoOpeningFence) => {
            let mut problem = Diagnostic::error(
                "front-matter",
                display,
                "missing front matter: the file must start with a +++ line",
            )
            .at_offset(text, 0)
            .note("a page starts with TOML front matter between two +++ lines:\n+++\ntitle = \"...\"\n+++\nthen the Markdown body");
            if text.starts_with("---") {
                problem.notes.push("this file starts with ---, as YAML front matter does: kwiki reads TOML between +++ lines (title = \"...\", not title: ...)".into());
            }
            Err(problem)
        }
        Err(front_matter::SplitError::Unclosed(offset)) => Err(Diagnostic::error(
            "front-matter",
            display,
            "front matter is never closed: add a +++ line after it",
        )
        .at_offset(text, offset)),
    }
}

/// The error for a file name that is not a slug, with a romanised suggestion.
fn bad_slug(display: &str, stem: &str) -> Diagnostic {
    Diagnostic::error(
        "bad-slug",
        display,
        format!("file name '{stem}' is not a valid slug"),
    )
    .note("use lowercase a-z, 0-9 and '-' (the title may be any Unicode)")
    .note(match suggest_slug(stem) {
        Some(slug) => {
            format!("suggested: {slug}.md (or any romanised or translated name you prefer)")
        }
        None => "choose a romanised or translated name for the file; the title keeps the original"
            .into(),
    })
}

/// A valid slug for a file name that is not one: other scripts are transliterated to Latin
/// letters (Hangul romanised, kana and Han read as deunicode reads them), then lowercased, with
/// `-` between words. `None` when nothing is left to suggest.
pub fn suggest_slug(stem: &str) -> Option<String> {
    let latin = deunicode::deunicode(stem);
    let mut out = String::new();
    for c in latin.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    (!out.is_empty()).then_some(out)
}

/// The files of `root/static` and of the built-in theme's `static/`, as paths relative to it with
/// `/` separators, sorted: where they are published. Links leaving the folder are skipped
/// (`build` refuses them).
pub fn static_paths(root: &Path) -> Vec<String> {
    let dir = root.join("static");
    let mut out: Vec<String> = crate::theme::static_files()
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    if dir.is_dir() {
        out.extend(walk(&dir).files().map(|e| relative(&dir, e.path())));
    }
    out.sort();
    out.dedup();
    out
}

/// The site's templates: the built-in theme's (`crate::theme`), each replaced by the file of the
/// same name under `root/templates` where there is one, plus the site's other templates; sorted
/// by name. A site without `templates/` uses the built-in theme alone.
pub fn load_templates(root: &Path, diagnostics: &mut Diagnostics) -> Vec<TemplateSource> {
    let dir = root.join("templates");
    let mut out: Vec<TemplateSource> = crate::theme::templates()
        .into_iter()
        .map(|(name, text)| TemplateSource {
            name,
            text: text.to_string(),
            built_in: true,
        })
        .collect();
    if !dir.is_dir() {
        return out;
    }
    let walked = walk(&dir);
    for entry in walked.entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    "unreadable",
                    "templates",
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let name = display_path(&dir, entry.path());
        match std::fs::read_to_string(entry.path()) {
            Ok(text) => {
                let own = TemplateSource {
                    name,
                    text,
                    built_in: false,
                };
                match out.iter_mut().find(|t| t.name == own.name) {
                    Some(built_in) => *built_in = own,
                    None => out.push(own),
                }
            }
            Err(e) => diagnostics.push(Diagnostic::error(
                "unreadable",
                display_path(root, entry.path()),
                format!("cannot read: {e}"),
            )),
        }
    }
    for path in walked.escaped {
        diagnostics.push(escaped_link(root, &path, "templates"));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (Which names are slugs is tested in `base::slug`.)
    #[test]
    fn suggested_slugs_are_slugs() {
        assert_eq!(suggest_slug("Stray Kids").as_deref(), Some("stray-kids"));
        // Hangul is romanised, not dropped.
        let hangul = suggest_slug("에이티즈").unwrap_or_default();
        assert!(
            is_valid_slug(&hangul) && hangul.starts_with('e'),
            "{hangul}"
        );
        assert_eq!(suggest_slug("!!"), None);
    }
}
