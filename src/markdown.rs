//! Markdown to HTML in one pass over pulldown-cmark's events, resolving `[[wikilinks]]` through
//! the [`Index`] and recording what the graph needs: outgoing links with the sentence around
//! them, headings, citations and uncited paragraphs.
//!
//! Wikilinks use pulldown-cmark's own parser (`ENABLE_WIKILINKS`). Inside a table the `|` of
//! `[[Target|label]]` would split the cell, so such pipes are escaped before parsing
//! (`escape_table_pipes`, a line scan) and the offsets mapped back; in code, where the scan may
//! have taken a line for a table row, the backslashes are taken out again, and code spans and
//! code blocks are never searched for footnote references.
//!
//! Raw HTML is passed through, but not as written. Each HTML block (whole, though pulldown-cmark
//! gives it line by line) and each inline HTML span is read by [`crate::raw_html`]: comments are
//! dropped silently wherever they are; processing instructions (`<?…?>`), declarations (`<!…>`)
//! and CDATA sections are dropped with a warning; a tag never closed with `>` is shown as text
//! with a warning, since it would swallow what follows. What is left goes into the page, which is
//! then passed whole through the sanitizer's allow-list ([`crate::sanitize`]); every element,
//! attribute, URL scheme and style property the allow-list will remove is warned about here, at
//! its tag (`unsafe-html`, `unsafe-link`), and HTML nested deeper than [`MAX_HTML_DEPTH`] is an
//! error. A page without raw HTML (after its comments are dropped) never meets the sanitizer.
//!
//! Markdown links and images whose scheme (as a browser reads it: [`urls::scheme`]) is not
//! http, https, mailto or tel are disabled (`href="#"`) with a warning; a root-relative URL gets
//! the site's base path. `tests/it/markdown_spec.rs` runs the CommonMark spec through this pass
//! and lists every way the output differs from the spec's, with its reason.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::config::{Config, KindId};
use crate::content::{Page, PageId};
use crate::diagnostics::{Budget, Diagnostic, Locator, Position};
use crate::names::{Index, Resolution, slugify};
use crate::urls::{self, escape_html};

/// What rendering needs to know about the rest of the site.
pub struct Resolver<'a> {
    pub config: &'a Config,
    pub index: &'a Index,
    pub pages: &'a [Page],
    /// The href of every page, by id.
    pub hrefs: &'a [String],
    /// The kind whose pages are citable sources (`source`), if declared.
    pub source_kind: Option<KindId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutLink {
    pub target: PageId,
    /// The heading id a `[[Target#Heading]]` link points at.
    pub anchor: Option<String>,
    /// Where the link is in the page's file (located here, so that later stages need not
    /// keep the page's text to report a problem with the link).
    pub at: Position,
    /// The sentence around the link, as plain text; shared with the backlinks that show it.
    pub context: std::sync::Arc<str>,
    /// Links inside a footnote that cite a source are citations, not backlinks.
    pub is_citation: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedLink {
    pub target: String,
    pub offset: usize,
}

#[derive(Debug, Clone, Default)]
pub struct RenderedBody {
    pub html: String,
    pub footnotes_html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<OutLink>,
    pub red_links: Vec<RedLink>,
    /// Links to pages that exist but failed to load (indices into `Corpus::broken`): not red
    /// links, and counted once on the broken page's own error.
    pub broken_links: Vec<usize>,
    /// Source pages cited in footnotes, in order of first citation.
    pub citations: Vec<PageId>,
    /// Where the top-level paragraphs that state something but carry no footnote start.
    pub uncited_paragraphs: Vec<Position>,
    /// Plain text of the first paragraph, for summaries and previews.
    pub first_paragraph: String,
    /// Plain text of the body, for search.
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The `query` blocks, in order, and where each table goes in `html` (byte offsets).
    pub queries: Vec<crate::query::Query>,
    pub query_at: Vec<usize>,
}

/// Stands in the HTML for a query's table until `finish` records where it is. Noncharacters
/// are for a program's internal use: no page text has them (`render` replaces any).
const QUERY_MARK: &str = "\u{FDD0}query\u{FDD0}";
const QUERY_MARK_CHAR: &str = "\u{FDD0}";

/// Heading ids the templates use themselves; headings never take them.
const RESERVED_IDS: &[&str] = &[
    "top",
    "content",
    "toc",
    "infobox",
    "notes",
    "footnotes",
    "relations",
    "what-links-here",
    "categories",
    "search",
    "main",
];

/// Paragraphs shorter than this (in characters) need no citation: "See also", captions.
const CITATION_MIN_CHARS: usize = 60;

/// Text kept for the search index per page.
const SEARCH_TEXT_CHARS: usize = 4000;

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Deepest nesting of raw HTML elements a page may have (`State::track_html_depth`). Browsers
/// themselves stop nesting at about 512.
pub const MAX_HTML_DEPTH: usize = 256;

/// Elements that never have a closing tag.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Renders the Markdown `text[body_offset..]` of the file at `path`.
pub fn render(resolver: &Resolver, path: &str, text: &str, body_offset: usize) -> RenderedBody {
    // The query mark's character cannot come from the page: any is replaced by U+FFFD, which
    // has as many bytes, so every offset stays where it was.
    let marked;
    let text = if memchr::memmem::find(text.as_bytes(), QUERY_MARK_CHAR.as_bytes()).is_some() {
        marked = text.replace(QUERY_MARK_CHAR, "\u{FFFD}");
        marked.as_str()
    } else {
        text
    };
    let body = &text[body_offset..];
    let (source, inserted) = escape_table_pipes(body);
    let mut state = State::new(resolver, path, text, body_offset, &source, &inserted);
    for (event, range) in Parser::new_ext(&source, options()).into_offset_iter() {
        state.event(event, range);
    }
    if source.contains("[^") {
        state.undefined_footnotes(&source);
    }
    state.finish()
}

struct HeadingBuffer<'a> {
    level: u8,
    id: Option<String>,
    events: Vec<Event<'a>>,
    text: String,
}

struct Paragraph {
    at: Position,
    /// Characters of text, counted up to `CITATION_MIN_CHARS` (all that is asked of it).
    chars: usize,
    cited: bool,
    first: bool,
}

