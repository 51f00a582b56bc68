//! Property tests: the front-matter splitter, the wikilink resolver and the whole page pipeline
//! on generated input never panic and always give the same answer for the same input.

use kwiki::content::front_matter::{self, SplitError};
use kwiki::names::{Index, Resolution, normalize};
use kwiki::{Options, Session};
use proptest::prelude::*;

use crate::support::TestSite;

/// Markdown-ish text: the constructs kwiki treats specially, mixed with arbitrary characters.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[[".to_string()),
        Just("]]".to_string()),
        Just("|".to_string()),
        Just("#".to_string()),
        Just("[^a]".to_string()),
        Just("[^a]: ".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("> ".to_string()),
        Just("- ".to_string()),
        Just("* ".to_string()),
        Just("`".to_string()),
        Just("<b>".to_string()),
        Just("</b>".to_string()),
        Just("<script>".to_string()),
        Just("+++".to_string()),
        Just("[[Alpha]]".to_string()),
        Just("[[alpha|x]]".to_string()),
        Just("[[Beta#Section]]".to_string()),
        Just("[x](javascript:y)".to_string()),
        Just("## Section".to_string()),
        Just("| a | b |\n| - | - |\n".to_string()),
        "[a-zA-Z ]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_splitter_never_panics_and_its_offsets_are_in_order(text in "\\PC*", prefix in prop_oneof![Just(""), Just("+++\n"), Just("\u{feff}+++\r\n")]) {
        let text = format!("{prefix}{text}");
        match front_matter::split(&text) {
            Ok(s) => {
                prop_assert!(s.toml_start <= s.toml_end && s.toml_end <= s.body_offset);
                prop_assert!(s.body_offset <= text.len());
                for at in [s.toml_start, s.toml_end, s.body_offset] {
                    prop_assert!(text.is_char_boundary(at));
                }
                let (_, diagnostics) = front_matter::parse(&text, s, None, "content/_index.md");
                prop_assert_eq!(diagnostics.len(), front_matter::parse(&text, s, None, "content/_index.md").1.len());
            }
            Err(SplitError::NoOpeningFence) => {
                let first = text.strip_prefix('\u{feff}').unwrap_or(&text).split('\n').next().unwrap_or("");
                prop_assert!(first.trim_end() != "+++", "{:?}", first);
            }
            Err(SplitError::Unclosed(_)) => {}
        }
    }

    #[test]
    fn the_splitter_finds_the_body_of_any_well_formed_page(toml in "[a-z]{1,8} = \"[^\"\\\\\n]{0,20}\"", body in "\\PC*") {
        let text = format!("+++\n{toml}\n+++\n{body}");
        let s = front_matter::split(&text).expect("well formed");
        prop_assert_eq!(&text[s.toml_start..s.toml_end], format!("{toml}\n"));
        prop_assert_eq!(&text[s.body_offset..], body.as_str());
    }

    #[test]
    fn the_resolver_never_panics_and_finds_every_unique_name(
        titles in proptest::collection::vec("\\PC{1,12}", 1..20),
        aliases in proptest::collection::vec(proptest::collection::vec("\\PC{1,12}", 0..3), 20),
        probes in proptest::collection::vec("\\PC{0,12}", 0..20),
    ) {
        let aliases = &aliases[..titles.len()];
        let build = || Index::build(titles.iter().enumerate().map(|(i, t)| (i, t.as_str(), aliases[i].iter().map(String::as_str))));
        let (index, clashes) = build();
        let (again, clashes_again) = build();
        prop_assert_eq!(clashes.len(), clashes_again.len());
        for probe in probes.iter().chain(&titles).chain(aliases.iter().flatten()) {
            prop_assert_eq!(index.resolve(probe), again.resolve(probe));
        }
        // A title no other title or alias shares (once normalised) finds its page.
        for (i, title) in titles.iter().enumerate() {
            let key = normalize(title);
            let shared = titles.iter().enumerate().any(|(j, t)| j != i && normalize(t) == key)
                || aliases.iter().flatten().any(|a| normalize(a) == key);
            if !shared && !key.is_empty() {
                prop_assert_eq!(index.resolve(title), Resolution::Found(i));
            }
        }
    }
}

proptest! {
    // Each case builds a whole site (templates included), so fewer of them.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_page_pipeline_never_panics_and_is_deterministic(body in markdownish(), title in "\\PC{1,20}", alias in "\\PC{0,10}") {
        let site = TestSite::new();
        let escape = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        site.page("content/groups/alpha.md", "Alpha", "", "Alpha links [[Beta]].\n\n## Section\n");
        site.write(
            "content/groups/beta.md",
            &format!("+++\ntitle = \"{}\"\naliases = [\"Beta\", \"{}\"]\n+++\n{body}", escape(&title), escape(&alias)),
        );
        let options = Options { root: site.root().to_path_buf(), out: None, base_url: None, strict: false, render_hook: None, remove_previous: None, on_stuck: None };
        let mut one = Session::new(options.clone());
        let mut two = Session::new(options);
        let (a, b) = (one.build(), two.build());
        let show = |r: &kwiki::Report| r.diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>();
        prop_assert_eq!(show(&a), show(&b));
        prop_assert_eq!(one.files().len(), two.files().len());
        for (x, y) in one.files().iter().zip(two.files()) {
            prop_assert_eq!(&x.path, &y.path);
            prop_assert!(x.bytes == y.bytes, "{} differs", x.path);
        }
        // A body that breaks nothing else builds: the only errors are about this page's names.
        if !a.failed {
            prop_assert!(one.files().iter().any(|f| f.path == "groups/beta/index.html"));
        }
    }
}
