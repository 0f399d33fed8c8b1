//! The Fellegi–Sunter model: for every field level, m = P(level | same person) and
//! u = P(level | different people). u comes from random pairs (nearly all non-matches);
//! m is fitted by expectation–maximisation over the blocked candidate pairs, without labels.
//! A pair's match weight is the prior log-odds plus Σ log2(m/u) over its present fields, so
//! every score can be explained field by field. Never-merge rules override the weight.

use std::collections::HashMap;

use super::compare::{
    Comparison, Features, Field, NameLevel, SsnLevel, compare, compare_with, damerau_levenshtein,
    features,
};
use super::parallel;
use super::record::PersonRecord;

/// A tiny seeded generator (SplitMix64): sampling is reproducible run to run.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Match-weight thresholds (bits): at or above `link` is a link, at or above `review` goes to
/// a person, below is a non-link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub link: f64,
    pub review: f64,
}

impl Default for Thresholds {
    /// Link at a match probability of about 0.9, review from about 0.1.
    fn default() -> Self {
        Thresholds {
            link: 3.17,
            review: -3.17,
        }
    }
}

/// How the model is fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitConfig {
    /// Random pairs drawn to estimate u.
    pub u_sample_pairs: usize,
    pub seed: u64,
    pub max_iterations: usize,
    /// EM stops when no m changes by more than this.
    pub tolerance: f64,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            u_sample_pairs: 200_000,
            seed: 0x5EED_CAFE,
            max_iterations: 100,
            tolerance: 1e-6,
        }
    }
}

/// A fitted model: m and u per field and level, and the share of candidate pairs that match.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchModel {
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// P(match) among candidate pairs.
    pub lambda: f64,
    /// The expected number of matching pairs seen at each level in the last EM step. A level
    /// with less than one (a nickname in data that has none) has no evidence for m, so its
    /// weight is zero rather than the large penalty a floored m would give.
    pub m_support: Vec<Vec<f64>>,
    pub iterations: usize,
}

/// One field's contribution to a pair's weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub field: Field,
    /// The level's label, e.g. `"nickname"`, or `"missing"`.
    pub level: &'static str,
    /// log2(m/u); zero when missing.
    pub weight: f64,
}

/// A rule that keeps two records apart whatever their weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeverMerge {
    /// Both have a real SSN, they differ by more than two edits, and the rest of the records
    /// does not outweigh that by [`SSN_OVERRIDE_BITS`].
    DifferentSsn,
    /// Same family name and birth date, but different given names and either different
    /// sexes or different SSNs.
    LikelyTwins,
    /// Different generational suffixes (Jr and Sr).
    DifferentSuffix,
}

impl NeverMerge {
    pub const ALL: [NeverMerge; 3] = [
        NeverMerge::DifferentSsn,
        NeverMerge::LikelyTwins,
        NeverMerge::DifferentSuffix,
    ];
}

/// What to do with a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Link,
    Review,
    NonLink,
}

/// A scored candidate pair (indices into the record slice).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    pub decision: Decision,
    /// Set when a never-merge rule forced the non-link.
    pub never_merge: Option<NeverMerge>,
}

const FLOOR: f64 = 1e-6;

fn level_count(field: Field) -> usize {
    field.level_labels().len()
}

fn add_counts(counts: &mut [Vec<f64>], c: &Comparison, by: f64) {
    for (f, level) in c.levels.iter().enumerate() {
        if let Some(l) = level {
            counts[f][usize::from(*l)] += by;
        }
    }
}

fn normalise(counts: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    counts
        .into_iter()
        .map(|row| {
            let total: f64 = row.iter().sum();
            row.iter()
                .map(|&c| {
                    if total > 0.0 {
                        (c / total).max(FLOOR)
                    } else {
                        1.0 / row.len() as f64
                    }
                })
                .collect()
        })
        .collect()
}

fn zeros() -> Vec<Vec<f64>> {
    Field::ALL
        .iter()
        .map(|&f| vec![0.0; level_count(f)])
        .collect()
}

/// u-probabilities from `sample` random pairs of distinct records (with add-one smoothing, so
/// a level never seen among non-matches still has a small u).
pub fn estimate_u(records: &[PersonRecord], sample: usize, rng: &mut SplitMix64) -> Vec<Vec<f64>> {
    let pairs = random_pairs(records.len(), sample, rng);
    u_from(&count_patterns(records, &features(records), &pairs))
}

