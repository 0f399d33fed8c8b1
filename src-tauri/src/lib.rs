//! The Cutover desktop app: a Tauri shell over the engine. It owns the window, the open
//! project, running operations (for cancel) and the recent-projects list's location.
//! Every command in `commands` is a thin translation to `cutover_engine::api`.

mod commands;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use cutover_engine::api::Cancel;
use tauri::Manager;

/// What the app remembers while it runs.
pub struct AppState {
    /// The open project file, if any.
    project: Mutex<Option<PathBuf>>,
    /// Running operations by the id the UI gave them, so they can be cancelled.
    operations: Mutex<HashMap<String, Cancel>>,
    /// Where the recent-projects list lives (set once the config folder is known).
    recent_file: Mutex<PathBuf>,
}

/// `--project FILE` on the command line opens that project at start.
fn project_from_args() -> Option<PathBuf> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--project")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
}

pub fn run() {
    if let Ok(filter) = std::env::var("CUTOVER_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .try_init();
    }
    let state = AppState {
        project: Mutex::new(project_from_args()),
        operations: Mutex::new(HashMap::new()),
        recent_file: Mutex::new(PathBuf::from("recent-projects.json")),
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .setup(|app| {
            // CUTOVER_CONFIG_DIR lets tests start from a clean recent list.
            let dir = match std::env::var_os("CUTOVER_CONFIG_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_config_dir()?,
            };
            let state = app.state::<AppState>();
            *state.recent_file.lock().map_err(|_| "state poisoned")? =
                dir.join("recent-projects.json");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::project_new,
            commands::project_open,
            commands::project_current,
            commands::recent_projects,
            commands::sources,
            commands::page,
            commands::import_file,
            commands::import_preview,
            commands::diff_snapshots,
            commands::profile_snapshot,
            commands::cached_profile,
            commands::load_mapping,
            commands::mappings,
            commands::convert,
            commands::validate,
            commands::findings,
            commands::set_target,
            commands::push,
            commands::pipeline_status,
            commands::cancel,
            commands::mapping_get,
            commands::mapping_save,
            commands::mapping_preview,
            commands::mapping_diff,
            commands::mapping_targets,
            commands::mapping_resource_types,
            commands::mapping_lineage,
            commands::crosswalk_load,
            commands::crosswalk_list,
            commands::crosswalk_entries,
            commands::crosswalk_coverage,
            commands::crosswalk_concept_map,
            commands::mapping_suggest,
            commands::match_rules,
            commands::match_defaults,
            commands::match_preview,
            commands::match_run,
            commands::match_runs,
            commands::match_summary,
            commands::match_pairs,
            commands::match_pair_detail,
            commands::match_decide,
            commands::match_undo,
            commands::match_review_progress,
            commands::match_clusters,
            commands::match_evaluate,
            commands::match_current_user,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Cutover could not start: {e}");
        std::process::exit(1);
    }
}
