//! Pictures drawn at build time as inline SVG, readable without JavaScript:
//!
//! - each page's **neighbourhood**: the page, the pages it names or is named by (at most
//!   `FIRST_MAX`), and the infobox relations of the pages it names (a second step, at most
//!   `SECOND_MAX`), laid out in layers by `rust-sugiyama` (pages naming this one above it, the
//!   pages it names below, their relations further down);
//! - the whole-wiki **network**: the `NETWORK_MAX` most connected pages as dots coloured by kind,
//!   placed by the `fjadra` force simulation (a port of d3-force), with the links between them.
//!
//! Both are pure functions of the link graph: no clock, no randomness (fjadra's generator is
//! seeded, rust-sugiyama's result does not depend on hash order), so the same wiki gives the
//! same bytes. Every text that comes from content is escaped here.

use std::fmt::Write as _;

use crate::base::text::{Cut, truncate};
use crate::config::Config;
use crate::content::{Page, PageId};
use crate::graph::{FieldItem, LinkGraph};
use crate::markdown::RenderedBody;
use crate::urls::push_escaped;

/// At most this many direct neighbours in a page's picture.
pub const FIRST_MAX: usize = 8;
/// At most this many pages two steps away.
pub const SECOND_MAX: usize = 4;
/// At most this many second-step pages hang off one direct neighbour.
const SECOND_PER: usize = 2;
/// The network page draws at most this many pages (the most connected ones).
pub const NETWORK_MAX: usize = 300;
/// Of those, this many carry a visible name; the others show theirs on hover, focus or zoom.
const NETWORK_LABELS: usize = 30;
/// Kind colours cycle through this many classes (`c0`…), defined in `style.css` for both themes.
pub const PALETTE: usize = 12;

/// What the pictures read.
pub struct View<'a> {
    pub config: &'a Config,
    pub pages: &'a [Page],
    pub bodies: &'a [RenderedBody],
    pub graph: &'a LinkGraph,
    pub hrefs: &'a [String],
}

/// How two pages are tied, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tie {
    /// An infobox field names the other page.
    Relation,
    /// The text links to it.
    Mention,
    /// A footnote cites it.
    Cite,
}

#[derive(Debug)]
struct Node {
    page: PageId,
    step: u8,
    /// Drawn above the page: it names the page, and the page does not name it.
    above: bool,
}

#[derive(Debug)]
struct Edge {
    /// Node indices; the arrow points from `from` to `to`.
    from: usize,
    to: usize,
    /// Each names the other.
    both: bool,
    tie: Tie,
    label: String,
}

#[derive(Debug, Default)]
struct Neighbourhood {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    /// Distinct pages tied to the page directly, drawn or not.
    connected: usize,
}

impl Neighbourhood {
    /// Adds a direct neighbour (or ties an existing one again); `out` when the page names it.
    fn tie(&mut self, page: PageId, other: PageId, out: bool, tie: Tie, label: &str) {
        if other == page {
            return;
        }
        if let Some(i) = self.nodes.iter().position(|n| n.page == other) {
            if let Some(e) = self
                .edges
                .iter_mut()
                .find(|e| e.from.max(e.to) == i && e.from.min(e.to) == 0)
            {
                let was_out = e.from == 0;
                if was_out != out {
                    e.both = true;
                }
                // One label per line: a relation named from both ends (a group's members, a
                // member's group) keeps the first, which reads from this page.
                if e.label.is_empty() || tie < e.tie {
                    e.label = label.to_string();
                }
                e.tie = e.tie.min(tie);
            }
            if out {
                self.nodes[i].above = false;
            }
            return;
        }
        if self.nodes.len() > FIRST_MAX {
            return;
        }
        let i = self.nodes.len();
        self.nodes.push(Node {
            page: other,
            step: 1,
            above: !out,
        });
        let (from, to) = if out { (0, i) } else { (i, 0) };
        self.edges.push(Edge {
            from,
            to,
            both: false,
            tie,
            label: label.to_string(),
        });
    }
}

