//! Mapping suggestions: for each legacy column, the element it most likely maps to, the
//! transform chain its values need, and how confident that guess is. Headers are
//! normalised and compared (Jaro-Winkler) with a table of known legacy names per target
//! and with the resource's own element names; the column's profile (type, date format,
//! patterns, uniqueness) then raises or lowers the confidence and picks the chain.
//!
//! Reasons name headers, counts and patterns, never values: values are patient data.

use std::collections::BTreeMap;

use crate::api::dto::{ColumnProfile, Suggestion, ValueType};
use crate::fhir;
use crate::mapping::spec::{ElementSpec, FORMAT, IdentifierSpec, MappingSpec};
use crate::mapping::transforms::{
    DateFormat, DateOptions, DatetimeOptions, Pivot, PivotKeyword, TransformSpec,
};

/// The target of a suggestion that is the spec's business identifier (its `[identifier]`
/// section), not an element.
pub const IDENTIFIER: &str = "identifier";

/// The time zone a date-time suggestion assumes; the clinic's own cannot be guessed from
/// the data, so such suggestions stay below the "accept all" threshold.
pub const ASSUMED_ZONE: &str = "America/New_York";

/// A header has to be at least this similar to a known name to be suggested at all.
const MIN_NAME_SCORE: f64 = 0.88;

/// What a target expects of its column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The business identifier: unique and never blank.
    Id,
    Date,
    DateTime,
    /// The time of day of a date-time whose date is another column.
    Time,
    Gender,
    /// A whole name, `LAST, FIRST M`.
    FullName,
    NamePart,
    Phone,
    Zip,
    Ssn,
    Integer,
    /// A short code (a status, a test code, a state).
    Code,
    Text,
}

struct Known {
    resource: &'static str,
    target: &'static str,
    kind: Kind,
    names: &'static [&'static str],
}

const fn known(
    resource: &'static str,
    target: &'static str,
    kind: Kind,
    names: &'static [&'static str],
) -> Known {
    Known {
        resource,
        target,
        kind,
        names,
    }
}

