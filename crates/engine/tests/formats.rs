//! Every legacy format, read through `cutover_engine::import::open` and compared cell by
//! cell; every file of the bad corpus with its exact outcome; property tests over arbitrary
//! bytes for the delimited and HL7 readers.
//!
//! The fixtures come from `scripts/gen_fixtures.py`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cutover_engine::import::hl7::{Hl7Message, Hl7Reader};
use cutover_engine::import::{self, FileFormat, ReadOptions, Record, RecordSource};
use proptest::prelude::*;

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(dir)
        .join(name)
}

/// One table, read to the end.
struct Read {
    sheet: Option<String>,
    detected: String,
    notes: Vec<String>,
    header: Vec<String>,
    records: Vec<Record>,
    size: u64,
    progress: u64,
}

fn read(path: &Path, options: &ReadOptions) -> cutover_engine::Result<Vec<Read>> {
    let mut out = Vec::new();
    for mut t in import::open(path, options)? {
        let mut records = Vec::new();
        while let Some(r) = t.reader.next_record()? {
            records.push(r);
        }
        out.push(Read {
            sheet: t.sheet.clone(),
            detected: t.detected.clone(),
            notes: t.notes.clone(),
            header: t.reader.header().to_vec(),
            records,
            size: t.size,
            progress: t.reader.progress(),
        });
    }
    Ok(out)
}