/// The pages around `id`, chosen in a fixed order that depends only on `id`'s own ties and its
/// direct neighbours' infoboxes (so an incremental build knows whose picture an edit changes):
/// infobox relations both ways, then text links both ways, then citations.
fn neighbourhood(v: &View, id: PageId) -> Neighbourhood {
    let (config, pages, graph) = (v.config, v.pages, v.graph);
    let body = &v.bodies[id];
    let mut nb = Neighbourhood {
        nodes: vec![Node {
            page: id,
            step: 0,
            above: false,
        }],
        ..Neighbourhood::default()
    };
    let mut everyone: Vec<PageId> = Vec::new();
    let kind = &config.kinds[pages[id].kind];
    for (field, items) in graph.infobox[id].iter() {
        for item in items {
            if let Some(p) = item.page() {
                everyone.push(p);
                nb.tie(id, p, true, Tie::Relation, &kind.fields[*field].label);
            }
        }
    }
    let mut mentions_in = Vec::new();
    for b in &graph.backlinks[id] {
        everyone.push(b.from);
        let full = nb.nodes.len() > FIRST_MAX && !nb.nodes.iter().any(|n| n.page == b.from);
        match b.relation.filter(|_| !full) {
            Some(field) => {
                let label = &config.kinds[pages[b.from].kind].fields[field].label;
                nb.tie(id, b.from, false, Tie::Relation, label);
            }
            None => mentions_in.push(b.from),
        }
    }
    for link in body.links.iter().filter(|l| !l.is_citation) {
        everyone.push(link.target);
        nb.tie(id, link.target, true, Tie::Mention, "");
    }
    for from in mentions_in {
        nb.tie(id, from, false, Tie::Mention, "");
    }
    for &p in &body.citations {
        everyone.push(p);
        nb.tie(id, p, true, Tie::Cite, "cites");
    }
    for &p in &graph.cited_by[id] {
        everyone.push(p);
        nb.tie(id, p, false, Tie::Cite, "cites");
    }
    everyone.retain(|&p| p != id);
    everyone.sort_unstable();
    everyone.dedup();
    nb.connected = everyone.len();

    // The second step: what the pages this one names are related to, below them.
    let first = nb.nodes.len();
    let mut added = 0;
    for n in 1..first {
        if nb.nodes[n].above || added == SECOND_MAX {
            continue;
        }
        let near = nb.nodes[n].page;
        let near_kind = &config.kinds[pages[near].kind];
        let mut here = 0;
        for (field, items) in graph.infobox[near].iter() {
            for item in items {
                let Some(far) = item.page() else {
                    continue;
                };
                let label = &near_kind.fields[*field].label;
                match nb.nodes.iter().position(|x| x.page == far) {
                    Some(i)
                        if nb.nodes[i].step == 2
                            && !nb.edges.iter().any(|e| e.from == n && e.to == i) =>
                    {
                        nb.edges.push(Edge {
                            from: n,
                            to: i,
                            both: false,
                            tie: Tie::Relation,
                            label: label.clone(),
                        });
                    }
                    Some(_) => {}
                    None if here < SECOND_PER && added < SECOND_MAX => {
                        nb.nodes.push(Node {
                            page: far,
                            step: 2,
                            above: false,
                        });
                        nb.edges.push(Edge {
                            from: n,
                            to: nb.nodes.len() - 1,
                            both: false,
                            tie: Tie::Relation,
                            label: label.clone(),
                        });
                        here += 1;
                        added += 1;
                    }
                    None => {}
                }
            }
        }
    }
    nb
}

/// Roughly how wide `text` is at `size` px in a sans-serif face: wide (East Asian) characters
/// count as one em, others as 0.56 em.
/// The shape of each colour's dots on the network: 0 circle, 1 square, 2 diamond, 3 triangle.
/// Colours of one shape differ by a CIEDE2000 ΔE of 20 or more in both themes (the
/// stylesheet's `--k0`…`--k11`); pairs closer than that have different shapes.
pub const SHAPES: [u8; PALETTE] = [0, 0, 0, 1, 0, 1, 2, 1, 2, 1, 3, 3];

/// One dot of the network, of about the area of a circle of radius `r`.
fn dot(out: &mut Out, colour: usize, x: f64, y: f64, r: f64) {
    match SHAPES[colour % PALETTE] {
        0 => {
            out.s("<circle cx=\"")
                .n(x)
                .s("\" cy=\"")
                .n(y)
                .s("\" r=\"")
                .n(r)
                .s("\"/>");
        }
        1 => {
            let h = r * 0.886;
            out.s("<rect x=\"")
                .n(x - h)
                .s("\" y=\"")
                .n(y - h)
                .s("\" width=\"")
                .n(2.0 * h)
                .s("\" height=\"")
                .n(2.0 * h)
                .s("\"/>");
        }
        2 => {
            let h = r * 1.253;
            out.s("<path d=\"M")
                .n(x)
                .s(" ")
                .n(y - h)
                .s("L")
                .n(x + h)
                .s(" ")
                .n(y)
                .s(" ")
                .n(x)
                .s(" ")
                .n(y + h)
                .s(" ")
                .n(x - h)
                .s(" ")
                .n(y)
                .s("z\"/>");
        }
        _ => {
            let h = r * 1.555;
            out.s("<path d=\"M")
                .n(x)
                .s(" ")
                .n(y - h)
                .s("L")
                .n(x + h * 0.866)
                .s(" ")
                .n(y + h * 0.5)
                .s(" ")
                .n(x - h * 0.866)
                .s(" ")
                .n(y + h * 0.5)
                .s("z\"/>");
        }
    }
}

