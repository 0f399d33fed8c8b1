//! FEBRL 3 (5,000 synthetic people, 6,538 true duplicate pairs): blocking, EM, scoring and
//! clustering end to end. The labels (`entity_id`) are used only to measure, never to fit.
//! Run with `--release --nocapture` to see the numbers.

use std::path::Path;
use std::time::Instant;

use cutover_engine::matching::blocking::{BlockingRule, candidate_pairs};
use cutover_engine::matching::cluster::clusters;
use cutover_engine::matching::compare::Field;
use cutover_engine::matching::evaluate::{
    PairMetrics, cluster_pairs, pair_metrics, threshold_table,
};
use cutover_engine::matching::model::{Decision, FitConfig, MatchModel, Thresholds};
use cutover_engine::matching::record::{PersonRecord, RawPerson};

struct Labelled {
    records: Vec<PersonRecord>,
    entity_ids: Vec<String>,
}

fn load(name: &str) -> Labelled {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/febrl")
        .join(name);
    let mut reader = csv::Reader::from_path(&path).expect("the FEBRL fixture is readable");
    let (mut records, mut entity_ids) = (Vec::new(), Vec::new());
    for row in reader.records() {
        let row = row.expect("a well-formed FEBRL row");
        let f = |i: usize| row.get(i).unwrap_or("");
        let address = format!("{} {}", f(4), f(5));
        records.push(PersonRecord::from_raw(&RawPerson {
            id: f(0),
            given: f(2),
            family: f(3),
            address: &address,
            city: f(7),
            postcode: f(8),
            birth_date: f(10),
            ssn: f(11),
            ..RawPerson::default()
        }));
        entity_ids.push(f(1).to_owned());
    }
    Labelled {
        records,
        entity_ids,
    }
}

/// The guards (below the benchmark targets of F1 0.995 and precision 0.998): the link band
/// of `name` has F1 at least 0.99 and precision at least 0.998.
fn assert_guards(name: &str) {
    let link = run(name);
    assert!(
        link.f1 >= 0.99,
        "{name}: pair F1 in the link band should be at least 0.99, got {:.4}",
        link.f1
    );
    assert!(
        link.precision >= 0.998,
        "{name}: link-band precision should be at least 0.998, got {:.4}",
        link.precision
    );
}

#[test]
fn febrl3_pair_f1() {
    assert_guards("febrl3.csv");
}

#[test]
fn febrl2_pair_f1() {
    assert_guards("febrl2.csv");
}

/// Blocks, fits, scores and clusters one FEBRL file, prints the measurements and returns the
/// link band's pair metrics.
fn run(name: &str) -> PairMetrics {
    let data = load(name);
    let started = Instant::now();
    let candidates = candidate_pairs(&data.records, &BlockingRule::DEFAULT, 1_000_000)
        .expect("no default rule is over-broad on FEBRL 3");
    let model = MatchModel::fit(&data.records, &candidates.pairs, &FitConfig::default());
    let thresholds = Thresholds::default();
    let scored = model.score_pairs(&data.records, &candidates.pairs, &thresholds);
    let found = clusters(data.records.len(), &scored);
    let elapsed = started.elapsed();

    let links = scored.iter().filter(|p| p.decision == Decision::Link);
    let link = pair_metrics(links.map(|p| (p.a, p.b)), &data.entity_ids);
    let clustered = pair_metrics(cluster_pairs(&found), &data.entity_ids);
    let blocked = pair_metrics(candidates.pairs.iter().copied(), &data.entity_ids);
    let review = scored
        .iter()
        .filter(|p| p.decision == Decision::Review)
        .count();
    let never = scored.iter().filter(|p| p.never_merge.is_some()).count();

    println!(
        "{name}: {} records, {} candidate pairs in {:.3} s",
        data.records.len(),
        candidates.pairs.len(),
        elapsed.as_secs_f64()
    );
    for r in &candidates.per_rule {
        println!("  rule {:<34} {:>7} pairs", r.rule.name(), r.pairs);
    }
    println!(
        "  blocking recall (pair completeness) {:.4}",
        blocked.recall
    );
    println!(
        "  EM iterations {}, lambda {:.4}",
        model.iterations, model.lambda
    );
    for field in Field::ALL {
        let weights: Vec<String> = (0..field.level_labels().len())
            .map(|l| {
                format!(
                    "{}={:.1}",
                    field.level_labels()[l],
                    model.field_weight(field, l as u8)
                )
            })
            .collect();
        println!("  weights {}: {}", field.name(), weights.join(", "));
    }
    println!("  link band: {link:?}");
    println!(
        "  clusters: {} ({} chained), cluster pairs: {clustered:?}",
        found.len(),
        found.iter().filter(|c| c.chained).count()
    );
    println!("  review pairs {review}, never-merge pairs {never}");
    let ignoring_rules = pair_metrics(
        scored
            .iter()
            .filter(|p| p.weight >= thresholds.link)
            .map(|p| (p.a, p.b)),
        &data.entity_ids,
    );
    println!("  (weights alone, never-merge rules off: {ignoring_rules:?})");
    for row in threshold_table(
        &scored,
        &data.entity_ids,
        &[-5.0, -2.0, 0.0, 3.17, 6.0, 10.0],
    ) {
        let m = row.metrics;
        println!(
            "  threshold {:>6.2}: P {:.4} R {:.4} F1 {:.4}",
            row.threshold, m.precision, m.recall, m.f1
        );
    }

    link
}
