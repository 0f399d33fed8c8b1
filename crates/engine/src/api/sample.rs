//! Use cases of clinician sample review: draw a seeded, stratified sample sized to show a
//! stated accuracy at a stated confidence; record verdicts (correct / wrong, the wrong
//! element, a comment); report the acceptance rate with its Wilson interval; sign off; and
//! the push gate — a real push to a production target needs a signed-off sample whose
//! records have not changed since the draw.
//!
//! The population is every converted record that would be pushed (not merged away, not
//! failing validation). Strata are resource type × source (the site's export) × finding
//! status, allocated in proportion (largest remainder, at least one per stratum when the
//! size allows). Logs carry ids and counts only.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tracing::info;

use crate::api::Ctx;
use crate::api::dto::{
    SampleItem, SampleRequest, SampleStratum, SampleSummary, SampleVerdict, SampleVerdictRequest,
    Signoff, SignoffRequest,
};
use crate::error::{EngineError, Result, SqlContext};
use crate::matching::model::SplitMix64;

/// The two-sided normal quantile for the confidences a sample may state.
fn z_for(confidence: f64) -> Option<f64> {
    [(0.90, 1.644_853_6), (0.95, 1.959_964), (0.99, 2.575_829_3)]
        .iter()
        .find(|(c, _)| (c - confidence).abs() < 1e-9)
        .map(|&(_, z)| z)
}

