//! The `+++` front matter: split it off a page and turn its TOML into typed values, checked
//! against the page's kind. Pure: no file system.

use toml::de::{DeTable, DeValue};

use crate::config::{FieldType, Kind};
use crate::diagnostics::Diagnostic;
use crate::period::{PartialDate, Term};

/// Where the front matter and the body sit in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Byte range of the TOML between the fences.
    pub toml_start: usize,
    pub toml_end: usize,
    /// Byte offset where the Markdown body starts.
    pub body_offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `+++` line.
    NoOpeningFence,
    /// The opening fence at this offset is never closed.
    Unclosed(usize),
}

/// Finds the `+++` fences. A UTF-8 byte-order mark before the first fence is allowed.
pub fn split(text: &str) -> Result<Split, SplitError> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = LineIter { text, pos: start };
    let first = lines.next().ok_or(SplitError::NoOpeningFence)?;
    if text[first.0..first.1].trim_end() != "+++" {
        return Err(SplitError::NoOpeningFence);
    }
    let toml_start = first.2;
    for (line_start, line_end, next) in lines {
        if text[line_start..line_end].trim_end() == "+++" {
            return Ok(Split {
                toml_start,
                toml_end: line_start,
                body_offset: next,
            });
        }
    }
    Err(SplitError::Unclosed(start))
}

/// Yields (start, end without newline, start of next line).
struct LineIter<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for LineIter<'_> {
    type Item = (usize, usize, usize);
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        self.pos = (end + 1).min(self.text.len()).max(end);
        if end == self.text.len() {
            self.pos = self.text.len();
        }
        Some((start, end, self.pos))
    }
}

/// A value of a declared field, checked against its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Year(i64),
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    Date(String),
    Number(String),
    List(Vec<String>),
    Url(String),
    /// Page names with their byte offsets in the file, resolved later by the graph stage.
    Links(Vec<LinkName>),
}

/// One entry of a linked field: a plain name (`"RM"`) or a name with when and how the relation
/// held (`{ name = "Jungkook", since = 2013, role = "vocalist" }`).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkName {
    pub name: String,
    /// Where the name is in the file.
    pub offset: usize,
    pub term: Option<Term>,
}

/// An alias that names a section of its page: `{ name = "H.O.T.", section = "Idols" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasSection {
    /// Index of the alias in the page's `aliases`.
    pub alias: usize,
    /// The heading as written in the body, like the part after `#` in `[[Page#Heading]]`.
    pub heading: String,
    /// Offset of the `section` value in the file.
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    /// Index into the kind's `fields`.
    pub field: usize,
    pub value: Value,
    pub offset: usize,
}

/// The typed front matter of one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<(String, usize)>,
    pub aliases: Vec<(String, usize)>,
    /// The aliases that name a section, in alias order; empty for most pages.
    pub alias_sections: Vec<AliasSection>,
    pub summary: Option<String>,
    pub categories: Vec<(String, usize)>,
    pub draft: bool,
    pub featured: bool,
    pub fields: Vec<FieldValue>,
}

