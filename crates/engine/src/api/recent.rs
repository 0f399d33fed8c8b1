//! Use cases: the list of recently opened projects, kept in a small JSON file that the
//! face chooses (the app keeps it in its config folder).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::api::Clock;
use crate::api::dto::RecentProject;
use crate::error::{EngineError, Result};

/// How many projects the list remembers.
const KEEP: usize = 10;

#[derive(Serialize, Deserialize, Default)]
struct RecentFile {
    projects: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    path: String,
    name: String,
    opened_at: String,
}

/// The remembered projects, newest first. A missing or unreadable list is an empty one.
pub fn list(list_file: &Path) -> Vec<RecentProject> {
    read(list_file)
        .projects
        .into_iter()
        .map(|e| RecentProject {
            exists: Path::new(&e.path).is_file(),
            path: e.path,
            name: e.name,
            opened_at: e.opened_at,
        })
        .collect()
}

/// Put a project at the top of the list.
pub fn remember(list_file: &Path, project: &Path, name: &str, clock: &dyn Clock) -> Result<()> {
    let path = std::fs::canonicalize(project)
        .unwrap_or_else(|_| project.to_path_buf())
        .display()
        .to_string();
    let mut file = read(list_file);
    file.projects.retain(|e| e.path != path);
    file.projects.insert(
        0,
        Entry {
            path,
            name: name.to_string(),
            opened_at: clock
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
    );
    file.projects.truncate(KEEP);
    if let Some(dir) = list_file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| EngineError::io_at(dir, "creating", e))?;
    }
    let text =
        serde_json::to_string_pretty(&file).map_err(|e| EngineError::Internal(e.to_string()))?;
    std::fs::write(list_file, text).map_err(|e| EngineError::io_at(list_file, "writing", e))
}

fn read(list_file: &Path) -> RecentFile {
    std::fs::read_to_string(list_file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::FixedClock;

    #[test]
    fn newest_first_without_repeats_and_missing_files_marked() {
        let dir = tempfile::tempdir().unwrap();
        let list_file = dir.path().join("cfg/recent.json");
        let clock = FixedClock(chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap());
        let a = dir.path().join("a.cutover");
        let b = dir.path().join("b.cutover");
        std::fs::write(&a, "").unwrap();
        remember(&list_file, &a, "a", &clock).unwrap();
        remember(&list_file, &b, "b", &clock).unwrap();
        remember(&list_file, &a, "a", &clock).unwrap();
        let names: Vec<(String, bool)> = list(&list_file)
            .into_iter()
            .map(|r| (r.name, r.exists))
            .collect();
        assert_eq!(names, [("a".to_string(), true), ("b".to_string(), false)]);
    }

    #[test]
    fn an_unreadable_list_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("recent.json");
        std::fs::write(&f, "{not json").unwrap();
        assert!(list(&f).is_empty());
    }
}
