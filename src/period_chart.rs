//! The timeline picture of a page whose relations carry periods: one bar per related page over
//! the years, coloured by role, like the member timelines fan wikis draw by hand. Plain SVG
//! drawn at build time (no script), coloured with the pictures' colour classes (`c0`…`c11`, the theme's variables) so it is right
//! in both themes, and shown beside a table that says the same for screen readers. Pure.

use std::fmt::Write as _;

use crate::period::Term;
use crate::urls::escape_html;

/// One bar: the page and the term of its relation.
pub struct Bar<'a> {
    pub title: &'a str,
    pub term: &'a Term,
}

const WIDTH: f64 = 640.0;
const LABEL: f64 = 150.0;
const ROW: f64 = 24.0;
const TOP: f64 = 8.0;
const AXIS: f64 = 26.0;
/// Colours the bars take, in order of the roles' first appearance (`--k0`…`--k11`).
const COLOURS: usize = 12;

/// A coordinate with one decimal, written without float formatting (which costs a hundred
/// times more and shows in a 10,000-page build).
struct Px(f64);

impl std::fmt::Display for Px {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        let sign = if tenths < 0 { "-" } else { "" };
        let t = tenths.abs();
        write!(f, "{sign}{}.{}", t / 10, t % 10)
    }
}

/// The roles in order of first appearance; bars without a role share one colour. A role's
/// place in this list (modulo 12) is its colour class, `c0`…`c11`.
pub fn roles<'a>(terms: impl Iterator<Item = &'a Term>) -> Vec<Option<&'a str>> {
    let mut roles: Vec<Option<&str>> = Vec::new();
    for term in terms {
        let role = term.role.as_deref();
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles
}

/// The picture, or `None` when no bar has a date. `label` names the page, for the picture's
/// accessible name.
pub fn svg(label: &str, bars: &[Bar]) -> Option<String> {
    let dated: Vec<&Bar> = bars.iter().filter(|b| b.term.has_period()).collect();
    if dated.is_empty() {
        return None;
    }
    let starts = dated
        .iter()
        .filter_map(|b| b.term.since.map(|d| d.start_year()));
    let ends = dated
        .iter()
        .filter_map(|b| b.term.until.map(|d| d.end_year()));
    let all: Vec<f64> = starts.clone().chain(ends.clone()).collect();
    let mut first = all.iter().copied().fold(f64::INFINITY, f64::min).floor();
    let mut last = all.iter().copied().fold(f64::NEG_INFINITY, f64::max).ceil();
    // Open ends need room to show that they are open.
    if dated.iter().any(|b| b.term.since.is_none()) {
        first -= 1.0;
    }
    if dated.iter().any(|b| b.term.until.is_none()) || last <= first {
        last += 1.0;
    }
    let span = (last - first).max(1.0);
    // Room on the right for the last year's label and an arrow.
    let x = |year: f64| LABEL + (year - first) / span * (WIDTH - LABEL - 24.0);
    let roles = roles(dated.iter().map(|b| b.term));
    let height = TOP + ROW * dated.len() as f64 + AXIS;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"period-chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"Timeline of {}: the table after it gives the same periods\">",
        escape_html(label)
    );
    // Year lines and labels: every year up to 12 of them, else a readable step.
    let step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        .into_iter()
        .find(|s| span / s <= 12.0)
        .unwrap_or(100.0);
    let mut year = first;
    let bottom = TOP + ROW * dated.len() as f64;
    while year <= last {
        let gx = Px(x(year));
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{gx}\" y1=\"{TOP}\" x2=\"{gx}\" y2=\"{}\"/><text class=\"year\" x=\"{gx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            Px(bottom),
            Px(bottom + 16.0),
            year as i64
        );
        year += step;
    }
    for (i, bar) in dated.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let role = roles
            .iter()
            .position(|r| *r == bar.term.role.as_deref())
            .unwrap_or(0)
            % COLOURS;
        let from = bar.term.since.map_or(first, |d| d.start_year());
        let to = bar.term.until.map_or(last, |d| d.end_year());
        let (x0, x1) = (x(from), x(to).max(x(from) + 3.0));
        let open = match (bar.term.since.is_none(), bar.term.until.is_none()) {
            (true, true) if bar.term.ended => " open-start unknown-end",
            (false, true) if bar.term.ended => " unknown-end",
            (true, true) => " open-start open-end",
            (true, false) => " open-start",
            (false, true) => " open-end",
            (false, false) => "",
        };
        let _ = write!(
            out,
            "<text class=\"name\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"bar c{role}{open}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"><title>{}</title></rect>",
            Px(LABEL - 8.0),
            Px(y + ROW * 0.65),
            escape_html(bar.title),
            Px(x0),
            Px(y + 4.0),
            Px(x1 - x0),
            Px(ROW - 8.0),
            escape_html(&format!(
                "{}: {}",
                bar.title,
                bar.term.describe().unwrap_or_default()
            ))
        );
        // An arrow: no end given. A relation that ended on a date not given has none.
        if !bar.term.is_former() {
            let _ = write!(
                out,
                "<path class=\"arrow c{role}\" d=\"M{} {} l6 {} l-6 {} z\"/>",
                Px(x1),
                Px(y + 4.0),
                Px((ROW - 8.0) / 2.0),
                Px((ROW - 8.0) / 2.0)
            );
        }
    }
    out.push_str("</svg>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::PartialDate;

    fn term(since: Option<&str>, until: Option<&str>, role: Option<&str>) -> Term {
        Term {
            since: since.and_then(PartialDate::parse),
            until: until.and_then(PartialDate::parse),
            role: role.map(str::to_string),
            ended: until.is_some(),
        }
    }

    #[test]
    fn draws_one_bar_per_dated_relation_coloured_by_role() {
        let (a, b, c) = (
            term(Some("2013"), None, Some("vocalist")),
            term(Some("2010"), Some("2015-06"), Some("rapper")),
            term(None, None, Some("vocalist")),
        );
        let bars = [
            Bar {
                title: "A",
                term: &a,
            },
            Bar {
                title: "B <b>",
                term: &b,
            },
            Bar {
                title: "C",
                term: &c,
            },
        ];
        let svg = svg("G", &bars).expect("dated bars draw a picture");
        assert_eq!(
            svg.matches("<rect class=\"bar").count(),
            2,
            "the undated one is left out"
        );
        assert!(
            svg.contains("bar c0 open-end") && svg.contains("bar c1\""),
            "{svg}"
        );
        assert!(svg.contains("B &lt;b&gt;"), "names are escaped");
        assert!(svg.contains(">2010<") && svg.contains(">2016<"), "{svg}");
        assert_eq!(svg.matches("class=\"arrow").count(), 1);
        assert!(super::svg("G", &bars[2..]).is_none());
    }
}
