//! What the git history shows readers: each page's history page and Atom feed of its
//! revisions, the site's recent changes, and the Atom feeds of the pages added to each kind
//! and category. Commit messages and author names are untrusted text: the templates escape
//! them (autoescape) and the feeds escape them here (`xml_text`); nothing runs them.

use std::borrow::Cow;

use serde::Serialize;
use tera::Context;

use super::Made;
use crate::content::PageId;
use crate::history::{FileChange, Revision};
use crate::names::normalize;
use crate::render::{Partial, Renderer, utc_key};
use crate::urls::{self, escape_html};

/// Commits the recent changes page lists.
pub(crate) const RECENT: usize = 100;
/// Entries in a page's feed (its latest revisions) and in a kind's or category's feed.
const FEED_ENTRIES: usize = 30;

/// A revision as a history page or the recent changes show it.
#[derive(Serialize)]
pub(crate) struct RevisionView<'a> {
    hash: &'a str,
    short: &'a str,
    author: &'a str,
    /// `2026-12-04 09:26 UTC`, and the date as recorded for `<time datetime>`.
    when: String,
    datetime: &'a str,
    subject: &'a str,
    /// Lines added and removed (in this page's file on a history page; in all files on recent
    /// changes); absent for a binary file.
    added: Option<u64>,
    removed: Option<u64>,
    /// The commit on the hosting site, when `repository` is set.
    diff_href: Option<String>,
    /// On a history page: the file's path before this revision renamed it.
    renamed_from: Option<&'a str>,
    /// On a history page: this revision created the file.
    created: bool,
}

/// A page a commit changed, on the recent changes page.
#[derive(Serialize)]
struct ChangedPage<'a> {
    /// The page's title, or the file's path when no page has it now.
    title: Cow<'a, str>,
    href: Option<&'a str>,
    created: bool,
    deleted: bool,
}

#[derive(Serialize)]
struct ChangeView<'a> {
    revision: RevisionView<'a>,
    pages: Vec<ChangedPage<'a>>,
}

#[derive(Serialize)]
struct ChangeDay<'a> {
    /// `2026-12-04` (UTC) and its anchor.
    date: String,
    id: String,
    changes: Vec<ChangeView<'a>>,
}

/// `2026-12-04T09:26:18+09:00` as (`2026-12-04`, `00:26`) in UTC; the recorded text when it
/// is not a date git writes.
fn utc(stamp: &str) -> (String, String) {
    let (seconds, bad) = utc_key(stamp);
    if !bad.is_empty() {
        return (stamp.get(..10).unwrap_or(stamp).to_string(), String::new());
    }
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60),
    )
}