/// `sample` random pairs of distinct records (none when there are fewer than two).
fn random_pairs(records: usize, sample: usize, rng: &mut SplitMix64) -> Vec<(u32, u32)> {
    let n = records as u64;
    if n < 2 {
        return Vec::new();
    }
    (0..sample)
        .map(|_| {
            let a = rng.below(n);
            let mut b = rng.below(n - 1);
            if b >= a {
                b += 1;
            }
            (a as u32, b as u32)
        })
        .collect()
}

/// u from the comparisons of random pairs, with add-one smoothing.
fn u_from(random: &[(Comparison, f64)]) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = Field::ALL
        .iter()
        .map(|&f| vec![1.0; level_count(f)])
        .collect();
    for (c, n) in random {
        add_counts(&mut counts, c, *n);
    }
    normalise(counts)
}

/// The distinct comparison vectors of `pairs`, each with how many pairs have it, sorted by
/// vector: EM and λ then sum over a few thousand patterns instead of millions of pairs, in
/// an order that does not depend on hashing or threads. Compared on all cores.
pub fn count_patterns(
    records: &[PersonRecord],
    features: &[Features],
    pairs: &[(u32, u32)],
) -> Vec<(Comparison, f64)> {
    let parts = parallel::map_ranges(pairs.len(), 1 << 16, |range| {
        let mut counts: HashMap<Comparison, u64> = HashMap::new();
        for &(a, b) in &pairs[range] {
            let (a, b) = (a as usize, b as usize);
            *counts
                .entry(compare_with(
                    &records[a],
                    &features[a],
                    &records[b],
                    &features[b],
                ))
                .or_default() += 1;
        }
        counts
    });
    let mut all: HashMap<Comparison, u64> = HashMap::new();
    for part in parts {
        for (c, n) in part {
            *all.entry(c).or_default() += n;
        }
    }
    let mut patterns: Vec<(Comparison, f64)> =
        all.into_iter().map(|(c, n)| (c, n as f64)).collect();
    patterns.sort_unstable_by(|x, y| x.0.cmp(&y.0));
    patterns
}

/// Distinct comparisons with their counts, sorted.
fn patterns_of(comparisons: &[Comparison]) -> Vec<(Comparison, f64)> {
    let mut sorted = comparisons.to_vec();
    sorted.sort_unstable();
    sorted
        .chunk_by(|x, y| x == y)
        .map(|run| (run[0], run.len() as f64))
        .collect()
}

/// Two sorted pattern lists as one.
fn merge_patterns(a: &[(Comparison, f64)], b: &[(Comparison, f64)]) -> Vec<(Comparison, f64)> {
    let mut all: Vec<(Comparison, f64)> = a.iter().chain(b).copied().collect();
    all.sort_by(|x, y| x.0.cmp(&y.0));
    all.chunk_by(|x, y| x.0 == y.0)
        .map(|run| (run[0].0, run.iter().map(|p| p.1).sum()))
        .collect()
}

/// Starting m: most matches agree exactly, the rest spread over the other levels.
fn initial_m() -> Vec<Vec<f64>> {
    Field::ALL
        .iter()
        .map(|&f| {
            let n = level_count(f);
            (0..n)
                .map(|l| if l == 0 { 0.9 } else { 0.1 / (n - 1) as f64 })
                .collect()
        })
        .collect()
}

impl MatchModel {
    /// Fits u from random pairs, and m by EM over the candidate pairs together with the
    /// random pairs. Blocking leaves few non-matches among the candidates, and those agree
    /// on their blocking keys; alone, EM would absorb them into the match class (λ → 1). The
    /// random pairs keep the non-match class honest. λ is then re-estimated over the
    /// candidates alone, as the mean posterior, because only candidates are scored.
    pub fn fit(records: &[PersonRecord], candidates: &[(u32, u32)], config: &FitConfig) -> Self {
        Self::fit_with(records, &features(records), candidates, config)
    }