/// The Wilson score interval of `k` successes in `n` trials.
pub fn wilson(k: i64, n: i64, z: f64) -> Option<(f64, f64)> {
    if n <= 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * ((p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt()) / (1.0 + z2 / n);
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The smallest sample in which `allowed_errors` wrong records still leave the Wilson lower
/// bound at or above `target`.
pub fn sample_size(target: f64, confidence: f64, allowed_errors: u32) -> Option<i64> {
    let z = z_for(confidence)?;
    if !(0.5..1.0).contains(&target) {
        return None;
    }
    let e = i64::from(allowed_errors);
    (e.max(1)..=1_000_000)
        .find(|&n| n > e && wilson(n - e, n, z).is_some_and(|(low, _)| low >= target))
}

struct Candidate {
    id: String,
    hash: String,
    stratum: String,
}

fn stratum_key(resource_type: &str, source: &str, status: &str) -> String {
    format!("{resource_type} · {source} · {status}")
}

fn population(conn: &Connection) -> Result<Vec<(Candidate, SampleStratum)>> {
    let mut stmt = conn
        .prepare(
            "SELECT r.id, r.body_hash, r.resource_type, s.name,
                    EXISTS (SELECT 1 FROM finding f WHERE f.resource_id = r.id)
             FROM resource r JOIN snapshot sn ON sn.id = r.snapshot_id
             JOIN source s ON s.id = sn.source_id
             WHERE r.merged_into IS NULL AND r.valid IS NOT 0
             ORDER BY r.id",
        )
        .ctx("reading records")?;
    let rows = stmt
        .query_map([], |r| {
            let (id, hash, rt, source, findings): (String, String, String, String, bool) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let status = if findings { "with findings" } else { "clean" };
            Ok((
                Candidate {
                    id,
                    hash,
                    stratum: stratum_key(&rt, &source, status),
                },
                SampleStratum {
                    key: stratum_key(&rt, &source, status),
                    resource_type: rt,
                    source,
                    finding_status: status.into(),
                    population: 0,
                    drawn: 0,
                },
            ))
        })
        .ctx("reading records")?;
    rows.collect::<std::result::Result<_, _>>()
        .ctx("reading records")
}

/// Proportional allocation of `size` over strata (largest remainder), at least one per
/// stratum when the size allows, never more than a stratum holds.
fn allocate(populations: &[i64], size: i64) -> Vec<i64> {
    let total: i64 = populations.iter().sum();
    if total == 0 {
        return vec![0; populations.len()];
    }
    if size >= total {
        return populations.to_vec();
    }
    let floor_one = size >= populations.len() as i64;
    let mut drawn: Vec<i64> = populations
        .iter()
        .map(|&p| {
            let share = p * size / total;
            if floor_one {
                share.max(1).min(p)
            } else {
                share
            }
        })
        .collect();
    let mut remainders: Vec<(i64, usize)> = populations
        .iter()
        .enumerate()
        .map(|(i, &p)| ((p * size) % total, i))
        .collect();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = size - drawn.iter().sum::<i64>();
    // Hand out what is left by largest remainder; take back (from the largest strata) what
    // the at-least-one rule overspent.
    while left > 0 {
        let mut gave = false;
        for &(_, i) in &remainders {
            if left == 0 {
                break;
            }
            if drawn[i] < populations[i] {
                drawn[i] += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    while left < 0 {
        let i = (0..drawn.len())
            .filter(|&i| drawn[i] > 1)
            .max_by_key(|&i| (drawn[i], std::cmp::Reverse(i)));
        let Some(i) = i else { break };
        drawn[i] -= 1;
        left += 1;
    }
    drawn
}

fn check_request(req: &SampleRequest) -> Result<i64> {
    if req.created_by.trim().is_empty() {
        return Err(EngineError::bad_input(
            "sample",
            "a sample needs who drew it",
        ));
    }
    sample_size(req.target_accuracy, req.confidence, req.allowed_errors).ok_or_else(|| {
        EngineError::bad_input(
            "sample",
            "the target accuracy must be between 0.5 and 1 and the confidence 0.90, 0.95 or 0.99",
        )
    })
}

/// Draws and stores a sample. The same seed over the same records draws the same sample.
pub fn create(ctx: &Ctx, req: &SampleRequest) -> Result<SampleSummary> {
    let wanted = check_request(req)?;
    let seed = req.seed.unwrap_or_else(|| {
        (ctx.clock.now().timestamp_nanos_opt().unwrap_or(0) as u64 % (1 << 53)) as i64
    });
    let mut conn = ctx.open()?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting sample")?;
    let candidates = population(&tx)?;
    if candidates.is_empty() {
        return Err(EngineError::NoSuchRecord {
            what: "converted record to sample (convert and validate first)".into(),
        });
    }
    let mut strata: BTreeMap<String, (SampleStratum, Vec<Candidate>)> = BTreeMap::new();
    for (c, s) in candidates {
        let entry = strata.entry(s.key.clone()).or_insert((s, Vec::new()));
        entry.0.population += 1;
        entry.1.push(c);
    }
    let pops: Vec<i64> = strata.values().map(|(s, _)| s.population).collect();
    let total: i64 = pops.iter().sum();
    let size = wanted.min(total);
    let drawn = allocate(&pops, size);
    let mut rng = SplitMix64::new(seed as u64);
    let mut chosen: Vec<(String, String, String)> = Vec::new();
    for ((stratum, members), &k) in strata.values_mut().zip(&drawn) {
        stratum.drawn = k;
        // A partial Fisher–Yates shuffle of the stratum (in id order): the first k.
        for i in 0..k as usize {
            let j = i + rng.below((members.len() - i) as u64) as usize;
            members.swap(i, j);
            chosen.push((
                members[i].id.clone(),
                members[i].stratum.clone(),
                members[i].hash.clone(),
            ));
        }
    }
    let strata_out: Vec<SampleStratum> = strata.into_values().map(|(s, _)| s).collect();
    tx.execute(
        "INSERT INTO sample (created_at, created_by, seed, target_accuracy, confidence,
           allowed_errors, population, size, strata)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            ctx.now_text(),
            req.created_by.trim(),
            seed,
            req.target_accuracy,
            req.confidence,
            req.allowed_errors,
            total,
            chosen.len() as i64,
            serde_json::to_string(&strata_out).unwrap_or_default(),
        ],
    )
    .ctx("storing sample")?;
    let id = tx.last_insert_rowid();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO sample_item (sample_id, position, resource_id, stratum, body_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .ctx("storing sample")?;
        for (i, (rid, stratum, hash)) in chosen.iter().enumerate() {
            insert
                .execute(params![id, i as i64 + 1, rid, stratum, hash])
                .ctx("storing sample")?;
        }
    }
    tx.commit().ctx("committing sample")?;
    info!(
        sample_id = id,
        population = total,
        size = chosen.len(),
        seed,
        "sample drawn"
    );
    summary_with(&ctx.open()?, id)
}

/// The newest sample's id.
pub fn latest(ctx: &Ctx) -> Result<Option<i64>> {
    latest_with(&ctx.open()?)
}

fn latest_with(conn: &Connection) -> Result<Option<i64>> {
    conn.query_row("SELECT max(id) FROM sample", [], |r| r.get(0))
        .ctx("reading samples")
}

pub fn summary(ctx: &Ctx, sample_id: i64) -> Result<SampleSummary> {
    summary_with(&ctx.open()?, sample_id)
}

/// The standing verdict of each item: the latest.
const STANDING: &str = "SELECT v.verdict, v.element, v.comment, v.reviewer, v.decided_at
     FROM sample_verdict v WHERE v.sample_id = ?1 AND v.resource_id = ?2
     ORDER BY v.id DESC LIMIT 1";

fn verdict_of(
    conn: &Connection,
    sample_id: i64,
    resource_id: &str,
) -> Result<Option<SampleVerdict>> {
    conn.prepare_cached(STANDING)
        .ctx("reading verdicts")?
        .query_row(params![sample_id, resource_id], |r| {
            Ok(SampleVerdict {
                verdict: r.get(0)?,
                element: r.get(1)?,
                comment: r.get(2)?,
                reviewer: r.get(3)?,
                decided_at: r.get(4)?,
            })
        })
        .optional()
        .ctx("reading verdicts")
}

fn summary_with(conn: &Connection, id: i64) -> Result<SampleSummary> {
    let head = conn
        .query_row(
            "SELECT created_at, created_by, seed, target_accuracy, confidence, allowed_errors,
                    population, size, strata FROM sample WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ),
                    (
                        r.get::<_, f64>(3)?,
                        r.get::<_, f64>(4)?,
                        r.get::<_, u32>(5)?,
                    ),
                    (
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                        r.get::<_, String>(8)?,
                    ),
                ))
            },
        )
        .optional()
        .ctx("reading sample")?
        .ok_or_else(|| EngineError::NoSuchRecord {
            what: format!("sample {id}"),
        })?;
    let ((created_at, created_by, seed), (target, confidence, allowed), (population, size, strata)) =
        head;
    let items = items_with(conn, id)?;
    let reviewed = items.iter().filter(|i| i.verdict.is_some()).count() as i64;
    let correct = items
        .iter()
        .filter(|i| i.verdict.as_ref().is_some_and(|v| v.verdict == "correct"))
        .count() as i64;
    let changed = items.iter().filter(|i| i.changed).count() as i64;
    let interval = z_for(confidence).and_then(|z| wilson(correct, reviewed, z));
    let signoff = conn
        .query_row(
            "SELECT name, role, statement, signed_at FROM signoff WHERE sample_id = ?1
             ORDER BY id DESC LIMIT 1",
            [id],
            |r| {
                Ok(Signoff {
                    name: r.get(0)?,
                    role: r.get(1)?,
                    statement: r.get(2)?,
                    signed_at: r.get(3)?,
                })
            },
        )
        .optional()
        .ctx("reading sign-off")?;
    Ok(SampleSummary {
        id,
        created_at,
        created_by,
        seed,
        target_accuracy: target,
        confidence,
        allowed_errors: allowed,
        population,
        size,
        strata: serde_json::from_str(&strata).unwrap_or_default(),
        reviewed,
        correct,
        wrong: reviewed - correct,
        acceptance: (reviewed > 0).then(|| correct as f64 / reviewed as f64),
        wilson_low: interval.map(|i| i.0),
        wilson_high: interval.map(|i| i.1),
        meets_target: reviewed == size && size > 0 && interval.is_some_and(|i| i.0 >= target),
        changed,
        signoff,
    })
}

