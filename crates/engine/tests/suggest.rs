//! Mapping suggestions over the fixtures: the exact target and chain proposed for each
//! column, and confidences that order sensibly.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use cutover_engine::api::dto::{ImportRequest, Suggestion};
use cutover_engine::api::{Cancel, Ctx, NoProgress, import, project, studio};

fn fixture(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
        .display()
        .to_string()
}

/// Suggestions for `resource` from a fixture imported into a fresh project.
fn suggest(path: &str, source: &str, resource: &str) -> Vec<Suggestion> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Ctx::new(dir.path().join("t.cutover"));
    project::create(&ctx, Some("t")).unwrap();
    import::run(
        &ctx,
        &ImportRequest {
            path: fixture(path),
            ..Default::default()
        },
        &NoProgress,
        &Cancel::new(),
    )
    .unwrap();
    studio::suggest(&ctx, source, resource).unwrap()
}

/// Each suggestion as `COLUMN -> target [chain as JSON]`, in the order given.
fn lines(suggestions: &[Suggestion]) -> Vec<String> {
    suggestions
        .iter()
        .map(|s| {
            let columns = if s.columns.is_empty() {
                s.column.clone()
            } else {
                s.columns.join("+")
            };
            format!(
                "{columns} -> {} {}",
                s.target,
                serde_json::to_string(&s.transforms).unwrap()
            )
        })
        .collect()
}

fn confidence(suggestions: &[Suggestion], column: &str) -> f64 {
    suggestions
        .iter()
        .find(|s| s.column == column)
        .unwrap_or_else(|| panic!("a suggestion for {column}"))
        .confidence
}

#[test]
fn patients_csv_columns_get_their_patient_elements_and_chains() {
    let s = suggest("patients.csv", "patients", "Patient");
    assert_eq!(
        lines(&s),
        [
            r#"DOB -> birthDate ["trim","date_mdy"]"#,
            r#"ZIP -> address[0].postalCode ["trim","zip"]"#,
            r#"PATIENT_NAME -> name[0] ["trim","split_name"]"#,
            r#"SEX -> gender ["trim",{"map":{"F":"female","M":"male","U":"unknown"}}]"#,
            r#"MRN -> identifier ["trim"]"#,
            // 7-digit numbers: phone_e164 would fail every row, so it is not proposed.
            r#"PHONE -> telecom[0].value ["trim"]"#,
        ],
        "one suggestion per column, most confident first"
    );
    assert!(
        confidence(&s, "DOB") >= 0.9,
        "a known date header over dates"
    );
    assert!(confidence(&s, "SEX") > confidence(&s, "PHONE"));
    assert!(
        confidence(&s, "MRN") < confidence(&s, "DOB"),
        "a blank and a repeated MRN lower the identifier's confidence"
    );
    let json = serde_json::to_string(&s).unwrap();
    for value in ["MRN100001", "ABERNATHY", "09/03/2000", "555-0148", "04183"] {
        assert!(
            !json.contains(value),
            "reasons never quote values ({value})"
        );
    }
}

#[test]
fn clinic_appointments_combine_date_and_time_and_labs_get_observation_elements() {
    let s = suggest(
        "clinic/appointments_boston.csv",
        "appointments_boston",
        "Appointment",
    );
    assert_eq!(
        lines(&s),
        [
            r#"APPT_ID -> identifier ["trim"]"#,
            r#"MINUTES -> minutesDuration ["integer"]"#,
            r#"STATUS -> status ["trim"]"#,
            r#"APPT_DATE+APPT_TIME -> start [{"datetime":{"zone":"America/New_York"}}]"#,
        ]
    );
    assert!(
        confidence(&s, "APPT_DATE") <= 0.75,
        "an assumed time zone stays below 'accept all above 80%'"
    );

    // A correction repeats its original's accession: ACCESSION is still the likeliest
    // identifier, but the least sure suggestion, and says why (the clinic's spec makes
    // the identifier accession + test, and declares the correction a duplicate).
    let s = suggest("clinic/labs.csv", "labs", "Observation");
    assert_eq!(
        lines(&s),
        [
            r#"RESULT -> value[x] ["trim"]"#,
            r#"TEST_CODE -> code.text ["trim"]"#,
            r#"ABN_FLAG -> interpretation[0].coding[0].code ["trim"]"#,
            r#"STATUS -> status ["trim"]"#,
            r#"RESULT_DT -> effective[x] [{"datetime":{"zone":"America/New_York"}}]"#,
            r#"ACCESSION -> identifier ["trim"]"#,
        ]
    );
    let accession = s.iter().find(|x| x.column == "ACCESSION").unwrap();
    assert!(
        accession.reasons.iter().any(|r| r.contains("not unique")),
        "{:?}",
        accession.reasons
    );
}

#[test]
fn a_date_header_over_values_that_are_not_dates_gets_a_low_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, "MRN,DOB\nA1,unknown\nA2,n/a\nA3,see chart\n").unwrap();
    let ctx = Ctx::new(dir.path().join("t.cutover"));
    project::create(&ctx, Some("t")).unwrap();
    import::run(
        &ctx,
        &ImportRequest {
            path: file.display().to_string(),
            ..Default::default()
        },
        &NoProgress,
        &Cancel::new(),
    )
    .unwrap();
    let s = studio::suggest(&ctx, "people", "Patient").unwrap();
    let dob = s.iter().find(|x| x.column == "DOB").unwrap();
    assert_eq!(dob.target, "birthDate");
    assert!(dob.confidence < 0.5, "got {}", dob.confidence);
    assert!(
        dob.reasons.iter().any(|r| r.contains("not dates")),
        "the reason says the values are not dates: {:?}",
        dob.reasons
    );
}