    /// [`MatchModel::fit`] with the records' [`features`] worked out beforehand; pairs are
    /// compared on all cores, and EM runs over the distinct comparison patterns.
    pub fn fit_with(
        records: &[PersonRecord],
        features: &[Features],
        candidates: &[(u32, u32)],
        config: &FitConfig,
    ) -> Self {
        let mut rng = SplitMix64::new(config.seed);
        let random = count_patterns(
            records,
            features,
            &random_pairs(records.len(), config.u_sample_pairs, &mut rng),
        );
        let u = u_from(&random);
        let candidate = count_patterns(records, features, candidates);
        let mut model = Self::fit_patterns(&merge_patterns(&candidate, &random), u, config);
        let pairs: f64 = candidate.iter().map(|p| p.1).sum();
        if pairs > 0.0 {
            let total: f64 = candidate
                .iter()
                .map(|(c, n)| n * model.probability(model.weight(c)))
                .sum();
            model.lambda = (total / pairs).clamp(FLOOR, 1.0 - FLOOR);
        }
        model
    }

    /// EM over comparison vectors with u held fixed.
    pub fn fit_comparisons(
        comparisons: &[Comparison],
        u: Vec<Vec<f64>>,
        config: &FitConfig,
    ) -> Self {
        Self::fit_patterns(&patterns_of(comparisons), u, config)
    }

    /// EM over distinct comparison vectors, each with its count, with u held fixed.
    pub fn fit_patterns(
        patterns: &[(Comparison, f64)],
        u: Vec<Vec<f64>>,
        config: &FitConfig,
    ) -> Self {
        let mut model = MatchModel {
            m: initial_m(),
            u,
            lambda: 0.1,
            m_support: Field::ALL
                .iter()
                .map(|&f| vec![f64::INFINITY; level_count(f)])
                .collect(),
            iterations: 0,
        };
        let pairs: f64 = patterns.iter().map(|p| p.1).sum();
        if patterns.is_empty() {
            return model;
        }
        for iteration in 1..=config.max_iterations {
            let mut counts = zeros();
            let mut total = 0.0;
            for (c, n) in patterns {
                let p = model.probability(model.weight(c)) * n;
                total += p;
                add_counts(&mut counts, c, p);
            }
            model.m_support = counts.clone();
            let m = normalise(counts);
            let change = m
                .iter()
                .flatten()
                .zip(model.m.iter().flatten())
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            model.m = m;
            model.lambda = (total / pairs).clamp(FLOOR, 1.0 - FLOOR);
            model.iterations = iteration;
            if change < config.tolerance {
                break;
            }
        }
        tracing::debug!(
            pairs,
            patterns = patterns.len(),
            iterations = model.iterations,
            "EM fitted"
        );
        model
    }

    /// log2(m/u) of one field level.
    pub fn field_weight(&self, field: Field, level: u8) -> f64 {
        let (f, l) = (field as usize, usize::from(level));
        if self.m_support[f][l] < 1.0 {
            return 0.0;
        }
        (self.m[f][l] / self.u[f][l]).log2()
    }

    /// The prior log-odds of a candidate pair matching, in bits.
    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Prior plus the present fields' weights.
    pub fn weight(&self, c: &Comparison) -> f64 {
        self.prior_weight()
            + Field::ALL
                .iter()
                .filter_map(|&f| c.level(f).map(|l| self.field_weight(f, l)))
                .sum::<f64>()
    }

    /// The match probability of a weight.
    pub fn probability(&self, weight: f64) -> f64 {
        1.0 / (1.0 + (-weight).exp2())
    }

    /// Each field's level and weight; the weights plus [`Self::prior_weight`] are the score.
    pub fn explain(&self, c: &Comparison) -> Vec<Explanation> {
        Field::ALL
            .iter()
            .map(|&field| match c.level(field) {
                Some(l) => Explanation {
                    field,
                    level: field.level_labels()[usize::from(l)],
                    weight: self.field_weight(field, l),
                },
                None => Explanation {
                    field,
                    level: "missing",
                    weight: 0.0,
                },
            })
            .collect()
    }

    /// Scores one pair of records, applying the never-merge rules.
    pub fn score(
        &self,
        records: &[PersonRecord],
        a: u32,
        b: u32,
        thresholds: &Thresholds,
    ) -> ScoredPair {
        let (ra, rb) = (&records[a as usize], &records[b as usize]);
        let c = compare(ra, rb);
        decide(a, b, ra, rb, &c, self.weight(&c), thresholds)
    }