/// What one record must be: its line, values (`None` past a short row), extra and flag.
type Row<'a> = (u64, &'a [Option<&'a str>], &'a [&'a str], Option<&'a str>);

fn check_table(what: &str, t: &Read, header: &[&str], rows: &[Row<'_>]) {
    assert_eq!(t.header, header, "{what}: header");
    assert_eq!(t.records.len(), rows.len(), "{what}: record count");
    for (i, (rec, (line, values, extra, flag))) in t.records.iter().zip(rows).enumerate() {
        assert_eq!(rec.line, *line, "{what}: record {i} line");
        let got: Vec<Option<&str>> = rec.values.iter().map(|v| v.as_deref()).collect();
        assert_eq!(got, *values, "{what}: record {i} (line {line}) values");
        assert_eq!(rec.extra, *extra, "{what}: record {i} (line {line}) extra");
        assert_eq!(
            rec.flag.as_deref(),
            *flag,
            "{what}: record {i} (line {line}) flag"
        );
    }
    assert_eq!(t.progress, t.size, "{what}: progress ends at the size");
}

const PATIENTS: [&str; 5] = ["MRN", "FAMILY", "GIVEN", "DOB", "ZIP"];

fn patient_rows(second_family: &str) -> [[Option<&str>; 5]; 2] {
    [
        [
            Some("00123"),
            Some("Muñoz"),
            Some("Zoë"),
            Some("1980-03-15"),
            Some("07030"),
        ],
        [
            Some("00124"),
            Some(second_family),
            Some("Renée"),
            Some("1976-01-01"),
            Some("02139"),
        ],
    ]
}

#[test]
fn delimited_text_in_every_encoding_and_shape() {
    let cases: [(&str, &str, &str); 11] = [
        ("utf8.csv", "UTF-8, delimiter ',', header row", "François"),
        (
            "utf8-bom.csv",
            "UTF-8, delimiter ',', header row",
            "François",
        ),
        (
            "utf16le-bom.csv",
            "UTF-16LE, delimiter ',', header row",
            "François",
        ),
        (
            "utf16be.csv",
            "UTF-16BE, delimiter ',', header row",
            "François",
        ),
        (
            "cp1252.csv",
            "windows-1252, delimiter ',', header row",
            "O’Brien-François",
        ),
        (
            "latin1.csv",
            "windows-1252, delimiter ',', header row",
            "François",
        ),
        ("tab.tsv", "UTF-8, delimiter tab, header row", "François"),
        ("pipe.txt", "UTF-8, delimiter '|', header row", "François"),
        (
            "semicolon.csv",
            "UTF-8, delimiter ';', header row",
            "François",
        ),
        (
            "cr-only.csv",
            "UTF-8, delimiter ',', header row",
            "François",
        ),
        ("utf8.csv", "UTF-8, delimiter ',', header row", "François"),
    ];
    for (file, detected, second) in cases {
        let tables = read(&fixture("formats", file), &ReadOptions::default()).unwrap();
        let [t] = tables.as_slice() else {
            panic!("{file}: one table")
        };
        assert_eq!(t.detected, detected, "{file}");
        assert_eq!(t.sheet, None);
        let values = patient_rows(second);
        check_table(
            file,
            t,
            &PATIENTS,
            &[(2, &values[0], &[], None), (3, &values[1], &[], None)],
        );
    }
}

#[test]
fn quoted_newlines_ragged_rows_and_odd_headers() {
    let t = &read(
        &fixture("formats", "quoted-newlines.csv"),
        &ReadOptions::default(),
    )
    .unwrap()[0];
    check_table(
        "quoted-newlines.csv",
        t,
        &["MRN", "NOTE", "ZIP"],
        &[
            (
                2,
                &[
                    Some("00123"),
                    Some("first line\r\nsecond, with comma"),
                    Some("07030"),
                ],
                &[],
                None,
            ),
            (
                4,
                &[Some("00124"), Some("say \"hi\"\nthen go"), Some("02139")],
                &[],
                None,
            ),
            (7, &[Some("00125"), Some("plain"), Some("10001")], &[], None),
        ],
    );

    let t = &read(&fixture("formats", "ragged.csv"), &ReadOptions::default()).unwrap()[0];
    check_table(
        "ragged.csv",
        t,
        &["MRN", "FAMILY", "ZIP"],
        &[
            (
                2,
                &[Some("00123"), Some("Muñoz"), None],
                &[],
                Some("ragged: 2 fields, header has 3"),
            ),
            (
                3,
                &[Some("00124"), Some("François"), Some("02139")],
                &["extra1", "extra2"],
                Some("ragged: 5 fields, header has 3"),
            ),
            (4, &[Some("00125"), Some("Zoë"), Some("07030")], &[], None),
        ],
    );

    let t = &read(
        &fixture("formats", "header-names.csv"),
        &ReadOptions::default(),
    )
    .unwrap()[0];
    assert_eq!(t.header, ["MRN", "", "Name", "name", " DOB ", "MRN"]);
    let names: Vec<String> = import::unique_header_names(&t.header)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["MRN", "column_2", "Name", "name_2", "DOB", "MRN_2"]);
    assert_eq!(t.records[0].values[1].as_deref(), Some("2"));
}

#[test]
fn xlsx_sheets_dates_formulas_errors_hidden_and_merged() {
    let tables = read(
        &fixture("formats", "workbook.xlsx"),
        &ReadOptions::default(),
    )
    .unwrap();
    let [patients, old] = tables.as_slice() else {
        panic!("two sheets")
    };
    assert_eq!(patients.sheet.as_deref(), Some("Patients"));
    assert_eq!(patients.detected, "xlsx workbook");
    assert_eq!(
        patients.notes,
        [
            "merged cells B5:C5, K1:L1",
            "dates shown as ISO 8601; Excel serials kept in DOB__excel_serial, Visit__excel_serial, Time__excel_serial, Seen__excel_serial",
        ]
    );
    assert_eq!(patients.size, 5, "rows, as the sheet declares them");
    check_table(
        "workbook.xlsx Patients",
        patients,
        &[
            "MRN",
            "Name",
            "DOB",
            "Visit",
            "Time",
            "Weight",
            "Age",
            "Active",
            "BMI",
            "Check",
            "Seen",
            "DOB__excel_serial",
            "Visit__excel_serial",
            "Time__excel_serial",
            "Seen__excel_serial",
        ],
        &[
            (
                2,
                &[
                    Some("00123"),
                    Some("Muñoz, Zoë"),
                    Some("1980-03-15"),
                    Some("2024-03-14T09:30:00"),
                    Some("09:30:00"),
                    Some("61.5"),
                    Some("44"),
                    Some("TRUE"),
                    Some("22.589531680440775"),
                    Some("#DIV/0!"),
                    // Built-in format 14 (m/d/yyyy) is a date too.
                    Some("1980-03-15"),
                    Some("29295"),
                    Some("45365.395833333336"),
                    Some("0.3958333333333333"),
                    Some("29295"),
                ],
                &[],
                Some("Excel error value in column Check"),
            ),
            (
                3,
                &[
                    Some("00124"),
                    Some("François"),
                    Some("1976-01-01"),
                    Some(""),
                    Some(""),
                    Some("0.30000000000000004"),
                    // A "0.00" number format is formatting, not data: the value is 48.
                    Some("48"),
                    Some("FALSE"),
                    Some("n/a"),
                    Some("#N/A"),
                    Some(""),
                    Some("27760"),
                    Some(""),
                    Some(""),
                    Some(""),
                ],
                &[],
                Some("Excel error value in column Check"),
            ),
            (
                5,
                &[
                    Some("00125"),
                    Some("merged note"),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                ],
                &["", "stray"],
                Some("ragged: 17 fields, header has 15"),
            ),
        ],
    );
    assert_eq!(old.sheet.as_deref(), Some("Old"));
    assert_eq!(
        old.notes,
        ["sheet 'Old' is hidden", "header is sheet row 3"]
    );
    check_table(
        "workbook.xlsx Old",
        old,
        &["ID", "Note"],
        &[(4, &[Some("1"), Some("legacy")], &[], None)],
    );
}

#[test]
fn sheets_are_chosen_by_name_and_unknown_names_list_the_sheets() {
    let path = fixture("formats", "workbook.xlsx");
    let only_old = read(
        &path,
        &ReadOptions {
            sheets: vec!["Old".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(only_old.len(), 1);
    assert_eq!(only_old[0].sheet.as_deref(), Some("Old"));
    let err = read(
        &path,
        &ReadOptions {
            sheets: vec!["Visits".into()],
            ..Default::default()
        },
    )
    .err()
    .expect("unknown sheet");
    assert_eq!(
        err.to_string(),
        "workbook.xlsx: no sheet named 'Visits' (sheets: 'Patients', 'Old')"
    );
    assert_eq!(err.code(), cutover_engine::api::dto::ErrorCode::BadInput);
}

#[test]
fn xls_and_ods_workbooks() {
    let tables = read(&fixture("formats", "legacy.xls"), &ReadOptions::default()).unwrap();
    let [patients, codes] = tables.as_slice() else {
        panic!("two sheets")
    };
    assert_eq!(patients.detected, "xls workbook");
    assert_eq!(
        patients.notes,
        [
            "merged cells A4:B4",
            "dates shown as ISO 8601; Excel serials kept in DOB__excel_serial, Seen__excel_serial"
        ]
    );
    check_table(
        "legacy.xls Patients",
        patients,
        &[
            "MRN",
            "Name",
            "DOB",
            "Seen",
            "Weight",
            "Active",
            "DOB__excel_serial",
            "Seen__excel_serial",
        ],
        &[
            (
                2,
                &[
                    Some("00123"),
                    Some("Muñoz"),
                    Some("1980-03-15"),
                    Some("2024-03-14T09:30:00"),
                    Some("61.5"),
                    Some("TRUE"),
                    Some("29295"),
                    Some("45365.395833333336"),
                ],
                &[],
                None,
            ),
            (
                3,
                &[
                    Some("00124"),
                    Some("Zoë"),
                    Some(""),
                    Some(""),
                    Some("70"),
                    Some("FALSE"),
                    Some(""),
                    Some(""),
                ],
                &[],
                None,
            ),
            (
                4,
                &[
                    Some("merged"),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                    Some(""),
                ],
                &[],
                None,
            ),
        ],
    );
    assert_eq!(codes.sheet.as_deref(), Some("Codes"));
    check_table(
        "legacy.xls Codes",
        codes,
        &["Code"],
        &[(2, &[Some("A1")], &[], None)],
    );

    let tables = read(&fixture("formats", "calc.ods"), &ReadOptions::default()).unwrap();
    let [patients] = tables.as_slice() else {
        panic!("one non-empty sheet")
    };
    assert_eq!(patients.detected, "ods workbook");
    assert_eq!(patients.notes, ["sheet 'Empty' is empty; skipped"]);
    check_table(
        "calc.ods",
        patients,
        &["MRN", "Name", "DOB", "Time", "Weight", "Active"],
        &[
            (
                2,
                &[
                    Some("00123"),
                    Some("Muñoz"),
                    Some("1980-03-15"),
                    Some("09:30:00"),
                    Some("61.5"),
                    Some("TRUE"),
                ],
                &[],
                None,
            ),
            (
                3,
                &[
                    Some("00124"),
                    Some("Zoë"),
                    Some(""),
                    Some(""),
                    Some("70"),
                    Some("FALSE"),
                ],
                &[],
                None,
            ),
        ],
    );
}

const HL7_COLUMNS: [&str; 6] = [
    "message_type",
    "control_id",
    "timestamp",
    "sending_facility",
    "message",
    "error",
];

#[test]
fn hl7_archives_one_record_per_message() {
    let adt1 = "MSH|^~\\&|LEGACY|CLINIC^1.2.3^ISO|NEWEHR|HOSP|20240314093000||ADT^A04^ADT_A01|MSG0001|P|2.5.1\rEVN|A04|20240314093000\rPID|1||00123^^^MRN~555-12-3456^^^SSN||Muñoz^Zoë^Q||19800315|F|||1 Main St^^Hoboken^NJ^07030\rPV1|1|O";
    let adt2 = "MSH|^~\\&|LEGACY|CLINIC|NEWEHR|HOSP|20240315101500||ADT^A08|MSG0002|P|2.5.1\rPID|1||00124^^^MRN||François^Renée||19760101|F";
    let siu = "MSH|^~\\&|SCHED|CLINIC|NEWEHR|HOSP|20240316080000||SIU^S12|SIU0001|P|2.3\rSCH|1001||||||Checkup\rPID|1||00123^^^MRN||Muñoz^Zoë";
    let oru = "MSH|^~\\&|LAB|CLINIC|NEWEHR|HOSP|20240317120000||ORU^R01|ORU0001|P|2.5.1\rPID|1||00124^^^MRN||François^Renée\rOBR|1||LAB1|GLU^Glucose\rOBX|1|NM|GLU^Glucose||95|mg/dL\rOBX|2|TX|NOTE^Note||fasting\\.br\\morning";
    let custom = "MSH#$*@%#LEGACY#CLINIC$EAST#NEWEHR#HOSP#20240318##ORU$R01#C0001#P#2.3\rPID###00123*00999##Smith@F@Jones$Ann@S@Marie##19800315\rOBX#1#TX#NOTE##A@T@B@R@C@E@D@X4D75C3B16F7A@";
    let adt_rows = |first: u64, second: u64| {
        vec![
            (
                first,
                vec![
                    "ADT^A04^ADT_A01",
                    "MSG0001",
                    "20240314093000",
                    "CLINIC^1.2.3^ISO",
                    adt1,
                    "",
                ],
            ),
            (
                second,
                vec!["ADT^A08", "MSG0002", "20240315101500", "CLINIC", adt2, ""],
            ),
        ]
    };
    type Messages<'a> = Vec<(u64, Vec<&'a str>)>;
    let cases: Vec<(&str, Messages<'_>)> = vec![
        ("adt.hl7", adt_rows(1, 5)),
        ("batch.hl7", adt_rows(3, 7)),
        (
            "mllp.hl7",
            vec![
                (
                    1,
                    vec!["SIU^S12", "SIU0001", "20240316080000", "CLINIC", siu, ""],
                ),
                (
                    5,
                    vec!["ORU^R01", "ORU0001", "20240317120000", "CLINIC", oru, ""],
                ),
            ],
        ),
        (
            "lf.hl7",
            vec![(
                1,
                vec!["ORU^R01", "ORU0001", "20240317120000", "CLINIC", oru, ""],
            )],
        ),
        (
            "custom-separators.hl7",
            vec![(
                1,
                vec!["ORU^R01", "C0001", "20240318", "CLINIC^EAST", custom, ""],
            )],
        ),
    ];
    for (file, expected) in cases {
        let tables = read(&fixture("formats", file), &ReadOptions::default()).unwrap();
        let [t] = tables.as_slice() else {
            panic!("{file}: one table")
        };
        assert_eq!(t.detected, "HL7 v2, UTF-8", "{file}");
        let rows: Vec<(u64, Vec<Option<&str>>)> = expected
            .iter()
            .map(|(l, v)| (*l, v.iter().map(|s| Some(*s)).collect()))
            .collect();
        let rows: Vec<Row<'_>> = rows
            .iter()
            .map(|(l, v)| (*l, v.as_slice(), &[][..], None))
            .collect();
        check_table(file, t, &HL7_COLUMNS, &rows);
    }

    // The staged message text parses back for mapping, custom separators and all.
    let m = Hl7Message::parse(custom).unwrap();
    assert_eq!(m.get("MSH-9.2").as_deref(), Some("R01"));
    assert_eq!(m.get("PID-3[2]").as_deref(), Some("00999"));
    assert_eq!(m.get("PID-5.1").as_deref(), Some("Smith#Jones"));
    assert_eq!(m.get("PID-5.2").as_deref(), Some("Ann$Marie"));
    assert_eq!(m.get("OBX-5").as_deref(), Some("A%B*C@DMuñoz"));
    let m = Hl7Message::parse(oru).unwrap();
    assert_eq!(m.get("OBX[2]-5").as_deref(), Some("fasting\nmorning"));
    assert_eq!(m.get("OBX[1]-3.2").as_deref(), Some("Glucose"));
    let m = Hl7Message::parse(adt1).unwrap();
    assert_eq!(m.get("PID-3[2].4").as_deref(), Some("SSN"));
    assert_eq!(m.get("PID-5.1").as_deref(), Some("Muñoz"));
    assert_eq!(m.get("PID-11.5").as_deref(), Some("07030"));
}

#[test]
fn ndjson_one_record_per_resource_line() {
    let tables = read(&fixture("formats", "bulk.ndjson"), &ReadOptions::default()).unwrap();
    let [t] = tables.as_slice() else {
        panic!("one table")
    };
    assert_eq!(t.detected, "FHIR NDJSON, UTF-8");
    let p1 = r#"{"resourceType":"Patient","id":"p1","name":[{"family":"Muñoz","given":["Zoë"]}],"birthDate":"1980-03-15"}"#;
    let o1 = r#"{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"Glucose"},"subject":{"reference":"Patient/p1"}}"#;
    let broken = r#"{"resourceType":"Patient","id":"p2","name":[{"family":"Fran"#;
    let p3 = r#"{"resourceType":"Patient","id":"p3"}"#;
    let truncated = "not JSON: the line ends inside the object (truncated?)";
    check_table(
        "bulk.ndjson",
        t,
        &["resourceType", "id", "resource", "error"],
        &[
            (
                1,
                &[Some("Patient"), Some("p1"), Some(p1), Some("")],
                &[],
                None,
            ),
            (
                2,
                &[Some("Observation"), Some("o1"), Some(o1), Some("")],
                &[],
                None,
            ),
            (
                4,
                &[Some(""), Some(""), Some(broken), Some(truncated)],
                &[],
                Some("NDJSON: not JSON: the line ends inside the object (truncated?)"),
            ),
            (
                5,
                &[Some("Patient"), Some("p3"), Some(p3), Some("")],
                &[],
                None,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// The bad corpus: every file has exactly one expected outcome.

enum Outcome {
    /// The whole error message starts with this.
    Err(&'static str),
    /// Read; `records` in all, flagged ones by line with a part of their flag.
    Ok {
        records: usize,
        flagged: &'static [(u64, &'static str)],
    },
}

fn bad_corpus() -> Vec<(&'static str, Option<&'static str>, Outcome)> {
    use Outcome::{Err, Ok};
    vec![
        (
            "bad-mllp.hl7",
            None,
            Ok {
                records: 3,
                flagged: &[
                    (
                        1,
                        "MLLP framing: start block (0x0B) without an end block (0x1C)",
                    ),
                    (7, "MLLP framing: end block (0x1C) without a start block"),
                ],
            },
        ),
        (
            "bad-msh.hl7",
            None,
            Ok {
                records: 3,
                flagged: &[
                    (3, "HL7: MSH-2 (encoding characters) is invalid"),
                    (4, "HL7: segment 2 is not a segment"),
                ],
            },
        ),
        (
            "beyond-xfd.xlsx",
            None,
            Err(
                "beyond-xfd.xlsx, sheet 'Beyond': not a readable workbook: a cell in row 2 is beyond column XFD",
            ),
        ),
        (
            "binary.csv",
            None,
            Err("binary.csv: not a text file: binary content (NUL byte at offset 7)"),
        ),
        (
            "binary.hl7",
            None,
            Err("binary.hl7: not a text file: binary content"),
        ),
        (
            "blank-lines-only.csv",
            None,
            Err("blank-lines-only.csv: the file has no header row"),
        ),
        (
            "bom-only.csv",
            None,
            Err("bom-only.csv: the file has no header row"),
        ),
        (
            "broken-lines.ndjson",
            None,
            Ok {
                records: 6,
                flagged: &[
                    (2, "NDJSON: not JSON"),
                    (3, "NDJSON: not a JSON object"),
                    (4, "NDJSON: no resourceType"),
                    (5, "NDJSON: not JSON: the line ends inside the object"),
                    (6, "NDJSON: resourceType is not a string"),
                ],
            },
        ),
        (
            "cr-only.csv",
            None,
            Ok {
                records: 2,
                flagged: &[],
            },
        ),
        // NDJSON lines end with LF: a lone CR joins two resources into one broken line.
        (
            "crlf-and-cr.ndjson",
            None,
            Ok {
                records: 2,
                flagged: &[(2, "NDJSON: not JSON: syntax error at column 37")],
            },
        ),
        (
            "declared-3gib.xlsx",
            None,
            Err(
                "declared-3gib.xlsx: refused: workbook part 'xl/worksheets/sheet1.xml' expands to 3072 MiB",
            ),
        ),
        (
            "docx-renamed.xlsx",
            None,
            Err("docx-renamed.xlsx: a zip archive, but not a workbook"),
        ),
        ("empty.csv", None, Err("empty.csv: the file is empty")),
        ("empty.xlsx", None, Err("empty.xlsx: the file is empty")),
        (
            "garbage-before-msh.hl7",
            None,
            Ok {
                records: 2,
                flagged: &[(1, "HL7: no MSH segment: text outside any HL7 message")],
            },
        ),
        (
            "header-only.csv",
            None,
            Ok {
                records: 0,
                flagged: &[],
            },
        ),
        (
            "html-table.xls",
            None,
            Err("html-table.xls: not a workbook: the file is text"),
        ),
        (
            "huge-dimensions.xls",
            None,
            Err("huge-dimensions.xls: refused: sheet 1 spans 16843009 cells"),
        ),
        (
            "invalid-utf8.csv",
            Some("utf-8"),
            Ok {
                records: 2,
                flagged: &[(2, "invalid UTF-8 in column NAME (kept with U+FFFD)")],
            },
        ),
        // A file mixing UTF-8 and cp1252 is guessed cp1252: its UTF-8 rows read as
        // mojibake, unflagged (read it with encoding "utf-8" to flag the cp1252 rows).
        (
            "mixed-encodings.csv",
            None,
            Ok {
                records: 2,
                flagged: &[],
            },
        ),
        (
            "no-msh.hl7",
            None,
            Err("no-msh.hl7: not an HL7 v2 archive: no MSH segment in the first 64 KiB"),
        ),
        (
            "not-a-workbook.xlsx",
            None,
            Err(
                "not-a-workbook.xlsx: a zip archive, but not a workbook: no xl/workbook.xml or content.xml inside",
            ),
        ),
        (
            "nul-bytes.csv",
            None,
            Err("nul-bytes.csv: not a text file: binary content (NUL byte at offset 13)"),
        ),
        (
            "only-empty-sheets.xlsx",
            None,
            Err("only-empty-sheets.xlsx: the workbook has no data: every sheet read is empty"),
        ),
        (
            "repeat-bomb.ods",
            None,
            Err("repeat-bomb.ods: refused: sheet 1 spans 1000000000 cells"),
        ),
        // Two cells at A1 and XFD1048576: streamed, one ragged record, bounded memory.
        (
            "sparse-corners.xlsx",
            None,
            Ok {
                records: 1,
                flagged: &[(1_048_576, "ragged: 16384 fields, header has 1")],
            },
        ),
        (
            "truncated.xls",
            None,
            Err("truncated.xls: not a readable workbook: the Excel 97-2003 file is damaged"),
        ),
        (
            "truncated.xlsx",
            None,
            Err("truncated.xlsx: not a readable workbook: the zip archive is damaged or truncated"),
        ),
        // A mapping spec, not an export: it reads as one-column text.
        (
            "unknown-target.toml",
            None,
            Ok {
                records: 9,
                flagged: &[],
            },
        ),
        // The csv reader takes an unterminated quote to the end of the file: the rest of
        // the file is kept in that field, and the row says so.
        (
            "unterminated-quote.csv",
            None,
            Ok {
                records: 1,
                flagged: &[(
                    2,
                    "unterminated quote in column NOTE: the rest of the file was read into this field",
                )],
            },
        ),
        (
            "utf16-odd-byte.csv",
            None,
            Ok {
                records: 2,
                flagged: &[(3, "ragged: 1 fields, header has 2")],
            },
        ),
        (
            "wide-10000-columns.csv",
            None,
            Ok {
                records: 1,
                flagged: &[],
            },
        ),
        (
            "wrong-magic.xls",
            None,
            Err("wrong-magic.xls: not a workbook: neither a zip-based workbook"),
        ),
        (
            "zip-bomb.xlsx",
            None,
            Err(
                "zip-bomb.xlsx: refused: workbook part 'xl/worksheets/sheet1.xml' expands from 63 KiB to 64 MiB",
            ),
        ),
    ]
}

/// Values from the fixtures that must never appear in an error or a flag.
const LEGACY_VALUES: [&str; 8] = [
    "Muñoz",
    "Mu\u{FFFD}oz",
    "François",
    "00123",
    "never closed",
    "secret",
    "legacy",
    "p2",
];

/// Open one bad file the way an import does; the outcome as text for messages.
fn outcome_of(name: &str, encoding: Option<&str>) -> Result<Vec<Read>, String> {
    let options = ReadOptions {
        encoding: encoding.map(str::to_string),
        ..Default::default()
    };
    read(&fixture("bad", name), &options).map_err(|e| e.to_string())
}

#[test]
fn every_bad_file_has_its_outcome() {
    let corpus = bad_corpus();
    let expected: BTreeMap<&str, _> = corpus.iter().map(|(n, e, o)| (*n, (*e, o))).collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(fixture("bad", ""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    assert!(
        on_disk.len() >= 25,
        "the bad corpus has {} files",
        on_disk.len()
    );
    for name in &on_disk {
        assert!(
            expected.contains_key(name.as_str()),
            "fixtures/bad/{name} has no expected outcome in bad_corpus()"
        );
    }
    for name in expected.keys() {
        assert!(
            on_disk.iter().any(|n| n == name),
            "bad_corpus() names {name}, which is not in fixtures/bad"
        );
    }
    for (name, (encoding, outcome)) in expected {
        let got = std::panic::catch_unwind(|| outcome_of(name, encoding))
            .unwrap_or_else(|_| panic!("{name}: reading it panicked"));
        match (outcome, got) {
            (Outcome::Err(prefix), Err(msg)) => {
                assert!(msg.starts_with(prefix), "{name}: got error {msg:?}");
                for v in LEGACY_VALUES {
                    assert!(!msg.contains(v), "{name}: the error quotes a value");
                }
            }
            (Outcome::Err(prefix), Ok(_)) => panic!("{name}: read, but expected {prefix:?}"),
            (Outcome::Ok { .. }, Err(msg)) => panic!("{name}: expected to read, got {msg:?}"),
            (Outcome::Ok { records, flagged }, Ok(tables)) => {
                let all: Vec<&Record> = tables.iter().flat_map(|t| &t.records).collect();
                assert_eq!(all.len(), *records, "{name}: records");
                let got_flags: Vec<(u64, &str)> = all
                    .iter()
                    .filter_map(|r| r.flag.as_deref().map(|f| (r.line, f)))
                    .collect();
                assert_eq!(
                    got_flags.len(),
                    flagged.len(),
                    "{name}: flags {got_flags:?}"
                );
                for ((line, flag), (want_line, want)) in got_flags.iter().zip(flagged.iter()) {
                    assert_eq!(line, want_line, "{name}: flagged line");
                    assert!(flag.starts_with(want), "{name}: line {line} flag {flag:?}");
                    for v in LEGACY_VALUES {
                        assert!(!flag.contains(v), "{name}: a flag quotes a value");
                    }
                }
                for t in &tables {
                    assert_eq!(t.progress, t.size, "{name}: progress ends at the size");
                }
            }
        }
    }
}

#[test]
fn a_file_without_a_header_row_is_detected_and_can_be_overridden() {
    let path = fixture("formats", "no-header.csv");
    let columns = ["column_1", "column_2", "column_3", "column_4", "column_5"];
    let rows: [Row<'_>; 4] = [
        (
            1,
            &[
                Some("00123"),
                Some("Muñoz"),
                Some("Zoë"),
                Some("03/15/1980"),
                Some("F"),
            ],
            &[],
            None,
        ),
        (
            2,
            &[
                Some("00124"),
                Some("François\r\nthe second"),
                Some("Renée"),
                Some("01/01/1976"),
                Some("F"),
            ],
            &[],
            None,
        ),
        (
            4,
            &[
                Some("00125"),
                Some("Muñoz"),
                Some("Ana"),
                Some("12/31/1999"),
                None,
            ],
            &[],
            Some("ragged: 4 fields, header has 5"),
        ),
        (
            5,
            &[
                Some("00126"),
                Some("Smith"),
                Some("Bob"),
                Some("07/04/1960"),
                Some("M"),
            ],
            &[],
            None,
        ),
    ];
    // Detected: the first row fits the types of the rows below, so it is data.
    let t = &read(&path, &ReadOptions::default()).unwrap()[0];
    assert_eq!(
        t.detected,
        "windows-1252, delimiter ',', no header row (first row is data)"
    );
    check_table("no-header.csv detected", t, &columns, &rows);
    // Said to be data: the same.
    let data = ReadOptions {
        header_row: Some(false),
        ..Default::default()
    };
    check_table(
        "no-header.csv as data",
        &read(&path, &data).unwrap()[0],
        &columns,
        &rows,
    );
    // Said to be a header: the first row names the columns.
    let header = ReadOptions {
        header_row: Some(true),
        ..Default::default()
    };
    let t = &read(&path, &header).unwrap()[0];
    assert_eq!(t.detected, "windows-1252, delimiter ',', header row");
    check_table(
        "no-header.csv with a header",
        t,
        &["00123", "Muñoz", "Zoë", "03/15/1980", "F"],
        &rows[1..],
    );
    // And a file with a header row, said to be data, keeps its header as the first record.
    let t = &read(&fixture("formats", "utf8.csv"), &data).unwrap()[0];
    assert_eq!(t.header, columns);
    assert_eq!(t.records.len(), 3);
    assert_eq!(t.records[0].line, 1);
    assert_eq!(
        t.records[0]
            .values
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>(),
        PATIENTS
    );
}

#[test]
fn bad_files_keep_what_they_hold() {
    // The unterminated quote swallows the rest of the file into one field: nothing lost.
    let t = &outcome_of("unterminated-quote.csv", None).unwrap()[0];
    assert_eq!(
        t.records[0].values[1].as_deref(),
        Some("never closed\n2,after\n")
    );
    // Invalid UTF-8 under a UTF-8 override is kept as U+FFFD, flagged.
    let t = &outcome_of("invalid-utf8.csv", Some("utf-8")).unwrap()[0];
    assert_eq!(t.records[0].values[1].as_deref(), Some("Mu\u{FFFD}oz"));
    // Detected instead, the same bytes read as cp1252.
    let t = &outcome_of("invalid-utf8.csv", None).unwrap()[0];
    assert_eq!(t.detected, "windows-1252, delimiter ',', header row");
    assert_eq!(t.records[0].values[1].as_deref(), Some("Muñoz"));
    let t = &outcome_of("wide-10000-columns.csv", None).unwrap()[0];
    assert_eq!(t.header.len(), 10_000);
    assert_eq!(t.records[0].values.len(), 10_000);
    let t = &outcome_of("sparse-corners.xlsx", None).unwrap()[0];
    assert_eq!(t.records[0].extra.len(), 16_383);
    assert_eq!(t.records[0].extra.last().map(String::as_str), Some("far"));
    let t = &outcome_of("cr-only.csv", None).unwrap()[0];
    let lines: Vec<u64> = t.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 4]);
    let t = &outcome_of("garbage-before-msh.hl7", None).unwrap()[0];
    assert_eq!(
        t.records[0].values[4].as_deref(),
        Some("exported by legacy tool")
    );
}

#[test]
fn a_10_mb_single_field_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big-field.csv");
    let big = "x".repeat(10 * 1024 * 1024);
    std::fs::write(&path, format!("MRN,NOTE\n1,\"{big}\"\n2,small\n")).unwrap();
    let t = &read(&path, &ReadOptions::default()).unwrap()[0];
    assert_eq!(t.records.len(), 2);
    assert_eq!(
        t.records[0].values[1].as_deref().map(str::len),
        Some(big.len())
    );
    assert_eq!(t.records[1].line, 3);
}

/// Peak resident memory of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn memory_stays_bounded_on_the_bad_corpus() {
    const CHILD: &str = "CUTOVER_FORMATS_MEMORY_CHILD";
    if std::env::var_os(CHILD).is_some() {
        for (name, encoding, _) in bad_corpus() {
            let _ = outcome_of(name, encoding);
        }
        println!("peak-rss-kib={}", peak_rss_kib().unwrap_or(0));
        return;
    }
    if peak_rss_kib().is_none() {
        return; // not Linux
    }
    // In a process of its own, so other tests' memory does not count.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "memory_stays_bounded_on_the_bad_corpus",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}");
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.split_once("peak-rss-kib="))
        .and_then(|(_, v)| v.split_whitespace().next()?.parse().ok())
        .expect("the child reports its peak");
    assert!(
        peak < 300 * 1024,
        "reading the bad corpus peaked at {} MiB",
        peak / 1024
    );
}

// ---------------------------------------------------------------------------------------
// Properties over arbitrary input.

fn write_temp(bytes: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// Everything but delimiters, quotes and line breaks.
fn content(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '"' | ',' | '\t' | '|' | ';' | '\r' | '\n'))
        .collect()
}

fn is_batch(seg: &[u8]) -> bool {
    let mut s = seg;
    loop {
        if let Some(rest) = s.strip_prefix(b"\xEF\xBB\xBF") {
            s = rest;
        } else if let Some(rest) = s.strip_prefix(b" ").or_else(|| s.strip_prefix(b"\t")) {
            s = rest;
        } else {
            break;
        }
    }
    let id = s.get(..3);
    matches!(id, Some(b"FHS" | b"BHS" | b"BTS" | b"FTS"))
        && s.get(3).is_none_or(|b| !b.is_ascii_alphanumeric())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any bytes as a delimited file: a clear error naming the file, or records.
    #[test]
    fn delimited_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let (_dir, path) = write_temp(&bytes, "any.csv");
        let options = ReadOptions { format: Some(FileFormat::Delimited), ..Default::default() };
        match read(&path, &options) {
            Ok(tables) => {
                for t in &tables {
                    prop_assert_eq!(t.progress, t.size);
                    prop_assert!(t.records.windows(2).all(|w| w[0].line < w[1].line));
                }
            }
            Err(e) => prop_assert!(e.to_string().starts_with("any.csv"), "{}", e),
        }
    }

    /// Whatever the header rule decides, a file without a header row reads as the same
    /// records as with one, plus the first row as a record on its line.
    #[test]
    fn header_detection_only_moves_the_first_row(text in "[a-c0-9 ,;|\t\"\r\n]{0,400}") {
        let (_dir, path) = write_temp(text.as_bytes(), "t.csv");
        let given = |h| ReadOptions { header_row: Some(h), ..Default::default() };
        if let (Ok(with), Ok(without)) = (read(&path, &given(true)), read(&path, &given(false))) {
            let (with, without) = (&with[0], &without[0]);
            prop_assert_eq!(without.records.len(), with.records.len() + 1);
            let first: Vec<String> = without.records[0].values.iter().flatten().cloned().collect();
            prop_assert_eq!(&first, &with.header);
            prop_assert_eq!(without.header.len(), with.header.len());
            let generated: Vec<String> = (1..=with.header.len()).map(|i| format!("column_{i}")).collect();
            prop_assert_eq!(&without.header, &generated);
            for (a, b) in with.records.iter().zip(&without.records[1..]) {
                prop_assert_eq!(a.line, b.line);
                prop_assert_eq!(&a.hash, &b.hash);
            }
            let detected = &read(&path, &ReadOptions::default()).unwrap()[0];
            prop_assert!(detected.records.len() == with.records.len() || detected.records.len() == without.records.len());
        }
    }

    /// Text with delimiters, quotes and line breaks: every character of every line ends up
    /// in the header or a record, in order, or the file has no header at all.
    #[test]
    fn delimited_keeps_every_line(text in "[a-c0-9 ,;|\t\"\r\n]{0,400}") {
        let (_dir, path) = write_temp(text.as_bytes(), "t.csv");
        let header_row = ReadOptions { header_row: Some(true), ..Default::default() };
        match read(&path, &header_row) {
            Ok(tables) => {
                let t = &tables[0];
                let mut kept = content(&t.header.concat());
                for r in &t.records {
                    for v in r.values.iter().flatten() {
                        kept.push_str(&content(v));
                    }
                    for v in &r.extra {
                        kept.push_str(&content(v));
                    }
                }
                prop_assert_eq!(kept, content(&text));
                let lines = text.split(['\r', '\n']).count() as u64;
                prop_assert!(t.records.iter().all(|r| r.line >= 2 && r.line <= lines));
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg == "t.csv: the file has no header row" || msg == "t.csv: the file is empty", "{}", msg);
                prop_assert!(content(&text).is_empty());
            }
        }
    }

    /// Any bytes as an HL7 stream: never a panic, and every segment that is not a batch
    /// wrapper is in some record's message.
    #[test]
    fn hl7_keeps_every_segment(
        parts in prop::collection::vec(
            prop_oneof![
                Just(b"MSH|^~\\&|A|B|||20240101||ADT^A04|1|P|2.5".to_vec()),
                Just(b"BHS|^~\\&".to_vec()),
                Just(b"PID|1||123^^^MRN||X^Y".to_vec()),
                Just(b"\r".to_vec()), Just(b"\n".to_vec()), Just(b"\r\n".to_vec()),
                Just(vec![0x0b]), Just(vec![0x1c]),
                prop::collection::vec(any::<u8>(), 0..40),
            ],
            0..30,
        )
    ) {
        let bytes = parts.concat();
        let mut reader = Hl7Reader::from_reader("any.hl7", std::io::Cursor::new(bytes.clone()));
        let mut messages = String::new();
        let mut last_line = 0;
        while let Some(rec) = reader.next_record().unwrap() {
            prop_assert!(rec.line >= last_line);
            last_line = rec.line;
            messages.push_str(rec.values[4].as_deref().unwrap_or_default());
            messages.push('\u{0}');
        }
        prop_assert_eq!(reader.progress(), bytes.len() as u64);
        for seg in bytes.split(|&b| matches!(b, b'\r' | b'\n' | 0x0b | 0x1c)) {
            if seg.is_empty() || is_batch(seg) {
                continue;
            }
            let text = String::from_utf8_lossy(seg);
            prop_assert!(messages.contains(text.as_ref()), "segment {:?} lost", text);
        }
    }

    /// The parser and path lookup never panic on any text.
    #[test]
    fn hl7_parser_never_panics(text in "(MSH)?[\\PC\r\n|^~\\\\&#$]{0,200}", path in "[A-Z0-9\\[\\]\\-.]{0,12}") {
        if let Ok(m) = Hl7Message::parse(&text) {
            let _ = m.get(&path);
            let _ = m.get("MSH-9.2");
            let _ = m.get("PID-3[2].1");
        }
    }
}

