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
//! fields, type mismatches and syntax errors are errors at their line and column). This module
//! is the syntax only, and knows nothing of the link graph; `tables` evaluates a parsed query
//! after the graph. Pure: no file system.

use crate::config::{Config, FieldType, KindId};
use crate::content::PageId;
use crate::diagnostics::Position;
use crate::names::{Index, Resolution};
use crate::period::PartialDate;

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

/// A line's tokens, each with its byte offset in the line.
type Tokens = [(Tok, usize)];

/// An `as of DATE` and where it is written.
type AsOf = (PartialDate, Position);

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

    /// One condition of a `where` line: `links here`, `this.FIELD`, or `FIELD …`, each with an
    /// optional `as of DATE` at the end.
    fn condition(
        &mut self,
        toks: &[(Tok, usize)],
        here: &dyn Fn(usize) -> Position,
        line_at: usize,
    ) {
        let at = |i: usize| here(toks.get(i).map_or(line_at, |t| t.1));
        let Some((toks, as_of)) = self.split_as_of(toks, &at) else {
            return;
        };
        let Some((Tok::Word(first), _)) = toks.first() else {
            self.errors
                .push((at(0), "expected a condition such as `artist = this`".into()));
            return;
        };
        if toks.len() == 2
            && first.eq_ignore_ascii_case("links")
            && matches!(&toks[1].0, Tok::Word(w) if w.eq_ignore_ascii_case("here"))
        {
            self.refuse_as_of(as_of);
            self.query.conditions.push(Condition::LinksHere);
        } else if let Some(field) = first.strip_prefix("this.") {
            match toks.len() {
                1 => self.named_by_this(field, as_of, at(0)),
                _ => self.errors.push((
                    at(1),
                    "after this.FIELD only `as of DATE` may follow".into(),
                )),
            }
        } else if let Some(ty) = self.field_type(first, at(0)) {
            self.field_condition((first.clone(), at(0)), &ty, &toks[1..], as_of, here);
        }
    }

    /// Takes `as of DATE` off the end of a condition: the rest and the date with its place, or
    /// `None` (with an error) when the date is not one.
    fn split_as_of<'t>(
        &mut self,
        toks: &'t Tokens,
        at: &dyn Fn(usize) -> Position,
    ) -> Option<(&'t Tokens, Option<AsOf>)> {
        let is = |i: usize, word: &str| matches!(&toks[i].0, Tok::Word(w) if w.eq_ignore_ascii_case(word));
        let n = toks.len();
        if n < 3 || !is(n - 3, "as") || !is(n - 2, "of") {
            return Some((toks, None));
        }
        let date = match &toks[n - 1].0 {
            Tok::Word(w) | Tok::Str(w) => PartialDate::parse(w),
            _ => None,
        };
        match date {
            Some(d) => Some((&toks[..n - 3], Some((d, at(n - 3))))),
            None => {
                self.errors.push((
                    at(n - 1),
                    "as of takes a year, a month (2023-12) or a date".into(),
                ));
                None
            }
        }
    }

    /// An `as of` where the condition takes none is an error at the `as`.
    fn refuse_as_of(&mut self, as_of: Option<AsOf>) {
        if let Some((_, pos)) = as_of {
            self.errors.push((
                pos,
                "as of applies to `FIELD = this` and `this.FIELD`".into(),
            ));
        }
    }

    /// `this.FIELD [as of DATE]`: the rows this page's own link field names.
    fn named_by_this(&mut self, field: &str, as_of: Option<AsOf>, at: Position) {
        let config = self.cx.config;
        let Some(kind) = self.cx.this_kind else {
            self.errors.push((
                at,
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
                .push((at, format!("field '{field}' does not link to pages"))),
            None => self.errors.push((
                at,
                format!(
                    "this page's kind '{}' has no field '{field}'",
                    config.kinds[kind].id
                ),
            )),
        }
    }

    /// `FIELD exists`, `FIELD contains "x"` or `FIELD OP VALUE` (`rest` is what follows the
    /// field), checked against the field's type.
    fn field_condition(
        &mut self,
        (field, field_at): (String, Position),
        ty: &FieldType,
        rest: &[(Tok, usize)],
        as_of: Option<AsOf>,
        here: &dyn Fn(usize) -> Position,
    ) {
        match rest {
            [(Tok::Word(w), _)] if w.eq_ignore_ascii_case("exists") => {
                self.refuse_as_of(as_of);
                self.query.conditions.push(Condition::Exists { field });
            }
            [(Tok::Word(w), at), (Tok::Str(text), _)] if w.eq_ignore_ascii_case("contains") => {
                self.refuse_as_of(as_of);
                if matches!(ty, FieldType::Text | FieldType::List) {
                    self.query.conditions.push(Condition::Contains { field, text: text.clone() });
                } else {
                    self.errors.push((
                        here(*at),
                        format!("contains needs a text or list field; '{field}' is {}", type_name(ty)),
                    ));
                }
            }
            [(Tok::Op(op), _), (value, value_at)] => {
                self.compare(field, ty, *op, value, here(*value_at), as_of);
            }
            _ => self.errors.push((
                rest.first().map_or(field_at, |t| here(t.1)),
                "expected `FIELD = this`, `FIELD = \"text\"`, `FIELD >= 2010`, `FIELD contains \"x\"` or `FIELD exists`".into(),
            )),
        }
    }

    /// `FIELD OP VALUE`, with an `as of` only on `FIELD = this` and `FIELD = [[Page]]`.
    fn compare(
        &mut self,
        field: String,
        ty: &FieldType,
        op: Op,
        value: &Tok,
        value_pos: Position,
        as_of: Option<AsOf>,
    ) {
        let equality = matches!(op, Op::Eq | Op::Ne);
        match (ty, value) {
            (FieldType::Link(_), _) => self.compare_link(field, op, value, value_pos, as_of),
            (_, Tok::Word(w)) if w.eq_ignore_ascii_case("this") => self.errors.push((
                value_pos,
                format!(
                    "'{field}' is {}, not a link: it cannot name this page",
                    type_name(ty)
                ),
            )),
            (FieldType::Year | FieldType::Number, Tok::Word(w)) => {
                self.refuse_as_of(as_of);
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
                self.refuse_as_of(as_of);
                match PartialDate::parse(w) {
                    Some(d) => self.query.conditions.push(Condition::Compare { field, op, value: Scalar::Date(d) }),
                    None => self.errors.push((value_pos, format!("'{field}' is a date: compare it with 2018, 2018-05 or 2018-05-04, not '{w}'"))),
                }
            }
            (FieldType::Text | FieldType::List | FieldType::Url, Tok::Str(text)) if equality => {
                self.refuse_as_of(as_of);
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

    /// `FIELD = this` or `FIELD = [[Page]]` (and `!=`) on a link field; anything else is an
    /// error saying what it takes.
    fn compare_link(
        &mut self,
        field: String,
        op: Op,
        value: &Tok,
        value_pos: Position,
        as_of: Option<AsOf>,
    ) {
        let equality = matches!(op, Op::Eq | Op::Ne);
        match value {
            Tok::Word(w) if w.eq_ignore_ascii_case("this") && equality => {
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
            Tok::Str(name) | Tok::Wiki(name) if equality => match self.cx.index.resolve(name) {
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
            },
            _ => self.errors.push((
                value_pos,
                format!("'{field}' links to pages: compare it with `= this` or `= [[Page]]`"),
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
