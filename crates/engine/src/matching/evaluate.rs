//! Measuring matching against known entities: precision, recall and F1 over pairs, and a
//! table of them by threshold. Labels are used here only, never to fit the model.

use std::collections::{HashMap, HashSet};

use super::cluster::Cluster;
use super::model::ScoredPair;

/// Pair-level quality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairMetrics {
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Precision, recall and F1 of `predicted` pairs (each once, in either order) when records
/// with equal `entity_ids` are the true pairs.
pub fn pair_metrics<S: AsRef<str>>(
    predicted: impl IntoIterator<Item = (u32, u32)>,
    entity_ids: &[S],
) -> PairMetrics {
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    for id in entity_ids {
        *sizes.entry(id.as_ref()).or_default() += 1;
    }
    let true_pairs: u64 = sizes.values().map(|n| n * (n - 1) / 2).sum();
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut seen = HashSet::new();
    for (a, b) in predicted {
        if a == b || !seen.insert((a.min(b), a.max(b))) {
            continue;
        }
        if entity_ids[a as usize].as_ref() == entity_ids[b as usize].as_ref() {
            tp += 1;
        } else {
            fp += 1;
        }
    }
    let ratio = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, true_pairs);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    PairMetrics {
        true_positives: tp,
        false_positives: fp,
        false_negatives: true_pairs - tp,
        precision,
        recall,
        f1,
    }
}

/// Every pair of members of every cluster.
pub fn cluster_pairs(clusters: &[Cluster]) -> Vec<(u32, u32)> {
    clusters
        .iter()
        .flat_map(|c| {
            c.members
                .iter()
                .enumerate()
                .flat_map(move |(i, &a)| c.members[i + 1..].iter().map(move |&b| (a, b)))
        })
        .collect()
}

/// One row of the threshold table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdRow {
    pub threshold: f64,
    pub metrics: PairMetrics,
}

/// Pair metrics when every pair at or above each threshold (and not kept apart by a
/// never-merge rule) counts as a link.
pub fn threshold_table<S: AsRef<str>>(
    scored: &[ScoredPair],
    entity_ids: &[S],
    thresholds: &[f64],
) -> Vec<ThresholdRow> {
    thresholds
        .iter()
        .map(|&threshold| ThresholdRow {
            threshold,
            metrics: pair_metrics(
                scored
                    .iter()
                    .filter(|p| p.never_merge.is_none() && p.weight >= threshold)
                    .map(|p| (p.a, p.b)),
                entity_ids,
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_f1() {
        // Entities: {0,1,2} (3 true pairs) and {3,4} (1 true pair).
        let ids = ["a", "a", "a", "b", "b"];
        let m = pair_metrics([(0, 1), (1, 2), (2, 3), (1, 0)], &ids);
        assert_eq!(
            (m.true_positives, m.false_positives, m.false_negatives),
            (2, 1, 2)
        );
        assert!((m.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.recall - 0.5).abs() < 1e-12);
        assert!((m.f1 - 4.0 / 7.0).abs() < 1e-12, "F1 = 2PR/(P+R)");
    }

    #[test]
    fn cluster_pairs_are_all_member_pairs() {
        let c = [Cluster {
            members: vec![1, 4, 7],
            chained: false,
        }];
        assert_eq!(cluster_pairs(&c), vec![(1, 4), (1, 7), (4, 7)]);
    }
}