struct State<'r, 'a> {
    r: &'r Resolver<'r>,
    path: &'r str,
    text: &'r str,
    body_offset: usize,
    /// The body as parsed (with `escape_table_pipes`' backslashes).
    source: &'r str,
    inserted: &'r [usize],
    out: Vec<Event<'a>>,
    heading: Option<HeadingBuffer<'a>>,
    footnote: Option<(String, Vec<Event<'a>>)>,
    footnote_defs: HashMap<String, (Vec<Event<'a>>, usize)>,
    footnote_numbers: Vec<(String, usize, usize)>, // label, references, offset of first
    /// Label → its place in `footnote_numbers`.
    footnote_index: HashMap<String, usize>,
    /// For each open link: did we open it as raw HTML (`true`) or as a Markdown event?
    link_stack: Vec<bool>,
    /// The open wikilink: how many pieces of text the page had when it opened, its target and
    /// where it is, so a link with no text (`[[X|]]`) gets a warning and its target as text.
    open_wikilink: Option<(usize, String, usize)>,
    /// Pieces of text added so far (see `open_wikilink`).
    texts: usize,
    /// Inside a wikilink embed that became an image: skip its label.
    skip_image_label: bool,
    /// The page has raw HTML: its output goes through the sanitizer.
    has_raw_html: bool,
    /// Diagnostics per code, capped (`Budget`).
    budget: Budget,
    /// The pages in `result.citations`, for a constant-time repeat check.
    cited: HashSet<PageId>,
    /// The HTML block being read: its lines joined, and where each line starts in it and in
    /// the (escaped) body. pulldown-cmark gives a block line by line; it is judged whole.
    html_block: Option<(String, Vec<(usize, usize)>)>,
    /// Inside a `query` block: where it starts, and its lines with their positions.
    query_block: Option<(Position, Vec<(String, Position)>)>,
    /// Inside a code block: its text is shown as written.
    in_code_block: bool,
    /// Where code spans and code blocks are in the (escaped) body, in order: no footnote
    /// reference is looked for there.
    code_ranges: Vec<std::ops::Range<usize>>,
    /// How deep the raw HTML seen so far nests (`track_html_depth`).
    html_depth: usize,
    html_too_deep: bool,
    block_text: String,
    pending_context: Vec<(usize, usize)>,
    containers: usize,
    paragraph: Option<Paragraph>,
    seen_targets: HashSet<PageId>,
    used_ids: HashMap<String, usize>,
    /// Locates links and paragraphs (their offsets grow through the page).
    locator: Locator<'r>,
    result: RenderedBody,
}

impl<'r, 'a> State<'r, 'a> {
    fn new(
        r: &'r Resolver<'r>,
        path: &'r str,
        text: &'r str,
        body_offset: usize,
        source: &'r str,
        inserted: &'r [usize],
    ) -> Self {
        State {
            r,
            path,
            text,
            body_offset,
            source,
            inserted,
            // About one event per 16 bytes of Markdown, so the buffer rarely grows.
            out: Vec::with_capacity(text.len().saturating_sub(body_offset) / 16),
            heading: None,
            footnote: None,
            footnote_defs: HashMap::default(),
            footnote_numbers: Vec::new(),
            footnote_index: HashMap::default(),
            link_stack: Vec::new(),
            open_wikilink: None,
            texts: 0,
            skip_image_label: false,
            has_raw_html: false,
            budget: Budget::default(),
            cited: HashSet::default(),
            html_block: None,
            query_block: None,
            in_code_block: false,
            code_ranges: Vec::new(),
            html_depth: 0,
            html_too_deep: false,
            block_text: String::new(),
            pending_context: Vec::new(),
            containers: 0,
            paragraph: None,
            seen_targets: HashSet::default(),
            used_ids: RESERVED_IDS.iter().map(|s| (s.to_string(), 1)).collect(),
            locator: Locator::new(text),
            result: RenderedBody {
                // The search text stops at its cap: reserved once.
                text: String::with_capacity(SEARCH_TEXT_CHARS.min(text.len()) + 64),
                ..RenderedBody::default()
            },
        }
    }

    /// Maps an offset in the (possibly escaped) body back to the file.
    fn file_offset(&self, offset: usize) -> usize {
        self.body_offset + offset - self.inserted.partition_point(|&i| i < offset)
    }

    fn emit(&mut self, event: Event<'a>) {
        if let Some(h) = &mut self.heading {
            h.events.push(event);
        } else if let Some((_, events)) = &mut self.footnote {
            events.push(event);
        } else {
            self.out.push(event);
        }
    }

    fn html(&mut self, html: String) {
        self.emit(Event::InlineHtml(html.into()));
    }

    fn add_text(&mut self, text: &str) {
        if !text.trim().is_empty() {
            self.texts += 1;
        }
        self.block_text.push_str(text);
        if let Some(h) = &mut self.heading {
            h.text.push_str(text);
        }
        if let Some(p) = &mut self.paragraph {
            // Only compared with the minimum: no need to count past it.
            if p.chars < CITATION_MIN_CHARS {
                p.chars += text.chars().count();
            }
            if p.first {
                self.result.first_paragraph.push_str(text);
            }
        }
        if self.footnote.is_none() && self.result.text.len() < SEARCH_TEXT_CHARS {
            if !self.result.text.is_empty()
                && self.heading.is_none()
                && self.block_text.len() == text.len()
            {
                self.result.text.push(' ');
            }
            self.result.text.push_str(text);
        }
    }

    /// Takes one event of pulldown-cmark: links and wikilinks, headings, footnotes,
    /// paragraphs and the blocks that contain them, text and code, raw HTML; the others pass
    /// through.
    fn event(&mut self, event: Event<'a>, range: std::ops::Range<usize>) {
        let offset = range.start;
        match event {
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { .. },
                dest_url,
                ..
            }) => self.start_wikilink(&dest_url, offset),
            Event::Start(Tag::Image {
                link_type: LinkType::WikiLink { .. },
                dest_url,
                ..
            }) => self.start_wikilink_embed(&dest_url, offset),
            Event::End(TagEnd::Image) if self.skip_image_label => self.skip_image_label = false,
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => self.end_link(event),
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                self.start_link(tag, offset)
            }
            Event::Start(Tag::Heading { level, id, .. }) => {
                self.flush_context();
                self.heading = Some(HeadingBuffer {
                    level: level as u8,
                    id: id.map(|i| i.to_string()),
                    events: Vec::new(),
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading(),
            Event::Start(Tag::FootnoteDefinition(label)) => {
                self.start_footnote_definition(&label, offset)
            }
            Event::End(TagEnd::FootnoteDefinition) => self.end_footnote_definition(),
            Event::FootnoteReference(label) => self.footnote_reference(&label, offset),
            Event::Start(Tag::Paragraph) => self.start_paragraph(offset),
            Event::End(TagEnd::Paragraph) => self.end_paragraph(event),
            Event::Start(tag @ (Tag::List(_) | Tag::BlockQuote(_) | Tag::Table(_))) => {
                self.flush_context();
                self.containers += 1;
                if matches!(tag, Tag::Table(_)) {
                    // A table wider than a phone scrolls in its own focusable region instead of
                    // widening the page.
                    self.html(
                        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Table\">"
                            .to_string(),
                    );
                }
                self.emit(Event::Start(tag));
            }
            Event::End(end @ (TagEnd::List(_) | TagEnd::BlockQuote(_) | TagEnd::Table)) => {
                self.flush_context();
                self.containers = self.containers.saturating_sub(1);
                let table = matches!(end, TagEnd::Table);
                self.emit(Event::End(end));
                if table {
                    self.html("</div>".to_string());
                }
            }
            Event::Start(tag @ (Tag::Item | Tag::TableCell)) => {
                self.flush_context();
                self.emit(Event::Start(tag));
            }
            Event::End(end @ (TagEnd::Item | TagEnd::TableCell)) => {
                self.flush_context();
                self.emit(Event::End(end));
            }
            Event::Text(text) if self.query_block.is_none() => self.text(text, &range),
            Event::Code(code) => self.code(code, range),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.trim() == "query" && self.heading.is_none() && self.footnote.is_none() =>
            {
                self.flush_context();
                let at = self.locator.locate(self.file_offset(range.start));
                self.code_ranges.push(range);
                self.query_block = Some((at, Vec::new()));
            }
            Event::Text(text) if self.query_block.is_some() => self.query_text(&text, &range),
            Event::End(TagEnd::CodeBlock) if self.query_block.is_some() => self.end_query(),
            Event::Start(Tag::CodeBlock(kind)) => {
                self.code_ranges.push(range);
                self.in_code_block = true;
                self.emit(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                self.in_code_block = false;
                self.emit(event);
            }
            Event::Start(Tag::HtmlBlock) => self.html_block = Some((String::new(), Vec::new())),
            Event::Html(html) => match &mut self.html_block {
                Some((block, lines)) => {
                    lines.push((block.len(), offset));
                    block.push_str(&html);
                }
                None => self.raw_html(&html, &[(0, offset)], false),
            },
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((block, lines)) = self.html_block.take() {
                    self.raw_html(&block, &lines, true);
                }
            }
            Event::InlineHtml(html) => self.raw_html(&html, &[(0, offset)], false),
            Event::SoftBreak => {
                self.add_text(" ");
                self.emit(Event::SoftBreak);
            }
            other => self.emit(other),
        }
    }

    /// A Markdown link or image: an unsafe URL scheme is disabled, a root-relative URL gets
    /// the base path.
    fn start_link(&mut self, mut tag: Tag<'a>, offset: usize) {
        if let Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } = &mut tag {
            let url = std::mem::replace(dest_url, CowStr::Borrowed(""));
            *dest_url = self.safe_url(url, offset);
        }
        self.link_stack.push(false);
        self.emit(Event::Start(tag));
    }

    /// A wikilink embed (`![[...]]`): an image file becomes an `<img>` (its label is skipped),
    /// anything else is a wikilink.
    fn start_wikilink_embed(&mut self, dest_url: &str, offset: usize) {
        if is_image_file(dest_url) {
            let src = urls::href(self.r.config, dest_url.trim_start_matches('/'));
            self.html(format!(
                "<img src=\"{}\" alt=\"{}\">",
                escape_html(&src),
                escape_html(dest_url)
            ));
            self.skip_image_label = true;
        } else {
            self.start_wikilink(dest_url, offset);
        }
    }

    /// The end of a link or image: a wikilink is closed here (one with no text gets its
    /// target as text, and a warning); a Markdown one passes through.
    fn end_link(&mut self, event: Event<'a>) {
        if self.link_stack.pop().unwrap_or(false) {
            if let Some((texts, target, at)) = self.open_wikilink.take()
                && texts == self.texts
            {
                self.report(
                    Diagnostic::warning(
                        "empty-link",
                        self.path,
                        format!("the link to \"{target}\" has no text after '|'; its target is shown instead"),
                    )
                    .note("write [[Target]] or [[Target|text]]"),
                    at,
                );
                self.add_text(&target);
                self.html(escape_html(&target));
            }
            self.html("</a>".into());
        } else {
            self.emit(event);
        }
    }

    /// A footnote definition opens: its events are kept aside until `finish` places them.
    fn start_footnote_definition(&mut self, label: &str, offset: usize) {
        self.flush_context();
        self.containers += 1;
        self.footnote = Some((label.to_string(), Vec::new()));
        let file_offset = self.file_offset(offset);
        self.footnote_defs
            .entry(label.to_string())
            .or_insert((Vec::new(), file_offset));
    }

    fn end_footnote_definition(&mut self) {
        self.flush_context();
        self.containers = self.containers.saturating_sub(1);
        if let Some((label, events)) = self.footnote.take() {
            let offset = self.footnote_defs.get(&label).map_or(0, |d| d.1);
            self.footnote_defs.insert(label, (events, offset));
        }
    }

    /// A paragraph opens; one at the top level (not in a list, quote, table, footnote or
    /// heading) is watched for a citation.
    fn start_paragraph(&mut self, offset: usize) {
        self.flush_context();
        if self.containers == 0 && self.heading.is_none() {
            let first = self.result.first_paragraph.is_empty();
            let at = self.locator.locate(self.file_offset(offset));
            self.paragraph = Some(Paragraph {
                at,
                chars: 0,
                cited: false,
                first,
            });
        }
        self.emit(Event::Start(Tag::Paragraph));
    }

    /// A paragraph ends: a long top-level one with no citation, that does not introduce a
    /// list, is recorded as uncited.
    fn end_paragraph(&mut self, event: Event<'a>) {
        let introduces_list = self.block_text.trim_end().ends_with(':');
        self.flush_context();
        if let Some(p) = self.paragraph.take()
            && !p.cited
            && !introduces_list
            && p.chars >= CITATION_MIN_CHARS
        {
            self.result.uncited_paragraphs.push(p.at);
        }
        self.emit(event);
    }

    /// A piece of a `query` block: its lines, each with where it starts in the file.
    fn query_text(&mut self, text: &str, range: &std::ops::Range<usize>) {
        let start = self.file_offset(range.start);
        let mut lines = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            lines.push((
                line.trim_end_matches(['\n', '\r']).to_string(),
                self.locator.locate(start + offset),
            ));
            offset += line.len();
        }
        if let Some((_, block)) = &mut self.query_block {
            block.extend(lines);
        }
    }

