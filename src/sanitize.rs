//! Raw HTML in Markdown, through an allow-list.
//!
//! Editors may write a small set of harmless HTML in a page (ALLOWED_TAGS below, documented in
//! CONTRIBUTING.md). A page whose Markdown holds any raw HTML has its whole rendered body (and
//! footnotes) passed through [ammonia], an HTML5-parsing sanitizer: anything not on the list
//! (`<script>`, `<iframe>`, `<style>`, `<form>`, event-handler attributes, `style`, URLs with
//! any scheme but http, https, mailto and tel) is removed, and the markup is re-serialised, so no
//! attribute or comment can break out. Pages without raw HTML, nearly all of them, skip the
//! parse: kwiki's own markup escapes everything it takes from content. The lists are public: the
//! Markdown pass warns, at the tag, about everything they will remove.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Elements an editor may use in Markdown, beyond what Markdown itself writes.
pub const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Attributes allowed on every allowed element. `class` and `id` are kwiki's own markup (link
/// kinds, heading anchors, footnotes), `role` and `aria-label` its accessibility.
const GENERIC_ATTRIBUTES: &[&str] = &["class", "id", "title", "lang", "dir", "role", "aria-label"];

/// Attributes allowed on particular elements.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "data-kind"]),
    ("img", &["src", "alt", "width", "height", "loading"]),
    ("td", &["colspan", "rowspan", "style"]),
    ("th", &["colspan", "rowspan", "style", "scope"]),
    ("ol", &["start", "reversed"]),
    ("blockquote", &["cite"]),
    ("q", &["cite"]),
    ("del", &["cite", "datetime"]),
    ("ins", &["cite", "datetime"]),
    ("time", &["datetime"]),
    ("details", &["open"]),
    ("abbr", &["title"]),
];

/// URL schemes allowed in `href` and `src`; relative URLs pass.
pub const URL_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// Elements removed with everything inside them (rather than their content being kept as text).
pub const CONTENT_TAGS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
    "textarea",
    "select",
    "title",
    "xmp",
    "noembed",
    "noframes",
    "plaintext",
];

/// Attributes that hold a URL, checked against [`URL_SCHEMES`].
pub const URL_ATTRIBUTES: &[&str] = &["href", "src", "cite"];

/// Whether the sanitizer keeps attribute `name` (lower case) on allowed element `tag`.
pub fn attribute_allowed(tag: &str, name: &str) -> bool {
    GENERIC_ATTRIBUTES.contains(&name)
        || TAG_ATTRIBUTES
            .iter()
            .any(|(t, attributes)| *t == tag && attributes.contains(&name))
}

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .tag_attributes(
            TAG_ATTRIBUTES
                .iter()
                .map(|(tag, attrs)| (*tag, attrs.iter().copied().collect::<HashSet<_>>()))
                .collect::<HashMap<_, _>>(),
        )
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        // Table cells keep Markdown's column alignment and nothing else of `style`.
        .filter_style_properties(["text-align"].into_iter().collect())
        // kwiki's own links carry no `rel`; user links to other sites get none either, as in
        // a page without raw HTML (browsers imply `noopener` for `target`-less links).
        .link_rel(None)
        .strip_comments(true)
        // The contents of these go with them rather than being shown as text.
        .clean_content_tags(CONTENT_TAGS.iter().copied().collect());
    builder
});

/// The allow-listed form of an HTML fragment.
pub fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_allow_list_and_kwikis_markup_and_drops_script() {
        let html = r##"<details open><summary>More</summary><p><a class="wikilink" href="/groups/bts/" data-kind="Group">BTS</a> <kbd>K</kbd></p></details><table><tr><td style="text-align: center; position: fixed">x</td></tr></table><script>alert(1)</script><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">j</a>"##;
        let clean = clean(html);
        assert!(
            clean.contains(r#"<details open=""><summary>More</summary>"#),
            "{clean}"
        );
        assert!(
            clean.contains(r#"<a class="wikilink" href="/groups/bts/" data-kind="Group">BTS</a>"#),
            "{clean}"
        );
        assert!(clean.contains("<kbd>K</kbd>"), "{clean}");
        assert!(
            !clean.contains("script") && !clean.contains("alert"),
            "{clean}"
        );
        assert!(
            clean.contains(r#"<td style="text-align:center">x</td>"#),
            "{clean}"
        );
        assert!(!clean.contains("position"), "{clean}");
    }
}
