//! `cutover match …`: find duplicate patients among the converted records, review the
//! uncertain pairs, list clusters, measure a run against known labels, and move pairs and
//! decisions in and out as CSV. Output names records by id, never by name or birth date,
//! except `match show`, which is the clinical side-by-side view.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use cutover_engine::EngineError;
use cutover_engine::api::dto::{
    DecideRequest, MatchBand, MatchConfig, MatchRunSummary, PairPageRequest, ReviewVerdict,
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
