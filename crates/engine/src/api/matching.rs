//! Use cases of patient matching: what blocking would yield, a run (block, fit, score and
//! store), paging its pairs, a pair explained side by side, review decisions (who, when, why;
//! undo), clusters, evaluation against a labels column, and pairs/decisions as CSV. The
//! matching itself is `crate::matching`; this module reads converted Patients and stores
//! what a run found.
//!
//! Pairs are named by resource ids (deterministic across conversions), `left_id < right_id`,
//! so a decision outlives the run it was made in: a later run shows it and does not ask
//! again. Logs carry run ids, counts and weights only.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::{Value, json};
use tracing::info;

use crate::api::dto::{
    ApplyDecisionsSummary, BlockingPreview, BlockingRuleInfo, ClusterMember, ClusterPage,
    DecideRequest, FieldComparison, MatchBand, MatchCluster, MatchConfig, MatchEvaluation,
    MatchPair, MatchRunSummary, PairDetail, PairMetricsDto, PairPage, PairPageRequest,
    RecordOrigin, ReviewDecision, ReviewProgress, ReviewVerdict, RulePairCount, Stage,
    ThresholdMetrics,
};
use crate::api::{Cancel, Ctx, ProgressSink, Throttled};
use crate::error::{EngineError, Result, SqlContext};
use crate::matching::blocking::{BlockingError, BlockingRule, candidate_pairs, rule_pair_counts};
use crate::matching::cluster::clusters as cluster_records;
use crate::matching::compare::{Comparison, Field, compare};
use crate::matching::evaluate::{PairMetrics, pair_metrics};
use crate::matching::model::{Decision, FitConfig, MatchModel, NeverMerge, ScoredPair, Thresholds};
use crate::matching::patient::{PatientFields, field_label};
use crate::matching::record::PersonRecord;
use crate::store::staging;

/// Most pairs or clusters one page may return.
pub const MAX_PAGE: i64 = 1000;

/// The blocking rules a run can name.
pub fn blocking_rules() -> Vec<BlockingRuleInfo> {
    BlockingRule::DEFAULT
        .iter()
        .map(|r| BlockingRuleInfo {
            name: r.name().to_owned(),
            default: true,
        })
        .collect()
}

/// The user name decisions are recorded under when none is given: the OS login.
pub fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Converted Patients that are not merged away, in id order, normalised for matching.
struct Population {
    ids: Vec<String>,
    records: Vec<PersonRecord>,
}

fn load_population(conn: &Connection, cancel: &Cancel) -> Result<Population> {
    let mut stmt = conn
        .prepare(
            "SELECT id, body FROM resource
             WHERE resource_type = 'Patient' AND merged_into IS NULL ORDER BY id",
        )
        .ctx("reading patients")?;
    let mut rows = stmt.query([]).ctx("reading patients")?;
    let (mut ids, mut records) = (Vec::new(), Vec::new());
    while let Some(row) = rows.next().ctx("reading patients")? {
        let id: String = row.get(0).ctx("reading patients")?;
        let body: String = row.get(1).ctx("reading patients")?;
        let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        records.push(PatientFields::from_resource(&value).record(&id));
        ids.push(id);
        if ids.len() % 65_536 == 0 {
            cancel.check("matching run")?;
        }
    }
    Ok(Population { ids, records })
}

fn rules_of(config: &MatchConfig) -> Result<Vec<BlockingRule>> {
    if config.rules.is_empty() {
        return Ok(BlockingRule::DEFAULT.to_vec());
    }
    config
        .rules
        .iter()
        .map(|name| {
            BlockingRule::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = BlockingRule::DEFAULT.iter().map(|r| r.name()).collect();
                EngineError::bad_input(
                    "blocking rules",
                    format!("no rule '{name}' (rules: {})", known.join(", ")),
                )
            })
        })
        .collect()
}

fn check_config(config: &MatchConfig) -> Result<()> {
    if !(config.link_threshold.is_finite() && config.review_threshold.is_finite())
        || config.review_threshold > config.link_threshold
    {
        return Err(EngineError::bad_input(
            "thresholds",
            "the review threshold must be a number at or below the link threshold",
        ));
    }
    if config.max_pairs_per_rule < 1 {
        return Err(EngineError::bad_input(
            "max pairs per rule",
            "must be at least 1",
        ));
    }
    Ok(())
}

/// How many candidate pairs each rule would yield on the project's patients, and which a
/// run would refuse: shown before a run so an over-broad rule is seen, not suffered.
pub fn preview_blocking(ctx: &Ctx, config: &MatchConfig) -> Result<BlockingPreview> {
    check_config(config)?;
    let rules = rules_of(config)?;
    let conn = ctx.open()?;
    let population = load_population(&conn, &Cancel::new())?;
    let counts = rule_pair_counts(&population.records, &rules);
    let max = config.max_pairs_per_rule.max(0) as u64;
    let accepted: Vec<BlockingRule> = counts
        .iter()
        .filter(|c| c.pairs <= max)
        .map(|c| c.rule)
        .collect();
    let total = candidate_pairs(&population.records, &accepted, max)
        .map(|c| c.pairs.len() as i64)
        .unwrap_or(0);
    Ok(BlockingPreview {
        records: population.ids.len() as i64,
        rules: counts
            .iter()
            .map(|c| RulePairCount {
                rule: c.rule.name().to_owned(),
                pairs: c.pairs as i64,
                refused: c.pairs > max,
            })
            .collect(),
        total_pairs: total,
        max_pairs_per_rule: config.max_pairs_per_rule,
    })
}

fn band_key(band: MatchBand) -> &'static str {
    match band {
        MatchBand::Link => "link",
        MatchBand::Review => "review",
        MatchBand::NonLink => "non_link",
    }
}

