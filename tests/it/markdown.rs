//! kwiki's Markdown pass on its own (`markdown::render`, the sanitizer included), without a
//! build: what happens to raw HTML, comments, URLs and code (issue 27).

use kwiki::config::Config;
use kwiki::diagnostics::{Diagnostic, Diagnostics};
use kwiki::markdown::{self, Resolver};
use kwiki::names::Index;

pub const PATH: &str = "content/pages/p.md";

/// A page's body and footnotes as HTML, and its diagnostics, on a site with no other page and
/// the given `base_url`.
pub fn render(markdown: &str, base_url: &str) -> (String, Vec<Diagnostic>) {
    let toml =
        format!("title = \"Spec\"\nbase_url = \"{base_url}\"\n[kinds.page]\nfolder = \"pages\"\n");
    let config = Config::parse(&toml, &mut Diagnostics::default()).expect("config");
    let (index, _) = Index::build(std::iter::empty::<(usize, &str, Vec<&str>)>());
    let resolver = Resolver {
        config: &config,
        index: &index,
        pages: &[],
        hrefs: &[],
        source_kind: None,
    };
    let body = markdown::render(&resolver, PATH, markdown, 0);
    (body.html + &body.footnotes_html, body.diagnostics)
}

fn page(markdown: &str) -> (String, Vec<Diagnostic>) {
    render(markdown, "https://example.github.io/wiki/")
}

/// `code line:col` of each diagnostic.
fn located(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            let p = d
                .position
                .as_ref()
                .expect("every Markdown diagnostic is located");
            format!("{} {}:{}", d.code, p.line, p.column)
        })
        .collect()
}

#[test]
fn a_comment_of_any_length_never_reaches_the_page() {
    for markdown in [
        "<!-- draft: do not publish\nsecret note -->\nText\n",
        "Text\n\n<!-- draft\n\nsecret note\n   secret -->\n",
        "> <!-- draft\n> secret note -->\n> Text\n",
        "- Text\n\n  <!--\n  secret note\n  -->\n",
        "<div>\nText\n<!-- draft\nsecret note -->\n</div>\n",
        "Text <!-- draft\nsecret note --> more\n",
        "Text\n\n<!-- unterminated draft\nsecret note\n",
    ] {
        let (html, diagnostics) = page(markdown);
        assert!(
            !html.contains("secret") && !html.contains("draft") && !html.contains("-->"),
            "{markdown:?} → {html}"
        );
        assert!(html.contains("Text"), "{markdown:?} → {html}");
        assert_eq!(located(&diagnostics), Vec::<String>::new(), "{markdown:?}");
    }
}

#[test]
fn text_after_a_comment_on_the_same_line_is_kept() {
    let (html, _) = page("<!-- c --><b>x</b> shown\n");
    assert!(html.contains("<b>x</b> shown"), "{html}");
    let (html, _) = page("<!-- foo -->*bar*\n*baz*\n");
    assert!(html.contains("*bar*"), "{html}");
    assert!(html.contains("<em>baz</em>"), "{html}");
    assert!(!html.contains("foo"), "{html}");
}

#[test]
fn a_relative_url_with_a_colon_is_not_a_scheme() {
    let (html, diagnostics) = page("[noon](12:30) and [link](foo\\)\\:)\n");
    assert!(html.contains(r#"<a href="12:30">noon</a>"#), "{html}");
    assert!(html.contains(r#"<a href="foo):">link</a>"#), "{html}");
    assert_eq!(located(&diagnostics), Vec::<String>::new());
    // A real scheme is still checked, however it is spelled.
    let (html, diagnostics) =
        page("[a](javascript:alert(1))\n[b](<java\tscript:alert(1)>) [c](JAVASCRIPT:x)\n");
    assert_eq!(html.matches(r##"href="#""##).count(), 3, "{html}");
    assert_eq!(
        located(&diagnostics),
        ["unsafe-link 1:1", "unsafe-link 2:1", "unsafe-link 2:29"]
    );
}

#[test]
fn code_is_not_preprocessed_as_text() {
    let row = "| [[x|y]] | z |\n|---|---|\n";
    for markdown in [
        format!("```\n{row}```\n"),
        format!("Help:\n\n    {}\n", row.replace('\n', "\n    ")),
        format!("> ~~~markdown\n> {}\n> ~~~\n", row.replace('\n', "\n> ")),
        format!("- item\n\n  ```\n  {}\n  ```\n", row.replace('\n', "\n  ")),
    ] {
        let (html, diagnostics) = page(&markdown);
        assert!(html.contains("[[x|y]] | z |"), "{markdown:?} → {html}");
        assert!(!html.contains('\\'), "{markdown:?} → {html}");
        assert_eq!(located(&diagnostics), Vec::<String>::new());
    }
    // In a real table the wikilink's pipe still stays in its cell, and in a code span of a
    // table cell it is shown as written.
    let (html, _) = page("| a | b |\n|---|---|\n| [[x|y]] | `[[x|y]]` |\n");
    assert!(html.contains("<td><code>[[x|y]]</code></td>"), "{html}");
    assert!(html.contains(">y</a></td>"), "{html}");
    assert!(!html.contains('\\'), "{html}");

    let (_, diagnostics) =
        page("Match `[^a-z]` or ``[^ ]``.\n\n    [^0-9]+\n\n```\n[^x]\n```\n\nA [^real] one.\n");
    assert_eq!(located(&diagnostics), ["footnote 9:3"]);
}

#[test]
fn html_the_page_cannot_keep_is_reported_where_it_was_written() {
    // An unterminated tag no longer swallows the page: it is shown as text.
    let (html, diagnostics) = page("Before.\n\n<div id=\"foo\"\n*hi*\n\nAfter.\n");
    assert!(html.contains("&lt;div id=\"foo\""), "{html}");
    assert!(html.contains("*hi*") && html.contains("After."), "{html}");
    assert_eq!(located(&diagnostics), ["unsafe-html 3:1"]);

    let (html, diagnostics) = page(
        "<!DOCTYPE html>\n\nText <?php echo 1; ?> and <![CDATA[x]]>.\n\n<?xml\nversion='1' ?>\n",
    );
    assert!(html.contains("Text  and ."), "{html}");
    assert_eq!(
        located(&diagnostics),
        [
            "unsafe-html 1:1",
            "unsafe-html 3:6",
            "unsafe-html 3:27",
            "unsafe-html 5:1"
        ]
    );
    for d in &diagnostics {
        assert!(d.message.contains("removed"), "{}", d.message);
    }

    // Attributes and URLs the allow-list removes, each at its tag.
    let (html, diagnostics) = page(
        "<pre language=\"haskell\"><code>x</code></pre>\n\nA <a href=\"https://x.org\" onclick=\"f()\">b</a>\n<img src=\"data:x\"> <td style=\"color: red\">\n",
    );
    assert!(
        !html.contains("onclick") && !html.contains("language"),
        "{html}"
    );
    assert_eq!(
        located(&diagnostics),
        [
            "unsafe-html 1:1",
            "unsafe-html 3:3",
            "unsafe-link 4:1",
            "unsafe-html 4:20"
        ]
    );
}
