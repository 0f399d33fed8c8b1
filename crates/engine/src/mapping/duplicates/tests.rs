use rusqlite::Connection;
use uuid::Uuid;

use super::*;
use crate::mapping::convert::ColumnIndex;
use crate::mapping::spec::{CompiledMapping, compile};

/// Lab results: one per accession and test; a correction (or amendment) supersedes,
/// then the later result time, then the later row.
const LABS: &str = r#"
format = 2
name = "labs"
source = "labs"
resource = "Observation"

[identifier]
system = "urn:x:lab"
columns = ["ACC", "TEST"]
transforms = [{ template = "{1}-{2}" }]

[duplicates]
key = ["identifier"]
prefer = [
  { element = "status", order = ["corrected", "amended", "final", "preliminary"] },
  { element = "effective[x]", latest = true },
]

[[element]]
target = "status"
column = "ST"
transforms = ["trim", { map = { F = "final", C = "corrected", A = "amended", P = "preliminary" }, otherwise = "unknown" }]

[[element]]
target = "code.text"
column = "TEST"

[[element]]
target = "effective[x]"
column = "AT"
transforms = [{ datetime = { zone = "America/New_York" } }]

[[element]]
target = "value[x]"
column = "VALUE"
transforms = [{ quantity = {} }]
"#;

/// Appointments: one per patient, start and practitioner, whatever the appointment id; a
/// booked copy is kept over a cancelled one, else the later row.
const APPOINTMENTS: &str = r#"
format = 2
name = "appointments"
source = "appointments"
resource = "Appointment"

[identifier]
system = "urn:x:appt"
column = "ID"

[duplicates]
key = ["participant[0].actor", "start", "participant[1].actor"]
prefer = [{ element = "status", order = ["booked", "noshow", "cancelled"] }]
rule = "duplicate.appointment"

[[element]]
target = "status"
column = "ST"
transforms = [{ map = { S = "booked", N = "noshow", C = "cancelled" } }]

[[element]]
target = "start"
column = "START"

[[element]]
target = "participant[0].actor"
column = "PATIENT"
reference = { resource = "Patient", system = "urn:x:mrn" }

[[element]]
target = "participant[1].actor"
column = "DOCTOR"
reference = { resource = "Practitioner", system = "urn:x:npi" }
"#;

fn setup(spec: &str, columns: &[&str]) -> (CompiledMapping, ColumnIndex) {
    let m = compile(spec).unwrap();
    let cols: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let index = ColumnIndex::resolve(&m, &cols).unwrap();
    (m, index)
}

fn staged(rows: &[&[&str]]) -> Vec<StagedRow> {
    rows.iter()
        .enumerate()
        .map(|(i, values)| StagedRow {
            row: i as i64 + 1,
            line: i as i64 + 2,
            hash: String::new(),
            values: values
                .iter()
                .map(|v| (!v.is_empty()).then(|| v.to_string()))
                .collect(),
            flag: None,
        })
        .collect()
}

/// The fates of the rows, as (row, kind, kept row), with the rows offered in the given
/// order, again in reverse, and with every row suspected of repeating: the outcome
/// depends on the rows only.
fn fates(spec: &str, columns: &[&str], rows: &[&[&str]]) -> Vec<Outcome> {
    let (m, index) = setup(spec, columns);
    let rule = m.duplicates.as_ref().unwrap();
    let ns = Uuid::from_u128(7);
    let rows = staged(rows);
    let run = |order: &mut dyn Iterator<Item = &StagedRow>, suspect_all: bool| {
        let conn = Connection::open_in_memory().unwrap();
        let mut records = Records::new(&conn, 0).unwrap();
        if suspect_all {
            records.suspect_every_row();
        }
        for row in order {
            if let Some(c) = rule.candidate(&m, &index, &ns, row) {
                records.add(&c).unwrap();
            }
        }
        records.resolve().unwrap();
        let out: Vec<Outcome> = records
            .fates_between(1, rows.len() as i64)
            .unwrap()
            .into_iter()
            .map(|f| (f.row, f.kind, f.kept.row))
            .collect();
        records.finish().unwrap();
        out
    };
    let forward = run(&mut rows.iter(), false);
    let backward = run(&mut rows.iter().rev(), false);
    assert_eq!(
        forward, backward,
        "the order rows are offered in does not matter"
    );
    let unfiltered = run(&mut rows.iter(), true);
    assert_eq!(
        forward, unfiltered,
        "the filter only spares work: with every row suspected, the same outcome"
    );
    forward
}

