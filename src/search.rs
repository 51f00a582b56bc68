//! The search index: a compact prebuilt index the browser loads only when a reader searches.
//!
//! - `search/index.json`: one row per page, `[title, kind, path, aliases, summary]`, with the
//!   kind names once. Titles and aliases are matched in the browser against this file alone.
//! - `search/t/<key>.json`: the full-text postings, sharded by the first two characters of each
//!   term, `{term: [page, ...]}` with pages ordered by how often the term occurs. A query loads
//!   only the shards of its own words, so a 10,000-page wiki never ships its whole text.
//!
//! Folding is the same here and in `static/kwiki.js`: Unicode NFD, combining marks dropped,
//! lower case; a term is a run of letters and digits. Hangul syllables decompose into jamo, so
//! a syllable still being typed in an IME (바 on the way to 방) is already a prefix of its word.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::render::OutputFile;

/// Folder of the index in the built site.
pub const DIR: &str = "search/";

/// Characters of a term that choose its shard.
const SHARD_CHARS: usize = 2;

/// Longest summary kept per page, in characters.
const SUMMARY_CHARS: usize = 160;

/// What the index needs of one page.
pub struct Entry<'a> {
    pub title: &'a str,
    pub kind: usize,
    /// Path below the base path: `groups/bts/`.
    pub path: String,
    pub aliases: Vec<&'a str>,
    pub summary: &'a str,
    /// Plain text of the body.
    pub text: &'a str,
}

/// Folds text for matching: NFD, no combining marks, lower case.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The folded terms of a text.
pub fn terms(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The shard file (below `search/t/`) a term lives in; `None` for one-character terms, which
/// only titles and aliases answer.
pub fn shard_of(term: &str) -> Option<String> {
    let key: Vec<String> = term
        .chars()
        .take(SHARD_CHARS)
        .map(|c| format!("{:x}", c as u32))
        .collect();
    (key.len() == SHARD_CHARS).then(|| key.join("-"))
}

/// Builds every file of the index. Deterministic: sorted maps, pages in corpus order.
pub fn build(kinds: &[String], entries: &[Entry]) -> Vec<OutputFile> {
    let docs: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!([
                e.title,
                e.kind,
                e.path,
                e.aliases,
                truncate(e.summary, SUMMARY_CHARS)
            ])
        })
        .collect();
    let index = serde_json::json!({ "v": 1, "kinds": kinds, "docs": docs });

    // shard → term → [(count, page)]
    let mut shards: BTreeMap<String, BTreeMap<String, Vec<(u32, usize)>>> = BTreeMap::new();
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for (id, e) in entries.iter().enumerate() {
        counts.clear();
        let sources = [e.title, e.summary, e.text]
            .into_iter()
            .chain(e.aliases.iter().copied());
        for source in sources {
            for term in terms(source) {
                *counts.entry(term).or_default() += 1;
            }
        }
        for (term, &n) in &counts {
            if let Some(shard) = shard_of(term) {
                shards
                    .entry(shard)
                    .or_default()
                    .entry(term.clone())
                    .or_default()
                    .push((n, id));
            }
        }
    }
    let mut files = vec![OutputFile {
        path: format!("{DIR}index.json"),
        bytes: index.to_string().into_bytes(),
    }];
    for (shard, terms) in shards {
        let map: serde_json::Map<String, serde_json::Value> = terms
            .into_iter()
            .map(|(term, mut postings)| {
                postings.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let ids: Vec<usize> = postings.into_iter().map(|(_, id)| id).collect();
                (term, serde_json::json!(ids))
            })
            .collect();
        files.push(OutputFile {
            path: format!("{DIR}t/{shard}.json"),
            bytes: serde_json::Value::Object(map).to_string().into_bytes(),
        });
    }
    files
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case_and_decomposes_hangul() {
        assert_eq!(fold("Beyoncé ÅSA"), "beyonce asa");
        // 방 is ᄇ ᅡ ᆼ: the syllable still being typed (바) is a prefix of it.
        assert!(fold("방탄").starts_with(&fold("바")));
        assert_eq!(
            terms("K-pop's “idol” 2024"),
            ["k", "pop", "s", "idol", "2024"]
        );
        assert_eq!(shard_of("pop").as_deref(), Some("70-6f"));
        assert_eq!(shard_of("k"), None);
    }

    #[test]
    fn postings_rank_pages_by_term_count_and_shard_by_prefix() {
        let e = |title, text| Entry {
            title,
            kind: 0,
            path: String::new(),
            aliases: vec![],
            summary: "",
            text,
        };
        let files = build(
            &["Group".into()],
            &[e("One", "dance"), e("Two", "dance dance dance")],
        );
        let shard = files
            .iter()
            .find(|f| f.path == "search/t/64-61.json")
            .expect("the `da` shard");
        assert_eq!(String::from_utf8_lossy(&shard.bytes), r#"{"dance":[1,0]}"#);
        assert!(files.iter().any(|f| f.path == "search/index.json"));
    }
}
