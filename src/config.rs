//! `site.toml` to [`Config`]: the site's settings and the kinds of page with their fields.
//!
//! Kinds live in configuration, not in Rust, so editors can add a kind or a field without
//! touching the generator. [`Config::parse`] is pure; [`Config::load`] adds the file read.

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use crate::base::slug::{is_device_name, is_valid_slug};
use crate::base::text::join;
use crate::diagnostics::{Diagnostic, Diagnostics};

/// Front-matter keys every kind has; a field may not reuse them.
pub const RESERVED_KEYS: &[&str] = &[
    "title",
    "aliases",
    "summary",
    "categories",
    "draft",
    "featured",
];

/// Folder names that generated pages use at the top of the output.
pub const RESERVED_FOLDERS: &[&str] = &[
    "categories",
    "disambiguation",
    "special",
    "static",
    "search",
    "recent-changes",
];

#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// The absolute URL of the site's root, always ending in `/`.
    pub base_url: String,
    /// The path part of `base_url` (`/` or `/kpop-wiki/`): every internal link starts with it.
    pub base_path: String,
    pub language: String,
    pub repository: Option<String>,
    pub branch: String,
    pub kinds: Vec<Kind>,
    /// Navigation boxes (`[[navboxes]]`), in declaration order.
    pub navboxes: Vec<Navbox>,
    /// Which optional outputs the site publishes (`[outputs]`).
    pub outputs: Outputs,
}

/// The optional outputs, each on unless `site.toml`'s `[outputs]` table turns it off (a
/// 100k-page wiki may not want a JSON file per page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Outputs {
    /// A history page per article (`<page>/history/`).
    pub history: bool,
    /// The site-wide recent changes page (`recent-changes/`).
    pub recent_changes: bool,
    /// An Atom feed per article, kind and category (`feed.xml` in each one's folder).
    pub page_feeds: bool,
    /// JSON per page, per kind and for the whole wiki.
    pub json: bool,
    /// A CSV table per kind.
    pub csv: bool,
}

impl Default for Outputs {
    fn default() -> Outputs {
        Outputs {
            history: true,
            recent_changes: true,
            page_feeds: true,
            json: true,
            csv: true,
        }
    }
}

impl Outputs {
    /// Whether any output shows revisions (so the build reads them from git).
    pub fn revisions(&self) -> bool {
        self.history || self.recent_changes || self.page_feeds
    }
}

/// A navigation box: a list of related pages shown at the foot of every page in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Navbox {
    /// The heading's last part ("Members"); the hub page's title comes first.
    pub title: String,
    pub source: NavboxSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NavboxSource {
    /// On each page of `kind`: the pages its field `field` names (a group's members).
    Field { kind: KindId, field: usize },
    /// On each page of `kind`: the pages whose field names it (an agency's artists), from one
    /// or more (kind, field) pairs.
    Inverse {
        kind: KindId,
        from: Vec<(KindId, usize)>,
    },
    /// Every page of a category.
    Category(String),
}

#[derive(Debug, Clone)]
pub struct Kind {
    /// The key under `[kinds]`, e.g. `group`.
    pub id: String,
    pub folder: String,
    pub name: String,
    pub plural: String,
    pub schema_type: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub ty: FieldType,
    pub many: bool,
    /// The heading under which a linked page lists the pages that link to it through this field.
    pub inverse: Option<String>,
    /// Kept out of the infobox and the kind's table (a note for editors, such as the file a
    /// source was read from); still checked.
    pub hidden: bool,
    /// The infobox label of the entries that ended (`until`): "Former members".
    pub former: String,
    /// The heading the linked page lists ended relations under: "Former artists".
    pub inverse_former: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Year,
    Date,
    Number,
    List,
    Url,
    /// Links to pages of these kinds (indices into `Config::kinds`).
    Link(Vec<usize>),
}

