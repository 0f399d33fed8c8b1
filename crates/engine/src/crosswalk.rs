//! Crosswalks: tables the analyst loads to translate legacy codes (vendor lab code →
//! LOINC, local sex code → FHIR gender, legacy provider id → NPI). This module owns
//! reading a crosswalk file, storing it in the project (`crosswalk`, `crosswalk_entry`)
//! and looking codes up; `api::crosswalk` holds the use cases over it.
//!
//! **Matching rule**: a code is matched exactly after trimming surrounding whitespace,
//! both in the file and in the legacy value; with `ignore_case`, ASCII letters also
//! match regardless of case (`glu` = `GLU`). Values (what a code translates to) are
//! trimmed too; a blank value is a code known to have no translation in that column.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::api::dto::{CrosswalkEntry, CrosswalkProblem, CrosswalkSummary};
use crate::error::{EngineError, Result, SqlContext};
use crate::import::{self, FileFormat, ReadOptions, Record, display_name, unique_header_names};

/// A crosswalk file, read and checked, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct CrosswalkFile {
    pub file_name: String,
    pub key_column: String,
    /// The non-key columns, in file order.
    pub columns: Vec<String>,
    /// The codes to keep, in file order: the first of each code wins.
    pub entries: Vec<CrosswalkEntry>,
    /// Rows skipped (blank or repeated code) or kept with a caveat (ragged).
    pub problems: Vec<CrosswalkProblem>,
}

/// How to read a crosswalk file.
#[derive(Debug, Clone, Default)]
pub struct ReadSpec<'a> {
    /// The key column's name (any letter case); the first column when `None`.
    pub key_column: Option<&'a str>,
    /// The workbook sheet to read; the first when `None`.
    pub sheet: Option<&'a str>,
    pub ignore_case: bool,
}

/// The form of a code that lookups compare: trimmed, and ASCII-lowercased when the
/// crosswalk ignores case.
pub fn match_key(code: &str, ignore_case: bool) -> String {
    let trimmed = code.trim();
    if ignore_case {
        trimmed.to_ascii_lowercase()
    } else {
        trimmed.to_string()
    }
}

