//! Mapping suggestions: for each legacy column, the element it most likely maps to, the
//! transform chain its values need, and how confident that guess is. Headers are
//! normalised and compared (Jaro-Winkler) with a table of known legacy names per target
//! and with the resource's own element names; the column's profile (type, date format,
//! patterns, uniqueness) then raises or lowers the confidence and picks the chain.
//!
//! Reasons name headers, counts and patterns, never values: values are patient data.

mod names;
mod values;

use crate::api::dto::{ColumnProfile, Suggestion};
use crate::mapping::spec::{ElementSpec, FORMAT, IdentifierSpec, MappingSpec};
use crate::mapping::transforms::{DateFormat, TransformSpec};

use names::{Candidate, candidates};
pub use names::{normalise, similarity};
use values::{date_chain, datetime_step, evidence, named};

/// The target of a suggestion that is the spec's business identifier (its `[identifier]`
/// section), not an element.
pub const IDENTIFIER: &str = "identifier";

/// The time zone a date-time suggestion assumes; the clinic's own cannot be guessed from
/// the data, so such suggestions stay below the "accept all" threshold.
pub const ASSUMED_ZONE: &str = "America/New_York";
/// What a target expects of its column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
            column: Some(id.column.clone()),
            columns: vec![],
            transforms: id.transforms.clone(),
        },
        duplicates: None,
        elements: suggestions.iter().filter_map(element_of).collect(),
    })
}