    /// Scores every candidate pair.
    pub fn score_pairs(
        &self,
        records: &[PersonRecord],
        candidates: &[(u32, u32)],
        thresholds: &Thresholds,
    ) -> Vec<ScoredPair> {
        self.score_pairs_with(records, &features(records), candidates, thresholds)
    }

    /// [`MatchModel::score_pairs`] with the records' [`features`] worked out beforehand, on
    /// all cores.
    pub fn score_pairs_with(
        &self,
        records: &[PersonRecord],
        features: &[Features],
        candidates: &[(u32, u32)],
        thresholds: &Thresholds,
    ) -> Vec<ScoredPair> {
        let table = WeightTable::new(self);
        let parts = parallel::map_ranges(candidates.len(), 1 << 15, |range| {
            candidates[range]
                .iter()
                .map(|&(a, b)| table.score(records, features, a, b, thresholds))
                .collect::<Vec<_>>()
        });
        let mut out = Vec::with_capacity(candidates.len());
        for part in parts {
            out.extend(part);
        }
        out
    }

    /// Scores every candidate pair on all cores, keeping only the links and the pairs for
    /// review (all [`crate::matching::cluster::clusters`] needs) and counting the rest: a
    /// million records' candidates need not all be held at once.
    pub fn score_candidates(
        &self,
        records: &[PersonRecord],
        features: &[Features],
        candidates: &[(u32, u32)],
        thresholds: &Thresholds,
    ) -> ScoreSummary {
        let table = WeightTable::new(self);
        let parts = parallel::map_ranges(candidates.len(), 1 << 15, |range| {
            let mut summary = ScoreSummary::default();
            for &(a, b) in &candidates[range] {
                summary.add(table.score(records, features, a, b, thresholds));
            }
            summary
        });
        let mut all = ScoreSummary::default();
        for part in parts {
            all.links += part.links;
            all.reviews += part.reviews;
            all.non_links += part.non_links;
            for (x, y) in all.never_merge.iter_mut().zip(part.never_merge) {
                x.1 += y.1;
            }
            all.kept.extend(part.kept);
        }
        all
    }
}

/// What [`MatchModel::score_candidates`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSummary {
    /// The pairs decided [`Decision::Link`] or [`Decision::Review`], in candidate order.
    pub kept: Vec<ScoredPair>,
    pub links: u64,
    pub reviews: u64,
    pub non_links: u64,
    /// Pairs each never-merge rule kept apart.
    pub never_merge: Vec<(NeverMerge, u64)>,
}

impl Default for ScoreSummary {
    fn default() -> Self {
        ScoreSummary {
            kept: Vec::new(),
            links: 0,
            reviews: 0,
            non_links: 0,
            never_merge: NeverMerge::ALL.iter().map(|&r| (r, 0)).collect(),
        }
    }
}

impl ScoreSummary {
    fn add(&mut self, p: ScoredPair) {
        if let Some(rule) = p.never_merge
            && let Some(count) = self.never_merge.iter_mut().find(|c| c.0 == rule)
        {
            count.1 += 1;
        }
        match p.decision {
            Decision::Link => self.links += 1,
            Decision::Review => self.reviews += 1,
            Decision::NonLink => {
                self.non_links += 1;
                return;
            }
        }
        self.kept.push(p);
    }
}

/// Every field level's weight worked out once, so scoring a pair adds table entries; the
/// sum is the one [`MatchModel::weight`] makes, in the same order.
struct WeightTable {
    prior: f64,
    weights: [[f64; 8]; 9],
}

impl WeightTable {
    fn new(model: &MatchModel) -> Self {
        let mut weights = [[0.0; 8]; 9];
        for (f, &field) in Field::ALL.iter().enumerate() {
            for l in 0..level_count(field) {
                weights[f][l] = model.field_weight(field, l as u8);
            }
        }
        WeightTable {
            prior: model.prior_weight(),
            weights,
        }
    }