/// Read a CSV (any encoding the importer reads) or workbook sheet as a crosswalk. The
/// first row is the header. An unreadable file, a file with no columns, or a key column
/// that is not there is an error; blank and repeated codes are problems.
pub fn read(path: &Path, spec: &ReadSpec<'_>) -> Result<CrosswalkFile> {
    let file_name = display_name(path);
    if !path.is_file() {
        return Err(EngineError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let format = import::detect_format(path)?;
    if !matches!(format, FileFormat::Delimited | FileFormat::Excel) {
        return Err(EngineError::bad_input(
            &file_name,
            "a crosswalk is a CSV (or other delimited text) or a workbook sheet",
        ));
    }
    if spec.sheet.is_some() && format != FileFormat::Excel {
        return Err(EngineError::bad_input(
            &file_name,
            "a sheet was named, but this is not a workbook",
        ));
    }
    let options = ReadOptions {
        format: Some(format),
        sheets: spec.sheet.map(|s| vec![s.to_string()]).unwrap_or_default(),
        // A crosswalk always names its columns: the key column is chosen by name.
        header_row: Some(true),
        ..Default::default()
    };
    let mut tables = import::open(path, &options)?;
    if tables.is_empty() {
        return Err(EngineError::bad_input(&file_name, "no sheet with data"));
    }
    let mut table = tables.swap_remove(0);
    let header: Vec<String> = unique_header_names(table.reader.header())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    if header.is_empty() {
        return Err(EngineError::bad_input(&file_name, "no columns"));
    }
    let key_index = match spec.key_column.map(str::trim) {
        None | Some("") => 0,
        Some(key) => header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(key))
            .ok_or_else(|| {
                EngineError::bad_input(
                    &file_name,
                    format!("no key column '{key}' (columns: {})", header.join(", ")),
                )
            })?,
    };
    let key_column = header[key_index].clone();
    let columns: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != key_index)
        .map(|(_, h)| h.clone())
        .collect();

    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut first_line: HashMap<String, i64> = HashMap::new();
    let mut record = Record::empty();
    while table.reader.read_into(&mut record)? {
        let line = i64::try_from(record.line).unwrap_or(i64::MAX);
        if let Some(flag) = &record.flag {
            problems.push(CrosswalkProblem {
                line,
                column: String::new(),
                message: format!("row kept with a caveat: {flag}"),
            });
        }
        let value = |i: usize| -> String {
            record
                .values
                .get(i)
                .and_then(|v| v.as_deref())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let code = value(key_index);
        if code.is_empty() {
            // A wholly blank row is a spacer, not a problem worth reporting.
            if record.values.iter().flatten().all(|v| v.trim().is_empty()) {
                continue;
            }
            problems.push(CrosswalkProblem {
                line,
                column: key_column.clone(),
                message: "blank code; row skipped".to_string(),
            });
            continue;
        }
        let key = match_key(&code, spec.ignore_case);
        if let Some(first) = first_line.get(&key) {
            problems.push(CrosswalkProblem {
                line,
                column: key_column.clone(),
                message: format!(
                    "code repeats line {first}{}; the first is kept",
                    if spec.ignore_case {
                        " (ignoring case)"
                    } else {
                        ""
                    }
                ),
            });
            continue;
        }
        first_line.insert(key, line);
        let values = (0..header.len())
            .filter(|i| *i != key_index)
            .map(value)
            .collect();
        entries.push(CrosswalkEntry { code, values, line });
    }
    Ok(CrosswalkFile {
        file_name,
        key_column,
        columns,
        entries,
        problems,
    })
}

/// Store a crosswalk under `name`, replacing the entries of a crosswalk of that name
/// (its id stays), inside the caller's transaction. Returns the crosswalk's id.
pub fn save(
    tx: &Transaction<'_>,
    name: &str,
    file: &CrosswalkFile,
    ignore_case: bool,
    loaded_at: &str,
) -> Result<i64> {
    let columns = serde_json::to_string(&file.columns)
        .map_err(|e| EngineError::Internal(format!("writing crosswalk columns: {e}")))?;
    let problems = serde_json::to_string(&file.problems)
        .map_err(|e| EngineError::Internal(format!("writing crosswalk problems: {e}")))?;
    let rows = i64::try_from(file.entries.len()).unwrap_or(i64::MAX);
    let existing: Option<i64> = tx
        .query_row("SELECT id FROM crosswalk WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()
        .ctx("finding crosswalk")?;
    let id = match existing {
        Some(id) => {
            tx.execute(
                "UPDATE crosswalk SET key_column = ?2, columns = ?3, ignore_case = ?4,
                        file_name = ?5, loaded_at = ?6, row_count = ?7, problems = ?8
                 WHERE id = ?1",
                rusqlite::params![
                    id,
                    file.key_column,
                    columns,
                    ignore_case,
                    file.file_name,
                    loaded_at,
                    rows,
                    problems
                ],
            )
            .ctx("updating crosswalk")?;
            tx.execute("DELETE FROM crosswalk_entry WHERE crosswalk_id = ?1", [id])
                .ctx("replacing crosswalk entries")?;
            id
        }
        None => {
            tx.execute(
                "INSERT INTO crosswalk (name, key_column, columns, ignore_case, file_name,
                                        loaded_at, row_count, problems)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    name,
                    file.key_column,
                    columns,
                    ignore_case,
                    file.file_name,
                    loaded_at,
                    rows,
                    problems
                ],
            )
            .ctx("creating crosswalk")?;
            tx.last_insert_rowid()
        }
    };
    let mut insert = tx
        .prepare(
            "INSERT INTO crosswalk_entry (crosswalk_id, code, values_json, line)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .ctx("storing crosswalk entries")?;
    for e in &file.entries {
        let values = serde_json::to_string(&e.values)
            .map_err(|err| EngineError::Internal(format!("writing crosswalk entry: {err}")))?;
        insert
            .execute(rusqlite::params![id, e.code, values, e.line])
            .ctx("storing crosswalk entries")?;
    }
    Ok(id)
}

fn parse_list<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("{what}: {e}").into(),
        )
    })
}

/// A stored crosswalk's header, without its entries.
struct Header {
    id: i64,
    summary: CrosswalkSummary,
}

const HEADER_SQL: &str = "SELECT id, name, key_column, columns, row_count, ignore_case,
                                 file_name, loaded_at, problems FROM crosswalk";