    /// The end of a `query` block: parsed and checked now, evaluated after the link graph;
    /// a mark holds its place in the HTML.
    fn end_query(&mut self) {
        let Some((at, lines)) = self.query_block.take() else {
            return;
        };
        let Some(this_kind) = self.r.config.kind_of_path(self.path) else {
            self.result.diagnostics.push(
                Diagnostic::error(
                    "query",
                    self.path,
                    "query: a query block works on a page of a kind, not on the home page",
                )
                .at(at),
            );
            return;
        };
        let cx = crate::query::Context {
            config: self.r.config,
            index: self.r.index,
            this_kind: Some(this_kind),
        };
        let borrowed: Vec<(&str, Position)> = lines.iter().map(|(l, p)| (l.as_str(), *p)).collect();
        match crate::query::parse(&borrowed, at, &cx) {
            Ok(query) => {
                self.result.queries.push(query);
                self.emit(Event::Html(format!("{QUERY_MARK}\n").into()));
            }
            Err(errors) => {
                for (position, message) in errors {
                    self.result.diagnostics.push(
                        Diagnostic::error("query", self.path, format!("query: {message}"))
                            .at(position),
                    );
                }
            }
        }
    }

    /// Text (in a code block, as written), unless it is the label of an embedded image.
    fn text(&mut self, text: CowStr<'a>, range: &std::ops::Range<usize>) {
        if !self.skip_image_label {
            let text = if self.in_code_block {
                self.unescape_code(text, range, 0)
            } else {
                text
            };
            self.add_text(&text);
            self.emit(Event::Text(text));
        }
    }

    /// A code span: its place is remembered (no footnote reference is looked for there) and
    /// its text is shown as written.
    fn code(&mut self, code: CowStr<'a>, range: std::ops::Range<usize>) {
        self.code_ranges.push(range.clone());
        let code = self.unescape_code(code, &range, 1);
        self.add_text(&code);
        self.emit(Event::Code(code));
    }

    /// Records a diagnostic at `file_offset` in the page, unless the page already has
    /// `Budget::LIMIT` of its code: locating one scans the page, so the cap keeps a page of
    /// thousands of the same problem linear.
    fn report(&mut self, diagnostic: Diagnostic, file_offset: usize) {
        if self.budget.allow(diagnostic.code) {
            let located = diagnostic.at_offset(self.text, file_offset);
            self.result.diagnostics.push(located);
        }
    }

