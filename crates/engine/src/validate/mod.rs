//! Validation: rules that converted resources must pass before they may be pushed.
//! A rule names the element it checked; the caller maps elements back to legacy columns.
//!
//! Every resource is checked against the R4 schema (`fhir.schema`, see [`crate::fhir`])
//! and its references must point to converted resources (`reference.unresolved`);
//! Patients also get the migration's own rules ([`check_patient`]).

use chrono::{Datelike, NaiveDate};
use serde_json::Value as Json;

use crate::api::dto::Severity;

/// One rule broken by one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The top-level FHIR element (`birthDate`, `name`, …).
    pub element: String,
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
}

const GENDERS: [&str; 4] = ["male", "female", "other", "unknown"];

/// Oldest plausible age, in years.
const MAX_AGE: i32 = 120;

fn violation(element: &str, rule: &'static str, message: impl Into<String>) -> Violation {
    Violation {
        element: element.to_string(),
        rule,
        severity: Severity::Error,
        message: message.into(),
    }
}

/// Check any converted resource: the R4 schema, references to other converted resources
/// (`exists` says whether a `Type/id` was converted), and the Patient rules for Patients.
/// A schema issue on an element a Patient rule already flagged is not repeated.
pub fn check_resource(
    resource: &Json,
    today: NaiveDate,
    exists: &mut dyn FnMut(&str) -> bool,
) -> Vec<Violation> {
    let mut out = match resource["resourceType"].as_str() {
        Some("Patient") => check_patient(resource, today),
        Some("Appointment") => check_appointment(resource),
        Some("Observation") => check_observation(resource, today),
        Some("Encounter") => check_subject(resource, "Encounter", "required.encounter.subject"),
        _ => Vec::new(),
    };
    for issue in crate::fhir::check(resource) {
        let element = issue
            .path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
            .to_string();
        if out.iter().any(|v| v.element == element) {
            continue;
        }
        let at = if issue.path.is_empty() {
            "resource".to_string()
        } else {
            issue.path
        };
        out.push(violation(
            &element,
            "fhir.schema",
            format!("{at}: {}", issue.message),
        ));
    }
    let mut refs = Vec::new();
    references(resource, "", &mut refs);
    for (path, target) in refs {
        if !exists(&target) {
            let element = path.split(['.', '[']).next().unwrap_or("").to_string();
            out.push(violation(
                &element,
                "reference.unresolved",
                format!(
                    "{path} refers to a {} that was not converted",
                    target.split('/').next().unwrap_or("resource")
                ),
            ));
        }
    }
    out
}

/// Every `reference` value (`Type/id`) in a resource, with the path where it is.
fn references(v: &Json, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                if k == "reference" {
                    if let Some(r) = x.as_str()
                        && r.split('/').count() == 2
                        && !r.starts_with('#')
                    {
                        out.push((path.to_string(), r.to_string()));
                    }
                } else if k != "contained" {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    references(x, &p, out);
                }
            }
        }
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                references(x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Check a Patient against the built-in rules. `today` is the clinic's current date.
pub fn check_patient(resource: &Json, today: NaiveDate) -> Vec<Violation> {
    let mut out = Vec::new();
    let has_identifier = resource["identifier"].as_array().is_some_and(|ids| {
        ids.iter()
            .any(|i| i["value"].as_str().is_some_and(|v| !v.trim().is_empty()))
    });
    if !has_identifier {
        out.push(violation(
            "identifier",
            "required.identifier",
            "Patient has no business identifier",
        ));
    }
    let name = &resource["name"][0];
    let has_name = name["family"]
        .as_str()
        .is_some_and(|f| !f.trim().is_empty())
        || name["text"].as_str().is_some_and(|t| !t.trim().is_empty());
    if !has_name {
        out.push(violation(
            "name",
            "required.name",
            "Patient has no family name",
        ));
    }
    match resource["birthDate"].as_str() {
        None => out.push(violation(
            "birthDate",
            "required.birthDate",
            "Patient has no birth date",
        )),
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Err(_) => out.push(violation(
                "birthDate",
                "format.birthDate",
                "birthDate is not a YYYY-MM-DD date",
            )),
            Ok(date) if date > today => out.push(violation(
                "birthDate",
                "plausible.birthDate",
                "birth date is in the future",
            )),
            Ok(date) if today.year() - date.year() > MAX_AGE => out.push(violation(
                "birthDate",
                "plausible.birthDate",
                format!("age over {MAX_AGE} years"),
            )),
            Ok(_) => {}
        },
    }
    match resource["gender"].as_str() {
        None => out.push(violation(
            "gender",
            "required.gender",
            "Patient has no administrative gender",
        )),
        Some(g) if !GENDERS.contains(&g) => out.push(violation(
            "gender",
            "code.gender",
            "gender is not a FHIR administrative-gender code (male, female, other, unknown)",
        )),
        Some(_) => {}
    }
    out
}

/// A FHIR `dateTime`/`instant` as an instant; a bare date is its start in UTC.
fn instant(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(text).ok().or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().fixed_offset())
    })
}

