//! Starting a wiki and a page: `kwiki init` writes a new wiki (`site.toml` with a small generic
//! schema, a home page, one example page per kind, `.gitignore`, the two GitHub workflows);
//! `kwiki new` writes a page of a kind with every field of the kind as a commented line.
//! Both write only files that do not exist yet.

use std::path::Path;

use anyhow::{Context, bail};

use crate::config::{Config, FieldType, Kind};
use crate::diagnostics::Diagnostic;
use crate::theme::Existing;

/// The files `init` writes, relative to the wiki's root. The example pages link to one another
/// and cite the example source, so the new wiki passes `kwiki check --strict` with nothing to
/// report.
pub const STARTER: &[(&str, &str)] = &[
    ("site.toml", include_str!("starter/site.toml")),
    (
        "content/_index.md",
        include_str!("starter/content/_index.md"),
    ),
    (
        "content/people/example-person.md",
        include_str!("starter/content/person.md"),
    ),
    (
        "content/groups/example-group.md",
        include_str!("starter/content/group.md"),
    ),
    (
        "content/works/example-work.md",
        include_str!("starter/content/work.md"),
    ),
    (
        "content/events/example-event.md",
        include_str!("starter/content/event.md"),
    ),
    (
        "content/sources/example-source.md",
        include_str!("starter/content/source.md"),
    ),
    (".gitignore", include_str!("starter/gitignore")),
    (
        ".github/workflows/check.yml",
        include_str!("starter/check.yml"),
    ),
    (
        ".github/workflows/pages.yml",
        include_str!("starter/pages.yml"),
    ),
];

/// What `init` did.
#[derive(Debug, Default)]
pub struct Initialised {
    /// Files written, relative to the root, in the order written.
    pub written: Vec<String>,
    /// Files that were there already and were kept (`--force` only).
    pub kept: Vec<String>,
}

/// Entries of `dir` that make it "not empty" for `init`: everything but `.git` (a repository
/// just created or cloned is a fine place to start a wiki). Sorted.
fn occupants(dir: &Path) -> anyhow::Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    if !dir.is_dir() {
        bail!("{} exists and is not a folder", dir.display());
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".git")
        .collect();
    names.sort();
    Ok(names)
}

/// `kwiki init DIR`: writes a new wiki into `dir`, which must be empty (or hold only `.git`)
/// unless `force`, which writes only the files that are missing and never overwrites one.
/// With `theme`, the built-in theme is written out too (`templates/`, `static/`). In a folder
/// that already has a `site.toml`, `theme` writes only the theme (refusing files that exist,
/// unless `force`, which keeps them).
pub fn init(dir: &Path, force: bool, theme: bool) -> anyhow::Result<Initialised> {
    let existing = if force {
        Existing::Keep
    } else {
        Existing::Refuse
    };
    if theme && dir.join("site.toml").is_file() {
        let written = crate::theme::eject(dir, existing)?;
        return Ok(Initialised {
            written,
            kept: Vec::new(),
        });
    }
    let occupants = occupants(dir)?;
    if !occupants.is_empty() && !force {
        let shown: Vec<&str> = occupants.iter().take(5).map(String::as_str).collect();
        let more = occupants.len() - shown.len();
        bail!(
            "refusing to start a wiki in {}: it is not empty ({}{}). Choose an empty or new folder, or add --force to write only the files that are missing (nothing is overwritten){}",
            dir.display(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            },
            if dir.join("site.toml").is_file() {
                "; `kwiki init --theme` writes only the theme into an existing wiki"
            } else {
                ""
            }
        );
    }
    let mut files: Vec<(String, &[u8])> = STARTER
        .iter()
        .map(|(path, text)| (path.to_string(), text.as_bytes()))
        .collect();
    if theme {
        for (name, text) in crate::theme::templates() {
            files.push((format!("templates/{name}"), text.as_bytes()));
        }
        for (path, bytes) in crate::theme::static_files() {
            files.push((format!("static/{path}"), bytes));
        }
    }
    let kept: Vec<String> = files
        .iter()
        .filter(|(p, _)| dir.join(p).exists())
        .map(|(p, _)| p.clone())
        .collect();
    let written = crate::theme::write_files(dir, &files, Existing::Keep)?;
    Ok(Initialised { written, kept })
}

