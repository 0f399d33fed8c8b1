//! Legacy dates to calendar dates: month/day/year with two- or four-digit years,
//! `YYYYMMDD`, `YYYY-MM-DD` and spreadsheet serial numbers.

use chrono::{Datelike, Days, NaiveDate};

use super::syntax::{DateFormat, Pivot};

/// Reads one layout of date; a two-digit year finds its century by `pivot`.
#[derive(Debug, Clone, PartialEq)]
pub struct DateReader {
    pub format: DateFormat,
    pub pivot: Pivot,
    pub today: NaiveDate,
}

impl DateReader {
    pub fn read(&self, text: &str) -> Result<NaiveDate, String> {
        let text = text.trim();
        match self.format {
            DateFormat::Auto => self.read_auto(text),
            DateFormat::MonthDayYear => self.slashed(text, Order::MonthDay, Years::Four),
            DateFormat::MonthDayShortYear => self.slashed(text, Order::MonthDay, Years::Any),
            DateFormat::DayMonthYear => self.slashed(text, Order::DayMonth, Years::Four),
            DateFormat::Compact => compact(text),
            DateFormat::Iso => iso(text),
            DateFormat::Excel => excel_serial(text).map(|(date, _)| date),
        }
    }

    fn read_auto(&self, text: &str) -> Result<NaiveDate, String> {
        if text.contains('/') {
            self.slashed(text, Order::MonthDay, Years::Any)
        } else if text.len() == 8 && all_digits(text) {
            compact(text)
        } else if text.len() == 10 && text.as_bytes().get(4) == Some(&b'-') {
            iso(text)
        } else if text.contains('-') {
            self.slashed(text, Order::MonthDay, Years::Any)
        } else if looks_like_serial(text) {
            excel_serial(text).map(|(date, _)| date)
        } else {
            Err(
                "not a date in a known layout (M/D/YYYY, YYYYMMDD, YYYY-MM-DD or an Excel serial)"
                    .to_string(),
            )
        }
    }

    /// `M/D/YYYY` and friends; `-` may stand for `/` as long as both separators agree.
    fn slashed(&self, text: &str, order: Order, years: Years) -> Result<NaiveDate, String> {
        let layout = match (order, years) {
            (Order::MonthDay, Years::Four) => "MM/DD/YYYY",
            (Order::MonthDay, Years::Any) => "M/D/YY",
            (Order::DayMonth, _) => "DD/MM/YYYY",
        };
        let not = || format!("not a date in {layout}");
        let sep = if text.contains('/') { '/' } else { '-' };
        let parts: Vec<&str> = text.split(sep).collect();
        let [a, b, y] = parts.as_slice() else {
            return Err(not());
        };
        let (Some(a), Some(b), Some(yv)) = (number(a, 2), number(b, 2), number(y, 4)) else {
            return Err(not());
        };
        let (month, day) = match order {
            Order::MonthDay => (a, b),
            Order::DayMonth => (b, a),
        };
        let year = match (y.len(), years) {
            (4, _) => yv as i32,
            (2, Years::Any) => return self.two_digit_year(yv, month, day),
            _ => return Err("year must have four digits".to_string()),
        };
        calendar(year, month, day)
    }