/// What became of a row: (row, kind, the kept row).
type Outcome = (i64, FateKind, i64);

/// A case of a table: what it shows, the rows, the outcomes expected.
type Case<const N: usize> = (&'static str, Vec<[&'static str; N]>, Vec<Outcome>);

const LAB_COLUMNS: [&str; 5] = ["ACC", "TEST", "ST", "AT", "VALUE"];

#[test]
fn the_kept_lab_result_is_the_correction_then_the_later_result_then_the_later_row() {
    use FateKind::Merged;
    // Each case: rows (accession, test, status, result time), and the fates expected.
    let cases: Vec<Case<4>> = vec![
        (
            "a correction supersedes the original",
            vec![
                ["L1", "GLU", "F", "202403010700"],
                ["L1", "GLU", "C", "202403011030"],
            ],
            vec![(1, Merged, 2)],
        ),
        (
            "a correction wins even when it comes first and is older",
            vec![
                ["L1", "GLU", "C", "202403010700"],
                ["L1", "GLU", "F", "202403011030"],
            ],
            vec![(2, Merged, 1)],
        ),
        (
            "corrected over amended",
            vec![
                ["L1", "GLU", "C", "202403010700"],
                ["L1", "GLU", "A", "202403011030"],
            ],
            vec![(2, Merged, 1)],
        ),
        (
            "final over preliminary",
            vec![
                ["L1", "GLU", "F", "202403010700"],
                ["L1", "GLU", "P", "202403011030"],
            ],
            vec![(2, Merged, 1)],
        ),
        (
            "equal status: the later result time, not the later row",
            vec![
                ["L1", "GLU", "F", "202403011030"],
                ["L1", "GLU", "F", "202403010700"],
            ],
            vec![(2, Merged, 1)],
        ),
        (
            "equal status and time: the later row",
            vec![
                ["L1", "GLU", "F", "202403010700"],
                ["L1", "GLU", "F", "202403010700"],
            ],
            vec![(1, Merged, 2)],
        ),
        (
            "a result time beats none",
            vec![["L1", "GLU", "F", "202403010700"], ["L1", "GLU", "F", ""]],
            vec![(2, Merged, 1)],
        ),
        (
            "a status not in the order comes after those in it",
            vec![
                ["L1", "GLU", "F", "202403010700"],
                ["L1", "GLU", "X", "202403011030"],
            ],
            vec![(2, Merged, 1)],
        ),
        (
            "three rows: every other row names the one kept",
            vec![
                ["L1", "GLU", "F", "202403010700"],
                ["L1", "GLU", "C", "202403011030"],
                ["L1", "GLU", "F", "202403011200"],
            ],
            vec![(1, Merged, 2), (3, Merged, 2)],
        ),
        (
            "another test of the same accession is another result",
            vec![
                ["L1", "GLU", "F", "202403010700"],
                ["L1", "TSH", "C", "202403011030"],
                ["L2", "GLU", "C", "202403011030"],
            ],
            vec![],
        ),
        (
            "a row without a test has no identifier, so no record",
            vec![
                ["L1", "GLU", "F", "202403010700"],
                ["L1", "", "C", "202403011030"],
            ],
            vec![],
        ),
    ];
    for (what, rows, expected) in cases {
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| vec![r[0], r[1], r[2], r[3], "1"])
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        assert_eq!(fates(LABS, &LAB_COLUMNS, &rows), expected, "{what}");
    }
}

const APPOINTMENT_COLUMNS: [&str; 5] = ["ID", "ST", "START", "PATIENT", "DOCTOR"];

