//! The CommonMark specification (0.31.2, the version pulldown-cmark 0.13 implements) and the GFM
//! table and strikethrough examples, run through kwiki's Markdown stage (`markdown::render`, the
//! sanitizer included) and compared with the spec's HTML. `tests/spec/README.md` says where the
//! data comes from.

use std::fmt::Write as _;

use ego_tree::NodeRef;
use scraper::{Html, Node};

const COMMONMARK: &str = include_str!("../spec/commonmark-0.31.2.txt");
const GFM: &str = include_str!("../spec/gfm-0.29-extensions.txt");

/// A project site, as GitHub Pages serves one: root-relative links get `/wiki/` in front.
const SUBPATH: &str = "https://example.github.io/wiki/";
/// The same site at a domain root.
const DOMAIN_ROOT: &str = "https://example.org/";

#[derive(Debug)]
struct Example {
    /// `CM 12` or `GFM 3`: the spec and the example's number in it.
    name: String,
    section: String,
    markdown: String,
    html: String,
}

/// The examples of a spec text, as the spec's own `spec_tests.py` reads them: between a line of
/// 32 backticks followed by `example` and a line of 32 backticks, Markdown and HTML separated by
/// a line holding `.`, with `→` standing for a tab.
fn examples(spec: &str, text: &str) -> Vec<Example> {
    let fence = "`".repeat(32);
    let mut out = Vec::new();
    let mut section = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(heading) = line.strip_prefix('#') {
            section = heading.trim_start_matches('#').trim().to_string();
            continue;
        }
        if !(line.starts_with(&fence) && line[fence.len()..].trim_start().starts_with("example")) {
            continue;
        }
        let (mut markdown, mut html, mut in_html) = (String::new(), String::new(), false);
        for line in lines.by_ref() {
            if line == fence {
                break;
            }
            if line == "." && !in_html {
                in_html = true;
                continue;
            }
            let target = if in_html { &mut html } else { &mut markdown };
            target.push_str(&line.replace('→', "\t"));
            target.push('\n');
        }
        out.push(Example {
            name: format!("{spec} {}", out.len() + 1),
            section: section.clone(),
            markdown,
            html,
        });
    }
    out
}

fn all_examples() -> Vec<Example> {
    let mut all = examples("CM", COMMONMARK);
    all.extend(examples("GFM", GFM));
    all
}

use crate::markdown::render;
use kwiki::diagnostics::Diagnostic;

const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
];

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// The normalisation both sides go through before they are compared:
///
/// - Both are parsed as an HTML5 fragment and written out again: entities and character
///   references become characters, attributes are sorted, `<br />` is `<br>`, quoting is one
///   style. (This is how a browser reads either, and what the sanitizer does to a page with raw
///   HTML anyway.)
/// - Outside `<pre>`, runs of white space become one space, and white space next to the start
///   or end of a block element (the list `BLOCK`) goes, as in cmark's `normalize.py`.
/// - Attributes kwiki adds on purpose are dropped: `id` on headings (every heading gets an
///   anchor).
/// - An empty `<tbody>` (pulldown-cmark writes one for a table with no body rows) is dropped.
/// - A table's scroll wrapper (`<div class="table-wrap" …>`, which kwiki puts around every
///   table so a wide one scrolls on a phone instead of widening the page) is written as its
///   table alone.
/// - A table cell's alignment is written `align="center"` (the spec) or
///   `style="text-align: center"` (pulldown-cmark, since `align` is obsolete HTML); both become
///   `align`.
fn normalize(html: &str) -> String {
    normalize_with(html, true)
}

/// [`normalize`], leaving out comments.
fn without_comments(html: &str) -> String {
    normalize_with(html, false)
}

fn normalize_with(html: &str, comments: bool) -> String {
    let fragment = Html::parse_fragment(html);
    let mut out = String::new();
    for child in fragment.root_element().children() {
        write_node(child, &mut out, false, comments);
    }
    out
}

fn is_block(node: Option<NodeRef<'_, Node>>) -> bool {
    node.and_then(|n| n.value().as_element().map(|e| BLOCK.contains(&e.name())))
        .unwrap_or(false)
}

