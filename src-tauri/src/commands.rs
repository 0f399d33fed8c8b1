//! Tauri commands: each one takes the open project from the app state, calls one engine
//! use case off the main thread, and turns the error into `{ code, message }`.

use std::path::PathBuf;

use cutover_engine::EngineError;
use cutover_engine::api::dto::*;
use cutover_engine::api::{self, Cancel, Ctx, SystemClock};
use cutover_engine::fhir::ElementInfo;
use cutover_engine::mapping::spec::MappingSpec;
use tauri::State;
use tauri::ipc::Channel;

use crate::AppState;

type CmdResult<T> = Result<T, ErrorDto>;

fn internal(what: &str) -> ErrorDto {
    EngineError::Internal(what.to_string()).to_dto()
}

fn ctx(state: &AppState) -> CmdResult<Ctx> {
    let project = state
        .project
        .lock()
        .map_err(|_| internal("state poisoned"))?;
    project.as_ref().map(Ctx::new).ok_or(ErrorDto {
        code: ErrorCode::NoProject,
        message: "No project is open: create or open one first.".into(),
    })
}

/// Run engine work on the blocking pool so the window stays responsive.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> cutover_engine::Result<T> + Send + 'static,
) -> CmdResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|_| internal("background task failed"))?
        .map_err(|e| e.to_dto())
}

/// Register a cancellable operation for its lifetime.
struct Operation<'a> {
    state: &'a AppState,
    id: String,
    cancel: Cancel,
}

impl<'a> Operation<'a> {
    fn start(state: &'a AppState, id: String) -> CmdResult<Self> {
        let cancel = Cancel::new();
        state
            .operations
            .lock()
            .map_err(|_| internal("state poisoned"))?
            .insert(id.clone(), cancel.clone());
        Ok(Operation { state, id, cancel })
    }
}

impl Drop for Operation<'_> {
    fn drop(&mut self) {
        if let Ok(mut ops) = self.state.operations.lock() {
            ops.remove(&self.id);
        }
    }
}

fn sink(channel: Channel<ProgressEvent>) -> impl Fn(ProgressEvent) + Send + Sync {
    move |event| {
        let _ = channel.send(event);
    }
}

fn open_project(state: &AppState, path: PathBuf, info: ProjectInfo) -> CmdResult<ProjectInfo> {
    let recent = state
        .recent_file
        .lock()
        .map_err(|_| internal("state poisoned"))?
        .clone();
    api::recent::remember(&recent, &path, &info.name, &SystemClock).map_err(|e| e.to_dto())?;
    *state
        .project
        .lock()
        .map_err(|_| internal("state poisoned"))? = Some(path);
    Ok(info)
}

#[tauri::command]
pub async fn project_new(state: State<'_, AppState>, path: String) -> CmdResult<ProjectInfo> {
    let file = PathBuf::from(&path);
    let info = blocking(move || api::project::create(&Ctx::new(path), None)).await?;
    open_project(&state, file, info)
}

#[tauri::command]
pub async fn project_open(state: State<'_, AppState>, path: String) -> CmdResult<ProjectInfo> {
    let file = PathBuf::from(&path);
    let info = blocking(move || api::project::info(&Ctx::new(path))).await?;
    open_project(&state, file, info)
}

#[tauri::command]
pub async fn project_current(state: State<'_, AppState>) -> CmdResult<Option<ProjectInfo>> {
    let Ok(ctx) = ctx(&state) else {
        return Ok(None);
    };
    let path = ctx.project.clone();
    let info = blocking(move || api::project::info(&ctx)).await;
    match info {
        Ok(info) => open_project(&state, path, info).map(Some),
        Err(e) => {
            // A project named on the command line that cannot be opened: say why, and
            // fall back to the welcome screen.
            *state
                .project
                .lock()
                .map_err(|_| internal("state poisoned"))? = None;
            Err(e)
        }
    }
}

#[tauri::command]
pub async fn recent_projects(state: State<'_, AppState>) -> CmdResult<Vec<RecentProject>> {
    let file = state
        .recent_file
        .lock()
        .map_err(|_| internal("state poisoned"))?
        .clone();
    Ok(api::recent::list(&file))
}

#[tauri::command]
pub async fn sources(state: State<'_, AppState>) -> CmdResult<Vec<SourceSummary>> {
    let ctx = ctx(&state)?;
    blocking(move || api::sources::list(&ctx)).await
}

#[tauri::command]
pub async fn page(state: State<'_, AppState>, req: PageRequest) -> CmdResult<Page> {
    let ctx = ctx(&state)?;
    blocking(move || api::sources::page(&ctx, &req)).await
}

