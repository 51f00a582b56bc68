//! Tables computed from pages: a fenced `query` block in a page's Markdown,
//!
//! ````markdown
//! ```query
//! from song, album
//! where artist = this
//! show title, year, album
//! sort year, title
//! ```
//! ````
//!
//! is parsed and checked against `site.toml` by the Markdown stage ([`parse`]: unknown kinds or
//! fields, type mismatches and syntax errors are errors at their line and column), and
//! evaluated after the link graph ([`tables`]) over every page's typed front matter, so the
//! table is always what the pages say. A query that matches nothing says so in the page and
//! warns. Pure: no file system.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::config::{Config, FieldType, KindId};
use crate::content::{Page, PageId, Value};
use crate::diagnostics::{Diagnostic, Position};
use crate::graph::{FieldItem, LinkGraph};
use crate::names::{Index, Resolution, normalize};
use crate::period::{PartialDate, Term};
use crate::urls::escape_html;

/// A parsed, checked query and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub kinds: Vec<KindId>,
    pub conditions: Vec<Condition>,
    pub columns: Vec<Column>,
    pub sort: Vec<(Column, bool)>,
    pub limit: Option<usize>,
    /// Where the block starts, for the "matches nothing" warning.
    pub at: Position,
    /// The query's text, shown in the note of an empty result.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The row's linked field names `target` (this page, or a named page); with `as_of`, the
    /// entry's period covers that date. `negate`: it does not.
    Links {
        field: String,
        target: Target,
        as_of: Option<PartialDate>,
        negate: bool,
    },
    /// The row is named by this page's own linked field, at `as_of` if given.
    NamedByThis {
        field: String,
        as_of: Option<PartialDate>,
    },
    /// The row links to this page, in its text or its infobox.
    LinksHere,
    /// A year, number or date field compared with a value.
    Compare {
        field: String,
        op: Op,
        value: Scalar,
    },
    /// A text or list field equals (`negate`: does not equal) a text, ignoring case.
    TextIs {
        field: String,
        text: String,
        negate: bool,
    },
    Contains {
        field: String,
        text: String,
    },
    Exists {
        field: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    This,
    Page(PageId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Number(f64),
    Date(PartialDate),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Title,
    Kind,
    Summary,
    Field(String),
    Role,
    Since,
    Until,
    Period,
}

/// One token of a line, with its byte offset in the line.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Wiki(String),
    Op(Op),
    Comma,
}

fn tokenize(line: &str) -> Result<Vec<(Tok, usize)>, (usize, String)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b',' => {
                out.push((Tok::Comma, i));
                i += 1;
            }
            b'"' => {
                let end = line[i + 1..]
                    .find('"')
                    .ok_or((i, "this text has no closing quote".to_string()))?;
                out.push((Tok::Str(line[i + 1..i + 1 + end].to_string()), start));
                i += end + 2;
            }
            b'[' if line[i..].starts_with("[[") => {
                let end = line[i + 2..]
                    .find("]]")
                    .ok_or((i, "this [[link]] is not closed".to_string()))?;
                out.push((
                    Tok::Wiki(line[i + 2..i + 2 + end].trim().to_string()),
                    start,
                ));
                i += end + 4;
            }
            b'=' | b'!' | b'<' | b'>' => {
                let two = line.get(i..i + 2).unwrap_or("");
                let (op, len) = match (c, two) {
                    (_, "!=") => (Op::Ne, 2),
                    (_, "<=") => (Op::Le, 2),
                    (_, ">=") => (Op::Ge, 2),
                    (_, "==") => (Op::Eq, 2),
                    (b'=', _) => (Op::Eq, 1),
                    (b'<', _) => (Op::Lt, 1),
                    (b'>', _) => (Op::Gt, 1),
                    _ => return Err((i, "'!' must be followed by '='".into())),
                };
                out.push((Tok::Op(op), start));
                i += len;
            }
            _ => {
                let end = line[i..]
                    .find(|ch: char| {
                        ch.is_whitespace() || matches!(ch, ',' | '"' | '=' | '!' | '<' | '>')
                    })
                    .map_or(line.len(), |e| i + e);
                if end == i {
                    return Err((
                        i,
                        format!("unexpected '{}'", &line[i..].chars().next().unwrap_or(' ')),
                    ));
                }
                out.push((Tok::Word(line[i..end].to_string()), start));
                i = end;
            }
        }
    }
    Ok(out)
}

