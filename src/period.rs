//! When and how a relation held: the `since`, `until` and `role` of an entry in a linked field
//! (`members = [{ name = "Jungkook", since = 2013, role = "vocalist" }]`). Pure.
//!
//! Dates are partial (a year, a year-month or a full date) and compare by what they state: a
//! period "until 2023-12" covers every day of December 2023, and "as of 2012" asks whether any
//! part of 2012 falls inside the period. No date here comes from the clock: a relation with an
//! `until` is a former one, whatever day the site is built.

use std::cmp::Ordering;
use std::fmt;

/// A year, a year-month or a full date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl PartialDate {
    pub fn year(year: i32) -> PartialDate {
        PartialDate {
            year,
            month: None,
            day: None,
        }
    }

    /// `2013`, `2023-12` or `2023-12-31`; `None` for anything else (a month 13, a day 32,
    /// a two-digit year).
    pub fn parse(text: &str) -> Option<PartialDate> {
        let mut parts = text.split('-');
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        let year = parts.next().filter(|p| digits(p, 4))?.parse().ok()?;
        let month = match parts.next() {
            None => None,
            Some(m) if digits(m, 2) => Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
            Some(_) => return None,
        };
        let day = match parts.next() {
            None => None,
            Some(d) if digits(d, 2) => Some(d.parse::<u8>().ok().filter(|d| (1..=31).contains(d))?),
            Some(_) => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(PartialDate { year, month, day })
    }

    /// The first day it covers, as (year, month, day).
    pub fn first(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The last day it covers (the 31st stands for any month's end: only order matters).
    pub fn last(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(12), self.day.unwrap_or(31))
    }

    /// Where it starts on a time axis in years (2013-07 → 2013.5).
    pub fn start_year(&self) -> f64 {
        let (y, m, d) = self.first();
        f64::from(y) + (f64::from(m) - 1.0) / 12.0 + (f64::from(d) - 1.0) / 372.0
    }

    /// Where it ends on a time axis in years (2013 → 2014.0, 2013-07 → 2013.583).
    pub fn end_year(&self) -> f64 {
        match (self.month, self.day) {
            (None, _) => f64::from(self.year) + 1.0,
            (Some(m), None) => f64::from(self.year) + f64::from(m) / 12.0,
            (Some(m), Some(d)) => {
                f64::from(self.year) + (f64::from(m) - 1.0) / 12.0 + f64::from(d) / 372.0
            }
        }
    }

    /// For readers: "2013", "December 2023", "4 July 2025".
    pub fn human(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{d} {} {}", MONTHS[usize::from(m) - 1], self.year),
            (Some(m), None) => format!("{} {}", MONTHS[usize::from(m) - 1], self.year),
            _ => self.year.to_string(),
        }
    }
}

impl fmt::Display for PartialDate {
    /// As written in front matter: `2013`, `2023-12`, `2023-12-31`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

/// When and how one relation held. Every part is optional: `{ name = "X", role = "founder" }`
/// has no period at all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Term {
    pub since: Option<PartialDate>,
    pub until: Option<PartialDate>,
    pub role: Option<String>,
}

impl Term {
    /// A relation that ended: it has an `until`.
    pub fn is_former(&self) -> bool {
        self.until.is_some()
    }

    /// Has a start or an end.
    pub fn has_period(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Does any day of `at` fall inside the period? Open ends reach as far as they can.
    pub fn covers(&self, at: &PartialDate) -> bool {
        let after_start = self.since.is_none_or(|s| s.first() <= at.last());
        let before_end = self.until.is_none_or(|u| at.first() <= u.last());
        after_start && before_end
    }

    /// For readers: "2013 – December 2023", "from 2013", "until 2023", or `None`.
    pub fn period_text(&self) -> Option<String> {
        match (&self.since, &self.until) {
            (Some(s), Some(u)) if s == u => Some(s.human()),
            (Some(s), Some(u)) => Some(format!("{} – {}", s.human(), u.human())),
            (Some(s), None) => Some(format!("from {}", s.human())),
            (None, Some(u)) => Some(format!("until {}", u.human())),
            (None, None) => None,
        }
    }

    /// Role and period, as shown after a name: "vocalist, from 2013".
    pub fn describe(&self) -> Option<String> {
        match (self.role.as_deref(), self.period_text()) {
            (Some(r), Some(p)) => Some(format!("{r}, {p}")),
            (Some(r), None) => Some(r.to_string()),
            (None, Some(p)) => Some(p),
            (None, None) => None,
        }
    }
}

/// Orders terms for lists: earlier starts first, open starts before any date.
pub fn by_start(a: &Option<Term>, b: &Option<Term>) -> Ordering {
    let key = |t: &Option<Term>| t.as_ref().and_then(|t| t.since.map(|s| s.first()));
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> PartialDate {
        PartialDate::parse(s).expect(s)
    }

    #[test]
    fn parses_and_prints_partial_dates() {
        for ok in ["2013", "2023-12", "2023-12-31", "0999"] {
            assert_eq!(d(ok).to_string(), ok);
        }
        for bad in [
            "13",
            "2023-13",
            "2023-1",
            "2023-12-32",
            "2023-12-01-01",
            "",
            "abcd",
            "2023-",
        ] {
            assert_eq!(PartialDate::parse(bad), None, "{bad}");
        }
        assert_eq!(d("2023-12").human(), "December 2023");
        assert_eq!(d("2025-07-04").human(), "4 July 2025");
    }

    #[test]
    fn covers_compares_what_dates_state() {
        let term = Term {
            since: Some(d("2013-06")),
            until: Some(d("2023-12")),
            role: None,
        };
        assert!(term.covers(&d("2013")), "part of 2013 is inside");
        assert!(!term.covers(&d("2013-05")));
        assert!(term.covers(&d("2023-12-31")));
        assert!(!term.covers(&d("2024")));
        let open = Term {
            since: Some(d("2013")),
            ..Term::default()
        };
        assert!(open.covers(&d("2099")) && !open.covers(&d("2012")));
        assert!(Term::default().covers(&d("1900")));
    }

    #[test]
    fn reads_for_people() {
        let t = Term {
            since: Some(d("2013")),
            until: None,
            role: Some("vocalist".into()),
        };
        assert_eq!(t.describe().as_deref(), Some("vocalist, from 2013"));
        let t = Term {
            since: Some(d("2013")),
            until: Some(d("2023-12")),
            role: None,
        };
        assert_eq!(t.describe().as_deref(), Some("2013 – December 2023"));
        assert!(t.is_former());
        assert!((d("2013-07").start_year() - 2013.5).abs() < 1e-9);
        assert!((d("2013").end_year() - 2014.0).abs() < 1e-9);
    }
}
