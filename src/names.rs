//! Names and slugs: how a `[[wikilink]]` target or a title is normalised, and the [`Index`] that
//! maps every title and alias to its page.
//!
//! Matching ignores Unicode composition (NFC), case, surrounding and repeated white space, `_`
//! versus space, and the typographic variants of apostrophes, quotes and dashes, so
//! `[[Girls’ Generation]]` finds "Girls' Generation". The index exists before any Markdown is
//! rendered, so links resolve in one pass.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

use crate::base::PageId;

/// The key two names share when a reader would call them the same.
pub fn normalize(name: &str) -> String {
    if name.is_ascii() {
        normalize_ascii(name)
    } else {
        normalize_chars(name)
    }
}

/// `normalize` for any name.
fn normalize_chars(name: &str) -> String {
    // Composed (NFC) first, so "é" typed as one character or as "e" and an accent is one name.
    let composed: String;
    let name = if name.is_ascii() || unicode_normalization::is_nfc(name) {
        name
    } else {
        composed = name.nfc().collect();
        &composed
    };
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for c in name.trim().chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '\u{0060}'
            | '\u{00B4}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => '"',
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => '-',
            '_' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// `normalize` for an ASCII name (most links): the same steps on bytes, with no case tables.
fn normalize_ascii(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for b in name.trim().bytes() {
        let b = match b {
            b'`' => b'\'',
            b'_' => b' ',
            b => b,
        };
        // `char::is_whitespace` for ASCII: tab, line feed, vertical tab, form feed, return, space.
        if matches!(b, b'\t'..=b'\r' | b' ') {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(char::from(b.to_ascii_lowercase()));
    }
    out
}

/// A URL path segment for any name: lowercase letters and digits of any script, runs of anything
/// else become one `-`. "H.O.T." → "h-o-t", "에이티즈" → "에이티즈". Empty if nothing is left.
pub fn slugify(name: &str) -> String {
    let normalized = normalize(name);
    // Composed (NFC), so "é" typed either way is one folder, not two that look alike. ASCII is
    // composed already.
    if normalized.is_ascii() {
        slug_of(normalized.chars())
    } else {
        slug_of(normalized.nfc())
    }
}

/// Letters and digits kept, every other run of characters but `'` made one `-`, none at the
/// ends.
fn slug_of(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in chars {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else if c != '\'' {
            dash = true;
        }
    }
    out
}

/// The name a qualified title shares with others: "Seven (song)" → Some("Seven").
pub fn base_name(title: &str) -> Option<&str> {
    let trimmed = title.trim_end();
    if !trimmed.ends_with(')') {
        return None;
    }
    let open = trimmed.rfind(" (")?;
    let base = trimmed[..open].trim_end();
    (!base.is_empty()).then_some(base)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Found(PageId),
    Ambiguous(Vec<PageId>),
    Missing,
}

#[derive(Debug, Clone)]
enum Entry {
    Page(PageId),
    Shared(Vec<PageId>),
}

/// Every title, alias and unambiguous base name, normalised, to its page.
#[derive(Debug, Default, Clone)]
pub struct Index {
    names: FxHashMap<String, Entry>,
    /// Every title, alias and base name exactly as written, to what its normalised form finds
    /// in `names`: most links spell their target as written, and find it without normalising.
    exact: FxHashMap<Box<str>, Entry>,
    /// Base names that several pages share, with the name as first written: disambiguations.
    shared: Vec<(String, Vec<PageId>)>,
    /// Normalised names of pages that exist but failed to load, to their index in
    /// `Corpus::broken`: a link to one is not a red link (the page's own error is the problem).
    broken: FxHashMap<String, usize>,
    /// Per page with section aliases: (normalised alias, heading id) for each alias that leads
    /// to that page. Empty on most sites, so most links never look here.
    sections: FxHashMap<PageId, Vec<(String, String)>>,
}

/// A name that could not enter the index as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub page: PageId,
    pub name: String,
    /// `None` for the title, else the index of the alias.
    pub alias_index: Option<usize>,
    /// The page whose title already has this name.
    pub other: PageId,
}

impl Index {
    /// `pages` yields each page's id, title and aliases. A title taken twice is a clash; an alias
    /// equal to another page's title is a clash too (the title wins). An alias or base name
    /// ("Seven" of "Seven (song)") that several pages share resolves to none of them: it becomes
    /// a disambiguation.
    pub fn build<'a, A>(pages: impl Iterator<Item = (PageId, &'a str, A)>) -> (Index, Vec<Clash>)
    where
        A: IntoIterator<Item = &'a str>,
    {
        let pages: Vec<(PageId, &str, Vec<&str>)> = pages
            .map(|(id, title, aliases)| (id, title, aliases.into_iter().collect()))
            .collect();
        // Normalising is most of the work and needs no order: done in parallel, the index is
        // then filled in page order.
        let keys: Vec<(String, Vec<String>, Option<String>)> = pages
            .par_iter()
            .map(|(_, title, aliases)| {
                (
                    normalize(title),
                    aliases.iter().map(|a| normalize(a)).collect(),
                    base_name(title).map(normalize),
                )
            })
            .collect();
        let mut index = Index::default();
        index.names.reserve(pages.len() * 2);
        let mut clashes = Vec::new();
        // (key, first spelling, page), from aliases and base names.
        let mut others: Vec<(String, String, PageId, Option<usize>)> = Vec::new();
        for ((id, title, aliases), (key, alias_keys, base_key)) in pages.iter().zip(&keys) {
            let id = *id;
            match index.names.get(key) {
                Some(Entry::Page(other)) => clashes.push(Clash {
                    page: id,
                    name: title.to_string(),
                    alias_index: None,
                    other: *other,
                }),
                _ => {
                    index.names.insert(key.clone(), Entry::Page(id));
                }
            }
            for (i, (alias, alias_key)) in aliases.iter().zip(alias_keys).enumerate() {
                if !alias_key.is_empty() && alias_key != key {
                    others.push((alias_key.clone(), alias.to_string(), id, Some(i)));
                }
            }
            if let (Some(base), Some(base_key)) = (base_name(title), base_key) {
                others.push((base_key.clone(), base.to_string(), id, None));
            }
        }
        others.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
        for group in others.chunk_by(|a, b| a.0 == b.0) {
            if let Some(Entry::Page(owner)) = index.names.get(&group[0].0) {
                for (_, name, id, alias_index) in group {
                    if alias_index.is_some() && id != owner {
                        clashes.push(Clash {
                            page: *id,
                            name: name.clone(),
                            alias_index: *alias_index,
                            other: *owner,
                        });
                    }
                }
                continue;
            }
            let mut ids: Vec<PageId> = group.iter().map(|g| g.2).collect();
            ids.dedup();
            let entry = if ids.len() == 1 {
                Entry::Page(ids[0])
            } else {
                index.shared.push((group[0].1.clone(), ids.clone()));
                Entry::Shared(ids)
            };
            index.names.insert(group[0].0.clone(), entry);
        }
        index.shared.sort();
        // A spelling's normalised form is a function of the spelling, so its entry here is what
        // `resolve` would find by normalising it.
        index.exact.reserve(pages.len() * 2);
        for ((_, title, aliases), (key, alias_keys, base_key)) in pages.iter().zip(&keys) {
            let spellings = std::iter::once((*title, key))
                .chain(aliases.iter().copied().zip(alias_keys))
                .chain(base_name(title).zip(base_key.as_ref()));
            for (spelling, key) in spellings {
                if let Some(entry) = index.names.get(key) {
                    index
                        .exact
                        .entry(spelling.into())
                        .or_insert_with(|| entry.clone());
                }
            }
        }
        (index, clashes)
    }

    /// Records the aliases that name a section: (page, alias, heading as written). An alias that
    /// leads to another page or to a disambiguation is left out; a link to it never finds this
    /// page.
    pub fn add_sections<'a>(&mut self, sections: impl Iterator<Item = (PageId, &'a str, &'a str)>) {
        for (id, alias, heading) in sections {
            let key = normalize(alias);
            let anchor = slugify(heading);
            if anchor.is_empty()
                || !matches!(self.names.get(&key), Some(Entry::Page(p)) if *p == id)
            {
                continue;
            }
            let list = self.sections.entry(id).or_default();
            if !list.iter().any(|(k, _)| *k == key) {
                list.push((key, anchor));
            }
        }
    }

    /// The heading id that `target`, found as page `id`, points at: `Some` when `target` is one
    /// of that page's section aliases.
    pub fn section_of(&self, target: &str, id: PageId) -> Option<&str> {
        let list = self.sections.get(&id)?;
        let key = normalize(target);
        list.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, anchor)| anchor.as_str())
    }

    pub fn resolve(&self, target: &str) -> Resolution {
        let entry = match self.exact.get(target) {
            Some(entry) => Some(entry),
            None => self.names.get(&normalize(target)),
        };
        match entry {
            Some(Entry::Page(id)) => Resolution::Found(*id),
            Some(Entry::Shared(ids)) => Resolution::Ambiguous(ids.clone()),
            None => Resolution::Missing,
        }
    }

    /// Records the names of pages that failed to load (`Corpus::broken_names`).
    pub fn set_broken(&mut self, broken: FxHashMap<String, usize>) {
        self.broken = broken;
    }

    /// The broken page a name that resolves to no page would have named, if any.
    pub fn broken(&self, target: &str) -> Option<usize> {
        if self.broken.is_empty() {
            return None;
        }
        self.broken.get(&normalize(target)).copied()
    }

    /// Names shared by several pages, sorted: each gets a generated disambiguation page.
    pub fn shared_names(&self) -> &[(String, Vec<PageId>)] {
        &self.shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn the_ascii_path_normalises_as_the_general_one(name in "[ -~\\t\\n\\x0b\\x0c\\r]{0,24}") {
            proptest::prop_assert_eq!(normalize_ascii(&name), normalize_chars(&name));
        }

        #[test]
        fn slugs_are_composed_whichever_path(name in "[ -~é\u{301}İ방]{0,24}") {
            proptest::prop_assert_eq!(slugify(&name), slug_of(normalize(&name).nfc()));
        }
    }

    proptest::proptest! {
        /// Looking a spelling up as written finds what normalising it finds, for the spellings
        /// the index was built from and for others.
        #[test]
        fn exact_spellings_resolve_as_normalised_ones(
            pages in proptest::collection::vec(
                ("[A-Ca-c _]{1,6}( \\([a-c]{1,3}\\))?", proptest::collection::vec("[A-Ca-c _]{1,6}", 0..3)),
                1..8,
            ),
            other in "[A-Ca-c _()]{0,8}",
        ) {
            let (index, _) = Index::build(
                pages.iter().enumerate().map(|(i, (t, a))| (i, t.as_str(), a.iter().map(String::as_str))),
            );
            let by_normalising = |target: &str| match index.names.get(&normalize(target)) {
                Some(Entry::Page(id)) => Resolution::Found(*id),
                Some(Entry::Shared(ids)) => Resolution::Ambiguous(ids.clone()),
                None => Resolution::Missing,
            };
            let spellings = pages
                .iter()
                .flat_map(|(t, a)| std::iter::once(t.as_str()).chain(base_name(t)).chain(a.iter().map(String::as_str)))
                .chain([other.as_str()]);
            for spelling in spellings {
                proptest::prop_assert_eq!(index.resolve(spelling), by_normalising(spelling));
            }
        }
    }

    #[test]
    fn normalize_ignores_case_space_and_typography() {
        for (a, b) in [
            ("Girls’ Generation", "girls' generation"),
            ("  Map   of the_Soul ", "map of the soul"),
            ("G–L–G’ process", "g-l-g' process"),
            ("ÉCLAIR", "éclair"),
            ("에이티즈", "에이티즈"),
            // Decomposed: "e" + combining acute, and Hangul as jamo.
            ("Beyonce\u{301}", "beyoncé"),
            ("\u{110b}\u{1166}\u{110b}\u{1175}", "에이"),
        ] {
            assert_eq!(normalize(a), b, "{a:?}");
        }
    }

    #[test]
    fn slugify_keeps_letters_of_any_script() {
        for (a, b) in [
            ("H.O.T.", "h-o-t"),
            ("f(x)", "f-x"),
            ("Girls' Generation", "girls-generation"),
            ("에이티즈 팬", "에이티즈-팬"),
            ("!!", ""),
        ] {
            assert_eq!(slugify(a), b, "{a:?}");
        }
    }

    #[test]
    fn base_names_come_from_a_trailing_qualifier() {
        assert_eq!(base_name("Seven (song)"), Some("Seven"));
        assert_eq!(base_name("f(x)"), None);
        assert_eq!(base_name("(G)I-dle"), None);
        assert_eq!(base_name("Seven"), None);
    }

    fn build(pages: &[(&str, &[&str])]) -> (Index, Vec<Clash>) {
        let owned: Vec<(String, Vec<String>)> = pages
            .iter()
            .map(|(t, a)| (t.to_string(), a.iter().map(|s| s.to_string()).collect()))
            .collect();
        Index::build(
            owned
                .iter()
                .enumerate()
                .map(|(i, (t, a))| (i, t.as_str(), a.iter().map(String::as_str))),
        )
    }

    #[test]
    fn titles_aliases_and_base_names_resolve() {
        let (index, clashes) = build(&[
            ("Ateez", &["ATEEZ", "에이티즈"]),
            ("Seven (song)", &[]),
            ("Seven (album)", &[]),
            ("Jump (song)", &[]),
            ("Kim A", &["Minji"]),
            ("Kim B", &["minji"]),
        ]);
        assert!(clashes.is_empty());
        assert_eq!(index.resolve("Minji"), Resolution::Ambiguous(vec![4, 5]));
        assert_eq!(index.resolve("ateez"), Resolution::Found(0));
        assert_eq!(index.resolve(" 에이티즈 "), Resolution::Found(0));
        assert_eq!(index.resolve("seven (SONG)"), Resolution::Found(1));
        assert_eq!(index.resolve("Seven"), Resolution::Ambiguous(vec![1, 2]));
        assert_eq!(index.resolve("Jump"), Resolution::Found(3));
        assert_eq!(index.resolve("Nope"), Resolution::Missing);
        assert_eq!(index.shared_names().len(), 2);
    }

    #[test]
    fn section_aliases_point_at_their_heading() {
        let (mut index, _) = build(&[
            ("List", &["H.O.T.", "Shared", "Plain"]),
            ("Other", &["shared"]),
            ("h.o.t.", &[]),
            ("Second", &["Kara"]),
        ]);
        index.add_sections(
            [
                (0, "H.O.T.", "Idols of the 2000s"),
                (0, "Shared", "Idols"),
                (3, "Kara", "Girl groups"),
            ]
            .into_iter(),
        );
        // "H.O.T." is the title of page 2, "Shared" a disambiguation: neither points anywhere.
        assert_eq!(index.section_of("H.O.T.", 0), None);
        assert_eq!(index.section_of("Shared", 0), None);
        assert_eq!(index.section_of("Plain", 0), None);
        assert_eq!(index.resolve("kara"), Resolution::Found(3));
        assert_eq!(index.section_of(" KARA ", 3), Some("girl-groups"));
        assert_eq!(index.section_of("Second", 3), None);
    }

    #[test]
    fn a_name_taken_twice_is_a_clash() {
        let (_, clashes) = build(&[("BTS", &[]), ("Bangtan", &["bts"]), ("bts", &[])]);
        assert_eq!(clashes.len(), 2);
        assert!(clashes[0].alias_index.is_none() && clashes[0].page == 2 && clashes[0].other == 0);
        assert!(clashes[1].alias_index == Some(0) && clashes[1].page == 1 && clashes[1].other == 0);
    }
}
