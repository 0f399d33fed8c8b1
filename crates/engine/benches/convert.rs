//! Benchmark: converting a generated 1,000,000-row patient source into FHIR Patients with a
//! 15-rule mapping (`api::mapping::convert`: read staged rows, run each element's
//! transform chain, build the resource, write it with its lineage). Target: at least
//! 100,000 rows/s on the 2-core machine, memory flat. Run:
//! `cargo bench -p cutover-engine --bench convert` (ROWS=… to change the size).
//! Then validates the converted Patients with the built-in rules (`api::validate::run`:
//! R4 schema, references, Patient rules; issue #6 target: at least 100,000 records/s).
//! A benchmark, not a test: it asserts nothing about time.

use std::io::Write;
use std::time::Instant;

use cutover_engine::api::{self, Cancel, NoProgress};

/// The allocator the CLI and the app use (see their `main.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
use common::{Rng, peak_rss_mb};

const GIVEN: [&str; 8] = [
    "ANNA", "BOB", "CARLOS", "DIANA", "ELIF", "FRANK", "GRACE", "HUGO",
];
const FAMILY: [&str; 8] = [
    "SMITH", "O'NEIL", "GARCIA", "NGUYEN", "MÜLLER", "KOWALSKI", "DUBOIS", "IBARRA",
];

fn write_csv(path: &std::path::Path, rows: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create csv"));
    writeln!(
        out,
        "MRN,PATIENT_NAME,DOB,SEX,PHONE,EMAIL,ADDR1,CITY,STATE,ZIP,LANG,MARITAL,DECEASED,SSN,PCP"
    )
    .expect("write");
    let mut rng = Rng(0x5EED_0FC0_FFEE);
    for r in 1..=rows {
        let name = format!(
            "{}, {} {}",
            FAMILY[rng.below(8) as usize],
            GIVEN[rng.below(8) as usize],
            (b'A' + rng.below(26) as u8) as char
        );
        writeln!(
            out,
            "{r:08},\"{name}\",{:02}/{:02}/{},{},555-{:04},p{r}@example.org,{} MAIN ST,SPRINGFIELD,MA,{:05},{},{},{},{:03}-{:02}-{:04},DR{}",
            1 + rng.below(12),
            1 + rng.below(28),
            1930 + rng.below(90),
            ["M", "F", "U"][rng.below(3) as usize],
            rng.below(10_000),
            1 + rng.below(999),
            rng.below(100_000),
            ["EN", "ES", "PT"][rng.below(3) as usize],
            ["S", "M", "D", "W"][rng.below(4) as usize],
            if rng.below(50) == 0 { "Y" } else { "N" },
            100 + rng.below(600),
            10 + rng.below(89),
            1000 + rng.below(8999),
            rng.below(200),
        )
        .expect("write");
    }
}

const SPEC: &str = r#"
format = 2
name = "patients"
source = "patients"
resource = "Patient"

[identifier]
system = "urn:oid:2.16.840.1.113883.3.9999.1"
column = "MRN"
transforms = ["trim"]

[[element]]
target = "name[0]"
column = "PATIENT_NAME"
transforms = ["trim", "split_name"]

[[element]]
target = "birthDate"
column = "DOB"
transforms = ["trim", "date_mdy"]

[[element]]
target = "gender"
column = "SEX"
transforms = ["trim", "upper", { map = { M = "male", F = "female", U = "unknown" } }]

[[element]]
target = "telecom[0].value"
column = "PHONE"
transforms = ["trim"]

[[element]]
target = "telecom[0].system"
value = "phone"

[[element]]
target = "telecom[1].value"
column = "EMAIL"
transforms = ["trim", "lower"]

[[element]]
target = "telecom[1].system"
value = "email"

[[element]]
target = "address[0].line[0]"
column = "ADDR1"
transforms = ["trim"]

[[element]]
target = "address[0].city"
column = "CITY"
transforms = ["trim"]

[[element]]
target = "address[0].state"
column = "STATE"
transforms = ["trim", "upper"]

[[element]]
target = "address[0].postalCode"
column = "ZIP"
transforms = ["trim"]

[[element]]
target = "communication[0].language.coding[0].code"
column = "LANG"
transforms = ["trim", "lower", { map = { en = "en", es = "es", pt = "pt" } }]

[[element]]
target = "communication[0].language.coding[0].system"
value = "urn:ietf:bcp:47"

[[element]]
target = "maritalStatus.coding[0].code"
column = "MARITAL"
transforms = ["trim", "upper"]

[[element]]
target = "maritalStatus.coding[0].system"
value = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"

[[element]]
target = "deceasedBoolean"
column = "DECEASED"
transforms = ["trim", "boolean"]
"#;

fn main() {
    let rows: u64 = std::env::var("ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("patients.csv");
    let started = Instant::now();
    write_csv(&csv, rows);
    println!(
        "generated {rows} patient rows x 15 columns in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (ctx, _, secs) = common::import_into_new_project(dir.path(), &csv);
    println!("import: {secs:.2} s");
    let spec = dir.path().join("patients.toml");
    std::fs::write(&spec, SPEC).expect("spec");
    let m = api::mapping::load(&ctx, &spec).expect("load mapping");
    let rss_before = peak_rss_mb();
    let started = Instant::now();
    let out = api::mapping::convert(&ctx, &NoProgress, &Cancel::new()).expect("convert");
    let secs = started.elapsed().as_secs_f64();
    let c = &out[0];
    println!(
        "convert: {} rows with {} rules -> {} Patients ({} failed) in {secs:.2} s = {:.0} rows/s (target >= 100,000)",
        c.rows_read,
        m.field_count,
        c.converted,
        c.failed,
        c.rows_read as f64 / secs
    );
    println!(
        "peak memory: {:.0} MB before converting, {:.0} MB after",
        rss_before,
        peak_rss_mb()
    );
    let started = Instant::now();
    let v = api::validate::run(&ctx, &NoProgress, &Cancel::new()).expect("validate");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "validate: {} records ({} valid, {} findings) in {secs:.2} s = {:.0} records/s (target >= 100,000); peak memory {:.0} MB",
        v.checked,
        v.valid,
        v.findings,
        v.checked as f64 / secs,
        peak_rss_mb()
    );
    for r in v.by_rule.iter().take(5) {
        println!("  {:<32} {}", r.rule, r.count);
    }
}