impl<'a> Renderer<'a> {
    fn revision_view(&self, r: &'a Revision, file: Option<&'a FileChange>) -> RevisionView<'a> {
        let (day, time) = utc(&r.date);
        let (added, removed) = match file {
            Some(f) => (f.lines.map(|l| l.0), f.lines.map(|l| l.1)),
            None => {
                let sum = |pick: fn((u64, u64)) -> u64| {
                    r.files
                        .iter()
                        .map(|f| f.lines.map(pick))
                        .sum::<Option<u64>>()
                };
                (sum(|l| l.0), sum(|l| l.1))
            }
        };
        RevisionView {
            hash: &r.hash,
            short: r.hash.get(..10).unwrap_or(&r.hash),
            author: &r.author,
            when: if time.is_empty() {
                day
            } else {
                format!("{day} {time} UTC")
            },
            datetime: &r.date,
            subject: &r.subject,
            added,
            removed,
            diff_href: self.diff_url(&r.hash),
            renamed_from: file.and_then(|f| f.renamed_from.as_deref()),
            created: file.is_some_and(FileChange::created),
        }
    }

    /// `<repository>/commit/<hash>`, when `repository` is set.
    fn diff_url(&self, hash: &str) -> Option<String> {
        let repository = self.input.config.repository.as_ref()?;
        // A hash is hex; anything else (a broken log) gets no link.
        hash.bytes()
            .all(|b| b.is_ascii_hexdigit())
            .then(|| format!("{repository}/commit/{hash}"))
    }

    /// A page's history page.
    fn history_page(&self, id: PageId) -> Made {
        let input = self.input;
        let config = input.config;
        let page = &input.corpus.pages[id];
        let relative = urls::page_path(&config.kinds[page.kind].folder, &page.slug);
        let revisions: Vec<RevisionView> = input
            .history
            .revisions_of(&page.path)
            .map(|(r, f)| self.revision_view(r, Some(f)))
            .collect();
        let mut context = Context::new();
        context.insert("page", &self.link(id));
        context.insert("kind", &self.kind_view(page.kind));
        context.insert("revisions", &revisions);
        context.insert("gap", &input.history.gap.map(|g| g.explain()));
        context.insert(
            "feed_href",
            &(config.outputs.page_feeds && !revisions.is_empty())
                .then(|| urls::href(config, &urls::feed_in(&relative))),
        );
        self.emit(
            "history.html",
            &context,
            urls::file_for(&urls::history_path(&relative)),
        )
    }

    /// The Atom feed of a page's latest revisions; none for a page without any.
    fn page_feed(&self, id: PageId) -> Option<Made> {
        let input = self.input;
        let config = input.config;
        let page = &input.corpus.pages[id];
        let relative = urls::page_path(&config.kinds[page.kind].folder, &page.slug);
        let history_url = urls::absolute(config, &urls::history_path(&relative));
        let page_url = urls::absolute(config, &relative);
        let mut revisions = input.history.revisions_of(&page.path).peekable();
        let (newest, _) = revisions.peek()?;
        let mut xml = feed_head(
            &format!("{} – revisions – {}", page.title, config.title),
            &urls::absolute(config, &urls::feed_in(&relative)),
            if config.outputs.history {
                &history_url
            } else {
                &page_url
            },
            &newest.date,
            &config.title,
        );
        for (r, f) in revisions.take(FEED_ENTRIES) {
            let link = self.diff_url(&r.hash).unwrap_or_else(|| page_url.clone());
            let size = match f.lines {
                Some((a, d)) => format!("+{a} −{d} lines"),
                None => "binary change".to_string(),
            };
            let what = match (&f.renamed_from, f.created()) {
                (Some(from), _) => format!("{size}; renamed from {from}"),
                (None, true) => format!("{size}; page created"),
                _ => size,
            };
            xml.push_str(&format!(
                "  <entry>\n    <title>{}</title>\n    <link href=\"{}\"/>\n    <id>{}#rev-{}</id>\n    <updated>{}</updated>\n    <author><name>{}</name></author>\n    <summary>{}</summary>\n  </entry>\n",
                xml_text(&r.subject),
                xml_text(&link),
                xml_text(&history_url),
                xml_text(&r.hash),
                xml_text(&r.date),
                xml_text(&r.author),
                xml_text(&what),
            ));
        }
        xml.push_str("</feed>\n");
        Some(self.hand_over(Ok(crate::render::OutputFile {
            path: urls::feed_in(&relative),
            bytes: xml.into_bytes().into(),
        })))
    }

    /// The Atom feed of the pages most recently added to a list (a kind, a category), by the
    /// date of each page's first commit; none when no page of it has one.
    pub(crate) fn added_feed(&self, name: &str, folder: &str, pages: &[PageId]) -> Option<Made> {
        let input = self.input;
        let config = input.config;
        let mut dated: Vec<(PageId, &str)> = pages
            .iter()
            .filter_map(|&i| {
                let p = &input.corpus.pages[i];
                input.history.get(&p.path).map(|d| (i, d.created.as_str()))
            })
            .collect();
        dated.sort_by_cached_key(|&(i, created)| {
            (
                std::cmp::Reverse(utc_key(created)),
                normalize(&input.corpus.pages[i].title),
            )
        });
        dated.truncate(FEED_ENTRIES);
        let newest = dated.first()?.1;
        let mut xml = feed_head(
            &format!("{name} – new pages – {}", config.title),
            &urls::absolute(config, &urls::feed_in(folder)),
            &urls::absolute(config, folder),
            newest,
            &config.title,
        );
        for (i, created) in dated {
            let p = &input.corpus.pages[i];
            let url = urls::absolute(
                config,
                &urls::page_path(&config.kinds[p.kind].folder, &p.slug),
            );
            xml.push_str(&format!(
                "  <entry>\n    <title>{}</title>\n    <link href=\"{url}\"/>\n    <id>{url}</id>\n    <published>{created}</published>\n    <updated>{created}</updated>\n    <summary>{}</summary>\n  </entry>\n",
                xml_text(&p.title),
                xml_text(&self.summaries[i]),
                url = xml_text(&url),
                created = xml_text(created),
            ));
        }
        xml.push_str("</feed>\n");
        Some(Ok(Some(crate::render::OutputFile {
            path: urls::feed_in(folder),
            bytes: xml.into_bytes().into(),
        })))
    }
}

/// An Atom feed's opening, up to its first entry.
fn feed_head(title: &str, self_url: &str, alternate: &str, updated: &str, site: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{}</title>\n  <link rel=\"self\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <id>{}</id>\n  <updated>{}</updated>\n  <author><name>{} contributors</name></author>\n  <generator>kwiki</generator>\n",
        xml_text(title),
        xml_text(self_url),
        xml_text(alternate),
        xml_text(self_url),
        xml_text(updated),
        xml_text(site),
    )
}

/// Text for XML: escaped, and without the characters XML 1.0 cannot hold.
fn xml_text(text: &str) -> String {
    let allowed = |c: char| {
        (!c.is_control() || matches!(c, '\t' | '\n' | '\r')) && (c as u32) & 0xFFFE != 0xFFFE
    };
    if text.chars().all(allowed) {
        escape_html(text)
    } else {
        escape_html(&text.chars().filter(|&c| allowed(c)).collect::<String>())
    }
}

