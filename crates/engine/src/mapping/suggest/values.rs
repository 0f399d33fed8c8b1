//! Value evidence for suggestions: what a column's profile (type, date format, patterns,
//! uniqueness, codes) says about a candidate target, and the transform chain it needs.
//! Reasons carry counts and patterns, never values.

use std::collections::BTreeMap;

use super::{ASSUMED_ZONE, Kind};
use crate::api::dto::{ColumnProfile, ValueType};
use crate::mapping::transforms::{
    DateFormat, DateOptions, DatetimeOptions, Pivot, PivotKeyword, TransformSpec,
};

/// What a column's values say about a candidate.
pub(super) struct Evidence {
    /// Added to the confidence (negative when the values contradict the header).
    pub delta: f64,
    pub transforms: Vec<TransformSpec>,
    pub reasons: Vec<String>,
    /// Caps the confidence (something the data cannot tell, like a time zone).
    pub cap: f64,
}

impl Evidence {
    fn new(delta: f64, transforms: Vec<TransformSpec>, reason: String) -> Self {
        Evidence {
            delta,
            transforms,
            reasons: vec![reason],
            cap: 1.0,
        }
    }
}

pub(super) fn named(n: &str) -> TransformSpec {
    TransformSpec::Named(n.to_string())
}

fn date_step(format: DateFormat, pivot: Option<Pivot>) -> TransformSpec {
    TransformSpec::Date {
        date: DateOptions {
            format: Some(format),
            pivot,
        },
    }
}

pub(super) fn datetime_step(date_format: Option<DateFormat>) -> TransformSpec {
    TransformSpec::Datetime {
        datetime: DatetimeOptions {
            zone: ASSUMED_ZONE.to_string(),
            date_format,
            pivot: None,
        },
    }
}

fn non_blank(p: &ColumnProfile) -> i64 {
    p.rows - p.blanks
}

/// Non-blank values whose pattern satisfies `pred` (among the most frequent patterns).
fn pattern_count(p: &ColumnProfile, pred: impl Fn(&str) -> bool) -> i64 {
    p.top_patterns
        .iter()
        .filter(|c| pred(&c.value))
        .map(|c| c.count)
        .sum()
}

fn share(n: i64, of: i64) -> f64 {
    if of == 0 { 0.0 } else { n as f64 / of as f64 }
}

fn is_short_year_date(pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split(['/', '-']).collect();
    parts.len() == 3
        && matches!(parts[0], "9" | "99")
        && matches!(parts[1], "9" | "99")
        && parts[2] == "99"
}

/// The date layout of a column, as the chain that reads it, if its values are dates.
pub(super) fn date_chain(
    p: &ColumnProfile,
) -> Option<(Vec<TransformSpec>, String, i64, Option<DateFormat>)> {
    let n = non_blank(p);
    if p.inferred.kind == ValueType::Date {
        let format = p.inferred.format.clone().unwrap_or_default();
        let (chain, layout) = match format.as_str() {
            "MM/DD/YYYY" | "M/D/YYYY" | "MM-DD-YYYY" => (
                vec![named("trim"), named("date_mdy")],
                DateFormat::MonthDayYear,
            ),
            "YYYYMMDD" => (
                vec![date_step(DateFormat::Compact, None)],
                DateFormat::Compact,
            ),
            "YYYY-MM-DD" => (vec![date_step(DateFormat::Iso, None)], DateFormat::Iso),
            "DD/MM/YYYY" | "D/M/YYYY" => (
                vec![named("trim"), date_step(DateFormat::DayMonthYear, None)],
                DateFormat::DayMonthYear,
            ),
            _ => return None,
        };
        return Some((chain, format, p.inferred.fits, Some(layout)));
    }
    let short = pattern_count(p, is_short_year_date);
    if n > 0 && share(short, n) >= 0.9 {
        let pivot = Some(Pivot::Keyword(PivotKeyword::Past));
        return Some((
            vec![
                named("trim"),
                date_step(DateFormat::MonthDayShortYear, pivot),
            ],
            "M/D/YY".to_string(),
            short,
            Some(DateFormat::MonthDayShortYear),
        ));
    }
    None
}

fn gender_code(v: &str) -> Option<&'static str> {
    match v.trim().to_ascii_uppercase().as_str() {
        "M" | "MALE" => Some("male"),
        "F" | "FEMALE" => Some("female"),
        "U" | "UNK" | "UNKNOWN" => Some("unknown"),
        "O" | "OTHER" => Some("other"),
        _ => None,
    }
}

