//! Tables computed from pages: a parsed `query` block (`query::Query`) evaluated after the link
//! graph over every page's typed front matter, so the table is always what the pages say. A
//! query that matches nothing says so in the page and warns (`query-empty`). Pure.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::config::Config;
use crate::content::{Page, PageId, Value};
use crate::diagnostics::Diagnostic;
use crate::graph::{FieldItem, LinkGraph};
use crate::names::normalize;
use crate::period::{PartialDate, Term};
use crate::query::{Column, Condition, Op, Query, Scalar, Target};
use crate::urls::escape_html;

/// What evaluating queries reads.
pub struct Input<'a> {
    pub config: &'a Config,
    pub pages: &'a [Page],
    pub graph: &'a LinkGraph,
    pub hrefs: &'a [String],
    pub summaries: &'a [String],
}

/// One row of a result: the page and the relation that made it match.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub page: PageId,
    pub term: Option<Term>,
}

/// The rows of `query` on page `this`, filtered, sorted and limited.
pub fn rows(query: &Query, this: PageId, input: &Input) -> Vec<Row> {
    let graph = input.graph;
    // Candidates: the pages tied to this one where a condition asks for that, else every page
    // of the queried kinds.
    let mut candidates: Vec<PageId> = if query.conditions.iter().any(|c| {
        matches!(
            c,
            Condition::LinksHere
                | Condition::Links {
                    target: Target::This,
                    negate: false,
                    ..
                }
        )
    }) {
        graph.backlinks[this].iter().map(|b| b.from).collect()
    } else if let Some(Condition::NamedByThis { field, .. }) = query
        .conditions
        .iter()
        .find(|c| matches!(c, Condition::NamedByThis { .. }))
    {
        named_by(input, this, field).map(|(p, _)| p).collect()
    } else {
        (0..input.pages.len()).collect()
    };
    candidates.sort_unstable();
    candidates.dedup();
    let mut rows: Vec<Row> = candidates
        .into_iter()
        .filter(|&p| query.kinds.contains(&input.pages[p].kind))
        .filter_map(|p| matches(query, this, p, input))
        .collect();
    rows.sort_by(|a, b| {
        for (column, desc) in &query.sort {
            let (x, y) = (sort_key(column, a, input), sort_key(column, b, input));
            let order = match (x, y) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => {
                    let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                    if *desc { o.reverse() } else { o }
                }
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        input.graph.rank[a.page]
            .cmp(&input.graph.rank[b.page])
            .then(a.page.cmp(&b.page))
    });
    if let Some(n) = query.limit {
        rows.truncate(n);
    }
    rows
}

/// The entries of `page`'s field `key`: each named page with its term.
fn entries<'a>(
    input: &'a Input,
    page: PageId,
    key: &'a str,
) -> impl Iterator<Item = (Option<PageId>, Option<&'a Term>)> + 'a {
    let p = &input.pages[page];
    let kind = &input.config.kinds[p.kind];
    crate::graph::link_entries(p, &input.graph.infobox[page])
        .filter(move |(f, _, _)| kind.fields[*f].key == key)
        .map(|(_, item, term)| (item.page(), term))
}

/// The pages `this`'s field names, with their terms.
fn named_by<'a>(
    input: &'a Input,
    this: PageId,
    field: &'a str,
) -> impl Iterator<Item = (PageId, Option<&'a Term>)> + 'a {
    entries(input, this, field).filter_map(|(p, t)| p.map(|p| (p, t)))
}

fn covers(term: Option<&Term>, as_of: &Option<PartialDate>) -> bool {
    match as_of {
        None => true,
        Some(d) => term.is_none_or(|t| t.covers(d)),
    }
}

/// Does `page` meet every condition? The row, with the relation that tied it to `this`.
fn matches(query: &Query, this: PageId, page: PageId, input: &Input) -> Option<Row> {
    let mut term: Option<Term> = None;
    for condition in &query.conditions {
        let ok = match condition {
            Condition::Links {
                field,
                target,
                as_of,
                negate,
            } => {
                let want = match target {
                    Target::This => this,
                    Target::Page(p) => *p,
                };
                let found = entries(input, page, field)
                    .find(|(p, t)| *p == Some(want) && covers(*t, as_of));
                if let (Some((_, t)), Target::This, false) = (&found, target, negate) {
                    term = term.or_else(|| t.cloned());
                }
                found.is_some() != *negate
            }
            Condition::NamedByThis { field, as_of } => {
                let found =
                    named_by(input, this, field).find(|(p, t)| *p == page && covers(*t, as_of));
                if let Some((_, t)) = &found {
                    term = term.or_else(|| t.cloned());
                }
                found.is_some()
            }
            Condition::LinksHere => input.graph.backlinks[this].iter().any(|b| b.from == page),
            Condition::Compare { field, op, value } => field_values(input, page, field)
                .iter()
                .any(|v| compare(v, *op, value)),
            Condition::TextIs {
                field,
                text,
                negate,
            } => {
                let hit = field_texts(input, page, field)
                    .iter()
                    .any(|t| normalize(t) == normalize(text));
                hit != *negate
            }
            Condition::Contains { field, text } => {
                let needle = normalize(text);
                field_texts(input, page, field)
                    .iter()
                    .any(|t| normalize(t).contains(&needle))
            }
            Condition::Exists { field } => !field_texts(input, page, field).is_empty(),
        };
        if !ok {
            return None;
        }
    }
    Some(Row { page, term })
}

fn field_values<'a>(input: &'a Input, page: PageId, key: &str) -> Vec<&'a Value> {
    let p = &input.pages[page];
    let kind = &input.config.kinds[p.kind];
    p.fields
        .iter()
        .filter(|fv| kind.fields[fv.field].key == key)
        .map(|fv| &fv.value)
        .collect()
}