fn header_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Header> {
    Ok(Header {
        id: r.get(0)?,
        summary: CrosswalkSummary {
            name: r.get(1)?,
            key_column: r.get(2)?,
            columns: parse_list(&r.get::<_, String>(3)?, "crosswalk columns")?,
            rows: r.get(4)?,
            ignore_case: r.get(5)?,
            file_name: r.get(6)?,
            loaded_at: r.get(7)?,
            problems: parse_list(&r.get::<_, String>(8)?, "crosswalk problems")?,
        },
    })
}

fn header(conn: &Connection, name: &str) -> Result<Option<Header>> {
    conn.query_row(&format!("{HEADER_SQL} WHERE name = ?1"), [name], header_row)
        .optional()
        .ctx("reading crosswalk")
}

/// Every crosswalk in the project, by name.
pub fn list(conn: &Connection) -> Result<Vec<CrosswalkSummary>> {
    let mut stmt = conn
        .prepare(&format!("{HEADER_SQL} ORDER BY name"))
        .ctx("listing crosswalks")?;
    let rows = stmt
        .query_map([], header_row)
        .ctx("listing crosswalks")?
        .map(|h| h.map(|h| h.summary))
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx("listing crosswalks")?;
    Ok(rows)
}

/// The crosswalk called `name`, or a not-found error.
pub fn summary(conn: &Connection, name: &str) -> Result<CrosswalkSummary> {
    header(conn, name)?
        .map(|h| h.summary)
        .ok_or_else(|| not_found(name))
}

pub(crate) fn not_found(name: &str) -> EngineError {
    EngineError::NoSuchRecord {
        what: format!("crosswalk '{name}'"),
    }
}

/// A window of a crosswalk's entries in file order, and how many there are.
pub fn entries(
    conn: &Connection,
    name: &str,
    offset: i64,
    limit: u32,
) -> Result<(CrosswalkSummary, Vec<CrosswalkEntry>)> {
    let h = header(conn, name)?.ok_or_else(|| not_found(name))?;
    let mut stmt = conn
        .prepare(
            "SELECT code, values_json, line FROM crosswalk_entry WHERE crosswalk_id = ?1
             ORDER BY line, code LIMIT ?2 OFFSET ?3",
        )
        .ctx("reading crosswalk entries")?;
    let entries = stmt
        .query_map(rusqlite::params![h.id, limit, offset.max(0)], entry_row)
        .ctx("reading crosswalk entries")?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx("reading crosswalk entries")?;
    Ok((h.summary, entries))
}

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CrosswalkEntry> {
    Ok(CrosswalkEntry {
        code: r.get(0)?,
        values: parse_list(&r.get::<_, String>(1)?, "crosswalk entry")?,
        line: r.get(2)?,
    })
}

/// A crosswalk held in memory for lookups, e.g. by a mapping transform converting many
/// rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CrosswalkLookup {
    /// The non-key columns; each entry's values line up with them.
    pub columns: Vec<String>,
    pub ignore_case: bool,
    /// By [`match_key`] of the code.
    pub entries: HashMap<String, Vec<String>>,
}

impl CrosswalkLookup {
    /// What `code` translates to in `column` (column named in any letter case). `None`
    /// when the code is not in the crosswalk, the column does not exist, or the code's
    /// value there is blank.
    pub fn get(&self, code: &str, column: &str) -> Option<&str> {
        let i = self.column_index(column)?;
        self.values(code)?
            .get(i)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every value of `code`'s row, one per column; `None` when the code is unknown.
    pub fn values(&self, code: &str) -> Option<&[String]> {
        self.entries
            .get(&match_key(code, self.ignore_case))
            .map(Vec::as_slice)
    }

    /// Whether the crosswalk has `code` (even with blank values).
    pub fn contains(&self, code: &str) -> bool {
        self.values(code).is_some()
    }

    pub fn column_index(&self, column: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(column.trim()))
    }
}