/// Appointment statuses that need a start and an end (FHIR invariant app-3: only proposed,
/// cancelled and waitlisted appointments may lack them).
const SCHEDULED: [&str; 6] = [
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "noshow",
    "checked-in",
];

/// Appointments: a scheduled one has a start and an end, the end after the start, and a
/// patient among its participants.
pub fn check_appointment(resource: &Json) -> Vec<Violation> {
    let mut out = Vec::new();
    let status = resource["status"].as_str().unwrap_or("");
    let (start, end) = (resource["start"].as_str(), resource["end"].as_str());
    if SCHEDULED.contains(&status) {
        if start.is_none() {
            out.push(violation(
                "start",
                "required.appointment.start",
                format!("a {status} appointment has no start"),
            ));
        }
        // FHIR's app-3 wants an end too; legacy schedules often hold a duration instead
        // (`minutesDuration`), which keeps the appointment usable: a warning.
        if end.is_none() && resource["minutesDuration"].as_u64().is_none() {
            out.push(Violation {
                severity: Severity::Warning,
                ..violation(
                    "end",
                    "required.appointment.end",
                    format!("a {status} appointment has neither an end nor a duration"),
                )
            });
        }
    }
    if let (Some(s), Some(e)) = (start.and_then(instant), end.and_then(instant))
        && e <= s
    {
        out.push(violation(
            "end",
            "plausible.appointment.end",
            "the appointment ends before or when it starts",
        ));
    }
    let has_patient = resource["participant"].as_array().is_some_and(|ps| {
        ps.iter().any(|p| {
            p["actor"]["reference"]
                .as_str()
                .is_some_and(|r| r.starts_with("Patient/"))
        })
    });
    if !has_patient {
        out.push(violation(
            "participant",
            "required.appointment.patient",
            "the appointment has no patient among its participants",
        ));
    }
    out
}

/// A `subject` that references a Patient.
fn check_subject(resource: &Json, type_name: &str, rule: &'static str) -> Vec<Violation> {
    let ok = resource["subject"]["reference"]
        .as_str()
        .is_some_and(|r| r.starts_with("Patient/"));
    if ok {
        Vec::new()
    } else {
        vec![violation(
            "subject",
            rule,
            format!("the {type_name} has no patient as its subject"),
        )]
    }
}