#[tauri::command]
pub async fn import_file(
    state: State<'_, AppState>,
    req: ImportRequest,
    op_id: String,
    on_progress: Channel<ProgressEvent>,
) -> CmdResult<Vec<ImportSummary>> {
    let ctx = ctx(&state)?;
    let op = Operation::start(&state, op_id)?;
    let cancel = op.cancel.clone();
    blocking(move || api::import::run(&ctx, &req, &sink(on_progress), &cancel)).await
}

#[tauri::command]
pub async fn import_preview(req: ImportRequest) -> CmdResult<ImportPreview> {
    blocking(move || api::import::preview(&req)).await
}

#[tauri::command]
pub async fn diff_snapshots(state: State<'_, AppState>, req: DiffRequest) -> CmdResult<DiffPage> {
    let ctx = ctx(&state)?;
    blocking(move || api::diff::run(&ctx, &req)).await
}

/// Profile a snapshot's columns now (replacing any kept profile), with progress.
#[tauri::command]
pub async fn profile_snapshot(
    state: State<'_, AppState>,
    snapshot_id: i64,
    op_id: String,
    on_progress: Channel<ProgressEvent>,
) -> CmdResult<SnapshotProfile> {
    let ctx = ctx(&state)?;
    let op = Operation::start(&state, op_id)?;
    let cancel = op.cancel.clone();
    blocking(move || api::profile::run(&ctx, snapshot_id, &sink(on_progress), &cancel)).await
}

/// The profile kept in the project for a snapshot, if it has been profiled.
#[tauri::command]
pub async fn cached_profile(
    state: State<'_, AppState>,
    snapshot_id: i64,
) -> CmdResult<Option<SnapshotProfile>> {
    let ctx = ctx(&state)?;
    blocking(move || api::profile::cached(&ctx, snapshot_id)).await
}

#[tauri::command]
pub async fn load_mapping(state: State<'_, AppState>, path: String) -> CmdResult<MappingSummary> {
    let ctx = ctx(&state)?;
    blocking(move || api::mapping::load(&ctx, std::path::Path::new(&path))).await
}

#[tauri::command]
pub async fn mappings(state: State<'_, AppState>) -> CmdResult<Vec<MappingSummary>> {
    let ctx = ctx(&state)?;
    blocking(move || api::mapping::list(&ctx)).await
}

#[tauri::command]
pub async fn convert(
    state: State<'_, AppState>,
    op_id: String,
    on_progress: Channel<ProgressEvent>,
) -> CmdResult<Vec<ConvertSummary>> {
    let ctx = ctx(&state)?;
    let op = Operation::start(&state, op_id)?;
    let cancel = op.cancel.clone();
    blocking(move || api::mapping::convert(&ctx, &sink(on_progress), &cancel)).await
}

#[tauri::command]
pub async fn validate(
    state: State<'_, AppState>,
    op_id: String,
    on_progress: Channel<ProgressEvent>,
) -> CmdResult<ValidateSummary> {
    let ctx = ctx(&state)?;
    let op = Operation::start(&state, op_id)?;
    let cancel = op.cancel.clone();
    blocking(move || api::validate::run(&ctx, &sink(on_progress), &cancel)).await
}

#[tauri::command]
pub async fn findings(state: State<'_, AppState>, limit: u32) -> CmdResult<Vec<Finding>> {
    let ctx = ctx(&state)?;
    blocking(move || api::validate::findings(&ctx, limit)).await
}

#[tauri::command]
pub async fn set_target(state: State<'_, AppState>, base_url: String) -> CmdResult<ProjectInfo> {
    let ctx = ctx(&state)?;
    blocking(move || api::project::set_target(&ctx, &base_url)).await
}

#[tauri::command]
pub async fn push(
    state: State<'_, AppState>,
    req: PushRequest,
    op_id: String,
    on_progress: Channel<ProgressEvent>,
) -> CmdResult<PushSummary> {
    let ctx = ctx(&state)?;
    let op = Operation::start(&state, op_id)?;
    let cancel = op.cancel.clone();
    blocking(move || api::push::run(&ctx, &req, &sink(on_progress), &cancel)).await
}

#[tauri::command]
pub async fn pipeline_status(state: State<'_, AppState>) -> CmdResult<PipelineStatus> {
    let ctx = ctx(&state)?;
    blocking(move || api::status::pipeline(&ctx)).await
}

