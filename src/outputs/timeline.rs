//! The timeline: every dated page once, by year, then by date as written, then title.

use tera::Context;

use super::Made;
use crate::content::PageId;
use crate::render::{Dated, Partial, Renderer, TimelineEntry, TimelineYear, dated};
use crate::urls;

pub(super) fn make(r: &Renderer, _: &Partial) -> Vec<Made> {
    let input = r.input;
    let (config, pages, graph) = (input.config, &input.corpus.pages, input.graph);
    let mut dated_pages: Vec<(Dated, PageId)> = (0..pages.len())
        .filter_map(|i| dated(config, &pages[i]).map(|d| (d, i)))
        .collect();
    dated_pages.sort_by(|(a, i), (b, j)| {
        (a.year, &a.when, graph.rank[*i]).cmp(&(b.year, &b.when, graph.rank[*j]))
    });
    let mut years: Vec<TimelineYear> = Vec::new();
    for (d, i) in dated_pages {
        let page = &pages[i];
        let kind = &config.kinds[page.kind];
        let entry = TimelineEntry {
            title: page.title.clone(),
            href: r.hrefs[i].clone(),
            kind: kind.name.clone(),
            label: kind.fields[d.field].label.clone(),
            when: d.when,
        };
        match years.last_mut() {
            Some(y) if y.year == d.year => y.entries.push(entry),
            _ => years.push(TimelineYear {
                year: d.year,
                id: urls::year_anchor(d.year),
                entries: vec![entry],
            }),
        }
    }
    let mut context = Context::new();
    context.insert("years", &years);
    vec![r.emit("timeline.html", &context, urls::file_for(urls::TIMELINE))]
}