fn band_from(key: &str) -> MatchBand {
    match key {
        "link" => MatchBand::Link,
        "review" => MatchBand::Review,
        _ => MatchBand::NonLink,
    }
}

fn never_merge_label(rule: NeverMerge) -> &'static str {
    match rule {
        NeverMerge::DifferentSsn => "different SSNs",
        NeverMerge::LikelyTwins => "likely twins",
        NeverMerge::DifferentSuffix => "different generational suffixes (Jr / Sr)",
    }
}

fn verdict_key(v: ReviewVerdict) -> &'static str {
    match v {
        ReviewVerdict::Same => "same",
        ReviewVerdict::Different => "different",
        ReviewVerdict::Skip => "skip",
    }
}

fn verdict_from(key: &str) -> Option<ReviewVerdict> {
    match key.trim().to_ascii_lowercase().as_str() {
        "same" | "match" | "link" => Some(ReviewVerdict::Same),
        "different" | "non_link" | "non-link" | "nonlink" => Some(ReviewVerdict::Different),
        "skip" => Some(ReviewVerdict::Skip),
        _ => None,
    }
}

/// One character per field: the level index, or `-` when missing.
fn levels_text(c: &Comparison) -> String {
    c.levels
        .iter()
        .map(|l| match l {
            Some(l) => char::from(b'0' + l),
            None => '-',
        })
        .collect()
}

fn levels_from(text: &str) -> Comparison {
    let mut levels = [None; 9];
    for (slot, ch) in levels.iter_mut().zip(text.bytes()) {
        *slot = ch.is_ascii_digit().then(|| ch - b'0');
    }
    Comparison { levels }
}

fn model_json(model: &MatchModel) -> String {
    json!({
        "m": model.m,
        "u": model.u,
        "lambda": model.lambda,
        "m_support": model.m_support,
        "iterations": model.iterations,
    })
    .to_string()
}

fn model_from(text: &str) -> Result<MatchModel> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| EngineError::Internal(format!("stored match model unreadable: {e}")))?;
    let table = |key: &str| -> Vec<Vec<f64>> {
        serde_json::from_value(v.get(key).cloned().unwrap_or(Value::Null)).unwrap_or_default()
    };
    let model = MatchModel {
        m: table("m"),
        u: table("u"),
        lambda: v.get("lambda").and_then(Value::as_f64).unwrap_or(0.5),
        m_support: table("m_support"),
        iterations: v.get("iterations").and_then(Value::as_u64).unwrap_or(0) as usize,
    };
    if model.m.len() != Field::ALL.len() || model.u.len() != Field::ALL.len() {
        return Err(EngineError::Internal(
            "stored match model has the wrong shape".into(),
        ));
    }
    Ok(model)
}

fn ordered<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Block, fit, score, cluster and store a run over every converted Patient not merged away.
/// Stored pairs: links, the review band, and non-links a never-merge rule decided. One
/// transaction: cancelled or failed, nothing is kept.
pub fn run(
    ctx: &Ctx,
    config: &MatchConfig,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<MatchRunSummary> {
    check_config(config)?;
    let rules = rules_of(config)?;
    let started_at = ctx.now_text();
    let clock = Instant::now();
    let mut conn = ctx.open()?;
    let population = load_population(&conn, cancel)?;
    let n = population.ids.len() as i64;
    let mut tick = Throttled::new(progress, Stage::Match, "records", Some(n));
    tick.finish(n);
    cancel.check("matching run")?;

    // Per-record features (name sounds, nickname groups, day numbers) once, on all cores.
    let features = crate::matching::compare::features(&population.records);
    let candidates = crate::matching::blocking::candidate_pairs_with(
        &population.records,
        &features,
        &rules,
        config.max_pairs_per_rule.max(0) as u64,
        crate::matching::blocking::OverBroad::Refuse,
    )
    .map_err(|e| match e {
        BlockingError::TooManyPairs { rule, pairs, max } => EngineError::bad_input(
            "blocking rules",
            format!(
                "rule '{rule}' would yield {pairs} candidate pairs, over the limit of {max}: \
                 drop it or raise the limit"
            ),
        ),
    })?;
    cancel.check("matching run")?;
    let model = MatchModel::fit_with(
        &population.records,
        &features,
        &candidates.pairs,
        &FitConfig::default(),
    );
    cancel.check("matching run")?;
    let thresholds = Thresholds {
        link: config.link_threshold,
        review: config.review_threshold,
    };
    let scored = model.score_pairs_with(
        &population.records,
        &features,
        &candidates.pairs,
        &thresholds,
    );
    cancel.check("matching run")?;

    let count = |d: Decision| scored.iter().filter(|p| p.decision == d).count() as i64;
    let (links, reviews, non_links) = (
        count(Decision::Link),
        count(Decision::Review),
        count(Decision::NonLink),
    );
    let never = scored.iter().filter(|p| p.never_merge.is_some()).count() as i64;
    let per_rule: Vec<RulePairCount> = candidates
        .per_rule
        .iter()
        .map(|r| RulePairCount {
            rule: r.rule.name().to_owned(),
            pairs: r.pairs as i64,
            refused: false,
        })
        .collect();

    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting matching run")?;
    tx.execute(
        "INSERT INTO match_run (started_at, finished_at, config, model, records, candidate_pairs,
           per_rule, link_pairs, review_pairs, non_link_pairs, never_merge_pairs, seconds)
         VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)",
        params![
            started_at,
            serde_json::to_string(config).unwrap_or_default(),
            model_json(&model),
            n,
            candidates.pairs.len() as i64,
            serde_json::to_string(&per_rule).unwrap_or_default(),
            links,
            reviews,
            non_links,
            never,
        ],
    )
    .ctx("storing matching run")?;
    let run_id = tx.last_insert_rowid();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO match_pair (run_id, left_id, right_id, weight, band, never_merge, levels)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .ctx("storing pairs")?;
        let mut tick = Throttled::new(progress, Stage::Match, "pairs", Some(scored.len() as i64));
        for (i, p) in scored.iter().enumerate() {
            if p.decision == Decision::NonLink && p.never_merge.is_none() {
                continue;
            }
            let (ra, rb) = (
                &population.records[p.a as usize],
                &population.records[p.b as usize],
            );
            let band = match p.decision {
                Decision::Link => MatchBand::Link,
                Decision::Review => MatchBand::Review,
                Decision::NonLink => MatchBand::NonLink,
            };
            // Ids are sorted, so index order is id order: left < right.
            insert
                .execute(params![
                    run_id,
                    population.ids[p.a as usize],
                    population.ids[p.b as usize],
                    p.weight,
                    band_key(band),
                    p.never_merge.map(never_merge_label),
                    levels_text(&compare(ra, rb)),
                ])
                .ctx("storing pairs")?;
            if i % 8192 == 0 {
                tick.tick(i as i64);
                cancel.check("matching run")?;
            }
        }
        tick.finish(scored.len() as i64);
    }
    let seconds = clock.elapsed().as_secs_f64();
    tx.execute(
        "UPDATE match_run SET finished_at = ?2, seconds = ?3 WHERE id = ?1",
        params![run_id, ctx.now_text(), seconds],
    )
    .ctx("storing matching run")?;
    tx.commit().ctx("committing matching run")?;
    info!(
        run_id,
        records = n,
        candidate_pairs = candidates.pairs.len(),
        links,
        reviews,
        never_merge = never,
        seconds,
        "matching run stored"
    );
    summary_with(&conn, run_id)
}

