//! The wiki's data for programs and spreadsheets: each page's JSON beside it
//! (`<page>/index.json`), one JSON file per kind (`<kind>/index.json`) and one for the whole
//! wiki (`wiki.json`), and a CSV table per kind (`<kind>/index.csv`). The JSON follows
//! `schema/page.schema.json` and `schema/collection.schema.json` (the tests validate the output
//! against them). Every URL is absolute; a link to a page that does not exist has `url: null`.

use std::borrow::Cow;

use indexmap::IndexMap;
use serde::Serialize;

use super::Made;
use crate::config::FieldType;
use crate::content::{PageId, Value};
use crate::graph::FieldItem;
use crate::render::{OutputFile, Partial, Renderer};
use crate::urls;

/// A link to a page (or to a name no page has: `url` is null). An object, so that more keys can
/// be added to a relation item without breaking readers.
#[derive(Serialize)]
pub(crate) struct LinkData<'a> {
    title: Cow<'a, str>,
    url: Option<String>,
    /// In a link field, when and how the relation held, where the entry says (`2013`,
    /// `2023-12`, `2023-12-31`; a role as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    /// `true` for a relation that ended on a date not given (`until` says it otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    ended: Option<bool>,
}

impl<'a> LinkData<'a> {
    /// A link with no relation term.
    fn new(title: Cow<'a, str>, url: Option<String>) -> LinkData<'a> {
        LinkData {
            title,
            url,
            since: None,
            until: None,
            role: None,
            ended: None,
        }
    }

    /// The link with `term`'s period and role, where it has one.
    fn with_term(mut self, term: Option<&'a crate::period::Term>) -> LinkData<'a> {
        if let Some(term) = term {
            self.since = term.since.map(|d| d.to_string());
            self.until = term.until.map(|d| d.to_string());
            self.role = term.role.as_deref();
            self.ended = (term.ended && term.until.is_none()).then_some(true);
        }
        self
    }
}

/// A field's value, typed as the kind declares it.
#[derive(Serialize)]
#[serde(untagged)]
enum FieldData<'a> {
    Text(&'a str),
    Integer(i64),
    Number(serde_json::Number),
    Texts(&'a [String]),
    Links(Vec<LinkData<'a>>),
}

/// One page's data (`schema/page.schema.json`).
#[derive(Serialize)]
pub(crate) struct PageData<'a> {
    title: &'a str,
    /// The kind's id (`group`) and name (`Group`).
    kind: &'a str,
    kind_name: &'a str,
    url: String,
    /// The page's file in the repository (`content/groups/bts.md`).
    source: &'a str,
    aliases: Vec<&'a str>,
    summary: &'a str,
    /// Every shown field the page fills, in the kind's order, by key.
    fields: IndexMap<&'a str, FieldData<'a>>,
    categories: Vec<LinkData<'a>>,
    /// Pages the text links to, in order of first link (red links with `url: null`).
    links: Vec<LinkData<'a>>,
    /// Pages linking here (text or infobox).
    backlinks: Vec<LinkData<'a>>,
    /// Sources the page cites, and pages citing it.
    citations: Vec<LinkData<'a>>,
    cited_by: Vec<LinkData<'a>>,
    /// Author dates of the file's first and last commit (null outside git).
    created: Option<&'a str>,
    updated: Option<&'a str>,
}

/// Many pages' data, a kind's or the whole wiki's (`schema/collection.schema.json`): `title`,
/// `url`, `kind` (a kind's id; absent for the whole wiki), then `pages`, each page's JSON as
/// its own file has it.
fn collection(title: &str, url: &str, kind: Option<&str>, pages: &[&[u8]]) -> Vec<u8> {
    let string = |s: &str| crate::render::script_json(&s);
    let mut out = Vec::with_capacity(pages.iter().map(|p| p.len() + 1).sum::<usize>() + 256);
    out.extend_from_slice(
        format!("{{\"title\":{},\"url\":{}", string(title), string(url)).as_bytes(),
    );
    if let Some(kind) = kind {
        out.extend_from_slice(format!(",\"kind\":{}", string(kind)).as_bytes());
    }
    out.extend_from_slice(b",\"pages\":[");
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(page.strip_suffix(b"\n").unwrap_or(page));
    }
    out.extend_from_slice(b"]}\n");
    out
}

impl<'a> Renderer<'a> {
    fn page_url(&self, id: PageId) -> String {
        let config = self.input.config;
        let p = &self.input.corpus.pages[id];
        urls::absolute(
            config,
            &urls::page_path(&config.kinds[p.kind].folder, &p.slug),
        )
    }

    fn page_link(&self, id: PageId) -> LinkData<'a> {
        LinkData::new(
            Cow::Borrowed(&self.input.corpus.pages[id].title),
            Some(self.page_url(id)),
        )
    }

    fn field_link(&self, item: &'a FieldItem) -> LinkData<'a> {
        match item {
            FieldItem::Page(p) => self.page_link(*p),
            FieldItem::Section(p, name, anchor) => LinkData::new(
                Cow::Borrowed(name),
                Some(format!(
                    "{}#{}",
                    self.page_url(*p),
                    urls::encode_path(anchor)
                )),
            ),
            FieldItem::Missing(name) | FieldItem::Text(name) => {
                LinkData::new(Cow::Borrowed(name), None)
            }
        }
    }

    /// A page's fields that its kind shows, by key: link fields as links with their terms.
    fn fields_data(&self, id: PageId) -> IndexMap<&'a str, FieldData<'a>> {
        let input = self.input;
        let page = &input.corpus.pages[id];
        let kind = &input.config.kinds[page.kind];
        let mut fields = IndexMap::new();
        for (k, fv) in page.fields.iter().enumerate() {
            let field = &kind.fields[fv.field];
            if field.hidden {
                continue;
            }
            let value = match (&field.ty, &fv.value) {
                (FieldType::Link(_), value) => {
                    let terms: &[crate::content::LinkName] = match value {
                        Value::Links(names) => names,
                        _ => &[],
                    };
                    let items = input.graph.infobox[id].get(k).map_or(&[][..], |r| &r.1[..]);
                    FieldData::Links(
                        items
                            .iter()
                            .enumerate()
                            .map(|(j, item)| {
                                self.field_link(item)
                                    .with_term(terms.get(j).and_then(|l| l.term.as_ref()))
                            })
                            .collect(),
                    )
                }
                (_, Value::Year(y)) => FieldData::Integer(*y),
                (_, Value::Number(n)) => match serde_json::from_str::<serde_json::Number>(n) {
                    Ok(n) => FieldData::Number(n),
                    Err(_) => FieldData::Text(n),
                },
                (_, Value::List(items)) => FieldData::Texts(items),
                (_, Value::Text(t) | Value::Date(t) | Value::Url(t)) => FieldData::Text(t),
                (_, Value::Links(_)) => continue,
            };
            fields.insert(field.key.as_str(), value);
        }
        fields
    }

    /// A page's data; without its links, backlinks and citations when not `full` (the CSV
    /// tables do not show them).
    pub(crate) fn page_data(&self, id: PageId, full: bool) -> PageData<'a> {
        let input = self.input;
        let (config, graph) = (input.config, input.graph);
        let page = &input.corpus.pages[id];
        let body = &input.bodies[id];
        let kind = &config.kinds[page.kind];
        let fields = self.fields_data(id);
        let dates = input.history.get(&page.path);
        let mut data = PageData {
            title: &page.title,
            kind: &kind.id,
            kind_name: &kind.name,
            url: self.page_url(id),
            source: &page.path,
            aliases: page.aliases.iter().map(|a| a.0.as_str()).collect(),
            summary: &self.summaries[id],
            fields,
            categories: graph.page_categories[id]
                .iter()
                .map(|&c| {
                    let cat = &graph.categories[c];
                    LinkData::new(
                        Cow::Borrowed(&cat.name),
                        Some(urls::absolute(config, &cat.path)),
                    )
                })
                .collect(),
            links: Vec::new(),
            backlinks: Vec::new(),
            citations: Vec::new(),
            cited_by: Vec::new(),
            created: dates.map(|d| d.created.as_str()),
            updated: dates.map(|d| d.updated.as_str()),
        };
        if !full {
            return data;
        }
        let mut seen = std::collections::HashSet::new();
        let mut links: Vec<LinkData> = body
            .links
            .iter()
            .filter(|l| !l.is_citation && l.target != id && seen.insert(l.target))
            .map(|l| self.page_link(l.target))
            .collect();
        let mut red = std::collections::HashSet::new();
        links.extend(
            body.red_links
                .iter()
                .filter(|l| red.insert(l.target.as_str()))
                .map(|l| LinkData::new(Cow::Borrowed(&l.target), None)),
        );
        let mut froms: Vec<PageId> = graph.backlinks[id].iter().map(|b| b.from).collect();
        froms.dedup();
        let mut cited: Vec<PageId> = body.citations.clone();
        cited.sort_unstable();
        cited.dedup();
        data.links = links;
        data.backlinks = froms.into_iter().map(|p| self.page_link(p)).collect();
        data.citations = cited.into_iter().map(|p| self.page_link(p)).collect();
        data.cited_by = graph.cited_by[id]
            .iter()
            .map(|&p| self.page_link(p))
            .collect();
        data
    }
}

/// Every page's JSON (`<page>/index.json`), one file per kind and one for the whole wiki,
/// all from one serialisation of each page. They show every page's backlinks, so they are made
/// after every build; the page files are streamed out like pages, the others kept.
pub(super) fn collections(r: &Renderer, _: &Partial) -> Vec<Made> {
    use rayon::prelude::*;
    let input = r.input;
    let config = input.config;
    if !config.outputs.json {
        return Vec::new();
    }
    let pages = &input.corpus.pages;
    let page_json: Vec<Vec<u8>> = (0..pages.len())
        .into_par_iter()
        .with_max_len(64)
        .map(|i| {
            let mut bytes =
                escape_json(serde_json::to_vec(&r.page_data(i, true)).unwrap_or_default());
            bytes.push(b'\n');
            bytes
        })
        .collect();
    let mut files: Vec<Made> = Vec::with_capacity(pages.len() + config.kinds.len() + 1);
    for (k, kind) in config.kinds.iter().enumerate() {
        let folder = urls::kind_path(&kind.folder);
        let of_kind: Vec<&[u8]> = (0..pages.len())
            .filter(|&i| pages[i].kind == k)
            .map(|i| page_json[i].as_slice())
            .collect();
        files.push(Ok(Some(OutputFile {
            path: urls::json_in(&folder),
            bytes: collection(
                &kind.plural,
                &urls::absolute(config, &folder),
                Some(&kind.id),
                &of_kind,
            )
            .into(),
        })));
    }
    let all: Vec<&[u8]> = page_json.iter().map(Vec::as_slice).collect();
    files.push(Ok(Some(OutputFile {
        path: urls::WIKI_JSON.to_string(),
        bytes: collection(&config.title, &config.base_url, None, &all).into(),
    })));
    for (p, bytes) in pages.iter().zip(page_json) {
        let path = urls::json_in(&urls::page_path(&config.kinds[p.kind].folder, &p.slug));
        files.push(r.hand_over(Ok(OutputFile {
            path,
            bytes: bytes.into(),
        })));
    }
    files
}

/// JSON with `<`, `>` and `&` escaped (they occur only inside strings), as every JSON file of
/// the site has them, so no `</script>` survives even if a file is ever inlined in a page.
fn escape_json(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.iter().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + 64);
    for b in bytes {
        match b {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            b => out.push(b),
        }
    }
    out
}

