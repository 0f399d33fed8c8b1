//! Header matching for suggestions: headers normalised (case, separators, camelCase,
//! abbreviations) and compared (Jaro-Winkler) with known legacy names per target and with
//! the resource's own element names.

use super::{IDENTIFIER, Kind};
use crate::fhir;

/// A header has to be at least this similar to a known name to be suggested at all.
const MIN_NAME_SCORE: f64 = 0.88;
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
#[rustfmt::skip]
const KNOWN: &[Known] = &[
    known("Patient", IDENTIFIER, Kind::Id, &["MRN", "PATIENT_ID", "PAT_ID", "MEDICAL_RECORD_NUMBER", "CHART_NO"]),
    known("Patient", "birthDate", Kind::Date, &["DOB", "BIRTH_DATE", "BIRTHDATE", "DATE_OF_BIRTH"]),
    known("Patient", "gender", Kind::Gender, &["SEX", "GENDER"]),
    known("Patient", "name[0]", Kind::FullName, &["PATIENT_NAME", "NAME", "PT_NAME", "FULL_NAME"]),
    known("Patient", "name[0].family", Kind::NamePart, &["LAST", "LAST_NAME", "SURNAME", "FAMILY_NAME", "LNAME"]),
    known("Patient", "name[0].given", Kind::NamePart, &["FIRST", "FIRST_NAME", "GIVEN_NAME", "FNAME"]),
    known("Patient", "telecom[0].value", Kind::Phone, &["PHONE", "HOME_PHONE", "TEL", "TELEPHONE", "PHONE_NUMBER"]),
    known("Patient", "address[0].postalCode", Kind::Zip, &["ZIP", "ZIPCODE", "ZIP_CODE", "POSTAL", "POSTAL_CODE"]),
    known("Patient", "address[0].line", Kind::Text, &["ADDR1", "ADDRESS", "ADDRESS1", "STREET", "ADDRESS_LINE"]),
    known("Patient", "address[0].city", Kind::Text, &["CITY", "TOWN"]),
    known("Patient", "address[0].state", Kind::Code, &["STATE", "ST", "PROVINCE"]),
    known("Patient", "identifier[1].value", Kind::Ssn, &["SSN", "SOCIAL_SECURITY_NUMBER", "SOC_SEC_NO"]),
    known("Appointment", IDENTIFIER, Kind::Id, &["APPT_ID", "APPOINTMENT_ID", "APPT_NO"]),
    known("Appointment", "start", Kind::Date, &["APPT_DATE", "APPT_DATETIME", "START", "APPT_START", "START_DATE"]),
    known("Appointment", "start", Kind::Time, &["APPT_TIME", "START_TIME", "TIME"]),
    known("Appointment", "status", Kind::Code, &["STATUS", "APPT_STATUS"]),
    known("Appointment", "minutesDuration", Kind::Integer, &["DURATION", "MINUTES", "LENGTH", "APPT_LENGTH"]),
    known("Appointment", "description", Kind::Text, &["REASON", "DESCRIPTION", "VISIT_REASON"]),
    known("Observation", IDENTIFIER, Kind::Id, &["ACCESSION", "ACCESSION_NO", "RESULT_ID", "LAB_ID"]),
    known("Observation", "code.text", Kind::Code, &["TEST_CODE", "TEST", "TEST_NAME", "LAB_CODE", "ANALYTE"]),
    known("Observation", "value[x]", Kind::Text, &["RESULT", "RESULT_VALUE", "VALUE"]),
    known("Observation", "effective[x]", Kind::DateTime, &["RESULT_DT", "RESULT_DATE", "COLLECTED", "COLLECTION_DATE"]),
    known("Observation", "status", Kind::Code, &["STATUS", "RESULT_STATUS"]),
    known("Observation", "interpretation[0].coding[0].code", Kind::Code, &["ABN_FLAG", "ABNORMAL_FLAG", "FLAG"]),
    known("Practitioner", IDENTIFIER, Kind::Id, &["PROV_ID", "PROVIDER_ID", "DOCTOR_ID", "DR_ID"]),
    known("Practitioner", "name[0]", Kind::FullName, &["PROV_NAME", "PROVIDER_NAME", "DOCTOR_NAME", "NAME"]),
    known("Practitioner", "identifier[1].value", Kind::Code, &["NPI"]),
    known("Practitioner", "qualification[0].code.text", Kind::Text, &["SPECIALTY", "SPECIALITY"]),
    known("Location", IDENTIFIER, Kind::Id, &["LOC_ID", "LOCATION_ID", "SITE_ID"]),
    known("Location", "name", Kind::Text, &["LOC_NAME", "LOCATION_NAME", "SITE_NAME", "NAME"]),
    known("Encounter", IDENTIFIER, Kind::Id, &["ENC_ID", "ENCOUNTER_ID", "VISIT_ID"]),
    known("Encounter", "period.start", Kind::DateTime, &["START", "ADMIT_DATE", "VISIT_DATE", "START_DT"]),
    known("Encounter", "period.end", Kind::DateTime, &["END", "DISCHARGE_DATE", "END_DT"]),
    known("Encounter", "class.code", Kind::Code, &["KIND", "CLASS", "VISIT_TYPE", "ENC_TYPE"]),
    known("DocumentReference", IDENTIFIER, Kind::Id, &["NOTE_ID", "DOC_ID", "DOCUMENT_ID"]),
    known("DocumentReference", "date", Kind::DateTime, &["NOTE_DT", "NOTE_DATE", "DOC_DATE"]),
    known("DocumentReference", "description", Kind::Text, &["TITLE", "NOTE_TITLE", "DESCRIPTION"]),
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
pub(super) struct Candidate {
    pub target: String,
    pub kind: Kind,
    pub score: f64,
    pub reason: String,
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

pub(super) fn candidates(resource: &str, header: &str) -> Vec<Candidate> {
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
