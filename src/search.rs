//! The search index: a compact prebuilt index the browser loads only when a reader searches.
//!
//! - `search/index.json`: one row per page, `[title, kind, path, aliases, summary]`, with the
//!   kind names once; a page with section aliases adds a sixth item, the heading id of each
//!   alias ("" for a plain one). Titles and aliases are matched in the browser against this file alone.
//! - `search/t/<key>.json`: the full-text postings, sharded by the first two characters of each
//!   term, `{term: [page, ...]}` with pages ordered by how often the term occurs. A query loads
//!   only the shards of its own words, so a 10,000-page wiki never ships its whole text.
//!
//! Folding is the same here and in `static/kwiki.js`: Unicode NFD, combining marks dropped,
//! lower case; a term is a run of letters and digits. Hangul syllables decompose into jamo, so
//! a syllable still being typed in an IME (바 on the way to 방) is already a prefix of its word.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use rayon::prelude::*;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::base::OutputFile;
use crate::base::text::{Cut, truncate};

/// Folder of the index in the built site.
pub const DIR: &str = "search/";

/// Characters of a term that choose its shard.
const SHARD_CHARS: usize = 2;

/// Longest summary kept per page, in characters.
const SUMMARY_CHARS: usize = 160;

/// Term → `(count, page)` for one shard.
type Postings = BTreeMap<String, Vec<(u32, u32)>>;

/// What the index needs of one page.
pub struct Entry<'a> {
    pub title: &'a str,
    pub kind: usize,
    /// Path below the base path: `groups/bts/`.
    pub path: String,
    pub aliases: Vec<&'a str>,
    /// Beside `aliases`, the heading id each section alias leads to ("" for a plain alias);
    /// empty when the page has no section alias.
    pub anchors: Vec<String>,
    pub summary: &'a str,
}

