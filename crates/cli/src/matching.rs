//! `cutover match …`: find duplicate patients among the converted records, review the
//! uncertain pairs, list clusters, measure a run against known labels, move pairs and
//! decisions in and out as CSV, and merge (and unmerge) the records of one person. Output
//! names records by id, never by name or birth date, except `match show` and
//! `match merge --dry-run`, the clinical views.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use cutover_engine::EngineError;
use cutover_engine::api::dto::{
    DecideRequest, FieldPick, MatchBand, MatchConfig, MatchRunSummary, MergeRequest, MergeSummary,
    PairPageRequest, ReviewVerdict, SurvivorshipRule,
};
use cutover_engine::api::{self, Cancel, Ctx, ProgressSink};
use serde_json::json;

use crate::output::{self, Out};

#[derive(Clone, Copy, ValueEnum)]
pub enum BandArg {
    Link,
    Review,
    NonLink,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RuleArg {
    /// The value of the most recently imported record (later snapshot, then later row).
    MostRecent,
    /// The value with the most filled parts.
    MostComplete,
    /// The value of the record whose source comes first in --source-priority.
    SourcePriority,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum VerdictArg {
    Same,
    Different,
    Skip,
}

/// Blocking and thresholds, shared by `preview` and `run`.
#[derive(clap::Args)]
pub struct ConfigArgs {
    /// A blocking rule to use (repeat for several; default: all of `cutover match rules`).
    #[arg(long = "rule")]
    rules: Vec<String>,
    /// Refuse a rule that would yield more candidate pairs than this.
    #[arg(long, default_value_t = MatchConfig::default().max_pairs_per_rule)]
    max_pairs_per_rule: i64,
    /// Match weight (bits) at or above which a pair is linked.
    #[arg(long, default_value_t = MatchConfig::default().link_threshold, allow_hyphen_values = true)]
    link: f64,
    /// Match weight at or above which a pair goes to review.
    #[arg(long, default_value_t = MatchConfig::default().review_threshold, allow_hyphen_values = true)]
    review: f64,
}

impl ConfigArgs {
    fn config(&self) -> MatchConfig {
        MatchConfig {
            rules: self.rules.clone(),
            max_pairs_per_rule: self.max_pairs_per_rule,
            link_threshold: self.link,
            review_threshold: self.review,
        }
    }
}

#[derive(Subcommand)]
pub enum MatchCommand {
    /// The blocking rules a run can use.
    Rules,
    /// How many candidate pairs each blocking rule would yield, before running.
    Preview {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Match the converted patients: block, fit the model (no labels), score, store.
    Run {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// The project's runs, newest first.
    Runs,
    /// A page of a run's pairs (ids and weights), strongest first.
    Pairs {
        /// The run (default: the latest).
        #[arg(long)]
        run: Option<i64>,
        #[arg(long, value_enum)]
        band: Option<BandArg>,
        /// Only pairs nobody has decided yet.
        #[arg(long)]
        undecided: bool,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Two records side by side with each field's level and weight (a clinical view: it
    /// shows names and dates).
    Show {
        left: String,
        right: String,
        #[arg(long)]
        run: Option<i64>,
        /// Hide the weights and the band.
        #[arg(long)]
        blind: bool,
    },
    /// Record a verdict on a pair.
    Decide {
        left: String,
        right: String,
        #[arg(value_enum)]
        verdict: VerdictArg,
        #[arg(long)]
        run: Option<i64>,
        /// Why (kept with the decision).
        #[arg(long)]
        reason: Option<String>,
        /// Who decides (default: the login name).
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Undo the run's latest decision.
    Undo {
        #[arg(long)]
        run: Option<i64>,
    },
    /// Records believed to be one person: links not decided "different", plus pairs decided
    /// "same". Chained clusters (two members that do not pair on their own) come first.
    Clusters {
        #[arg(long)]
        run: Option<i64>,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Write a run's pairs as CSV: left_id, right_id, weight, band, never_merge, decision,
    /// reviewer, decided_at.
    Export {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        run: Option<i64>,
    },
    /// Apply decisions from a CSV with left_id, right_id, decision (same, different, skip)
    /// and optionally reason and reviewer columns.
    Apply {
        file: PathBuf,
        #[arg(long)]
        run: Option<i64>,
        /// Who decides, for rows without a reviewer (default: the login name).
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Merge records of one person (a run's cluster, or the records named) into a survivor:
    /// each field's value by the rule unless picked, the others' identifiers added as old
    /// ones, and every appointment, result, … that referenced them moved to the survivor.
    Merge {
        /// The records to merge (Patient resource ids), unless --cluster.
        #[arg(required_unless_present = "cluster", conflicts_with = "cluster")]
        members: Vec<String>,
        /// A cluster of the run, by its key (its smallest member id; `match clusters`).
        #[arg(long)]
        cluster: Option<String>,
        /// The run the cluster is in (default: the latest); kept with the merge.
        #[arg(long)]
        run: Option<i64>,
        /// The record that survives (default: chosen by the rule, record by record).
        #[arg(long)]
        survivor: Option<String>,
        /// How each field's value is chosen (default: most-recent, or source-priority when
        /// --source-priority is given).
        #[arg(long, value_enum)]
        rule: Option<RuleArg>,
        /// Source names, most trusted first (comma-separated).
        #[arg(long, value_delimiter = ',')]
        source_priority: Vec<String>,
        /// Take a field from a record: FIELD=RESOURCE_ID (repeat).
        #[arg(long = "pick")]
        picks: Vec<String>,
        /// Why (kept with the merge).
        #[arg(long)]
        reason: Option<String>,
        /// Who merges (default: the login name).
        #[arg(long)]
        reviewer: Option<String>,
        /// Show what would survive and what would move; change nothing (shows values).
        #[arg(long)]
        dry_run: bool,
    },
    /// Undo a merge: every body back as it was before, byte for byte. Merges undo
    /// last-in first-out: a later merge sharing records must be undone first.
    Unmerge {
        merge_id: i64,
        /// Who undoes it (default: the login name).
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// The project's merges, newest first.
    Merges,
    /// Pair precision, recall and F1 of a run against true entity ids in a column of the
    /// patients' source rows, at the run's thresholds and by threshold.
    Evaluate {
        /// The source column holding the true entity id.
        #[arg(long)]
        labels: String,
        #[arg(long)]
        run: Option<i64>,
        /// A link threshold to tabulate (repeat; default: a spread around the run's).
        #[arg(long = "threshold", allow_hyphen_values = true)]
        thresholds: Vec<f64>,
    },
}

fn run_or_latest(ctx: &Ctx, run: Option<i64>) -> Result<i64, EngineError> {
    match run {
        Some(r) => Ok(r),
        None => api::matching::latest_run(ctx)?.ok_or_else(|| EngineError::NoSuchRecord {
            what: "matching run (run `cutover match run` first)".into(),
        }),
    }
}

fn band_text(band: Option<MatchBand>) -> &'static str {
    match band {
        Some(MatchBand::Link) => "link",
        Some(MatchBand::Review) => "review",
        Some(MatchBand::NonLink) => "non-link",
        None => "",
    }
}

fn verdict_text(v: ReviewVerdict) -> &'static str {
    match v {
        ReviewVerdict::Same => "same",
        ReviewVerdict::Different => "different",
        ReviewVerdict::Skip => "skip",
    }
}

fn merge_text(m: &MergeSummary) -> String {
    let mut text = format!(
        "Merge {}: {} merged into {} by {} at {}; {} resources point to it",
        m.id,
        m.merged_ids.join(", "),
        m.survivor_id,
        m.merged_by,
        m.merged_at,
        m.redirected
    );
    if let (Some(by), Some(at)) = (&m.unmerged_by, &m.unmerged_at) {
        text.push_str(&format!(" (undone by {by} at {at})"));
    }
    text
}

fn picks_of(picks: &[String]) -> Result<Vec<FieldPick>, EngineError> {
    picks
        .iter()
        .map(|p| {
            let (field, id) = p.split_once('=').ok_or_else(|| {
                EngineError::bad_input("--pick", format!("'{p}' is not FIELD=RESOURCE_ID"))
            })?;
            Ok(FieldPick {
                field: field.trim().to_owned(),
                resource_id: id.trim().to_owned(),
            })
        })
        .collect()
}

fn run_text(s: &MatchRunSummary) -> String {
    let mut lines = vec![format!(
        "Run {}: {} patients, {} candidate pairs in {:.2} s",
        s.id, s.records, s.candidate_pairs, s.seconds
    )];
    for r in &s.per_rule {
        lines.push(format!("  rule {:<34} {:>9} pairs", r.rule, r.pairs));
    }
    lines.push(format!(
        "  {} linked, {} to review, {} non-links ({} kept apart by never-merge rules)",
        s.link_pairs, s.review_pairs, s.non_link_pairs, s.never_merge_pairs
    ));
    lines.push(format!(
        "  {} clusters ({} chained), {} review decisions; thresholds link {:.2}, review {:.2}",
        s.clusters,
        s.chained_clusters,
        s.decided,
        s.config.link_threshold,
        s.config.review_threshold
    ));
    lines.join("\n")
}

pub fn run(
    ctx: &Ctx,
    out: &Out,
    command: MatchCommand,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    match command {
        MatchCommand::Rules => {
            let rules = api::matching::blocking_rules();
            out.result(&rules, || {
                rules
                    .iter()
                    .map(|r| format!("{}{}", r.name, if r.default { " (default)" } else { "" }))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        MatchCommand::Preview { config } => {
            let p = api::matching::preview_blocking(ctx, &config.config())?;
            out.result(&p, || {
                let rows: Vec<Vec<String>> = p
                    .rules
                    .iter()
                    .map(|r| {
                        vec![
                            r.rule.clone(),
                            r.pairs.to_string(),
                            if r.refused {
                                "refused: over the limit".into()
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect();
                format!(
                    "{} patients; {} distinct candidate pairs (limit {} per rule)\n{}",
                    p.records,
                    p.total_pairs,
                    p.max_pairs_per_rule,
                    output::table(&["rule".into(), "pairs".into(), String::new()], &rows)
                )
            });
        }
        MatchCommand::Run { config } => {
            let s = api::matching::run(ctx, &config.config(), progress, cancel)?;
            out.result(&s, || run_text(&s));
        }
        MatchCommand::Runs => {
            let all = api::matching::runs(ctx)?;
            out.result(&all, || {
                if all.is_empty() {
                    return "No matching runs yet: `cutover match run`.".into();
                }
                all.iter().map(run_text).collect::<Vec<_>>().join("\n\n")
            });
        }
        MatchCommand::Pairs {
            run,
            band,
            undecided,
            offset,
            limit,
        } => {
            let run_id = run_or_latest(ctx, run)?;
            let page = api::matching::pairs(
                ctx,
                &PairPageRequest {
                    run_id,
                    band: band.map(|b| match b {
                        BandArg::Link => MatchBand::Link,
                        BandArg::Review => MatchBand::Review,
                        BandArg::NonLink => MatchBand::NonLink,
                    }),
                    undecided_only: undecided,
                    blind: false,
                    offset,
                    limit,
                },
            )?;
            out.result(&page, || {
                let rows: Vec<Vec<String>> = page
                    .pairs
                    .iter()
                    .map(|p| {
                        vec![
                            p.left_id.clone(),
                            p.right_id.clone(),
                            p.weight.map(|w| format!("{w:.2}")).unwrap_or_default(),
                            band_text(p.band).into(),
                            p.never_merge.clone().unwrap_or_default(),
                            p.decision
                                .as_ref()
                                .map(|d| format!("{} ({})", verdict_text(d.verdict), d.reviewer))
                                .unwrap_or_default(),
                        ]
                    })
                    .collect();
                format!(
                    "{} of {} pairs of run {run_id}\n{}",
                    page.pairs.len(),
                    page.total,
                    output::table(
                        &[
                            "left".into(),
                            "right".into(),
                            "weight".into(),
                            "band".into(),
                            "never merge".into(),
                            "decision".into()
                        ],
                        &rows
                    )
                )
            });
        }
        MatchCommand::Show {
            left,
            right,
            run,
            blind,
        } => {
            let run_id = run_or_latest(ctx, run)?;
            let d = api::matching::pair_detail(ctx, run_id, &left, &right, blind)?;
            out.result(&d, || {
                let rows: Vec<Vec<String>> = d
                    .fields
                    .iter()
                    .map(|f| {
                        vec![
                            f.label.clone(),
                            f.left.clone().unwrap_or_default(),
                            f.right.clone().unwrap_or_default(),
                            f.level.clone(),
                            f.weight.map(|w| format!("{w:+.2}")).unwrap_or_default(),
                        ]
                    })
                    .collect();
                let mut text = format!(
                    "{} ({} row {}) vs {} ({} row {})\n{}",
                    d.left.identifier_value,
                    d.left.source,
                    d.left.row,
                    d.right.identifier_value,
                    d.right.source,
                    d.right.row,
                    output::table(
                        &[
                            "field".into(),
                            "left".into(),
                            "right".into(),
                            "level".into(),
                            "bits".into()
                        ],
                        &rows
                    )
                );
                if let (Some(prior), Some(w)) = (d.prior, d.pair.weight) {
                    text.push_str(&format!(
                        "\nprior {prior:+.2} → weight {w:+.2} ({}){}",
                        band_text(d.pair.band),
                        d.pair
                            .never_merge
                            .as_ref()
                            .map(|r| format!("; never merge: {r}"))
                            .unwrap_or_default()
                    ));
                }
                if let Some(dec) = &d.pair.decision {
                    text.push_str(&format!(
                        "\ndecided {} by {} at {}",
                        verdict_text(dec.verdict),
                        dec.reviewer,
                        dec.decided_at
                    ));
                }
                text
            });
        }
        MatchCommand::Decide {
            left,
            right,
            verdict,
            run,
            reason,
            reviewer,
        } => {
            let run_id = run_or_latest(ctx, run)?;
            let d = api::matching::decide(
                ctx,
                &DecideRequest {
                    run_id,
                    left_id: left,
                    right_id: right,
                    verdict: match verdict {
                        VerdictArg::Same => ReviewVerdict::Same,
                        VerdictArg::Different => ReviewVerdict::Different,
                        VerdictArg::Skip => ReviewVerdict::Skip,
                    },
                    reviewer: reviewer.unwrap_or_else(api::matching::current_user),
                    reason,
                },
            )?;
            out.result(&d, || {
                format!(
                    "Decision {}: {} / {} {} (by {})",
                    d.id,
                    d.left_id,
                    d.right_id,
                    verdict_text(d.verdict),
                    d.reviewer
                )
            });
        }
        MatchCommand::Undo { run } => {
            let run_id = run_or_latest(ctx, run)?;
            let undone = api::matching::undo(ctx, run_id)?;
            out.result(&undone, || match &undone {
                Some(d) => format!(
                    "Undid decision {} ({} on {} / {})",
                    d.id,
                    verdict_text(d.verdict),
                    d.left_id,
                    d.right_id
                ),
                None => "Nothing to undo.".into(),
            });
        }
        MatchCommand::Clusters { run, offset, limit } => {
            let run_id = run_or_latest(ctx, run)?;
            let page = api::matching::clusters(ctx, run_id, offset, limit)?;
            out.result(&page, || {
                let rows: Vec<Vec<String>> = page
                    .clusters
                    .iter()
                    .map(|c| {
                        vec![
                            c.members.len().to_string(),
                            c.members
                                .iter()
                                .map(|m| {
                                    format!("{} ({} row {})", m.identifier_value, m.source, m.row)
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                            if c.chained {
                                "chained".into()
                            } else {
                                String::new()
                            },
                            c.merge_id.map(|m| format!("merge {m}")).unwrap_or_default(),
                        ]
                    })
                    .collect();
                format!(
                    "{} clusters in run {run_id}\n{}",
                    page.total,
                    output::table(
                        &[
                            "size".into(),
                            "members".into(),
                            String::new(),
                            String::new()
                        ],
                        &rows
                    )
                )
            });
        }
        MatchCommand::Export { out: file, run } => {
            let run_id = run_or_latest(ctx, run)?;
            let n = api::matching::export_pairs(ctx, run_id, &file)?;
            let written = json!({ "path": file.display().to_string(), "pairs": n });
            out.result(&written, || {
                format!("Wrote {n} pairs of run {run_id} to {}", file.display())
            });
        }
        MatchCommand::Apply {
            file,
            run,
            reviewer,
        } => {
            let run_id = run_or_latest(ctx, run)?;
            let s = api::matching::apply_decisions(
                ctx,
                run_id,
                &file,
                &reviewer.unwrap_or_else(api::matching::current_user),
            )?;
            out.result(&s, || {
                let mut text = format!("Applied {} decisions to run {run_id}", s.applied);
                if !s.unknown_pairs.is_empty() {
                    text.push_str(&format!(
                        "; {} rows name pairs the run does not hold (lines {})",
                        s.unknown_pairs.len(),
                        s.unknown_pairs
                            .iter()
                            .take(20)
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                text
            });
        }
        MatchCommand::Merge {
            members,
            cluster,
            run,
            survivor,
            rule,
            source_priority,
            picks,
            reason,
            reviewer,
            dry_run,
        } => {
            let (run_id, members) = match &cluster {
                Some(key) => {
                    let run_id = run_or_latest(ctx, run)?;
                    (Some(run_id), api::merge::cluster_members(ctx, run_id, key)?)
                }
                None => (run, members),
            };
            if let (Some(key), [only]) = (&cluster, members.as_slice()) {
                return Err(EngineError::bad_input(
                    "merge",
                    format!("cluster '{key}' is already merged into '{only}'"),
                ));
            }
            let rule = match rule {
                Some(RuleArg::MostRecent) => SurvivorshipRule::MostRecent,
                Some(RuleArg::MostComplete) => SurvivorshipRule::MostComplete,
                Some(RuleArg::SourcePriority) => SurvivorshipRule::SourcePriority,
                None if !source_priority.is_empty() => SurvivorshipRule::SourcePriority,
                None => SurvivorshipRule::MostRecent,
            };
            let req = MergeRequest {
                run_id,
                members,
                survivor,
                rule,
                source_priority,
                picks: picks_of(&picks)?,
                reviewer: reviewer.unwrap_or_else(api::matching::current_user),
                reason,
            };
            if dry_run {
                let p = api::merge::preview(ctx, &req)?;
                out.result(&p, || {
                    let rows: Vec<Vec<String>> = p
                        .fields
                        .iter()
                        .map(|f| {
                            vec![
                                f.label.clone(),
                                f.value.clone().unwrap_or_default(),
                                f.chosen_from.clone().unwrap_or_default(),
                                f.rule.clone(),
                            ]
                        })
                        .collect();
                    format!(
                        "Dry run: {} would survive, {} merged into it; {} identifiers added as old; {} resources would point to it\n{}",
                        p.survivor_id,
                        p.merged_ids.join(", "),
                        p.identifiers_added,
                        p.redirected,
                        output::table(
                            &["field".into(), "value".into(), "from".into(), "rule".into()],
                            &rows
                        )
                    )
                });
            } else {
                let m = api::merge::merge(ctx, &req)?;
                out.result(&m, || merge_text(&m));
            }
        }
        MatchCommand::Unmerge { merge_id, reviewer } => {
            let m = api::merge::unmerge(
                ctx,
                merge_id,
                &reviewer.unwrap_or_else(api::matching::current_user),
            )?;
            out.result(&m, || merge_text(&m));
        }
        MatchCommand::Merges => {
            let all = api::merge::merges(ctx)?;
            out.result(&all, || {
                if all.is_empty() {
                    return "No merges yet: `cutover match merge`.".into();
                }
                all.iter().map(merge_text).collect::<Vec<_>>().join("\n")
            });
        }
        MatchCommand::Evaluate {
            labels,
            run,
            thresholds,
        } => {
            let run_id = run_or_latest(ctx, run)?;
            let e = api::matching::evaluate(ctx, run_id, &labels, &thresholds)?;
            out.result(&e, || {
                let m = |x: &cutover_engine::api::dto::PairMetricsDto| {
                    format!(
                        "precision {:.4}  recall {:.4}  F1 {:.4}  (TP {}, FP {}, FN {})",
                        x.precision, x.recall, x.f1, x.true_positives, x.false_positives, x.false_negatives
                    )
                };
                let rows: Vec<Vec<String>> = e
                    .by_threshold
                    .iter()
                    .map(|t| {
                        vec![
                            format!("{:.2}", t.threshold),
                            format!("{:.4}", t.metrics.precision),
                            format!("{:.4}", t.metrics.recall),
                            format!("{:.4}", t.metrics.f1),
                        ]
                    })
                    .collect();
                format!(
                    "Run {run_id} against '{}': {} labelled patients, {} true pairs; blocking recall {:.4}\n  links:    {}\n  clusters: {}\n\nIf the link threshold were (never-merge rules applied; pairs under the run's review threshold were not stored):\n{}",
                    e.labels_column,
                    e.labelled_records,
                    e.true_pairs,
                    e.blocking_recall,
                    m(&e.link),
                    m(&e.clusters),
                    output::table(&["threshold".into(), "precision".into(), "recall".into(), "F1".into()], &rows)
                )
            });
        }
    }
    Ok(())
}