/// What `parse` needs besides the text.
pub struct Context<'a> {
    pub config: &'a Config,
    pub index: &'a Index,
    /// The kind of the page the query is on (`None` on the home page).
    pub this_kind: Option<KindId>,
}

/// Parses the lines of a `query` block, each with its position in the file. Every problem is
/// returned, each at its position.
pub fn parse(
    lines: &[(&str, Position)],
    at: Position,
    cx: &Context,
) -> Result<Query, Vec<(Position, String)>> {
    let mut p = Parser {
        cx,
        errors: Vec::new(),
        query: Query {
            kinds: Vec::new(),
            conditions: Vec::new(),
            columns: Vec::new(),
            sort: Vec::new(),
            limit: None,
            at,
            source: lines
                .iter()
                .map(|l| l.0.trim())
                .collect::<Vec<_>>()
                .join("; "),
        },
        pending: Vec::new(),
        relational: false,
        from_seen: false,
    };
    for &(line, pos) in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let here = |col: usize| Position {
            line: pos.line,
            column: pos.column + line[..col.min(line.len())].chars().count(),
        };
        match tokenize(line) {
            Ok(tokens) => p.line(&tokens, &here),
            Err((col, message)) => p.errors.push((here(col), message)),
        }
    }
    if !p.from_seen {
        p.errors
            .push((at, "a query needs a `from KIND` line".into()));
    }
    // Columns and sort keys are checked once the kinds and conditions are all known.
    for (column, pos, word) in std::mem::take(&mut p.pending) {
        p.check_column(&column, pos, &word);
    }
    if p.query.columns.is_empty() {
        p.query.columns.push(Column::Title);
    }
    if p.errors.is_empty() {
        Ok(p.query)
    } else {
        Err(p.errors)
    }
}

struct Parser<'a, 'c> {
    cx: &'a Context<'c>,
    errors: Vec<(Position, String)>,
    query: Query,
    /// Columns and sort keys, checked at the end: (column, where, as written).
    pending: Vec<(Column, Position, String)>,
    /// A condition relates rows to this page: role, since, until and period are columns.
    relational: bool,
    from_seen: bool,
}

impl Parser<'_, '_> {
    fn line(&mut self, tokens: &[(Tok, usize)], here: &dyn Fn(usize) -> Position) {
        let Some((Tok::Word(keyword), _)) = tokens.first() else {
            self.errors.push((
                here(0),
                "a query line starts with from, where, and, show, sort or limit".into(),
            ));
            return;
        };
        let rest = &tokens[1..];
        match keyword.to_lowercase().as_str() {
            "from" => self.from(rest, here),
            "where" | "and" => {
                for cond in rest.split(|(t, _)| *t == Tok::Word("and".into())) {
                    self.condition(cond, here, tokens[0].1);
                }
            }
            "show" => {
                for (column, pos, word) in self.list(rest, here, "show") {
                    self.query.columns.push(column.clone());
                    self.pending.push((column, pos, word));
                }
            }
            "sort" => self.sort(rest, here),
            "limit" => match rest {
                [(Tok::Word(n), at)] => match n.parse::<usize>() {
                    Ok(n) if n > 0 => self.query.limit = Some(n),
                    _ => self.errors.push((here(*at), format!("limit takes a positive number, not '{n}'"))),
                },
                _ => self.errors.push((here(tokens[0].1), "write `limit 20`".into())),
            },
            other => self.errors.push((
                here(tokens[0].1),
                format!("unknown query keyword '{other}' (a line starts with from, where, and, show, sort or limit)"),
            )),
        }
    }

    fn from(&mut self, rest: &[(Tok, usize)], here: &dyn Fn(usize) -> Position) {
        self.from_seen = true;
        let config = self.cx.config;
        for (tok, at) in rest {
            match tok {
                Tok::Comma => {}
                Tok::Word(w) => {
                    let key = w.to_lowercase();
                    let found = config.kinds.iter().position(|k| {
                        k.id == key
                            || k.folder == key
                            || k.name.to_lowercase() == key
                            || k.plural.to_lowercase() == key
                    });
                    match found {
                        Some(k) if !self.query.kinds.contains(&k) => self.query.kinds.push(k),
                        Some(_) => {}
                        None => {
                            let known: Vec<&str> =
                                config.kinds.iter().map(|k| k.id.as_str()).collect();
                            self.errors.push((
                                here(*at),
                                format!("unknown kind '{w}' (kinds: {})", known.join(", ")),
                            ));
                        }
                    }
                }
                _ => self.errors.push((
                    here(*at),
                    "from takes kind names: `from song, album`".into(),
                )),
            }
        }
        if rest.is_empty() {
            self.errors
                .push((here(0), "from needs a kind: `from song`".into()));
        }
    }