/// The sample's records in draw order, with where each came from and its verdict.
pub fn items(ctx: &Ctx, sample_id: i64) -> Result<Vec<SampleItem>> {
    let conn = ctx.open()?;
    summary_with(&conn, sample_id)?;
    items_with(&conn, sample_id)
}

fn items_with(conn: &Connection, sample_id: i64) -> Result<Vec<SampleItem>> {
    let mut stmt = conn
        .prepare(
            "SELECT i.position, i.resource_id, i.stratum, i.body_hash, r.resource_type, r.row,
                    r.line, r.body_hash, s.name
             FROM sample_item i LEFT JOIN resource r ON r.id = i.resource_id
             LEFT JOIN snapshot sn ON sn.id = r.snapshot_id LEFT JOIN source s ON s.id = sn.source_id
             WHERE i.sample_id = ?1 ORDER BY i.position",
        )
        .ctx("reading sample")?;
    let rows: Vec<(
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
    )> = stmt
        .query_map([sample_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })
        .ctx("reading sample")?
        .collect::<std::result::Result<_, _>>()
        .ctx("reading sample")?;
    let mut out = Vec::with_capacity(rows.len());
    for (position, rid, stratum, hash, rt, row, line, now_hash, source) in rows {
        let verdict = verdict_of(conn, sample_id, &rid)?;
        out.push(SampleItem {
            position,
            changed: now_hash.as_deref() != Some(hash.as_str()),
            resource_id: rid,
            resource_type: rt.unwrap_or_default(),
            stratum,
            source: source.unwrap_or_default(),
            row: row.unwrap_or(0),
            line: line.unwrap_or(0),
            verdict,
        });
    }
    Ok(out)
}