    fn two_digit_year(&self, yy: u32, month: u32, day: u32) -> Result<NaiveDate, String> {
        match self.pivot {
            Pivot::Window(p) => {
                let century = if yy < u32::from(p) { 2000 } else { 1900 };
                calendar(century + yy as i32, month, day)
            }
            Pivot::Keyword(_) => {
                // The latest century that puts the date on or before today.
                let this = self.today.year().div_euclid(100) * 100 + yy as i32;
                for year in [this, this - 100, this - 200] {
                    if let Some(date) = NaiveDate::from_ymd_opt(year, month, day)
                        && date <= self.today
                    {
                        return Ok(date);
                    }
                }
                Err("no such calendar date".to_string())
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Order {
    MonthDay,
    DayMonth,
}

#[derive(Clone, Copy)]
enum Years {
    Four,
    Any,
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A run of one to `max_len` ASCII digits.
pub(super) fn number(s: &str, max_len: usize) -> Option<u32> {
    (s.len() <= max_len && all_digits(s))
        .then(|| s.parse().ok())
        .flatten()
}

fn calendar(year: i32, month: u32, day: u32) -> Result<NaiveDate, String> {
    if year < 1000 {
        return Err("year must have four digits".to_string());
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| "no such calendar date".to_string())
}

fn compact(text: &str) -> Result<NaiveDate, String> {
    if text.len() != 8 || !all_digits(text) {
        return Err("not a date in YYYYMMDD".to_string());
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
    calendar(n(0..4) as i32, n(4..6), n(6..8))
}

fn iso(text: &str) -> Result<NaiveDate, String> {
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (number(y, 4), number(m, 2), number(d, 2)) {
                (Some(y), Some(m), Some(d)) => calendar(y as i32, m, d),
                _ => Err("not a date in YYYY-MM-DD".to_string()),
            }
        }
        _ => Err("not a date in YYYY-MM-DD".to_string()),
    }
}

/// Digits with an optional fraction, at most five before the point (a serial day).
pub(super) fn looks_like_serial(text: &str) -> bool {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    all_digits(whole) && whole.len() <= 7 && (frac.is_empty() || all_digits(frac))
}

/// The last serial day the 1900 system has: 9999-12-31.
const LAST_SERIAL: u64 = 2_958_465;

/// A spreadsheet serial (1900 system) to its date and the fraction of the day after it.
/// Serial 1 is 1900-01-01; the system counts a 1900-02-29 that never was (serial 60), so
/// from 61 on a day is taken off.
pub(super) fn excel_serial(text: &str) -> Result<(NaiveDate, f64), String> {
    let text = text.trim();
    if !looks_like_serial(text) {
        return Err("not an Excel serial date (a day number such as 45292)".to_string());
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let days: u64 = whole
        .parse()
        .map_err(|_| "Excel serial is too large".to_string())?;
    let fraction = if frac.is_empty() {
        0.0
    } else {
        format!("0.{frac}").parse::<f64>().unwrap_or(0.0)
    };
    let base = match days {
        0 => return Err("Excel serial 0 is not a date".to_string()),
        1..=59 => NaiveDate::from_ymd_opt(1899, 12, 31),
        60 => {
            return Err("the Excel serial for 1900-02-29, a day that never existed".to_string());
        }
        61..=LAST_SERIAL => NaiveDate::from_ymd_opt(1899, 12, 30),
        _ => return Err("Excel serial is past 9999-12-31".to_string()),
    };
    base.and_then(|b| b.checked_add_days(Days::new(days)))
        .map(|d| (d, fraction))
        .ok_or_else(|| "Excel serial is out of range".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::transforms::syntax::PivotKeyword;

    fn reader(format: DateFormat, pivot: Pivot) -> DateReader {
        DateReader {
            format,
            pivot,
            today: NaiveDate::from_ymd_opt(2024, 6, 15).expect("a real date"),
        }
    }

    fn check(r: &DateReader, cases: &[(&str, Result<&str, &str>)]) {
        for (input, expected) in cases {
            let got = r.read(input).map(|d| d.to_string());
            assert_eq!(
                got.as_deref(),
                expected.map_err(str::to_string).as_deref(),
                "{:?} reading {input:?}",
                r.format
            );
        }
    }

    const PAST: Pivot = Pivot::Keyword(PivotKeyword::Past);

    #[test]
    fn month_day_year() {
        check(
            &reader(DateFormat::MonthDayYear, PAST),
            &[
                ("03/14/1961", Ok("1961-03-14")),
                ("3/4/2001", Ok("2001-03-04")),
                (" 12/31/1999 ", Ok("1999-12-31")),
                ("12-31-1999", Ok("1999-12-31")),
                ("02/29/2000", Ok("2000-02-29")),
                ("02/29/1999", Err("no such calendar date")),
                ("02/30/2020", Err("no such calendar date")),
                ("13/01/2000", Err("no such calendar date")),
                ("1961-03-14", Err("not a date in MM/DD/YYYY")),
                ("03/14/61", Err("year must have four digits")),
                ("aa/bb/cccc", Err("not a date in MM/DD/YYYY")),
                ("12/31/1999/1", Err("not a date in MM/DD/YYYY")),
                ("", Err("not a date in MM/DD/YYYY")),
            ],
        );
    }

    #[test]
    fn two_digit_years_by_pivot() {
        check(
            &reader(DateFormat::MonthDayShortYear, PAST),
            &[
                // Today is 2024-06-15: the date never lands in the future.
                ("3/14/61", Ok("1961-03-14")),
                ("6/15/24", Ok("2024-06-15")),
                ("6/16/24", Ok("1924-06-16")),
                ("1/1/00", Ok("2000-01-01")),
                ("02/29/00", Ok("2000-02-29")),
                ("12/31/99", Ok("1999-12-31")),
                ("3/14/1961", Ok("1961-03-14")),
                ("2/30/61", Err("no such calendar date")),
                ("3/14/961", Err("year must have four digits")),
            ],
        );
        check(
            &reader(DateFormat::MonthDayShortYear, Pivot::Window(30)),
            &[
                ("1/1/29", Ok("2029-01-01")),
                ("1/1/30", Ok("1930-01-01")),
                ("6/16/24", Ok("2024-06-16")),
            ],
        );
    }

    #[test]
    fn other_layouts() {
        check(
            &reader(DateFormat::Compact, PAST),
            &[
                ("19610314", Ok("1961-03-14")),
                ("19610230", Err("no such calendar date")),
                ("1961031", Err("not a date in YYYYMMDD")),
            ],
        );
        check(
            &reader(DateFormat::Iso, PAST),
            &[
                ("1961-03-14", Ok("1961-03-14")),
                ("1961-3-14", Err("not a date in YYYY-MM-DD")),
                ("1961-02-29", Err("no such calendar date")),
            ],
        );
        check(
            &reader(DateFormat::DayMonthYear, PAST),
            &[("14/03/1961", Ok("1961-03-14"))],
        );
        check(
            &reader(DateFormat::Auto, PAST),
            &[
                ("3/14/61", Ok("1961-03-14")),
                ("19610314", Ok("1961-03-14")),
                ("1961-03-14", Ok("1961-03-14")),
                ("45292", Ok("2024-01-01")),
                (
                    "March 14",
                    Err(
                        "not a date in a known layout (M/D/YYYY, YYYYMMDD, YYYY-MM-DD or an Excel serial)",
                    ),
                ),
            ],
        );
    }

    #[test]
    fn excel_serials_in_the_1900_system() {
        check(
            &reader(DateFormat::Excel, PAST),
            &[
                ("1", Ok("1900-01-01")),
                ("59", Ok("1900-02-28")),
                (
                    "60",
                    Err("the Excel serial for 1900-02-29, a day that never existed"),
                ),
                ("61", Ok("1900-03-01")),
                ("25569", Ok("1970-01-01")),
                ("45292", Ok("2024-01-01")),
                ("45292.75", Ok("2024-01-01")),
                ("2958465", Ok("9999-12-31")),
                ("2958466", Err("Excel serial is past 9999-12-31")),
                ("0", Err("Excel serial 0 is not a date")),
                (
                    "-5",
                    Err("not an Excel serial date (a day number such as 45292)"),
                ),
            ],
        );
    }
}
