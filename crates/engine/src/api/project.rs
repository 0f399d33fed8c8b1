//! Use cases: create a project file, open one, read and change its settings.

use std::path::Path;

use crate::api::Ctx;
use crate::api::dto::ProjectInfo;
use crate::error::{EngineError, Result};
use crate::store;

/// Create a new project file at `ctx.project`. The name defaults to the file stem.
pub fn create(ctx: &Ctx, name: Option<&str>) -> Result<ProjectInfo> {
    let path = ctx.project_path();
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| default_name(path));
    let namespace = uuid::Uuid::new_v4().to_string();
    let conn = store::create(path, &name, &namespace, &ctx.now_text())?;
    drop(conn);
    info(ctx)
}

/// Open (and, if it is older, upgrade) the project, and describe it.
pub fn info(ctx: &Ctx) -> Result<ProjectInfo> {
    let conn = ctx.open()?;
    let record = store::project_record(&conn)?;
    Ok(ProjectInfo {
        path: ctx.project_path().display().to_string(),
        name: record.name,
        schema_version: store::SCHEMA_VERSION,
        created_at: record.created_at,
        target_base_url: record.target_base_url,
    })
}

/// Set the FHIR base URL that pushes go to.
pub fn set_target(ctx: &Ctx, base_url: &str) -> Result<ProjectInfo> {
    let url = normalise_base_url(base_url)?;
    let conn = ctx.open()?;
    store::set_target_base_url(&conn, &url)?;
    info(ctx)
}

pub(crate) fn normalise_base_url(base_url: &str) -> Result<String> {
    let url = base_url.trim().trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
        return Err(EngineError::bad_input(
            "target",
            format!("'{url}' is not an http(s) FHIR base URL"),
        ));
    }
    Ok(url)
}

fn default_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".to_string())
}