pub type KindId = usize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    #[serde(default)]
    description: String,
    base_url: Spanned<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    branch: Option<String>,
    #[serde(default)]
    kinds: IndexMap<String, Spanned<RawKind>>,
    #[serde(default)]
    navboxes: Vec<Spanned<RawNavbox>>,
    #[serde(default)]
    outputs: Outputs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNavbox {
    title: Option<String>,
    kind: Option<Spanned<String>>,
    field: Option<Spanned<String>>,
    from: Option<Spanned<OneOrMany>>,
    category: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    folder: Option<Spanned<String>>,
    name: Option<String>,
    plural: Option<String>,
    schema_type: Option<String>,
    #[serde(default)]
    fields: IndexMap<String, Spanned<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    label: Option<String>,
    #[serde(rename = "type")]
    ty: Option<Spanned<String>>,
    link: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    many: bool,
    inverse: Option<String>,
    #[serde(default)]
    hidden: bool,
    former: Option<String>,
    inverse_former: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Config {
    /// Reads and parses `site.toml` under `root`.
    /// Reads and parses `site.toml`; also returns its text, so a rebuild can tell whether it
    /// changed without reading it again.
    pub fn load(root: &Path, diagnostics: &mut Diagnostics) -> Option<(Config, String)> {
        let path = root.join("site.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, diagnostics).map(|c| (c, text)),
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    "config",
                    "site.toml",
                    format!("cannot read site.toml: {e}"),
                ));
                None
            }
        }
    }

    /// Parses the text of `site.toml`; every problem becomes a diagnostic on `site.toml`.
    /// Reads the TOML, splits the base URL, then each kind: its folder (`check_folder`) and
    /// its fields (`read_field`). `None` if any of it is wrong.
    pub fn parse(text: &str, diagnostics: &mut Diagnostics) -> Option<Config> {
        let raw: RawConfig = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let mut d =
                    Diagnostic::error("config", "site.toml", e.message().trim().to_string());
                if let Some(span) = e.span() {
                    d = d.at_offset(text, span.start);
                }
                diagnostics.push(d);
                return None;
            }
        };
        let before = diagnostics.count(crate::diagnostics::Severity::Error);
        let error = |offset: usize, message: String| {
            Diagnostic::error("config", "site.toml", message).at_offset(text, offset)
        };

        let base_url_text = raw.base_url.get_ref().trim();
        let (base_url, base_path) = match split_base_url(base_url_text) {
            Some(pair) => pair,
            None => {
                diagnostics.push(error(
                    raw.base_url.span().start,
                    format!("base_url must be an absolute http(s) URL such as https://user.github.io/repo/, not {base_url_text:?}"),
                ));
                ("https://example.invalid/".to_string(), "/".to_string())
            }
        };

        let kind_ids: Vec<&String> = raw.kinds.keys().collect();
        let mut kinds = Vec::new();
        let mut folders: Vec<(String, usize)> = Vec::new();
        for (id, raw_kind) in &raw.kinds {
            let span = raw_kind.span();
            let raw_kind = raw_kind.get_ref();
            let folder = raw_kind
                .folder
                .as_ref()
                .map(|f| f.get_ref().clone())
                .unwrap_or_else(|| format!("{id}s"));
            let folder_offset = raw_kind
                .folder
                .as_ref()
                .map_or(span.start, |f| f.span().start);
            check_folder(id, &folder, folder_offset, &folders, &error, diagnostics);
            folders.push((folder.clone(), kinds.len()));
            let mut fields = Vec::new();
            for (key, raw_field) in &raw_kind.fields {
                if let Some(field) = read_field(id, key, raw_field, &kind_ids, &error, diagnostics)
                {
                    fields.push(field);
                }
            }
            let name = raw_kind.name.clone().unwrap_or_else(|| humanize(id));
            kinds.push(Kind {
                id: id.clone(),
                plural: raw_kind
                    .plural
                    .clone()
                    .unwrap_or_else(|| format!("{name}s")),
                name,
                folder,
                schema_type: raw_kind
                    .schema_type
                    .clone()
                    .unwrap_or_else(|| "CreativeWork".to_string()),
                fields,
            });
        }
        let navboxes = raw
            .navboxes
            .iter()
            .filter_map(|n| read_navbox(n, &kinds, &error, diagnostics))
            .collect();
        if kinds.is_empty() {
            diagnostics.push(Diagnostic::error(
                "config",
                "site.toml",
                "no kinds declared: add at least one [kinds.NAME] table",
            ));
        }
        if diagnostics.count(crate::diagnostics::Severity::Error) > before {
            return None;
        }
        Some(Config {
            title: raw.title,
            description: raw.description,
            base_url,
            base_path,
            language: raw.language.unwrap_or_else(|| "en".to_string()),
            repository: raw.repository.map(|r| r.trim_end_matches('/').to_string()),
            branch: raw.branch.unwrap_or_else(|| "main".to_string()),
            kinds,
            navboxes,
            outputs: raw.outputs,
        })
    }

    /// Replaces the base URL (from `--base-url`); `None` if it is not an absolute http(s) URL.
    pub fn with_base_url(mut self, url: &str) -> Option<Config> {
        let (base_url, base_path) = split_base_url(url)?;
        self.base_url = base_url;
        self.base_path = base_path;
        Some(self)
    }

    pub fn kind_by_folder(&self, folder: &str) -> Option<KindId> {
        self.kinds.iter().position(|k| k.folder == folder)
    }

    /// The kind of the page at a site path (`content/<folder>/…`); `None` for the home page or
    /// a folder no kind has.
    pub fn kind_of_path(&self, path: &str) -> Option<KindId> {
        let (folder, _) = path.strip_prefix("content/")?.split_once('/')?;
        self.kind_by_folder(folder)
    }

    pub fn kind_by_id(&self, id: &str) -> Option<KindId> {
        self.kinds.iter().position(|k| k.id == id)
    }
}