fn field_texts(input: &Input, page: PageId, key: &str) -> Vec<String> {
    field_values(input, page, key)
        .into_iter()
        .flat_map(|v| match v {
            Value::Text(s) | Value::Date(s) | Value::Number(s) | Value::Url(s) => vec![s.clone()],
            Value::Year(y) => vec![y.to_string()],
            Value::List(items) => items.clone(),
            Value::Links(names) => names.iter().map(|l| l.name.clone()).collect(),
        })
        .collect()
}

fn compare(value: &Value, op: Op, with: &Scalar) -> bool {
    let order = match (value, with) {
        (Value::Year(y), Scalar::Number(n)) => (*y as f64).partial_cmp(n),
        (Value::Number(s), Scalar::Number(n)) => {
            s.parse::<f64>().ok().and_then(|v| v.partial_cmp(n))
        }
        (Value::Date(s), Scalar::Date(d)) => PartialDate::parse(s).map(|v| {
            // A partial date compares by what both state: 2018-05 = 2018.
            if v.last() < d.first() {
                Ordering::Less
            } else if v.first() > d.last() {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }),
        (Value::Year(y), Scalar::Date(d)) => Some((*y as i32).cmp(&d.year)),
        _ => None,
    };
    let Some(order) = order else { return false };
    match op {
        Op::Eq => order == Ordering::Equal,
        Op::Ne => order != Ordering::Equal,
        Op::Lt => order == Ordering::Less,
        Op::Le => order != Ordering::Greater,
        Op::Gt => order == Ordering::Greater,
        Op::Ge => order != Ordering::Less,
    }
}

/// A cell's sort key: numbers by value, text by its normalised form.
#[derive(Debug, PartialEq, PartialOrd)]
enum Key {
    Number(f64),
    Text(String),
}

fn sort_key(column: &Column, row: &Row, input: &Input) -> Option<Key> {
    let page = &input.pages[row.page];
    let date_key = |d: &PartialDate| {
        let (y, m, dd) = d.first();
        Key::Number(f64::from(y) * 10000.0 + f64::from(m) * 100.0 + f64::from(dd))
    };
    match column {
        Column::Title => Some(Key::Text(normalize(&page.title))),
        Column::Kind => Some(Key::Text(input.config.kinds[page.kind].name.to_lowercase())),
        Column::Summary => Some(Key::Text(normalize(&input.summaries[row.page]))),
        Column::Role => row
            .term
            .as_ref()?
            .role
            .as_ref()
            .map(|r| Key::Text(normalize(r))),
        Column::Since | Column::Period => row.term.as_ref()?.since.as_ref().map(date_key),
        Column::Until => row.term.as_ref()?.until.as_ref().map(date_key),
        Column::Field(key) => {
            let value = *field_values(input, row.page, key).first()?;
            Some(match value {
                Value::Year(y) => Key::Number(*y as f64),
                Value::Number(s) => Key::Number(s.parse().ok()?),
                Value::Date(s) => date_key(&PartialDate::parse(s)?),
                _ => Key::Text(normalize(field_texts(input, row.page, key).first()?)),
            })
        }
    }
}

/// The header of a column.
fn header(column: &Column, query: &Query, config: &Config) -> String {
    match column {
        Column::Title if query.kinds.len() == 1 => config.kinds[query.kinds[0]].name.clone(),
        Column::Title => "Page".into(),
        Column::Kind => "Kind".into(),
        Column::Summary => "Summary".into(),
        Column::Role => "Role".into(),
        Column::Since => "From".into(),
        Column::Until => "Until".into(),
        Column::Period => "Period".into(),
        Column::Field(key) => query
            .kinds
            .iter()
            .flat_map(|&k| &config.kinds[k].fields)
            .find(|f| &f.key == key)
            .map_or_else(|| key.clone(), |f| f.label.clone()),
    }
}

/// One cell's HTML: field values keep their links (a name with no page is plain text, as in
/// the kind tables).
fn cell(column: &Column, row: &Row, input: &Input, out: &mut String) {
    let page = &input.pages[row.page];
    let term = row.term.as_ref();
    let text = |s: &str, out: &mut String| out.push_str(&escape_html(s));
    match column {
        Column::Title => {
            let _ = write!(
                out,
                "<a href=\"{}\">{}</a>",
                escape_html(&input.hrefs[row.page]),
                escape_html(&page.title)
            );
        }
        Column::Kind => text(&input.config.kinds[page.kind].name, out),
        Column::Summary => text(&input.summaries[row.page], out),
        Column::Role => text(term.and_then(|t| t.role.as_deref()).unwrap_or(""), out),
        Column::Since => text(
            &term
                .and_then(|t| t.since)
                .map(|d| d.human())
                .unwrap_or_default(),
            out,
        ),
        Column::Until => text(
            &term
                .and_then(|t| t.until)
                .map(|d| d.human())
                .unwrap_or_default(),
            out,
        ),
        Column::Period => text(&term.and_then(Term::period_text).unwrap_or_default(), out),
        Column::Field(key) => {
            let kind = &input.config.kinds[page.kind];
            let mut first = true;
            for (k, fv) in page.fields.iter().enumerate() {
                if kind.fields[fv.field].key != *key {
                    continue;
                }
                for item in input.graph.infobox[row.page]
                    .get(k)
                    .map_or(&[][..], |r| &r.1[..])
                {
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    match item {
                        FieldItem::Page(p) => {
                            let _ = write!(
                                out,
                                "<a href=\"{}\">{}</a>",
                                escape_html(&input.hrefs[*p]),
                                escape_html(&input.pages[*p].title)
                            );
                        }
                        FieldItem::Section(p, name, anchor) => {
                            let _ = write!(
                                out,
                                "<a href=\"{}#{}\">{}</a>",
                                escape_html(&input.hrefs[*p]),
                                escape_html(&crate::urls::encode_path(anchor)),
                                escape_html(name)
                            );
                        }
                        FieldItem::Missing(s) | FieldItem::Text(s) => text(s, out),
                    }
                }
            }
        }
    }
}

/// The table (or the "nothing matches" note) a query shows on page `this`.
pub fn table(query: &Query, this: PageId, input: &Input) -> (String, usize) {
    let rows = rows(query, this, input);
    let config = input.config;
    let mut out = String::new();
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"query-empty\">No page matches this query: <code>{}</code></p>",
            escape_html(&query.source)
        );
        return (out, 0);
    }
    let kinds: Vec<&str> = query
        .kinds
        .iter()
        .map(|&k| config.kinds[k].plural.as_str())
        .collect();
    let _ = write!(
        out,
        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"{} (computed from the pages)\">\n<table class=\"listing sortable query\">\n<thead><tr>",
        escape_html(&kinds.join(" and "))
    );
    let sorted = query.sort.first().map(|s| &s.0);
    for column in &query.columns {
        let sort = match (sorted, query.sort.first()) {
            (Some(c), Some((_, desc))) if c == column => {
                if *desc {
                    " aria-sort=\"descending\""
                } else {
                    " aria-sort=\"ascending\""
                }
            }
            _ => "",
        };
        let _ = write!(
            out,
            "<th scope=\"col\"{sort}>{}</th>",
            escape_html(&header(column, query, config))
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &rows {
        out.push_str("<tr>");
        for column in &query.columns {
            out.push_str("<td>");
            cell(column, row, input, &mut out);
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    (out, rows.len())
}

/// Every query's table, per page with queries, and a warning for each query that matches
/// nothing.
pub fn tables(
    queries: &[(PageId, &[Query])],
    input: &Input,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(PageId, Vec<String>)> {
    let mut out = Vec::with_capacity(queries.len());
    for &(page, list) in queries {
        let mut html = Vec::with_capacity(list.len());
        for q in list {
            let (table, count) = table(q, page, input);
            if count == 0 {
                diagnostics.push(
                    Diagnostic::warning(
                        "query-empty",
                        &input.pages[page].path,
                        "this query matches no page: the page shows a note instead of a table",
                    )
                    .at(q.at),
                );
            }
            html.push(table);
        }
        out.push((page, html));
    }
    out
}