/// Legacy header names seen for each target (before normalisation).
const KNOWN: &[Known] = &[
    known(
        "Patient",
        IDENTIFIER,
        Kind::Id,
        &[
            "MRN",
            "PATIENT_ID",
            "PAT_ID",
            "MEDICAL_RECORD_NUMBER",
            "CHART_NO",
        ],
    ),
    known(
        "Patient",
        "birthDate",
        Kind::Date,
        &["DOB", "BIRTH_DATE", "BIRTHDATE", "DATE_OF_BIRTH"],
    ),
    known("Patient", "gender", Kind::Gender, &["SEX", "GENDER"]),
    known(
        "Patient",
        "name[0]",
        Kind::FullName,
        &["PATIENT_NAME", "NAME", "PT_NAME", "FULL_NAME"],
    ),
    known(
        "Patient",
        "name[0].family",
        Kind::NamePart,
        &["LAST", "LAST_NAME", "SURNAME", "FAMILY_NAME", "LNAME"],
    ),
    known(
        "Patient",
        "name[0].given",
        Kind::NamePart,
        &["FIRST", "FIRST_NAME", "GIVEN_NAME", "FNAME"],
    ),
    known(
        "Patient",
        "telecom[0].value",
        Kind::Phone,
        &["PHONE", "HOME_PHONE", "TEL", "TELEPHONE", "PHONE_NUMBER"],
    ),
    known(
        "Patient",
        "address[0].postalCode",
        Kind::Zip,
        &["ZIP", "ZIPCODE", "ZIP_CODE", "POSTAL", "POSTAL_CODE"],
    ),
    known(
        "Patient",
        "address[0].line",
        Kind::Text,
        &["ADDR1", "ADDRESS", "ADDRESS1", "STREET", "ADDRESS_LINE"],
    ),
    known("Patient", "address[0].city", Kind::Text, &["CITY", "TOWN"]),
    known(
        "Patient",
        "address[0].state",
        Kind::Code,
        &["STATE", "ST", "PROVINCE"],
    ),
    known(
        "Patient",
        "identifier[1].value",
        Kind::Ssn,
        &["SSN", "SOCIAL_SECURITY_NUMBER", "SOC_SEC_NO"],
    ),
    known(
        "Appointment",
        IDENTIFIER,
        Kind::Id,
        &["APPT_ID", "APPOINTMENT_ID", "APPT_NO"],
    ),
    known(
        "Appointment",
        "start",
        Kind::Date,
        &[
            "APPT_DATE",
            "APPT_DATETIME",
            "START",
            "APPT_START",
            "START_DATE",
        ],
    ),
    known(
        "Appointment",
        "start",
        Kind::Time,
        &["APPT_TIME", "START_TIME", "TIME"],
    ),
    known(
        "Appointment",
        "status",
        Kind::Code,
        &["STATUS", "APPT_STATUS"],
    ),
    known(
        "Appointment",
        "minutesDuration",
        Kind::Integer,
        &["DURATION", "MINUTES", "LENGTH", "APPT_LENGTH"],
    ),
    known(
        "Appointment",
        "description",
        Kind::Text,
        &["REASON", "DESCRIPTION", "VISIT_REASON"],
    ),
    known(
        "Observation",
        IDENTIFIER,
        Kind::Id,
        &["ACCESSION", "ACCESSION_NO", "RESULT_ID", "LAB_ID"],
    ),
    known(
        "Observation",
        "code.text",
        Kind::Code,
        &["TEST_CODE", "TEST", "TEST_NAME", "LAB_CODE", "ANALYTE"],
    ),
    known(
        "Observation",
        "value[x]",
        Kind::Text,
        &["RESULT", "RESULT_VALUE", "VALUE"],
    ),
    known(
        "Observation",
        "effective[x]",
        Kind::DateTime,
        &["RESULT_DT", "RESULT_DATE", "COLLECTED", "COLLECTION_DATE"],
    ),
    known(
        "Observation",
        "status",
        Kind::Code,
        &["STATUS", "RESULT_STATUS"],
    ),
    known(
        "Observation",
        "interpretation[0].coding[0].code",
        Kind::Code,
        &["ABN_FLAG", "ABNORMAL_FLAG", "FLAG"],
    ),
    known(
        "Practitioner",
        IDENTIFIER,
        Kind::Id,
        &["PROV_ID", "PROVIDER_ID", "DOCTOR_ID", "DR_ID"],
    ),
    known(
        "Practitioner",
        "name[0]",
        Kind::FullName,
        &["PROV_NAME", "PROVIDER_NAME", "DOCTOR_NAME", "NAME"],
    ),
    known("Practitioner", "identifier[1].value", Kind::Code, &["NPI"]),
    known(
        "Practitioner",
        "qualification[0].code.text",
        Kind::Text,
        &["SPECIALTY", "SPECIALITY"],
    ),
    known(
        "Location",
        IDENTIFIER,
        Kind::Id,
        &["LOC_ID", "LOCATION_ID", "SITE_ID"],
    ),
    known(
        "Location",
        "name",
        Kind::Text,
        &["LOC_NAME", "LOCATION_NAME", "SITE_NAME", "NAME"],
    ),
    known(
        "Encounter",
        IDENTIFIER,
        Kind::Id,
        &["ENC_ID", "ENCOUNTER_ID", "VISIT_ID"],
    ),
    known(
        "Encounter",
        "period.start",
        Kind::DateTime,
        &["START", "ADMIT_DATE", "VISIT_DATE", "START_DT"],
    ),
    known(
        "Encounter",
        "period.end",
        Kind::DateTime,
        &["END", "DISCHARGE_DATE", "END_DT"],
    ),
    known(
        "Encounter",
        "class.code",
        Kind::Code,
        &["KIND", "CLASS", "VISIT_TYPE", "ENC_TYPE"],
    ),
    known(
        "DocumentReference",
        IDENTIFIER,
        Kind::Id,
        &["NOTE_ID", "DOC_ID", "DOCUMENT_ID"],
    ),
    known(
        "DocumentReference",
        "date",
        Kind::DateTime,
        &["NOTE_DT", "NOTE_DATE", "DOC_DATE"],
    ),
    known(
        "DocumentReference",
        "description",
        Kind::Text,
        &["TITLE", "NOTE_TITLE", "DESCRIPTION"],
    ),
];

