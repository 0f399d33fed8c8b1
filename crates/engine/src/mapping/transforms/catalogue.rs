//! The list of transforms the app offers in its picker: a name, one line on what it does,
//! and an example step in TOML and JSON. `docs/transforms.md` has the full reference.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::TransformSpec;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TransformInfo {
    pub name: String,
    pub description: String,
    /// One step as written in a spec's `transforms = [ … ]`.
    pub example_toml: String,
    /// The same step as the app's JSON spec editor holds it.
    #[ts(type = "unknown")]
    pub example_json: serde_json::Value,
}

const ENTRIES: &[(&str, &str, &str)] = &[
    (
        "trim",
        "Strip surrounding white space; empty text becomes missing.",
        r#""trim""#,
    ),
    ("upper", "Upper case.", r#""upper""#),
    ("lower", "Lower case.", r#""lower""#),
    (
        "title",
        "Title Case for names: O'NEIL-SMITH → O'Neil-Smith, MCDONALD → McDonald.",
        r#""title""#,
    ),
    (
        "split_name",
        "\"LAST, FIRST M\" or \"First M Last Jr.\" to a FHIR HumanName.",
        r#""split_name""#,
    ),
    (
        "date_mdy",
        "MM/DD/YYYY to an ISO date (YYYY-MM-DD).",
        r#""date_mdy""#,
    ),
    (
        "excel_date",
        "An Excel serial day number (1900 system) to an ISO date.",
        r#""excel_date""#,
    ),
    (
        "date",
        "A date in a given legacy layout (two-digit years by a pivot) to an ISO date.",
        r#"{ date = { format = "M/D/YY", pivot = "past" } }"#,
    ),
    (
        "datetime",
        "A local date and time (one column or [date, time]) in a clinic's IANA zone to an instant with offset.",
        r#"{ datetime = { zone = "America/New_York" } }"#,
    ),
    (
        "phone_e164",
        "A US/Canada phone number to E.164 (+12125550123); extensions dropped with a note.",
        r#""phone_e164""#,
    ),
    (
        "phone",
        "Like phone_e164, naming the region (US or CA).",
        r#"{ phone = { region = "US" } }"#,
    ),
    (
        "zip",
        "ZIP or ZIP+4; with [zip, state] a ZIP that lost its leading zero gets it back.",
        r#""zip""#,
    ),
    (
        "ssn",
        "An SSN to nine digits; placeholders and never-issued numbers become missing with a note.",
        r#""ssn""#,
    ),
    (
        "strip_html",
        "HTML to plain text: tags removed, blocks as lines, entities decoded.",
        r#""strip_html""#,
    ),
    (
        "base64",
        "Text as base64 (its UTF-8 bytes), for an attachment's data.",
        r#""base64""#,
    ),
    (
        "truncate",
        "Cut long text to a number of characters, marker included; a note gives the lengths.",
        r#"{ truncate = { max = 2000, marker = "…" } }"#,
    ),
    (
        "regex_extract",
        "The first capture group (or the whole match) of a regular expression.",
        r#"{ regex_extract = "MRN(\\d+)", or_missing = true }"#,
    ),
    (
        "regex_replace",
        "Replace every match of a regular expression ($1 inserts a group).",
        r#"{ regex_replace = { pattern = "[^0-9]", with = "" } }"#,
    ),
    (
        "template",
        "Fill {1}, {2}, … from the element's columns; a missing part takes its separator with it.",
        r#"{ template = "{1}, {2} {3}" }"#,
    ),
    (
        "join",
        "Join the element's present columns with a separator.",
        r#"{ join = " " }"#,
    ),
    (
        "default",
        "A value for rows where it is missing.",
        r#"{ default = "unknown" }"#,
    ),
    (
        "constant",
        "Always this value.",
        r#"{ constant = "active" }"#,
    ),
    (
        "if",
        "A value chosen by a test: equals, in, matches (a regular expression) or missing.",
        r#"{ if = { in = ["C", "X"] }, then = "cancelled", else = "booked" }"#,
    ),
    (
        "map",
        "Look the value up in a code table, with a fallback and optional ignore_case.",
        r#"{ map = { M = "male", F = "female" }, otherwise = "unknown", ignore_case = true }"#,
    ),
    (
        "decimal",
        "A plain decimal number (5.20) as a FHIR decimal.",
        r#""decimal""#,
    ),
    (
        "integer",
        "A whole number as a FHIR integer.",
        r#""integer""#,
    ),
    (
        "boolean",
        "Y/N, YES/NO, TRUE/FALSE, 1/0 as a FHIR boolean.",
        r#""boolean""#,
    ),
    (
        "quantity",
        "A lab result [value, unit] to valueQuantity (with <, <=, >, >=) or valueString; units to UCUM.",
        r#"{ quantity = { system = "http://unitsofmeasure.org" } }"#,
    ),
    (
        "range",
        "A reference range (3.5-5.0, <200, >40) to low/high quantities, or text.",
        r#"{ range = { unit = "mmol/L" } }"#,
    ),
    (
        "coding",
        "A code (or [code, display]) to a CodeableConcept in a code system.",
        r#"{ coding = { system = "http://loinc.org", display = true } }"#,
    ),
];

#[derive(Deserialize)]
struct OneStep {
    step: TransformSpec,
}

/// Parse one example step as a spec file would hold it.
pub(super) fn parse_step(toml_text: &str) -> Result<TransformSpec, String> {
    toml::from_str::<OneStep>(&format!("step = {toml_text}"))
        .map(|s| s.step)
        .map_err(|e| e.to_string())
}

/// Every transform, in the order the picker shows them.
pub fn catalogue() -> Vec<TransformInfo> {
    ENTRIES
        .iter()
        .map(|(name, description, example)| TransformInfo {
            name: name.to_string(),
            description: description.to_string(),
            example_toml: example.to_string(),
            example_json: parse_step(example)
                .ok()
                .and_then(|spec| serde_json::to_value(spec).ok())
                .unwrap_or(serde_json::Value::Null),
        })
        .collect()
}
