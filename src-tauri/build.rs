//! Lists the app's commands so Tauri generates an `allow-<command>` permission for each;
//! `capabilities/main.json` grants the main window exactly these.
const COMMANDS: &[&str] = &[
    "project_new",
    "project_open",
    "project_current",
    "recent_projects",
    "sources",
    "page",
    "import_file",
    "import_preview",
    "diff_snapshots",
    "profile_snapshot",
    "cached_profile",
    "load_mapping",
    "mappings",
    "convert",
    "validate",
    "findings",
    "set_target",
    "push",
    "pipeline_status",
    "cancel",
    "mapping_get",
    "mapping_save",
    "mapping_preview",
    "mapping_diff",
    "mapping_targets",
    "mapping_resource_types",
    "mapping_lineage",
    "crosswalk_load",
    "crosswalk_list",
    "crosswalk_entries",
    "crosswalk_coverage",
    "crosswalk_concept_map",
    "mapping_suggest",
    "match_rules",
    "match_defaults",
    "match_preview",
    "match_run",
    "match_runs",
    "match_summary",
    "match_pairs",
    "match_pair_detail",
    "match_decide",
    "match_undo",
    "match_review_progress",
    "match_clusters",
    "match_evaluate",
    "match_current_user",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
