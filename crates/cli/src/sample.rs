//! `cutover sample …`: the clinician sample review — draw a stratified, seeded sample,
//! record verdicts, see the acceptance rate with its Wilson interval, sign off.

use clap::{Subcommand, ValueEnum};
use cutover_engine::EngineError;
use cutover_engine::api::dto::{
    SampleRequest, SampleSummary, SampleVerdictRequest, SignoffRequest,
};
use cutover_engine::api::{self, Ctx};

use crate::output::{self, Out};

#[derive(Clone, Copy, ValueEnum)]
pub enum VerdictArg {
    Correct,
    Wrong,
}

#[derive(Subcommand)]
pub enum SampleCommand {
    /// Draw a sample sized to show an accuracy at a confidence, stratified by resource
    /// type, source and finding status.
    Draw {
        /// The accuracy to show, e.g. 0.95.
        #[arg(long, default_value_t = 0.95)]
        accuracy: f64,
        /// 0.90, 0.95 or 0.99.
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
        /// Wrong records the sample may hold and still show the accuracy.
        #[arg(long, default_value_t = 0)]
        allowed_errors: u32,
        /// Fixes the draw (default: from the clock; printed).
        #[arg(long)]
        seed: Option<i64>,
        /// Who draws it (default: the login name).
        #[arg(long)]
        by: Option<String>,
    },
    /// A sample's strata, progress, acceptance rate and sign-off (default: the latest).
    Show { id: Option<i64> },
    /// The sampled records, in draw order, with their verdicts.
    Items { id: Option<i64> },
    /// Record a verdict on a sampled record.
    Verdict {
        resource_id: String,
        #[arg(value_enum)]
        verdict: VerdictArg,
        #[arg(long)]
        sample: Option<i64>,
        /// The element that is wrong.
        #[arg(long)]
        element: Option<String>,
        #[arg(long)]
        comment: Option<String>,
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Sign a fully reviewed sample off.
    Signoff {
        #[arg(long)]
        sample: Option<i64>,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        statement: String,
    },
}

fn latest(ctx: &Ctx, id: Option<i64>) -> Result<i64, EngineError> {
    match id {
        Some(id) => Ok(id),
        None => api::sample::latest(ctx)?.ok_or_else(|| EngineError::NoSuchRecord {
            what: "sample (draw one with `cutover sample draw`)".into(),
        }),
    }
}

fn summary_text(s: &SampleSummary) -> String {
    let mut lines = vec![format!(
        "Sample {} (seed {}): {} of {} records, to show {:.1}% accuracy at {:.0}% confidence with {} wrong allowed",
        s.id,
        s.seed,
        s.size,
        s.population,
        s.target_accuracy * 100.0,
        s.confidence * 100.0,
        s.allowed_errors
    )];
    let rows: Vec<Vec<String>> = s
        .strata
        .iter()
        .map(|t| vec![t.key.clone(), t.population.to_string(), t.drawn.to_string()])
        .collect();
    lines.push(output::table(
        &["stratum".into(), "records".into(), "drawn".into()],
        &rows,
    ));
    lines.push(format!(
        "Reviewed {} of {}: {} correct, {} wrong{}",
        s.reviewed,
        s.size,
        s.correct,
        s.wrong,
        match (s.acceptance, s.wilson_low, s.wilson_high) {
            (Some(a), Some(lo), Some(hi)) => format!(
                "; acceptance {:.1}% (Wilson {:.0}%: {:.1}%–{:.1}%)",
                a * 100.0,
                s.confidence * 100.0,
                lo * 100.0,
                hi * 100.0
            ),
            _ => String::new(),
        }
    ));
    if s.changed > 0 {
        lines.push(format!(
            "{} sampled records changed since the draw.",
            s.changed
        ));
    }
    lines.push(if s.meets_target {
        "Shows the target accuracy.".into()
    } else {
        "Does not (yet) show the target accuracy.".into()
    });
    if let Some(so) = &s.signoff {
        lines.push(format!(
            "Signed off by {} ({}) at {}: {}",
            so.name, so.role, so.signed_at, so.statement
        ));
    }
    lines.join("\n")
}

pub fn run(ctx: &Ctx, out: &Out, command: SampleCommand) -> Result<(), EngineError> {
    match command {
        SampleCommand::Draw {
            accuracy,
            confidence,
            allowed_errors,
            seed,
            by,
        } => {
            let s = api::sample::create(
                ctx,
                &SampleRequest {
                    target_accuracy: accuracy,
                    confidence,
                    allowed_errors,
                    seed,
                    created_by: by.unwrap_or_else(api::matching::current_user),
                },
            )?;
            out.result(&s, || summary_text(&s));
        }
        SampleCommand::Show { id } => {
            let s = api::sample::summary(ctx, latest(ctx, id)?)?;
            out.result(&s, || summary_text(&s));
        }
        SampleCommand::Items { id } => {
            let items = api::sample::items(ctx, latest(ctx, id)?)?;
            out.result(&items, || {
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|i| {
                        vec![
                            i.position.to_string(),
                            i.resource_type.clone(),
                            i.resource_id.clone(),
                            format!("{} row {}", i.source, i.row),
                            i.verdict
                                .as_ref()
                                .map(|v| v.verdict.clone())
                                .unwrap_or_default(),
                            if i.changed {
                                "changed".into()
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect();
                output::table(
                    &[
                        "#".into(),
                        "type".into(),
                        "id".into(),
                        "from".into(),
                        "verdict".into(),
                        String::new(),
                    ],
                    &rows,
                )
            });
        }
        SampleCommand::Verdict {
            resource_id,
            verdict,
            sample,
            element,
            comment,
            reviewer,
        } => {
            let s = api::sample::record_verdict(
                ctx,
                &SampleVerdictRequest {
                    sample_id: latest(ctx, sample)?,
                    resource_id,
                    verdict: match verdict {
                        VerdictArg::Correct => "correct".into(),
                        VerdictArg::Wrong => "wrong".into(),
                    },
                    element,
                    comment,
                    reviewer: reviewer.unwrap_or_else(api::matching::current_user),
                },
            )?;
            out.result(&s, || summary_text(&s));
        }
        SampleCommand::Signoff {
            sample,
            name,
            role,
            statement,
        } => {
            let s = api::sample::sign_off(
                ctx,
                &SignoffRequest {
                    sample_id: latest(ctx, sample)?,
                    name,
                    role,
                    statement,
                },
            )?;
            out.result(&s, || summary_text(&s));
        }
    }
    Ok(())
}