#[tauri::command]
pub async fn cancel(state: State<'_, AppState>, op_id: String) -> CmdResult<bool> {
    let ops = state
        .operations
        .lock()
        .map_err(|_| internal("state poisoned"))?;
    Ok(ops.get(&op_id).map(|c| c.cancel()).is_some())
}

// ---- Mapping editor -------------------------------------------------------------

/// A mapping's spec at a version (the latest when none), with its versions listed.
#[tauri::command]
pub async fn mapping_get(
    state: State<'_, AppState>,
    name: String,
    version: Option<u32>,
) -> CmdResult<MappingDetail> {
    let ctx = ctx(&state)?;
    blocking(move || api::studio::get(&ctx, &name, version)).await
}

/// Save an edited spec as the next version of its mapping.
#[tauri::command]
pub async fn mapping_save(
    state: State<'_, AppState>,
    spec: MappingSpec,
) -> CmdResult<MappingSummary> {
    let ctx = ctx(&state)?;
    blocking(move || api::studio::save(&ctx, &spec)).await
}

/// Convert sample rows with the spec as edited; writes nothing.
#[tauri::command]
pub async fn mapping_preview(
    state: State<'_, AppState>,
    req: MappingPreviewRequest,
) -> CmdResult<MappingPreview> {
    let ctx = ctx(&state)?;
    blocking(move || api::studio::preview(&ctx, &req)).await
}

/// What changed between two versions of a mapping, element by element.
#[tauri::command]
pub async fn mapping_diff(
    state: State<'_, AppState>,
    name: String,
    from: u32,
    to: u32,
) -> CmdResult<MappingDiff> {
    let ctx = ctx(&state)?;
    blocking(move || api::studio::diff(&ctx, &name, from, to)).await
}

/// The elements of a FHIR resource or data type.
#[tauri::command]
pub async fn mapping_targets(type_name: String) -> CmdResult<Vec<ElementInfo>> {
    blocking(move || api::studio::targets(&type_name)).await
}

/// Every FHIR R4 resource type.
#[tauri::command]
pub async fn mapping_resource_types() -> CmdResult<Vec<String>> {
    Ok(api::studio::resource_types())
}

/// Where a converted resource's values came from.
#[tauri::command]
pub async fn mapping_lineage(
    state: State<'_, AppState>,
    resource_id: String,
    element: Option<String>,
) -> CmdResult<Lineage> {
    let ctx = ctx(&state)?;
    blocking(move || api::studio::lineage(&ctx, &resource_id, element.as_deref())).await
}

// ---- Crosswalks -------------------------------------------------------------------

/// Read a crosswalk file into the project (replacing one of the same name).
#[tauri::command]
pub async fn crosswalk_load(
    state: State<'_, AppState>,
    req: CrosswalkLoadRequest,
) -> CmdResult<CrosswalkSummary> {
    let ctx = ctx(&state)?;
    blocking(move || api::crosswalk::load(&ctx, &req)).await
}

/// Every crosswalk in the project.
#[tauri::command]
pub async fn crosswalk_list(state: State<'_, AppState>) -> CmdResult<Vec<CrosswalkSummary>> {
    let ctx = ctx(&state)?;
    blocking(move || api::crosswalk::list(&ctx)).await
}

/// A page of a crosswalk's entries, in file order.
#[tauri::command]
pub async fn crosswalk_entries(
    state: State<'_, AppState>,
    name: String,
    offset: i64,
    limit: u32,
) -> CmdResult<CrosswalkEntries> {
    let ctx = ctx(&state)?;
    blocking(move || api::crosswalk::entries(&ctx, &name, offset, limit)).await
}

/// Every legacy code of a source column, by frequency, and whether the crosswalk maps it.
#[tauri::command]
pub async fn crosswalk_coverage(
    state: State<'_, AppState>,
    req: CoverageRequest,
) -> CmdResult<CoverageReport> {
    let ctx = ctx(&state)?;
    blocking(move || api::crosswalk::coverage(&ctx, &req)).await
}

/// A crosswalk as a FHIR R4 ConceptMap; written to `out` (pretty JSON) when given, as the
/// CLI's `--out` does.
#[tauri::command]
pub async fn crosswalk_concept_map(
    state: State<'_, AppState>,
    req: ConceptMapRequest,
    out: Option<String>,
) -> CmdResult<serde_json::Value> {
    let ctx = ctx(&state)?;
    blocking(move || {
        let map = api::crosswalk::concept_map(&ctx, &req)?;
        if let Some(path) = out {
            let text = serde_json::to_string_pretty(&map)
                .map_err(|e| EngineError::Internal(e.to_string()))?;
            std::fs::write(&path, text + "\n").map_err(|e| EngineError::Io {
                context: format!("writing the ConceptMap to {path}"),
                source: e,
            })?;
        }
        Ok(map)
    })
    .await
}