/// Why `kwiki new` wrote nothing.
#[derive(Debug)]
pub enum NewError {
    /// A usage error (exit 2): an unknown kind, a title that makes no file name, a bad `--slug`.
    Usage(String),
    /// `site.toml` is missing or wrong (exit 1 or 2, as `check` would say).
    Config(Vec<Diagnostic>),
    /// The title, an alias or the file is taken (exit 1): the message names the page.
    Taken(String),
    /// Reading or writing failed (exit 2).
    Io(anyhow::Error),
}

impl std::fmt::Display for NewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewError::Usage(m) | NewError::Taken(m) => f.write_str(m),
            NewError::Config(diagnostics) => {
                let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
                f.write_str(&lines.join("\n"))?;
                if diagnostics
                    .iter()
                    .any(|d| d.message.starts_with("cannot read site.toml"))
                {
                    f.write_str("\n    note: run `kwiki new` in the wiki's folder, or give it with --root (`kwiki init` starts a wiki)")?;
                }
                Ok(())
            }
            NewError::Io(e) => write!(f, "{e:#}"),
        }
    }
}

/// `kwiki new KIND TITLE`: writes `content/<folder>/<slug>.md` under `root` and returns its
/// path relative to `root`. The slug is `slug` if given, else made from the title (other
/// scripts romanised). Refuses a kind `site.toml` does not declare (listing those it does), and
/// a title that is already a page's title or alias, or a file that exists, naming that page.
pub fn new_page(
    root: &Path,
    kind: &str,
    title: &str,
    slug: Option<&str>,
) -> Result<String, NewError> {
    let mut diagnostics = crate::diagnostics::Diagnostics::default();
    let Some((config, _)) = Config::load(root, &mut diagnostics) else {
        return Err(NewError::Config(diagnostics.into_vec()));
    };
    let Some(kind_index) = config.kinds.iter().position(|k| k.id == kind) else {
        let known: Vec<&str> = config.kinds.iter().map(|k| k.id.as_str()).collect();
        return Err(NewError::Usage(format!(
            "unknown kind {kind:?}: site.toml declares {}",
            known.join(", ")
        )));
    };
    let title = title.trim();
    if title.is_empty() {
        return Err(NewError::Usage("the title is empty".into()));
    }
    let slug = match slug {
        Some(s) if crate::base::slug::is_valid_slug(s) && !crate::base::slug::is_device_name(s) => {
            s.to_string()
        }
        Some(s) => {
            return Err(NewError::Usage(format!(
                "--slug {s:?} is not a valid file name: use lowercase a-z, 0-9 and '-'"
            )));
        }
        // An apostrophe joins the parts of a word ("It's" → `its`), as in heading ids.
        None => match crate::content::suggest_slug(&title.replace(['\'', '’'], "")) {
            Some(s) if !crate::base::slug::is_device_name(&s) => s,
            _ => {
                return Err(NewError::Usage(format!(
                    "cannot make a file name from {title:?}: give one with --slug (lowercase a-z, 0-9 and '-')"
                )));
            }
        },
    };
    let kind = &config.kinds[kind_index];
    let path = format!("content/{}/{slug}.md", kind.folder);
    taken(root, &config, kind_index, title, &slug, &path)?;
    let full = root.join(&path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))
            .map_err(NewError::Io)?;
    }
    // `create_new`: a file that appeared since the check is not overwritten either.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&full)
        .and_then(|mut file| {
            std::io::Write::write_all(&mut file, page_text(&config, kind, title).as_bytes())
        });
    match written {
        Ok(()) => Ok(path),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(NewError::Taken(format!(
            "{path} already exists; choose another title or --slug"
        ))),
        Err(e) => Err(NewError::Io(
            anyhow::Error::new(e).context(format!("writing {}", full.display())),
        )),
    }
}