    /// A piece of raw HTML: a whole HTML block (`lines` says where each of its lines starts in
    /// it and in the body) or one inline span. Comments are an editor's notes and go without a
    /// word; processing instructions, declarations and CDATA sections go with a warning; a tag
    /// that never ends is shown as text, with a warning (it would swallow what follows). What
    /// is left goes through the sanitizer's allow-list when the page is finished
    /// (`crate::sanitize`), and an editor is told here, at the tag, what it will remove.
    fn raw_html(&mut self, html: &str, lines: &[(usize, usize)], block: bool) {
        let scan = crate::raw_html::scan(html);
        let at = |local: usize| {
            let line = lines.partition_point(|l| l.0 <= local).saturating_sub(1);
            lines.get(line).map_or(0, |l| l.1 + local - l.0)
        };
        for (construct, local) in &scan.removed {
            if *construct != crate::raw_html::Construct::Comment {
                self.report(
                    Diagnostic::warning(
                        "unsafe-html",
                        self.path,
                        format!(
                            "{} is not HTML a page can show; it is removed from the output",
                            construct.describe()
                        ),
                    ),
                    self.file_offset(at(*local)),
                );
            }
        }
        if !scan.kept.trim().is_empty() {
            self.has_raw_html = true;
            self.warn_disallowed_html(&scan.tags, &at);
            self.track_html_depth(&scan.tags, &at);
            let kept = CowStr::from(scan.kept);
            self.emit(if block {
                Event::Html(kept)
            } else {
                Event::InlineHtml(kept)
            });
        }
        if let Some(local) = scan.unterminated {
            let tail = &html[local..];
            let name: String = tail
                .chars()
                .skip(1)
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/'))
                .collect();
            self.report(
                Diagnostic::warning(
                    "unsafe-html",
                    self.path,
                    format!("the tag <{name} is never closed with `>`; it is shown as text"),
                )
                .note("end the tag with `>`, or write `&lt;` for a `<` that starts no tag"),
                self.file_offset(at(local)),
            );
            self.emit(Event::Text(CowStr::from(tail.trim_end().to_string())));
        }
    }

    /// Follows how deep the page's raw HTML nests (an upper bound: every non-void opening tag
    /// counts until its closing tag). An HTML parser spends time proportional to the depth on
    /// every tag, so a page nesting deeper than [`MAX_HTML_DEPTH`] is an error and is never
    /// parsed: 400,000 nested `<div>`s would otherwise take minutes.
    fn track_html_depth(&mut self, tags: &[crate::raw_html::RawTag], at: &dyn Fn(usize) -> usize) {
        for tag in tags {
            if VOID_ELEMENTS.contains(&tag.name.as_str()) {
                continue;
            }
            if tag.closing {
                self.html_depth = self.html_depth.saturating_sub(1);
            } else if !tag.self_closing {
                self.html_depth += 1;
                if self.html_depth > MAX_HTML_DEPTH && !self.html_too_deep {
                    self.html_too_deep = true;
                    self.report(
                        Diagnostic::error(
                                "html-too-deep",
                                self.path,
                                format!("raw HTML nests more than {MAX_HTML_DEPTH} elements deep here"),
                            )
                            .note("close the elements you open; pages are rendered from Markdown, with a little HTML"),
                        self.file_offset(at(tag.at)),
                    );
                }
            }
        }
    }

    /// A warning, at its tag, for each element, attribute, URL and style property the
    /// sanitizer will remove from this raw HTML.
    fn warn_disallowed_html(
        &mut self,
        tags: &[crate::raw_html::RawTag],
        at: &dyn Fn(usize) -> usize,
    ) {
        use crate::sanitize;
        let mut named: Vec<(&str, &str)> = Vec::new();
        // A closing tag was warned about at its opening one.
        for tag in tags.iter().filter(|t| !t.closing) {
            let name = tag.name.as_str();
            let offset = self.file_offset(at(tag.at));
            if !sanitize::ALLOWED_TAGS.contains(&name) {
                if !named.contains(&(name, "")) {
                    let what = if sanitize::CONTENT_TAGS.contains(&name) {
                        "it is removed from the output with its content"
                    } else {
                        "it is removed from the output (its content stays)"
                    };
                    self.report(
                        Diagnostic::warning(
                            "unsafe-html",
                            self.path,
                            format!("<{name}> is not allowed in a page; {what}"),
                        )
                        .note(
                            "pages may use a small set of harmless HTML; CONTRIBUTING.md lists it",
                        ),
                        offset,
                    );
                    named.push((name, ""));
                }
                continue;
            }
            for attribute in &tag.attributes {
                let attr = attribute.name.as_str();
                if !sanitize::attribute_allowed(name, attr) {
                    if !named.contains(&(name, attr)) {
                        self.report(
                            Diagnostic::warning(
                                "unsafe-html",
                                self.path,
                                format!("the attribute {attr} is not allowed on <{name}>; it is removed from the output"),
                            )
                            .note("pages may use a small set of harmless HTML; CONTRIBUTING.md lists it"),
                            offset,
                        );
                        named.push((name, attr));
                    }
                } else if sanitize::URL_ATTRIBUTES.contains(&attr) {
                    let value = crate::raw_html::decode_references(&attribute.value);
                    if let Some(scheme) = urls::scheme(&value)
                        && !sanitize::URL_SCHEMES.contains(&scheme.as_str())
                    {
                        self.report(
                            Diagnostic::warning(
                                "unsafe-link",
                                self.path,
                                format!(
                                    "link scheme '{}:' is not allowed; the {attr} attribute is removed from the output",
                                    scheme.escape_debug()
                                ),
                            ),
                            offset,
                        );
                    }
                } else if attr == "style" {
                    let removed = attribute.value.split(';').any(|declaration| {
                        let property = declaration.split(':').next().unwrap_or("").trim();
                        !property.is_empty() && !property.eq_ignore_ascii_case("text-align")
                    });
                    if removed {
                        self.report(
                            Diagnostic::warning(
                                "unsafe-html",
                                self.path,
                                format!("only text-align is allowed in a style attribute; the rest of style=\"{}\" is removed from the output", attribute.value.escape_debug()),
                            ),
                            offset,
                        );
                    }
                }
            }
        }
    }

