//! The timeline: every dated page once, and every start and end of a relation with a period
//! (`since`, `until`), by year, then by date as written, then title.

use tera::Context;

use super::Made;
use crate::content::PageId;
use crate::render::{Dated, Partial, Renderer, TimelineEntry, TimelineOther, TimelineYear, dated};
use crate::urls;

pub(super) fn make(r: &Renderer, _: &Partial) -> Vec<Made> {
    let input = r.input;
    let (config, pages, graph) = (input.config, &input.corpus.pages, input.graph);
    let mut entries: Vec<(i64, String, usize, TimelineEntry)> = (0..pages.len())
        .filter_map(|i| dated(config, &pages[i]).map(|d| (d, i)))
        .map(|(d, i): (Dated, PageId)| {
            let page = &pages[i];
            let kind = &config.kinds[page.kind];
            let entry = TimelineEntry {
                title: page.title.clone(),
                href: r.hrefs[i].clone(),
                kind: kind.name.clone(),
                label: kind.fields[d.field].label.clone(),
                when: d.when.clone(),
                other: None,
            };
            (d.year, d.when, graph.rank[i], entry)
        })
        .collect();
    // Relations with a period: their starts and their ends.
    for (i, page) in pages.iter().enumerate() {
        let kind = &config.kinds[page.kind];
        for (f, item, term) in crate::graph::link_entries(page, &graph.infobox[i]) {
            let (Some(term), Some(other)) = (term, item.page()) else {
                continue;
            };
            let field = &kind.fields[f];
            let ends = [
                (term.since, &field.label, "from"),
                (term.until, &field.former, "until"),
            ];
            for (date, label, edge) in ends {
                let Some(date) = date else { continue };
                let entry = TimelineEntry {
                    title: page.title.clone(),
                    href: r.hrefs[i].clone(),
                    kind: kind.name.clone(),
                    label: format!("{label} ({edge})"),
                    when: date.to_string(),
                    other: Some(TimelineOther {
                        title: pages[other].title.clone(),
                        href: r.hrefs[other].clone(),
                        role: term.role.clone(),
                    }),
                };
                entries.push((i64::from(date.year), date.to_string(), graph.rank[i], entry));
            }
        }
    }
    entries.sort_by(|a, b| {
        (
            a.0,
            &a.1,
            a.2,
            &a.3.label,
            a.3.other.as_ref().map(|o| &o.title),
        )
            .cmp(&(
                b.0,
                &b.1,
                b.2,
                &b.3.label,
                b.3.other.as_ref().map(|o| &o.title),
            ))
    });
    let mut years: Vec<TimelineYear> = Vec::new();
    for (year, _, _, entry) in entries {
        match years.last_mut() {
            Some(y) if y.year == year => y.entries.push(entry),
            _ => years.push(TimelineYear {
                year,
                id: urls::year_anchor(year),
                entries: vec![entry],
            }),
        }
    }
    let mut context = Context::new();
    context.insert("years", &years);
    vec![r.emit("timeline.html", &context, urls::file_for(urls::TIMELINE))]
}