fn write_node(node: NodeRef<'_, Node>, out: &mut String, in_pre: bool, comments: bool) {
    match node.value() {
        Node::Text(text) => {
            if in_pre {
                escape_into(out, text, false);
                return;
            }
            let mut collapsed = String::with_capacity(text.len());
            let mut space = false;
            for c in text.chars() {
                if c.is_ascii_whitespace() {
                    space = true;
                } else {
                    if space {
                        collapsed.push(' ');
                    }
                    space = false;
                    collapsed.push(c);
                }
            }
            if space {
                collapsed.push(' ');
            }
            let parent_block = node
                .parent()
                .is_none_or(|p| is_block(Some(p)) || p.parent().is_none());
            let mut text = collapsed.as_str();
            // Left-out comments are not there.
            let kept = |n: &NodeRef<'_, Node>| comments || !n.value().is_comment();
            let prev = node.prev_siblings().find(kept);
            let next = node.next_siblings().find(kept);
            // Text that a left-out comment split in two is one text.
            if is_block(prev) || (prev.is_none() && parent_block) || out.ends_with(' ') {
                text = text.trim_start_matches(' ');
            }
            if is_block(next) || (next.is_none() && parent_block) {
                text = text.trim_end_matches(' ');
            }
            escape_into(out, text, false);
        }
        Node::Element(element) => {
            let name = element.name();
            let empty = || {
                node.children()
                    .all(|c| c.value().as_text().is_some_and(|t| t.trim().is_empty()))
            };
            if name == "tbody" && empty() {
                return;
            }
            if name == "div" && element.attr("class") == Some("table-wrap") {
                for child in node.children() {
                    write_node(child, out, in_pre, comments);
                }
                return;
            }
            let mut attributes: Vec<(String, String)> = element
                .attrs()
                .filter(|(key, _)| !(*key == "id" && name.len() == 2 && name.starts_with('h')))
                .map(
                    |(key, value)| match (key, value.trim().strip_prefix("text-align:")) {
                        ("style", Some(align)) if matches!(name, "td" | "th") => (
                            "align".to_string(),
                            align.trim().trim_end_matches(';').to_string(),
                        ),
                        _ => (key.to_string(), value.to_string()),
                    },
                )
                .collect();
            attributes.sort();
            out.push('<');
            out.push_str(name);
            for (key, value) in attributes {
                let _ = write!(out, " {key}=\"");
                escape_into(out, &value, true);
                out.push('"');
            }
            out.push('>');
            if VOID.contains(&name) {
                return;
            }
            let in_pre = in_pre || matches!(name, "pre" | "textarea" | "script" | "style");
            for child in node.children() {
                write_node(child, out, in_pre, comments);
            }
            let _ = write!(out, "</{name}>");
        }
        Node::Comment(_) if !comments => {}
        Node::Comment(comment) => {
            let _ = write!(out, "<!--{}-->", &**comment);
        }
        Node::Doctype(doctype) => {
            let _ = write!(out, "<!DOCTYPE {}>", doctype.name());
        }
        Node::ProcessingInstruction(pi) => {
            let _ = write!(out, "<?{} {}>", pi.target, pi.data);
        }
        _ => {
            for child in node.children() {
                write_node(child, out, in_pre, comments);
            }
        }
    }
}

fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// The spec's HTML with every `href`/`src` whose scheme kwiki does not allow made `#`.
fn disable_unsafe_schemes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(" href=\"").or_else(|| rest.find(" src=\"")) {
        let start = i + rest[i..].find('"').map_or(0, |q| q + 1);
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('"').unwrap_or(rest.len());
        let url = &rest[..end];
        match kwiki::urls::scheme(url) {
            Some(s) if !kwiki::sanitize::URL_SCHEMES.contains(&s.as_str()) => out.push('#'),
            _ => out.push_str(url),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A by-design difference from the spec: the examples it explains, and why.
struct Class {
    name: &'static str,
    reason: &'static str,
    /// Whether an example (its Markdown, the spec's HTML, kwiki's diagnostics) is of the class.
    applies: fn(&Example, &[Diagnostic]) -> bool,
    /// The spec's HTML as kwiki is meant to differ from it, when that can be computed: an
    /// example of the class must then match it exactly. `None`: the class is told by its
    /// predicate alone, which requires kwiki's warning.
    expected: Option<fn(&str) -> String>,
}

fn has(diagnostics: &[Diagnostic], code: &str, message: &str) -> bool {
    diagnostics
        .iter()
        .any(|d| d.code == code && d.message.contains(message) && d.position.is_some())
}

/// Every by-design difference, once. An example outside all of them must match the spec.
const CLASSES: &[Class] = &[
    Class {
        name: "not HTML",
        reason: "processing instructions (<?…?>), declarations (<!…>) and CDATA sections are \
                 removed whole, with a warning; a browser would show part of them as text \
                 (example 180 shows `'; ?>`)",
        applies: |_, d| has(d, "unsafe-html", "is not HTML a page can show"),
        expected: None,
    },
    Class {
        name: "unterminated tag",
        reason: "a tag never closed with `>` is shown as text, with a warning, instead of \
                 swallowing everything up to the next `>` (the spec passes it through, and a \
                 browser drops it and what follows)",
        applies: |_, d| has(d, "unsafe-html", "is never closed"),
        expected: None,
    },
    Class {
        name: "wikilink",
        reason: "[[…]] is a wikilink (pulldown-cmark's ENABLE_WIKILINKS), not two brackets; on \
                 this one-page site it is a red link",
        applies: |e, d| e.markdown.contains("[[") && has(d, "red-link", ""),
        expected: None,
    },
    Class {
        name: "unsafe scheme",
        reason: "a link whose scheme is not http, https, mailto or tel (irc:, made-up-scheme:, \
                 localhost:) is disabled to href=\"#\", with an unsafe-link warning: \
                 javascript: and data: look like any other scheme",
        applies: |_, d| has(d, "unsafe-link", "the link was disabled"),
        expected: Some(disable_unsafe_schemes),
    },
    Class {
        name: "sanitized",
        reason: "raw HTML goes through the allow-list (src/sanitize.rs): other elements, \
                 attributes and URLs are removed with an unsafe-html or unsafe-link warning, and \
                 comments (an editor's notes) without one",
        applies: |e, _| without_comments(&kwiki::sanitize::clean(&e.html)) != normalize(&e.html),
        expected: Some(kwiki::sanitize::clean),
    },
];

/// How many examples each class explains, and how many pass as they are: changed only on
/// purpose, so that no class grows to hide a defect.
const EXPECTED_COUNTS: &[(&str, usize)] = &[
    ("not HTML", 5),
    ("unterminated tag", 3),
    ("wikilink", 3),
    ("unsafe scheme", 4),
    ("sanitized", 25),
];
const EXPECTED_PASSING: usize = 622;
/// Examples whose output under a subpath differs from a domain root's (by the base path only).
const EXPECTED_REBASED: usize = 89;

/// Root-relative `href`s and `src`s with the base path `/wiki/` taken off their front.
fn unbase(html: &str) -> String {
    html.replace(" href=\"/wiki/", " href=\"/")
        .replace(" src=\"/wiki/", " src=\"/")
}

#[test]
fn the_commonmark_and_gfm_examples_render_as_the_spec_says_but_for_named_classes() {
    let all = all_examples();
    assert_eq!(
        all.len(),
        652 + 10,
        "the vendored spec lost or gained examples"
    );
    let mut passing = 0;
    let mut rebased = 0;
    let mut counts: Vec<usize> = vec![0; CLASSES.len()];
    let mut failures = String::new();
    for example in &all {
        // A project site: the one difference from a domain root is the base path in front of
        // root-relative URLs (class "root-relative URL", checked here for every example).
        let (at_root, diagnostics) = render(&example.markdown, DOMAIN_ROOT);
        let (under_path, _) = render(&example.markdown, SUBPATH);
        let (at_root, under_path) = (normalize(&at_root), normalize(&under_path));
        assert_eq!(
            unbase(&under_path),
            at_root,
            "{}: under a subpath, only root-relative URLs may change",
            example.name
        );
        rebased += usize::from(under_path != at_root);

        let expected = normalize(&example.html);
        if at_root == expected {
            passing += 1;
            continue;
        }
        let classes: Vec<usize> = (0..CLASSES.len())
            .filter(|&c| (CLASSES[c].applies)(example, &diagnostics))
            .collect();
        // The computable differences of its classes, applied in turn.
        let mut explained = example.html.clone();
        for &c in &classes {
            if let Some(expected) = CLASSES[c].expected {
                explained = expected(&explained);
            }
        }
        let exact = normalize(&explained) == at_root;
        let by_predicate = classes.iter().any(|&c| CLASSES[c].expected.is_none());
        // Whatever the sanitizer removes, but comments, is reported.
        let removes = without_comments(&kwiki::sanitize::clean(&example.html))
            != without_comments(&example.html);
        let silent = removes
            && !diagnostics
                .iter()
                .any(|d| d.code.starts_with("unsafe-") && d.position.is_some());
        if classes.is_empty() || !(exact || by_predicate) || silent {
            let _ = writeln!(
                failures,
                "{} ({}): classes {:?}\n--- markdown\n{}--- spec\n{}\n--- kwiki\n{}\n--- explained by its classes\n{}\n--- diagnostics {:?}\n",
                example.name,
                example.section,
                classes.iter().map(|&c| CLASSES[c].name).collect::<Vec<_>>(),
                example.markdown,
                expected,
                at_root,
                normalize(&explained),
                diagnostics
                    .iter()
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect::<Vec<_>>()
            );
            continue;
        }
        // Counted under the first class that applies (the order of `CLASSES`: the narrow
        // ones first).
        counts[classes[0]] += 1;
    }
    let mut summary = format!(
        "{passing} of {} examples render as the spec says; {rebased} more differ under a \
         subpath only by the base path (class \"root-relative URL\"); by class:\n",
        all.len()
    );
    for (class, count) in CLASSES.iter().zip(&counts) {
        let _ = writeln!(summary, "  {:>3}  {}: {}", count, class.name, class.reason);
    }
    println!("{summary}");
    assert!(failures.is_empty(), "{failures}{summary}");
    let actual: Vec<(&str, usize)> = CLASSES.iter().map(|c| c.name).zip(counts).collect();
    assert_eq!(
        (actual.as_slice(), passing, rebased),
        (EXPECTED_COUNTS, EXPECTED_PASSING, EXPECTED_REBASED),
        "{summary}"
    );
}