    /// The type of `field` in the queried kinds (the first kind that has it), or an error.
    fn field_type(&mut self, field: &str, at: Position) -> Option<FieldType> {
        let config = self.cx.config;
        let found = self
            .query
            .kinds
            .iter()
            .flat_map(|&k| config.kinds[k].fields.iter())
            .find(|f| f.key == field);
        match found {
            Some(f) => Some(f.ty.clone()),
            None => {
                let kinds: Vec<&str> = self
                    .query
                    .kinds
                    .iter()
                    .map(|&k| config.kinds[k].id.as_str())
                    .collect();
                let mut known: Vec<&str> = self
                    .query
                    .kinds
                    .iter()
                    .flat_map(|&k| config.kinds[k].fields.iter().map(|f| f.key.as_str()))
                    .collect();
                known.sort_unstable();
                known.dedup();
                self.errors.push((
                    at,
                    format!(
                        "unknown field '{field}' for {} (fields: {})",
                        if kinds.is_empty() {
                            "the queried kinds".to_string()
                        } else {
                            kinds.join(", ")
                        },
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
                None
            }
        }
    }

    fn condition(
        &mut self,
        toks: &[(Tok, usize)],
        here: &dyn Fn(usize) -> Position,
        line_at: usize,
    ) {
        let word = |i: usize| match toks.get(i) {
            Some((Tok::Word(w), _)) => Some(w.to_lowercase()),
            _ => None,
        };
        let at = |i: usize| here(toks.get(i).map_or(line_at, |t| t.1));
        // `... as of DATE` at the end.
        let (toks, as_of) = match toks.len() {
            n if n >= 3
                && word(n - 3).as_deref() == Some("as")
                && word(n - 2).as_deref() == Some("of") =>
            {
                let date = match &toks[n - 1].0 {
                    Tok::Word(w) | Tok::Str(w) => PartialDate::parse(w),
                    _ => None,
                };
                match date {
                    Some(d) => (&toks[..n - 3], Some((d, at(n - 3)))),
                    None => {
                        self.errors.push((
                            at(n - 1),
                            "as of takes a year, a month (2023-12) or a date".into(),
                        ));
                        return;
                    }
                }
            }
            _ => (toks, None),
        };
        let first = match toks.first() {
            Some((Tok::Word(w), _)) => w.clone(),
            _ => {
                self.errors
                    .push((at(0), "expected a condition such as `artist = this`".into()));
                return;
            }
        };
        let no_as_of = |p: &mut Self| {
            if let Some((_, pos)) = as_of {
                p.errors.push((
                    pos,
                    "as of applies to `FIELD = this` and `this.FIELD`".into(),
                ));
            }
        };
        // links here
        if toks.len() == 2
            && first.eq_ignore_ascii_case("links")
            && word(1).as_deref() == Some("here")
        {
            no_as_of(self);
            self.query.conditions.push(Condition::LinksHere);
            return;
        }
        // this.FIELD
        if let Some(field) = first.strip_prefix("this.") {
            if toks.len() != 1 {
                self.errors.push((
                    at(1),
                    "after this.FIELD only `as of DATE` may follow".into(),
                ));
                return;
            }
            let config = self.cx.config;
            let Some(kind) = self.cx.this_kind else {
                self.errors.push((
                    at(0),
                    "this.FIELD needs a page of a kind (the home page has no fields)".into(),
                ));
                return;
            };
            match config.kinds[kind].fields.iter().find(|f| f.key == field) {
                Some(f) if matches!(f.ty, FieldType::Link(_)) => {
                    self.relational = true;
                    self.query.conditions.push(Condition::NamedByThis {
                        field: field.to_string(),
                        as_of: as_of.map(|a| a.0),
                    });
                }
                Some(_) => self
                    .errors
                    .push((at(0), format!("field '{field}' does not link to pages"))),
                None => self.errors.push((
                    at(0),
                    format!(
                        "this page's kind '{}' has no field '{field}'",
                        config.kinds[kind].id
                    ),
                )),
            }
            return;
        }
        let Some(ty) = self.field_type(&first, at(0)) else {
            return;
        };
        let field = first;
        match &toks[1..] {
            [(Tok::Word(w), _)] if w.eq_ignore_ascii_case("exists") => {
                no_as_of(self);
                self.query.conditions.push(Condition::Exists { field });
            }
            [(Tok::Word(w), _), (Tok::Str(text), _)] if w.eq_ignore_ascii_case("contains") => {
                no_as_of(self);
                if matches!(ty, FieldType::Text | FieldType::List) {
                    self.query.conditions.push(Condition::Contains { field, text: text.clone() });
                } else {
                    self.errors.push((at(1), format!("contains needs a text or list field; '{field}' is {}", type_name(&ty))));
                }
            }
            [(Tok::Op(op), _), (value, value_at)] => {
                let value_pos = here(*value_at);
                self.compare(field, &ty, *op, value, value_pos, as_of, &no_as_of);
            }
            _ => self.errors.push((
                at(1.min(toks.len().saturating_sub(1))),
                "expected `FIELD = this`, `FIELD = \"text\"`, `FIELD >= 2010`, `FIELD contains \"x\"` or `FIELD exists`".into(),
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        field: String,
        ty: &FieldType,
        op: Op,
        value: &Tok,
        value_pos: Position,
        as_of: Option<(PartialDate, Position)>,
        no_as_of: &dyn Fn(&mut Self),
    ) {
        let equality = matches!(op, Op::Eq | Op::Ne);
        match (ty, value) {
            (FieldType::Link(_), Tok::Word(w)) if w.eq_ignore_ascii_case("this") && equality => {
                if as_of.is_some() && op == Op::Ne {
                    self.errors
                        .push((value_pos, "as of applies to `=`, not `!=`".into()));
                    return;
                }
                self.relational |= op == Op::Eq;
                self.query.conditions.push(Condition::Links {
                    field,
                    target: Target::This,
                    as_of: as_of.map(|a| a.0),
                    negate: op == Op::Ne,
                });
            }
            (FieldType::Link(_), Tok::Str(name) | Tok::Wiki(name)) if equality => {
                match self.cx.index.resolve(name) {
                    Resolution::Found(p) => self.query.conditions.push(Condition::Links {
                        field,
                        target: Target::Page(p),
                        as_of: as_of.map(|a| a.0),
                        negate: op == Op::Ne,
                    }),
                    Resolution::Ambiguous(_) => self.errors.push((
                        value_pos,
                        format!("\"{name}\" names several pages: use a full title"),
                    )),
                    Resolution::Missing => self.errors.push((
                        value_pos,
                        format!("no page is titled or aliased \"{name}\""),
                    )),
                }
            }
            (FieldType::Link(_), _) => self.errors.push((
                value_pos,
                format!("'{field}' links to pages: compare it with `= this` or `= [[Page]]`"),
            )),
            (_, Tok::Word(w)) if w.eq_ignore_ascii_case("this") => self.errors.push((
                value_pos,
                format!(
                    "'{field}' is {}, not a link: it cannot name this page",
                    type_name(ty)
                ),
            )),
            (FieldType::Year | FieldType::Number, Tok::Word(w)) => {
                no_as_of(self);
                match w.replace('_', "").parse::<f64>() {
                    Ok(n) => self.query.conditions.push(Condition::Compare {
                        field,
                        op,
                        value: Scalar::Number(n),
                    }),
                    Err(_) => self.errors.push((
                        value_pos,
                        format!(
                            "'{field}' is {}: compare it with a number, not '{w}'",
                            type_name(ty)
                        ),
                    )),
                }
            }
            (FieldType::Date, Tok::Word(w) | Tok::Str(w)) => {
                no_as_of(self);
                match PartialDate::parse(w) {
                    Some(d) => self.query.conditions.push(Condition::Compare { field, op, value: Scalar::Date(d) }),
                    None => self.errors.push((value_pos, format!("'{field}' is a date: compare it with 2018, 2018-05 or 2018-05-04, not '{w}'"))),
                }
            }
            (FieldType::Text | FieldType::List | FieldType::Url, Tok::Str(text)) if equality => {
                no_as_of(self);
                self.query.conditions.push(Condition::TextIs {
                    field,
                    text: text.clone(),
                    negate: op == Op::Ne,
                });
            }
            (FieldType::Text | FieldType::List | FieldType::Url, _) => self.errors.push((
                value_pos,
                format!(
                    "'{field}' is {}: compare it with = or != and a quoted text",
                    type_name(ty)
                ),
            )),
            (FieldType::Year | FieldType::Number, _) => self.errors.push((
                value_pos,
                format!(
                    "'{field}' is {}: compare it with a number, not a text",
                    type_name(ty)
                ),
            )),
            (FieldType::Date, _) => self.errors.push((
                value_pos,
                format!("'{field}' is a date: compare it with a date"),
            )),
        }
    }

    /// A comma-separated list of columns.
    fn list(
        &mut self,
        rest: &[(Tok, usize)],
        here: &dyn Fn(usize) -> Position,
        what: &str,
    ) -> Vec<(Column, Position, String)> {
        let mut out = Vec::new();
        for (tok, at) in rest {
            match tok {
                Tok::Comma => {}
                Tok::Word(w) => out.push((column_of(w), here(*at), w.clone())),
                _ => self.errors.push((here(*at), format!("{what} takes column names: title, kind, summary, a field, role, since, until, period"))),
            }
        }
        if out.is_empty() {
            self.errors
                .push((here(0), format!("{what} needs at least one column")));
        }
        out
    }

    fn sort(&mut self, rest: &[(Tok, usize)], here: &dyn Fn(usize) -> Position) {
        for part in rest.split(|(t, _)| *t == Tok::Comma) {
            match part {
                [(Tok::Word(w), at)] => {
                    self.query.sort.push((column_of(w), false));
                    self.pending.push((column_of(w), here(*at), w.clone()));
                }
                [(Tok::Word(w), at), (Tok::Word(dir), dir_at)] => {
                    let desc = match dir.to_lowercase().as_str() {
                        "desc" => true,
                        "asc" => false,
                        _ => {
                            self.errors.push((
                                here(*dir_at),
                                format!("sort order is asc or desc, not '{dir}'"),
                            ));
                            continue;
                        }
                    };
                    self.query.sort.push((column_of(w), desc));
                    self.pending.push((column_of(w), here(*at), w.clone()));
                }
                [] => {}
                [(_, at), ..] => self
                    .errors
                    .push((here(*at), "write `sort year desc, title`".into())),
            }
        }
    }

    fn check_column(&mut self, column: &Column, at: Position, word: &str) {
        match column {
            Column::Field(f) => {
                let _ = self.field_type(f, at);
            }
            Column::Role | Column::Since | Column::Until | Column::Period if !self.relational => {
                self.errors.push((
                    at,
                    format!("'{word}' is a column of a relation: add a condition `FIELD = this` or `this.FIELD`"),
                ));
            }
            _ => {}
        }
    }
}

fn column_of(word: &str) -> Column {
    match word.to_lowercase().as_str() {
        "title" | "name" | "page" => Column::Title,
        "kind" => Column::Kind,
        "summary" => Column::Summary,
        "role" => Column::Role,
        "since" | "from" => Column::Since,
        "until" => Column::Until,
        "period" => Column::Period,
        _ => Column::Field(word.to_string()),
    }
}

fn type_name(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Text => "text",
        FieldType::Year => "a year",
        FieldType::Date => "a date",
        FieldType::Number => "a number",
        FieldType::List => "a list",
        FieldType::Url => "a URL",
        FieldType::Link(_) => "a link",
    }
}

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
    let infobox = &input.graph.infobox[page];
    p.fields
        .iter()
        .enumerate()
        .filter(move |(_, fv)| kind.fields[fv.field].key == key)
        .flat_map(move |(k, fv)| {
            let items: &[FieldItem] = infobox.get(k).map_or(&[], |r| &r.1);
            let terms: Vec<Option<&Term>> = match &fv.value {
                Value::Links(names) => names.iter().map(|l| l.term.as_ref()).collect(),
                _ => Vec::new(),
            };
            items
                .iter()
                .enumerate()
                .map(move |(j, item)| (item.page(), terms.get(j).copied().flatten()))
        })
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