#[test]
fn appointments_with_the_same_patient_start_and_practitioner_are_one() {
    use FateKind::{IdentifierTaken, Merged};
    let t = "2024-03-09T09:30:00-05:00";
    let cases: Vec<Case<5>> = vec![
        (
            "entered twice: the later row is kept",
            vec![["A1", "S", t, "P1", "D1"], ["A2", "S", t, "P1", "D1"]],
            vec![(1, Merged, 2)],
        ),
        (
            "a booked copy is kept over a cancelled one",
            vec![["A1", "S", t, "P1", "D1"], ["A2", "C", t, "P1", "D1"]],
            vec![(2, Merged, 1)],
        ),
        (
            "another practitioner, patient or start is another appointment",
            vec![
                ["A1", "S", t, "P1", "D1"],
                ["A2", "S", t, "P1", "D2"],
                ["A3", "S", t, "P2", "D1"],
                ["A4", "S", "2024-03-09T10:00:00-05:00", "P1", "D1"],
            ],
            vec![],
        ),
        (
            "without a start, a row is nobody's duplicate",
            vec![["A1", "S", "", "P1", "D1"], ["A2", "S", "", "P1", "D1"]],
            vec![],
        ),
        (
            // Row 2 repeats the identifier of row 1 for another slot; row 3 is row 1's
            // record and kept. Refusing row 2 in advance keeps row 3's identifier free.
            "a repeated identifier for another slot does not take the kept row's identifier",
            vec![
                ["A1", "C", t, "P1", "D1"],
                ["A1", "S", "2024-03-10T09:30:00-05:00", "P1", "D1"],
                ["A1", "S", t, "P1", "D1"],
            ],
            vec![(1, Merged, 3), (2, IdentifierTaken, 3)],
        ),
    ];
    for (what, rows, expected) in cases {
        let rows: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        assert_eq!(
            fates(APPOINTMENTS, &APPOINTMENT_COLUMNS, &rows),
            expected,
            "{what}"
        );
    }
}

#[test]
fn latest_compares_instants_numbers_and_text_in_their_own_order() {
    let rank = |v: Option<Json>| {
        let mut out = Vec::new();
        push_latest(&mut out, v.map(Placed::Plain).as_ref());
        out
    };
    let text = |s: &str| Some(Json::from(s));
    // Each pair: (earlier, later).
    let pairs = [
        (None, text("2024-03-01")),
        (
            text("2024-03-01T10:00:00-04:00"),
            text("2024-03-01T10:00:00-05:00"),
        ),
        (text("2024-03-01T09:59:59Z"), text("2024-03-01T10:00:00.5Z")),
        (text("2023"), text("2023-12")),
        (text("2023-12-31"), text("2024-01-01T00:00:00+01:00")),
        (Some(Json::from(-2.5)), Some(Json::from(-1))),
        (Some(Json::from(-1)), Some(Json::from(0))),
        (Some(Json::from(9)), Some(Json::from(10))),
        (text("ab"), text("abc")),
        (text("abc"), text("abd")),
    ];
    for (a, b) in pairs {
        assert!(rank(a.clone()) < rank(b.clone()), "{a:?} is before {b:?}");
    }
}

#[test]
fn bad_duplicates_tables_say_what_is_wrong() {
    let cases = [
        (
            r#"key = ["identifier", "identifier"]"#,
            "'identifier' is named twice",
        ),
        (r#"key = []"#, "name at least one part"),
        (
            r#"key = ["subject"]"#,
            "duplicates.key: 'subject' is not the target of an element of this spec",
        ),
        (
            "key = [\"identifier\"]\nprefer = [{ element = \"status\" }]",
            "give either order = [...] or latest = true",
        ),
        (
            "key = [\"identifier\"]\nprefer = [{ element = \"status\", order = [\"final\"], latest = true }]",
            "give either order = [...] or latest = true",
        ),
        (
            "key = [\"identifier\"]\nrule = \"superseded\"",
            "must be duplicate.<name>",
        ),
        (
            "key = [\"identifier\"]\nrule = \"duplicate.\"",
            "must be duplicate.<name>",
        ),
        (r#"key = ["category"]"#, "'category' is a constant"),
        (r#"keys = ["identifier"]"#, "unknown field `keys`"),
    ];
    let base = "format = 2\nname = \"n\"\nsource = \"s\"\nresource = \"Observation\"\n[identifier]\nsystem = \"urn:x\"\ncolumn = \"ID\"\n[[element]]\ntarget = \"status\"\ncolumn = \"ST\"\n[[element]]\ntarget = \"category\"\nvalue = \"x\"\n";
    for (table, expected) in cases {
        let text = base.replace(
            "[identifier]",
            &format!("[duplicates]\n{table}\n[identifier]"),
        );
        let err = compile(&text).unwrap_err();
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    }
}
