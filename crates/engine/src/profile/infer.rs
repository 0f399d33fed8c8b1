//! Which type a column's values fit. Every non-blank value is tested, as stored (no
//! trimming: a padded number is text, and its pattern shows why), against each candidate:
//!
//! - **boolean**: `Y`/`N`, `YES`/`NO`, `TRUE`/`FALSE`, `0`/`1`, in any case;
//! - **date**, per format in [`DATE_FORMATS`] (`MM/DD/YYYY`, `YYYY-MM-DD`, `YYYYMMDD`, …):
//!   the value has the format's shape *and* is a real calendar date (`02/30/1975` is not);
//! - **integer**: an optional sign and digits, without leading zeros (`0` itself is fine);
//! - **decimal**: an integer, or one with a fraction (`-12.50`, `0.5`, `.5`);
//! - **code**: digits only, any length, leading zeros allowed (`04183`, `007`).
//!
//! The column's type is the first of boolean, date (its best-fitting format), integer,
//! decimal, code that at least [`FIT_PERCENT`]% of the non-blank values fit, else text
//! (which every value fits). One rule overrides the order: **leading zeros matter**. If
//! any value is all digits with a leading zero and the column fits code, it is a code,
//! never an integer or decimal, because a ZIP `04183` or an MRN `000123` stored as a
//! number loses its zeros. Between date formats, the one more values fit wins; on a tie
//! the earlier in [`DATE_FORMATS`] (so `01/02/2000`-only data reads month first).

use std::cmp::Ordering;

use chrono::NaiveDate;

use crate::api::dto::{InferredType, ValueType};

/// A type is inferred when at least this share (percent) of the non-blank values fit it.
pub const FIT_PERCENT: i64 = 90;

#[derive(Clone, Copy)]
enum Tok {
    /// Four digits.
    Year,
    /// Two digits.
    Month2,
    Day2,
    /// One or two digits.
    Month12,
    Day12,
    /// `JAN` … `DEC`, any case.
    MonthName,
    Lit(u8),
}

/// A date format, named the way analysts write it.
pub struct DateFormat {
    pub name: &'static str,
    toks: &'static [Tok],
    /// Years accepted (a bare `YYYYMMDD` is only a date within a plausible range; any
    /// 8-digit number would otherwise do).
    years: (i32, i32),
}

use Tok::*;

const ANY_YEAR: (i32, i32) = (1, 9999);

/// Candidate date formats, in order of preference on a tie.
pub const DATE_FORMATS: &[DateFormat] = &[
    DateFormat {
        name: "MM/DD/YYYY",
        toks: &[Month2, Lit(b'/'), Day2, Lit(b'/'), Year],
        years: ANY_YEAR,
    },
    DateFormat {
        name: "DD/MM/YYYY",
        toks: &[Day2, Lit(b'/'), Month2, Lit(b'/'), Year],
        years: ANY_YEAR,
    },
    DateFormat {
        name: "M/D/YYYY",
        toks: &[Month12, Lit(b'/'), Day12, Lit(b'/'), Year],
        years: ANY_YEAR,
    },
    DateFormat {
        name: "D/M/YYYY",
        toks: &[Day12, Lit(b'/'), Month12, Lit(b'/'), Year],
        years: ANY_YEAR,
    },
    DateFormat {
        name: "YYYY-MM-DD",
        toks: &[Year, Lit(b'-'), Month2, Lit(b'-'), Day2],
        years: ANY_YEAR,
    },
    DateFormat {
        name: "YYYYMMDD",
        toks: &[Year, Month2, Day2],
        years: (1800, 2199),
    },
    DateFormat {
        name: "YYYY/MM/DD",
        toks: &[Year, Lit(b'/'), Month2, Lit(b'/'), Day2],
        years: ANY_YEAR,
    },
    DateFormat {
        name: "MM-DD-YYYY",
        toks: &[Month2, Lit(b'-'), Day2, Lit(b'-'), Year],
        years: ANY_YEAR,
    },
    DateFormat {
        name: "DD.MM.YYYY",
        toks: &[Day2, Lit(b'.'), Month2, Lit(b'.'), Year],
        years: ANY_YEAR,
    },
    DateFormat {
        name: "DD-MON-YYYY",
        toks: &[Day2, Lit(b'-'), MonthName, Lit(b'-'), Year],
        years: ANY_YEAR,
    },
];

