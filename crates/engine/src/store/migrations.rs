//! Schema migrations. Each entry upgrades the schema by one version; all pending
//! upgrades run in one IMMEDIATE transaction so a project is never left half-upgraded.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{EngineError, Result, SqlContext};

/// Version 1: sources, snapshots and their columns, mappings, converted resources,
/// findings and per-target push state. Staging tables (`stg_<snapshot id>`) are created
/// per snapshot by `staging`.
const V1: &str = r#"
CREATE TABLE project (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    namespace       TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    target_base_url TEXT
);
CREATE TABLE source (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE snapshot (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES source(id),
    seq          INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    file_path    TEXT NOT NULL,
    file_size    INTEGER NOT NULL,
    imported_at  TEXT NOT NULL,
    row_count    INTEGER NOT NULL,
    flagged_rows INTEGER NOT NULL,
    UNIQUE (source_id, seq)
);
CREATE TABLE snapshot_column (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
    idx         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    raw_name    TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, idx)
);
CREATE TABLE mapping (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    resource_type TEXT NOT NULL,
    source_name   TEXT NOT NULL,
    spec          TEXT NOT NULL,
    loaded_at     TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE TABLE resource (
    id                TEXT PRIMARY KEY,
    resource_type     TEXT NOT NULL,
    mapping_id        INTEGER NOT NULL REFERENCES mapping(id),
    snapshot_id       INTEGER NOT NULL REFERENCES snapshot(id),
    row               INTEGER NOT NULL,
    line              INTEGER NOT NULL,
    identifier_system TEXT NOT NULL,
    identifier_value  TEXT NOT NULL,
    body              TEXT NOT NULL,
    body_hash         TEXT NOT NULL,
    valid             INTEGER,
    converted_at      TEXT NOT NULL
);
CREATE INDEX resource_by_mapping ON resource(mapping_id);
CREATE TABLE finding (
    id          INTEGER PRIMARY KEY,
    stage       TEXT NOT NULL,
    mapping_id  INTEGER,
    resource_id TEXT,
    snapshot_id INTEGER NOT NULL,
    row         INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    column_name TEXT,
    rule        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    message     TEXT NOT NULL
);
CREATE INDEX finding_by_stage ON finding(stage, mapping_id);
CREATE TABLE push_state (
    resource_id TEXT NOT NULL,
    target      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    http_status INTEGER,
    server_id   TEXT,
    body_hash   TEXT NOT NULL,
    outcome     TEXT,
    attempts    INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (resource_id, target)
);
"#;

/// Version 2: cached column profiles, one per snapshot. `format` is the profile's layout
/// version (`profile::cache::FORMAT`): a cache of another format is recomputed. `body`
/// is the profile as JSON.
const V2: &str = r#"
CREATE TABLE snapshot_profile (
    snapshot_id INTEGER PRIMARY KEY REFERENCES snapshot(id),
    format      INTEGER NOT NULL,
    profiled_at TEXT NOT NULL,
    body        TEXT NOT NULL
);
"#;

/// Version 3: crosswalks (code translation tables, see `crate::crosswalk`). `columns` is
/// a JSON array of the non-key column names, in file order; each entry's `values_json` is
/// a JSON array of strings aligned with it. `code` is the key, trimmed; with
/// `ignore_case`, no two codes of a crosswalk differ only in ASCII letter case.
/// `problems` is the load's problems as JSON (line, column, message; never codes).
const V3: &str = r#"
CREATE TABLE crosswalk (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    key_column  TEXT NOT NULL,
    columns     TEXT NOT NULL,
    ignore_case INTEGER NOT NULL DEFAULT 0,
    file_name   TEXT NOT NULL,
    loaded_at   TEXT NOT NULL,
    row_count   INTEGER NOT NULL,
    problems    TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE crosswalk_entry (
    crosswalk_id INTEGER NOT NULL REFERENCES crosswalk(id),
    code         TEXT NOT NULL,
    values_json  TEXT NOT NULL,
    line         INTEGER NOT NULL,
    PRIMARY KEY (crosswalk_id, code)
) WITHOUT ROWID;
"#;

/// Version 4: patient matching and merges. A run (`match_run`) keeps its settings and fitted
/// model as JSON and the pairs worth looking at again (`match_pair`: links, the review band,
/// and non-links a never-merge rule decided), each with its comparison levels (one character
/// per field, `-` when missing) so a pair is explained without re-reading the records.
/// Pairs are resource ids, `left_id < right_id`. Review decisions (`match_decision`) name the
/// pair, who, when and why; an undone decision keeps its row with `undone_at`. A merge keeps
/// the survivor's body before it and the bodies of every resource whose reference it
/// redirected (`merge_redirect`), so unmerge restores them exactly; a merged-away resource
/// keeps its row (lineage) with `resource.merged_into` set.
const V4: &str = r#"
ALTER TABLE resource ADD COLUMN merged_into TEXT;
CREATE TABLE match_run (
    id                INTEGER PRIMARY KEY,
    started_at        TEXT NOT NULL,
    finished_at       TEXT NOT NULL,
    config            TEXT NOT NULL,
    model             TEXT NOT NULL,
    records           INTEGER NOT NULL,
    candidate_pairs   INTEGER NOT NULL,
    per_rule          TEXT NOT NULL,
    link_pairs        INTEGER NOT NULL,
    review_pairs      INTEGER NOT NULL,
    non_link_pairs    INTEGER NOT NULL,
    never_merge_pairs INTEGER NOT NULL,
    seconds           REAL NOT NULL
);
CREATE TABLE match_pair (
    run_id      INTEGER NOT NULL REFERENCES match_run(id),
    left_id     TEXT NOT NULL,
    right_id    TEXT NOT NULL,
    weight      REAL NOT NULL,
    band        TEXT NOT NULL CHECK (band IN ('link', 'review', 'non_link')),
    never_merge TEXT,
    levels      TEXT NOT NULL,
    PRIMARY KEY (run_id, left_id, right_id)
) WITHOUT ROWID;
CREATE INDEX match_pair_by_band ON match_pair(run_id, band, weight);
CREATE TABLE match_decision (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES match_run(id),
    left_id    TEXT NOT NULL,
    right_id   TEXT NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('same', 'different', 'skip')),
    reviewer   TEXT NOT NULL,
    reason     TEXT,
    decided_at TEXT NOT NULL,
    undone_at  TEXT
);
CREATE INDEX match_decision_by_pair ON match_decision(left_id, right_id);
CREATE TABLE merge (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER,
    survivor_id    TEXT NOT NULL,
    members        TEXT NOT NULL,
    rules          TEXT NOT NULL,
    survivor_body  TEXT NOT NULL,
    survivor_hash  TEXT NOT NULL,
    merged_by      TEXT NOT NULL,
    reason         TEXT,
    merged_at      TEXT NOT NULL,
    unmerged_by    TEXT,
    unmerged_at    TEXT
);
CREATE TABLE merge_redirect (
    merge_id    INTEGER NOT NULL REFERENCES merge(id),
    resource_id TEXT NOT NULL,
    body        TEXT NOT NULL,
    body_hash   TEXT NOT NULL,
    PRIMARY KEY (merge_id, resource_id)
) WITHOUT ROWID;
"#;

/// Version 5: clinician sample review and the push gate. A sample (`sample`) is drawn with a
/// seed and a size for a stated accuracy and confidence, stratified (`strata` as JSON); its
/// items keep the body hash each record had when drawn, so a record that changed since is
/// seen. Verdicts (`sample_verdict`) say correct or wrong, the wrong element and a comment,
/// who and when; the latest per item stands. A sign-off names who, their role, the time and
/// the statement. `push_target` marks a base URL as production: a real push there needs a
/// signed-off sample whose records are unchanged.
const V5: &str = r#"
CREATE TABLE sample (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    seed            INTEGER NOT NULL,
    target_accuracy REAL NOT NULL,
    confidence      REAL NOT NULL,
    allowed_errors  INTEGER NOT NULL,
    population      INTEGER NOT NULL,
    size            INTEGER NOT NULL,
    strata          TEXT NOT NULL
);
CREATE TABLE sample_item (
    sample_id   INTEGER NOT NULL REFERENCES sample(id),
    position    INTEGER NOT NULL,
    resource_id TEXT NOT NULL,
    stratum     TEXT NOT NULL,
    body_hash   TEXT NOT NULL,
    PRIMARY KEY (sample_id, position)
) WITHOUT ROWID;
CREATE TABLE sample_verdict (
    id          INTEGER PRIMARY KEY,
    sample_id   INTEGER NOT NULL REFERENCES sample(id),
    resource_id TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('correct', 'wrong')),
    element     TEXT,
    comment     TEXT,
    reviewer    TEXT NOT NULL,
    decided_at  TEXT NOT NULL
);
CREATE INDEX sample_verdict_by_item ON sample_verdict(sample_id, resource_id);
CREATE TABLE signoff (
    id        INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES sample(id),
    name      TEXT NOT NULL,
    role      TEXT NOT NULL,
    statement TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
CREATE TABLE push_target (
    base_url TEXT PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('sandbox', 'production'))
);
"#;

