//! The project store: one SQLite file per migration project. Owns opening and creating
//! project files, the schema and its migrations, and the per-snapshot staging tables.
//!
//! Invariants: the schema version lives in `PRAGMA user_version`; every upgrade runs in
//! one IMMEDIATE transaction; a file from a newer Cutover is refused, never touched.

mod migrations;
pub mod staging;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{EngineError, Result, SqlContext};

pub use migrations::SCHEMA_VERSION;

/// The application id stamped into every project file (`PRAGMA application_id`), so that
/// Cutover can tell its own files from any other SQLite database. ASCII "CUTO".
const APPLICATION_ID: i32 = 0x4355_544f;

/// Create a new, empty project file. Refuses to overwrite an existing file.
pub fn create(path: &Path, name: &str, namespace: &str, created_at: &str) -> Result<Connection> {
    if path.exists() {
        return Err(EngineError::bad_input(
            path.display().to_string(),
            "a file already exists there; choose another name or open it instead",
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(EngineError::NotFound {
            path: dir.to_path_buf(),
        });
    }
    let mut conn = Connection::open(path).map_err(|source| EngineError::Sqlite {
        context: format!("creating {}", path.display()),
        source,
    })?;
    configure(&conn)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .ctx("stamping project file")?;
    migrations::upgrade(&mut conn, path)?;
    conn.execute(
        "INSERT INTO project (id, namespace, name, created_at) VALUES (1, ?1, ?2, ?3)",
        (namespace, name, created_at),
    )
    .ctx("writing project record")?;
    Ok(conn)
}

/// Open an existing project for reading and writing, upgrading an older schema.
pub fn open(path: &Path) -> Result<Connection> {
    if !path.is_file() {
        return Err(EngineError::NotFound {
            path: path.to_path_buf(),
        });
    }
    check_header(path)?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| EngineError::Sqlite {
        context: format!("opening {}", path.display()),
        source,
    })?;
    configure(&conn)?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| not_a_project(path, &e.to_string()))?;
    if app_id != APPLICATION_ID {
        return Err(not_a_project(
            path,
            "it is an SQLite database of another program",
        ));
    }
    migrations::upgrade(&mut conn, path)?;
    Ok(conn)
}

fn not_a_project(path: &Path, reason: &str) -> EngineError {
    EngineError::NotAProject {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Refuse files that are not SQLite at all before SQLite sees them, with a clear message.
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|e| EngineError::io_at(path, "opening", e))?;
    let n = file
        .read(&mut header)
        .map_err(|e| EngineError::io_at(path, "reading", e))?;
    if n < 16 || &header != b"SQLite format 3\0" {
        return Err(not_a_project(path, "it is not an SQLite database"));
    }
    Ok(())
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))
        .ctx("setting busy timeout")?;
    // WAL lets the app's grid read while an import writes.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .ctx("enabling WAL")?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(EngineError::Internal(format!(
            "journal mode is {mode}, expected wal"
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000;",
    )
    .ctx("configuring connection")?;
    // SQL functions the grid's filters use (a value's pattern, e.g. `99/99/9999`).
    staging::register_functions(conn)?;
    Ok(())
}

/// The single row of project-wide settings.
#[derive(Debug, Clone)]
pub struct ProjectRecord {
    pub namespace: String,
    pub name: String,
    pub created_at: String,
    pub target_base_url: Option<String>,
}

pub fn project_record(conn: &Connection) -> Result<ProjectRecord> {
    conn.query_row(
        "SELECT namespace, name, created_at, target_base_url FROM project WHERE id = 1",
        [],
        |r| {
            Ok(ProjectRecord {
                namespace: r.get(0)?,
                name: r.get(1)?,
                created_at: r.get(2)?,
                target_base_url: r.get(3)?,
            })
        },
    )
    .optional()
    .ctx("reading project record")?
    .ok_or_else(|| EngineError::Internal("project record missing".into()))
}

pub fn set_target_base_url(conn: &Connection, url: &str) -> Result<()> {
    conn.execute(
        "UPDATE project SET target_base_url = ?1 WHERE id = 1",
        [url],
    )
    .ctx("saving target")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_project_is_wal_and_at_the_current_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.cutover");
        drop(create(&path, "p", "ns", "2026-01-01T00:00:00Z").unwrap());
        let conn = open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let v: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        assert_eq!(project_record(&conn).unwrap().name, "p");
    }

    #[test]
    fn create_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.cutover");
        std::fs::write(&path, "x").unwrap();
        let err = create(&path, "p", "ns", "t").unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.cutover");
        drop(create(&path, "p", "ns", "t").unwrap());
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = open(&path).unwrap_err();
        assert!(
            matches!(err, EngineError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1)
        );
        assert!(
            err.to_string().contains("p.cutover"),
            "names the file: {err}"
        );
        let c = Connection::open(&path).unwrap();
        let v: u32 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION + 1, "the file is left as it was");
    }

    #[test]
    fn files_that_are_not_projects_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.cutover");
        std::fs::write(&text, "MRN,NAME\n1,x\n").unwrap();
        let err = open(&text).unwrap_err();
        assert!(matches!(err, EngineError::NotAProject { .. }), "{err}");
        assert!(err.to_string().contains("notes.cutover"));

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        let err = open(&other).unwrap_err();
        assert!(matches!(err, EngineError::NotAProject { .. }), "{err}");

        let missing = dir.path().join("missing.cutover");
        assert!(matches!(
            open(&missing).unwrap_err(),
            EngineError::NotFound { .. }
        ));
    }
}