/// Folds text for matching: NFD, no combining marks, lower case.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The terms of already folded text.
fn split_terms(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
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

/// The index of a build, kept by a `Session` so a rebuild re-counts only the changed pages and
/// re-serialises only the shards their terms live in.
#[derive(Default)]
pub struct SearchIndex {
    /// Per page: its terms and how often each occurs, each once, in no particular order.
    terms: Vec<PageTerms>,
    /// shard → term → (count, page), each list in output order.
    shards: BTreeMap<String, Postings>,
    /// shard → its serialised file.
    json: BTreeMap<String, Arc<[u8]>>,
    /// `index.json`.
    docs: Arc<[u8]>,
}

impl SearchIndex {
    /// Indexes every page from its counted terms ([`count_terms`], one per page in corpus
    /// order). Deterministic: sorted maps, pages in corpus order.
    pub fn build(terms: Vec<PageTerms>) -> SearchIndex {
        let mut shards: BTreeMap<String, Postings> = BTreeMap::new();
        // (count, page) as two `u32`s: three million postings at 10k pages, so their width
        // is a good part of the build's peak memory.
        let mut postings: FxHashMap<&str, Vec<(u32, u32)>> = FxHashMap::default();
        for (id, counts) in terms.iter().enumerate() {
            let id = page_u32(id);
            for (term, n) in counts.iter() {
                postings.entry(term).or_default().push((n, id));
            }
        }
        for (term, mut list) in postings {
            if let Some(shard) = shard_of(term) {
                // Pages were added in increasing order, so a stable sort on the count alone
                // gives `posting_order` (count down, then page up) with cheaper comparisons.
                list.sort_by_key(|&(n, _)| std::cmp::Reverse(n));
                shards
                    .entry(shard)
                    .or_default()
                    .insert(term.to_string(), list);
            }
        }
        let json = shards
            .par_iter()
            .map(|(shard, postings)| (shard.clone(), shard_json(postings)))
            .collect();
        SearchIndex {
            terms,
            shards,
            json,
            docs: Arc::from(Vec::new()),
        }
    }

    /// Re-indexes the changed pages, given as (page, its freshly counted terms); the result
    /// equals `build` on the new terms of every page.
    pub fn update(&mut self, fresh: Vec<(usize, PageTerms)>) {
        let mut dirty: BTreeSet<String> = BTreeSet::new();
        for (id, new_terms) in fresh {
            let old_terms = std::mem::replace(&mut self.terms[id], new_terms);
            // Both lists, sorted by term, are walked together to touch only the postings
            // (and shards) of terms that appeared, vanished or changed count. An edit of a
            // sentence then rewrites a few shards, not every shard the page uses.
            let mut old: Vec<(&str, u32)> = old_terms.iter().collect();
            let mut new: Vec<(&str, u32)> = self.terms[id].iter().collect();
            old.sort_unstable();
            new.sort_unstable();
            let (mut removed, mut added) = (Vec::new(), Vec::new());
            let (mut i, mut j) = (0, 0);
            while i < old.len() || j < new.len() {
                match (old.get(i), new.get(j)) {
                    (Some(a), Some(b)) if a.0 == b.0 => {
                        if a.1 != b.1 {
                            removed.push(*a);
                            added.push(*b);
                        }
                        i += 1;
                        j += 1;
                    }
                    (Some(a), Some(b)) if a.0 < b.0 => {
                        removed.push(*a);
                        i += 1;
                    }
                    (Some(_), Some(b)) | (None, Some(b)) => {
                        added.push(*b);
                        j += 1;
                    }
                    (Some(a), None) => {
                        removed.push(*a);
                        i += 1;
                    }
                    (None, None) => break,
                }
            }
            for (term, _) in removed {
                let Some(shard) = shard_of(term) else {
                    continue;
                };
                if let Some(postings) = self.shards.get_mut(&shard) {
                    if let Some(list) = postings.get_mut(term) {
                        list.retain(|&(_, page)| page != page_u32(id));
                        if list.is_empty() {
                            postings.remove(term);
                        }
                    }
                    if postings.is_empty() {
                        self.shards.remove(&shard);
                    }
                }
                dirty.insert(shard);
            }
            for (term, n) in added {
                let Some(shard) = shard_of(term) else {
                    continue;
                };
                let list = self
                    .shards
                    .entry(shard.clone())
                    .or_default()
                    .entry(term.to_string())
                    .or_default();
                let entry = (n, page_u32(id));
                let at = list
                    .binary_search_by(|probe| posting_order(probe, &entry))
                    .unwrap_or_else(|at| at);
                list.insert(at, entry);
                dirty.insert(shard);
            }
        }
        for shard in dirty {
            match self.shards.get(&shard) {
                Some(postings) => {
                    self.json.insert(shard, shard_json(postings));
                }
                None => {
                    self.json.remove(&shard);
                }
            }
        }
    }

    /// Every file of the index: `index.json` (as last set by `set_docs`, with the list of
    /// shards that exist, so the browser never asks for one that does not) and the shards.
    pub fn files(&self) -> Vec<OutputFile> {
        let mut index = Vec::with_capacity(self.docs.len() + 8 * self.json.len() + 16);
        match self.docs.split_last() {
            Some((b'}', head)) => {
                index.extend_from_slice(head);
                index.extend_from_slice(b",\"shards\":[");
                for (i, shard) in self.json.keys().enumerate() {
                    if i > 0 {
                        index.push(b',');
                    }
                    index.push(b'"');
                    index.extend_from_slice(shard.as_bytes());
                    index.push(b'"');
                }
                index.extend_from_slice(b"]}");
            }
            _ => index.extend_from_slice(&self.docs),
        }
        let mut files = vec![OutputFile {
            path: format!("{DIR}index.json"),
            bytes: index.into(),
        }];
        files.extend(self.json.iter().map(|(shard, bytes)| OutputFile {
            path: format!("{DIR}t/{shard}.json"),
            bytes: bytes::Bytes::from_owner(Arc::clone(bytes)),
        }));
        files
    }

    /// Makes `index.json` from every page's entry.
    pub fn set_docs(&mut self, kinds: &[String], entries: &[Entry]) {
        /// One page: `[title, kind, path, aliases, summary]`, and the aliases' heading ids
        /// after them when some alias names a section.
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Doc<'a> {
            Plain(&'a str, usize, &'a str, &'a [&'a str], String),
            Sections(&'a str, usize, &'a str, &'a [&'a str], String, &'a [String]),
        }
        /// The file, its keys in the sorted order it had when built as a `serde_json::Value`.
        #[derive(serde::Serialize)]
        struct Index<'a> {
            docs: Vec<Doc<'a>>,
            kinds: &'a [String],
            v: u32,
        }
        let mut docs: Vec<Doc> = entries
            .iter()
            .map(|e| {
                let summary = truncate(e.summary, SUMMARY_CHARS, Cut::Anywhere);
                if e.anchors.is_empty() {
                    Doc::Plain(e.title, e.kind, &e.path, &e.aliases, summary)
                } else {
                    Doc::Sections(e.title, e.kind, &e.path, &e.aliases, summary, &e.anchors)
                }
            })
            .collect();
        // Disambiguation pages, after every page (the shards number pages in corpus order), as
        // one more kind: a name several pages share, by the name index's own rule.
        let (names, _) = crate::names::Index::build(
            entries
                .iter()
                .enumerate()
                .map(|(i, e)| (i, e.title, e.aliases.iter().copied())),
        );
        let shared = names.shared_names();
        let paths: Vec<String> = shared
            .iter()
            .map(|(name, _)| crate::urls::disambiguation_path(name))
            .collect();
        for ((name, ids), path) in shared.iter().zip(&paths) {
            let mut titles: Vec<&str> = ids.iter().map(|&i| entries[i].title).collect();
            titles.sort_unstable();
            docs.push(Doc::Plain(
                name,
                kinds.len(),
                path,
                &[],
                truncate(
                    &format!("May refer to: {}.", titles.join(", ")),
                    SUMMARY_CHARS,
                    Cut::Anywhere,
                ),
            ));
        }
        let mut all_kinds = kinds.to_vec();
        if !shared.is_empty() {
            all_kinds.push("Disambiguation".to_string());
        }
        let index = Index {
            docs,
            kinds: &all_kinds,
            v: 1,
        };
        // `<` only occurs inside JSON strings, where `\u003c` means the same: no `</script>` in
        // the index even if a page ever inlines it.
        self.docs = serde_json::to_string(&index)
            .unwrap_or_default()
            .replace('<', "\\u003c")
            .into_bytes()
            .into();
    }
}