    fn score(
        &self,
        records: &[PersonRecord],
        features: &[Features],
        a: u32,
        b: u32,
        thresholds: &Thresholds,
    ) -> ScoredPair {
        let (i, j) = (a as usize, b as usize);
        let (ra, rb) = (&records[i], &records[j]);
        let c = compare_with(ra, &features[i], rb, &features[j]);
        let weight = self.prior
            + c.levels
                .iter()
                .zip(&self.weights)
                .filter_map(|(l, w)| l.map(|l| w[usize::from(l)]))
                .sum::<f64>();
        decide(a, b, ra, rb, &c, weight, thresholds)
    }
}

/// A pair's decision from its weight and the never-merge rules.
fn decide(
    a: u32,
    b: u32,
    ra: &PersonRecord,
    rb: &PersonRecord,
    c: &Comparison,
    weight: f64,
    thresholds: &Thresholds,
) -> ScoredPair {
    let never_merge = never_merge(ra, rb, c, weight, thresholds);
    let decision = if never_merge.is_some() {
        Decision::NonLink
    } else if weight >= thresholds.link {
        Decision::Link
    } else if weight >= thresholds.review {
        Decision::Review
    } else {
        Decision::NonLink
    };
    ScoredPair {
        a,
        b,
        weight,
        decision,
        never_merge,
    }
}

/// How much stronger than a link the rest of a record must be to outweigh two different real
/// SSNs (bits above [`Thresholds::link`]; 16 bits is odds of about 65,000 to 1). A mistyped
/// or reissued number on a chart that agrees on everything else is still one person; two
/// people who merely share a surname and a postcode never get this far.
pub const SSN_OVERRIDE_BITS: f64 = 16.0;

