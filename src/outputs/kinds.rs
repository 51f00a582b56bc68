//! One index per kind: a table of its pages and their first four fields. Rendered in parallel,
//! like the pages; in an incremental build only the kinds of pages whose entry changed.

use rayon::prelude::*;
use tera::Context;

use super::Made;
use crate::content::PageId;
use crate::names::normalize;
use crate::render::{ListingRow, Partial, Renderer};
use crate::urls;

pub(super) fn make(r: &Renderer, partial: &Partial) -> Vec<Made> {
    let input = r.input;
    let (config, pages, graph) = (input.config, &input.corpus.pages, input.graph);
    let mut shown = vec![partial.full; config.kinds.len()];
    for &id in partial.listed {
        shown[pages[id].kind] = true;
    }
    let kind_index = |(k, kind): (usize, &crate::config::Kind)| {
        let mut ids: Vec<PageId> = (0..pages.len()).filter(|&i| pages[i].kind == k).collect();
        ids.sort_by_cached_key(|&i| normalize(&pages[i].title));
        // The first four shown fields that some page of the kind fills.
        let columns: Vec<usize> = (0..kind.fields.len())
            .filter(|&c| !kind.fields[c].hidden)
            .filter(|&c| {
                ids.iter().any(|&i| {
                    graph.infobox[i]
                        .iter()
                        .any(|(f, v)| *f == c && !v.is_empty())
                })
            })
            .take(4)
            .collect();
        let rows: Vec<ListingRow> = ids
            .iter()
            .map(|&i| ListingRow {
                page: r.link(i),
                cells: columns
                    .iter()
                    .map(|&c| {
                        graph.infobox[i]
                            .iter()
                            .find(|(f, _)| *f == c)
                            .map(|(_, items)| items.iter().map(|it| r.listing_value(it)).collect())
                            .unwrap_or_default()
                    })
                    .collect(),
            })
            .collect();
        let mut context = Context::new();
        context.insert("kind", &r.kind_view(k));
        context.insert(
            "columns",
            &columns
                .iter()
                .map(|&c| kind.fields[c].label.clone())
                .collect::<Vec<_>>(),
        );
        context.insert("rows", &rows);
        let folder = urls::kind_path(&kind.folder);
        context.insert(
            "feed_href",
            &super::revisions::list_feed_href(r, &folder, &ids),
        );
        let outputs = config.outputs;
        context.insert(
            "json_href",
            &outputs
                .json
                .then(|| urls::href(config, &urls::json_in(&folder))),
        );
        context.insert(
            "csv_href",
            &outputs
                .csv
                .then(|| urls::href(config, &urls::csv_in(&folder))),
        );
        r.emit(
            "kind.html",
            &context,
            urls::file_for(&urls::kind_path(&kind.folder)),
        )
    };
    config
        .kinds
        .par_iter()
        .enumerate()
        .filter(|(k, _)| shown[*k])
        .map(kind_index)
        .collect()
}