/// Parses the TOML between `split`'s fences for a page of `kind` (or the home page, `None`).
/// Offsets in the result and in the diagnostics are offsets into `text`, the whole file.
/// Invalid TOML stops it there; otherwise each key is read, every page's own keys here and
/// the kind's fields by `declared_field`, and a page of a kind must have a title.
pub fn parse(
    text: &str,
    split: Split,
    kind: Option<&Kind>,
    path: &str,
) -> (FrontMatter, Vec<Diagnostic>) {
    let toml_text = &text[split.toml_start..split.toml_end];
    let base = split.toml_start;
    let mut fm = FrontMatter::default();
    let (table, errors) = DeTable::parse_recoverable(toml_text);
    if !errors.is_empty() {
        return (fm, invalid_toml(text, base, path, &errors));
    }
    let mut diagnostics = Vec::new();
    let error = |offset: usize, message: String| {
        Diagnostic::error("front-matter", path, message).at_offset(text, base + offset)
    };
    for (key, value) in table.get_ref() {
        let key_offset = key.span().start;
        let value_offset = value.span().start;
        let name = key.get_ref().as_ref();
        let v = value.get_ref();
        match name {
            "title" => match v.as_str() {
                Some(s) if !s.trim().is_empty() => {
                    fm.title = Some((s.trim().to_string(), base + value_offset))
                }
                Some(_) => diagnostics.push(error(value_offset, "title is empty".into())),
                None => diagnostics.push(error(
                    value_offset,
                    format!("title must be a string, not {}", v.type_str()),
                )),
            },
            "summary" => match v.as_str() {
                Some(s) => fm.summary = Some(s.trim().to_string()).filter(|s| !s.is_empty()),
                None => diagnostics.push(error(
                    value_offset,
                    format!("summary must be a string, not {}", v.type_str()),
                )),
            },
            "aliases" => {
                let (items, sections, errors) = aliases(v);
                fm.aliases = items.into_iter().map(|(s, o)| (s, base + o)).collect();
                fm.alias_sections = sections
                    .into_iter()
                    .map(|s| AliasSection {
                        offset: base + s.offset,
                        ..s
                    })
                    .collect();
                for (offset, message) in errors {
                    diagnostics.push(error(
                        offset.unwrap_or(value_offset),
                        format!("aliases: {message}"),
                    ));
                }
            }
            "categories" => match strings(v) {
                Ok(items) => {
                    fm.categories = items.into_iter().map(|(s, o)| (s, base + o)).collect()
                }
                Err((offset, message)) => diagnostics.push(error(
                    offset.unwrap_or(value_offset),
                    format!("{name}: {message}"),
                )),
            },
            "draft" | "featured" => match v.as_bool() {
                Some(b) if name == "draft" => fm.draft = b,
                Some(b) => fm.featured = b,
                None => diagnostics.push(error(
                    value_offset,
                    format!("{name} must be true or false, not {}", v.type_str()),
                )),
            },
            _ => match declared_field(kind, name, v, key_offset, value_offset, base, &error) {
                Ok(field) => fm.fields.push(field),
                Err(found) => diagnostics.extend(found),
            },
        }
    }
    if fm.title.is_none() && kind.is_some() && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "front-matter",
                path,
                "missing title: add `title = \"...\"` to the front matter",
            )
            .at_offset(text, 0),
        );
    }
    (fm, diagnostics)
}

/// The syntax errors of the TOML that starts at `base` in `text`, the whole file.
fn invalid_toml(
    text: &str,
    base: usize,
    path: &str,
    errors: &[toml::de::Error],
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for e in errors {
        let offset = base + e.span().map_or(0, |s| s.start);
        diagnostics.push(
            Diagnostic::error(
                "front-matter",
                path,
                format!("invalid TOML: {}", e.message().trim()),
            )
            .at_offset(text, offset),
        );
    }
    diagnostics
}