    /// In code, the text as written: the backslashes `escape_table_pipes` put before a
    /// wikilink's `|` (on a line it took for a table row) are taken out again. The code's
    /// text is its source with only its start changed (indentation, a code span's backticks
    /// and one space), so an inserted backslash is found counting from the end; `end_marks` is
    /// how many closing backticks follow the text (`1` for any code span: the count is read).
    fn unescape_code(
        &self,
        code: CowStr<'a>,
        range: &std::ops::Range<usize>,
        end_marks: usize,
    ) -> CowStr<'a> {
        let first = self.inserted.partition_point(|&i| i < range.start);
        let last = self.inserted.partition_point(|&i| i < range.end);
        if first == last {
            return code;
        }
        let source = self.source;
        // A code span ends with as many backticks as it starts with, maybe after a space that
        // the text does not keep.
        let mut end = range.end;
        if end_marks > 0 {
            let ticks = source[range.start..]
                .bytes()
                .take_while(|b| *b == b'`')
                .count();
            end -= ticks;
            if code.len() + 2 * ticks + 2 == range.len() {
                end -= 1;
            }
        }
        let mut bytes = code.as_bytes().to_vec();
        for &i in self.inserted[first..last].iter().rev() {
            let Some(from_end) = end.checked_sub(i) else {
                continue;
            };
            if let Some(at) = bytes.len().checked_sub(from_end)
                && bytes[at] == b'\\'
            {
                bytes.remove(at);
            }
        }
        String::from_utf8(bytes).map_or(code, CowStr::from)
    }

    /// Opens a wikilink: splits `Target#Heading`, then writes the `<a>` for what the target
    /// names: a heading of this page, a page, several pages, or none.
    fn start_wikilink(&mut self, dest: &str, offset: usize) {
        let file_offset = self.file_offset(offset);
        // In a table the escaped pipe leaves its backslash on the target.
        let dest = dest.strip_suffix('\\').unwrap_or(dest);
        let (target, anchor) = match dest.split_once('#') {
            Some((t, a)) => (t, Some(a.trim())),
            None => (dest, None),
        };
        let anchor_id = anchor.map(slugify).filter(|a| !a.is_empty());
        let fragment = anchor_id
            .as_ref()
            .map(|a| format!("#{}", urls::encode_path(a)))
            .unwrap_or_default();
        self.link_stack.push(true);
        self.open_wikilink = Some((self.texts, dest.trim().to_string(), file_offset));
        if target.trim().is_empty() {
            self.link_on_this_page(&fragment, file_offset);
            return;
        }
        match self.r.index.resolve(target) {
            Resolution::Found(id) => {
                self.link_to_page(id, target, anchor_id, &fragment, file_offset)
            }
            Resolution::Ambiguous(ids) => self.ambiguous_link(target, &ids, file_offset),
            Resolution::Missing => self.missing_link(target, file_offset),
        }
    }

    /// A wikilink with no page: `[[#Heading]]` leads to a heading of this page; `[[ ]]` and
    /// `[[#]]` lead nowhere (a warning).
    fn link_on_this_page(&mut self, fragment: &str, file_offset: usize) {
        if fragment.is_empty() {
            // `[[ ]]`, `[[#]]`: a link to nothing.
            self.report(
                Diagnostic::warning(
                    "empty-link",
                    self.path,
                    "this link names no page and no heading; it leads nowhere",
                )
                .note("write [[Page]], [[Page#Heading]] or [[#Heading on this page]]"),
                file_offset,
            );
            self.open_wikilink = None;
            self.html("<a class=\"wikilink new\">".into());
            return;
        }
        self.html(format!(
            "<a class=\"wikilink\" href=\"{}\">",
            escape_html(fragment)
        ));
    }

    /// A wikilink to one page: recorded as a link (and as a citation in a footnote that
    /// names a source), written with the page's kind.
    fn link_to_page(
        &mut self,
        id: PageId,
        target: &str,
        anchor_id: Option<String>,
        fragment: &str,
        file_offset: usize,
    ) {
        // A section alias ("[[H.O.T.]]" naming a heading of a list page) leads to its
        // heading; the graph checks that heading once, at the alias.
        let section_fragment;
        let fragment: &str = match self.r.index.section_of(target, id) {
            Some(section) if anchor_id.is_none() => {
                section_fragment = format!("#{}", urls::encode_path(section));
                &section_fragment
            }
            _ => fragment,
        };
        let is_citation =
            self.footnote.is_some() && Some(self.r.pages[id].kind) == self.r.source_kind;
        if is_citation {
            if self.cited.insert(id) {
                self.result.citations.push(id);
            }
            if let Some(p) = &mut self.paragraph {
                p.cited = true;
            }
        }
        let first_to_target = self.seen_targets.insert(id);
        if first_to_target || anchor_id.is_some() {
            let at = self.locator.locate(file_offset);
            self.result.links.push(OutLink {
                target: id,
                anchor: anchor_id,
                at,
                context: "".into(),
                is_citation,
            });
            self.pending_context
                .push((self.result.links.len() - 1, self.block_text.len()));
        }
        let kind = &self.r.config.kinds[self.r.pages[id].kind].id;
        let href = &self.r.hrefs[id];
        let mut tag = String::with_capacity(48 + href.len() + fragment.len() + kind.len());
        tag.push_str("<a class=\"wikilink\" href=\"");
        urls::push_escaped(&mut tag, href);
        urls::push_escaped(&mut tag, fragment);
        tag.push_str("\" data-kind=\"");
        urls::push_escaped(&mut tag, kind);
        tag.push_str("\">");
        self.html(tag);
    }

    /// A wikilink whose name several pages share: an error naming them all, and a link to the
    /// disambiguation page.
    fn ambiguous_link(&mut self, target: &str, ids: &[PageId], file_offset: usize) {
        let names: Vec<String> = ids
            .iter()
            .map(|&i| format!("\"{}\" ({})", self.r.pages[i].title, self.r.pages[i].path))
            .collect();
        self.report(
            Diagnostic::error(
                "ambiguous-link",
                self.path,
                format!(
                    "[[{target}]] matches {} pages: {}",
                    ids.len(),
                    names.join(", ")
                ),
            )
            .note("link to one of them by its full title"),
            file_offset,
        );
        let href = urls::href(self.r.config, &urls::disambiguation_path(target.trim()));
        self.html(format!(
            "<a class=\"wikilink ambiguous\" href=\"{}\">",
            escape_html(&href)
        ));
    }

    /// A wikilink that finds no page. One to a page that exists but failed to load leads
    /// nowhere, with no warning (the page's own error counts such links); any other is a red
    /// link to the wanted pages, with a warning.
    fn missing_link(&mut self, target: &str, file_offset: usize) {
        if let Some(broken) = self.r.index.broken(target.trim()) {
            self.result.broken_links.push(broken);
            self.html(r#"<a class="wikilink new">"#.to_string());
            return;
        }
        self.report(
            Diagnostic::warning(
                "red-link",
                self.path,
                format!("no page is titled or aliased \"{}\"", target.trim()),
            ),
            file_offset,
        );
        self.result.red_links.push(RedLink {
            target: target.trim().to_string(),
            offset: file_offset,
        });
        let href = format!(
            "{}#{}",
            urls::href(self.r.config, urls::WANTED),
            urls::encode_path(&slugify(target))
        );
        self.html(format!(
            "<a class=\"wikilink new\" href=\"{}\" title=\"{} (page does not exist)\">",
            escape_html(&href),
            escape_html(target.trim())
        ));
    }

    fn safe_url(&mut self, url: CowStr<'a>, offset: usize) -> CowStr<'a> {
        if let Some(scheme) = urls::scheme(&url) {
            if !crate::sanitize::URL_SCHEMES.contains(&scheme.as_str()) {
                self.report(
                    Diagnostic::warning(
                        "unsafe-link",
                        self.path,
                        format!(
                            "link scheme '{}:' is not allowed; the link was disabled",
                            scheme.escape_debug()
                        ),
                    ),
                    self.file_offset(offset),
                );
                return CowStr::Borrowed("#");
            }
            return url;
        }
        if let Some(rest) = url.trim().strip_prefix('/')
            && !rest.starts_with('/')
        {
            return CowStr::from(format!("{}{}", self.r.config.base_path, rest));
        }
        url
    }

    fn footnote_reference(&mut self, label: &str, offset: usize) {
        if let Some(p) = &mut self.paragraph {
            p.cited = true;
        }
        let file_offset = self.file_offset(offset);
        let (number, nth) = match self.footnote_index.get(label).copied() {
            Some(i) => {
                self.footnote_numbers[i].1 += 1;
                (i + 1, self.footnote_numbers[i].1)
            }
            None => {
                self.footnote_index
                    .insert(label.to_string(), self.footnote_numbers.len());
                self.footnote_numbers
                    .push((label.to_string(), 1, file_offset));
                (self.footnote_numbers.len(), 1)
            }
        };
        self.html(format!("<sup class=\"fnref\" id=\"fnref-{number}-{nth}\"><a href=\"#fn-{number}\" role=\"doc-noteref\">[{number}]</a></sup>"));
    }

    /// pulldown-cmark leaves a `[^label]` with no definition as plain text: find and report it.
    fn undefined_footnotes(&mut self, source: &str) {
        let mut from = 0;
        while let Some(found) = source[from..].find("[^") {
            let start = from + found;
            from = start + 2;
            let Some(end) = source[from..].find(']') else {
                break;
            };
            let label = &source[from..from + end];
            let in_code = self
                .code_ranges
                .get(self.code_ranges.partition_point(|r| r.end <= start))
                .is_some_and(|r| r.start <= start);
            let is_definition = source[from + end + 1..].starts_with(':');
            if in_code
                || label.is_empty()
                || label.contains(char::is_whitespace)
                || is_definition
                || self.footnote_defs.contains_key(label)
            {
                continue;
            }
            let at = self.file_offset(start);
            self.report(
                Diagnostic::warning(
                    "footnote",
                    self.path,
                    format!("footnote [^{label}] has no definition"),
                )
                .note(format!(
                    "add a line `[^{label}]: [[Source page]]` at the end of the page"
                )),
                at,
            );
        }
    }

    fn end_heading(&mut self) {
        let Some(h) = self.heading.take() else { return };
        let base =
            h.id.clone()
                .map(|i| slugify(&i))
                .filter(|i| !i.is_empty())
                .unwrap_or_else(|| slugify(&h.text));
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let id = match self.used_ids.get_mut(&base) {
            Some(n) => {
                *n += 1;
                let id = format!("{base}-{n}");
                self.used_ids.insert(id.clone(), 1);
                id
            }
            None => {
                self.used_ids.insert(base.clone(), 1);
                base
            }
        };
        let level = h.level;
        self.result.headings.push(Heading {
            level,
            id: id.clone(),
            text: h.text.trim().to_string(),
        });
        self.emit(Event::Html(
            format!("<h{level} id=\"{}\">", escape_html(&id)).into(),
        ));
        for e in h.events {
            self.emit(e);
        }
        self.emit(Event::Html(format!("</h{level}>\n").into()));
        self.block_text.clear();
    }

    /// Gives every link of the block just ended the sentence around it.
    fn flush_context(&mut self) {
        for (link, position) in self.pending_context.drain(..) {
            if let Some(l) = self.result.links.get_mut(link) {
                // Straight from the block's text into the shared string: no copy in between.
                l.context = std::sync::Arc::from(&*sentence_around(&self.block_text, position));
            }
        }
        self.block_text.clear();
    }

    /// Takes the query marks out of the HTML, noting where each table goes.
    fn place_queries(&mut self) {
        let html = &self.result.html;
        let mut out = String::with_capacity(html.len());
        let mut rest = html.as_str();
        while let Some(i) = rest.find(QUERY_MARK) {
            out.push_str(&rest[..i]);
            self.result.query_at.push(out.len());
            rest = &rest[i + QUERY_MARK.len()..];
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        }
        out.push_str(rest);
        // A mark the sanitizer dropped (it never does) would leave a query without a place.
        self.result.queries.truncate(self.result.query_at.len());
        self.result.html = out;
    }

    fn finish(mut self) -> RenderedBody {
        self.flush_context();
        let mut html = String::with_capacity(self.text.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, std::mem::take(&mut self.out).into_iter());
        self.result.html = if self.html_too_deep {
            // An error: the page is never written, and is not worth parsing.
            String::new()
        } else if self.has_raw_html {
            crate::sanitize::clean(&html)
        } else {
            html
        };
        if !self.result.queries.is_empty() {
            self.place_queries();
        }
        let mut defs = std::mem::take(&mut self.footnote_defs);
        if !self.footnote_numbers.is_empty() {
            let mut notes = String::from("<ol class=\"footnotes\">\n");
            for (i, (label, refs, offset)) in self.footnote_numbers.iter().enumerate() {
                let n = i + 1;
                // One use: a single arrow. Several: an arrow, then a lettered link per use.
                let back = if *refs == 1 {
                    format!(
                        " <a href=\"#fnref-{n}-1\" class=\"fn-back\" role=\"doc-backlink\" aria-label=\"Back to reference {n}\">↩</a>"
                    )
                } else {
                    let letters: String = (1..=*refs)
                        .map(|k| format!(" <a href=\"#fnref-{n}-{k}\" class=\"fn-back\" role=\"doc-backlink\" aria-label=\"Back to use {k} of reference {n}\">{}</a>", use_label(k)))
                        .collect();
                    format!(" <span class=\"fn-backs\">↩{letters}</span>")
                };
                match defs.remove(label) {
                    Some((events, _)) => {
                        let mut inner = String::new();
                        pulldown_cmark::html::push_html(&mut inner, events.into_iter());
                        let inner = inner.trim_end();
                        let inner = match inner.strip_suffix("</p>") {
                            Some(p) => format!("{p}{back}</p>"),
                            None => format!("{inner}{back}"),
                        };
                        notes.push_str(&format!("<li id=\"fn-{n}\">{inner}</li>\n"));
                    }
                    None => {
                        if self.budget.allow("footnote") {
                            self.result.diagnostics.push(
                                Diagnostic::warning(
                                    "footnote",
                                    self.path,
                                    format!("footnote [^{label}] has no definition"),
                                )
                                .at_offset(self.text, *offset)
                                .note(format!(
                                    "add a line `[^{label}]: [[Source page]]` at the end of the page"
                                )),
                            );
                        }
                        notes.push_str(&format!(
                            "<li id=\"fn-{n}\"><p>(missing note){back}</p></li>\n"
                        ));
                    }
                }
            }
            notes.push_str("</ol>\n");
            self.result.footnotes_html = if self.html_too_deep {
                String::new()
            } else if self.has_raw_html {
                crate::sanitize::clean(&notes)
            } else {
                notes
            };
        }
        let mut unused: Vec<(String, usize)> = defs
            .into_iter()
            .map(|(label, (_, offset))| (label, offset))
            .collect();
        unused.sort_by_key(|u| u.1);
        for (label, offset) in unused {
            self.report(
                Diagnostic::warning(
                    "footnote",
                    self.path,
                    format!("footnote [^{label}] is defined but never referenced"),
                ),
                offset,
            );
        }
        let overflow = self.budget.overflow(self.path);
        self.result.diagnostics.extend(overflow);
        self.result.first_paragraph = self.result.first_paragraph.trim().to_string();
        // Bodies live until the end of the build, ten thousand of them: no spare capacity.
        // (The plain text is not kept: its search terms are counted as soon as it is made.)
        self.result.html.shrink_to_fit();
        self.result.footnotes_html.shrink_to_fit();
        self.result.links.shrink_to_fit();
        self.result
    }
}

/// a, b, … z, aa, ab, …: the labels of a footnote's uses, as on Wikipedia.
fn use_label(k: usize) -> String {
    let mut k = k;
    let mut out = Vec::new();
    while k > 0 {
        k -= 1;
        out.push(b'a' + (k % 26) as u8);
        k /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn is_image_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// The sentence of `text` containing byte `position`, trimmed to a readable length. Borrowed
/// unless it had to be cut.
pub fn sentence_around(text: &str, position: usize) -> Cow<'_, str> {
    const MAX: usize = 240;
    // Only a window around the link is searched: a longer sentence is cut to MAX around the
    // link anyway, so the result is the same, and a page with many links stays linear.
    const REACH: usize = 2 * MAX;
    let position = floor_boundary(text, position.min(text.len()));
    let bytes = text.as_bytes();
    let low = position.saturating_sub(REACH);
    let start = last_sentence_end(bytes, low, position.saturating_sub(1)).map_or(
        if low == 0 {
            0
        } else {
            floor_boundary(text, low)
        },
        |i| i + 2,
    );
    let high = (position + REACH).min(text.len());
    let end = first_sentence_end(bytes, position, high.saturating_sub(1)).map_or(
        if high == text.len() {
            high
        } else {
            floor_boundary(text, high)
        },
        |i| i + 1,
    );
    let sentence = text[start..end.max(start)].trim();
    if sentence.len() <= MAX {
        return Cow::Borrowed(sentence);
    }
    // Too long: a window around the link.
    let mut from = floor_boundary(text, position.saturating_sub(MAX / 2).max(start));
    let mut to = floor_boundary(text, (from + MAX).min(end));
    // Cut between words, never inside one.
    if from > start
        && let Some(space) = text[from..to].find(char::is_whitespace)
    {
        from += space;
    }
    if to < end
        && let Some(space) = text[from..to].rfind(char::is_whitespace)
    {
        to = from + space;
    }
    let mut out = String::new();
    if from > start {
        out.push('…');
    }
    out.push_str(text[from..to].trim());
    if to < end {
        out.push('…');
    }
    Cow::Owned(out)
}

/// Whether a sentence ends at byte `i`: `.`, `!`, `?` or `:` followed by a space.
fn is_sentence_end(bytes: &[u8], i: usize) -> bool {
    matches!(bytes[i], b'.' | b'!' | b'?' | b':') && bytes.get(i + 1) == Some(&b' ')
}

/// The last `i` in `from..to` where a sentence ends. The punctuation is found with `memchr`
/// (several bytes at a time) rather than by testing every byte; `:` is rare, so it is looked
/// for only after the last `.`, `!` or `?` that ends a sentence.
fn last_sentence_end(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    if from >= to {
        return None;
    }
    let stop = memchr::memrchr3_iter(b'.', b'!', b'?', &bytes[from..to])
        .map(|i| from + i)
        .find(|&i| is_sentence_end(bytes, i));
    let after = stop.map_or(from, |i| i + 1);
    let colon = memchr::memrchr_iter(b':', &bytes[after..to])
        .map(|i| after + i)
        .find(|&i| is_sentence_end(bytes, i));
    colon.or(stop)
}

/// The first `i` in `from..to` where a sentence ends (see [`last_sentence_end`]).
fn first_sentence_end(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    if from >= to {
        return None;
    }
    let stop = memchr::memchr3_iter(b'.', b'!', b'?', &bytes[from..to])
        .map(|i| from + i)
        .find(|&i| is_sentence_end(bytes, i));
    let before = stop.unwrap_or(to);
    let colon = memchr::memchr_iter(b':', &bytes[from..before])
        .map(|i| from + i)
        .find(|&i| is_sentence_end(bytes, i));
    colon.or(stop)
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// In table rows, escapes the `|` inside `[[...]]` so it does not split the cell. Returns the new
/// text and the offsets (in the new text) of the inserted backslashes.
///
/// One pass over the lines, looking one line ahead for a delimiter row (which makes the line
/// before it a header row); the text is copied only from the first table row with a wikilink.
/// A table's rows run from its delimiter row to the first blank line.
pub fn escape_table_pipes(body: &str) -> (Cow<'_, str>, Vec<usize>) {
    if !body.contains("[[") || !body.contains('|') || !has_delimiter_row(body) {
        return (Cow::Borrowed(body), Vec::new());
    }
    let mut out: Option<String> = None;
    let mut inserted = Vec::new();
    let mut lines = body.split_inclusive('\n').peekable();
    let mut at = 0;
    let mut in_rows = false;
    let mut delimiter = false;
    let mut prev_has_pipe = false;
    while let Some(line) = lines.next() {
        let this_delimiter = delimiter;
        delimiter = lines.peek().is_some_and(|next| is_delimiter_row(next));
        let has_pipe = line.contains('|');
        let blank = line.trim().is_empty();
        if blank {
            in_rows = false;
        }
        let header = has_pipe && delimiter;
        let table = (in_rows && !blank) || header;
        if this_delimiter && prev_has_pipe {
            in_rows = true;
        }
        prev_has_pipe = has_pipe;
        let start = at;
        at += line.len();
        if !table || !line.contains("[[") {
            if let Some(out) = &mut out {
                out.push_str(line);
            }
            continue;
        }
        let out = out.get_or_insert_with(|| {
            let mut out = String::with_capacity(body.len() + 16);
            out.push_str(&body[..start]);
            out
        });
        escape_line_pipes(line, out, &mut inserted);
    }
    match out {
        Some(out) => (Cow::Owned(out), inserted),
        None => (Cow::Borrowed(body), Vec::new()),
    }
}

/// Appends a table row to `out` with a backslash before each unescaped `|` inside `[[...]]`,
/// recording each backslash's offset in `out`.
fn escape_line_pipes(line: &str, out: &mut String, inserted: &mut Vec<usize>) {
    let bytes = line.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"[[") {
            depth += 1;
            out.push_str("[[");
            i += 2;
            continue;
        }
        if depth > 0 && bytes[i..].starts_with(b"]]") {
            depth -= 1;
            out.push_str("]]");
            i += 2;
            continue;
        }
        if depth > 0 && bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\') {
            inserted.push(out.len());
            out.push('\\');
        }
        let ch_len = line[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&line[i..i + ch_len]);
        i += ch_len;
    }
}