/// Records a reviewer's verdict on a sampled record (the latest stands).
pub fn record_verdict(ctx: &Ctx, req: &SampleVerdictRequest) -> Result<SampleSummary> {
    let verdict = req.verdict.trim().to_ascii_lowercase();
    if verdict != "correct" && verdict != "wrong" {
        return Err(EngineError::bad_input(
            "verdict",
            "a verdict is correct or wrong",
        ));
    }
    if req.reviewer.trim().is_empty() {
        return Err(EngineError::bad_input(
            "verdict",
            "a verdict needs the reviewer's name",
        ));
    }
    let element = req
        .element
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if verdict == "wrong" && element.is_none() {
        return Err(EngineError::bad_input(
            "verdict",
            "a wrong verdict names the element that is wrong",
        ));
    }
    let conn = ctx.open()?;
    if conn
        .query_row(
            "SELECT 1 FROM signoff WHERE sample_id = ?1",
            [req.sample_id],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .ctx("reading sign-off")?
        .is_some()
    {
        return Err(EngineError::bad_input(
            "verdict",
            format!(
                "sample {} is signed off; draw a new sample to review again",
                req.sample_id
            ),
        ));
    }
    let held: Option<i64> = conn
        .query_row(
            "SELECT position FROM sample_item WHERE sample_id = ?1 AND resource_id = ?2",
            params![req.sample_id, req.resource_id],
            |r| r.get(0),
        )
        .optional()
        .ctx("reading sample")?;
    if held.is_none() {
        return Err(EngineError::NoSuchRecord {
            what: format!("record '{}' in sample {}", req.resource_id, req.sample_id),
        });
    }
    conn.execute(
        "INSERT INTO sample_verdict (sample_id, resource_id, verdict, element, comment, reviewer, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            req.sample_id,
            req.resource_id,
            verdict,
            element,
            req.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()),
            req.reviewer.trim(),
            ctx.now_text()
        ],
    )
    .ctx("storing verdict")?;
    info!(
        sample_id = req.sample_id,
        position = held,
        verdict = verdict.as_str(),
        "sample verdict recorded"
    );
    summary_with(&conn, req.sample_id)
}

/// Signs a sample off. Every item must have a verdict and no sampled record may have
/// changed since the draw.
pub fn sign_off(ctx: &Ctx, req: &SignoffRequest) -> Result<SampleSummary> {
    for (what, v) in [
        ("name", &req.name),
        ("role", &req.role),
        ("statement", &req.statement),
    ] {
        if v.trim().is_empty() {
            return Err(EngineError::bad_input(
                "sign-off",
                format!("a sign-off needs a {what}"),
            ));
        }
    }
    let conn = ctx.open()?;
    let s = summary_with(&conn, req.sample_id)?;
    if s.reviewed < s.size {
        return Err(EngineError::bad_input(
            "sign-off",
            format!(
                "{} of {} sampled records have no verdict yet",
                s.size - s.reviewed,
                s.size
            ),
        ));
    }
    if s.changed > 0 {
        return Err(EngineError::bad_input(
            "sign-off",
            format!(
                "{} sampled records changed since the draw; draw a new sample",
                s.changed
            ),
        ));
    }
    conn.execute(
        "INSERT INTO signoff (sample_id, name, role, statement, signed_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![req.sample_id, req.name.trim(), req.role.trim(), req.statement.trim(), ctx.now_text()],
    )
    .ctx("storing sign-off")?;
    info!(sample_id = req.sample_id, "sample signed off");
    summary_with(&conn, req.sample_id)
}