/// The files made beside each page: its history page and its feed, each when switched on.
pub(super) fn beside_page(r: &Renderer, id: PageId) -> Vec<Made> {
    let outputs = r.input.config.outputs;
    let mut out = Vec::new();
    if outputs.history {
        out.push(r.history_page(id));
    }
    if outputs.page_feeds
        && let Some(feed) = r.page_feed(id)
    {
        out.push(feed);
    }
    out
}

/// The recent changes page: the last [`RECENT`] commits that changed `content/`, by day (UTC),
/// each with the pages it changed.
pub(super) fn recent_changes<'a>(r: &Renderer<'a>, _: &Partial) -> Vec<Made> {
    let input = r.input;
    let config = input.config;
    if !config.outputs.recent_changes {
        return Vec::new();
    }
    let pages = &input.corpus.pages;
    let by_path: std::collections::HashMap<&str, PageId> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.path.as_str(), i))
        .collect();
    let home_path = input.corpus.home.as_ref().map(|h| h.path.as_str());
    let home_href = config.base_path.as_str();
    let mut recent: Vec<&'a Revision> = input.history.revisions.iter().take(RECENT).collect();
    // Newest first by the author's date, so each day is listed once (git lists by commit).
    recent.sort_by_cached_key(|rev| std::cmp::Reverse(utc_key(&rev.date)));
    let mut days: Vec<ChangeDay> = Vec::new();
    for rev in recent {
        let page_of = |f: &'a FileChange| -> ChangedPage<'a> {
            let now = f.now.as_deref();
            let page = now.and_then(|n| by_path.get(n)).copied();
            let (title, href) = match page {
                Some(i) => (
                    Cow::Borrowed(pages[i].title.as_str()),
                    Some(r.hrefs[i].as_str()),
                ),
                None if now.is_some() && now == home_path => {
                    (Cow::Borrowed("Home page"), Some(home_href))
                }
                None => (Cow::Borrowed(f.path.as_str()), None),
            };
            ChangedPage {
                title,
                href,
                created: f.created(),
                deleted: f.deleted() || page.is_none() && href.is_none(),
            }
        };
        let view = ChangeView {
            revision: r.revision_view(rev, None),
            pages: rev.files.iter().map(page_of).collect(),
        };
        let (day, _) = utc(&rev.date);
        match days.last_mut() {
            Some(last) if last.date == day => last.changes.push(view),
            _ => days.push(ChangeDay {
                id: format!("day-{day}"),
                date: day,
                changes: vec![view],
            }),
        }
    }
    let mut context = Context::new();
    context.insert("days", &days);
    context.insert("limit", &RECENT);
    context.insert("gap", &input.history.gap.map(|g| g.explain()));
    vec![r.emit(
        "recent-changes.html",
        &context,
        urls::file_for(urls::RECENT_CHANGES),
    )]
}

/// The feeds of the pages added to each kind and each category.
pub(super) fn list_feeds(r: &Renderer, _: &Partial) -> Vec<Made> {
    let input = r.input;
    let config = input.config;
    if !config.outputs.page_feeds {
        return Vec::new();
    }
    let mut by_kind: Vec<Vec<PageId>> = vec![Vec::new(); config.kinds.len()];
    for (i, p) in input.corpus.pages.iter().enumerate() {
        by_kind[p.kind].push(i);
    }
    let kinds = config
        .kinds
        .iter()
        .zip(&by_kind)
        .filter_map(|(k, ids)| r.added_feed(&k.plural, &urls::kind_path(&k.folder), ids));
    let categories = input
        .graph
        .categories
        .iter()
        .filter_map(|c| r.added_feed(&c.name, &c.path, &c.pages));
    kinds.chain(categories).collect()
}

/// The `href` of a kind's or category's feed, when it has one (see `added_feed`).
pub(crate) fn list_feed_href(r: &Renderer, folder: &str, pages: &[PageId]) -> Option<String> {
    let input = r.input;
    (input.config.outputs.page_feeds
        && pages
            .iter()
            .any(|&i| input.history.get(&input.corpus.pages[i].path).is_some()))
    .then(|| urls::href(input.config, &urls::feed_in(folder)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_dates_become_utc_days_and_times() {
        assert_eq!(
            utc("2026-12-04T09:26:18+09:00"),
            ("2026-12-04".into(), "00:26".into())
        );
        assert_eq!(
            utc("2026-12-31T23:30:00-01:00"),
            ("2027-01-01".into(), "00:30".into())
        );
        assert_eq!(
            utc("2024-02-29T12:00:00Z"),
            ("2024-02-29".into(), "12:00".into())
        );
        assert_eq!(utc("garbage!!!x"), ("garbage!!!".into(), String::new()));
    }

    #[test]
    fn xml_text_escapes_and_drops_what_xml_cannot_hold() {
        assert_eq!(xml_text("<script>&\u{1}\u{FFFE}é"), "&lt;script&gt;&amp;é");
    }
}