/// The checks on a kind's output folder: a slug, not a Windows device name, not one of the
/// generated pages' folders, not another kind's.
fn check_folder(
    id: &str,
    folder: &str,
    folder_offset: usize,
    folders: &[(String, usize)],
    error: &impl Fn(usize, String) -> Diagnostic,
    diagnostics: &mut Diagnostics,
) {
    if !is_valid_slug(folder) {
        diagnostics.push(error(
            folder_offset,
            format!("kind '{id}': folder {folder:?} must be lowercase a-z, 0-9 and '-'"),
        ));
    } else if is_device_name(folder) {
        diagnostics.push(error(
            folder_offset,
            format!("kind '{id}': folder {folder:?} is a device name on Windows, where the site could not be checked out"),
        ));
    } else if RESERVED_FOLDERS.contains(&folder) {
        diagnostics.push(error(
            folder_offset,
            format!("kind '{id}': folder {folder:?} is reserved for generated pages"),
        ));
    } else if let Some((other, _)) = folders.iter().find(|(f, _)| *f == folder) {
        diagnostics.push(error(
            folder_offset,
            format!("kind '{id}': folder {folder:?} is already used by kind '{other}'"),
        ));
    }
}

/// "Members" → "members"; an acronym ("SNS") keeps its case.
fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => a
            .to_lowercase()
            .chain(label[a.len_utf8()..].chars())
            .collect(),
        _ => label.to_string(),
    }
}