/// Observations (results): a patient subject, a unit on a numeric result, not taken in the
/// future.
pub fn check_observation(resource: &Json, today: NaiveDate) -> Vec<Violation> {
    let mut out = check_subject(resource, "Observation", "required.observation.subject");
    let q = &resource["valueQuantity"];
    if q["value"].is_number()
        && q["unit"].as_str().is_none_or(|u| u.trim().is_empty())
        && q["code"].as_str().is_none_or(|c| c.trim().is_empty())
    {
        out.push(violation(
            "valueQuantity",
            "plausible.observation.unit",
            "a numeric result has no unit",
        ));
    }
    if let Some(when) = resource["effectiveDateTime"].as_str().and_then(instant)
        && when.date_naive() > today
    {
        out.push(violation(
            "effectiveDateTime",
            "plausible.observation.effective",
            "the result is dated in the future",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn good() -> Json {
        json!({
            "resourceType": "Patient",
            "identifier": [{"system": "urn:x", "value": "A1"}],
            "name": [{"family": "Doe", "given": ["Jane"]}],
            "birthDate": "1961-03-14",
            "gender": "female"
        })
    }

    #[test]
    fn rules_table() {
        type Change = Box<dyn Fn(&mut Json)>;
        let cases: Vec<(&str, Change, Vec<&str>)> = vec![
            ("a complete patient passes", Box::new(|_| {}), vec![]),
            (
                "no identifier",
                Box::new(|p| p["identifier"] = json!([])),
                vec!["required.identifier"],
            ),
            (
                "blank family",
                Box::new(|p| p["name"][0]["family"] = json!(" ")),
                vec!["required.name"],
            ),
            (
                "text name is enough",
                Box::new(|p| p["name"] = json!([{"text": "Jane Doe"}])),
                vec![],
            ),
            (
                "no birth date",
                Box::new(|p| {
                    p.as_object_mut().unwrap().remove("birthDate");
                }),
                vec!["required.birthDate"],
            ),
            (
                "impossible date",
                Box::new(|p| p["birthDate"] = json!("1961-02-30")),
                vec!["format.birthDate"],
            ),
            (
                "future birth",
                Box::new(|p| p["birthDate"] = json!("2026-11-24")),
                vec!["plausible.birthDate"],
            ),
            (
                "born today is fine",
                Box::new(|p| p["birthDate"] = json!("2026-11-23")),
                vec![],
            ),
            (
                "too old",
                Box::new(|p| p["birthDate"] = json!("1890-01-01")),
                vec!["plausible.birthDate"],
            ),
            (
                "bad gender code",
                Box::new(|p| p["gender"] = json!("F")),
                vec!["code.gender"],
            ),
            (
                "no gender",
                Box::new(|p| {
                    p.as_object_mut().unwrap().remove("gender");
                }),
                vec!["required.gender"],
            ),
        ];
        for (what, change, expected) in cases {
            let mut p = good();
            change(&mut p);
            let rules: Vec<&str> = check_patient(&p, today()).iter().map(|v| v.rule).collect();
            assert_eq!(rules, expected, "{what}");
        }
    }

    #[test]
    fn appointment_and_observation_rules() {
        let appt = json!({
            "resourceType": "Appointment", "status": "booked",
            "start": "2024-03-10T09:30:00-04:00", "end": "2024-03-10T10:00:00-04:00",
            "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}]
        });
        type Change = Box<dyn Fn(&mut Json)>;
        let cases: Vec<(&str, Change, Vec<&str>)> = vec![
            ("a complete appointment passes", Box::new(|_| {}), vec![]),
            (
                "ends before it starts (same instant in another zone counts)",
                Box::new(|a| a["end"] = json!("2024-03-10T13:30:00Z")),
                vec!["plausible.appointment.end"],
            ),
            (
                "a booked appointment without a start (e.g. lost in a DST gap)",
                Box::new(|a| {
                    a.as_object_mut().unwrap().remove("start");
                }),
                vec!["required.appointment.start"],
            ),
            (
                "a proposed one may lack times",
                Box::new(|a| {
                    a["status"] = json!("proposed");
                    a.as_object_mut().unwrap().remove("start");
                    a.as_object_mut().unwrap().remove("end");
                }),
                vec![],
            ),
            (
                "no patient",
                Box::new(|a| a["participant"][0]["actor"]["reference"] = json!("Practitioner/x")),
                vec!["required.appointment.patient"],
            ),
        ];
        for (what, change, expected) in cases {
            let mut a = appt.clone();
            change(&mut a);
            let rules: Vec<&str> = check_appointment(&a).iter().map(|v| v.rule).collect();
            assert_eq!(rules, expected, "{what}");
        }

        let obs = json!({
            "resourceType": "Observation", "status": "final",
            "code": {"text": "Glucose"}, "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": "2024-03-01T07:00:00-05:00",
            "valueQuantity": {"value": 129, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}
        });
        let cases: Vec<(&str, Change, Vec<&str>)> = vec![
            ("a complete result passes", Box::new(|_| {}), vec![]),
            (
                "no subject",
                Box::new(|o| {
                    o.as_object_mut().unwrap().remove("subject");
                }),
                vec!["required.observation.subject"],
            ),
            (
                "a number without a unit",
                Box::new(|o| o["valueQuantity"] = json!({"value": 5.2})),
                vec!["plausible.observation.unit"],
            ),
            (
                "a text result needs no unit",
                Box::new(|o| {
                    o.as_object_mut().unwrap().remove("valueQuantity");
                    o["valueString"] = json!("NEGATIVE");
                }),
                vec![],
            ),
            (
                "taken tomorrow",
                Box::new(|o| o["effectiveDateTime"] = json!("2026-11-24T08:00:00Z")),
                vec!["plausible.observation.effective"],
            ),
        ];
        for (what, change, expected) in cases {
            let mut o = obs.clone();
            change(&mut o);
            let rules: Vec<&str> = check_observation(&o, today())
                .iter()
                .map(|v| v.rule)
                .collect();
            assert_eq!(rules, expected, "{what}");
        }
        let enc =
            json!({"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}});
        let mut all = |_: &str| true;
        let rules: Vec<&str> = check_resource(&enc, today(), &mut all)
            .iter()
            .map(|v| v.rule)
            .collect();
        assert_eq!(rules, ["required.encounter.subject"]);
    }

    #[test]
    fn any_resource_gets_the_schema_and_its_references_checked() {
        let appt = json!({
            "resourceType": "Appointment", "status": "booked",
            "start": "2024-03-10T09:30:00-04:00", "minutesDuration": 30,
            "participant": [
                {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
                {"actor": {"reference": "Practitioner/x9"}, "status": "accepted"}
            ]
        });
        let mut exists = |r: &str| r == "Patient/p1";
        let v = check_resource(&appt, today(), &mut exists);
        let got: Vec<(&str, &str)> = v.iter().map(|v| (v.element.as_str(), v.rule)).collect();
        assert_eq!(got, [("participant", "reference.unresolved")]);
        assert!(
            v[0].message
                .starts_with("participant[1].actor refers to a Practitioner"),
            "{}",
            v[0].message
        );

        let mut broken = appt.clone();
        broken["status"] = json!("kinda-booked");
        broken["start"] = json!("10 March");
        let mut all = |_: &str| true;
        let rules: Vec<(String, &str)> = check_resource(&broken, today(), &mut all)
            .into_iter()
            .map(|v| (v.element, v.rule))
            .collect();
        assert!(
            rules.contains(&("status".into(), "fhir.schema")),
            "{rules:?}"
        );
        assert!(
            rules.contains(&("start".into(), "fhir.schema")),
            "{rules:?}"
        );

        // A Patient's bad gender is reported once, by the Patient rule.
        let mut p = good();
        p["gender"] = json!("F");
        let rules: Vec<&str> = check_resource(&p, today(), &mut all)
            .iter()
            .map(|v| v.rule)
            .collect();
        assert_eq!(rules, ["code.gender"]);
    }
}
