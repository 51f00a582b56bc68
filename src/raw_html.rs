//! What the Markdown pass needs to know about a piece of raw HTML before the sanitizer parses the
//! page for real: its tags and attributes (for the warnings and the depth limit), the comments,
//! processing instructions, declarations and CDATA sections in it (taken out here), and a tag
//! that is never closed with `>`.
//!
//! A piece is one HTML block (all its lines) or one inline HTML span, as pulldown-cmark finds
//! them. Offsets are bytes into the piece.

/// A construct that is not an element: taken out of the HTML before it reaches the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Construct {
    /// `<!-- … -->`: an editor's note, dropped without a word.
    Comment,
    /// `<?…?>`
    ProcessingInstruction,
    /// `<!DOCTYPE …>`, `<!ELEMENT …>`
    Declaration,
    /// `<![CDATA[ … ]]>`
    Cdata,
}

impl Construct {
    pub fn describe(self) -> &'static str {
        match self {
            Construct::Comment => "an HTML comment",
            Construct::ProcessingInstruction => "a processing instruction (<?…?>)",
            Construct::Declaration => "a declaration (<!…>, such as <!DOCTYPE>)",
            Construct::Cdata => "a CDATA section (<![CDATA[…]]>)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Lower case.
    pub name: String,
    /// As written, without its quotes; character references not decoded.
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTag {
    /// Lower case.
    pub name: String,
    pub closing: bool,
    pub self_closing: bool,
    pub at: usize,
    pub attributes: Vec<Attribute>,
}

#[derive(Debug, Default)]
pub struct Scan {
    /// The HTML without its comments, processing instructions, declarations and CDATA sections,
    /// and without an unterminated tag and what follows it.
    pub kept: String,
    pub tags: Vec<RawTag>,
    /// What was taken out, and where it started.
    pub removed: Vec<(Construct, usize)>,
    /// Where a tag starts that no `>` ends (outside quotes): from there on the piece is text.
    pub unterminated: Option<usize>,
}

/// Elements whose content is text up to their closing tag, not markup.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

pub fn scan(html: &str) -> Scan {
    let mut scan = Scan {
        kept: String::with_capacity(html.len()),
        ..Scan::default()
    };
    let bytes = html.as_bytes();
    // `html[copied..]` is not yet in `kept`.
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + found;
        let rest = &html[at..];
        // The construct at `at` and its length: up to its end, or to the end of the piece.
        let through = |open: usize, close: &str| {
            rest[open..]
                .find(close)
                .map_or(rest.len(), |e| open + e + close.len())
        };
        let construct = if rest.starts_with("<!-->") {
            // As CommonMark reads them: `<!-->` and `<!--->` are whole comments.
            Some((Construct::Comment, 5))
        } else if rest.starts_with("<!--->") {
            Some((Construct::Comment, 6))
        } else if rest.starts_with("<!--") {
            Some((Construct::Comment, through(4, "-->")))
        } else if rest.starts_with("<?") {
            Some((Construct::ProcessingInstruction, through(2, "?>")))
        } else if rest.starts_with("<![CDATA[") {
            Some((Construct::Cdata, through(9, "]]>")))
        } else if rest.starts_with("<!") && rest[2..].starts_with(|c: char| c.is_ascii_alphabetic())
        {
            Some((Construct::Declaration, through(2, ">")))
        } else {
            None
        };
        if let Some((construct, len)) = construct {
            scan.kept.push_str(&html[copied..at]);
            scan.removed.push((construct, at));
            i = at + len;
            copied = i;
            continue;
        }
        match lex_tag(rest) {
            Lexed::NotATag => i = at + 1,
            Lexed::Unterminated => {
                scan.unterminated = Some(at);
                scan.kept.push_str(&html[copied..at]);
                copied = html.len();
                break;
            }
            Lexed::Tag(mut tag, len) => {
                tag.at = at;
                i = at + len;
                if !tag.closing && !tag.self_closing && RAW_TEXT.contains(&tag.name.as_str()) {
                    // Its text is not markup: on to its closing tag, or the end of the piece.
                    let close = format!("</{}", tag.name);
                    i = html[i..]
                        .to_ascii_lowercase()
                        .find(&close)
                        .map_or(html.len(), |e| i + e);
                }
                scan.tags.push(tag);
            }
        }
    }
    if copied < html.len() {
        scan.kept.push_str(&html[copied..]);
    }
    scan
}

enum Lexed {
    NotATag,
    /// A tag's start with no `>` after it.
    Unterminated,
    /// The tag and its length in bytes.
    Tag(RawTag, usize),
}

/// Reads the tag at the start of `rest` (which starts with `<`) as an HTML5 tokenizer would:
/// a name (a letter, then letters, digits and `-`), then attributes, each a name with an
/// optional `=` and a value (quoted, or up to white space or `>`), to the `>`.
fn lex_tag(rest: &str) -> Lexed {
    let bytes = rest.as_bytes();
    let closing = bytes.get(1) == Some(&b'/');
    let mut i = if closing { 2 } else { 1 };
    if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return Lexed::NotATag;
    }
    let name_start = i;
    while bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        i += 1;
    }
    let mut tag = RawTag {
        name: rest[name_start..i].to_ascii_lowercase(),
        closing,
        self_closing: false,
        at: 0,
        attributes: Vec::new(),
    };
    loop {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match bytes.get(i) {
            None => return Lexed::Unterminated,
            Some(b'>') => return Lexed::Tag(tag, i + 1),
            Some(b'/') => {
                if bytes.get(i + 1) == Some(&b'>') {
                    tag.self_closing = true;
                    return Lexed::Tag(tag, i + 2);
                }
                i += 1;
                continue;
            }
            Some(_) => {}
        }
        let start = i;
        // A name may start with `=` (the tokenizer takes it as a name character there).
        i += 1;
        while bytes
            .get(i)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'/' | b'>' | b'='))
        {
            i += 1;
        }
        let name = rest[start..i].to_ascii_lowercase();
        let mut j = i;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let mut value = String::new();
        if bytes.get(j) == Some(&b'=') {
            j += 1;
            while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            match bytes.get(j) {
                None => return Lexed::Unterminated,
                Some(&quote @ (b'"' | b'\'')) => {
                    let Some(end) = memchr::memchr(quote, &bytes[j + 1..]) else {
                        return Lexed::Unterminated;
                    };
                    value.push_str(&rest[j + 1..j + 1 + end]);
                    j += end + 2;
                }
                Some(_) => {
                    let start = j;
                    while bytes
                        .get(j)
                        .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>')
                    {
                        j += 1;
                    }
                    value.push_str(&rest[start..j]);
                }
            }
            i = j;
        }
        tag.attributes.push(Attribute { name, value });
    }
}