/// Abbreviations legacy headers use, by normalised token.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("PT", "PATIENT"),
    ("PAT", "PATIENT"),
    ("DT", "DATE"),
    ("ADDR", "ADDRESS"),
    ("PH", "PHONE"),
    ("NBR", "NUMBER"),
    ("NUM", "NUMBER"),
    ("NO", "NUMBER"),
    ("APPT", "APPOINTMENT"),
    ("PROV", "PROVIDER"),
    ("DR", "DOCTOR"),
    ("LOC", "LOCATION"),
    ("ENC", "ENCOUNTER"),
    ("DOC", "DOCUMENT"),
    ("BIRTHDATE", "BIRTH_DATE"),
    ("ZIPCODE", "ZIP_CODE"),
    ("LASTNAME", "LAST_NAME"),
    ("FIRSTNAME", "FIRST_NAME"),
];

/// A header in a comparable form: upper case, words split at `_`, `-`, spaces, dots and
/// camelCase humps, abbreviations spelt out, joined by `_` (`ptDOB` → `PATIENT_DOB`).
pub fn normalise(header: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for ch in header.trim().chars() {
        if !ch.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = ch.is_lowercase();
        word.extend(ch.to_uppercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    let spelt: Vec<&str> = words
        .iter()
        .map(|w| {
            ABBREVIATIONS
                .iter()
                .find(|(a, _)| a == w)
                .map_or(w.as_str(), |(_, full)| full)
        })
        .collect();
    spelt.join("_")
}

/// How similar two headers are, 0 to 1, after normalising both.
pub fn similarity(header: &str, known: &str) -> f64 {
    let (a, b) = (normalise(header), normalise(known));
    if a == b {
        1.0
    } else {
        strsim::jaro_winkler(&a, &b)
    }
}

/// A target a header may mean, before the values are looked at.
#[derive(Debug, Clone)]
struct Candidate {
    target: String,
    kind: Kind,
    score: f64,
    reason: String,
}

/// The element kinds worth suggesting from a resource's own element names.
fn kind_of_type(type_name: &str) -> Option<Kind> {
    match type_name {
        "date" => Some(Kind::Date),
        "dateTime" | "instant" => Some(Kind::DateTime),
        "code" => Some(Kind::Code),
        "integer" | "positiveInt" | "unsignedInt" => Some(Kind::Integer),
        "string" | "markdown" => Some(Kind::Text),
        _ => None,
    }
}

fn candidates(resource: &str, header: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for k in KNOWN.iter().filter(|k| k.resource == resource) {
        let best = k
            .names
            .iter()
            .map(|n| (similarity(header, n), *n))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        // Identifier names are short and alike (APPT_ID, APPT_TIME): only a near-exact
        // header counts, or every unique column of a small file would be an id.
        let min = if k.kind == Kind::Id {
            0.97
        } else {
            MIN_NAME_SCORE
        };
        if let Some((score, name)) = best
            && score >= min
        {
            let what = if k.target == IDENTIFIER {
                "the business identifier".to_string()
            } else {
                k.target.to_string()
            };
            let reason = if score >= 1.0 {
                format!("The header is a common legacy name for {what}.")
            } else {
                format!(
                    "The header resembles {name}, a common legacy name for {what} (similarity {score:.2})."
                )
            };
            out.push(Candidate {
                target: k.target.to_string(),
                kind: k.kind,
                score,
                reason,
            });
        }
    }
    // Any header named like an id may be the identifier (if its values are unique).
    let norm = normalise(header);
    let last = norm.rsplit('_').next().unwrap_or("");
    if matches!(last, "ID" | "NUMBER" | "KEY") && !out.iter().any(|c| c.target == IDENTIFIER) {
        out.push(Candidate {
            target: IDENTIFIER.to_string(),
            kind: Kind::Id,
            score: 0.9,
            reason: "The header is named like an id.".into(),
        });
    }
    // The resource's own element names (`birthDate` as BIRTH_DATE), a little less sure.
    for el in fhir::elements(resource).unwrap_or_default() {
        let Some(kind) = kind_of_type(&el.type_name) else {
            continue;
        };
        if matches!(el.name.as_str(), "id" | "implicitRules" | "language") {
            continue;
        }
        let name = el.name.trim_end_matches("[x]");
        let score = similarity(header, name) * 0.95;
        if score < MIN_NAME_SCORE * 0.95 {
            continue;
        }
        let target = if el.array {
            format!("{}[0]", el.name)
        } else {
            el.name.clone()
        };
        if out.iter().any(|c| c.target == target) {
            continue;
        }
        out.push(Candidate {
            target,
            kind,
            score,
            reason: format!("The header matches the {resource} element {}.", el.name),
        });
    }
    out
}

/// What a column's values say about a candidate.
struct Evidence {
    /// Added to the confidence (negative when the values contradict the header).
    delta: f64,
    transforms: Vec<TransformSpec>,
    reasons: Vec<String>,
    /// Caps the confidence (something the data cannot tell, like a time zone).
    cap: f64,
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

fn named(n: &str) -> TransformSpec {
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

fn datetime_step(date_format: Option<DateFormat>) -> TransformSpec {
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
fn date_chain(p: &ColumnProfile) -> Option<(Vec<TransformSpec>, String, i64, Option<DateFormat>)> {
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

fn evidence(kind: Kind, p: &ColumnProfile) -> Evidence {
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

/// A candidate scored against the column's values.
fn score(c: &Candidate, profile: Option<&ColumnProfile>) -> (f64, Vec<TransformSpec>, Vec<String>) {
    let mut reasons = vec![c.reason.clone()];
    let base = c.score * 0.85;
    let Some(p) = profile else {
        reasons.push("The source is not profiled: values were not checked.".into());
        return (base * 0.9, vec![named("trim")], reasons);
    };
    let ev = evidence(c.kind, p);
    reasons.extend(ev.reasons);
    let confidence = (base + ev.delta).clamp(0.01, 0.99).min(ev.cap);
    (confidence, ev.transforms, reasons)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Suggestions for a resource type from a source's columns (with their profiles, when
/// the source was profiled): one per column at most, never two for one target, most
/// confident first.
pub fn suggest(resource: &str, columns: &[String], profiles: &[ColumnProfile]) -> Vec<Suggestion> {
    let mut best: Vec<(Suggestion, Kind)> = Vec::new();
    for column in columns {
        let profile = profiles.iter().find(|p| &p.name == column);
        let top = candidates(resource, column)
            .into_iter()
            .map(|c| {
                let (confidence, transforms, reasons) = score(&c, profile);
                (c, confidence, transforms, reasons)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((c, confidence, transforms, reasons)) = top {
            best.push((
                Suggestion {
                    column: column.clone(),
                    columns: vec![],
                    target: c.target,
                    transforms,
                    confidence: round2(confidence),
                    reasons,
                },
                c.kind,
            ));
        }
    }
    combine_date_and_time(&mut best, profiles);
    best.sort_by(|a, b| b.0.confidence.total_cmp(&a.0.confidence));
    let mut out: Vec<Suggestion> = Vec::new();
    for (s, _) in best {
        if !out.iter().any(|o| o.target == s.target) {
            out.push(s);
        }
    }
    out
}

/// A date column and a time column for the same target become one date-time suggestion
/// reading both; a time column without its date is dropped.
fn combine_date_and_time(best: &mut Vec<(Suggestion, Kind)>, profiles: &[ColumnProfile]) {
    let times: Vec<(String, String)> = best
        .iter()
        .filter(|(_, k)| *k == Kind::Time)
        .map(|(s, _)| (s.target.clone(), s.column.clone()))
        .collect();
    best.retain(|(_, k)| *k != Kind::Time);
    for (target, time_column) in times {
        let Some((date, _)) = best
            .iter_mut()
            .find(|(s, k)| s.target == target && *k == Kind::Date)
        else {
            continue;
        };
        let layout = profiles
            .iter()
            .find(|p| p.name == date.column)
            .and_then(date_chain)
            .and_then(|(_, _, _, layout)| layout);
        let date_format = match layout {
            Some(DateFormat::MonthDayShortYear) => Some(DateFormat::MonthDayShortYear),
            _ => None,
        };
        date.columns = vec![date.column.clone(), time_column.clone()];
        date.transforms = vec![datetime_step(date_format)];
        date.reasons.push(format!(
            "Combined with {time_column} (the time of day) into a date-time."
        ));
        date.reasons.push(format!(
            "The time zone is assumed ({ASSUMED_ZONE}): change it if the clinic is elsewhere."
        ));
        date.confidence = date.confidence.min(0.75);
    }
}

/// The element a suggestion adds to a spec (`None` for the identifier).
pub fn element_of(s: &Suggestion) -> Option<ElementSpec> {
    (s.target != IDENTIFIER).then(|| ElementSpec {
        target: s.target.clone(),
        column: s.columns.is_empty().then(|| s.column.clone()),
        columns: s.columns.clone(),
        value: None,
        reference: None,
        transforms: s.transforms.clone(),
    })
}

/// A starting spec with every suggestion accepted. Without an identifier suggestion the
/// error says so (a spec needs one).
pub fn spec_from(
    suggestions: &[Suggestion],
    name: &str,
    source: &str,
    resource: &str,
    system: &str,
) -> Result<MappingSpec, String> {
    let id = suggestions
        .iter()
        .find(|s| s.target == IDENTIFIER)
        .ok_or_else(|| {
            "no column looks like the business identifier: write the spec's [identifier] by hand"
                .to_string()
        })?;
    Ok(MappingSpec {
        format: FORMAT,
        name: name.to_string(),
        source: source.to_string(),
        resource: resource.to_string(),
        identifier: IdentifierSpec {
            system: system.to_string(),
            column: id.column.clone(),
            transforms: id.transforms.clone(),
        },
        elements: suggestions.iter().filter_map(element_of).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_normalise_to_comparable_words() {
        let cases = [
            ("DOB", "DOB"),
            ("date of birth", "DATE_OF_BIRTH"),
            ("Date-Of-Birth", "DATE_OF_BIRTH"),
            ("birthDate", "BIRTH_DATE"),
            ("BIRTHDATE", "BIRTH_DATE"),
            ("PT_NAME", "PATIENT_NAME"),
            ("Pat Name", "PATIENT_NAME"),
            ("RESULT_DT", "RESULT_DATE"),
            ("appt.date", "APPOINTMENT_DATE"),
            (" zip code ", "ZIP_CODE"),
        ];
        for (header, expected) in cases {
            assert_eq!(normalise(header), expected, "normalising {header:?}");
        }
    }

    /// (resource, header, the best target, or None when nothing should be suggested).
    #[test]
    fn headers_match_their_targets() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("Patient", "DOB", Some("birthDate")),
            ("Patient", "Birth Date", Some("birthDate")),
            ("Patient", "date_of_birth", Some("birthDate")),
            ("Patient", "SEX", Some("gender")),
            ("Patient", "Gender", Some("gender")),
            ("Patient", "PT_NAME", Some("name[0]")),
            ("Patient", "PATIENT_NAME", Some("name[0]")),
            ("Patient", "LAST_NAME", Some("name[0].family")),
            ("Patient", "LastName", Some("name[0].family")),
            ("Patient", "FIRST_NAME", Some("name[0].given")),
            ("Patient", "HOME_PHONE", Some("telecom[0].value")),
            ("Patient", "PHONE", Some("telecom[0].value")),
            ("Patient", "ZIPCODE", Some("address[0].postalCode")),
            ("Patient", "ZIP", Some("address[0].postalCode")),
            ("Patient", "ADDR1", Some("address[0].line")),
            ("Patient", "CITY", Some("address[0].city")),
            ("Patient", "MRN", Some(IDENTIFIER)),
            ("Patient", "PAT_ID", Some(IDENTIFIER)),
            ("Patient", "SSN", Some("identifier[1].value")),
            ("Patient", "FAVOURITE_COLOUR", None),
            ("Patient", "COMMENTS", None),
            ("Appointment", "APPT_DATE", Some("start")),
            ("Appointment", "MINUTES", Some("minutesDuration")),
            ("Appointment", "STATUS", Some("status")),
            ("Appointment", "PAT_MRN", None),
            ("Observation", "RESULT_DT", Some("effective[x]")),
            ("Observation", "TEST_CODE", Some("code.text")),
            ("Observation", "RESULT", Some("value[x]")),
        ];
        for &(resource, header, expected) in cases {
            let best = candidates(resource, header)
                .into_iter()
                .max_by(|a, b| a.score.total_cmp(&b.score))
                .map(|c| c.target);
            assert_eq!(
                best.as_deref(),
                expected,
                "{resource} header {header:?} should suggest {expected:?}"
            );
        }
    }

    #[test]
    fn known_names_score_above_lookalikes() {
        assert_eq!(similarity("DOB", "dob"), 1.0);
        assert!(similarity("BIRTH_DT", "BIRTH_DATE") >= 0.99);
        assert!(similarity("PHONE", "ZIP") < MIN_NAME_SCORE);
    }
}