/// A page's terms and their counts, in no particular order, in one string: one allocation per
/// page rather than one per term. Counted in the Markdown stage, so the page's plain text need
/// not outlive it.
#[derive(Default)]
pub struct PageTerms {
    text: String,
    /// (end of the term in `text`, count); each term starts where the previous ended.
    ends: Vec<(u32, u32)>,
}

impl PageTerms {
    fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        let mut start = 0;
        self.ends.iter().map(move |&(end, n)| {
            let term = self.text.get(start..end as usize).unwrap_or("");
            start = end as usize;
            (term, n)
        })
    }
}

/// A word of at most 16 bytes as one integer: its bytes, zero-padded. A word never holds a NUL
/// byte, so the padding is unambiguous, and hashing or comparing it is one or two instructions
/// instead of a hash over a slice and a `memcmp`. `text[start..end]` is the word; when 16 bytes
/// of `text` follow `start`, they are read at once and masked.
fn pack(text: &[u8], start: usize, end: usize) -> Option<u128> {
    let len = end.checked_sub(start)?;
    if len > 16 {
        return None;
    }
    let mask = if len == 16 {
        u128::MAX
    } else {
        (1u128 << (8 * len)) - 1
    };
    if let Some(Ok(window)) = text.get(start..start + 16).map(<[u8; 16]>::try_from) {
        return Some(u128::from_le_bytes(window) & mask);
    }
    let mut buf = [0u8; 16];
    buf[..len].copy_from_slice(text.get(start..end)?);
    Some(u128::from_le_bytes(buf))
}