const FORMATS: usize = DATE_FORMATS.len();

const MONTHS: [&[u8; 3]; 12] = [
    b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV", b"DEC",
];

/// Read between `min` and `max` ASCII digits at `*i`.
fn digits(s: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let mut n = 0u32;
    let start = *i;
    while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
        n = n * 10 + u32::from(s[*i] - b'0');
        *i += 1;
    }
    (*i - start >= min).then_some(n)
}

/// The date `value` denotes in `format`, if it has the format's shape and is a real date.
pub fn parse_date(format: &DateFormat, value: &str) -> Option<NaiveDate> {
    let s = value.as_bytes();
    let (mut y, mut m, mut d) = (0u32, 0u32, 0u32);
    let mut i = 0;
    for tok in format.toks {
        match *tok {
            Lit(c) => {
                if s.get(i) != Some(&c) {
                    return None;
                }
                i += 1;
            }
            Year => y = digits(s, &mut i, 4, 4)?,
            Month2 => m = digits(s, &mut i, 2, 2)?,
            Day2 => d = digits(s, &mut i, 2, 2)?,
            Month12 => m = digits(s, &mut i, 1, 2)?,
            Day12 => d = digits(s, &mut i, 1, 2)?,
            MonthName => {
                let name = s.get(i..i + 3)?;
                m = MONTHS
                    .iter()
                    .position(|mon| name.eq_ignore_ascii_case(*mon))? as u32
                    + 1;
                i += 3;
            }
        }
    }
    let year = y as i32;
    if i != s.len() || year < format.years.0 || year > format.years.1 {
        return None;
    }
    NaiveDate::from_ymd_opt(year, m, d)
}

fn strip_sign(s: &[u8]) -> &[u8] {
    match s.first() {
        Some(b'-' | b'+') => &s[1..],
        _ => s,
    }
}

/// Digits without a leading zero (`0` itself is fine).
fn plain_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit) && (s.len() == 1 || s[0] != b'0')
}

pub fn is_integer(value: &str) -> bool {
    plain_digits(strip_sign(value.as_bytes()))
}

pub fn is_decimal(value: &str) -> bool {
    let s = strip_sign(value.as_bytes());
    match s.iter().position(|&b| b == b'.') {
        None => plain_digits(s),
        Some(dot) => {
            let (int, frac) = (&s[..dot], &s[dot + 1..]);
            (int.is_empty() || plain_digits(int))
                && !frac.is_empty()
                && frac.iter().all(u8::is_ascii_digit)
        }
    }
}

pub fn is_boolean(value: &str) -> bool {
    let tokens: &[&str] = match value.len() {
        1 => &["y", "n", "0", "1"],
        2 => &["no"],
        3 => &["yes"],
        4 => &["true"],
        5 => &["false"],
        _ => return false,
    };
    tokens.iter().any(|t| value.eq_ignore_ascii_case(t))
}