/// A CSV field, quoted when it must be (RFC 4180). A text that a spreadsheet would read as a
/// formula (`=`, `+`, `-`, `@` first) gets a leading `'`, the usual guard.
fn csv_field(out: &mut String, text: &str, formula_guard: bool) {
    let guard = formula_guard && text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if guard || text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        if guard {
            out.push('\'');
        }
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// A CSV table per kind: one row per page (by title), its URL, summary, aliases, categories,
/// dates and every shown field; a list's values joined with "; ".
pub(super) fn tables(r: &Renderer, _: &Partial) -> Vec<Made> {
    let input = r.input;
    let config = input.config;
    if !config.outputs.csv {
        return Vec::new();
    }
    let pages = &input.corpus.pages;
    let mut files = Vec::new();
    for (k, kind) in config.kinds.iter().enumerate() {
        let shown: Vec<usize> = (0..kind.fields.len())
            .filter(|&f| !kind.fields[f].hidden)
            .collect();
        let mut ids: Vec<PageId> = (0..pages.len()).filter(|&i| pages[i].kind == k).collect();
        ids.sort_by_cached_key(|&i| (crate::names::normalize(&pages[i].title), i));
        let mut csv = String::new();
        let header = [
            "title",
            "url",
            "summary",
            "aliases",
            "categories",
            "created",
            "updated",
        ];
        let mut first = true;
        for h in header
            .iter()
            .copied()
            .chain(shown.iter().map(|&f| kind.fields[f].key.as_str()))
        {
            if !first {
                csv.push(',');
            }
            first = false;
            csv_field(&mut csv, h, true);
        }
        csv.push_str("\r\n");
        for &i in &ids {
            let data = r.page_data(i, false);
            let join = |items: &[LinkData]| {
                items
                    .iter()
                    .map(|l| l.title.as_ref())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let mut cells: Vec<(String, bool)> = vec![
                (data.title.to_string(), true),
                (data.url.clone(), true),
                (data.summary.to_string(), true),
                (data.aliases.join("; "), true),
                (join(&data.categories), true),
                (data.created.unwrap_or("").to_string(), true),
                (data.updated.unwrap_or("").to_string(), true),
            ];
            for &f in &shown {
                let cell = match data.fields.get(kind.fields[f].key.as_str()) {
                    None => (String::new(), true),
                    Some(FieldData::Text(t)) => (t.to_string(), true),
                    Some(FieldData::Integer(n)) => (n.to_string(), false),
                    Some(FieldData::Number(n)) => (n.to_string(), false),
                    Some(FieldData::Texts(items)) => (items.join("; "), true),
                    Some(FieldData::Links(items)) => (join(items), true),
                };
                cells.push(cell);
            }
            for (n, (cell, guard)) in cells.iter().enumerate() {
                if n > 0 {
                    csv.push(',');
                }
                csv_field(&mut csv, cell, *guard);
            }
            csv.push_str("\r\n");
        }
        files.push(Ok(Some(OutputFile {
            path: urls::csv_in(&urls::kind_path(&kind.folder)),
            bytes: csv.into_bytes().into(),
        })));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        let mut out = String::new();
        for (text, guard) in [
            ("plain", true),
            ("a, b", true),
            ("say \"hi\"", true),
            ("two\nlines", true),
            ("=1+1", true),
            ("-5", false),
        ] {
            csv_field(&mut out, text, guard);
            out.push('|');
        }
        assert_eq!(
            out,
            "plain|\"a, b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"'=1+1\"|-5|"
        );
    }
}