/// The bytes of a packed word, padding included, and the word's length.
fn unpack(key: u128) -> ([u8; 16], usize) {
    (key.to_le_bytes(), 16 - (key.leading_zeros() / 8) as usize)
}

/// A page's words or terms and their counts: the short ones packed into integers, longer ones
/// by slice.
struct Counts<'a> {
    short: FxHashMap<u128, u32>,
    long: FxHashMap<&'a str, u32>,
}

/// Counts a page's terms (title, summary, aliases and body text), in no particular order. Raw
/// words are counted first and each distinct word is folded once (most words repeat); words
/// already folded are never copied.
pub fn count_terms<'a>(sources: impl IntoIterator<Item = &'a str>) -> PageTerms {
    // ASCII letters are lowered first (one fast pass over each text), so "The" and "the" are
    // one entry and most words need no folding below; folding gives the same terms either way.
    // A text with no capital (a caller may lower a text it owns in place) is not copied.
    let lowered: Vec<Cow<str>> = sources
        .into_iter()
        .map(|s| {
            if s.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(s.to_ascii_lowercase())
            } else {
                Cow::Borrowed(s)
            }
        })
        .collect();
    let mut raw = Counts {
        short: FxHashMap::with_capacity_and_hasher(256, Default::default()),
        long: FxHashMap::default(),
    };
    for source in &lowered {
        let bytes = source.as_bytes();
        each_word(source, |start, end| match pack(bytes, start, end) {
            Some(key) => *raw.short.entry(key).or_default() += 1,
            None => *raw.long.entry(&source[start..end]).or_default() += 1,
        });
    }
    // Words that are already terms (ASCII lowercase and digits: most) stay as counted; the
    // others are folded and split, and each of their terms is added to the same term's count,
    // so every term comes out once. No sort: a full build does not need one, and
    // `SearchIndex::update` sorts the two lists it compares.
    // A word is made of ASCII letters and digits (lowered above) and of non-ASCII characters, so
    // it is already a term exactly when it is ASCII: for a packed word, when no byte has its
    // high bit set.
    const HIGH: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
    let mut others: Vec<(String, u32)> = Vec::new();
    raw.short.retain(|&key, &mut n| {
        if key & HIGH == 0 {
            return true;
        }
        let (buf, len) = unpack(key);
        others.push((String::from_utf8_lossy(&buf[..len]).into_owned(), n));
        false
    });
    raw.long.retain(|word, &mut n| {
        if word.is_ascii() {
            return true;
        }
        others.push((word.to_string(), n));
        false
    });
    let mut extra: FxHashMap<String, u32> = FxHashMap::default();
    for (word, n) in others {
        let folded = fold(&word);
        for term in split_terms(&folded) {
            let count = match pack(term.as_bytes(), 0, term.len()) {
                Some(key) => raw.short.get_mut(&key),
                None => raw.long.get_mut(term),
            };
            match count {
                Some(count) => *count += n,
                None => *extra.entry(term.to_string()).or_default() += n,
            }
        }
    }
    // The terms are written as bytes and checked as UTF-8 once: every one is a whole word or
    // folded term, so the check never fails.
    let mut text: Vec<u8> = Vec::with_capacity(
        raw.short.len() * 8
            + raw.long.keys().map(|t| t.len()).sum::<usize>()
            + extra.keys().map(String::len).sum::<usize>(),
    );
    let mut ends = Vec::with_capacity(raw.short.len() + raw.long.len() + extra.len());
    let mut push = |term: &[u8], n: u32| {
        text.extend_from_slice(term);
        ends.push((u32::try_from(text.len()).unwrap_or(u32::MAX), n));
    };
    for (&key, &n) in &raw.short {
        let (buf, len) = unpack(key);
        push(&buf[..len], n);
    }
    for (term, &n) in raw.long.iter() {
        push(term.as_bytes(), n);
    }
    for (term, &n) in &extra {
        push(term.as_bytes(), n);
    }
    PageTerms {
        text: String::from_utf8(text)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ends,
    }
}