/// Whether two boxes `[left, top, right, bottom]` overlap.
fn overlaps(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && !matches!(c as u32, 0x2000..=0x206F) {
                1.0
            } else {
                0.56
            }
        })
        .sum::<f64>()
        * size
}

/// A number for SVG to a tenth, without a fraction when there is none; integer formatting
/// only (float formatting was a measurable part of drawing 10,000 pictures, and so was
/// `core::fmt` for the integers).
fn push_num(out: &mut String, x: f64) {
    // `as` saturates, and NaN becomes 0.
    let tenths = (x * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let a = tenths.unsigned_abs();
    out.push_str(itoa::Buffer::new().format(a / 10));
    if !a.is_multiple_of(10) {
        out.push('.');
        out.push(char::from(b'0' + (a % 10) as u8));
    }
}

#[cfg(test)]
fn num(x: f64) -> String {
    let mut s = String::new();
    push_num(&mut s, x);
    s
}

/// An SVG being written: text, numbers and escaped content text appended in place.
struct Out(String);

impl Out {
    fn s(&mut self, text: &str) -> &mut Self {
        self.0.push_str(text);
        self
    }
    fn n(&mut self, x: f64) -> &mut Self {
        push_num(&mut self.0, x);
        self
    }
    fn u(&mut self, x: usize) -> &mut Self {
        self.0.push_str(itoa::Buffer::new().format(x));
        self
    }
    /// Content text, escaped.
    fn e(&mut self, text: &str) -> &mut Self {
        push_escaped(&mut self.0, text);
        self
    }
}

const BOX_H: f64 = 40.0;
/// Room between layers for the arrows and their labels.
const LAYER_GAP: f64 = 56.0;
const PAD: f64 = 8.0;
const LABEL_CHARS: usize = 22;

/// The box around shapes given as (centre x, centre y, half width, half height):
/// (left, top, right, bottom); none for no shapes.
fn bounds(shapes: impl Iterator<Item = (f64, f64, f64, f64)>) -> Option<(f64, f64, f64, f64)> {
    shapes.fold(None, |acc, (x, y, hw, hh)| {
        let (l, t, r, b) = acc.unwrap_or((
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ));
        Some((l.min(x - hw), t.min(y - hh), r.max(x + hw), b.max(y + hh)))
    })
}

/// Box centres for boxes of these widths joined by these (downward) edges, from rust-sugiyama.
fn place(widths: &[f64], edges: &[(u32, u32)]) -> Vec<(f64, f64)> {
    let vertices: Vec<(u32, (f64, f64))> = widths
        .iter()
        .enumerate()
        .map(|(i, &w)| (i as u32, (w, BOX_H + LAYER_GAP)))
        .collect();
    let config = rust_sugiyama::configure::Config {
        vertex_spacing: 16.0,
        // Swapping neighbours to save a crossing costs a third of the time and rarely finds one
        // in a picture this small.
        transpose: false,
        // Every edge of a neighbourhood spans one layer (above, the page, below, the second
        // step), so the layers are fixed: moving vertices up gives the ranks that the default
        // (network simplex, minimising edge length) finds, without running it.
        ranking_type: rust_sugiyama::configure::RankingType::Up,
        ..Default::default()
    };
    let mut centre = vec![(0.0, 0.0); widths.len()];
    for (placed, _, _) in rust_sugiyama::from_vertices_and_edges(&vertices, edges, &config) {
        for (i, at) in placed {
            if let Some(c) = centre.get_mut(i) {
                *c = at;
            }
        }
    }
    centre
}

/// A page's neighbourhood picture.
#[derive(Debug, serde::Serialize)]
pub struct Picture {
    /// An inline `<svg>`.
    pub svg: String,
    /// Direct neighbours drawn, and tied in all.
    pub drawn: usize,
    pub connected: usize,
}

/// The neighbourhood picture of page `id`; none when the page is tied to no other page.
pub fn neighbourhood_svg(v: &View, id: PageId) -> Option<Picture> {
    let nb = neighbourhood(v, id);
    if nb.nodes.len() < 2 {
        return None;
    }
    let layout = BoxLayout::of(v, &nb);
    let page = &v.pages[id];
    let mut out = Out(String::with_capacity(2048 + 300 * nb.nodes.len()));
    out.s("<svg class=\"graph-svg\" viewBox=\"0 0 ")
        .n(layout.width)
        .s(" ")
        .n(layout.height)
        .s("\" width=\"")
        .n(layout.width)
        .s("\" height=\"")
        .n(layout.height)
        .s("\" role=\"group\" aria-labelledby=\"graph-title\" aria-describedby=\"graph-desc\"><title id=\"graph-title\">Pages around ")
        .e(&page.title)
        .s("</title><desc id=\"graph-desc\">");
    describe(&mut out, v, &nb);
    out.s("</desc><defs><marker id=\"graph-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\"/></marker></defs><g class=\"edges\" aria-hidden=\"true\">");
    neighbourhood_edges(&mut out, &nb, &layout.centre);
    out.s("</g><g class=\"nodes\">");
    neighbourhood_boxes(&mut out, v, &nb, &layout);
    out.s("</g></svg>");
    let svg = out.0;
    Some(Picture {
        svg,
        drawn: nb.nodes.iter().filter(|n| n.step == 1).count(),
        connected: nb.connected,
    })
}

/// Where a neighbourhood's boxes go: labels, widths, centres and the picture's size.
struct BoxLayout {
    labels: Vec<String>,
    widths: Vec<f64>,
    centre: Vec<(f64, f64)>,
    width: f64,
    height: f64,
}

impl BoxLayout {
    fn of(v: &View, nb: &Neighbourhood) -> BoxLayout {
        let (config, pages) = (v.config, v.pages);
        let labels: Vec<String> = nb
            .nodes
            .iter()
            .map(|n| truncate(&pages[n.page].title, LABEL_CHARS, Cut::Anywhere))
            .collect();
        let widths: Vec<f64> = nb
            .nodes
            .iter()
            .zip(&labels)
            .map(|(n, label)| {
                let kind = &config.kinds[pages[n.page].kind].name;
                (text_width(label, 13.0).max(text_width(kind, 11.0)) + 20.0)
                    .max(72.0)
                    .ceil()
            })
            .collect();
        // Layout edges run downwards: above → page → below → second step.
        let layout_edges: Vec<(u32, u32)> = nb
            .edges
            .iter()
            .map(|e| {
                let (a, b) = (e.from.min(e.to), e.from.max(e.to));
                if a == 0 && nb.nodes[b].above {
                    (b as u32, 0)
                } else {
                    (a as u32, b as u32)
                }
            })
            .collect();
        let mut centre = place(&widths, &layout_edges);
        let (left, top, right, bottom) = bounds(
            centre
                .iter()
                .zip(&widths)
                .map(|(c, w)| (c.0, c.1, w / 2.0, BOX_H / 2.0)),
        )
        .unwrap_or_default();
        let (dx, dy) = (PAD - left, PAD - top);
        for c in &mut centre {
            *c = (c.0 + dx, c.1 + dy);
        }
        BoxLayout {
            labels,
            widths,
            centre,
            width: (right - left + 2.0 * PAD).ceil(),
            height: (bottom - top + 2.0 * PAD).ceil(),
        }
    }
}

/// The lines of a neighbourhood, each from the bottom of the upper box to the top of the lower
/// one (the arrowhead, set by the stylesheet, at the end or at both ends), relations labelled.
fn neighbourhood_edges(out: &mut Out, nb: &Neighbourhood, centre: &[(f64, f64)]) {
    let mut edge_labels: Vec<[f64; 4]> = Vec::new();
    for e in &nb.edges {
        let (up, down) = if centre[e.from].1 <= centre[e.to].1 {
            (e.from, e.to)
        } else {
            (e.to, e.from)
        };
        let (x1, y1) = (centre[up].0, centre[up].1 + BOX_H / 2.0);
        let (x2, y2) = (centre[down].0, centre[down].1 - BOX_H / 2.0);
        let ym = (y1 + y2) / 2.0;
        out.s("<path class=\"").s(match e.tie {
            Tie::Relation => "rel",
            Tie::Mention => "link",
            Tie::Cite => "cite",
        });
        if e.both {
            out.s(" both");
        } else if up != e.from {
            out.s(" back");
        }
        out.s("\" d=\"M")
            .n(x1)
            .s(" ")
            .n(y1)
            .s("C")
            .n(x1)
            .s(" ")
            .n(ym)
            .s(" ")
            .n(x2)
            .s(" ")
            .n(ym)
            .s(" ")
            .n(x2)
            .s(" ")
            .n(y2)
            .s("\"/>");
        if !e.label.is_empty() && e.tie == Tie::Relation {
            // Near the lower end, where the lines have spread apart; further along the line
            // where that would print over a label placed before.
            let text = truncate(&e.label, 18, Cut::Anywhere);
            let half = text_width(&text, 11.0) * 0.575 + 3.0;
            let at = |t: f64| {
                let u = 1.0 - t;
                let bezier = |a: f64, b: f64, c: f64, d: f64| {
                    a * u.powi(3) + 3.0 * b * u * u * t + 3.0 * c * u * t * t + d * t.powi(3)
                };
                let (x, y) = (bezier(x1, x1, x2, x2), bezier(y1, ym, ym, y2) + 4.0);
                (x, y, [x - half, y - 11.0, x + half, y + 6.0])
            };
            let (x, y, b) = [0.72, 0.5, 0.86, 0.3, 0.6, 0.8, 0.4]
                .into_iter()
                .map(at)
                .find(|(_, _, b)| !edge_labels.iter().any(|o| overlaps(o, b)))
                .unwrap_or_else(|| at(0.72));
            edge_labels.push(b);
            out.s("<text x=\"")
                .n(x)
                .s("\" y=\"")
                .n(y)
                .s("\" paint-order=\"stroke\">")
                .e(&text)
                .s("</text>");
        }
    }
}

/// The boxes of a neighbourhood: the page itself (not a link), then each neighbour as a link.
fn neighbourhood_boxes(out: &mut Out, v: &View, nb: &Neighbourhood, layout: &BoxLayout) {
    let (config, pages) = (v.config, v.pages);
    for (i, n) in nb.nodes.iter().enumerate() {
        let p = &pages[n.page];
        let kind = &config.kinds[p.kind].name;
        let (cx, cy) = layout.centre[i];
        let w = layout.widths[i];
        if i == 0 {
            out.s("<g class=\"node here c");
        } else {
            out.s("<a class=\"node c");
        }
        out.u(p.kind % PALETTE);
        if i == 0 {
            out.s("\" aria-current=\"page\">");
        } else {
            out.s("\" href=\"")
                .e(&v.hrefs[n.page])
                .s("\"><title>")
                .e(&p.title)
                .s(" (")
                .e(kind)
                .s(")</title>");
        }
        out.s("<rect x=\"")
            .n(cx - w / 2.0)
            .s("\" y=\"")
            .n(cy - BOX_H / 2.0)
            .s("\" width=\"")
            .n(w)
            .s("\" height=\"")
            .n(BOX_H)
            .s("\" rx=\"6\"/><text x=\"")
            .n(cx)
            .s("\" y=\"")
            .n(cy - 2.0)
            .s("\" class=\"name\">")
            .e(&layout.labels[i])
            .s("</text><text x=\"")
            .n(cx)
            .s("\" y=\"")
            .n(cy + 13.0)
            .s("\" class=\"kind\">")
            .e(kind)
            .s(if i == 0 { "</text></g>" } else { "</text></a>" });
    }
}

/// The picture in words, for the SVG's `<desc>`: every line of it as a sentence, written
/// escaped into `out`.
fn describe(out: &mut Out, v: &View, nb: &Neighbourhood) {
    let pages = v.pages;
    let title = |i: usize| pages[nb.nodes[i].page].title.as_str();
    let kind = |i: usize| v.config.kinds[pages[nb.nodes[i].page].kind].name.as_str();
    out.e(title(0))
        .s(" (")
        .e(kind(0))
        .s(") and the pages tied to it.");
    for e in &nb.edges {
        out.s(" ").e(title(e.from)).s(" ");
        match (e.tie, e.label.is_empty()) {
            (Tie::Relation, false) => out
                .s("names ")
                .e(title(e.to))
                .s(" (")
                .e(kind(e.to))
                .s(") as ")
                .e(&e.label),
            (Tie::Cite, _) => out.s("cites ").e(title(e.to)).s(" (").e(kind(e.to)).s(")"),
            _ => out
                .s("links to ")
                .e(title(e.to))
                .s(" (")
                .e(kind(e.to))
                .s(")"),
        };
        out.s(if e.both { ", and back." } else { "." });
    }
}

/// One kind on the network page.
#[derive(Debug, serde::Serialize)]
pub struct NetworkKind {
    /// Index in `site.toml` order: the filter's and the dots' class number.
    pub index: usize,
    pub colour: usize,
    pub name: String,
    pub plural: String,
    pub pages: usize,
    pub drawn: usize,
    /// Links from pages of this kind to pages of each kind (all pages, drawn or not).
    pub links_to: Vec<usize>,
}

/// The whole-wiki picture and the tables that summarise it.
#[derive(Debug, serde::Serialize)]
pub struct Network {
    pub svg: String,
    /// Rules that hide a kind's dots and lines when its box is unticked (`:has()`, no script).
    pub css: String,
    pub kinds: Vec<NetworkKind>,
    pub pages: usize,
    pub drawn: usize,
    pub links: usize,
    pub drawn_links: usize,
}

/// Pairs of pages tied by a text link or an infobox relation (citations are left out: every
/// page cites sources, and they would pull the whole picture onto them), each pair once.
fn undirected_links(v: &View) -> Vec<(PageId, PageId)> {
    let mut pairs = Vec::new();
    for (id, body) in v.bodies.iter().enumerate() {
        let targets = body
            .links
            .iter()
            .filter(|l| !l.is_citation)
            .map(|l| l.target)
            .chain(
                v.graph.infobox[id]
                    .iter()
                    .flat_map(|(_, items)| items.iter().filter_map(FieldItem::page)),
            );
        for t in targets {
            if t != id {
                pairs.push((id.min(t), id.max(t)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The network page's picture: the `NETWORK_MAX` pages with the most ties (ties broken by the
/// kind-then-title order), laid out by a force simulation.
pub fn network(v: &View) -> Network {
    let (config, pages) = (v.config, v.pages);
    let chosen = choose_network(v);
    let mut kinds: Vec<NetworkKind> = config
        .kinds
        .iter()
        .enumerate()
        .map(|(index, k)| NetworkKind {
            index,
            colour: index % PALETTE,
            name: k.name.clone(),
            plural: k.plural.clone(),
            pages: 0,
            drawn: 0,
            links_to: chosen.links_to[index].clone(),
        })
        .collect();
    for p in pages {
        kinds[p.kind].pages += 1;
    }
    for &p in &chosen.pages {
        kinds[pages[p].kind].drawn += 1;
    }
    let positions = network_layout(&chosen);
    let frame = NetworkFrame::around(&positions, &chosen.radius);
    let named = place_names(v, &chosen, &frame);
    let svg = network_svg(v, &chosen, &frame, &named);
    let mut css = String::from(
        "/* Generated by kwiki: one rule per kind hides its dots and lines when its box is unticked. */\n",
    );
    for k in 0..config.kinds.len() {
        let _ = writeln!(
            css,
            ".network:has(#show-kind-{k}:not(:checked)) :is(.k{k}, .ka{k}, .kb{k}) {{ display: none; }}"
        );
    }
    Network {
        svg,
        css,
        kinds,
        pages: pages.len(),
        drawn: chosen.pages.len(),
        links: chosen.pairs,
        drawn_links: chosen.drawn.len(),
    }
}

/// The pages the network draws and what it knows of them.
struct ChosenNetwork {
    /// The `NETWORK_MAX` most connected pages, in rank order.
    pages: Vec<PageId>,
    /// The most connected pages, which carry their names where there is room.
    labelled: Vec<PageId>,
    /// Per page: its place in `pages`, or `usize::MAX`.
    slot: Vec<usize>,
    /// Links between drawn pages, as places in `pages`.
    drawn: Vec<(usize, usize)>,
    /// Per drawn page: its dot's radius, by ties.
    radius: Vec<f64>,
    /// Per page: its ties (text links and relations, each pair once).
    degree: Vec<usize>,
    /// Text links from each kind to each kind.
    links_to: Vec<Vec<usize>>,
    /// How many pairs of pages are tied in all.
    pairs: usize,
}

/// Chooses the most connected pages (citations left out: nearly every page cites a source).
fn choose_network(v: &View) -> ChosenNetwork {
    let (config, pages, graph) = (v.config, v.pages, v.graph);
    let pairs = undirected_links(v);
    let mut degree = vec![0usize; pages.len()];
    let mut links_to = vec![vec![0usize; config.kinds.len()]; config.kinds.len()];
    for &(a, b) in &pairs {
        degree[a] += 1;
        degree[b] += 1;
    }
    for (id, body) in v.bodies.iter().enumerate() {
        for l in body
            .links
            .iter()
            .filter(|l| !l.is_citation && l.target != id)
        {
            links_to[pages[id].kind][pages[l.target].kind] += 1;
        }
    }
    let mut chosen: Vec<PageId> = (0..pages.len()).collect();
    chosen.sort_by_key(|&i| (std::cmp::Reverse(degree[i]), graph.rank[i]));
    chosen.truncate(NETWORK_MAX);
    let labelled: Vec<PageId> = chosen.iter().copied().take(NETWORK_LABELS).collect();
    chosen.sort_by_key(|&i| graph.rank[i]);
    let mut slot = vec![usize::MAX; pages.len()];
    for (s, &p) in chosen.iter().enumerate() {
        slot[p] = s;
    }
    let drawn: Vec<(usize, usize)> = pairs
        .iter()
        .filter(|(a, b)| slot[*a] != usize::MAX && slot[*b] != usize::MAX)
        .map(|&(a, b)| (slot[a], slot[b]))
        .collect();
    let radius: Vec<f64> = chosen
        .iter()
        .map(|&p| 3.0 + (degree[p] as f64).sqrt().min(9.0))
        .collect();
    ChosenNetwork {
        pages: chosen,
        labelled,
        slot,
        drawn,
        radius,
        degree,
        links_to,
        pairs: pairs.len(),
    }
}

/// The force layout of the drawn pages (fjadra, seeded: the same graph gives the same picture).
fn network_layout(chosen: &ChosenNetwork) -> Vec<[f64; 2]> {
    if chosen.pages.is_empty() {
        return Vec::new();
    }
    let r = chosen.radius.clone();
    let mut simulation = fjadra::SimulationBuilder::default()
        // About 85 ticks instead of d3's 300: the picture settles well before.
        .with_alpha_decay(0.08)
        .build(chosen.pages.iter().map(|_| fjadra::Node::default()))
        .add_force(
            "link",
            fjadra::Link::new(chosen.drawn.iter().copied()).distance(40.0),
        )
        .add_force("charge", fjadra::ManyBody::new().strength(-60.0))
        .add_force(
            "collide",
            fjadra::Collide::new().radius(move |i| r[i] + 3.0),
        )
        // Pulled harder towards the middle line than the middle column: a landscape picture
        // fits a screen.
        .add_force("x", fjadra::PositionX::new().strength(0.03))
        .add_force("y", fjadra::PositionY::new().strength(0.09));
    simulation.step();
    simulation.positions().collect()
}

/// The picture's frame: the dots' positions moved into a box with room for names.
struct NetworkFrame<'a> {
    positions: &'a [[f64; 2]],
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

impl<'a> NetworkFrame<'a> {
    fn around(positions: &'a [[f64; 2]], radius: &[f64]) -> NetworkFrame<'a> {
        let (left, top, right, bottom) = bounds(
            positions
                .iter()
                .zip(radius)
                .map(|(p, &r)| (finite(p[0]), finite(p[1]), r, r)),
        )
        .unwrap_or((
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ));
        // Room for the names to the right and below of the outermost dots.
        let (pad_x, pad_y) = (20.0, 20.0);
        let (left, top) = if left.is_finite() {
            (left - pad_x, top - pad_y)
        } else {
            (0.0, 0.0)
        };
        let (width, height) = if right.is_finite() {
            (
                (right - left + pad_x + 80.0).ceil(),
                (bottom - top + pad_y).ceil(),
            )
        } else {
            (100.0, 100.0)
        };
        NetworkFrame {
            positions,
            left,
            top,
            width,
            height,
        }
    }

    /// Where the drawn page in place `s` is.
    fn at(&self, s: usize) -> (f64, f64) {
        (
            finite(self.positions[s][0]) - self.left,
            finite(self.positions[s][1]) - self.top,
        )
    }
}

/// The most connected pages carry their names, unless a name would print over one placed before
/// it (in order of ties): that page shows its name on hover, focus or zoom.
fn place_names(v: &View, chosen: &ChosenNetwork, frame: &NetworkFrame) -> Vec<PageId> {
    let mut named: Vec<PageId> = Vec::with_capacity(chosen.labelled.len());
    let mut placed: Vec<[f64; 4]> = Vec::with_capacity(chosen.labelled.len());
    for &p in &chosen.labelled {
        let s = chosen.slot[p];
        if s == usize::MAX {
            continue;
        }
        let (x, y) = frame.at(s);
        let x0 = x + chosen.radius[s] + 2.0;
        let b = [
            x0,
            y - 6.0,
            // A margin for fonts wider than `text_width` reckons.
            x0 + text_width(
                &truncate(&v.pages[p].title, LABEL_CHARS, Cut::Anywhere),
                10.0,
            ) * 1.15
                + 3.0,
            y + 9.0,
        ];
        if !placed.iter().any(|o| overlaps(o, &b)) {
            placed.push(b);
            named.push(p);
        }
    }
    named
}

/// The network's SVG: lines grouped by the kinds at their two ends, then a dot per page.
fn network_svg(v: &View, chosen: &ChosenNetwork, frame: &NetworkFrame, named: &[PageId]) -> String {
    let (config, pages) = (v.config, v.pages);
    let mut out = Out(String::with_capacity(
        256 * chosen.pages.len() + 32 * chosen.drawn.len(),
    ));
    out.s("<svg class=\"network-svg\" viewBox=\"0 0 ")
        .n(frame.width)
        .s(" ")
        .n(frame.height)
        .s("\" role=\"group\" aria-labelledby=\"network-title\" aria-describedby=\"network-desc\"><title id=\"network-title\">Network of ")
        .e(&config.title)
        .s("</title><desc id=\"network-desc\">")
        .u(chosen.pages.len())
        .s(" pages drawn as dots coloured by kind, and the ")
        .u(chosen.drawn.len())
        .s(" links between them. The tables below the picture give the same network in numbers.</desc><g class=\"view\"><g class=\"edges\" aria-hidden=\"true\">");
    // One path per pair of kinds, so a kind's filter can hide every line that touches it.
    let kinds_of = |(a, b): (usize, usize)| {
        let (ka, kb) = (pages[chosen.pages[a]].kind, pages[chosen.pages[b]].kind);
        (ka.min(kb), ka.max(kb))
    };
    let mut sorted = chosen.drawn.clone();
    sorted.sort_by_key(|&pair| (kinds_of(pair), pair));
    let mut open: Option<(usize, usize)> = None;
    for pair in sorted {
        let key = kinds_of(pair);
        if open != Some(key) {
            if open.is_some() {
                out.s("\"/>");
            }
            out.s("<path class=\"ka")
                .u(key.0)
                .s(" kb")
                .u(key.1)
                .s("\" d=\"");
            open = Some(key);
        }
        let ((x1, y1), (x2, y2)) = (frame.at(pair.0), frame.at(pair.1));
        out.s("M").n(x1).s(" ").n(y1).s("L").n(x2).s(" ").n(y2);
    }
    if open.is_some() {
        out.s("\"/>");
    }
    out.s("</g><g class=\"nodes\">");
    for (s, &p) in chosen.pages.iter().enumerate() {
        let page = &pages[p];
        let (x, y) = frame.at(s);
        out.s("<a href=\"")
            .e(&v.hrefs[p])
            .s("\" class=\"k")
            .u(page.kind)
            .s(" c")
            .u(page.kind % PALETTE)
            .s(if named.contains(&p) { "" } else { " minor" })
            .s("\"><title>")
            .e(&page.title)
            .s(" (")
            .e(&config.kinds[page.kind].name)
            .s("), ")
            .u(chosen.degree[p])
            .s(" links</title>");
        dot(&mut out, page.kind % PALETTE, x, y, chosen.radius[s]);
        out.s("<text x=\"")
            .n(x + chosen.radius[s] + 2.0)
            .s("\" y=\"")
            .n(y + 4.0)
            .s("\" paint-order=\"stroke\">")
            .e(&truncate(&page.title, LABEL_CHARS, Cut::Anywhere))
            .s("</text></a>");
    }
    out.s("</g></g></svg>");
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_and_numbers() {
        assert!(text_width("방탄", 10.0) > text_width("ab", 10.0));
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.25), "2.3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(-12.34), "-12.3");
        assert_eq!(num(0.96), "1");
        assert_eq!(num(f64::NAN), "0");
    }

    proptest::proptest! {
        /// Any shape a neighbourhood can take (pages above, below, and a second step under
        /// those below) is laid out without panicking, in order from top to bottom, with no two
        /// boxes of a layer overlapping, and the same way twice.
        #[test]
        fn layouts_keep_layers_in_order_and_boxes_apart(
            above in 0usize..5,
            below in 0usize..9,
            second in proptest::collection::vec((0usize..8, 0usize..3), 0..5),
            widths in proptest::collection::vec(72.0f64..170.0, 18),
        ) {
            proptest::prop_assume!(above + below > 0);
            let mut edges: Vec<(u32, u32)> = Vec::new();
            let mut layer = vec![1];
            for i in 1..=above {
                edges.push((i as u32, 0));
                layer.push(0);
            }
            for i in above + 1..=above + below {
                edges.push((0, i as u32));
                layer.push(2);
            }
            let mut n = layer.len();
            for (parent, shared) in second {
                if below == 0 {
                    break;
                }
                let parent = (above + 1 + parent % below) as u32;
                // Sometimes hang an existing second-step box off another parent.
                let child = if shared > 0 && n > above + below + 1 { (n - 1) as u32 } else { n as u32 };
                if child as usize == n {
                    layer.push(3);
                    n += 1;
                }
                if !edges.contains(&(parent, child)) {
                    edges.push((parent, child));
                }
            }
            let widths = &widths[..n];
            let centre = place(widths, &edges);
            proptest::prop_assert_eq!(&centre, &place(widths, &edges));
            for i in 0..n {
                proptest::prop_assert!(centre[i].0.is_finite() && centre[i].1.is_finite());
                for j in 0..n {
                    if layer[i] < layer[j] {
                        proptest::prop_assert!(centre[i].1 < centre[j].1, "{i} above {j}: {centre:?}");
                    }
                    if i < j && layer[i] == layer[j] {
                        let gap = (centre[i].0 - centre[j].0).abs() - (widths[i] + widths[j]) / 2.0;
                        proptest::prop_assert!(gap >= 0.0, "{i} and {j} overlap: {centre:?}");
                    }
                }
            }
        }
    }
}