/// Every run, newest first.
pub fn runs(ctx: &Ctx) -> Result<Vec<MatchRunSummary>> {
    let conn = ctx.open()?;
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM match_run ORDER BY id DESC")
        .ctx("listing runs")?
        .query_map([], |r| r.get(0))
        .ctx("listing runs")?
        .collect::<std::result::Result<_, _>>()
        .ctx("listing runs")?;
    ids.into_iter().map(|id| summary_with(&conn, id)).collect()
}

/// One run.
pub fn summary(ctx: &Ctx, run_id: i64) -> Result<MatchRunSummary> {
    summary_with(&ctx.open()?, run_id)
}

/// The newest run's id, if there is one.
pub fn latest_run(ctx: &Ctx) -> Result<Option<i64>> {
    ctx.open()?
        .query_row("SELECT max(id) FROM match_run", [], |r| r.get(0))
        .ctx("reading runs")
}

fn summary_with(conn: &Connection, run_id: i64) -> Result<MatchRunSummary> {
    let row = conn
        .query_row(
            "SELECT started_at, finished_at, config, records, candidate_pairs, per_rule,
                    link_pairs, review_pairs, non_link_pairs, never_merge_pairs, seconds
             FROM match_run WHERE id = ?1",
            [run_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    (
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                        r.get::<_, i64>(8)?,
                    ),
                    r.get::<_, i64>(9)?,
                    r.get::<_, f64>(10)?,
                ))
            },
        )
        .optional()
        .ctx("reading run")?
        .ok_or_else(|| EngineError::NoSuchRecord {
            what: format!("matching run {run_id}"),
        })?;
    let (started_at, finished_at, config, records, candidates, per_rule, bands, never, seconds) =
        row;
    let found = cluster_graph(conn, run_id)?;
    let progress = progress_with(conn, run_id)?;
    Ok(MatchRunSummary {
        id: run_id,
        started_at,
        finished_at,
        config: serde_json::from_str(&config).unwrap_or_default(),
        records,
        candidate_pairs: candidates,
        per_rule: serde_json::from_str(&per_rule).unwrap_or_default(),
        link_pairs: bands.0,
        review_pairs: bands.1,
        non_link_pairs: bands.2,
        never_merge_pairs: never,
        clusters: found.len() as i64,
        chained_clusters: found.iter().filter(|c| c.chained).count() as i64,
        decided: progress.same + progress.different,
        seconds,
    })
}

/// The standing (latest, not undone) decision on a pair, from any run.
const STANDING: &str =
    "SELECT d.id, d.run_id, d.left_id, d.right_id, d.decision, d.reviewer, d.reason, d.decided_at,
            d.undone_at
     FROM match_decision d
     WHERE d.left_id = ?1 AND d.right_id = ?2 AND d.undone_at IS NULL
     ORDER BY d.id DESC LIMIT 1";

fn decision_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewDecision> {
    let verdict: String = r.get(4)?;
    Ok(ReviewDecision {
        id: r.get(0)?,
        run_id: r.get(1)?,
        left_id: r.get(2)?,
        right_id: r.get(3)?,
        verdict: verdict_from(&verdict).unwrap_or(ReviewVerdict::Skip),
        reviewer: r.get(5)?,
        reason: r.get(6)?,
        decided_at: r.get(7)?,
        undone_at: r.get(8)?,
    })
}

fn standing(conn: &Connection, left: &str, right: &str) -> Result<Option<ReviewDecision>> {
    conn.prepare_cached(STANDING)
        .ctx("reading decisions")?
        .query_row([left, right], decision_row)
        .optional()
        .ctx("reading decisions")
}

/// A filter on `match_pair p` for pairs with no standing decision.
const NO_STANDING: &str = "NOT EXISTS (SELECT 1 FROM match_decision d
     WHERE d.left_id = p.left_id AND d.right_id = p.right_id AND d.undone_at IS NULL)";