pub(super) fn evidence(kind: Kind, p: &ColumnProfile) -> Evidence {
    let n = non_blank(p);
    if n == 0 {
        return Evidence::new(-0.3, vec![], "Every value is blank.".into());
    }
    let pct = |k: i64| format!("{k} of {n}");
    match kind {
        Kind::Id => {
            let unique = !p.distinct_capped && p.distinct == n;
            let mut reasons = vec![];
            let mut delta = 0.0;
            let repeats = n - p.distinct;
            if unique {
                reasons.push(format!("All {n} non-blank values are distinct."));
                delta += 0.1;
            } else if !p.distinct_capped && share(repeats, n) <= 0.02 {
                // A stray duplicate is a data problem the conversion reports, not a sign
                // the column is something else.
                reasons.push(format!(
                    "{} distinct values in {n}: {repeats} repeated, those rows would be dropped as duplicates.",
                    p.distinct
                ));
                delta += 0.05;
            } else {
                reasons.push(format!(
                    "Only {} distinct values in {n} rows: not unique, so not an identifier.",
                    p.distinct
                ));
                delta -= 0.4;
            }
            if p.blanks == 0 {
                reasons.push("No blanks.".into());
                delta += 0.04;
            } else {
                reasons.push(format!(
                    "{} blank: those rows would have no identifier.",
                    p.blanks
                ));
            }
            Evidence {
                delta,
                transforms: vec![named("trim")],
                reasons,
                cap: 1.0,
            }
        }
        Kind::Date => match date_chain(p) {
            Some((chain, format, fits, _)) => Evidence::new(
                0.14,
                chain,
                format!("{} values are dates in {format}.", pct(fits)),
            ),
            None => Evidence::new(
                -0.5,
                vec![named("trim")],
                format!(
                    "The header sounds like a date, but the values are not dates in a known layout ({} pattern(s), type {:?}).",
                    p.distinct_patterns, p.inferred.kind
                ),
            ),
        },
        Kind::DateTime => {
            let compact = pattern_count(p, |s| {
                (s.len() == 12 || s.len() == 14) && s.bytes().all(|b| b == b'9')
            });
            let spaced = pattern_count(p, |s| {
                s.split_once(' ')
                    .is_some_and(|(d, t)| d.len() >= 6 && t.contains('9'))
            });
            if share(compact + spaced, n) >= 0.9 {
                let mut ev = Evidence::new(
                    0.1,
                    vec![datetime_step(None)],
                    format!(
                        "{} values are a date with a time of day.",
                        pct(compact + spaced)
                    ),
                );
                ev.reasons.push(format!(
                    "The time zone is assumed ({ASSUMED_ZONE}): change it if the clinic is elsewhere."
                ));
                ev.cap = 0.75;
                ev
            } else if let Some((chain, format, fits, _)) = date_chain(p) {
                Evidence::new(
                    0.0,
                    chain,
                    format!(
                        "{} values are dates in {format}, without a time of day.",
                        pct(fits)
                    ),
                )
            } else {
                Evidence::new(
                    -0.5,
                    vec![named("trim")],
                    "The header sounds like a date, but the values are not dates.".into(),
                )
            }
        }
        Kind::Time => Evidence::new(
            0.0,
            vec![],
            format!("{} distinct patterns of time of day.", p.distinct_patterns),
        ),
        Kind::Gender => {
            let listed = !p.top_values_partial && p.distinct <= p.top_values.len() as i64;
            let coded: i64 = p
                .top_values
                .iter()
                .filter(|v| gender_code(&v.value).is_some())
                .map(|v| v.count)
                .sum();
            if !listed || share(coded, n) < 0.5 {
                return Evidence::new(
                    -0.4,
                    vec![named("trim")],
                    format!("Only {} values are gender codes (M, F, U, O).", pct(coded)),
                );
            }
            let mut map = BTreeMap::new();
            let mut upper = false;
            for v in &p.top_values {
                if let Some(code) = gender_code(&v.value) {
                    let key = v.value.trim().to_ascii_uppercase();
                    upper |= key != v.value.trim();
                    map.insert(key, code.to_string());
                }
            }
            // One-letter codes: `U` is the usual "unknown" even when no row has it yet.
            if map.keys().all(|k| k.len() == 1) {
                map.entry("U".into()).or_insert_with(|| "unknown".into());
            }
            let mut chain = vec![named("trim")];
            if upper {
                chain.push(named("upper"));
            }
            chain.push(TransformSpec::Map {
                map,
                otherwise: None,
                ignore_case: false,
            });
            let mut ev = Evidence::new(
                0.14,
                chain,
                format!(
                    "{} values are gender codes ({} distinct).",
                    pct(coded),
                    p.distinct
                ),
            );
            if coded < n {
                ev.delta = 0.08;
                ev.reasons.push(format!(
                    "{} values are not gender codes: those rows will be findings.",
                    n - coded
                ));
            }
            ev
        }
        Kind::FullName => {
            let commas = pattern_count(p, |s| s.contains(','));
            let text = matches!(p.inferred.kind, ValueType::Text);
            let mut ev = Evidence::new(
                if text { 0.1 } else { -0.3 },
                vec![named("trim"), named("split_name")],
                if commas > 0 {
                    format!("{} values have a comma (LAST, FIRST).", pct(commas))
                } else {
                    "No value has a comma: names are read as FIRST LAST.".to_string()
                },
            );
            if !text {
                ev.reasons.push(format!(
                    "The values look like {:?}, not names.",
                    p.inferred.kind
                ));
            }
            ev
        }
        Kind::NamePart | Kind::Text => {
            let text = matches!(p.inferred.kind, ValueType::Text | ValueType::Code);
            Evidence::new(
                if text { 0.05 } else { -0.2 },
                vec![named("trim")],
                format!(
                    "Values are {:?}, up to {} characters.",
                    p.inferred.kind,
                    p.max_length.unwrap_or(0)
                ),
            )
        }
        Kind::Phone => {
            let full = pattern_count(p, |s| {
                matches!(
                    s,
                    "999-999-9999"
                        | "(999) 999-9999"
                        | "(999)999-9999"
                        | "999.999.9999"
                        | "9999999999"
                )
            });
            let local = pattern_count(p, |s| matches!(s, "999-9999" | "9999999"));
            if share(full, n) >= 0.5 {
                Evidence::new(
                    0.14,
                    vec![named("trim"), named("phone_e164")],
                    format!("{} values are 10-digit phone numbers.", pct(full)),
                )
            } else if share(local, n) >= 0.5 {
                Evidence::new(
                    0.0,
                    vec![named("trim")],
                    format!(
                        "{} values are 7-digit numbers (999-9999) without an area code, so phone_e164 would fail; kept as written.",
                        pct(local)
                    ),
                )
            } else {
                Evidence::new(
                    -0.3,
                    vec![named("trim")],
                    format!(
                        "Few values look like phone numbers ({} patterns).",
                        p.distinct_patterns
                    ),
                )
            }
        }
        Kind::Zip => {
            let zips = pattern_count(p, |s| {
                matches!(s, "99999" | "99999-9999" | "999999999" | "9999")
            });
            if share(zips, n) >= 0.8 {
                Evidence::new(
                    0.14,
                    vec![named("trim"), named("zip")],
                    format!("{} values are ZIP codes (99999 or 99999-9999).", pct(zips)),
                )
            } else {
                Evidence::new(
                    -0.3,
                    vec![named("trim")],
                    format!("Only {} values look like ZIP codes.", pct(zips)),
                )
            }
        }
        Kind::Ssn => {
            let ssns = pattern_count(p, |s| matches!(s, "999-99-9999" | "999999999"));
            if share(ssns, n) >= 0.8 {
                Evidence::new(
                    0.14,
                    vec![named("ssn")],
                    format!("{} values are shaped like SSNs (999-99-9999).", pct(ssns)),
                )
            } else {
                Evidence::new(
                    -0.3,
                    vec![named("trim")],
                    format!("Only {} values are shaped like SSNs.", pct(ssns)),
                )
            }
        }
        Kind::Integer => {
            if p.inferred.kind == ValueType::Integer {
                Evidence::new(
                    0.14,
                    vec![named("integer")],
                    format!("{} values are whole numbers.", pct(p.inferred.fits)),
                )
            } else {
                Evidence::new(
                    -0.3,
                    vec![named("trim")],
                    format!("The values are {:?}, not whole numbers.", p.inferred.kind),
                )
            }
        }
        Kind::Code => {
            let short = p.max_length.unwrap_or(0) <= 20;
            if short {
                Evidence::new(
                    0.04,
                    vec![named("trim")],
                    format!(
                        "{} distinct short codes; check whether they need a map to FHIR codes.",
                        p.distinct
                    ),
                )
            } else {
                Evidence::new(
                    -0.2,
                    vec![named("trim")],
                    format!(
                        "Values up to {} characters: long for a code.",
                        p.max_length.unwrap_or(0)
                    ),
                )
            }
        }
    }
}
