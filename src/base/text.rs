//! Small string helpers shared by several stages.

use std::fmt::Write as _;

/// Where [`truncate`] may cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// At the limit, even inside a word; white space before the cut is dropped. For labels
    /// (pictures) and the search index's summaries.
    Anywhere,
    /// At the last space before the limit (at the limit when there is none), for summaries
    /// read as prose.
    AtSpace,
}

/// `text` cut to at most `max` characters (Unicode scalar values, not display width), with `…`
/// added when it was cut. Text of `max` characters or fewer is returned as it is.
pub fn truncate(text: &str, max: usize, cut: Cut) -> String {
    let Some((at, _)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    let head = &text[..at];
    let head = match cut {
        Cut::Anywhere => head.trim_end(),
        Cut::AtSpace => head.rsplit_once(' ').map_or(head, |(before, _)| before),
    };
    let mut out = String::with_capacity(head.len() + '…'.len_utf8());
    out.push_str(head);
    out.push('…');
    out
}

/// The items, written with `Display`, with `separator` between them: `join(["a", "b"], ", ")`
/// is `"a, b"`. Collects nothing on the way.
pub fn join<I>(items: I, separator: &str) -> String
where
    I: IntoIterator,
    I::Item: std::fmt::Display,
{
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{item}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncating_anywhere_counts_characters_and_trims_before_the_ellipsis() {
        assert_eq!(truncate("abcdef", 3, Cut::Anywhere), "abc…");
        assert_eq!(truncate("abc", 3, Cut::Anywhere), "abc");
        assert_eq!(truncate("", 0, Cut::Anywhere), "");
        assert_eq!(truncate("방탄소년단", 2, Cut::Anywhere), "방탄…");
        assert_eq!(truncate("ab  cd", 3, Cut::Anywhere), "ab…");
        assert_eq!(truncate("abcd", 0, Cut::Anywhere), "…");
    }

    #[test]
    fn truncating_at_a_space_keeps_whole_words() {
        assert_eq!(truncate("one two three", 13, Cut::AtSpace), "one two three");
        assert_eq!(truncate("one two three", 9, Cut::AtSpace), "one two…");
        // Only the last space goes: a double space leaves one before the ellipsis.
        assert_eq!(truncate("one  twothree", 6, Cut::AtSpace), "one …");
        // A cut right after a space keeps the word before it whole.
        assert_eq!(truncate("one two three", 8, Cut::AtSpace), "one two…");
        // No space before the limit: cut at the limit.
        assert_eq!(truncate("abcdefgh ij", 4, Cut::AtSpace), "abcd…");
        assert_eq!(truncate("에이 티즈 그룹", 5, Cut::AtSpace), "에이…");
    }

    #[test]
    fn join_puts_the_separator_between_items_only() {
        assert_eq!(join(["a", "b", "c"], ", "), "a, b, c");
        assert_eq!(join(["a"], ", "), "a");
        assert_eq!(join(Vec::<String>::new(), ", "), "");
        assert_eq!(join([1, 2], " or "), "1 or 2");
    }
}