fn run_model(conn: &Connection, run_id: i64) -> Result<(MatchModel, MatchConfig)> {
    let (model, config): (String, String) = conn
        .query_row(
            "SELECT model, config FROM match_run WHERE id = ?1",
            [run_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .ctx("reading run")?
        .ok_or_else(|| EngineError::NoSuchRecord {
            what: format!("matching run {run_id}"),
        })?;
    Ok((
        model_from(&model)?,
        serde_json::from_str(&config).unwrap_or_default(),
    ))
}

/// A page of a run's stored pairs, strongest first.
pub fn pairs(ctx: &Ctx, req: &PairPageRequest) -> Result<PairPage> {
    let conn = ctx.open()?;
    let (model, _) = run_model(&conn, req.run_id)?;
    let mut filter = String::from("p.run_id = ?1");
    if let Some(band) = req.band {
        filter.push_str(&format!(" AND p.band = '{}'", band_key(band)));
    }
    if req.undecided_only {
        filter.push_str(" AND ");
        filter.push_str(NO_STANDING);
    }
    let total: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM match_pair p WHERE {filter}"),
            [req.run_id],
            |r| r.get(0),
        )
        .ctx("counting pairs")?;
    let mut stmt = conn
        .prepare(&format!(
            "SELECT p.left_id, p.right_id, p.weight, p.band, p.never_merge FROM match_pair p
             WHERE {filter} ORDER BY p.weight DESC, p.left_id, p.right_id LIMIT ?2 OFFSET ?3"
        ))
        .ctx("reading pairs")?;
    let rows: Vec<(String, String, f64, String, Option<String>)> = stmt
        .query_map(
            params![req.run_id, req.limit.clamp(0, MAX_PAGE), req.offset.max(0)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .ctx("reading pairs")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading pairs")?;
    let mut pairs = Vec::with_capacity(rows.len());
    for (left, right, weight, band, never) in rows {
        let decision = standing(&conn, &left, &right)?;
        pairs.push(pair_dto(
            &model, left, right, weight, &band, never, decision, req.blind,
        ));
    }
    Ok(PairPage { total, pairs })
}

#[allow(clippy::too_many_arguments)]
fn pair_dto(
    model: &MatchModel,
    left_id: String,
    right_id: String,
    weight: f64,
    band: &str,
    never_merge: Option<String>,
    decision: Option<ReviewDecision>,
    blind: bool,
) -> MatchPair {
    MatchPair {
        left_id,
        right_id,
        weight: (!blind).then_some(weight),
        probability: (!blind).then(|| model.probability(weight)),
        band: (!blind).then(|| band_from(band)),
        never_merge: if blind { None } else { never_merge },
        decision,
    }
}

fn origin(conn: &Connection, resource_id: &str) -> Result<(RecordOrigin, PatientFields)> {
    let found = conn
        .query_row(
            "SELECT r.snapshot_id, r.row, r.line, r.identifier_system, r.identifier_value,
                    r.merged_into, r.body, s.name, sn.file_name
             FROM resource r JOIN snapshot sn ON sn.id = r.snapshot_id
             JOIN source s ON s.id = sn.source_id WHERE r.id = ?1",
            [resource_id],
            |r| {
                Ok((
                    (r.get::<_, i64>(1)?, r.get::<_, i64>(2)?),
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            },
        )
        .optional()
        .ctx("reading resource")?
        .ok_or_else(|| EngineError::NoSuchRecord {
            what: format!("resource '{resource_id}'"),
        })?;
    let ((row, line), system, value, merged_into, body, source, file_name) = found;
    let fields = PatientFields::from_resource(&serde_json::from_str(&body).unwrap_or(Value::Null));
    Ok((
        RecordOrigin {
            resource_id: resource_id.to_owned(),
            source,
            file_name,
            row,
            line,
            identifier_system: system,
            identifier_value: value,
            merged_into,
        },
        fields,
    ))
}

/// A pair explained: both records side by side, each field's level and weight, the prior
/// and the total. A clinical view (it shows values). Works for any two patients, so a
/// reviewer can also compare records the run did not pair.
pub fn pair_detail(
    ctx: &Ctx,
    run_id: i64,
    left_id: &str,
    right_id: &str,
    blind: bool,
) -> Result<PairDetail> {
    let conn = ctx.open()?;
    let (model, config) = run_model(&conn, run_id)?;
    let (left_id, right_id) = ordered(left_id, right_id);
    let (left, left_fields) = origin(&conn, left_id)?;
    let (right, right_fields) = origin(&conn, right_id)?;
    let stored: Option<(f64, String, Option<String>, String)> = conn
        .query_row(
            "SELECT weight, band, never_merge, levels FROM match_pair
             WHERE run_id = ?1 AND left_id = ?2 AND right_id = ?3",
            params![run_id, left_id, right_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .ctx("reading pair")?;
    let (ra, rb) = (left_fields.record(left_id), right_fields.record(right_id));
    // A stored pair is explained as the run saw it; any other pair as the records are now.
    let c = match &stored {
        Some((.., levels)) => levels_from(levels),
        None => compare(&ra, &rb),
    };
    let thresholds = Thresholds {
        link: config.link_threshold,
        review: config.review_threshold,
    };
    let (weight, band, never) = match stored {
        Some((w, band, never, _)) => (w, band, never),
        None => {
            let scored = model.score(&[ra.clone(), rb.clone()], 0, 1, &thresholds);
            let band = match scored.decision {
                Decision::Link => "link",
                Decision::Review => "review",
                Decision::NonLink => "non_link",
            };
            (
                scored.weight,
                band.to_owned(),
                scored.never_merge.map(|r| never_merge_label(r).to_owned()),
            )
        }
    };
    let fields = model
        .explain(&c)
        .into_iter()
        .map(|e| FieldComparison {
            field: e.field.name().to_owned(),
            label: field_label(e.field).to_owned(),
            left: left_fields.display(e.field),
            right: right_fields.display(e.field),
            level: e.level.to_owned(),
            weight: (!blind).then_some(e.weight),
        })
        .collect();
    let history = conn
        .prepare(
            "SELECT id, run_id, left_id, right_id, decision, reviewer, reason, decided_at, undone_at
             FROM match_decision WHERE left_id = ?1 AND right_id = ?2 ORDER BY id DESC",
        )
        .ctx("reading decisions")?
        .query_map([left_id, right_id], decision_row)
        .ctx("reading decisions")?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx("reading decisions")?;
    let decision = standing(&conn, left_id, right_id)?;
    Ok(PairDetail {
        run_id,
        pair: pair_dto(
            &model,
            left_id.to_owned(),
            right_id.to_owned(),
            weight,
            &band,
            never,
            decision,
            blind,
        ),
        left,
        right,
        prior: (!blind).then(|| model.prior_weight()),
        fields,
        link_threshold: config.link_threshold,
        review_threshold: config.review_threshold,
        history,
    })
}

fn insert_decision(
    conn: &Connection,
    run_id: i64,
    left: &str,
    right: &str,
    verdict: ReviewVerdict,
    reviewer: &str,
    reason: Option<&str>,
    at: &str,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO match_decision (run_id, left_id, right_id, decision, reviewer, reason, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .ctx("storing decision")?
    .execute(params![
        run_id,
        left,
        right,
        verdict_key(verdict),
        reviewer,
        reason.map(str::trim).filter(|r| !r.is_empty()),
        at
    ])
    .ctx("storing decision")?;
    Ok(conn.last_insert_rowid())
}

fn check_reviewer(reviewer: &str) -> Result<()> {
    if reviewer.trim().is_empty() {
        return Err(EngineError::bad_input(
            "reviewer",
            "a decision needs the reviewer's name",
        ));
    }
    Ok(())
}

/// Records a verdict on two patients (normally a pair of the run). The decision names who,
/// when and why; it stands until undone or replaced by a later one.
pub fn decide(ctx: &Ctx, req: &DecideRequest) -> Result<ReviewDecision> {
    check_reviewer(&req.reviewer)?;
    let (left, right) = ordered(&req.left_id, &req.right_id);
    if left == right {
        return Err(EngineError::bad_input(
            "decision",
            "a record cannot be paired with itself",
        ));
    }
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting decision")?;
    run_model(&tx, req.run_id)?;
    for id in [left, right] {
        let found: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM resource WHERE id = ?1 AND resource_type = 'Patient'",
                [id],
                |r| r.get(0),
            )
            .optional()
            .ctx("reading resource")?;
        if found.is_none() {
            return Err(EngineError::NoSuchRecord {
                what: format!("patient '{id}'"),
            });
        }
    }
    let id = insert_decision(
        &tx,
        req.run_id,
        left,
        right,
        req.verdict,
        req.reviewer.trim(),
        req.reason.as_deref(),
        &ctx.now_text(),
    )?;
    let decision = tx
        .query_row(
            "SELECT id, run_id, left_id, right_id, decision, reviewer, reason, decided_at, undone_at
             FROM match_decision WHERE id = ?1",
            [id],
            decision_row,
        )
        .ctx("reading decision")?;
    tx.commit().ctx("committing decision")?;
    info!(
        run_id = req.run_id,
        decision_id = id,
        verdict = verdict_key(req.verdict),
        "review decision recorded"
    );
    Ok(decision)
}

/// Undoes the latest standing decision made in the run (it keeps its row, marked undone),
/// and returns it so the reviewer goes back to that pair. `None` when there is nothing to
/// undo.
pub fn undo(ctx: &Ctx, run_id: i64) -> Result<Option<ReviewDecision>> {
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting undo")?;
    let mut last = tx
        .query_row(
            "SELECT id, run_id, left_id, right_id, decision, reviewer, reason, decided_at, undone_at
             FROM match_decision WHERE run_id = ?1 AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
            [run_id],
            decision_row,
        )
        .optional()
        .ctx("reading decisions")?;
    if let Some(d) = &mut last {
        let now = ctx.now_text();
        tx.execute(
            "UPDATE match_decision SET undone_at = ?2 WHERE id = ?1",
            params![d.id, now],
        )
        .ctx("undoing decision")?;
        d.undone_at = Some(now);
        info!(run_id, decision_id = d.id, "review decision undone");
    }
    tx.commit().ctx("committing undo")?;
    Ok(last)
}

/// How far the review band of a run has got.
pub fn review_progress(ctx: &Ctx, run_id: i64) -> Result<ReviewProgress> {
    progress_with(&ctx.open()?, run_id)
}

fn progress_with(conn: &Connection, run_id: i64) -> Result<ReviewProgress> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT ({STANDING_VERDICT}) AS v, count(*) FROM match_pair p
             WHERE p.run_id = ?1 AND p.band = 'review' GROUP BY v"
        ))
        .ctx("reading review progress")?;
    let mut progress = ReviewProgress {
        run_id,
        total: 0,
        same: 0,
        different: 0,
        skipped: 0,
        pending: 0,
    };
    let rows = stmt
        .query_map([run_id], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
        })
        .ctx("reading review progress")?;
    for row in rows {
        let (verdict, n) = row.ctx("reading review progress")?;
        progress.total += n;
        match verdict.as_deref().and_then(verdict_from) {
            Some(ReviewVerdict::Same) => progress.same += n,
            Some(ReviewVerdict::Different) => progress.different += n,
            Some(ReviewVerdict::Skip) => progress.skipped += n,
            None => progress.pending += n,
        }
    }
    Ok(progress)
}

/// The standing verdict of pair `p`, as a scalar subquery.
const STANDING_VERDICT: &str = "SELECT d.decision FROM match_decision d
     WHERE d.left_id = p.left_id AND d.right_id = p.right_id AND d.undone_at IS NULL
     ORDER BY d.id DESC LIMIT 1";

/// Clusters of a run: links not decided "different", plus pairs decided "same".
fn cluster_graph(conn: &Connection, run_id: i64) -> Result<Vec<ClusterOf>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT p.left_id, p.right_id, p.band, ({STANDING_VERDICT}) FROM match_pair p
             WHERE p.run_id = ?1 AND (p.band != 'non_link' OR EXISTS (
               SELECT 1 FROM match_decision d WHERE d.left_id = p.left_id
               AND d.right_id = p.right_id AND d.undone_at IS NULL))"
        ))
        .ctx("reading pairs")?;
    let rows: Vec<(String, String, String, Option<String>)> = stmt
        .query_map([run_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .ctx("reading pairs")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading pairs")?;
    // Decisions on pairs the run did not store (compared by hand) count too.
    let extra: Vec<(String, String)> = conn
        .prepare(
            "SELECT d.left_id, d.right_id FROM match_decision d
             WHERE d.undone_at IS NULL AND d.decision = 'same'
               AND d.id = (SELECT max(e.id) FROM match_decision e WHERE e.left_id = d.left_id
                           AND e.right_id = d.right_id AND e.undone_at IS NULL)
               AND NOT EXISTS (SELECT 1 FROM match_pair p WHERE p.run_id = ?1
                               AND p.left_id = d.left_id AND p.right_id = d.right_id)
               AND d.run_id = ?1",
        )
        .ctx("reading decisions")?
        .query_map([run_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .ctx("reading decisions")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading decisions")?;
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut id_of = |s: &str, index: &mut HashMap<String, u32>| -> u32 {
        if let Some(&i) = index.get(s) {
            return i;
        }
        let i = names.len() as u32;
        names.push(s.to_owned());
        index.insert(s.to_owned(), i);
        i
    };
    let mut scored = Vec::with_capacity(rows.len() + extra.len());
    for (left, right, band, verdict) in &rows {
        let (a, b) = (id_of(left, &mut index), id_of(right, &mut index));
        let decision = match (verdict.as_deref().and_then(verdict_from), band.as_str()) {
            (Some(ReviewVerdict::Same), _) => Decision::Link,
            (Some(ReviewVerdict::Different), _) => Decision::NonLink,
            (_, "link") => Decision::Link,
            (_, "review") => Decision::Review,
            _ => Decision::NonLink,
        };
        scored.push(ScoredPair {
            a,
            b,
            weight: 0.0,
            decision,
            never_merge: None,
        });
    }
    for (left, right) in &extra {
        let (a, b) = (id_of(left, &mut index), id_of(right, &mut index));
        scored.push(ScoredPair {
            a,
            b,
            weight: 0.0,
            decision: Decision::Link,
            never_merge: None,
        });
    }
    Ok(cluster_records(names.len(), &scored)
        .into_iter()
        .map(|c| ClusterOf {
            members: c
                .members
                .iter()
                .map(|&i| names[i as usize].clone())
                .collect(),
            chained: c.chained,
        })
        .collect())
}

struct ClusterOf {
    members: Vec<String>,
    chained: bool,
}

/// A page of a run's clusters (two or more records believed to be one person), chained
/// ones first, then by key.
pub fn clusters(ctx: &Ctx, run_id: i64, offset: i64, limit: i64) -> Result<ClusterPage> {
    let conn = ctx.open()?;
    run_model(&conn, run_id)?;
    let mut found = cluster_graph(&conn, run_id)?;
    for c in &mut found {
        c.members.sort();
    }
    found.sort_by(|a, b| {
        b.chained
            .cmp(&a.chained)
            .then_with(|| a.members.cmp(&b.members))
    });
    let total = found.len() as i64;
    let mut out = Vec::new();
    for c in found
        .into_iter()
        .skip(offset.max(0) as usize)
        .take(limit.clamp(0, MAX_PAGE) as usize)
    {
        let mut members = Vec::with_capacity(c.members.len());
        let mut lowest = f64::INFINITY;
        for (i, id) in c.members.iter().enumerate() {
            let (o, _) = origin(&conn, id)?;
            members.push(ClusterMember {
                resource_id: id.clone(),
                source: o.source,
                row: o.row,
                identifier_value: o.identifier_value,
            });
            for other in &c.members[i + 1..] {
                let w: Option<f64> = conn
                    .query_row(
                        "SELECT weight FROM match_pair WHERE run_id = ?1 AND left_id = ?2 AND right_id = ?3",
                        params![run_id, id, other],
                        |r| r.get(0),
                    )
                    .optional()
                    .ctx("reading pair")?;
                if let Some(w) = w {
                    lowest = lowest.min(w);
                }
            }
        }
        let merge_id: Option<i64> = conn
            .query_row(
                "SELECT id FROM merge WHERE survivor_id IN (SELECT value FROM json_each(?1))
                 AND unmerged_at IS NULL ORDER BY id DESC LIMIT 1",
                [serde_json::to_string(&c.members).unwrap_or_default()],
                |r| r.get(0),
            )
            .optional()
            .ctx("reading merges")?;
        out.push(MatchCluster {
            key: c.members[0].clone(),
            members,
            chained: c.chained,
            lowest_weight: if lowest.is_finite() { lowest } else { 0.0 },
            merge_id,
        });
    }
    Ok(ClusterPage {
        total,
        clusters: out,
    })
}

/// The members of a run's cluster named by its key (its smallest member id), sorted; `None`
/// when the run has no such cluster.
pub(crate) fn cluster_members_with(
    conn: &Connection,
    run_id: i64,
    key: &str,
) -> Result<Option<Vec<String>>> {
    run_model(conn, run_id)?;
    Ok(cluster_graph(conn, run_id)?.into_iter().find_map(|c| {
        let mut members = c.members;
        members.sort();
        (members.first().map(String::as_str) == Some(key)).then_some(members)
    }))
}

/// The standing decision on two records, in either order.
pub(crate) fn standing_between(
    conn: &Connection,
    a: &str,
    b: &str,
) -> Result<Option<ReviewDecision>> {
    let (left, right) = ordered(a, b);
    standing(conn, left, right)
}

fn metrics_dto(m: PairMetrics) -> PairMetricsDto {
    PairMetricsDto {
        true_positives: m.true_positives as i64,
        false_positives: m.false_positives as i64,
        false_negatives: m.false_negatives as i64,
        precision: m.precision,
        recall: m.recall,
        f1: m.f1,
    }
}

/// Measures a run against true entity ids held in a column of the patients' source rows
/// (a synthetic or hand-labelled set). Pairs of records whose label is blank are not
/// counted as true pairs. Prints counts only; labels never leave the project.
pub fn evaluate(
    ctx: &Ctx,
    run_id: i64,
    labels_column: &str,
    thresholds: &[f64],
) -> Result<MatchEvaluation> {
    let conn = ctx.open()?;
    let (_, config) = run_model(&conn, run_id)?;
    // Every patient the run could see, in id order, with its label.
    let mut stmt = conn
        .prepare(
            "SELECT id, snapshot_id, row FROM resource
             WHERE resource_type = 'Patient' AND merged_into IS NULL ORDER BY id",
        )
        .ctx("reading patients")?;
    let patients: Vec<(String, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .ctx("reading patients")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading patients")?;
    let mut column_of: HashMap<i64, Option<usize>> = HashMap::new();
    let mut labels = Vec::with_capacity(patients.len());
    let mut index: HashMap<&str, u32> = HashMap::new();
    for (i, (id, snapshot, row)) in patients.iter().enumerate() {
        index.insert(id.as_str(), i as u32);
        let column = match column_of.get(snapshot) {
            Some(c) => *c,
            None => {
                let c = staging::columns(&conn, *snapshot)?
                    .into_iter()
                    .find(|c| c.name.eq_ignore_ascii_case(labels_column.trim()))
                    .map(|c| c.index as usize);
                column_of.insert(*snapshot, c);
                c
            }
        };
        let label: Option<String> = match column {
            Some(c) => conn
                .prepare_cached(&format!(
                    "SELECT c{c} FROM {} WHERE row = ?1",
                    staging::table_name(*snapshot)
                ))
                .ctx("reading labels")?
                .query_row([row], |r| r.get(0))
                .optional()
                .ctx("reading labels")?
                .flatten(),
            None => None,
        };
        // A blank label is its own entity: never a true pair with anyone.
        labels.push(match label.filter(|l| !l.trim().is_empty()) {
            Some(l) => l.trim().to_owned(),
            None => format!("\u{0}unlabelled {i}"),
        });
    }
    let labelled = labels.iter().filter(|l| !l.starts_with('\u{0}')).count() as i64;
    if labelled == 0 {
        return Err(EngineError::bad_input(
            "labels",
            format!("no patient's source row has a value in a column named '{labels_column}'"),
        ));
    }
    let mut stored: Vec<(u32, u32, f64, String, Option<String>)> = Vec::new();
    {
        let mut stmt = conn
            .prepare("SELECT left_id, right_id, weight, band, never_merge FROM match_pair WHERE run_id = ?1")
            .ctx("reading pairs")?;
        let rows = stmt
            .query_map([run_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, f64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .ctx("reading pairs")?;
        for row in rows {
            let (l, r, w, band, never) = row.ctx("reading pairs")?;
            if let (Some(&a), Some(&b)) = (index.get(l.as_str()), index.get(r.as_str())) {
                stored.push((a, b, w, band, never));
            }
        }
    }
    let link = pair_metrics(
        stored.iter().filter(|p| p.3 == "link").map(|p| (p.0, p.1)),
        &labels,
    );
    let found = cluster_graph(&conn, run_id)?;
    let cluster_pairs = found.iter().flat_map(|c| {
        let ids: Vec<u32> = c
            .members
            .iter()
            .filter_map(|m| index.get(m.as_str()).copied())
            .collect();
        let mut out = Vec::new();
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                out.push((a, b));
            }
        }
        out
    });
    let clustered = pair_metrics(cluster_pairs, &labels);
    let true_pairs = link.true_positives + link.false_negatives;
    // Blocking recall: candidate pairs are not all stored, so re-block the population.
    let population = load_population(&conn, &Cancel::new())?;
    let rules = rules_of(&config)?;
    let blocking_recall = candidate_pairs(
        &population.records,
        &rules,
        config.max_pairs_per_rule.max(0) as u64,
    )
    .map(|c| pair_metrics(c.pairs.iter().copied(), &labels).recall)
    .unwrap_or(0.0);
    let mut ts: Vec<f64> = thresholds.to_vec();
    if ts.is_empty() {
        ts = vec![
            -10.0,
            -5.0,
            0.0,
            config.link_threshold,
            5.0,
            10.0,
            15.0,
            20.0,
        ];
    }
    ts.sort_by(f64::total_cmp);
    ts.dedup();
    let by_threshold = ts
        .iter()
        .map(|&t| ThresholdMetrics {
            threshold: t,
            metrics: metrics_dto(pair_metrics(
                stored
                    .iter()
                    .filter(|p| p.4.is_none() && p.2 >= t)
                    .map(|p| (p.0, p.1)),
                &labels,
            )),
        })
        .collect();
    info!(run_id, labelled, true_pairs, "matching run evaluated");
    Ok(MatchEvaluation {
        run_id,
        labels_column: labels_column.to_owned(),
        labelled_records: labelled,
        true_pairs: true_pairs as i64,
        blocking_recall,
        link: metrics_dto(link),
        clusters: metrics_dto(clustered),
        by_threshold,
    })
}

fn csv_error(file: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::bad_input(file.display().to_string(), e.to_string())
}

/// Writes a run's stored pairs as CSV: `left_id,right_id,weight,band,never_merge,decision,
/// reviewer,decided_at`. Ids and weights only: no names, no dates of birth.
pub fn export_pairs(ctx: &Ctx, run_id: i64, out: &Path) -> Result<i64> {
    let conn = ctx.open()?;
    run_model(&conn, run_id)?;
    let file = std::fs::File::create(out)
        .map_err(|e| EngineError::io(format!("creating {}", out.display()), e))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    w.write_record([
        "left_id",
        "right_id",
        "weight",
        "band",
        "never_merge",
        "decision",
        "reviewer",
        "decided_at",
    ])
    .map_err(|e| csv_error(out, e))?;
    let mut stmt = conn
        .prepare(&format!(
            "SELECT p.left_id, p.right_id, p.weight, p.band, p.never_merge,
                    d.decision, d.reviewer, d.decided_at
             FROM match_pair p LEFT JOIN match_decision d ON d.id = (
               SELECT max(e.id) FROM match_decision e WHERE e.left_id = p.left_id
               AND e.right_id = p.right_id AND e.undone_at IS NULL)
             WHERE p.run_id = ?1 ORDER BY p.weight DESC, p.left_id, p.right_id"
        ))
        .ctx("reading pairs")?;
    let mut rows = stmt.query([run_id]).ctx("reading pairs")?;
    let mut n = 0i64;
    while let Some(r) = rows.next().ctx("reading pairs")? {
        let text = |i: usize| -> rusqlite::Result<String> {
            Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
        };
        let weight: f64 = r.get(2).ctx("reading pairs")?;
        w.write_record([
            text(0).ctx("reading pairs")?,
            text(1).ctx("reading pairs")?,
            format!("{weight:.3}"),
            text(3).ctx("reading pairs")?,
            text(4).ctx("reading pairs")?,
            text(5).ctx("reading pairs")?,
            text(6).ctx("reading pairs")?,
            text(7).ctx("reading pairs")?,
        ])
        .map_err(|e| csv_error(out, e))?;
        n += 1;
    }
    w.flush()
        .map_err(|e| EngineError::io(format!("writing {}", out.display()), e))?;
    info!(run_id, pairs = n, "pairs exported");
    Ok(n)
}

/// Applies decisions from a CSV with columns `left_id`, `right_id`, `decision` (same,
/// different or skip) and optionally `reason` and `reviewer` — e.g. an export edited in a
/// spreadsheet. Rows with an empty decision are passed over; a pair the run does not hold
/// is reported by line, not applied. One transaction: a malformed file applies nothing.
pub fn apply_decisions(
    ctx: &Ctx,
    run_id: i64,
    file: &Path,
    reviewer: &str,
) -> Result<ApplyDecisionsSummary> {
    check_reviewer(reviewer)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .map_err(|e| csv_error(file, e))?;
    let headers = reader.headers().map_err(|e| csv_error(file, e))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(left), Some(right), Some(decision)) =
        (col("left_id"), col("right_id"), col("decision"))
    else {
        return Err(EngineError::bad_input(
            file.display().to_string(),
            "needs the columns left_id, right_id and decision",
        ));
    };
    let (reason_col, reviewer_col) = (col("reason"), col("reviewer"));
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting decisions")?;
    run_model(&tx, run_id)?;
    let now = ctx.now_text();
    let (mut applied, mut unknown) = (0i64, Vec::new());
    for (i, record) in reader.records().enumerate() {
        let line = i as u32 + 2;
        let record = record.map_err(|e| csv_error(file, e))?;
        let get = |c: usize| record.get(c).unwrap_or("").trim();
        let text = get(decision);
        if text.is_empty() {
            continue;
        }
        let verdict = verdict_from(text).ok_or_else(|| EngineError::BadInput {
            file: file.display().to_string(),
            location: format!("line {line}, column decision"),
            reason: "the decision must be same, different or skip".into(),
        })?;
        let (l, r) = ordered(get(left), get(right));
        let held: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM match_pair WHERE run_id = ?1 AND left_id = ?2 AND right_id = ?3",
                params![run_id, l, r],
                |row| row.get(0),
            )
            .optional()
            .ctx("reading pair")?;
        if held.is_none() {
            unknown.push(line);
            continue;
        }
        // Re-importing an unchanged export must not stack copies of the same decision.
        if let Some(current) = standing(&tx, l, r)?
            && current.verdict == verdict
        {
            continue;
        }
        let who = reviewer_col
            .map(get)
            .filter(|w| !w.is_empty())
            .unwrap_or(reviewer.trim());
        insert_decision(&tx, run_id, l, r, verdict, who, reason_col.map(get), &now)?;
        applied += 1;
    }
    tx.commit().ctx("committing decisions")?;
    info!(
        run_id,
        applied,
        unknown = unknown.len(),
        "decisions applied"
    );
    Ok(ApplyDecisionsSummary {
        applied,
        unknown_pairs: unknown,
    })
}