/// A key that is not one of every page's (`RESERVED_KEYS`): one of `kind`'s fields, with its
/// value checked against the field's type, or an error. Offsets are in the TOML, which starts at
/// `base` in the file; `error` makes a diagnostic at an offset in the TOML.
fn declared_field(
    kind: Option<&Kind>,
    name: &str,
    v: &DeValue,
    key_offset: usize,
    value_offset: usize,
    base: usize,
    error: &impl Fn(usize, String) -> Diagnostic,
) -> Result<FieldValue, Vec<Diagnostic>> {
    let Some(kind) = kind else {
        return Err(vec![error(
            key_offset,
            format!("unknown key '{name}' (the home page takes title and summary)"),
        )]);
    };
    let Some(field_index) = kind.fields.iter().position(|f| f.key == name) else {
        let mut known: Vec<&str> = crate::config::RESERVED_KEYS.to_vec();
        known.extend(kind.fields.iter().map(|f| f.key.as_str()));
        return Err(vec![
            error(
                key_offset,
                format!("unknown field '{name}' for kind '{}'", kind.id),
            )
            .note(format!("known fields: {}", known.join(", "))),
        ]);
    };
    let field = &kind.fields[field_index];
    // Every bad entry of a list of relations is reported, not only the first.
    if let (FieldType::Link(_), true, Some(array)) = (&field.ty, field.many, v.as_array()) {
        let errors: Vec<Diagnostic> = array
            .iter()
            .filter_map(|item| link_entry(item.get_ref(), item.span().start).err())
            .map(|(offset, message)| {
                error(
                    offset.unwrap_or(value_offset),
                    format!("field '{name}': {message}"),
                )
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
    }
    match typed(v, &field.ty, field.many) {
        Ok(mut typed) => {
            if let Value::Links(links) = &mut typed {
                for link in links.iter_mut() {
                    link.offset = base + link.offset.max(value_offset);
                }
            }
            Ok(FieldValue {
                field: field_index,
                value: typed,
                offset: base + value_offset,
            })
        }
        Err((offset, message)) => Err(vec![error(
            offset.unwrap_or(value_offset),
            format!("field '{name}': {message}"),
        )]),
    }
}

type TypeError = (Option<usize>, String);

fn strings(v: &DeValue) -> Result<Vec<(String, usize)>, TypeError> {
    let Some(array) = v.as_array() else {
        return Err((
            None,
            format!("expected a list of strings, found {}", v.type_str()),
        ));
    };
    let mut out = Vec::with_capacity(array.len());
    for item in array.iter() {
        match item.get_ref().as_str() {
            Some(s) if !s.trim().is_empty() => out.push((s.trim().to_string(), item.span().start)),
            Some(_) => return Err((Some(item.span().start), "empty string in list".into())),
            None => {
                return Err((
                    Some(item.span().start),
                    format!("expected a string, found {}", item.get_ref().type_str()),
                ));
            }
        }
    }
    Ok(out)
}

/// The `aliases` list: strings, and inline tables `{ name = "...", section = "..." }` for an
/// alias that names a section. Offsets are into the TOML text. Every problem is returned; the
/// aliases without one are kept.
fn aliases(v: &DeValue) -> (Vec<(String, usize)>, Vec<AliasSection>, Vec<TypeError>) {
    let mut out = Vec::new();
    let mut sections = Vec::new();
    let mut errors = Vec::new();
    let Some(array) = v.as_array() else {
        errors.push((
            None,
            format!(
                "expected a list of strings or {{ name = \"...\", section = \"...\" }} tables, found {}",
                v.type_str()
            ),
        ));
        return (out, sections, errors);
    };
    let text = |value: &toml::Spanned<DeValue>, what: &str| -> Result<String, TypeError> {
        match value.get_ref().as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(_) => Err((Some(value.span().start), format!("{what} is empty"))),
            None => Err((
                Some(value.span().start),
                format!(
                    "{what} must be a string, not {}",
                    value.get_ref().type_str()
                ),
            )),
        }
    };
    for item in array.iter() {
        let start = item.span().start;
        if let Some(table) = item.get_ref().as_table() {
            let mut name = None;
            let mut section = None;
            let mut ok = true;
            for (key, value) in table.iter() {
                let key_name = key.get_ref().as_ref();
                let slot = match key_name {
                    "name" => &mut name,
                    "section" => &mut section,
                    _ => {
                        errors.push((
                            Some(key.span().start),
                            format!(
                                "unknown key '{key_name}' in an alias table (it takes name and section)"
                            ),
                        ));
                        ok = false;
                        continue;
                    }
                };
                match text(value, key_name) {
                    Ok(s) => *slot = Some((s, value.span().start)),
                    Err(e) => {
                        errors.push(e);
                        ok = false;
                    }
                }
            }
            let Some(name) = name else {
                if ok {
                    errors.push((
                        Some(start),
                        "alias table has no name: write { name = \"...\", section = \"...\" }"
                            .into(),
                    ));
                }
                continue;
            };
            if !ok {
                continue;
            }
            if let Some((heading, offset)) = section {
                sections.push(AliasSection {
                    alias: out.len(),
                    heading,
                    offset,
                });
            }
            out.push(name);
            continue;
        }
        match text(item, "alias") {
            Ok(s) => out.push((s, start)),
            Err((offset, message)) if item.get_ref().is_str() => errors.push((offset, message)),
            Err((offset, _)) => errors.push((
                offset,
                format!(
                    "expected a string or a {{ name, section }} table, found {}",
                    item.get_ref().type_str()
                ),
            )),
        }
    }
    (out, sections, errors)
}

fn typed(v: &DeValue, ty: &FieldType, many: bool) -> Result<Value, TypeError> {
    let found = || format!("found {}", v.type_str());
    match ty {
        FieldType::Text => v
            .as_str()
            .map(|s| Value::Text(s.to_string()))
            .ok_or_else(|| (None, format!("expected text, {}", found()))),
        FieldType::Year => {
            let year = v
                .as_integer()
                .and_then(|i| i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok());
            match year {
                Some(y) if (0..=9999).contains(&y) => Ok(Value::Year(y)),
                Some(y) => Err((None, format!("year {y} is out of range 0-9999"))),
                None => Err((
                    None,
                    format!("expected a year such as 2018 (no quotes), {}", found()),
                )),
            }
        }
        FieldType::Date => {
            let text = match (v.as_datetime(), v.as_str()) {
                (Some(dt), _) if dt.date.is_some() && dt.time.is_none() => dt.to_string(),
                (_, Some(s)) if is_partial_date(s) => s.to_string(),
                _ => {
                    return Err((
                        None,
                        format!(
                            "expected a date such as 2025-07-04, 2025-07 or 2025, {}",
                            found()
                        ),
                    ));
                }
            };
            Ok(Value::Date(text))
        }
        FieldType::Number => match v {
            DeValue::Integer(i) => Ok(Value::Number(i.as_str().replace('_', ""))),
            DeValue::Float(f) => Ok(Value::Number(f.as_str().replace('_', ""))),
            _ => Err((None, format!("expected a number, {}", found()))),
        },
        FieldType::Url => match v.as_str() {
            Some(s) if s.starts_with("https://") || s.starts_with("http://") => {
                Ok(Value::Url(s.to_string()))
            }
            _ => Err((None, "expected an http(s) URL".into())),
        },
        FieldType::List => match v.as_str() {
            Some(s) => Ok(Value::List(vec![s.to_string()])),
            None => {
                strings(v).map(|items| Value::List(items.into_iter().map(|(s, _)| s).collect()))
            }
        },
        FieldType::Link(_) => match (v.as_array(), many) {
            (None, _) => link_entry(v, 0).map(|l| Value::Links(vec![l])),
            (Some(array), true) => array
                .iter()
                .map(|item| link_entry(item.get_ref(), item.span().start))
                .collect::<Result<_, _>>()
                .map(Value::Links),
            (Some(_), false) => Err((
                None,
                "takes one page; declare `many = true` in site.toml for a list".into(),
            )),
        },
    }
}

/// One entry of a linked field at `offset` in the TOML: a name, or an inline table with a
/// `name` and any of `since`, `until` (a year, a year-month or a date) and `role`.
fn link_entry(v: &DeValue, offset: usize) -> Result<LinkName, TypeError> {
    if let Some(s) = v.as_str() {
        return match s.trim() {
            "" => Err((Some(offset), "empty string in list".into())),
            name => Ok(LinkName {
                name: name.to_string(),
                offset,
                term: None,
            }),
        };
    }
    let Some(table) = v.as_table() else {
        return Err((
            Some(offset),
            format!(
                "expected a page title or {{ name = \"...\", since = ..., until = ..., role = \"...\" }}, found {}",
                v.type_str()
            ),
        ));
    };
    let mut name = None;
    let mut term = Term::default();
    let mut until_at = None;
    for (key, value) in table.iter() {
        let at = value.span().start;
        match key.get_ref().as_ref() {
            "name" => match value.get_ref().as_str().map(str::trim) {
                Some(s) if !s.is_empty() => name = Some((s.to_string(), at)),
                _ => return Err((Some(at), "name must be a page title".into())),
            },
            "role" => match value.get_ref().as_str().map(str::trim) {
                Some(s) if !s.is_empty() => term.role = Some(s.to_string()),
                _ => return Err((Some(at), "role must be text such as \"vocalist\"".into())),
            },
            "since" => {
                term.since = Some(date_of(value.get_ref(), at, "since")?);
            }
            "until" => {
                term.until = Some(date_of(value.get_ref(), at, "until")?);
                until_at = Some(at);
            }
            other => {
                return Err((
                    Some(key.span().start),
                    format!(
                        "unknown key '{other}' in a relation (it takes name, since, until and role)"
                    ),
                ));
            }
        }
    }
    let Some((name, name_at)) = name else {
        return Err((
            Some(offset),
            "relation has no name: write { name = \"...\", since = 2013 }".into(),
        ));
    };
    if let (Some(s), Some(u), Some(at)) = (term.since, term.until, until_at)
        && u.last() < s.first()
    {
        return Err((Some(at), format!("until {u} is before since {s}")));
    }
    Ok(LinkName {
        name,
        offset: name_at,
        term: Some(term),
    })
}

/// `since` or `until`: `2013`, `"2023-12"`, `"2023-12-31"` or a TOML date `2023-12-31`.
fn date_of(v: &DeValue, at: usize, key: &str) -> Result<PartialDate, TypeError> {
    let parsed = match v {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .ok()
            .filter(|y| (0..=9999).contains(y))
            .and_then(|y| i32::try_from(y).ok())
            .map(PartialDate::year),
        DeValue::String(s) => PartialDate::parse(s.trim()),
        DeValue::Datetime(dt) if dt.date.is_some() && dt.time.is_none() => {
            PartialDate::parse(&dt.to_string())
        }
        _ => None,
    };
    parsed.ok_or_else(|| {
        (
            Some(at),
            format!(
                "{key} must be a year (2013), a month (\"2023-12\") or a date (\"2023-12-31\")"
            ),
        )
    })
}

fn is_partial_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse::<u32>().unwrap_or(0)),
        [y, m, d] => {
            digits(y, 4)
                && digits(m, 2)
                && digits(d, 2)
                && (1..=12).contains(&m.parse::<u32>().unwrap_or(0))
                && (1..=31).contains(&d.parse::<u32>().unwrap_or(0))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::diagnostics::Diagnostics;

    #[test]
    fn split_finds_fences() {
        let text = "+++\ntitle = \"A\"\n+++\nBody\n";
        let s = split(text).unwrap();
        assert_eq!(&text[s.toml_start..s.toml_end], "title = \"A\"\n");
        assert_eq!(&text[s.body_offset..], "Body\n");
        assert_eq!(
            split("+++\r\ntitle = 1\r\n+++\r\n").map(|s| s.body_offset),
            Ok(21)
        );
        assert_eq!(split("+++\ntitle = 1\n+++").map(|s| s.body_offset), Ok(17));
        assert_eq!(split("title = 1\n"), Err(SplitError::NoOpeningFence));
        assert_eq!(split(""), Err(SplitError::NoOpeningFence));
        assert_eq!(split("+++\ntitle = 1\n"), Err(SplitError::Unclosed(0)));
        assert!(split("\u{feff}+++\n+++\n").is_ok());
    }

    fn config() -> Config {
        let text = r#"title = "W"
base_url = "https://x.org/"
[kinds.group.fields]
agency = { link = "agency", many = true }
leader = { link = "agency" }
debut = { type = "year" }
born = { type = "date" }
tags = { type = "list" }
[kinds.agency]
"#;
        let mut d = Diagnostics::default();
        Config::parse(text, &mut d).expect("fixture config parses")
    }

    fn parse_page(text: &str) -> (FrontMatter, Vec<String>) {
        let config = config();
        let s = split(text).unwrap();
        let (fm, d) = parse(text, s, Some(&config.kinds[0]), "g.md");
        (fm, d.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn typed_fields_parse() {
        let (fm, errors) = parse_page(
            "+++\ntitle = \"A\"\naliases = [\"B\"]\nagency = [\"X\", \"Y\"]\nleader = \"X\"\ndebut = 2018\nborn = 2001-02-03\ntags = \"one\"\n+++\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(fm.title.as_ref().unwrap().0, "A");
        assert_eq!(fm.fields.len(), 5);
        assert_eq!(fm.fields[2].value, Value::Year(2018));
        assert_eq!(fm.fields[3].value, Value::Date("2001-02-03".into()));
        assert_eq!(fm.fields[4].value, Value::List(vec!["one".into()]));
        let Value::Links(links) = &fm.fields[0].value else {
            panic!("links expected")
        };
        assert_eq!(links[1].name, "Y");
        // The offset of the quoted string's opening quote.
        assert_eq!(
            links[1].offset,
            "+++\ntitle = \"A\"\naliases = [\"B\"]\nagency = [\"X\", ".len()
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_its_position() {
        let (_, errors) = parse_page(
            "+++\ntitle = \"A\"\ndebut = \"2018\"\ncolour = \"red\"\nleader = [\"X\"]\nborn = \"July\"\n+++\n",
        );
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[0].starts_with("g.md:3:9: error[front-matter]: field 'debut': expected a year"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("g.md:4:1: error[front-matter]: unknown field 'colour'"),
            "{errors:?}"
        );
        assert!(
            errors[2].contains("g.md:5:10") && errors[2].contains("many = true"),
            "{errors:?}"
        );
        assert!(errors[3].contains("g.md:6:8"), "{errors:?}");
    }

    #[test]
    fn invalid_toml_and_missing_title() {
        let (_, errors) = parse_page("+++\ntitle = \"A\n+++\n");
        assert!(errors[0].starts_with("g.md:2:"), "{errors:?}");
        assert!(errors[0].contains("invalid TOML"));
        let (_, errors) = parse_page("+++\ndebut = 2000\n+++\n");
        assert_eq!(
            errors,
            vec![
                "g.md:1:1: error[front-matter]: missing title: add `title = \"...\"` to the front matter"
            ]
        );
    }

    #[test]
    fn partial_dates() {
        for ok in ["2025", "2025-07", "2025-07-04"] {
            assert!(is_partial_date(ok), "{ok}");
        }
        for bad in ["25", "2025-13", "2025-07-32", "July 2025", "2025-7-4"] {
            assert!(!is_partial_date(bad), "{bad}");
        }
    }
}