/// Marks a push target as production (or back to sandbox).
pub fn set_target_kind(ctx: &Ctx, base_url: &str, production: bool) -> Result<()> {
    let url = crate::api::project::normalise_base_url(base_url)?;
    ctx.open()?
        .execute(
            "INSERT INTO push_target (base_url, kind) VALUES (?1, ?2)
             ON CONFLICT (base_url) DO UPDATE SET kind = excluded.kind",
            params![url, if production { "production" } else { "sandbox" }],
        )
        .ctx("storing target kind")?;
    Ok(())
}

pub fn is_production(conn: &Connection, base_url: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT kind FROM push_target WHERE base_url = ?1",
            [base_url],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .ctx("reading target kind")?
        .is_some_and(|k| k == "production"))
}

/// The push gate: `Ok` when a real push to `base_url` may go ahead. A production target
/// needs the latest sample signed off, none of its records changed, and the population it
/// was drawn from still the same size.
pub fn check_push_allowed(conn: &Connection, base_url: &str) -> Result<()> {
    if !is_production(conn, base_url)? {
        return Ok(());
    }
    let refuse = |reason: String| Err(EngineError::bad_input("push", reason));
    let Some(id) = latest_with(conn)? else {
        return refuse(format!(
            "{base_url} is a production target: draw a clinician sample and have it signed off first (dry runs and sandbox pushes are allowed)"
        ));
    };
    let s = summary_with(conn, id)?;
    if s.signoff.is_none() {
        return refuse(format!(
            "{base_url} is a production target and sample {id} is not signed off ({} of {} reviewed)",
            s.reviewed, s.size
        ));
    }
    if s.changed > 0 {
        return refuse(format!(
            "{} records of signed-off sample {id} changed since it was drawn: draw and sign off a new sample",
            s.changed
        ));
    }
    let now = population(conn)?.len() as i64;
    if now != s.population {
        return refuse(format!(
            "sample {id} was drawn from {} records and there are now {now}: draw and sign off a new sample",
            s.population
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_matches_known_values() {
        // 95 of 100 at 95%: (0.8883, 0.9785).
        let (lo, hi) = wilson(95, 100, 1.959_964).unwrap();
        assert!(
            (lo - 0.8883).abs() < 1e-3 && (hi - 0.9785).abs() < 1e-3,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0, 1.96), None);
        let (lo, hi) = wilson(10, 10, 1.959_964).unwrap();
        assert!(hi <= 1.0 && lo > 0.7);
    }

    #[test]
    fn sample_sizes_show_the_target() {
        // All correct: n / (n + z²) ≥ 0.95 needs n ≥ 19 z² = 72.99.
        assert_eq!(sample_size(0.95, 0.95, 0), Some(73));
        let n = sample_size(0.95, 0.95, 1).unwrap();
        assert!(n > 73);
        let z = z_for(0.95).unwrap();
        assert!(wilson(n - 1, n, z).unwrap().0 >= 0.95);
        assert!(
            wilson(n - 2, n - 1, z).unwrap().0 < 0.95,
            "{n} is the smallest"
        );
        assert_eq!(sample_size(0.95, 0.80, 0), None, "unsupported confidence");
        assert_eq!(sample_size(1.0, 0.95, 0), None);
    }

    #[test]
    fn allocation_is_proportional_and_adds_up() {
        assert_eq!(allocate(&[50, 30, 20], 10), vec![5, 3, 2]);
        assert_eq!(
            allocate(&[97, 2, 1], 10),
            vec![8, 1, 1],
            "every stratum gets one"
        );
        assert_eq!(
            allocate(&[5, 3], 100),
            vec![5, 3],
            "never more than a stratum holds"
        );
        assert_eq!(allocate(&[1, 1, 1, 1], 2).iter().sum::<i64>(), 2);
        for (pops, size) in [
            (vec![1000, 7, 3, 1], 73),
            (vec![13, 13, 13], 20),
            (vec![2, 1000], 5),
        ] {
            let d = allocate(&pops, size);
            assert_eq!(d.iter().sum::<i64>(), size, "{pops:?}");
            assert!(d.iter().zip(&pops).all(|(d, p)| d <= p));
        }
    }
}
