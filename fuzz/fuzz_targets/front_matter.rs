//! The front-matter splitter and TOML front-matter parser on arbitrary text: no panic, and
//! every offset they return lies on a character boundary inside the text.
#![no_main]

use kwiki::content::front_matter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(split) = front_matter::split(text) {
        assert!(split.toml_start <= split.toml_end && split.toml_end <= text.len());
        assert!(split.body_offset <= text.len());
        assert!(text.is_char_boundary(split.toml_start));
        assert!(text.is_char_boundary(split.toml_end));
        assert!(text.is_char_boundary(split.body_offset));
        let (_, diagnostics) = front_matter::parse(text, split, None, "content/_index.md");
        for d in diagnostics {
            let _ = d.to_string();
        }
    }
});