/// Whether the new page's title or file is taken: by a page's title or alias (compared as links
/// compare names: case, composition, spaces and typographic dashes ignored), by a page of the
/// same kind with that file name in any sub-folder, or by a file at the path.
fn taken(
    root: &Path,
    config: &Config,
    kind: usize,
    title: &str,
    slug: &str,
    path: &str,
) -> Result<(), NewError> {
    let mut diagnostics = crate::diagnostics::Diagnostics::default();
    let corpus = crate::content::load(root, config, &mut diagnostics);
    let key = crate::names::normalize(title);
    for page in &corpus.pages {
        if crate::names::normalize(&page.title) == key {
            return Err(NewError::Taken(format!(
                "{} already has the title {:?}; give the new page another title (a qualifier such as \"{title} ({})\" tells two apart)",
                page.path,
                page.title,
                config.kinds[kind].name.to_lowercase()
            )));
        }
        if let Some((alias, _)) = page
            .aliases
            .iter()
            .find(|(a, _)| crate::names::normalize(a) == key)
        {
            return Err(NewError::Taken(format!(
                "{} ({:?}) has the alias {alias:?}; links with that name lead there. Give the new page another title, or move the alias to it",
                page.path, page.title
            )));
        }
        if page.kind == kind && page.slug == slug {
            return Err(NewError::Taken(format!(
                "{} already has the file name {slug}.md in {}/; choose another title or --slug",
                page.path, config.kinds[kind].folder
            )));
        }
    }
    for broken in &corpus.broken {
        if broken
            .names
            .iter()
            .any(|n| crate::names::normalize(n) == key)
        {
            return Err(NewError::Taken(format!(
                "{} has the name {title:?} (that page fails to load: `kwiki check` says why)",
                broken.path
            )));
        }
    }
    if root.join(path).exists() {
        return Err(NewError::Taken(format!(
            "{path} already exists (it is not a page `kwiki check` reads: a draft, or not valid); choose another title or --slug"
        )));
    }
    Ok(())
}

/// The text of a new page: front matter with the title, then every optional key and every field
/// of the kind as a commented line with its type (and what it links to), then a body stub.
pub fn page_text(config: &Config, kind: &Kind, title: &str) -> String {
    let quoted = toml::Value::String(title.to_string()).to_string();
    let mut lines: Vec<(String, String)> = vec![
        (
            "# aliases = [\"...\"]".into(),
            "other names and spellings; they lead here".into(),
        ),
        (
            "# summary = \"...\"".into(),
            "one sentence that defines the subject".into(),
        ),
        (
            "# categories = [\"...\"]".into(),
            "topics across kinds".into(),
        ),
    ];
    for field in &kind.fields {
        let (example, what) = field_example(config, &field.ty, field.many);
        let mut what = what;
        if field.hidden {
            what.push_str("; hidden");
        }
        lines.push((format!("# {} = {example}", field.key), what));
    }
    let width = lines
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!("+++\ntitle = {quoted}\n");
    for (line, what) in &lines {
        let pad = width - line.chars().count();
        out.push_str(&format!("{line}{}  # {what}\n", " ".repeat(pad)));
    }
    out.push_str("+++\n\n");
    let plain = title.replace(['*', '_', '[', ']', '<', '>', '`'], "");
    out.push_str(&format!(
        "**{plain}** is <!-- finish this sentence: what the subject is, in plain words -->\n\n"
    ));
    out.push_str(
        "<!-- Then write what the sources say, a paragraph or a \"## Heading\" section per topic.\n     Link other pages by title in double square brackets: [[Their title]].\n",
    );
    if config.kind_by_id("source").is_some() {
        // Footnote syntax is described, not shown: a footnote mark inside a comment is still
        // reported as a footnote without a definition.
        out.push_str(
            "     End each paragraph that states a fact with a footnote whose text links a source\n     page.\n",
        );
    }
    out.push_str(
        "     Uncomment the fields above that you can fill; `kwiki check` says what is wrong. -->\n",
    );
    out
}

/// A field's example value in the front matter, and what the comment says about it.
fn field_example(config: &Config, ty: &FieldType, many: bool) -> (String, String) {
    let (one, what) = match ty {
        FieldType::Text => ("\"...\"".to_string(), "text".to_string()),
        FieldType::Year => ("2024".into(), "year".into()),
        FieldType::Date => ("2024-05-31".into(), "date (YYYY-MM-DD, unquoted)".into()),
        FieldType::Number => ("0".into(), "number".into()),
        FieldType::List => ("[\"...\", \"...\"]".into(), "list of texts".into()),
        FieldType::Url => ("\"https://...\"".into(), "url".into()),
        FieldType::Link(kinds) => {
            let names: Vec<&str> = kinds
                .iter()
                .filter_map(|&k| config.kinds.get(k).map(|k| k.id.as_str()))
                .collect();
            let value = if many { "[\"...\"]" } else { "\"...\"" };
            return (
                value.into(),
                format!(
                    "links to: {}{}",
                    names.join(", "),
                    if many { "; many" } else { "" }
                ),
            );
        }
    };
    if many && !matches!(ty, FieldType::List) {
        (format!("[{one}]"), format!("{what}; many"))
    } else {
        (one, what)
    }
}