/// Eight bytes of a text with the high bit of each byte that is an ASCII letter or digit set.
/// Bytes that are not ASCII never count here: their high bit is cleared first.
fn ascii_word_bytes(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let ascii = !x & HIGH;
    let low = x & !HIGH;
    // A byte b (below 0x80) plus (0x80 - lo) reaches the high bit exactly when b >= lo, and
    // plus (0x7f - hi) exactly when b > hi; no sum carries into the next byte.
    let within = |v: u64, lo: u64, hi: u64| (v + (0x80 - lo) * ONES) & !(v + (0x7f - hi) * ONES);
    let digit = within(low, 0x30, 0x39);
    // ASCII letters of either case, folded to lower case by setting 0x20.
    let letter = within(low | (0x20 * ONES), 0x61, 0x7a);
    (digit | letter) & ascii
}

/// The high bits of eight bytes, gathered into the low eight bits (byte 0 → bit 0).
fn gather_high_bits(x: u64) -> u64 {
    ((x >> 7) & 0x0101_0101_0101_0101).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// One bit per byte of `text`, set where the byte belongs to a word: ASCII letters and digits,
/// and every byte of a non-ASCII character that is alphanumeric or a combining mark. Eight
/// ASCII bytes are classified at a time; only non-ASCII bytes are decoded.
fn word_mask(text: &str) -> Vec<u64> {
    let bytes = text.as_bytes();
    let mut mask = vec![0u64; bytes.len().div_ceil(64)];
    let mut wide = 0u64;
    let mut lanes = bytes.chunks_exact(8);
    for (i, lane) in (&mut lanes).enumerate() {
        let x = <[u8; 8]>::try_from(lane).map_or(0, u64::from_le_bytes);
        wide |= x;
        mask[i / 8] |= gather_high_bits(ascii_word_bytes(x)) << ((i % 8) * 8);
    }
    let rest = lanes.remainder();
    if !rest.is_empty() {
        let mut lane = [0u8; 8];
        lane[..rest.len()].copy_from_slice(rest);
        let x = u64::from_le_bytes(lane);
        wide |= x;
        let i = bytes.len() / 8;
        mask[i / 8] |= gather_high_bits(ascii_word_bytes(x)) << ((i % 8) * 8);
    }
    if wide & 0x8080_8080_8080_8080 != 0 {
        for (at, c) in text.char_indices().filter(|(_, c)| !c.is_ascii()) {
            if c.is_alphanumeric() || is_combining_mark(c) {
                for i in at..at + c.len_utf8() {
                    mask[i / 64] |= 1 << (i % 64);
                }
            }
        }
    }
    mask
}

/// Calls `f` with the byte range of each word of `text` (runs of set bits of its `word_mask`),
/// in order.
fn each_word(text: &str, mut f: impl FnMut(usize, usize)) {
    let mut start = 0;
    // Whether the byte before the current 64 is part of a word.
    let mut carry = 0u64;
    for (i, &m) in word_mask(text).iter().enumerate() {
        let before = (m << 1) | carry;
        // Bits where a word starts, and where the first byte after a word is.
        let mut edges = (m & !before) | (!m & before);
        while edges != 0 {
            let at = i * 64 + edges.trailing_zeros() as usize;
            if m & (edges & edges.wrapping_neg()) != 0 {
                start = at;
            } else {
                f(start, at);
            }
            edges &= edges - 1;
        }
        carry = m >> 63;
    }
    if carry != 0 {
        f(start, text.len());
    }
}

/// The words of a text, as `each_word` finds them: runs of ASCII letters and digits, or of any
/// other alphanumeric character or combining mark.
#[cfg(test)]
fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    each_word(text, |start, end| words.push(&text[start..end]));
    words
}

