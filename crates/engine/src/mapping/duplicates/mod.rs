//! Duplicate records within one source: rows a spec's `[duplicates]` table declares to be
//! one record (a lab result and its correction, an appointment booked twice), and the one
//! row of each record that is kept. The others are merged into it: they produce no
//! resource, and each gets a finding naming the kept row and resource, so a reconciliation
//! can account for every row.
//!
//! A row's *key* is the value of each key part (the identifier, or an element's value as
//! placed); rows with equal keys are one record, and a row missing any part of the key is
//! never anyone's duplicate. Its *rank* is the `prefer` criteria, encoded as bytes that
//! compare as the criteria do (bigger is preferred), so that the kept row can be chosen by
//! a plain sort (`resolve`). Ties go to the later row of the file.

mod resolve;

pub use resolve::{Fate, FateKind, Kept, Records};

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::api::dto::StagedRow;
use crate::mapping::convert::{
    ColumnIndex, Placed, element_value, identifier_value, resource_uuid,
};
use crate::mapping::spec::{CompiledElement, CompiledMapping, DuplicatesSpec, Input};

/// The finding rule of a merged row when the spec does not name one.
pub const DEFAULT_RULE: &str = "duplicate.superseded";

/// What makes two rows one record.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyPart {
    Identifier,
    /// An element, by its position in the spec.
    Element(usize),
}

/// One criterion for the row kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Preference {
    /// The element's value by its place in `order` (best first); a value not listed comes
    /// after those listed, a missing value last.
    Order { element: usize, order: Vec<String> },
    /// The latest value: date-times compared as instants (offsets count), numbers as
    /// numbers, other text as text; a missing value last.
    Latest { element: usize },
}

/// A spec's `[duplicates]` table, checked against its elements.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledDuplicates {
    pub key: Vec<KeyPart>,
    pub prefer: Vec<Preference>,
    pub rule: String,
    /// The key, for messages: `identifier` or the element targets.
    pub key_label: String,
}

/// What the duplicate rule needs of one row: where it is, the resource it would become,
/// its key (`None`: part of it is missing) and its rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub row: i64,
    pub line: i64,
    pub id: Uuid,
    pub key: Option<[u8; 16]>,
    pub rank: Vec<u8>,
}

impl CompiledDuplicates {
    pub fn compile(spec: &DuplicatesSpec, elements: &[CompiledElement]) -> Result<Self, String> {
        let element = |target: &str, at: &str| -> Result<usize, String> {
            let i = elements
                .iter()
                .position(|e| e.target == target)
                .ok_or_else(|| {
                    format!(
                        "duplicates.{at}: '{target}' is not the target of an element of this spec"
                    )
                })?;
            if matches!(elements[i].input, Input::Constant(_)) {
                return Err(format!(
                    "duplicates.{at}: '{target}' is a constant, the same for every row"
                ));
            }
            Ok(i)
        };
        if spec.key.is_empty() {
            return Err(
                "duplicates.key: name at least one part (identifier or an element target)".into(),
            );
        }
        let mut key = Vec::new();
        for part in &spec.key {
            let k = match part.as_str() {
                "identifier" => KeyPart::Identifier,
                target => KeyPart::Element(element(target, "key")?),
            };
            if key.contains(&k) {
                return Err(format!("duplicates.key: '{part}' is named twice"));
            }
            key.push(k);
        }
        let mut prefer = Vec::new();
        for p in &spec.prefer {
            let at = element(&p.element, "prefer")?;
            prefer.push(match (p.order.as_slice(), p.latest) {
                ([_, ..], false) if p.order.len() < usize::from(u16::MAX - 2) => {
                    Preference::Order {
                        element: at,
                        order: p.order.clone(),
                    }
                }
                ([], true) => Preference::Latest { element: at },
                _ => {
                    return Err(format!(
                        "duplicates.prefer ({}): give either order = [...] or latest = true",
                        p.element
                    ));
                }
            });
        }
        let rule = spec.rule.clone().unwrap_or_else(|| DEFAULT_RULE.into());
        let well_formed = rule.strip_prefix("duplicate.").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
        });
        if !well_formed {
            return Err(format!(
                "duplicates.rule: '{rule}' must be duplicate.<name> (lower case, digits, _ and .)"
            ));
        }
        Ok(CompiledDuplicates {
            key,
            prefer,
            rule,
            key_label: spec.key.join(", "),
        })
    }

    /// What the rule needs of a row; `None` when the row has no identifier (it makes no
    /// resource, so it is nobody's duplicate).
    pub fn candidate(
        &self,
        mapping: &CompiledMapping,
        index: &ColumnIndex,
        namespace: &Uuid,
        row: &StagedRow,
    ) -> Option<Candidate> {
        let spec = &mapping.spec;
        let identifier = identifier_value(mapping, index, row).ok()?;
        let id = resource_uuid(
            namespace,
            &spec.resource,
            &spec.identifier.system,
            &identifier,
        );
        let value = |i: usize| -> Option<Placed> {
            element_value(
                &mapping.elements[i],
                &index.positions()[i],
                row,
                namespace,
                &mut Vec::new(),
            )
            .ok()
            .flatten()
        };
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut complete = true;
        for part in &self.key {
            match part {
                KeyPart::Identifier => hasher.update(id.as_bytes()),
                KeyPart::Element(i) => match value(*i) {
                    Some(v) => hasher.update(v.to_json().to_string().as_bytes()),
                    None => {
                        complete = false;
                        break;
                    }
                },
            }
            // 0xFF never occurs in UTF-8: parts cannot run into each other.
            hasher.update(&[0xFF]);
        }
        let key = complete.then(|| hasher.digest128().to_be_bytes());
        let mut rank = Vec::new();
        for p in &self.prefer {
            match p {
                Preference::Order { element, order } => {
                    push_order(&mut rank, order, value(*element).as_ref())
                }
                Preference::Latest { element } => push_latest(&mut rank, value(*element).as_ref()),
            }
        }
        Some(Candidate {
            row: row.row,
            line: row.line,
            id,
            key,
            rank,
        })
    }
}