/// Every migration, in order; `MIGRATIONS[i]` upgrades version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5];

pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(super) fn upgrade(conn: &mut Connection, path: &Path) -> Result<()> {
    let found: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .ctx("reading schema version")?;
    if found > SCHEMA_VERSION {
        return Err(EngineError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting schema upgrade")?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)
            .ctx(&format!("upgrading schema to version {}", i + 1))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .ctx("writing schema version")?;
    tx.commit().ctx("committing schema upgrade")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project file as Cutover with schema version 1 wrote it, made by hand.
    fn v1_project(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.pragma_update(None, "application_id", super::super::APPLICATION_ID)
            .unwrap();
        conn.execute_batch(V1).unwrap();
        conn.execute_batch(
            "INSERT INTO project (id, namespace, name, created_at) VALUES (1, 'ns', 'old', '2025-01-01T00:00:00Z');
             INSERT INTO source (id, name, created_at) VALUES (1, 'patients', '2025-01-01T00:00:00Z');
             INSERT INTO snapshot (id, source_id, seq, file_name, file_path, file_size, imported_at, row_count, flagged_rows)
                 VALUES (1, 1, 1, 'patients.csv', '/x/patients.csv', 10, '2025-01-01T00:00:00Z', 0, 0);
             INSERT INTO snapshot_column VALUES (1, 0, 'MRN', 'MRN');
             CREATE TABLE stg_1 (row INTEGER PRIMARY KEY, line INTEGER NOT NULL, hash BLOB NOT NULL, flag TEXT, extra TEXT, c0 TEXT);",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }

    #[test]
    fn a_version_1_project_is_upgraded_in_place_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.cutover");
        v1_project(&path);

        let conn = crate::store::open(&path).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let cached: i64 = conn
            .query_row("SELECT count(*) FROM snapshot_profile", [], |r| r.get(0))
            .unwrap();
        assert_eq!(cached, 0, "the profile cache table exists, empty");
        let (name, file): (String, String) = conn
            .query_row(
                "SELECT p.name, s.file_name FROM project p, snapshot s WHERE s.id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((name.as_str(), file.as_str()), ("old", "patients.csv"));
        drop(conn);

        // Opening again finds nothing to do.
        let conn = crate::store::open(&path).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    /// A project file as Cutover with schema version 2 wrote it: version 1 plus a cached
    /// profile.
    fn v2_project(path: &Path) {
        v1_project(path);
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(V2).unwrap();
        conn.execute(
            "INSERT INTO snapshot_profile VALUES (1, 1, '2025-01-02T00:00:00Z', '{}')",
            [],
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
    }

    #[test]
    fn a_version_2_project_gains_empty_crosswalk_tables_and_keeps_its_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.cutover");
        v2_project(&path);

        let conn = crate::store::open(&path).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let counts: (i64, i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM crosswalk), (SELECT count(*) FROM crosswalk_entry),
                        (SELECT count(*) FROM snapshot_profile)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            counts,
            (0, 0, 1),
            "crosswalk tables exist and are empty; the cached profile is kept"
        );
        conn.execute(
            "INSERT INTO crosswalk (name, key_column, columns, file_name, loaded_at, row_count)
             VALUES ('sex', 'CODE', '[\"fhir\"]', 'sex.csv', '2025-01-03T00:00:00Z', 0)",
            [],
        )
        .unwrap();
        let duplicate = conn.execute(
            "INSERT INTO crosswalk (name, key_column, columns, file_name, loaded_at, row_count)
             VALUES ('sex', 'CODE', '[]', 'other.csv', '2025-01-03T00:00:00Z', 0)",
            [],
        );
        assert!(duplicate.is_err(), "crosswalk names are unique");
    }
}