/// Pages using the term most come first; ties in page order.
fn posting_order(a: &(u32, u32), b: &(u32, u32)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// A page number as stored in the postings. Page numbers index a `Vec` of pages held in memory,
/// so more than `u32::MAX` of them cannot occur; saturating keeps this total anyway.
fn page_u32(id: usize) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

/// Appends a number's decimal digits without allocating.
fn push_number(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

fn shard_json(postings: &Postings) -> Arc<[u8]> {
    let mut json = String::from("{");
    for (i, (term, list)) in postings.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&serde_json::Value::from(term.as_str()).to_string());
        json.push_str(":[");
        for (j, (_, id)) in list.iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            push_number(&mut json, *id as usize);
        }
        json.push(']');
    }
    json.push('}');
    json.into_bytes().into()
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
            split_terms(&fold("K-pop's “idol” 2024")).collect::<Vec<_>>(),
            ["k", "pop", "s", "idol", "2024"]
        );
        assert_eq!(shard_of("pop").as_deref(), Some("70-6f"));
        assert_eq!(shard_of("k"), None);
    }

    /// Words by their definition, one character at a time.
    fn words_by_chars(text: &str) -> Vec<&str> {
        text.split(|c: char| {
            !(c.is_ascii_alphanumeric()
                || (!c.is_ascii() && (c.is_alphanumeric() || is_combining_mark(c))))
        })
        .filter(|w| !w.is_empty())
        .collect()
    }

    proptest::proptest! {
        /// Texts long enough to cross the 8-byte lanes and 64-byte mask words, with characters
        /// of one to four bytes on either side of every boundary.
        #[test]
        fn words_are_found_as_defined(
            text in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'Z', '0', '9', ' ', '-', '\'', '_', '@', '[', '`', '{', '\n', '\u{7f}',
                'é', '\u{301}', '½', '٣', '–', '\u{a0}', '방', '\u{3000}', '😀', '𝟘',
            ]), 0..300).prop_map(|chars: Vec<char>| chars.into_iter().collect::<String>()),
        ) {
            proptest::prop_assert_eq!(words(&text), words_by_chars(&text));
        }

        #[test]
        fn words_of_any_text_are_found_as_defined(text in "\\PC{0,160}") {
            proptest::prop_assert_eq!(words(&text), words_by_chars(&text));
        }
    }

    #[test]
    fn words_split_like_the_char_definition() {
        let text =
            "K-pop's “idol” 2024 Beyoncé 방탄소년단 e\u{301}te\u{301}, naïve_x ½ ٣٤ Ωμέγα—end";
        let by_chars: Vec<&str> = text
            .split(|c: char| {
                !(c.is_ascii_alphanumeric()
                    || (!c.is_ascii() && (c.is_alphanumeric() || is_combining_mark(c))))
            })
            .filter(|w| !w.is_empty())
            .collect();
        assert_eq!(words(text), by_chars);
        let counted = count_terms(["The the THE", "Thé"]);
        assert_eq!(counted.iter().collect::<Vec<_>>(), [("the", 4)]);
    }

    /// Issue 22: `index.json` lists the shards that exist (a query in a script with none asks
    /// for no missing file) and the disambiguation pages, after the pages.
    #[test]
    fn the_index_lists_its_shards_and_the_disambiguation_pages() {
        let mut index = SearchIndex::build(vec![
            count_terms(["Seven songs"]),
            count_terms(["Seven albums"]),
            count_terms(["Blackpink"]),
        ]);
        let entry = |title, kind, path: &str| Entry {
            title,
            kind,
            path: path.to_string(),
            aliases: Vec::new(),
            anchors: Vec::new(),
            summary: "",
        };
        index.set_docs(
            &["Song".to_string(), "Album".to_string()],
            &[
                entry("Seven (song)", 0, "songs/seven-song/"),
                entry("Seven (album)", 1, "albums/seven-album/"),
                entry("Blackpink", 0, "groups/blackpink/"),
            ],
        );
        let files = index.files();
        let json: serde_json::Value = serde_json::from_slice(&files[0].bytes).unwrap();
        let shards: Vec<&str> = json["shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let written: Vec<String> = files[1..]
            .iter()
            .map(|f| {
                f.path
                    .trim_start_matches("search/t/")
                    .trim_end_matches(".json")
                    .to_string()
            })
            .collect();
        assert_eq!(shards, written);
        assert!(shards.contains(&"73-65"), "{shards:?}");
        let docs = json["docs"].as_array().unwrap();
        assert_eq!(docs.len(), 4, "{docs:?}");
        assert_eq!(docs[3][0], "Seven");
        assert_eq!(docs[3][2], "disambiguation/seven/");
        assert_eq!(
            json["kinds"][docs[3][1].as_u64().unwrap() as usize],
            "Disambiguation"
        );
        assert_eq!(docs[3][4], "May refer to: Seven (album), Seven (song).");
    }

    use proptest::strategy::Strategy;

    /// The definition `count_terms` implements: every word folded and split into terms, each
    /// term counted, sorted by term.
    fn count_terms_by_definition(sources: &[&str]) -> Vec<(String, u32)> {
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for source in sources {
            for word in source.split(|c: char| {
                !(c.is_ascii_alphanumeric()
                    || (!c.is_ascii() && (c.is_alphanumeric() || is_combining_mark(c))))
            }) {
                for term in split_terms(&fold(word)) {
                    *counts.entry(term.to_string()).or_default() += 1;
                }
            }
        }
        counts.into_iter().collect()
    }

    proptest::proptest! {
        #[test]
        fn terms_are_counted_as_defined(
            sources in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec![
                    "the", "The", "THE", "Thé", "pop", "K-pop's", "2024", "x", " ", ", ", "\n",
                    "sixteen-letters!", "sixteenletterssx", "seventeenletterss",
                    "averyveryverylongwordindeed", "AVeryVeryVeryLongWordIndeed",
                    "Beyoncé", "beyonce", "방탄소년단", "방탄", "e\u{301}te\u{301}", "naïve_x",
                    "½", "٣٤", "Ωμέγα", "—", "ÅSA", "ß", "İstanbul", "ǅemal",
                ]), 0..24).prop_map(|parts: Vec<&str>| parts.concat()),
                0..4,
            ),
        ) {
            let refs: Vec<&str> = sources.iter().map(String::as_str).collect();
            let mut counted: Vec<(String, u32)> = count_terms(refs.iter().copied())
                .iter()
                .map(|(t, n)| (t.to_string(), n))
                .collect();
            counted.sort();
            proptest::prop_assert_eq!(counted, count_terms_by_definition(&refs));
        }
    }

    proptest::proptest! {
        /// Every term's pages come in `posting_order`, as `update` (which binary-searches with
        /// it) needs.
        #[test]
        fn postings_are_built_in_posting_order(
            pages in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec!["aa", "ab", "ba", "bb"]), 0..12),
                0..40,
            ),
        ) {
            let terms = pages.iter().map(|words| count_terms([words.join(" ").as_str()])).collect();
            let index = SearchIndex::build(terms);
            for postings in index.shards.values() {
                for list in postings.values() {
                    proptest::prop_assert!(list.is_sorted_by(|a, b| posting_order(a, b).is_le()));
                }
            }
        }
    }

    #[test]
    fn postings_rank_pages_by_term_count_and_shard_by_prefix() {
        let e = |title| Entry {
            title,
            kind: 0,
            path: String::new(),
            aliases: vec![],
            anchors: vec![],
            summary: "",
        };
        let entries = [e("One"), e("Two")];
        let terms = vec![
            count_terms(["One", "dance"]),
            count_terms(["Two", "dance dance dance"]),
        ];
        let mut index = SearchIndex::build(terms);
        index.set_docs(&["Group".into()], &entries);
        let files = index.files();
        let shard = files
            .iter()
            .find(|f| f.path == "search/t/64-61.json")
            .expect("the `da` shard");
        assert_eq!(String::from_utf8_lossy(&shard.bytes), r#"{"dance":[1,0]}"#);
        assert!(files.iter().any(|f| f.path == "search/index.json"));
    }
}