/// Each format imported into a project: one snapshot per table, every record staged.
#[test]
fn every_format_imports_into_a_project() {
    use cutover_engine::api::dto::ImportRequest;
    use cutover_engine::api::{Cancel, Ctx, NoProgress, import as import_api, project};
    let dir = tempfile::tempdir().unwrap();
    let ctx = Ctx::new(dir.path().join("p.cutover"));
    project::create(&ctx, None).unwrap();
    for (file, expected) in [
        (
            "workbook.xlsx",
            vec![("workbook/Patients", 3, 3, 15), ("workbook/Old", 1, 0, 2)],
        ),
        (
            "legacy.xls",
            vec![("legacy/Patients", 3, 0, 8), ("legacy/Codes", 1, 0, 1)],
        ),
        ("calc.ods", vec![("calc/Patients", 2, 0, 6)]),
        ("mllp.hl7", vec![("mllp", 2, 0, 6)]),
        ("bulk.ndjson", vec![("bulk", 4, 1, 4)]),
    ] {
        let req = ImportRequest {
            path: fixture("formats", file).display().to_string(),
            ..Default::default()
        };
        let summaries = import_api::run(&ctx, &req, &NoProgress, &Cancel::new()).unwrap();
        let got: Vec<(&str, i64, i64, u32)> = summaries
            .iter()
            .map(|s| (s.source_name.as_str(), s.rows, s.flagged_rows, s.columns))
            .collect();
        assert_eq!(got, expected, "{file}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Workbooks with bytes flipped: a clear error or records, never a panic or an abort.
    #[test]
    fn damaged_workbooks_never_panic(
        which in 0usize..3,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
    ) {
        let name = ["legacy.xls", "workbook.xlsx", "calc.ods"][which];
        let mut bytes = std::fs::read(fixture("formats", name)).unwrap();
        for (at, b) in &flips {
            let i = at.index(bytes.len());
            bytes[i] = *b;
        }
        let (_dir, path) = write_temp(&bytes, name);
        match read(&path, &ReadOptions::default()) {
            Ok(tables) => {
                for t in &tables {
                    prop_assert_eq!(t.progress, t.size);
                }
            }
            Err(e) => prop_assert!(e.to_string().starts_with(name), "{}", e),
        }
    }
}