/// Whether any line is a table's delimiter row: without one there is no table. Most pages have
/// a `|` (in `[[Target|label]]`) and no table; a delimiter row has a `-`, so only the lines
/// with one are tested, found with `memchr` instead of splitting the page into lines.
fn has_delimiter_row(body: &str) -> bool {
    let bytes = body.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'-', &bytes[from..]) {
        let at = from + i;
        let start = memchr::memrchr(b'\n', &bytes[from..at]).map_or(from, |j| from + j + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |j| at + j + 1);
        if is_delimiter_row(&body[start..end]) {
            return true;
        }
        from = end;
    }
    false
}

fn is_delimiter_row(line: &str) -> bool {
    let t = line.trim();
    t.contains('-')
        && t.contains(['|', ':'])
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first implementation's table detection (a vector of lines), kept as the oracle: escapes the `|` inside `[[...]]` so it does not split the cell. Returns the new
    /// text and the offsets (in the new text) of the inserted backslashes.
    fn escape_table_pipes_by_lines(body: &str) -> (Cow<'_, str>, Vec<usize>) {
        if !body.contains("[[") || !body.contains('|') {
            return (Cow::Borrowed(body), Vec::new());
        }
        let lines: Vec<&str> = body.split_inclusive('\n').collect();
        let mut in_table = vec![false; lines.len()];
        let mut any = false;
        for i in 1..lines.len() {
            if is_delimiter_row(lines[i]) && lines[i - 1].contains('|') {
                in_table[i - 1] = true;
                let mut j = i + 1;
                while j < lines.len() && !lines[j].trim().is_empty() {
                    in_table[j] = true;
                    any |= lines[j].contains("[[");
                    j += 1;
                }
                any |= lines[i - 1].contains("[[");
            }
        }
        if !any {
            return (Cow::Borrowed(body), Vec::new());
        }
        let mut out = String::with_capacity(body.len() + 16);
        let mut inserted = Vec::new();
        for (line, table) in lines.iter().zip(in_table) {
            if !table || !line.contains("[[") {
                out.push_str(line);
                continue;
            }
            escape_line_pipes(line, &mut out, &mut inserted);
        }
        (Cow::Owned(out), inserted)
    }

    proptest::proptest! {
        #[test]
        fn table_pipes_are_escaped_as_by_the_line_vector(
            lines in proptest::collection::vec(proptest::sample::select(vec![
                "| a | b |\n", "|---|---|\n", "--- | :--\n", "| [[A|b]] | [[C\\|d]] |\n",
                "[[E|f]] | g\n", "\n", "  \n", "text [[H|i]]\n", "| [[J]] |", "é | [[ü|ö]] |\n",
                "| [[K|l]] ]] | |\n", "plain\n",
            ]), 0..12),
        ) {
            let body: String = lines.concat();
            let (new, new_at) = escape_table_pipes(&body);
            let (old, old_at) = escape_table_pipes_by_lines(&body);
            proptest::prop_assert_eq!(new.as_ref(), old.as_ref());
            proptest::prop_assert_eq!(new_at, old_at);
        }
    }

    proptest::proptest! {
        /// The `memchr` searches find what testing every byte finds.
        #[test]
        fn sentence_ends_are_found_as_by_every_byte(
            text in "[a-c .!?:\n]{0,80}",
            from in 0usize..90,
            to in 0usize..90,
        ) {
            let bytes = text.as_bytes();
            let to = to.min(bytes.len().saturating_sub(1));
            let mut ends = (from..to).filter(|&i| is_sentence_end(bytes, i));
            proptest::prop_assert_eq!(first_sentence_end(bytes, from, to), ends.clone().next());
            proptest::prop_assert_eq!(last_sentence_end(bytes, from, to), ends.next_back());
        }
    }

    #[test]
    fn a_long_sentence_is_cut_between_words() {
        let sentence = format!("{} link {}.", "word ".repeat(80), "more ".repeat(80));
        let position = sentence.find("link").unwrap();
        let cut = sentence_around(&sentence, position);
        assert!(cut.starts_with("…word "), "{cut}");
        assert!(cut.ends_with(" more…") || cut.ends_with("more…"), "{cut}");
        assert!(cut.contains("link"), "{cut}");
        let inner = cut.trim_matches('…');
        assert!(
            inner
                .split_whitespace()
                .all(|w| ["word", "link", "more"].contains(&w)),
            "{cut}"
        );
    }

    #[test]
    fn sentences_around_links() {
        let text = "First one. The group signed with KQ Entertainment in 2018. Last one.";
        let pos = text.find("KQ").unwrap();
        assert_eq!(
            sentence_around(text, pos),
            "The group signed with KQ Entertainment in 2018."
        );
        assert_eq!(
            sentence_around("No terminator here", 3),
            "No terminator here"
        );
        let long = "word ".repeat(200);
        let s = sentence_around(&long, 500);
        assert!(s.starts_with('…') && s.ends_with('…') && s.len() < 260);
        assert_eq!(sentence_around("한국어 문장", 4), "한국어 문장");
    }

    #[test]
    fn table_pipes_are_escaped_only_in_table_wikilinks() {
        let body = "[[A|b]] outside\n\n| x | y |\n|---|---|\n| [[A|b]] | [[C]] |\n";
        let (escaped, inserted) = escape_table_pipes(body);
        assert_eq!(
            escaped,
            "[[A|b]] outside\n\n| x | y |\n|---|---|\n| [[A\\|b]] | [[C]] |\n"
        );
        assert_eq!(inserted, vec![body.find("| [[A|").unwrap() + 5]);
        let plain = "no tables | here [[A|b]]\n";
        assert!(matches!(escape_table_pipes(plain).0, Cow::Borrowed(_)));
    }

    #[test]
    fn footnote_use_labels() {
        assert_eq!((1..=3).map(use_label).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(use_label(26), "z");
        assert_eq!(use_label(27), "aa");
    }

    /// The whole pass over the fixture's pages: resolved, aliased and red links, citations,
    /// headings, footnotes, the first paragraph, uncited paragraphs.
    #[test]
    fn one_pass_resolves_links_and_collects_what_later_stages_need() {
        let b = crate::fixture::build();
        let (alpha, ann, beta, report) = (b.id("Alpha"), b.id("Ann"), b.id("Beta"), b.id("Report"));

        let body = &b.bodies[ann];
        // `[[The Alphas|Alpha]]`: the alias resolves to Alpha, the label is what is shown.
        assert_eq!(
            body.links.iter().map(|l| l.target).collect::<Vec<_>>(),
            [alpha, report]
        );
        assert!(!body.links[0].is_citation && body.links[1].is_citation);
        assert_eq!(
            body.links[0].at,
            Position {
                line: 4,
                column: 14
            }
        );
        assert!(
            body.html.starts_with(r#"<p>Ann sings in <a class="wikilink" href="/wiki/groups/alpha/" data-kind="group">Alpha</a>. She was praised.<sup class="fnref""#),
            "{}",
            body.html
        );
        assert_eq!(body.citations, [report]);
        assert!(
            body.footnotes_html
                .contains(r#"href="/wiki/sources/report/""#)
        );
        assert_eq!(body.first_paragraph, "Ann sings in Alpha. She was praised.");
        assert!(body.uncited_paragraphs.is_empty());
        assert!(body.red_links.is_empty() && body.diagnostics.is_empty());

        let body = &b.bodies[beta];
        // Two links to one page give one: the first, whose sentence the backlink shows. The
        // missing page is a red link, not a link.
        assert_eq!(
            body.links.iter().map(|l| l.target).collect::<Vec<_>>(),
            [ann]
        );
        assert_eq!(
            body.links[0].at,
            Position {
                line: 4,
                column: 24
            }
        );
        assert_eq!(
            body.red_links
                .iter()
                .map(|r| r.target.as_str())
                .collect::<Vec<_>>(),
            ["Nobody"]
        );
        assert!(
            body.html.contains(r#"<a class="wikilink new" href="/wiki/special/wanted/#nobody" title="Nobody (page does not exist)">Nobody</a>"#),
            "{}",
            body.html
        );
        assert_eq!(body.uncited_paragraphs.len(), 1);
        assert!(body.citations.is_empty());

        let body = &b.bodies[alpha];
        let headings: Vec<(u8, &str, &str)> = body
            .headings
            .iter()
            .map(|h| (h.level, h.id.as_str(), h.text.as_str()))
            .collect();
        assert_eq!(
            headings,
            [
                (2, "history", "History"),
                (2, "members", "Members"),
                (2, "music", "Music")
            ]
        );
        assert!(body.html.contains(r#"<h2 id="history">"#), "{}", body.html);
    }

    #[test]
    fn delimiter_rows() {
        assert!(is_delimiter_row("|---|---|\n"));
        assert!(is_delimiter_row(" :--- | ---: "));
        assert!(!is_delimiter_row("a | b"));
        assert!(!is_delimiter_row("---"));
    }
}