/// Suggested mappings of a source's columns to a resource type's elements.
#[tauri::command]
pub async fn mapping_suggest(
    state: State<'_, AppState>,
    source: String,
    resource: String,
) -> CmdResult<Vec<Suggestion>> {
    let ctx = ctx(&state)?;
    blocking(move || api::studio::suggest(&ctx, &source, &resource)).await
}

// ---- Patient matching -----------------------------------------------------------------

/// The blocking rules a run can name.
#[tauri::command]
pub async fn match_rules() -> CmdResult<Vec<BlockingRuleInfo>> {
    Ok(api::matching::blocking_rules())
}

/// The settings a run uses when none are given (every rule, the default thresholds).
#[tauri::command]
pub async fn match_defaults() -> CmdResult<MatchConfig> {
    Ok(MatchConfig::default())
}

/// How many candidate pairs each blocking rule would yield, and which a run would refuse.
#[tauri::command]
pub async fn match_preview(
    state: State<'_, AppState>,
    config: MatchConfig,
) -> CmdResult<BlockingPreview> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::preview_blocking(&ctx, &config)).await
}

/// Block, fit, score and store a matching run, with progress.
#[tauri::command]
pub async fn match_run(
    state: State<'_, AppState>,
    config: MatchConfig,
    op_id: String,
    on_progress: Channel<ProgressEvent>,
) -> CmdResult<MatchRunSummary> {
    let ctx = ctx(&state)?;
    let op = Operation::start(&state, op_id)?;
    let cancel = op.cancel.clone();
    blocking(move || api::matching::run(&ctx, &config, &sink(on_progress), &cancel)).await
}

/// Every matching run, newest first.
#[tauri::command]
pub async fn match_runs(state: State<'_, AppState>) -> CmdResult<Vec<MatchRunSummary>> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::runs(&ctx)).await
}

/// One run, with its clusters and decisions counted now.
#[tauri::command]
pub async fn match_summary(state: State<'_, AppState>, run_id: i64) -> CmdResult<MatchRunSummary> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::summary(&ctx, run_id)).await
}

/// A page of a run's pairs, strongest first (weights withheld when blind).
#[tauri::command]
pub async fn match_pairs(state: State<'_, AppState>, req: PairPageRequest) -> CmdResult<PairPage> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::pairs(&ctx, &req)).await
}

/// Two records side by side with each field's level and weight (withheld when blind).
#[tauri::command]
pub async fn match_pair_detail(
    state: State<'_, AppState>,
    run_id: i64,
    left_id: String,
    right_id: String,
    blind: bool,
) -> CmdResult<PairDetail> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::pair_detail(&ctx, run_id, &left_id, &right_id, blind)).await
}

/// Record a reviewer's verdict on a pair.
#[tauri::command]
pub async fn match_decide(
    state: State<'_, AppState>,
    req: DecideRequest,
) -> CmdResult<ReviewDecision> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::decide(&ctx, &req)).await
}

/// Undo the run's latest standing decision; the undone decision, or null.
#[tauri::command]
pub async fn match_undo(
    state: State<'_, AppState>,
    run_id: i64,
) -> CmdResult<Option<ReviewDecision>> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::undo(&ctx, run_id)).await
}

/// How far the run's review band has got.
#[tauri::command]
pub async fn match_review_progress(
    state: State<'_, AppState>,
    run_id: i64,
) -> CmdResult<ReviewProgress> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::review_progress(&ctx, run_id)).await
}

/// A page of a run's clusters, chained ones first.
#[tauri::command]
pub async fn match_clusters(
    state: State<'_, AppState>,
    run_id: i64,
    offset: i64,
    limit: i64,
) -> CmdResult<ClusterPage> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::clusters(&ctx, run_id, offset, limit)).await
}

/// A run measured against true entity ids in a column of the patients' source rows.
#[tauri::command]
pub async fn match_evaluate(
    state: State<'_, AppState>,
    run_id: i64,
    labels_column: String,
    thresholds: Vec<f64>,
) -> CmdResult<MatchEvaluation> {
    let ctx = ctx(&state)?;
    blocking(move || api::matching::evaluate(&ctx, run_id, &labels_column, &thresholds)).await
}

/// The name decisions are recorded under unless the reviewer gives another.
#[tauri::command]
pub async fn match_current_user() -> CmdResult<String> {
    Ok(api::matching::current_user())
}
