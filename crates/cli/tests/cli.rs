//! Black-box tests: the real `cutover` binary over the fixture files, in temp folders,
//! and pushes into a real FHIR server (tests/fhir-server, Medplum's engine on Node)
//! started by the test.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn fixture(name: &str) -> String {
    repo().join("fixtures").join(name).display().to_string()
}

fn cutover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .env_remove("CUTOVER_PROJECT")
        .env("CUTOVER_LOG", "info")
        .output()
        .expect("cutover runs")
}

/// Run with `--json`, expect success, and return the result's data.
fn json_ok(args: &[&str]) -> Value {
    json_ok_logged(args, &mut String::new())
}

/// [`json_ok`], adding the run's logs (stderr) and its non-result output lines (progress)
/// to `logs`, for PHI scans.
fn json_ok_logged(args: &[&str], logs: &mut String) -> Value {
    let out = cutover(&[args, &["--json"]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    logs.push_str(&String::from_utf8_lossy(&out.stderr));
    for line in stdout.lines().filter(|l| !l.contains(r#""type":"result""#)) {
        logs.push_str(line);
        logs.push('\n');
    }
    assert!(
        out.status.success(),
        "cutover {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .find(|v| v["type"] == "result")
        .unwrap_or_else(|| panic!("no result line in:\n{stdout}"));
    result["data"].clone()
}

/// Run with `--json`, expect failure, and return the error's data.
fn json_err(args: &[&str]) -> Value {
    let out = cutover(&[args, &["--json"]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "cutover {args:?} should fail:\n{stdout}"
    );
    let err: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON error ({e}) in:\n{stdout}"));
    assert_eq!(err["type"], "error");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "no panic"
    );
    err["data"].clone()
}

struct Project {
    _dir: tempfile::TempDir,
    path: String,
}

fn new_project() -> Project {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.cutover").display().to_string();
    let info = json_ok(&["new", &path]);
    assert_eq!(info["name"], "t");
    Project { _dir: dir, path }
}

fn imported_and_converted() -> Project {
    let p = new_project();
    json_ok(&["-p", &p.path, "import", &fixture("patients.csv")]);
    json_ok(&["-p", &p.path, "map", &fixture("mappings/patients.toml")]);
    json_ok(&["-p", &p.path, "convert"]);
    p
}

#[test]
fn import_keeps_every_row_with_provenance_and_snapshots() {
    let p = new_project();
    let first = &json_ok(&["-p", &p.path, "import", &fixture("patients.csv")])[0];
    assert_eq!(
        first["rows"], 120,
        "every data row of patients.csv is staged"
    );
    assert_eq!(first["columns"], 6);
    assert_eq!(
        first["flagged_rows"], 1,
        "the ragged row 29 is kept and flagged"
    );
    assert_eq!(first["source_name"], "patients");
    assert_eq!(first["seq"], 1);
    let second = &json_ok(&["-p", &p.path, "import", &fixture("patients.csv")])[0];
    assert_eq!(
        second["seq"], 2,
        "a second import of the same file is a new snapshot"
    );
    assert_eq!(second["source_id"], first["source_id"]);

    let sources = json_ok(&["-p", &p.path, "sources"]);
    let snaps = sources[0]["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[1]["row_count"], 120);

    let page = json_ok(&["-p", &p.path, "show", "patients", "--limit", "2"]);
    assert_eq!(page["total_rows"], 120);
    let row1 = &page["rows"][0];
    assert_eq!(row1["row"], 1);
    assert_eq!(row1["line"], 2, "line 1 is the header");
    assert_eq!(row1["values"][0], "MRN100001");
    assert_eq!(row1["values"][1], "ABERNATHY, CORDELIA F");
    assert_eq!(row1["values"][5], "04183", "a ZIP keeps its leading zero");
    assert_eq!(row1["hash"].as_str().unwrap().len(), 32);

    let ragged = json_ok(&[
        "-p", &p.path, "show", "patients", "--offset", "28", "--limit", "1",
    ]);
    assert_eq!(ragged["rows"][0]["row"], 29);
    assert_eq!(ragged["rows"][0]["flag"], "ragged: 4 fields, header has 6");
    assert_eq!(ragged["rows"][0]["values"][4], Value::Null);

    let sorted = json_ok(&[
        "-p", &p.path, "show", "patients", "--sort", "MRN", "--desc", "--limit", "1",
    ]);
    assert_eq!(sorted["rows"][0]["values"][0], "MRN100120");
    let filtered = json_ok(&[
        "-p",
        &p.path,
        "show",
        "patients",
        "--filter",
        "PATIENT_NAME=abernathy",
    ]);
    assert_eq!(
        filtered["total_rows"], 5,
        "rows 1, 27, 53, 79, 105 are ABERNATHY"
    );
}

#[test]
fn map_convert_validate_give_known_counts_and_findings_without_phi() {
    let p = new_project();
    json_ok(&["-p", &p.path, "import", &fixture("patients.csv")]);
    let m = json_ok(&["-p", &p.path, "map", &fixture("mappings/patients.toml")]);
    assert_eq!(
        (m["name"].as_str(), m["version"].as_u64()),
        (Some("patients"), Some(1))
    );
    let again = json_ok(&["-p", &p.path, "map", &fixture("mappings/patients.toml")]);
    assert_eq!(
        again["version"], 1,
        "loading the same spec again makes no new version"
    );

    let converted = json_ok(&["-p", &p.path, "convert"]);
    assert_eq!(converted[0]["rows_read"], 120);
    assert_eq!(
        converted[0]["converted"], 118,
        "row 19 has no MRN, row 23 repeats row 22's"
    );
    assert_eq!(converted[0]["failed"], 2);

    let v = json_ok(&["-p", &p.path, "validate"]);
    assert_eq!(v["checked"], 118);
    assert_eq!(
        v["invalid"], 4,
        "rows 7 (no DOB), 11 (Feb 30), 13 (sex X), 17 (future DOB)"
    );
    assert_eq!(v["valid"], 114);

    let findings = json_ok(&["-p", &p.path, "findings"]);
    let found: Vec<(i64, String, String)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["row"].as_i64().unwrap(),
                f["column"].as_str().unwrap_or("").to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        (7, "DOB", "required.birthDate"),
        (11, "DOB", "transform.date_mdy"),
        (11, "DOB", "required.birthDate"),
        (13, "SEX", "transform.map"),
        (13, "SEX", "required.gender"),
        (17, "DOB", "plausible.birthDate"),
        (19, "MRN", "identifier.missing"),
        (23, "MRN", "identifier.duplicate"),
    ] {
        assert!(
            found
                .iter()
                .any(|(r, c, rule)| (*r, c.as_str(), rule.as_str()) == expected),
            "expected finding {expected:?} in {found:?}"
        );
    }
    let text = findings.to_string();
    for phi in ["02/30/1975", "01/01/2031", "MRN100022", "GALLAGHER"] {
        assert!(
            !text.contains(phi),
            "findings must not quote legacy values ({phi})"
        );
    }

    let status = json_ok(&["-p", &p.path, "status"]);
    assert_eq!(
        (
            status["imported"].as_i64(),
            status["converted"].as_i64(),
            status["valid"].as_i64(),
            status["pushed"].as_i64()
        ),
        (Some(120), Some(118), Some(114), Some(0))
    );
}

#[test]
fn human_output_reads_well() {
    let p = imported_and_converted();
    let out = cutover(&["-p", &p.path, "show", "patients", "--limit", "3"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("MRN100001") && text.contains("rows 1–3 of 120"),
        "{text}"
    );
    let out = cutover(&["-p", &p.path, "status"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("converted  118"));
    let help = cutover(&["--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for verb in [
        "new", "import", "sources", "show", "map", "convert", "validate", "push", "status",
    ] {
        assert!(
            help.contains(&format!("  {verb} ")),
            "--help documents {verb}:\n{help}"
        );
    }
}

#[test]
fn profile_of_patients_gives_exact_figures_and_filters_to_them() {
    let p = new_project();
    json_ok(&["-p", &p.path, "import", &fixture("patients.csv")]);

    // The first profile reads the snapshot, with progress in rows.
    let out = cutover(&["-p", &p.path, "profile", "patients", "--json"]);
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "progress" && l["data"]["stage"] == "profile"),
        "profiling reports progress: {lines:?}"
    );
    let prof = lines.last().unwrap()["data"].clone();
    assert_eq!(prof["rows"], 120);
    let col = |name: &str| -> Value {
        prof["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .clone()
    };
    let vc = |v: &Value| {
        (
            v["value"].as_str().unwrap().to_string(),
            v["count"].as_i64().unwrap(),
        )
    };
    let top = |c: &Value, list: &str| -> Vec<(String, i64)> {
        c[list].as_array().unwrap().iter().map(vc).collect()
    };
    let s = |v: &str| v.to_string();

    let dob = col("DOB");
    assert_eq!(
        (dob["rows"].as_i64(), dob["blanks"].as_i64()),
        (Some(120), Some(1))
    );
    assert_eq!(dob["distinct"], 118, "119 dates, 02/09/1988 twice");
    assert_eq!(top(&dob, "top_patterns"), vec![(s("99/99/9999"), 119)]);
    assert_eq!(top(&dob, "top_values")[0], (s("02/09/1988"), 2));
    assert_eq!(dob["inferred"]["kind"], "date");
    assert_eq!(dob["inferred"]["format"], "MM/DD/YYYY");
    assert_eq!(dob["inferred"]["fits"], 118, "02/30/1975 is not a date");
    assert_eq!(
        (dob["min"].as_str(), dob["max"].as_str()),
        (Some("02/19/1931"), Some("01/01/2031"))
    );
    assert_eq!(
        (dob["min_length"].as_i64(), dob["max_length"].as_i64()),
        (Some(10), Some(10))
    );

    let sex = col("SEX");
    assert_eq!(
        top(&sex, "top_values"),
        vec![(s("F"), 62), (s("M"), 57), (s("X"), 1)]
    );
    assert_eq!(
        (sex["blanks"].as_i64(), sex["distinct"].as_i64()),
        (Some(0), Some(3))
    );
    assert_eq!(sex["inferred"]["kind"], "text");

    // ZIP: digits with leading zeros are a code, not a number.
    let zip = col("ZIP");
    assert_eq!(zip["blanks"], 1, "the short row 29 has no ZIP");
    assert_eq!(zip["inferred"]["kind"], "code");
    assert_eq!(zip["inferred"]["fits"], 119);
    assert_eq!(
        (zip["min"].as_str(), zip["max"].as_str()),
        (Some("01096"), Some("08998"))
    );

    let mrn = col("MRN");
    assert_eq!(
        (mrn["blanks"].as_i64(), mrn["distinct"].as_i64()),
        (Some(1), Some(118))
    );
    assert_eq!(
        top(&mrn, "top_values")[0],
        (s("MRN100022"), 2),
        "the duplicate MRN"
    );
    assert_eq!(top(&mrn, "top_patterns"), vec![(s("AAA999999"), 119)]);
    assert_eq!(top(&col("PHONE"), "top_values")[0], (s("555-0142"), 6));
    for c in prof["columns"].as_array().unwrap() {
        assert_eq!(c["distinct_capped"], false);
        assert_eq!(c["top_values_partial"], false);
    }

    // Kept in the project: asking again gives the same profile without reading rows.
    let again = cutover(&["-p", &p.path, "profile", "patients", "--json"]);
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(!again.contains("\"progress\""), "no progress: {again}");
    assert!(again.contains(prof["profiled_at"].as_str().unwrap()));
    let refreshed = json_ok(&["-p", &p.path, "profile", "patients", "--refresh"]);
    assert_eq!(refreshed["columns"], prof["columns"]);

    let one = json_ok(&["-p", &p.path, "profile", "patients", "--column", "sex"]);
    assert_eq!(one["columns"].as_array().unwrap().len(), 1);
    assert_eq!(one["columns"][0]["name"], "SEX");
    let err = json_err(&["-p", &p.path, "profile", "patients", "--column", "NOPE"]);
    assert_eq!(err["code"], "bad_input");
    assert!(err["message"].as_str().unwrap().contains("DOB"), "{err}");
    let err = json_err(&["-p", &p.path, "profile", "visits"]);
    assert_eq!(err["code"], "not_found");

    // The grid's filters pick exactly the rows the profile counts.
    let total = |args: &[&str]| {
        let page = json_ok(&[&["-p", &p.path, "show", "patients"][..], args].concat());
        page["total_rows"].as_i64().unwrap()
    };
    assert_eq!(total(&["--equals", "SEX=F"]), 62);
    assert_eq!(total(&["--equals", "SEX=f"]), 0, "equals is exact");
    assert_eq!(total(&["--pattern", "DOB=99/99/9999"]), 119);
    assert_eq!(total(&["--equals", "DOB="]), 1, "the blank DOB");
    assert_eq!(total(&["--equals", "ZIP="]), 1, "the missing ZIP of row 29");
    assert_eq!(total(&["--equals", "SEX=M", "--pattern", "ZIP=99999"]), 56);

    // People read a compact block per column.
    let human = cutover(&["-p", &p.path, "profile", "patients"]);
    let human = String::from_utf8_lossy(&human.stdout);
    for expected in [
        "patients: 120 rows",
        "DOB — date MM/DD/YYYY: 118 of 119 values fit (99.2%)",
        "ZIP — code (digits, leading zeros kept): 119 of 119 values fit (100%)",
        "blanks 1 (0.8%)   distinct 118   length 10   min 02/19/1931   max 01/01/2031",
        "99/99/9999",
    ] {
        assert!(human.contains(expected), "{expected:?} in:\n{human}");
    }
}

#[test]
fn bad_input_gets_a_clear_error_naming_the_file() {
    let p = new_project();
    let missing = json_err(&["-p", &p.path, "import", "/nonexistent/patients.csv"]);
    assert_eq!(missing["code"], "not_found");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/patients.csv")
    );

    let binary = json_err(&["-p", &p.path, "import", &fixture("bad/binary.csv")]);
    assert_eq!(binary["code"], "bad_input");
    assert!(
        binary["message"]
            .as_str()
            .unwrap()
            .starts_with("binary.csv: not a text file"),
        "{binary}"
    );

    let empty = json_err(&["-p", &p.path, "import", &fixture("bad/empty.csv")]);
    assert_eq!(empty["message"], "empty.csv: the file is empty");

    let spec = json_err(&["-p", &p.path, "map", &fixture("bad/unknown-target.toml")]);
    assert_eq!(spec["code"], "bad_input");
    assert!(
        spec["message"]
            .as_str()
            .unwrap()
            .contains("unknown-target.toml: element 1 (sex): unknown Patient target"),
        "{spec}"
    );

    let not_project = json_err(&["-p", &fixture("patients.csv"), "status"]);
    assert_eq!(not_project["code"], "not_a_project");
    assert!(
        not_project["message"]
            .as_str()
            .unwrap()
            .contains("patients.csv")
    );

    // A project written by a newer Cutover is refused, untouched.
    let newer = tempfile::tempdir().unwrap();
    let newer_path = newer.path().join("newer.cutover");
    json_ok(&["new", newer_path.to_str().unwrap()]);
    bump_schema_version(&newer_path);
    let err = json_err(&["-p", newer_path.to_str().unwrap(), "status"]);
    assert_eq!(err["code"], "newer_schema");
    assert!(err["message"].as_str().unwrap().contains("newer.cutover"));

    let no_project = json_err(&["status"]);
    assert!(
        no_project["message"]
            .as_str()
            .unwrap()
            .contains("no project file given")
    );
}

/// Raise the file's `user_version` (bytes 60..64 of the SQLite header) past what this
/// Cutover knows, without linking SQLite into the test.
/// The CLI closed the project cleanly, so SQLite checkpointed the WAL into the file.
fn bump_schema_version(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[60..64].copy_from_slice(&999u32.to_be_bytes());
    std::fs::write(path, bytes).unwrap();
}

/// The test FHIR server: `node tests/fhir-server/server.mjs --port 0`.
struct FhirServer {
    child: Child,
    base: String,
}

impl FhirServer {
    fn start() -> FhirServer {
        let dir = repo().join("tests/fhir-server");
        assert!(
            dir.join("node_modules").is_dir(),
            "the test FHIR server is not installed: run `npm ci --prefix tests/fhir-server` (the README's test command does)"
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("server prints its address").unwrap();
            if let Some(url) = line.strip_prefix("FHIR server listening on ") {
                break url.trim().to_string();
            }
        };
        // Keep draining the request log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        FhirServer { child, base }
    }

    fn count(&self, query: &str) -> usize {
        let out = Command::new("curl")
            .args(["-s", &format!("{}/Patient?{query}", self.base)])
            .output()
            .expect("curl runs");
        let bundle: Value = serde_json::from_slice(&out.stdout).expect("a search Bundle");
        bundle["entry"].as_array().map_or(0, |e| e.len())
    }
}

impl Drop for FhirServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn pushing_twice_leaves_exactly_one_patient_per_identifier() {
    let server = FhirServer::start();
    let p = imported_and_converted();
    json_ok(&["-p", &p.path, "validate"]);

    let dry = json_ok(&["-p", &p.path, "push", "--target", &server.base, "--dry-run"]);
    assert_eq!(
        (dry["attempted"].as_i64(), dry["created"].as_i64()),
        (Some(114), Some(0))
    );
    assert_eq!(server.count("_count=1000"), 0, "a dry run sends nothing");

    let first = json_ok(&["-p", &p.path, "push", "--target", &server.base]);
    assert_eq!(first["attempted"], 114, "only valid resources are pushed");
    assert_eq!(first["created"], 114);
    assert_eq!(first["rejected"], 0);

    // A re-run with nothing changed sends nothing.
    let rerun = json_ok(&["-p", &p.path, "push", "--target", &server.base]);
    assert_eq!(
        (rerun["attempted"].as_i64(), rerun["skipped"].as_i64()),
        (Some(0), Some(114))
    );

    // A fresh project over the same data (as after a lost project file) pushes again:
    // the conditional update finds every patient by identifier and updates it.
    let again = imported_and_converted();
    json_ok(&["-p", &again.path, "validate"]);
    let second = json_ok(&["-p", &again.path, "push", "--target", &server.base]);
    assert_eq!(
        (second["created"].as_i64(), second["updated"].as_i64()),
        (Some(0), Some(114))
    );

    assert_eq!(
        server.count("_count=1000"),
        114,
        "one Patient per valid legacy row"
    );
    for mrn in ["MRN100001", "MRN100022", "MRN100120"] {
        assert_eq!(
            server.count(&format!(
                "identifier=urn:oid:2.16.840.1.113883.3.9999.1%7C{mrn}"
            )),
            1,
            "exactly one Patient with identifier {mrn}"
        );
    }
    let status = json_ok(&["-p", &p.path, "status"]);
    assert_eq!(
        status["pushed"], 0,
        "status counts pushes to the project's target, which is not set"
    );
}

#[test]
fn an_unreachable_server_is_a_network_error_and_nothing_is_marked_pushed() {
    let p = imported_and_converted();
    json_ok(&["-p", &p.path, "validate"]);
    json_ok(&["-p", &p.path, "target", "http://127.0.0.1:9/fhir/R4"]);
    let err = json_err(&["-p", &p.path, "push"]);
    assert_eq!(err["code"], "network");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("http://127.0.0.1:9/fhir/R4")
    );
    let status = json_ok(&["-p", &p.path, "status"]);
    assert_eq!(status["pushed"], 0);
}

/// PHI never leaves the record: the logs of a full run (at debug level) carry ids and
/// counts, never the fixture's names or birth dates.
#[test]
fn logs_of_a_full_run_carry_no_phi() {
    let server = FhirServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phi.cutover").display().to_string();
    let mut logs = String::new();
    let steps: Vec<Vec<String>> = vec![
        vec!["new".into(), path.clone()],
        vec![
            "-p".into(),
            path.clone(),
            "import".into(),
            fixture("patients.csv"),
        ],
        vec![
            "-p".into(),
            path.clone(),
            "map".into(),
            fixture("mappings/patients.toml"),
        ],
        vec!["-p".into(), path.clone(), "convert".into()],
        vec!["-p".into(), path.clone(), "validate".into()],
        vec![
            "-p".into(),
            path.clone(),
            "profile".into(),
            "patients".into(),
        ],
        vec![
            "-p".into(),
            path.clone(),
            "push".into(),
            "--target".into(),
            server.base.clone(),
        ],
        vec![
            "-p".into(),
            path.clone(),
            "push".into(),
            "--target".into(),
            "http://127.0.0.1:9/fhir/R4".into(),
        ],
    ];
    for args in &steps {
        let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(args)
            .env("CUTOVER_LOG", "debug")
            .output()
            .unwrap();
        logs.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    assert!(
        logs.contains("push finished") && logs.contains("profiled snapshot"),
        "the logs were captured:\n{logs}"
    );
    let csv = std::fs::read_to_string(fixture("patients.csv")).unwrap();
    let mut phi: Vec<String> = Vec::new();
    for line in csv.lines().skip(1) {
        // PATIENT_NAME is quoted "LAST, FIRST M"; DOB is the field after it.
        let Some((_, rest)) = line.split_once(",\"") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once("\",") else {
            continue;
        };
        phi.extend(
            name.split([',', ' '])
                .filter(|w| w.len() > 2)
                .map(str::to_string),
        );
        if let Some(dob) = rest.split(',').next().filter(|d| d.len() == 10) {
            phi.push(dob.to_string());
            // And as the converted resource carries it.
            let (m, d, y) = (&dob[0..2], &dob[3..5], &dob[6..10]);
            phi.push(format!("{y}-{m}-{d}"));
        }
    }
    assert!(
        phi.len() > 300,
        "the scan has the fixture's names and dates to look for"
    );
    for value in &phi {
        assert!(
            !logs.contains(value.as_str()),
            "the logs contain legacy value {value:?}"
        );
    }
}

#[test]
fn a_newer_export_is_a_snapshot_and_the_diff_names_what_changed() {
    let p = new_project();
    json_ok(&["-p", &p.path, "import", &fixture("patients.csv")]);
    let second = &json_ok(&[
        "-p",
        &p.path,
        "import",
        &fixture("patients_v2.csv"),
        "--source",
        "patients",
    ])[0];
    assert_eq!(
        (second["seq"].as_u64(), second["rows"].as_u64()),
        (Some(2), Some(120))
    );

    let diff = json_ok(&["-p", &p.path, "diff", "patients", "--key", "MRN"]);
    let s = &diff["summary"];
    assert_eq!(
        (
            s["added"].as_i64(),
            s["removed"].as_i64(),
            s["changed"].as_i64(),
            s["unchanged"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(115)),
        "MRN100121 added, MRN100005 removed, MRN100002's birth date corrected; 117 unique keys in the old export"
    );
    assert_eq!(
        s["duplicate_keys"], 6,
        "per snapshot: row 19 has no MRN, rows 22 and 23 share one"
    );
    let rows = diff["rows"].as_array().unwrap();
    assert_eq!(rows[0]["kind"], "changed");
    assert_eq!(rows[0]["key"][0], "MRN100002");
    assert_eq!(
        rows[0]["changed_columns"],
        serde_json::json!([2]),
        "only DOB changed"
    );
    assert_eq!(rows[1]["kind"], "added");
    assert_eq!(rows[1]["key"][0], "MRN100121");
    assert_eq!(rows[2]["kind"], "removed");
    assert_eq!(rows[2]["key"][0], "MRN100005");

    let human = cutover(&["-p", &p.path, "diff", "patients", "--key", "MRN"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("~ MRN100002 (rows 2→2): DOB: 02/14/2014 → 02/15/2014"),
        "{text}"
    );
}

#[test]
fn preview_shows_detected_settings_and_first_rows_without_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("legacy.txt");
    // Windows-1252, semicolon-delimited, as an old European export would be.
    std::fs::write(
        &csv,
        b"ID;NAME;CITY\r\n1;Mu\xF1oz;S\xE3o Paulo\r\n2;Zo\xEB;Z\xFCrich\r\n",
    )
    .unwrap();
    let preview = json_ok(&["import", csv.to_str().unwrap(), "--preview"]);
    assert_eq!(preview["format"], "delimited");
    let t = &preview["tables"][0];
    assert_eq!(t["detected"], "windows-1252, delimiter ';', header row");
    assert_eq!(t["columns"], serde_json::json!(["ID", "NAME", "CITY"]));
    assert_eq!(t["rows"][0], serde_json::json!(["1", "Muñoz", "São Paulo"]));
    assert_eq!(t["rows"][1], serde_json::json!(["2", "Zoë", "Zürich"]));

    // Imported into a project, the values are the same, and an override is honoured.
    let p = new_project();
    let imported = &json_ok(&["-p", &p.path, "import", csv.to_str().unwrap()])[0];
    assert_eq!(
        imported["detected"],
        "windows-1252, delimiter ';', header row"
    );
    let page = json_ok(&["-p", &p.path, "show", "legacy"]);
    assert_eq!(page["rows"][0]["values"][1], "Muñoz");
    let forced = json_ok(&[
        "import",
        csv.to_str().unwrap(),
        "--preview",
        "--encoding",
        "utf-8",
        "--delimiter",
        ",",
    ]);
    assert_eq!(
        forced["tables"][0]["columns"],
        serde_json::json!(["ID;NAME;CITY"])
    );

    // An export without a header row: detected, the columns named, the first row kept as
    // data on line 1; `--header-row yes` takes it as the header after all.
    let bare = dir.path().join("bare.csv");
    std::fs::write(
        &bare,
        "1001,SMITH,01/02/1980\n1002,JONES,12/30/1975\n1003,SMITH,03/04/1990\n",
    )
    .unwrap();
    let t = &json_ok(&["import", bare.to_str().unwrap(), "--preview"])["tables"][0];
    assert_eq!(t["header_row"], false);
    assert_eq!(
        t["detected"],
        "UTF-8, delimiter ',', no header row (first row is data)"
    );
    assert_eq!(
        t["columns"],
        serde_json::json!(["column_1", "column_2", "column_3"])
    );
    assert_eq!(
        t["rows"][0],
        serde_json::json!(["1001", "SMITH", "01/02/1980"])
    );
    assert_eq!(t["rows"].as_array().unwrap().len(), 3);
    let imported = &json_ok(&["-p", &p.path, "import", bare.to_str().unwrap()])[0];
    assert_eq!(imported["rows"], 3);
    let page = json_ok(&["-p", &p.path, "show", "bare"]);
    assert_eq!(page["rows"][0]["line"], 1);
    assert_eq!(page["rows"][0]["values"][0], "1001");
    let t = &json_ok(&[
        "import",
        bare.to_str().unwrap(),
        "--preview",
        "--header-row",
        "yes",
    ])["tables"][0];
    assert_eq!(t["header_row"], true);
    assert_eq!(
        t["columns"],
        serde_json::json!(["1001", "SMITH", "01/02/1980"])
    );
    assert_eq!(t["rows"].as_array().unwrap().len(), 2);
}

#[test]
fn a_crosswalk_covers_the_lab_codes_of_a_source_and_exports_as_a_concept_map() {
    let p = new_project();
    let loaded = json_ok(&[
        "-p",
        &p.path,
        "crosswalk",
        "load",
        &fixture("crosswalks/lab_codes.csv"),
        "--name",
        "lab_codes",
    ]);
    assert_eq!(loaded["rows"], 13, "every code of lab_codes.csv is loaded");
    assert_eq!(
        loaded["key_column"], "TEST_CODE",
        "the first column by default"
    );
    assert_eq!(
        loaded["columns"],
        serde_json::json!(["loinc", "display", "unit"])
    );
    assert_eq!(loaded["problems"], serde_json::json!([]));
    json_ok(&["-p", &p.path, "import", &fixture("labs.csv")]);

    let r = json_ok(&[
        "-p",
        &p.path,
        "crosswalk",
        "coverage",
        "lab_codes",
        "--source",
        "labs",
        "--column",
        "TEST_CODE",
    ]);
    let figures: Vec<i64> = [
        "rows",
        "blank_rows",
        "distinct_codes",
        "mapped_codes",
        "mapped_rows",
        "unmapped_rows",
    ]
    .iter()
    .map(|k| r[k].as_i64().unwrap())
    .collect();
    assert_eq!(
        figures,
        [40, 1, 13, 11, 35, 4],
        "labs.csv: 40 rows, one blank code, 11 mapped codes over 35 rows, VITD and FERR unmapped"
    );
    assert!((r["rows_covered_percent"].as_f64().unwrap() - 35.0 * 100.0 / 39.0).abs() < 1e-9);
    let unmapped: Vec<(&str, i64)> = r["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["mapped"] == false)
        .map(|v| (v["value"].as_str().unwrap(), v["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(unmapped, [("VITD", 3), ("FERR", 1)], "most frequent first");
    assert_eq!(r["values"][0]["value"], "GLU");
    assert_eq!(r["values"][0]["count"], 6);
    assert_eq!(
        r["values"][1]["value"], "K",
        "'K ' with a trailing space counts as K (5 rows)"
    );
    assert_eq!(r["values"][1]["count"], 5);

    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("lab_codes.conceptmap.json");
    let written = json_ok(&[
        "-p",
        &p.path,
        "crosswalk",
        "conceptmap",
        "lab_codes",
        "--target-column",
        "loinc",
        "--display-column",
        "display",
        "--source-system",
        "urn:cutover:legacy-lab",
        "--target-system",
        "http://loinc.org",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(written["elements"], 13);
    let map: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(map["resourceType"], "ConceptMap");
    assert_eq!(map["status"], "active");
    let elements = map["group"][0]["element"].as_array().unwrap();
    assert_eq!(elements.len(), 13, "one element per code");
    let unmatched: Vec<&Value> = elements
        .iter()
        .filter(|e| e["target"][0]["equivalence"] == "unmatched")
        .collect();
    assert_eq!(unmatched.len(), 1, "MISC has no LOINC");
    assert_eq!(unmatched[0]["code"], "MISC");
    assert_eq!(unmatched[0]["target"][0].get("code"), None);

    let listed = json_ok(&["-p", &p.path, "crosswalk", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let page = json_ok(&[
        "-p",
        &p.path,
        "crosswalk",
        "show",
        "lab_codes",
        "--limit",
        "2",
    ]);
    assert_eq!(page["total"], 13);
    assert_eq!(page["entries"][1]["code"], "NA");

    let missing = json_err(&[
        "-p",
        &p.path,
        "crosswalk",
        "coverage",
        "lab_codes",
        "--source",
        "labs",
        "--column",
        "CPT",
    ]);
    assert_eq!(missing["code"], "bad_input");
}

/// The clinic fixtures, converted by their specs in a fresh project: every resource,
/// exported as NDJSON, with ids and references written as `Type|system|value` so the
/// output does not depend on the project's id namespace; with what `validate` and
/// `convert` said.
fn convert_clinic(
    p: &Project,
    specs: &[String],
    logs: &mut String,
) -> (BTreeMap<String, Value>, Value, Value) {
    let clinic = |f: &str| fixture(&format!("clinic/{f}"));
    let mut json_ok = |args: &[&str]| json_ok_logged(args, logs);
    for source in [
        "patients",
        "practitioners",
        "locations",
        "appointments_boston",
        "appointments_phoenix",
        "labs",
        "notes",
        "encounters",
    ] {
        json_ok(&["-p", &p.path, "import", &clinic(&format!("{source}.csv"))]);
    }
    json_ok(&[
        "-p",
        &p.path,
        "crosswalk",
        "load",
        &clinic("lab_codes.csv"),
        "--name",
        "lab_codes",
    ]);
    for spec in specs {
        json_ok(&["-p", &p.path, "map", spec]);
    }
    let converted = json_ok(&["-p", &p.path, "convert"]);
    let validated = json_ok(&["-p", &p.path, "validate"]);
    let out = std::path::Path::new(&p.path).with_file_name("export");
    json_ok(&["-p", &p.path, "export", "--out", out.to_str().unwrap()]);
    let mut all: Vec<Value> = Vec::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ndjson") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                all.push(serde_json::from_str(line).unwrap());
            }
        }
    }
    let key = |r: &Value| {
        format!(
            "{}|{}|{}",
            r["resourceType"].as_str().unwrap(),
            r["identifier"][0]["system"].as_str().unwrap(),
            r["identifier"][0]["value"].as_str().unwrap()
        )
    };
    let ids: BTreeMap<String, String> = all
        .iter()
        .map(|r| {
            (
                format!(
                    "{}/{}",
                    r["resourceType"].as_str().unwrap(),
                    r["id"].as_str().unwrap()
                ),
                key(r),
            )
        })
        .collect();
    fn normalise(v: &mut Value, ids: &BTreeMap<String, String>) {
        match v {
            Value::Object(m) => {
                m.remove("id");
                if let Some(Value::String(r)) = m.get_mut("reference") {
                    *r = ids
                        .get(r.as_str())
                        .cloned()
                        .unwrap_or_else(|| "(not converted)".into());
                }
                m.values_mut().for_each(|x| normalise(x, ids));
            }
            Value::Array(a) => a.iter_mut().for_each(|x| normalise(x, ids)),
            _ => {}
        }
    }
    let mut by_key = BTreeMap::new();
    for mut r in all {
        let k = key(&r);
        normalise(&mut r, &ids);
        by_key.insert(k, r);
    }
    (by_key, validated, converted)
}

/// Where two JSON values differ, as paths.
fn json_differences(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                json_differences(&format!("{path}.{k}"), va, vb, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                json_differences(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ if a != b => out.push(format!("{path}: expected {b}, got {a}")),
        _ => {}
    }
}

#[test]
fn clinic_exports_convert_to_the_golden_fhir_and_specs_travel_between_projects() {
    let specs: Vec<String> = std::fs::read_dir(repo().join("fixtures/clinic/mappings"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let first = new_project();
    let mut logs = String::new();
    let (resources, validated, converted) = convert_clinic(&first, &specs, &mut logs);
    // The logs and progress of the whole run carry ids and counts, never patient data.
    assert!(logs.contains("conversion finished"), "logs were captured");
    for phi in [
        "MUÑOZ",
        "Muñoz",
        "BRIEN",
        "NGUYEN",
        "Adeyemi",
        "KOWALSKI",
        "HALVORSEN",
        "OKAFOR",
        "3/15/61",
        "1961-03-15",
        "12/1/05",
        "2005-12-01",
        "123-45-6780",
        "123456780",
        "078-05-1121",
        "078051121",
        "(617) 555-0142",
        "+16175550142",
        "Metformin",
        "NEGATIVE",
    ] {
        assert!(!logs.contains(phi), "{phi:?} in the logs of a full run");
    }

    // Every resource is R4 (the schema check runs on each); the only validation errors
    // are the planted ones: a patient without birth date and sex, an appointment for a
    // patient who is not in the export, and the booked appointment whose local start fell
    // in the spring-forward gap (no start: FHIR's app-3).
    let rules: BTreeMap<String, i64> = validated["by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        BTreeMap::from([
            ("reference.unresolved".to_string(), 1),
            ("required.appointment.start".to_string(), 1),
            ("required.birthDate".to_string(), 1),
            ("required.gender".to_string(), 1),
        ])
    );
    // Still 28: the two rows the fixture gained (a correction, a booking entered twice)
    // are merged into records it already had.
    assert_eq!(validated["checked"], 28);

    // Compared field by field with the golden file (UPDATE_GOLDEN=1 rewrites it).
    let golden_path = repo().join("fixtures/clinic/expected.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(
            &golden_path,
            serde_json::to_string_pretty(&resources).unwrap() + "\n",
        )
        .unwrap();
    }
    let golden: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(&golden_path).unwrap()).unwrap();
    assert_eq!(
        resources.keys().collect::<Vec<_>>(),
        golden.keys().collect::<Vec<_>>(),
        "the same resources"
    );
    let mut differences = Vec::new();
    for (k, expected) in &golden {
        json_differences(k, &resources[k], expected, &mut differences);
    }
    assert!(
        differences.is_empty(),
        "differences from the golden file:\n{}",
        differences.join("\n")
    );

    // A few values the golden file holds, stated here so a wrong golden file cannot pass.
    // Lab results are identified by accession and test.
    let obs =
        |id: &str| &resources[&format!("Observation|urn:oid:2.16.840.1.113883.3.9999.5|{id}")];
    let appt =
        |id: &str| &resources[&format!("Appointment|urn:oid:2.16.840.1.113883.3.9999.4|{id}")];
    let patient =
        |mrn: &str| &resources[&format!("Patient|urn:oid:2.16.840.1.113883.3.9999.1|{mrn}")];
    assert_eq!(
        patient("C1001")["name"][0]["family"],
        "MUÑOZ",
        "cp1252 decoded"
    );
    assert_eq!(
        patient("C1001")["birthDate"],
        "1961-03-15",
        "3/15/61 is in the past"
    );
    assert_eq!(
        patient("C1004")["birthDate"],
        "2024-01-02",
        "1/2/24 is not a 1924 birth"
    );
    assert_eq!(
        patient("C1001")["address"][0]["postalCode"],
        "02139",
        "leading zero restored (MA)"
    );
    assert_eq!(
        patient("C1002")["identifier"].as_array().unwrap().len(),
        1,
        "placeholder SSN dropped"
    );
    assert_eq!(
        appt("A5003")["start"],
        "2024-03-10T09:30:00-04:00",
        "after spring-forward"
    );
    assert_eq!(
        appt("A5004")["start"],
        "2024-11-03T01:30:00-04:00",
        "ambiguous: the earlier"
    );
    assert_eq!(
        appt("A5005")["start"],
        "2024-11-03T14:05:00-05:00",
        "after fall-back"
    );
    assert_eq!(
        appt("P7001")["start"],
        "2024-03-10T02:30:00-07:00",
        "Phoenix has no DST"
    );
    assert!(
        !resources.contains_key("Appointment|urn:oid:2.16.840.1.113883.3.9999.4|A5002"),
        "2:30 on spring-forward day does not exist: the booked appointment has no start, \
         fails validation (app-3) and is not exported"
    );
    assert_eq!(
        appt("A5001")["participant"][0]["actor"]["reference"],
        "Patient|urn:oid:2.16.840.1.113883.3.9999.1|C1001"
    );
    assert_eq!(obs("L901-TSH")["valueQuantity"]["comparator"], "<");
    assert_eq!(obs("L903-A1C")["valueQuantity"]["comparator"], ">");
    assert_eq!(obs("L904-UPREG")["valueString"], "NEGATIVE");
    assert_eq!(obs("L902-HGB")["status"], "corrected");
    assert_eq!(obs("L900-GLU")["valueQuantity"]["code"], "mg/dL", "UCUM");
    assert_eq!(
        obs("L900-GLU")["code"]["coding"][0]["code"],
        "2345-7",
        "LOINC from the crosswalk"
    );
    assert!(
        obs("L905-VITD")["code"].get("coding").is_none(),
        "unmapped: kept with its text"
    );
    // Duplicates: L900's glucose was corrected later (another value): one Observation,
    // the correction's. A5007 is A5001 entered again and cancelled: one appointment,
    // the booked one.
    assert_eq!(
        resources
            .keys()
            .filter(|k| k.starts_with("Observation|"))
            .count(),
        6,
        "one Observation per accession and test"
    );
    assert_eq!(obs("L900-GLU")["status"], "corrected");
    assert_eq!(
        obs("L900-GLU")["valueQuantity"]["value"],
        128,
        "the corrected value"
    );
    assert_eq!(
        obs("L900-GLU")["effectiveDateTime"],
        "2024-03-01T10:15:00-05:00"
    );
    assert_eq!(appt("A5001")["status"], "booked");
    assert!(
        !resources.contains_key("Appointment|urn:oid:2.16.840.1.113883.3.9999.4|A5007"),
        "the cancelled copy is merged, not converted"
    );
    let mut merged = BTreeMap::new();
    for c in converted.as_array().unwrap() {
        *merged
            .entry(c["resource_type"].as_str().unwrap().to_string())
            .or_insert(0) += c["duplicates"].as_i64().unwrap();
        assert_eq!(
            c["rows_read"].as_i64().unwrap(),
            ["converted", "failed", "duplicates"]
                .iter()
                .map(|k| c[k].as_i64().unwrap())
                .sum::<i64>(),
            "every row accounted for"
        );
    }
    assert_eq!(merged["Observation"], 1);
    assert_eq!(merged["Appointment"], 1);
    // Each merged row has a finding that names the kept row and resource, no values;
    // the resource's lineage leads to the kept row.
    let findings = json_ok(&["-p", &first.path, "findings", "--limit", "1000"]);
    let duplicates: Vec<&Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("duplicate."))
        .collect();
    let got: Vec<(&str, i64, i64, &str, &str)> = duplicates
        .iter()
        .map(|f| {
            (
                f["file_name"].as_str().unwrap(),
                f["row"].as_i64().unwrap(),
                f["line"].as_i64().unwrap(),
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "appointments_boston.csv",
                7,
                8,
                "duplicate.appointment",
                "warning"
            ),
            ("labs.csv", 1, 2, "duplicate.superseded", "warning"),
        ]
    );
    for (f, (kept_row, kept_identifier)) in duplicates.iter().zip([(1, "A5001"), (7, "L900-GLU")]) {
        // The message names the kept resource's id too: leave it out of the scan.
        let message = f["message"]
            .as_str()
            .unwrap()
            .replace(f["resource_id"].as_str().unwrap(), "");
        assert!(
            message.contains(&format!("row {kept_row} (line {})", kept_row + 1)),
            "{message}"
        );
        for value in [
            "C1001",
            "DR01",
            "128",
            "129",
            "GLU",
            "0930",
            "9:30",
            "03/09/2024",
        ] {
            assert!(!message.contains(value), "no values in {message:?}");
        }
        let lineage = json_ok(&[
            "-p",
            &first.path,
            "lineage",
            f["resource_id"].as_str().unwrap(),
            "--element",
            "identifier",
        ]);
        assert_eq!(lineage["row"], kept_row);
        assert_eq!(lineage["elements"][0]["output"], kept_identifier);
    }

    let note = &resources["DocumentReference|urn:oid:2.16.840.1.113883.3.9999.6|N301"];
    assert_eq!(
        note["description"].as_str().unwrap().chars().count(),
        200,
        "truncated"
    );

    // Each spec exported from the first project and loaded into a second converts the
    // same exports identically.
    let dir = tempfile::tempdir().unwrap();
    let mut exported = Vec::new();
    for m in json_ok(&["-p", &first.path, "mapping", "show", "clinic-patients"])["versions"]
        .as_array()
        .unwrap()
    {
        assert_eq!(m["version"], 1);
    }
    for spec in &specs {
        let text = std::fs::read_to_string(spec).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("name = "))
            .unwrap()
            .trim_matches('"')
            .to_string();
        let out = dir.path().join(format!("{name}.toml"));
        json_ok(&[
            "-p",
            &first.path,
            "mapping",
            "export",
            &name,
            "--out",
            out.to_str().unwrap(),
        ]);
        exported.push(out.display().to_string());
    }
    let second = new_project();
    let (again, _, _) = convert_clinic(&second, &exported, &mut String::new());
    assert_eq!(again, resources);
}

#[test]
fn suggestions_for_patients_write_a_spec_that_loads_and_converts() {
    let p = new_project();
    json_ok(&["-p", &p.path, "import", &fixture("patients.csv")]);
    let list = json_ok(&[
        "-p",
        &p.path,
        "mapping",
        "suggest",
        "patients",
        "--resource",
        "Patient",
    ]);
    let got: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["column"].as_str().unwrap().to_string(),
                s["target"].as_str().unwrap().to_string(),
                s["transforms"].to_string(),
            )
        })
        .collect();
    let expected = [
        ("DOB", "birthDate", r#"["trim","date_mdy"]"#),
        ("ZIP", "address[0].postalCode", r#"["trim","zip"]"#),
        ("PATIENT_NAME", "name[0]", r#"["trim","split_name"]"#),
        (
            "SEX",
            "gender",
            r#"["trim",{"map":{"F":"female","M":"male","U":"unknown"}}]"#,
        ),
        ("MRN", "identifier", r#"["trim"]"#),
        ("PHONE", "telecom[0].value", r#"["trim"]"#),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(c, t, x)| (c.to_string(), t.to_string(), x.to_string()))
        .collect();
    assert_eq!(
        got, expected,
        "one suggestion per column, most confident first"
    );
    let text = serde_json::to_string(&list).unwrap();
    for value in ["MRN100001", "ABERNATHY", "09/03/2000", "555-0148", "04183"] {
        assert!(
            !text.contains(value),
            "reasons never quote values ({value})"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("suggested.toml");
    let spec = spec.to_str().unwrap();
    json_ok(&[
        "-p",
        &p.path,
        "mapping",
        "suggest",
        "patients",
        "--resource",
        "Patient",
        "--write",
        spec,
        "--name",
        "suggested",
        "--system",
        "urn:oid:2.16.840.1.113883.3.9999.1",
    ]);
    let m = json_ok(&["-p", &p.path, "map", spec]);
    assert_eq!(
        (m["name"].as_str(), m["version"].as_u64()),
        (Some("suggested"), Some(1))
    );
    let converted = json_ok(&["-p", &p.path, "convert"]);
    assert_eq!(converted[0]["rows_read"], 120);
    assert_eq!(
        converted[0]["converted"], 118,
        "the written spec converts every row with a unique MRN"
    );
}

/// The FEBRL 3 benchmark (5,000 rows, 6,538 true duplicate pairs) as a project: imported,
/// mapped to Patient and converted.
fn febrl3_project() -> Project {
    let p = new_project();
    json_ok(&["-p", &p.path, "import", &fixture("febrl/febrl3.csv")]);
    json_ok(&["-p", &p.path, "map", &fixture("febrl/patients.toml")]);
    let c = json_ok(&["-p", &p.path, "convert"]);
    assert_eq!(c[0]["converted"], 5000);
    p
}

#[test]
fn matching_febrl3_links_duplicates_reviews_and_keeps_names_out_of_the_logs() {
    let p = febrl3_project();
    let pp = p.path.as_str();
    let mut logs = String::new();

    // Blocking is measured before a run; an over-broad rule is refused by name.
    let preview = json_ok_logged(&["-p", pp, "match", "preview"], &mut logs);
    assert_eq!(preview["records"], 5000);
    let rules = preview["rules"].as_array().unwrap();
    assert!(rules.len() >= 7 && rules.iter().all(|r| r["pairs"].as_i64() > Some(1000)));
    let total = preview["total_pairs"].as_i64().unwrap();
    assert!(
        (5_000..50_000).contains(&total),
        "distinct candidate pairs: {total}"
    );
    let err = json_err(&["-p", pp, "match", "run", "--max-pairs-per-rule", "100"]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("over the limit of 100"),
        "{err}"
    );
    let refused = json_ok(&["-p", pp, "match", "preview", "--max-pairs-per-rule", "100"]);
    assert!(
        refused["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["refused"] == true)
    );

    // A run at the default thresholds, measured against the truth it never saw.
    let run = json_ok_logged(&["-p", pp, "match", "run"], &mut logs);
    assert_eq!(run["records"], 5000);
    assert_eq!(
        run["review_pairs"], 0,
        "FEBRL's weights leave no doubtful pairs"
    );
    let e = json_ok_logged(
        &["-p", pp, "match", "evaluate", "--labels", "entity_id"],
        &mut logs,
    );
    assert_eq!(e["labelled_records"], 5000);
    assert_eq!(e["true_pairs"], 6538);
    let (precision, f1) = (
        e["link"]["precision"].as_f64().unwrap(),
        e["link"]["f1"].as_f64().unwrap(),
    );
    assert!(
        precision >= 0.998 && f1 >= 0.99,
        "link band P {precision} F1 {f1}"
    );
    assert!(e["clusters"]["f1"].as_f64().unwrap() >= f1);
    assert!(e["blocking_recall"].as_f64().unwrap() > 0.99);
    assert!(e["by_threshold"].as_array().unwrap().len() >= 5);

    // A second run with a wide review band: decide, undo, decide again.
    let run2 = json_ok_logged(
        &["-p", pp, "match", "run", "--link", "25", "--review", "0"],
        &mut logs,
    );
    let run_id = run2["id"].as_i64().unwrap().to_string();
    let reviews = run2["review_pairs"].as_i64().unwrap();
    assert!(reviews >= 10, "review band: {reviews}");
    let page = json_ok(&[
        "-p", pp, "match", "pairs", "--band", "review", "--limit", "3",
    ]);
    assert_eq!(page["total"], reviews);
    let pair = |i: usize| {
        (
            page["pairs"][i]["left_id"].as_str().unwrap().to_owned(),
            page["pairs"][i]["right_id"].as_str().unwrap().to_owned(),
        )
    };
    let (l0, r0) = pair(0);
    let d = json_ok_logged(
        &[
            "-p",
            pp,
            "match",
            "decide",
            &l0,
            &r0,
            "same",
            "--reason",
            "same address and SSN",
            "--reviewer",
            "ana",
        ],
        &mut logs,
    );
    assert_eq!(d["verdict"], "same");
    assert_eq!(d["reviewer"], "ana");
    let undone = json_ok_logged(&["-p", pp, "match", "undo"], &mut logs);
    assert_eq!(undone["id"], d["id"], "undo takes back the latest decision");
    let pending = json_ok(&[
        "-p",
        pp,
        "match",
        "pairs",
        "--band",
        "review",
        "--undecided",
    ]);
    assert_eq!(
        pending["total"], reviews,
        "the undone pair is pending again"
    );
    json_ok_logged(
        &[
            "-p",
            pp,
            "match",
            "decide",
            &r0,
            &l0,
            "different",
            "--reviewer",
            "ana",
            "--reason",
            "twins per chart",
        ],
        &mut logs,
    );
    let shown = json_ok(&["-p", pp, "match", "show", &l0, &r0]);
    assert_eq!(shown["pair"]["decision"]["verdict"], "different");
    assert_eq!(shown["pair"]["decision"]["reason"], "twins per chart");
    assert_eq!(
        shown["history"].as_array().unwrap().len(),
        2,
        "the undone one is kept"
    );
    let fields = shown["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 9);
    let explained: f64 = shown["prior"].as_f64().unwrap()
        + fields
            .iter()
            .map(|f| f["weight"].as_f64().unwrap())
            .sum::<f64>();
    assert!(
        (explained - shown["pair"]["weight"].as_f64().unwrap()).abs() < 1e-6,
        "the weight is the prior plus the fields' weights"
    );
    assert!(
        fields.iter().any(|f| f["left"].is_string()),
        "a clinical view shows values"
    );
    let blind = json_ok(&["-p", pp, "match", "show", &l0, &r0, "--blind"]);
    assert!(blind["pair"]["weight"].is_null() && blind["prior"].is_null());
    assert!(
        blind["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["weight"].is_null())
    );

    // Pairs out as CSV, one decision back in from an edited copy.
    let csv_path = Path::new(pp).with_extension("pairs.csv");
    let exported = json_ok(&[
        "-p",
        pp,
        "match",
        "export",
        "--out",
        csv_path.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("left_id,right_id,weight,band,never_merge,decision,reviewer,decided_at")
    );
    assert_eq!(lines.count() as i64, exported["pairs"].as_i64().unwrap());
    assert!(text.contains(&format!("{l0},{r0},")) && text.contains(",different,ana,"));
    let (l1, r1) = pair(1);
    let edited = Path::new(pp).with_extension("decisions.csv");
    std::fs::write(
        &edited,
        format!("left_id,right_id,decision,reason\n{l1},{r1},same,checked chart\nnot-an-id,other,same,\n{l0},{r0},different,\n"),
    )
    .unwrap();
    let applied = json_ok_logged(
        &[
            "-p",
            pp,
            "match",
            "apply",
            edited.to_str().unwrap(),
            "--run",
            &run_id,
            "--reviewer",
            "ben",
        ],
        &mut logs,
    );
    assert_eq!(
        applied["applied"], 1,
        "the unchanged decision is not stacked"
    );
    assert_eq!(applied["unknown_pairs"], serde_json::json!([3]));
    let after = json_ok(&[
        "-p",
        pp,
        "match",
        "pairs",
        "--band",
        "review",
        "--undecided",
    ]);
    assert_eq!(after["total"].as_i64().unwrap(), reviews - 2);
    let clusters = json_ok(&["-p", pp, "match", "clusters", "--limit", "5"]);
    assert!(clusters["total"].as_i64().unwrap() > 1000);

    // Logs and progress of the whole run: ids, counts and weights; no names or dates.
    assert!(
        logs.contains("matching run stored"),
        "logs captured:\n{logs}"
    );
    let words: std::collections::HashSet<&str> = logs
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut reader = csv::Reader::from_path(fixture("febrl/febrl3.csv")).unwrap();
    let mut checked = 0;
    for row in reader.records().take(1000) {
        let row = row.unwrap();
        for i in [2, 3, 10, 11] {
            let value = row.get(i).unwrap_or("");
            if value.len() >= 4 {
                checked += 1;
                assert!(
                    !words.contains(value),
                    "the logs contain legacy value {value:?}"
                );
            }
        }
    }
    assert!(checked > 3000);
}

#[test]
fn the_ledger_accounts_for_every_clinic_row_and_fails_on_an_unmapped_source() {
    let p = new_project();
    let specs: Vec<String> = std::fs::read_dir(repo().join("fixtures/clinic/mappings"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|s| s.ends_with(".toml"))
        .collect();
    convert_clinic(&p, &specs, &mut String::new());
    let ledger = json_ok(&["-p", &p.path, "reconcile"]);
    assert_eq!(ledger["balanced"], true, "{ledger:#}");
    let lines = ledger["lines"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        8,
        "one line per source (each read by one mapping)"
    );
    let n = |l: &Value, k: &str| l[k].as_i64().unwrap();
    let mut rows = 0;
    for l in lines.iter().chain([&ledger["totals"]]) {
        assert_eq!(
            n(l, "rows"),
            n(l, "converted")
                + n(l, "merged")
                + n(l, "excluded")
                + n(l, "failed")
                + n(l, "unaccounted"),
            "{l}"
        );
        assert_eq!(
            n(l, "converted"),
            n(l, "accepted") + n(l, "rejected") + n(l, "pending")
        );
        if l["source"] != "all" {
            rows += n(l, "rows");
        }
    }
    assert_eq!(n(&ledger["totals"], "rows"), rows);
    assert_eq!(n(&ledger["totals"], "unaccounted"), 0);
    let failed: i64 = ledger["failed_by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_i64().unwrap())
        .sum();
    assert_eq!(failed, n(&ledger["totals"], "failed"));
    assert!(failed >= 1, "the planted invalid records fail by rule");

    // A source nobody maps leaves its rows unaccounted: the command fails and names them.
    json_ok(&[
        "-p",
        &p.path,
        "import",
        &fixture("labs.csv"),
        "--source",
        "stray",
    ]);
    let out = cutover(&["-p", &p.path, "reconcile", "--json"]);
    assert!(!out.status.success(), "an unbalanced ledger exits non-zero");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["type"] == "result")
        .unwrap()["data"]
        .clone();
    assert_eq!(report["balanced"], false);
    let stray = report["unaccounted_rows"].as_array().unwrap();
    assert!(!stray.is_empty() && stray.iter().all(|u| u["source"] == "stray"));
    assert_eq!(stray[0]["row"], 1);
    assert_eq!(stray[0]["reason"], "no mapping reads this source");
}

#[test]
fn a_clinician_sample_is_reproducible_stratified_and_gates_a_production_push() {
    let p = new_project();
    let pp = p.path.as_str();
    let specs: Vec<String> = std::fs::read_dir(repo().join("fixtures/clinic/mappings"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|s| s.ends_with(".toml"))
        .collect();
    convert_clinic(&p, &specs, &mut String::new());
    let draw = |seed: &str| {
        json_ok(&[
            "-p",
            pp,
            "sample",
            "draw",
            "--accuracy",
            "0.8",
            "--seed",
            seed,
            "--by",
            "ana",
        ])
    };
    let a = draw("42");
    let b = draw("42");
    let ids = |s: &Value| {
        json_ok(&["-p", pp, "sample", "items", &s["id"].to_string()])
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["resource_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // n / (n + 1.96²) ≥ 0.8 first holds at n = 16.
    assert_eq!(a["size"], 16);
    let population = a["population"].as_i64().unwrap();
    assert!(population > 16, "a real subset: {population}");
    assert_eq!(ids(&a), ids(&b), "the same seed draws the same sample");
    assert_ne!(ids(&a), ids(&draw("7")), "another seed, another sample");
    let strata = a["strata"].as_array().unwrap();
    assert!(
        strata.len() >= 5,
        "type × source × finding status: {strata:?}"
    );
    let drawn: i64 = strata.iter().map(|s| s["drawn"].as_i64().unwrap()).sum();
    assert_eq!(drawn, 16);
    for s in strata {
        let (pop, d) = (
            s["population"].as_i64().unwrap(),
            s["drawn"].as_i64().unwrap(),
        );
        assert!(d >= 1 && d <= pop, "every stratum is represented: {s}");
        // Proportional within the one-per-stratum floor and rounding.
        assert!(
            (d as f64 - pop as f64 * 16.0 / population as f64).abs() <= 1.5,
            "{s}"
        );
    }

    // A production target refuses a real push until the latest sample is signed off;
    // a dry run is allowed.
    json_ok(&[
        "-p",
        pp,
        "target",
        "http://127.0.0.1:9/fhir/R4",
        "--production",
    ]);
    let refused = json_err(&["-p", pp, "push"]);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("not signed off"),
        "{refused}"
    );
    json_ok(&["-p", pp, "push", "--dry-run"]);
    let latest = ids(&json_ok(&["-p", pp, "sample", "show"]));
    let early = json_err(&[
        "-p",
        pp,
        "sample",
        "signoff",
        "--name",
        "Dr Lee",
        "--role",
        "CMIO",
        "--statement",
        "ok",
    ]);
    assert!(
        early["message"]
            .as_str()
            .unwrap()
            .contains("have no verdict yet")
    );
    let wrong_needs_element = json_err(&[
        "-p",
        pp,
        "sample",
        "verdict",
        &latest[0],
        "wrong",
        "--reviewer",
        "lee",
    ]);
    assert!(
        wrong_needs_element["message"]
            .as_str()
            .unwrap()
            .contains("names the element")
    );
    let mut last = Value::Null;
    for (i, id) in latest.iter().enumerate() {
        let mut args = vec![
            "-p",
            pp,
            "sample",
            "verdict",
            id.as_str(),
            "correct",
            "--reviewer",
            "lee",
        ];
        if i == 0 {
            args = vec![
                "-p",
                pp,
                "sample",
                "verdict",
                id.as_str(),
                "wrong",
                "--element",
                "birthDate",
                "--comment",
                "off by a century",
                "--reviewer",
                "lee",
            ];
        }
        last = json_ok(&args);
    }
    assert_eq!(last["reviewed"], 16);
    assert_eq!(last["wrong"], 1);
    let (lo, hi) = (
        last["wilson_low"].as_f64().unwrap(),
        last["wilson_high"].as_f64().unwrap(),
    );
    assert!((last["acceptance"].as_f64().unwrap() - 15.0 / 16.0).abs() < 1e-9);
    assert!(
        lo < 15.0 / 16.0 && hi > 15.0 / 16.0 && lo > 0.6,
        "Wilson interval {lo}–{hi}"
    );
    assert_eq!(
        last["meets_target"], false,
        "one wrong in 16 cannot show 80% at 95%"
    );
    let signed = json_ok(&[
        "-p",
        pp,
        "sample",
        "signoff",
        "--name",
        "Dr Lee",
        "--role",
        "CMIO",
        "--statement",
        "Reviewed 16 records; one birth date error fixed in mapping v2",
    ]);
    assert_eq!(signed["signoff"]["name"], "Dr Lee");
    // Signed off: the gate opens, and the push gets as far as the (unreachable) server.
    let net = json_err(&["-p", pp, "push"]);
    assert_eq!(net["code"], "network", "{net}");
    // A re-import and re-conversion (validated again) that change nothing keep the
    // sign-off valid.
    json_ok(&[
        "-p",
        pp,
        "import",
        &fixture("clinic/patients.csv"),
        "--source",
        "patients",
    ]);
    json_ok(&["-p", pp, "convert"]);
    json_ok(&["-p", pp, "validate"]);
    let again = json_err(&["-p", pp, "push"]);
    assert_eq!(
        again["code"], "network",
        "same content, same sample: {again}"
    );
}

/// The `.ndjson` files of an export, by name, as bytes (the manifest has a timestamp).
fn export_files(p: &Project, name: &str, logs: &mut String) -> BTreeMap<String, String> {
    let out = Path::new(&p.path).with_file_name(name);
    json_ok_logged(
        &["-p", &p.path, "export", "--out", out.to_str().unwrap()],
        logs,
    );
    std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|f| f.extension().is_some_and(|e| e == "ndjson"))
        .map(|f| {
            (
                f.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&f).unwrap(),
            )
        })
        .collect()
}

/// `fixtures/matching/`: charts H1001 and H1003 (main clinic) and E77 (east site) are one
/// person; appointments A02 and A04 book H1003, results X500 and X501 name E77. Merging the
/// cluster moves them all to the survivor, the merged-away charts leave the export and the
/// push, a re-conversion keeps the merge, and unmerge gives back the very same export.
#[test]
fn merging_a_cluster_moves_references_and_unmerge_gives_back_the_same_export() {
    let p = new_project();
    let mut logs = String::new();
    let mut ok = |args: &[&str]| json_ok_logged(args, &mut logs);
    let dup = |f: &str| fixture(&format!("matching/{f}"));
    for source in ["patients", "patients_east", "appointments", "labs_east"] {
        ok(&["-p", &p.path, "import", &dup(&format!("{source}.csv"))]);
        ok(&[
            "-p",
            &p.path,
            "map",
            &dup(&format!("mappings/{source}.toml")),
        ]);
    }
    ok(&["-p", &p.path, "convert"]);
    let v = ok(&["-p", &p.path, "validate"]);
    assert_eq!(
        (v["checked"].as_i64(), v["invalid"].as_i64()),
        (Some(14), Some(0))
    );
    let mut logs2 = String::new();
    let original = export_files(&p, "export-1", &mut logs2);
    let id = |value: &str| -> String {
        original
            .values()
            .flat_map(|f| f.lines())
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|r| r["identifier"][0]["value"] == value)
            .unwrap_or_else(|| panic!("{value} exported"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (h1001, h1003, e77) = (id("H1001"), id("H1003"), id("E77"));

    let run = ok(&["-p", &p.path, "match", "run"]);
    let run_id = run["id"].to_string();
    for other in [&h1003, &e77] {
        ok(&[
            "-p",
            &p.path,
            "match",
            "decide",
            &h1001,
            other,
            "same",
            "--reviewer",
            "ana",
        ]);
    }
    let key = [&h1001, &h1003, &e77].into_iter().min().unwrap().clone();
    let clusters = ok(&["-p", &p.path, "match", "clusters"]);
    let cluster = clusters["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key.as_str())
        .expect("the three charts are a cluster");
    assert_eq!(cluster["members"].as_array().unwrap().len(), 3);

    let pick = format!("name={e77}");
    let merge_args = [
        "-p",
        &p.path,
        "match",
        "merge",
        "--cluster",
        &key,
        "--run",
        &run_id,
        "--survivor",
        &h1001,
        "--source-priority",
        "patients,patients_east",
        "--pick",
        &pick,
        "--reviewer",
        "ana",
        "--reason",
        "same person, three charts",
    ];
    let preview = ok(&[&merge_args[..], &["--dry-run"]].concat());
    assert_eq!(preview["survivor_id"], h1001.as_str());
    assert_eq!(
        (
            preview["redirected"].as_i64(),
            preview["identifiers_added"].as_i64()
        ),
        (Some(4), Some(2))
    );
    assert_eq!(
        ok(&["-p", &p.path, "match", "merges"]),
        serde_json::json!([]),
        "a dry run merges nothing"
    );
    let merged = ok(&merge_args);
    assert_eq!(merged["id"], 1);
    assert_eq!(merged["run_id"].to_string(), run_id);
    assert_eq!(merged["redirected"], 4);
    assert_eq!(merged["reason"], "same person, three charts");
    let mut gone = vec![h1003.clone(), e77.clone()];
    gone.sort();
    let mut merged_ids: Vec<String> = merged["merged_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    merged_ids.sort();
    assert_eq!(merged_ids, gone);

    let v = ok(&["-p", &p.path, "validate"]);
    assert_eq!(
        (v["checked"].as_i64(), v["invalid"].as_i64()),
        (Some(12), Some(0)),
        "the merged-away charts are not checked; every reference resolves"
    );
    let after = export_files(&p, "export-2", &mut logs2);
    let patients = &after["Patient.ndjson"];
    assert_eq!(patients.lines().count(), 5);
    for away in &gone {
        assert!(
            !after.values().any(|f| f.contains(away.as_str())),
            "nothing exported names a merged-away chart"
        );
    }
    let survivor: Value = patients
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["id"] == h1001.as_str())
        .unwrap();
    let mut old: Vec<&str> = survivor["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["use"] == "old")
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    old.sort();
    assert_eq!(
        old,
        ["E77", "H1003"],
        "the merged charts' numbers, as old ones (in cluster order)"
    );
    let reference = format!("\"reference\":\"Patient/{h1001}\"");
    assert_eq!(
        after["Appointment.ndjson"].matches(&reference).count(),
        3,
        "A01, A02, A04"
    );
    assert_eq!(after["Observation.ndjson"].matches(&reference).count(), 2);
    let dry = ok(&[
        "-p",
        &p.path,
        "push",
        "--target",
        "http://127.0.0.1:9/fhir/R4",
        "--dry-run",
    ]);
    assert_eq!(
        (dry["attempted"].as_i64(), dry["merged_away"].as_i64()),
        (Some(12), Some(2))
    );
    let status = ok(&["-p", &p.path, "status"]);
    assert_eq!(
        (
            status["converted"].as_i64(),
            status["merged_away"].as_i64(),
            status["valid"].as_i64()
        ),
        (Some(14), Some(2), Some(12))
    );

    // A re-conversion keeps the merge: the same export.
    ok(&["-p", &p.path, "convert"]);
    assert_eq!(export_files(&p, "export-3", &mut logs2), after);

    let err = json_err(&["-p", &p.path, "match", "merge", &h1003, &h1001]);
    assert_eq!(err["code"], "bad_input");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("already merged into")
    );
    let err = json_err(&[
        "-p",
        &p.path,
        "match",
        "merge",
        &h1001,
        &id("E78"),
        "--pick",
        "name",
    ]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("FIELD=RESOURCE_ID")
    );

    let undone = ok(&["-p", &p.path, "match", "unmerge", "1", "--reviewer", "ben"]);
    assert_eq!(undone["unmerged_by"], "ben");
    assert_eq!(
        export_files(&p, "export-4", &mut logs2),
        original,
        "unmerge gives back the very same resources, byte for byte"
    );
    let err = json_err(&["-p", &p.path, "match", "unmerge", "1"]);
    assert!(err["message"].as_str().unwrap().contains("already undone"));
    let all = ok(&["-p", &p.path, "match", "merges"]);
    assert_eq!(all.as_array().unwrap().len(), 1);

    let human = cutover(&["-p", &p.path, "match", "merges"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("Merge 1:") && text.contains("undone by ben"),
        "{text}"
    );

    // Logs and progress carry ids and counts only.
    for phi in [
        "GARCIA",
        "MARIA",
        "LUISA",
        "1980-04-12",
        "04/12/1980",
        "123456701",
        "6175550199",
    ] {
        assert!(!logs.contains(phi), "the logs contain legacy value {phi:?}");
    }
}

#[test]
fn an_undone_review_decision_stays_in_the_pair_history_marked_undone() {
    let p = new_project();
    json_ok(&["-p", &p.path, "import", &fixture("febrl/febrl3.csv")]);
    json_ok(&["-p", &p.path, "map", &fixture("febrl/patients.toml")]);
    json_ok(&["-p", &p.path, "convert"]);
    let run = json_ok(&[
        "-p", &p.path, "match", "run", "--link", "25", "--review", "0",
    ]);
    assert!(
        run["review_pairs"].as_i64().unwrap() > 0,
        "FEBRL 3 has pairs between 0 and 25 bits: {run}"
    );
    let page = json_ok(&[
        "-p", &p.path, "match", "pairs", "--band", "review", "--limit", "1",
    ]);
    let (left, right) = (
        page["pairs"][0]["left_id"].as_str().unwrap().to_owned(),
        page["pairs"][0]["right_id"].as_str().unwrap().to_owned(),
    );
    let decided = json_ok(&[
        "-p",
        &p.path,
        "match",
        "decide",
        &left,
        &right,
        "same",
        "--reviewer",
        "Ann",
        "--reason",
        "same SSN",
    ]);
    assert_eq!(decided["undone_at"], Value::Null, "a fresh decision stands");
    let undone = json_ok(&["-p", &p.path, "match", "undo"]);
    assert_eq!(undone["id"], decided["id"]);
    assert!(undone["undone_at"].is_string(), "undo says when: {undone}");
    json_ok(&[
        "-p",
        &p.path,
        "match",
        "decide",
        &left,
        &right,
        "different",
        "--reviewer",
        "Bo",
    ]);

    let shown = json_ok(&["-p", &p.path, "match", "show", &left, &right]);
    let history: Vec<(String, String, bool)> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["verdict"].as_str().unwrap().to_owned(),
                d["reviewer"].as_str().unwrap().to_owned(),
                d["undone_at"].is_string(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("different".into(), "Bo".into(), false),
            ("same".into(), "Ann".into(), true),
        ],
        "newest first; the undone decision kept and marked"
    );
    assert_eq!(shown["pair"]["decision"]["verdict"], "different");
}