/// Decodes the character references a browser would in an attribute value, as far as a URL's
/// scheme can hide behind them: numeric ones, and `&colon;`, `&tab;`, `&newline;`.
pub fn decode_references(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains('&') {
        return value.into();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let body: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
            .collect();
        let decoded = match body.to_ascii_lowercase().as_str() {
            "colon" => Some(':'),
            "tab" => Some('\t'),
            "newline" => Some('\n'),
            b if b.starts_with("#x") => u32::from_str_radix(&b[2..], 16)
                .ok()
                .and_then(char::from_u32),
            b if b.starts_with('#') => b[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[1 + body.len()..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructs_are_taken_out_wherever_they_are() {
        let s =
            scan("<!-- a\nb --><b>x</b> <?php echo '>'; ?>y<!DOCTYPE html><![CDATA[<p>]]>z<!-->w");
        assert_eq!(s.kept, "<b>x</b> yzw");
        let kinds: Vec<Construct> = s.removed.iter().map(|r| r.0).collect();
        assert_eq!(
            kinds,
            [
                Construct::Comment,
                Construct::ProcessingInstruction,
                Construct::Declaration,
                Construct::Cdata,
                Construct::Comment
            ]
        );
        assert_eq!(s.tags.len(), 2);
        assert_eq!(s.unterminated, None);
        // An unterminated comment runs to the end of the piece.
        assert_eq!(scan("<i>a</i><!-- b\nc").kept, "<i>a</i>");
    }

    #[test]
    fn tags_and_attributes_are_read_as_a_browser_reads_them() {
        let s =
            scan("<a foo=\"bar\" bam = 'baz <em>\"</em>'\n_boolean zoop:33=zoop:33 /><img src=x>");
        assert_eq!(s.tags.len(), 2);
        let a = &s.tags[0];
        assert!(a.self_closing && a.name == "a");
        let names: Vec<&str> = a.attributes.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["foo", "bam", "_boolean", "zoop:33"]);
        assert_eq!(a.attributes[1].value, "baz <em>\"</em>");
        assert_eq!(s.tags[1].at, s.kept.find("<img").unwrap());
        assert_eq!(s.tags[1].attributes[0].value, "x");
    }

    #[test]
    fn a_tag_without_its_closing_bracket_is_unterminated() {
        let s = scan("<p>ok</p>\n<div id=\"foo\"\n*hi*\n");
        assert_eq!(s.unterminated, Some(10));
        assert_eq!(s.kept, "<p>ok</p>\n");
        assert_eq!(scan("<a title=\"x>y").unterminated, Some(0));
        // `<` that starts no tag is text, and a script's text is not markup.
        assert_eq!(scan("a < b <3").unterminated, None);
        let s = scan("<script>if (a<b) {}</script>");
        assert_eq!((s.unterminated, s.tags.len()), (None, 2));
    }

    #[test]
    fn references_that_can_hide_a_scheme_are_decoded() {
        assert_eq!(
            decode_references("&#106;ava&#x73;cript&colon;x&amp;"),
            "javascript:x&amp;"
        );
        assert_eq!(decode_references("jav&#x09;ascript:"), "jav\tascript:");
    }
}
