//! URL paths of every kind of output page, all under the site's base path, and the escaping
//! that keeps them valid in `href`s. The one place that knows the output layout.

pub use crate::base::slug::is_device_name;
use crate::config::Config;
use crate::names::slugify;

/// The output file (relative to the output folder) for a URL path relative to the base.
pub fn file_for(relative: &str) -> String {
    if relative.is_empty() {
        "index.html".to_string()
    } else {
        format!("{relative}index.html")
    }
}

/// `groups/ateez/`: a page's path below the base.
pub fn page_path(folder: &str, slug: &str) -> String {
    format!("{folder}/{}/", segment(slug))
}

/// A slug as an output folder name. Slugs hold only letters, digits and `-` (`slugify`,
/// `is_valid_slug`), so they cannot climb out of the output; a Windows device name gets a `_`,
/// which no slug contains, so the result cannot meet another slug.
pub fn segment(slug: &str) -> std::borrow::Cow<'_, str> {
    if is_device_name(slug) {
        format!("{slug}_").into()
    } else {
        slug.into()
    }
}

pub fn kind_path(folder: &str) -> String {
    format!("{folder}/")
}

pub fn category_path(name: &str) -> String {
    format!("categories/{}/", segment(&non_empty(slugify(name))))
}

pub fn disambiguation_path(name: &str) -> String {
    format!("disambiguation/{}/", segment(&non_empty(slugify(name))))
}

pub const CATEGORIES: &str = "categories/";
pub const ALL_PAGES: &str = "special/all-pages/";
pub const WANTED: &str = "special/wanted/";
pub const MAINTENANCE: &str = "special/maintenance/";
pub const SEARCH: &str = "special/search/";
pub const RANDOM: &str = "special/random/";
pub const TIMELINE: &str = "special/timeline/";
pub const NETWORK: &str = "special/network/";

/// The anchor of a year on the timeline page.
pub fn year_anchor(year: i64) -> String {
    format!("year-{year}")
}
pub const FEED: &str = "feed.xml";
pub const RECENT_CHANGES: &str = "recent-changes/";
/// The whole wiki's data.
pub const WIKI_JSON: &str = "wiki.json";

/// `groups/ateez/history/`: a page's history, under its own folder (`page` is a `page_path`).
pub fn history_path(page: &str) -> String {
    format!("{page}history/")
}

/// `groups/ateez/feed.xml`: the Atom feed of a page's revisions, or of a kind's or a
/// category's new pages (`folder` is a `page_path`, `kind_path` or `category_path`).
pub fn feed_in(folder: &str) -> String {
    format!("{folder}feed.xml")
}

/// `groups/ateez/index.json`: the data of a page or a kind.
pub fn json_in(folder: &str) -> String {
    format!("{folder}index.json")
}

/// `groups/index.csv`: a kind's table.
pub fn csv_in(folder: &str) -> String {
    format!("{folder}index.csv")
}

/// The `href` for a path below the base: base path plus the percent-encoded path.
pub fn href(config: &Config, relative: &str) -> String {
    format!("{}{}", config.base_path, encode_path(relative))
}

/// The absolute URL, for canonical links, feeds and the sitemap.
pub fn absolute(config: &Config, relative: &str) -> String {
    format!("{}{}", config.base_url, encode_path(relative))
}

fn non_empty(slug: String) -> String {
    if slug.is_empty() {
        "untitled".to_string()
    } else {
        slug
    }
}

/// Percent-encodes every byte outside the URL path's safe set (so Hangul slugs become `%EC%97...`).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The scheme of a URL as a browser reads it (the WHATWG URL standard), lower-cased: leading
/// spaces and control characters are skipped and tabs and line breaks ignored, then a letter
/// followed by letters, digits, `+`, `-` or `.`, up to a `:`. A URL whose first `:` comes after a
/// `/`, `?` or `#`, or after anything else, has none: it is relative (`12:30`, `foo):`, `a/b:c`).
pub fn scheme(url: &str) -> Option<String> {
    let mut scheme = String::new();
    let chars = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'));
    for c in chars {
        match c {
            ':' => return (!scheme.is_empty()).then_some(scheme),
            c if c.is_ascii_alphabetic() => scheme.push(c.to_ascii_lowercase()),
            c if !scheme.is_empty() && (c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) => {
                scheme.push(c)
            }
            _ => return None,
        }
    }
    None
}

/// Escapes text for an HTML attribute value or element content.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Whether any of eight bytes is one that HTML escaping replaces (`&`, `<`, `>`, `"`, `'`).
fn has_special(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `v` is zero.
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    zero_byte(x ^ (ONES * u64::from(b'&')))
        | zero_byte(x ^ (ONES * u64::from(b'<')))
        | zero_byte(x ^ (ONES * u64::from(b'>')))
        | zero_byte(x ^ (ONES * u64::from(b'"')))
        | zero_byte(x ^ (ONES * u64::from(b'\'')))
        != 0
}

/// `escape_html`, appended to `out`: the unescaped stretches are copied whole, and eight bytes
/// at a time are checked for anything to escape.
pub fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(Ok(lane)) = bytes.get(i..i + 8).map(<[u8; 8]>::try_from)
            && !has_special(u64::from_le_bytes(lane))
        {
            i += 8;
            continue;
        }
        let entity = match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[start..i]);
        out.push_str(entity);
        i += 1;
        start = i;
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
    use super::scheme;

    #[test]
    fn a_scheme_is_a_letter_then_letters_digits_plus_minus_dot_before_the_first_colon() {
        assert_eq!(scheme("https://x.org").as_deref(), Some("https"));
        assert_eq!(
            scheme(" JavaScript:alert(1)").as_deref(),
            Some("javascript")
        );
        assert_eq!(scheme("java\tscr\nipt:x").as_deref(), Some("javascript"));
        assert_eq!(scheme("a+b-c.d:x").as_deref(), Some("a+b-c.d"));
        for relative in [
            "12:30", "foo):", "/a:b", "a/b:c", "?x:y", "#x:y", "", "plain", ":x", "+a:b",
        ] {
            assert_eq!(scheme(relative), None, "{relative}");
        }
    }

    use super::*;

    proptest::proptest! {
        #[test]
        fn escaping_replaces_exactly_the_five_characters(text in "[a-z&<>\"'é방 ]{0,40}") {
            let by_replace = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            proptest::prop_assert_eq!(escape_html(&text), by_replace);
        }
    }

    #[test]
    fn windows_device_names_never_become_folders() {
        for name in [
            "con", "CON", "nul", "aux", "prn", "com1", "lpt9", "com¹", "lpt³", "con.txt",
        ] {
            assert!(is_device_name(name), "{name}");
            assert_eq!(segment(name), format!("{name}_"));
        }
        for name in [
            "console",
            "com",
            "com10",
            "lpt",
            "icon",
            "nul-2",
            "conference",
        ] {
            assert!(!is_device_name(name), "{name}");
            assert_eq!(segment(name), name);
        }
        assert_eq!(category_path("Con"), "categories/con_/");
        assert_eq!(page_path("groups", "aux"), "groups/aux_/");
    }

    #[test]
    fn paths_are_encoded() {
        assert_eq!(encode_path("groups/에이/"), "groups/%EC%97%90%EC%9D%B4/");
        assert_eq!(encode_path("a b/c?d"), "a%20b/c%3Fd");
        assert_eq!(
            category_path("Export-oriented idols"),
            "categories/export-oriented-idols/"
        );
        assert_eq!(file_for(""), "index.html");
        assert_eq!(file_for("groups/a/"), "groups/a/index.html");
        assert_eq!(
            escape_html("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }
}