/// One `[[navboxes]]` entry: a `category`, or a `kind` with either its `field` (pages the hub
/// names) or `from = "kind.field"` (pages naming the hub). `None` (with an error) if unusable.
fn read_navbox(
    raw: &Spanned<RawNavbox>,
    kinds: &[Kind],
    error: &impl Fn(usize, String) -> Diagnostic,
    diagnostics: &mut Diagnostics,
) -> Option<Navbox> {
    let at = raw.span().start;
    let raw = raw.get_ref();
    let mut fail = |offset: usize, message: String| {
        diagnostics.push(error(offset, format!("navbox: {message}")));
        None
    };
    let find_kind = |id: &str| kinds.iter().position(|k| k.id == id);
    let links_to = |kind: &Kind, field: usize, hub: KindId| matches!(&kind.fields[field].ty, FieldType::Link(allowed) if allowed.contains(&hub));
    let source = match (&raw.kind, &raw.field, &raw.from, &raw.category) {
        (None, None, None, Some(category)) => NavboxSource::Category(category.clone()),
        (Some(kind), field, from, None) if field.is_some() != from.is_some() => {
            let Some(hub) = find_kind(kind.get_ref()) else {
                return fail(
                    kind.span().start,
                    format!("unknown kind '{}'", kind.get_ref()),
                );
            };
            if let Some(field) = field {
                let Some(f) = kinds[hub]
                    .fields
                    .iter()
                    .position(|f| f.key == *field.get_ref())
                else {
                    return fail(
                        field.span().start,
                        format!(
                            "kind '{}' has no field '{}'",
                            kinds[hub].id,
                            field.get_ref()
                        ),
                    );
                };
                if !matches!(kinds[hub].fields[f].ty, FieldType::Link(_)) {
                    return fail(
                        field.span().start,
                        format!("field '{}' does not link to pages", field.get_ref()),
                    );
                }
                NavboxSource::Field {
                    kind: hub,
                    field: f,
                }
            } else {
                let from = from.as_ref()?;
                let names = match from.get_ref() {
                    OneOrMany::One(s) => vec![s.clone()],
                    OneOrMany::Many(v) => v.clone(),
                };
                let mut pairs = Vec::new();
                for name in names {
                    let pair = name.split_once('.').and_then(|(k, f)| {
                        let k = find_kind(k)?;
                        let f = kinds[k].fields.iter().position(|x| x.key == f)?;
                        links_to(&kinds[k], f, hub).then_some((k, f))
                    });
                    match pair {
                        Some(p) => pairs.push(p),
                        None => {
                            return fail(
                                from.span().start,
                                format!(
                                    "'{name}' is not a KIND.FIELD that links to a {}",
                                    kinds[hub].id
                                ),
                            );
                        }
                    }
                }
                NavboxSource::Inverse {
                    kind: hub,
                    from: pairs,
                }
            }
        }
        _ => {
            return fail(
                at,
                "write either `category = \"...\"`, or `kind = \"...\"` with `field = \"...\"` or `from = \"kind.field\"`".into(),
            );
        }
    };
    let title = raw.title.clone().unwrap_or_else(|| match &source {
        NavboxSource::Field { kind, field } => kinds[*kind].fields[*field].label.clone(),
        NavboxSource::Inverse { from, .. } => from
            .first()
            .and_then(|&(k, f)| kinds[k].fields[f].inverse.clone())
            .unwrap_or_else(|| "Related pages".into()),
        NavboxSource::Category(c) => c.clone(),
    });
    Some(Navbox { title, source })
}

/// One field of kind `id`: its key may not be reserved, its type must be known, and
/// `inverse` needs a link. `None` (with the errors) if it cannot be used.
fn read_field(
    id: &str,
    key: &String,
    raw_field: &Spanned<RawField>,
    kind_ids: &[&String],
    error: &impl Fn(usize, String) -> Diagnostic,
    diagnostics: &mut Diagnostics,
) -> Option<Field> {
    let field_span = raw_field.span();
    let raw_field = raw_field.get_ref();
    if RESERVED_KEYS.contains(&key.as_str()) {
        diagnostics.push(error(
            field_span.start,
            format!("kind '{id}': field '{key}' is a reserved front-matter key"),
        ));
        return None;
    }
    let ty = field_type(
        key,
        raw_field,
        field_span.start,
        kind_ids,
        error,
        diagnostics,
    )?;
    if (raw_field.inverse.is_some() || raw_field.former.is_some())
        && !matches!(ty, FieldType::Link(_))
    {
        diagnostics.push(error(
            field_span.start,
            format!("field '{key}': `inverse` and `former` need a `link` field"),
        ));
    }
    if raw_field.inverse_former.is_some() && raw_field.inverse.is_none() {
        diagnostics.push(error(
            field_span.start,
            format!("field '{key}': `inverse_former` needs `inverse`"),
        ));
    }
    let label = raw_field.label.clone().unwrap_or_else(|| humanize(key));
    let former_of = |l: &str| format!("Former {}", lower_first(l));
    Some(Field {
        key: key.clone(),
        former: raw_field
            .former
            .clone()
            .unwrap_or_else(|| former_of(&label)),
        inverse_former: raw_field
            .inverse_former
            .clone()
            .or_else(|| raw_field.inverse.as_deref().map(former_of)),
        label,
        many: raw_field.many || ty == FieldType::List,
        ty,
        inverse: raw_field.inverse.clone(),
        hidden: raw_field.hidden,
    })
}