/// Load the crosswalk called `name` for lookups; `None` when there is none.
pub fn lookup_table(conn: &Connection, name: &str) -> Result<Option<CrosswalkLookup>> {
    let Some(h) = header(conn, name)? else {
        return Ok(None);
    };
    let ignore_case = h.summary.ignore_case;
    let mut stmt = conn
        .prepare_cached("SELECT code, values_json FROM crosswalk_entry WHERE crosswalk_id = ?1")
        .ctx("reading crosswalk entries")?;
    let entries = stmt
        .query_map([h.id], |r| {
            let code: String = r.get(0)?;
            let values: Vec<String> = parse_list(&r.get::<_, String>(1)?, "crosswalk entry")?;
            Ok((match_key(&code, ignore_case), values))
        })
        .ctx("reading crosswalk entries")?
        .collect::<std::result::Result<HashMap<_, _>, _>>()
        .ctx("reading crosswalk entries")?;
    Ok(Some(CrosswalkLookup {
        columns: h.summary.columns,
        ignore_case,
        entries,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABS: &str = "\
TEST_CODE,loinc,display,unit
GLU,2345-7,Glucose,mg/dL
 NA ,2951-2,Sodium,mmol/L
,1111-1,No code,x
GLU,9999-9,Glucose again,mg/dL
MISC,,Send-out test,
glu,2345-7,lower-case glucose,mg/dL
";

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// A project holding `file` as crosswalk `name`, with the real schema.
    fn store(
        dir: &tempfile::TempDir,
        file: &CrosswalkFile,
        name: &str,
        ignore_case: bool,
    ) -> Connection {
        let path = dir.path().join(format!("{name}.cutover"));
        let mut conn = crate::store::create(&path, "t", "ns", "2026-03-01T09:00:00Z").unwrap();
        let tx = conn.transaction().unwrap();
        save(&tx, name, file, ignore_case, "2026-03-01T09:00:00Z").unwrap();
        tx.commit().unwrap();
        conn
    }

    #[test]
    fn a_csv_loads_with_the_first_column_as_key_and_trimmed_codes() {
        let dir = tempfile::tempdir().unwrap();
        let file = read(&write(&dir, "labs.csv", LABS), &ReadSpec::default()).unwrap();
        assert_eq!(file.key_column, "TEST_CODE");
        assert_eq!(file.columns, ["loinc", "display", "unit"]);
        let codes: Vec<(&str, i64)> = file
            .entries
            .iter()
            .map(|e| (e.code.as_str(), e.line))
            .collect();
        assert_eq!(
            codes,
            [("GLU", 2), ("NA", 3), ("MISC", 6), ("glu", 7)],
            "codes are trimmed; case matters by default"
        );
        assert_eq!(file.entries[2].values, ["", "Send-out test", ""]);
    }

    #[test]
    fn blank_and_repeated_codes_are_problems_naming_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let file = read(&write(&dir, "labs.csv", LABS), &ReadSpec::default()).unwrap();
        let problems: Vec<(i64, &str, &str)> = file
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            problems,
            [
                (4, "TEST_CODE", "blank code; row skipped"),
                (5, "TEST_CODE", "code repeats line 2; the first is kept"),
            ]
        );
        assert_eq!(file.entries[0].values[0], "2345-7", "the first GLU wins");
    }

    #[test]
    fn ignore_case_folds_ascii_letters_for_duplicates_and_lookups() {
        let dir = tempfile::tempdir().unwrap();
        let spec = ReadSpec {
            ignore_case: true,
            ..Default::default()
        };
        let file = read(&write(&dir, "labs.csv", LABS), &spec).unwrap();
        assert_eq!(
            file.entries.len(),
            3,
            "glu repeats GLU when case is ignored"
        );
        assert_eq!(
            file.problems.last().map(|p| (p.line, p.message.as_str())),
            Some((7, "code repeats line 2 (ignoring case); the first is kept"))
        );
        let conn = store(&dir, &file, "labs", true);
        let lookup = lookup_table(&conn, "labs").unwrap().unwrap();
        for code in ["GLU", "glu", " Glu "] {
            assert_eq!(lookup.get(code, "loinc"), Some("2345-7"), "{code:?}");
        }
        assert_eq!(lookup.get("na", "UNIT"), Some("mmol/L"));
    }

    #[test]
    fn lookups_match_trimmed_codes_exactly_and_treat_blank_values_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let file = read(&write(&dir, "labs.csv", LABS), &ReadSpec::default()).unwrap();
        let conn = store(&dir, &file, "labs", false);
        let lookup = lookup_table(&conn, "labs").unwrap().unwrap();
        let cases: [(&str, &str, Option<&str>); 8] = [
            ("GLU", "loinc", Some("2345-7")),
            ("  GLU\t", "loinc", Some("2345-7")),
            ("glu", "display", Some("lower-case glucose")),
            ("Glu", "loinc", None),
            ("NA", "unit", Some("mmol/L")),
            ("MISC", "loinc", None),
            ("MISC", "display", Some("Send-out test")),
            ("GLU", "no_such_column", None),
        ];
        for (code, column, expected) in cases {
            assert_eq!(lookup.get(code, column), expected, "{code:?} in {column}");
        }
        assert!(
            lookup.contains("MISC"),
            "a blank value is still a known code"
        );
        assert!(!lookup.contains("XYZ"));
        assert_eq!(lookup_table(&conn, "nope").unwrap(), None);
    }

    #[test]
    fn loading_under_the_same_name_replaces_the_entries_and_keeps_the_id() {
        let dir = tempfile::tempdir().unwrap();
        let first = read(&write(&dir, "a.csv", LABS), &ReadSpec::default()).unwrap();
        let mut conn = store(&dir, &first, "labs", false);
        let second = read(
            &write(&dir, "b.csv", "CODE,loinc\nK,2823-3\n"),
            &ReadSpec::default(),
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        let id = save(&tx, "labs", &second, false, "2026-03-02T09:00:00Z").unwrap();
        tx.commit().unwrap();
        assert_eq!(id, 1, "the crosswalk keeps its id");
        let s = summary(&conn, "labs").unwrap();
        assert_eq!(
            (s.key_column.as_str(), s.rows, s.file_name.as_str()),
            ("CODE", 1, "b.csv")
        );
        let lookup = lookup_table(&conn, "labs").unwrap().unwrap();
        assert_eq!(lookup.entries.len(), 1, "the old entries are gone");
        assert_eq!(lookup.get("K", "loinc"), Some("2823-3"));
    }

    #[test]
    fn a_key_column_is_chosen_by_name_and_a_missing_one_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "labs.csv", LABS);
        let spec = ReadSpec {
            key_column: Some("LOINC"),
            ..Default::default()
        };
        let file = read(&path, &spec).unwrap();
        assert_eq!(file.key_column, "loinc");
        assert_eq!(file.columns, ["TEST_CODE", "display", "unit"]);
        assert_eq!(file.entries[0].values[0], "GLU");

        let spec = ReadSpec {
            key_column: Some("CPT"),
            ..Default::default()
        };
        let err = read(&path, &spec).unwrap_err();
        assert!(
            matches!(&err, EngineError::BadInput { file, .. } if file == "labs.csv"),
            "{err}"
        );
        assert!(err.to_string().contains("no key column 'CPT'"), "{err}");

        let spec = ReadSpec {
            sheet: Some("Labs"),
            ..Default::default()
        };
        let err = read(&path, &spec).unwrap_err();
        assert!(err.to_string().contains("not a workbook"), "{err}");
    }

    #[test]
    fn a_workbook_sheet_loads_like_a_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sex_codes.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let notes = workbook.add_worksheet();
        notes.set_name("Notes").unwrap();
        notes.write_string(0, 0, "not the crosswalk").unwrap();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Sex").unwrap();
        let rows = [
            ["SEX_CD", "fhir_gender"],
            ["M", "male"],
            ["F", "female"],
            ["U", "unknown"],
            ["m", "male"],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        workbook.save(&path).unwrap();

        let spec = ReadSpec {
            sheet: Some("Sex"),
            ignore_case: true,
            ..Default::default()
        };
        let file = read(&path, &spec).unwrap();
        assert_eq!(file.key_column, "SEX_CD");
        assert_eq!(file.entries.len(), 3);
        assert_eq!(file.problems.len(), 1, "m repeats M when case is ignored");
        assert_eq!(file.problems[0].line, 5, "sheet row 5");
        let conn = store(&dir, &file, "sex", true);
        let lookup = lookup_table(&conn, "sex").unwrap().unwrap();
        assert_eq!(lookup.get("f", "fhir_gender"), Some("female"));

        let err = read(
            &path,
            &ReadSpec {
                sheet: Some("Gender"),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("no sheet named 'Gender'"), "{err}");
    }
}