/// Integers by value, without parsing (any length).
fn cmp_integer(a: &str, b: &str) -> Ordering {
    fn magnitude(x: &str, y: &str) -> Ordering {
        let (x, y) = (strip_sign(x.as_bytes()), strip_sign(y.as_bytes()));
        x.len().cmp(&y.len()).then_with(|| x.cmp(y))
    }
    match (a.starts_with('-'), b.starts_with('-')) {
        (false, false) => magnitude(a, b),
        (true, true) => magnitude(b, a),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

/// The smallest and largest value seen of one kind, kept as written.
struct Range<K> {
    min: Option<(K, String)>,
    max: Option<(K, String)>,
}

impl<K> Default for Range<K> {
    fn default() -> Self {
        Range {
            min: None,
            max: None,
        }
    }
}

impl<K: Clone> Range<K> {
    fn add(&mut self, key: K, value: &str, cmp: impl Fn(&K, &K) -> Ordering) {
        match &mut self.min {
            Some((k, v)) if cmp(&key, k) == Ordering::Less => {
                *k = key.clone();
                v.clear();
                v.push_str(value);
            }
            Some(_) => {}
            None => self.min = Some((key.clone(), value.to_string())),
        }
        match &mut self.max {
            Some((k, v)) if cmp(&key, k) == Ordering::Greater => {
                *k = key;
                v.clear();
                v.push_str(value);
            }
            Some(_) => {}
            None => self.max = Some((key, value.to_string())),
        }
    }

    fn into_values(self) -> (Option<String>, Option<String>) {
        (self.min.map(|(_, v)| v), self.max.map(|(_, v)| v))
    }
}

/// Text ranges need no separate key: the value is its own key.
#[derive(Default)]
struct TextRange {
    min: Option<String>,
    max: Option<String>,
}

impl TextRange {
    fn add(&mut self, value: &str, cmp: impl Fn(&str, &str) -> Ordering) {
        match &mut self.min {
            Some(m) if cmp(value, m) == Ordering::Less => {
                m.clear();
                m.push_str(value);
            }
            Some(_) => {}
            None => self.min = Some(value.to_string()),
        }
        match &mut self.max {
            Some(m) if cmp(value, m) == Ordering::Greater => {
                m.clear();
                m.push_str(value);
            }
            Some(_) => {}
            None => self.max = Some(value.to_string()),
        }
    }
}

/// What a pattern allows a value to be, worked out once per pattern: values with the
/// pattern are then tested only against the types and date formats their shape fits.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Shape {
    may_be_boolean: bool,
    /// Digits only: a code.
    digits: bool,
    /// A sign, digits and at most one point: may be an integer or decimal.
    number: bool,
    /// Date formats (bits, by index in [`DATE_FORMATS`]) the pattern has the shape of.
    dates: u16,
}

impl Shape {
    pub fn of(pattern: &str) -> Shape {
        let p = pattern.as_bytes();
        let nines = |s: &[u8]| !s.is_empty() && s.iter().all(|&b| b == b'9');
        let unsigned = strip_sign(p);
        let number = match unsigned.iter().position(|&b| b == b'.') {
            None => nines(unsigned),
            Some(dot) => (dot == 0 || nines(&unsigned[..dot])) && nines(&unsigned[dot + 1..]),
        };
        let mut dates = 0u16;
        for (i, format) in DATE_FORMATS.iter().enumerate() {
            if shape_fits(format, p) {
                dates |= 1 << i;
            }
        }
        Shape {
            may_be_boolean: p.len() <= 5 && (p == b"9" || p.iter().all(|&b| b == b'A')),
            digits: nines(p),
            number,
            dates,
        }
    }
}

/// Whether a pattern has a date format's shape (digits where it has digits, and so on).
fn shape_fits(format: &DateFormat, p: &[u8]) -> bool {
    let mut i = 0;
    let run = |min: usize, max: usize, want: u8, i: &mut usize| {
        let start = *i;
        while *i < p.len() && *i - start < max && p[*i] == want {
            *i += 1;
        }
        *i - start >= min
    };
    for tok in format.toks {
        let ok = match *tok {
            Lit(c) => {
                let ok = p.get(i) == Some(&c);
                i += 1;
                ok
            }
            Year => run(4, 4, b'9', &mut i),
            Month2 | Day2 => run(2, 2, b'9', &mut i),
            Month12 | Day12 => run(1, 2, b'9', &mut i),
            MonthName => run(3, 3, b'A', &mut i),
        };
        if !ok {
            return false;
        }
    }
    i == p.len()
}

/// How many non-blank values fit each candidate type, with each type's range.
#[derive(Default)]
pub struct TypeTally {
    booleans: i64,
    integers: i64,
    integer_range: TextRange,
    decimals: i64,
    decimal_range: Range<f64>,
    codes: i64,
    leading_zeros: i64,
    code_range: TextRange,
    dates: [i64; FORMATS],
    date_ranges: [Range<NaiveDate>; FORMATS],
    text_range: TextRange,
}

/// A column's type with its range, by that type's order.
#[derive(Debug, PartialEq)]
pub struct Inference {
    pub inferred: InferredType,
    pub min: Option<String>,
    pub max: Option<String>,
}

impl TypeTally {
    /// Count one non-blank value.
    pub fn observe(&mut self, value: &str) {
        self.observe_shaped(value, &Shape::of(&crate::profile::pattern::pattern(value)));
    }

    /// Count one non-blank value whose pattern has `shape` (a column's values share a
    /// few patterns, so the caller works the shape out once per pattern).
    pub fn observe_shaped(&mut self, value: &str, shape: &Shape) {
        self.text_range.add(value, |a, b| a.cmp(b));
        if shape.may_be_boolean && is_boolean(value) {
            self.booleans += 1;
        }
        if shape.digits {
            let leading_zero = value.len() > 1 && value.starts_with('0');
            self.codes += 1;
            self.leading_zeros += i64::from(leading_zero);
            self.code_range.add(value, |a, b| a.cmp(b));
        }
        if shape.number {
            if is_integer(value) {
                self.integers += 1;
                self.integer_range.add(value, cmp_integer);
            }
            if is_decimal(value)
                && let Ok(n) = value.parse::<f64>()
            {
                self.decimals += 1;
                self.decimal_range.add(n, value, |a, b| a.total_cmp(b));
            }
        }
        let mut dates = shape.dates;
        while dates != 0 {
            let i = dates.trailing_zeros() as usize;
            dates &= dates - 1;
            if let Some(date) = parse_date(&DATE_FORMATS[i], value) {
                self.dates[i] += 1;
                self.date_ranges[i].add(date, value, |a, b| a.cmp(b));
            }
        }
    }

    /// The type `non_blank` values fit (see the module documentation for the rule).
    pub fn finish(self, non_blank: i64) -> Inference {
        let meets = |fits: i64| non_blank > 0 && fits * 100 >= FIT_PERCENT * non_blank;
        let pick = |kind, format: Option<&str>, fits, (min, max)| Inference {
            inferred: InferredType {
                kind,
                format: format.map(str::to_string),
                fits,
            },
            min,
            max,
        };
        if non_blank == 0 {
            return pick(ValueType::Empty, None, 0, (None, None));
        }
        if meets(self.booleans) {
            return pick(ValueType::Boolean, None, self.booleans, (None, None));
        }
        // The format most values fit; the earliest on a tie.
        let best = (0..FORMATS).fold(0, |best, i| {
            if self.dates[i] > self.dates[best] {
                i
            } else {
                best
            }
        });
        if meets(self.dates[best]) {
            let range = self.date_ranges.into_iter().nth(best).unwrap_or_default();
            return pick(
                ValueType::Date,
                Some(DATE_FORMATS[best].name),
                self.dates[best],
                range.into_values(),
            );
        }
        let code_wins = self.leading_zeros > 0 && meets(self.codes);
        if !code_wins && meets(self.integers) {
            let r = self.integer_range;
            return pick(ValueType::Integer, None, self.integers, (r.min, r.max));
        }
        if !code_wins && meets(self.decimals) {
            let r = self.decimal_range.into_values();
            return pick(ValueType::Decimal, None, self.decimals, r);
        }
        if meets(self.codes) {
            let r = self.code_range;
            return pick(ValueType::Code, None, self.codes, (r.min, r.max));
        }
        let r = self.text_range;
        pick(ValueType::Text, None, non_blank, (r.min, r.max))
    }
}

/// Infer the type of a list of non-blank values (for tests and small callers).
pub fn infer<'a>(values: impl IntoIterator<Item = &'a str>) -> Inference {
    let mut tally = TypeTally::default();
    let mut n = 0;
    for v in values {
        tally.observe(v);
        n += 1;
    }
    tally.finish(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(values: &[&str]) -> (ValueType, Option<String>, i64) {
        let i = infer(values.iter().copied()).inferred;
        (i.kind, i.format, i.fits)
    }

    #[test]
    fn single_values_fit_the_expected_candidates() {
        // value, boolean, integer, decimal, code
        for (value, boolean, integer, decimal, is_code) in [
            ("0", true, true, true, true),
            ("1", true, true, true, true),
            ("Y", true, false, false, false),
            ("no", true, false, false, false),
            ("False", true, false, false, false),
            ("F", false, false, false, false),
            ("42", false, true, true, true),
            ("-42", false, true, true, false),
            ("+7", false, true, true, false),
            ("04183", false, false, false, true),
            ("00", false, false, false, true),
            ("12.50", false, false, true, false),
            ("-0.5", false, false, true, false),
            (".5", false, false, true, false),
            ("5.", false, false, false, false),
            ("01.5", false, false, false, false),
            ("1,234", false, false, false, false),
            ("1e5", false, false, false, false),
            ("-", false, false, false, false),
            (" 42", false, false, false, false),
            ("١٢", false, false, false, false),
        ] {
            assert_eq!(is_boolean(value), boolean, "boolean {value:?}");
            assert_eq!(is_integer(value), integer, "integer {value:?}");
            assert_eq!(is_decimal(value), decimal, "decimal {value:?}");
            assert_eq!(
                Shape::of(&crate::profile::pattern::pattern(value)).digits,
                is_code,
                "code {value:?}"
            );
        }
    }

    #[test]
    fn dates_must_have_the_shape_and_be_real() {
        let fmt = |name: &str| DATE_FORMATS.iter().find(|f| f.name == name).unwrap();
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        for (format, value, expected) in [
            ("MM/DD/YYYY", "09/03/2000", ymd(2000, 9, 3)),
            ("MM/DD/YYYY", "02/30/1975", None),
            ("MM/DD/YYYY", "2/3/2000", None),
            ("MM/DD/YYYY", "13/01/2000", None),
            ("DD/MM/YYYY", "13/01/2000", ymd(2000, 1, 13)),
            ("M/D/YYYY", "2/3/2000", ymd(2000, 2, 3)),
            ("M/D/YYYY", "12/31/1999", ymd(1999, 12, 31)),
            ("M/D/YYYY", "123/1/1999", None),
            ("YYYY-MM-DD", "2024-02-29", ymd(2024, 2, 29)),
            ("YYYY-MM-DD", "2023-02-29", None),
            ("YYYY-MM-DD", "2024-02-29T10:00", None),
            ("YYYYMMDD", "20000903", ymd(2000, 9, 3)),
            ("YYYYMMDD", "10000101", None),
            ("YYYYMMDD", "2000093", None),
            ("DD.MM.YYYY", "03.09.2000", ymd(2000, 9, 3)),
            ("DD-MON-YYYY", "03-sep-2000", ymd(2000, 9, 3)),
            ("DD-MON-YYYY", "03-SEPT-2000", None),
            ("MM/DD/YYYY", "01/01/0001", ymd(1, 1, 1)),
        ] {
            assert_eq!(
                parse_date(fmt(format), value),
                expected,
                "{format} {value:?}"
            );
        }
    }

    #[test]
    fn shapes_narrow_what_a_pattern_can_be() {
        let formats = |mask: u16| {
            DATE_FORMATS
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, f)| f.name)
                .collect::<Vec<_>>()
        };
        let s = Shape::of("99/99/9999");
        assert!(!s.number && !s.digits && !s.may_be_boolean);
        assert_eq!(
            formats(s.dates),
            ["MM/DD/YYYY", "DD/MM/YYYY", "M/D/YYYY", "D/M/YYYY"]
        );
        assert_eq!(
            formats(Shape::of("9/99/9999").dates),
            ["M/D/YYYY", "D/M/YYYY"]
        );
        assert_eq!(formats(Shape::of("99999999").dates), ["YYYYMMDD"]);
        assert_eq!(formats(Shape::of("99-AAA-9999").dates), ["DD-MON-YYYY"]);
        assert_eq!(formats(Shape::of("9999-99-99").dates), ["YYYY-MM-DD"]);
        assert_eq!(
            formats(Shape::of("9999-99-99 99:99").dates),
            Vec::<&str>::new()
        );
        let s = Shape::of("99999");
        assert!(s.digits && s.number && !s.may_be_boolean);
        assert!(Shape::of("-99.99").number && !Shape::of("-99.99").digits);
        assert!(Shape::of(".9").number && !Shape::of("9.").number && !Shape::of("-").number);
        assert!(Shape::of("9").may_be_boolean && Shape::of("AAAAA").may_be_boolean);
        assert!(!Shape::of("AAAAAA").may_be_boolean && !Shape::of("99").may_be_boolean);
    }

    #[test]
    fn columns_take_the_first_type_most_values_fit() {
        use ValueType::*;
        let s = |v: &str| Some(v.to_string());
        for (values, expected) in [
            (vec![], (Empty, None, 0)),
            (vec!["Y", "N", "y", "N"], (Boolean, None, 4)),
            (vec!["0", "1", "1"], (Boolean, None, 3)),
            (vec!["0", "1", "2"], (Integer, None, 3)),
            (
                vec!["12", "-3", "40000000000000000000000"],
                (Integer, None, 3),
            ),
            (vec!["1.5", "2", "-0.25"], (Decimal, None, 3)),
            // Leading zeros matter: a code, even though most values are plain integers.
            (
                vec![
                    "12345", "23456", "34567", "45678", "56789", "67890", "78901", "89012",
                    "90123", "04183",
                ],
                (Code, None, 10),
            ),
            (vec!["04183", "06957", "01368"], (Code, None, 3)),
            (
                vec!["09/03/2000", "02/14/2014", "02/30/1975"],
                (Text, None, 3),
            ),
            (vec!["2000-09-03", "1999-12-31"], (Date, s("YYYY-MM-DD"), 2)),
            (vec!["20000903", "19991231"], (Date, s("YYYYMMDD"), 2)),
            // Ambiguous day/month: month first wins the tie.
            (vec!["01/02/2000", "03/04/2001"], (Date, s("MM/DD/YYYY"), 2)),
            (vec!["31/12/2000", "01/02/2000"], (Date, s("DD/MM/YYYY"), 2)),
            // Mixed padding fits only the flexible format.
            (vec!["1/2/2000", "12/25/2000"], (Date, s("M/D/YYYY"), 2)),
            (vec!["F", "M", "X", "F"], (Text, None, 4)),
            (vec!["555-0148", "555-0134"], (Text, None, 2)),
        ] {
            assert_eq!(kind(&values), expected, "values {values:?}");
        }
    }

    #[test]
    fn ninety_percent_is_enough_and_the_share_is_reported() {
        let mut values = vec!["2000-01-01"; 9];
        values.push("unknown");
        assert_eq!(
            kind(&values),
            (ValueType::Date, Some("YYYY-MM-DD".into()), 9)
        );
        values.push("not a date");
        assert_eq!(
            kind(&values),
            (ValueType::Text, None, 11),
            "9 of 11 is < 90%"
        );
    }

    #[test]
    fn ranges_follow_the_inferred_type() {
        for (values, min, max) in [
            // Dates by date, not by text ("01/01/2031" sorts first as text).
            (
                vec!["09/03/2000", "01/01/2031", "12/31/1930"],
                "12/31/1930",
                "01/01/2031",
            ),
            // Integers by value, not by text.
            (vec!["9", "10", "-11", "-2"], "-11", "10"),
            (vec!["9.5", "10", "-0.5"], "-0.5", "10"),
            (vec!["0999", "01000", "00001"], "00001", "0999"),
            (vec!["b", "a", "C"], "C", "b"),
        ] {
            let i = infer(values.iter().copied());
            assert_eq!(
                (i.min.as_deref(), i.max.as_deref()),
                (Some(min), Some(max)),
                "values {values:?}"
            );
        }
        // Only values that fit count towards the range.
        let mut values = vec!["2000-01-01"; 9];
        values.push("0000-00-00");
        let i = infer(values.iter().copied());
        assert_eq!(i.min.as_deref(), Some("2000-01-01"));
        assert_eq!(infer(["Y", "N"]).min, None, "booleans have no range");
    }
}