/// The never-merge rule two records break, if any, given the pair's weight.
pub fn never_merge(
    a: &PersonRecord,
    b: &PersonRecord,
    c: &Comparison,
    weight: f64,
    thresholds: &Thresholds,
) -> Option<NeverMerge> {
    if let (Some(x), Some(y)) = (a.suffix, b.suffix)
        && x != y
    {
        return Some(NeverMerge::DifferentSuffix);
    }
    // Two edits apart is still a plausible double typo of one number, left to the weights;
    // further apart, two real SSNs are two people.
    let different_ssn = c.level(Field::Ssn) == Some(SsnLevel::Different as u8)
        && matches!((&a.ssn, &b.ssn), (Some(x), Some(y)) if damerau_levenshtein(x, y) > 2);
    let same_given = matches!(
        c.level(Field::Given),
        Some(l) if l == NameLevel::Exact as u8
            || l == NameLevel::JaroWinkler92 as u8
            || l == NameLevel::Nickname as u8
    );
    // Same surname and birth date, different given names, and a second sign of two people:
    // different sexes or different SSNs. Twins (or a parent and a child named alike on the
    // wrong date) share an address, so the weights alone would link them.
    let twins = c.level(Field::Family) == Some(NameLevel::Exact as u8)
        && a.birth_date.is_some()
        && a.birth_date == b.birth_date
        && c.level(Field::Given).is_some()
        && !same_given
        && (c.level(Field::Sex) == Some(1) || different_ssn);
    if twins {
        return Some(NeverMerge::LikelyTwins);
    }
    (different_ssn && weight < thresholds.link + SSN_OVERRIDE_BITS)
        .then_some(NeverMerge::DifferentSsn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::record::RawPerson;

    fn person(given: &str, family: &str, dob: &str, sex: &str, ssn: &str) -> PersonRecord {
        PersonRecord::from_raw(&RawPerson {
            id: "x",
            given,
            family,
            birth_date: dob,
            sex,
            ssn,
            postcode: "2119",
            address: "7 wallaby place",
            ..RawPerson::default()
        })
    }

    fn model() -> MatchModel {
        // A hand-set model: agreement is strong evidence, disagreement weak.
        let m = initial_m();
        let u = Field::ALL
            .iter()
            .map(|&f| {
                let n = level_count(f);
                (0..n)
                    .map(|l| {
                        if l + 1 == n {
                            0.9
                        } else {
                            0.1 / (n - 1) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let m_support = Field::ALL
            .iter()
            .map(|&f| vec![100.0; level_count(f)])
            .collect();
        MatchModel {
            m,
            u,
            lambda: 0.5,
            m_support,
            iterations: 0,
        }
    }

    #[test]
    fn never_merge_rules_force_non_link() {
        let elsewhere = |mut p: PersonRecord| {
            p.postcode = Some("4000".into());
            p.address = Some("12 other street".into());
            p
        };
        let cases = [
            (
                // Two real SSNs, and only the name to say otherwise: two people.
                person("ann", "lee", "19800101", "f", "078051120"),
                elsewhere(person("ann", "lee", "19790312", "f", "219099999")),
                Some(NeverMerge::DifferentSsn),
            ),
            (
                // Everything else agrees, far beyond the link threshold: one person whose
                // SSN was mistyped or reissued.
                person("ann", "lee", "19800101", "f", "078051120"),
                person("ann", "lee", "19800101", "f", "219099999"),
                None,
            ),
            (
                // Same surname, birth date, sex and address, different given names and SSNs:
                // twins, however strong the rest.
                person("ann", "lee", "19800101", "f", "078051120"),
                person("beth", "lee", "19800101", "f", "219099999"),
                Some(NeverMerge::LikelyTwins),
            ),
            (
                person("ann", "lee", "19800101", "f", "078051120"),
                person("ann", "lee", "19800101", "f", "078051121"),
                None,
            ),
            (
                // Two edits (a swap and a changed digit): a double typo, left to the weights.
                person("ann", "lee", "19800101", "f", "078051120"),
                person("ann", "lee", "19800101", "f", "078015121"),
                None,
            ),
            (
                person("john", "smith jr", "19800101", "m", ""),
                person("john", "smith sr", "19800101", "m", ""),
                Some(NeverMerge::DifferentSuffix),
            ),
            (
                person("ann", "lee", "19800101", "f", ""),
                person("paul", "lee", "19800101", "m", ""),
                Some(NeverMerge::LikelyTwins),
            ),
            (
                person("ann", "lee", "19800101", "f", ""),
                person("paul", "lee", "19800101", "", ""),
                None,
            ),
        ];
        let m = model();
        for (i, (a, b, expected)) in cases.into_iter().enumerate() {
            let records = [a, b];
            let s = m.score(&records, 0, 1, &Thresholds::default());
            assert_eq!(s.never_merge, expected, "case {i}");
            if expected.is_some() {
                assert_eq!(
                    s.decision,
                    Decision::NonLink,
                    "case {i}: a never-merge rule wins"
                );
            }
        }
    }

    #[test]
    fn weight_is_the_sum_of_its_explanation() {
        let records = [
            person("robert", "green", "19560409", "m", "1804974"),
            person("bob", "green", "19560904", "m", ""),
        ];
        let m = model();
        let c = compare(&records[0], &records[1]);
        let e = m.explain(&c);
        let total = m.prior_weight() + e.iter().map(|x| x.weight).sum::<f64>();
        assert!(
            (total - m.weight(&c)).abs() < 1e-9,
            "explanation adds up to the weight"
        );
        let level = |f| e.iter().find(|x| x.field == f).map(|x| x.level);
        assert_eq!(level(Field::Given), Some("nickname"));
        assert_eq!(level(Field::BirthDate), Some("day and month transposed"));
        assert_eq!(level(Field::Ssn), Some("missing"));
        assert_eq!(
            m.score(&records, 0, 1, &Thresholds::default()).decision,
            Decision::Link
        );
    }

    #[test]
    fn splitmix_is_reproducible() {
        let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
        for _ in 0..100 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
        }
    }
}

#[cfg(test)]
mod support_tests {
    use super::*;

    #[test]
    fn a_level_without_evidence_weighs_nothing() {
        // Nobody in the training data used a nickname: m has no support there, and the
        // floored m must not turn "nickname" into a penalty.
        let comparisons = vec![
            Comparison {
                levels: [Some(0); 9]
            };
            50
        ];
        let u = Field::ALL
            .iter()
            .map(|&f| vec![1.0 / level_count(f) as f64; level_count(f)])
            .collect();
        let model = MatchModel::fit_comparisons(&comparisons, u, &FitConfig::default());
        let nickname = NameLevel::Nickname as u8;
        assert_eq!(model.field_weight(Field::Given, nickname), 0.0);
        assert!(
            model.field_weight(Field::Given, 0) > 0.0,
            "exact agreement is evidence"
        );
    }
}