/// A field's type: `link = "kind"` (or a list of kinds, each of which must exist) or a
/// `type` (text by default), not both. `None` (with an error) if it cannot be used.
fn field_type(
    key: &str,
    raw_field: &RawField,
    field_start: usize,
    kind_ids: &[&String],
    error: &impl Fn(usize, String) -> Diagnostic,
    diagnostics: &mut Diagnostics,
) -> Option<FieldType> {
    match (&raw_field.link, &raw_field.ty) {
        (Some(_), Some(ty)) => {
            diagnostics.push(error(
                ty.span().start,
                format!("field '{key}': give either `link` or `type`, not both"),
            ));
            None
        }
        (Some(link), None) => {
            let names: Vec<&String> = match link.get_ref() {
                OneOrMany::One(s) => vec![s],
                OneOrMany::Many(v) => v.iter().collect(),
            };
            let mut targets = Vec::new();
            for name in names {
                match kind_ids.iter().position(|k| *k == name) {
                    Some(i) => targets.push(i),
                    None => diagnostics.push(error(
                        link.span().start,
                        format!(
                            "field '{key}' links to unknown kind '{name}' (kinds: {})",
                            join(kind_ids, ", ")
                        ),
                    )),
                }
            }
            Some(FieldType::Link(targets))
        }
        (None, ty) => {
            let name = ty.as_ref().map_or("text", |t| t.get_ref().as_str());
            match name {
                "text" | "string" => Some(FieldType::Text),
                "year" => Some(FieldType::Year),
                "date" => Some(FieldType::Date),
                "number" | "integer" => Some(FieldType::Number),
                "list" => Some(FieldType::List),
                "url" => Some(FieldType::Url),
                other => {
                    let offset = ty.as_ref().map_or(field_start, |t| t.span().start);
                    diagnostics.push(error(
                        offset,
                        format!("field '{key}': unknown type '{other}' (types: text, year, date, number, list, url)"),
                    ));
                    None
                }
            }
        }
    }
}

/// `https://host/sub` → (`https://host/sub/`, `/sub/`).
fn split_base_url(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() || url.contains(['?', '#', ' ', '"', '<', '>']) {
        return None;
    }
    let path = path.trim_matches('/');
    let base_path = if path.is_empty() {
        "/".to_string()
    } else {
        format!("/{path}/")
    };
    let scheme_and_host = &url[..url.len() - rest.len() + host.len()];
    Some((format!("{scheme_and_host}{base_path}"), base_path))
}

fn humanize(key: &str) -> String {
    let spaced = key.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<Config>, Vec<String>) {
        let mut d = Diagnostics::default();
        let config = Config::parse(text, &mut d);
        (
            config,
            d.into_sorted().iter().map(ToString::to_string).collect(),
        )
    }

    const MINIMAL: &str = "title = \"W\"\nbase_url = \"https://u.github.io/repo\"\n[kinds.group]\nfolder = \"groups\"\n";

    #[test]
    fn base_url_is_split_into_url_and_path() {
        assert_eq!(
            split_base_url("https://u.github.io/repo"),
            Some(("https://u.github.io/repo/".into(), "/repo/".into()))
        );
        assert_eq!(
            split_base_url("https://example.org"),
            Some(("https://example.org/".into(), "/".into()))
        );
        assert_eq!(
            split_base_url("http://127.0.0.1:1111/"),
            Some(("http://127.0.0.1:1111/".into(), "/".into()))
        );
        assert_eq!(split_base_url("example.org"), None);
        assert_eq!(split_base_url("https:///x"), None);
    }

    #[test]
    fn minimal_config_parses_with_defaults() {
        let (config, errors) = parse(MINIMAL);
        assert!(errors.is_empty(), "{errors:?}");
        let config = config.unwrap();
        assert_eq!(config.base_path, "/repo/");
        assert_eq!(config.kinds[0].name, "Group");
        assert_eq!(config.kinds[0].plural, "Groups");
    }

    #[test]
    fn bad_fields_are_reported_with_positions() {
        let text = format!(
            "{MINIMAL}[kinds.group.fields]\nagency = {{ link = \"agncy\" }}\ndebut = {{ type = \"yeer\" }}\ntitle = {{ type = \"text\" }}\n"
        );
        let (config, errors) = parse(&text);
        assert!(config.is_none());
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("site.toml:6:"), "{errors:?}");
        assert!(errors[0].contains("unknown kind 'agncy'"));
        assert!(errors[1].contains("unknown type 'yeer'"));
        assert!(errors[2].contains("reserved"));
    }

    #[test]
    fn unknown_top_level_key_is_an_error_at_its_line() {
        let (config, errors) = parse(&format!("tilte = \"x\"\n{MINIMAL}"));
        assert!(config.is_none());
        assert!(errors[0].starts_with("site.toml:1:1"), "{errors:?}");
    }
}