/// The placed value as one scalar: a choice's value, text as text.
fn scalar(v: &Placed) -> &Json {
    match v {
        Placed::Plain(j) | Placed::Choice(_, j) => j,
    }
}

/// Two bytes: the listed position (best highest), then unlisted values, then missing.
fn push_order(rank: &mut Vec<u8>, order: &[String], value: Option<&Placed>) {
    let n = order.len() as u16;
    let position = match value.map(scalar) {
        None => n + 1,
        Some(v) => {
            let text = v.as_str().map_or_else(|| v.to_string(), String::from);
            order
                .iter()
                .position(|o| *o == text)
                .map_or(n, |p| p as u16)
        }
    };
    rank.extend_from_slice(&(u16::MAX - position).to_be_bytes());
}

/// A tag (missing < number < date-time < text), then the value in an order-keeping form.
fn push_latest(rank: &mut Vec<u8>, value: Option<&Placed>) {
    let Some(v) = value.map(scalar) else {
        rank.push(0);
        return;
    };
    if let Some(n) = v.as_f64() {
        rank.push(1);
        let bits = n.to_bits();
        let ordered = if n.is_sign_negative() {
            !bits
        } else {
            bits | 1 << 63
        };
        rank.extend_from_slice(&ordered.to_be_bytes());
        return;
    }
    let text = v.as_str().map_or_else(|| v.to_string(), String::from);
    if let Some(millis) = instant_millis(&text) {
        rank.push(2);
        rank.extend_from_slice(&((millis as u64) ^ 1 << 63).to_be_bytes());
        return;
    }
    rank.push(3);
    // Escaped and terminated, so a shorter text sorts first whatever follows it.
    for b in text.bytes() {
        match b {
            0 => rank.extend_from_slice(&[0, 0xFF]),
            b => rank.push(b),
        }
    }
    rank.extend_from_slice(&[0, 0]);
}

/// A FHIR date or date-time as milliseconds since 1970 (UTC). A date, or a date-time
/// without an offset, counts from its start in UTC.
fn instant_millis(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc().timestamp_millis());
    }
    let date = match s.len() {
        4 => NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d"),
        7 => NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d"),
        10 => NaiveDate::parse_from_str(s, "%Y-%m-%d"),
        _ => return None,
    };
    date.ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests;
