//! Blocking: which pairs of records are worth comparing. Several rules each group records by
//! a key; a pair is a candidate when any rule puts both records in one group. A rule whose
//! groups would yield more pairs than the configured maximum is refused, by name, before any
//! pair is built, so one over-broad key cannot stall a run.

use xxhash_rust::xxh3::Xxh3;

use super::compare::{Features, features, phonetic_codes};
use super::parallel;
use super::record::PersonRecord;

/// One blocking rule: records with equal, present keys are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockingRule {
    /// Double Metaphone of the family name, and the birth year.
    PhoneticFamilyBirthYear,
    /// First letter of the given name, and the full birth date.
    GivenInitialBirthDate,
    /// The SSN.
    Ssn,
    /// The postcode, and the first three letters of the family name.
    PostcodeFamilyPrefix,
    /// Double Metaphone of the given name and of the family name.
    PhoneticGivenFamily,
    /// The full birth date alone.
    BirthDate,
    /// The postcode and the street number (the address's first word).
    PostcodeStreetNumber,
}

impl BlockingRule {
    /// The rules a run uses unless told otherwise.
    pub const DEFAULT: [BlockingRule; 7] = [
        BlockingRule::PhoneticFamilyBirthYear,
        BlockingRule::GivenInitialBirthDate,
        BlockingRule::Ssn,
        BlockingRule::PostcodeFamilyPrefix,
        BlockingRule::PhoneticGivenFamily,
        BlockingRule::BirthDate,
        BlockingRule::PostcodeStreetNumber,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BlockingRule::PhoneticFamilyBirthYear => "phonetic family + birth year",
            BlockingRule::GivenInitialBirthDate => "given initial + birth date",
            BlockingRule::Ssn => "ssn",
            BlockingRule::PostcodeFamilyPrefix => "postcode + family prefix",
            BlockingRule::PhoneticGivenFamily => "phonetic given + phonetic family",
            BlockingRule::BirthDate => "birth date",
            BlockingRule::PostcodeStreetNumber => "postcode + street number",
        }
    }

    /// The record's key under this rule; `None` when a part of it is missing.
    pub fn key(self, r: &PersonRecord) -> Option<String> {
        match self {
            BlockingRule::PhoneticFamilyBirthYear => {
                let code = phonetic_codes(r.family.as_deref()?).0;
                Some(format!("{code}|{}", r.birth_date?.0))
            }
            BlockingRule::GivenInitialBirthDate => {
                let initial = r.given.as_deref()?.chars().next()?;
                let (y, m, d) = r.birth_date?;
                Some(format!("{initial}|{y}-{m}-{d}"))
            }
            BlockingRule::Ssn => r.ssn.clone(),
            BlockingRule::PostcodeFamilyPrefix => {
                let prefix: String = r.family.as_deref()?.chars().take(3).collect();
                Some(format!("{}|{prefix}", r.postcode.as_deref()?))
            }
            BlockingRule::PhoneticGivenFamily => {
                let given = phonetic_codes(r.given.as_deref()?).0;
                let family = phonetic_codes(r.family.as_deref()?).0;
                (!given.is_empty() && !family.is_empty()).then(|| format!("{given}|{family}"))
            }
            BlockingRule::BirthDate => {
                let (y, m, d) = r.birth_date?;
                Some(format!("{y}-{m}-{d}"))
            }
            BlockingRule::PostcodeStreetNumber => {
                let number = r.address.as_deref()?.split(' ').next()?;
                Some(format!("{}|{number}", r.postcode.as_deref()?))
            }
        }
    }

    /// The record's key as a 64-bit hash: records with equal [`BlockingRule::key`]s have
    /// equal hashes (and unequal keys collide with odds of about 2⁻⁶⁴, which at worst adds
    /// a candidate pair). `features` are the record's own.
    pub fn key_hash(self, r: &PersonRecord, features: &Features) -> Option<u64> {
        let mut h = Xxh3::new();
        match self {
            BlockingRule::PhoneticFamilyBirthYear => {
                r.family.as_ref()?;
                h.update(&features.family_sound.primary.to_le_bytes());
                h.update(&r.birth_date?.0.to_le_bytes());
            }
            BlockingRule::GivenInitialBirthDate => {
                let initial = r.given.as_deref()?.chars().next()?;
                let (y, m, d) = r.birth_date?;
                h.update(&u32::from(initial).to_le_bytes());
                h.update(&[(y >> 8) as u8, y as u8, m, d]);
            }
            BlockingRule::Ssn => h.update(r.ssn.as_deref()?.as_bytes()),
            BlockingRule::PostcodeFamilyPrefix => {
                let family = r.family.as_deref()?;
                let end = family
                    .char_indices()
                    .nth(3)
                    .map_or(family.len(), |(i, _)| i);
                h.update(r.postcode.as_deref()?.as_bytes());
                h.update(&[0xFF]);
                h.update(&family.as_bytes()[..end]);
            }
            BlockingRule::PhoneticGivenFamily => {
                r.given.as_ref()?;
                r.family.as_ref()?;
                let (g, f) = (features.given_sound.primary, features.family_sound.primary);
                if g == 0 || f == 0 {
                    return None;
                }
                h.update(&g.to_le_bytes());
                h.update(&f.to_le_bytes());
            }
            BlockingRule::BirthDate => {
                let (y, m, d) = r.birth_date?;
                h.update(&[(y >> 8) as u8, y as u8, m, d]);
            }
            BlockingRule::PostcodeStreetNumber => {
                let number = r.address.as_deref()?.split(' ').next()?;
                h.update(r.postcode.as_deref()?.as_bytes());
                h.update(&[0xFF]);
                h.update(number.as_bytes());
            }
        }
        Some(h.digest())
    }
}

/// Why blocking refused to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockingError {
    #[error(
        "blocking rule '{rule}' would yield {pairs} candidate pairs, more than the limit of {max}"
    )]
    TooManyPairs {
        rule: &'static str,
        pairs: u64,
        max: u64,
    },
}

/// What to do with a rule that would yield more pairs than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverBroad {
    /// Fail the whole run with [`BlockingError::TooManyPairs`].
    Refuse,
    /// Leave the rule out, list it in [`CandidatePairs::skipped`] and go on with the rest.
    Skip,
}

/// How many pairs one rule yielded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RulePairs {
    pub rule: BlockingRule,
    /// All the pairs that share the rule's key (before de-duplication across rules).
    pub pairs: u64,
    /// The pairs no earlier rule had yielded; zero for a skipped rule.
    pub new: u64,
}

/// The union of the rules' pairs, each pair once as `(lower index, higher index)`, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidatePairs {
    pub pairs: Vec<(u32, u32)>,
    /// The rules used, in order.
    pub per_rule: Vec<RulePairs>,
    /// Over-broad rules left out (with [`OverBroad::Skip`]).
    pub skipped: Vec<RulePairs>,
}

/// A sensible per-rule limit for `records` records: five pairs per record, and at least a
/// million. A rule over it groups records too coarsely to be worth comparing (the birth
/// date alone, in a million records, pairs each with about thirty strangers).
pub fn default_max_pairs_per_rule(records: usize) -> u64 {
    (records as u64 * 5).max(1_000_000)
}

/// Builds the candidate pairs of `records` under `rules`, refusing any rule that would yield
/// more than `max_pairs_per_rule` pairs.
pub fn candidate_pairs(
    records: &[PersonRecord],
    rules: &[BlockingRule],
    max_pairs_per_rule: u64,
) -> Result<CandidatePairs, BlockingError> {
    candidate_pairs_with(
        records,
        &features(records),
        rules,
        max_pairs_per_rule,
        OverBroad::Refuse,
    )
}

/// No group: the record has no key, or is alone with it.
const NONE: u32 = u32::MAX;

/// One rule's groups: every record's group, and the groups' members.
struct Groups {
    /// Record → group, [`NONE`] when it has no key or shares it with nobody.
    group_of: Vec<u32>,
    /// The members of group `g` are `members[starts[g]..starts[g + 1]]`, ascending.
    members: Vec<u32>,
    starts: Vec<u32>,
    pairs: u64,
}

impl Groups {
    fn build(records: &[PersonRecord], features: &[Features], rule: BlockingRule) -> Groups {
        let mut keyed: Vec<(u64, u32)> = records
            .iter()
            .zip(features)
            .enumerate()
            .filter_map(|(i, (r, f))| rule.key_hash(r, f).map(|k| (k, i as u32)))
            .collect();
        keyed.sort_unstable();
        let mut groups = Groups {
            group_of: vec![NONE; records.len()],
            members: Vec::new(),
            starts: Vec::new(),
            pairs: 0,
        };
        for run in keyed
            .chunk_by(|x, y| x.0 == y.0)
            .filter(|run| run.len() >= 2)
        {
            let g = groups.starts.len() as u32;
            groups.starts.push(groups.members.len() as u32);
            for &(_, i) in run {
                groups.group_of[i as usize] = g;
                groups.members.push(i);
            }
            let n = run.len() as u64;
            groups.pairs += n * (n - 1) / 2;
        }
        groups.starts.push(groups.members.len() as u32);
        groups.members.shrink_to_fit();
        groups.starts.shrink_to_fit();
        groups
    }

    /// The members of record `a`'s group after `a`.
    fn after(&self, a: u32) -> &[u32] {
        let g = self.group_of[a as usize];
        if g == NONE {
            return &[];
        }
        let (s, e) = (self.starts[g as usize], self.starts[g as usize + 1]);
        let members = &self.members[s as usize..e as usize];
        match members.binary_search(&a) {
            Ok(p) => &members[p + 1..],
            Err(_) => &[],
        }
    }

    fn same(&self, a: u32, b: u32) -> bool {
        let g = self.group_of[a as usize];
        g != NONE && g == self.group_of[b as usize]
    }
}

/// [`candidate_pairs`] with the records' [`features`] worked out beforehand, on all cores,
/// and a choice of what to do with an over-broad rule. Each rule's groups are built from
/// 64-bit key hashes; a pair is taken from the first rule that yields it, so no pair is
/// made twice and the output needs no global sort.
pub fn candidate_pairs_with(
    records: &[PersonRecord],
    features: &[Features],
    rules: &[BlockingRule],
    max_pairs_per_rule: u64,
    over_broad: OverBroad,
) -> Result<CandidatePairs, BlockingError> {
    let built = parallel::map_ranges(rules.len(), 1, |r| {
        let rule = rules[r.start];
        (rule, Groups::build(records, features, rule))
    });
    let (mut used, mut skipped) = (Vec::new(), Vec::new());
    for (rule, groups) in built {
        if groups.pairs <= max_pairs_per_rule {
            used.push((rule, groups));
            continue;
        }
        match over_broad {
            OverBroad::Refuse => {
                return Err(BlockingError::TooManyPairs {
                    rule: rule.name(),
                    pairs: groups.pairs,
                    max: max_pairs_per_rule,
                });
            }
            OverBroad::Skip => {
                tracing::warn!(
                    rule = rule.name(),
                    pairs = groups.pairs,
                    max = max_pairs_per_rule,
                    "blocking rule skipped: too many pairs"
                );
                skipped.push(RulePairs {
                    rule,
                    pairs: groups.pairs,
                    new: 0,
                });
            }
        }
    }
    let parts = parallel::map_ranges(records.len(), 16_384, |range| {
        let mut out: Vec<(u32, u32)> = Vec::new();
        let mut new = vec![0u64; used.len()];
        let mut partners: Vec<u32> = Vec::new();
        for a in range.start as u32..range.end as u32 {
            partners.clear();
            for (r, (_, groups)) in used.iter().enumerate() {
                for &b in groups.after(a) {
                    if !used[..r].iter().any(|(_, earlier)| earlier.same(a, b)) {
                        partners.push(b);
                        new[r] += 1;
                    }
                }
            }
            partners.sort_unstable();
            out.extend(partners.iter().map(|&b| (a, b)));
        }
        (out, new)
    });
    let total = parts.iter().map(|(p, _)| p.len()).sum();
    let mut pairs = Vec::with_capacity(total);
    let mut new = vec![0u64; used.len()];
    for (part, counts) in parts {
        pairs.extend_from_slice(&part);
        for (n, c) in new.iter_mut().zip(counts) {
            *n += c;
        }
    }
    let per_rule = used
        .iter()
        .zip(new)
        .map(|((rule, groups), new)| RulePairs {
            rule: *rule,
            pairs: groups.pairs,
            new,
        })
        .collect();
    tracing::debug!(
        candidates = pairs.len(),
        rules = rules.len(),
        skipped = skipped.len(),
        "blocking done"
    );
    Ok(CandidatePairs {
        pairs,
        per_rule,
        skipped,
    })
}

/// The pairs each rule would yield (before de-duplication across rules), without building
/// any: what a person sees before choosing rules.
pub fn rule_pair_counts(records: &[PersonRecord], rules: &[BlockingRule]) -> Vec<RulePairs> {
    let f = features(records);
    rules
        .iter()
        .map(|&rule| RulePairs {
            rule,
            pairs: Groups::build(records, &f, rule).pairs,
            new: 0,
        })
        .collect()
}

impl BlockingRule {
    /// The rule of this name (as [`BlockingRule::name`] gives it).
    pub fn from_name(name: &str) -> Option<BlockingRule> {
        BlockingRule::DEFAULT
            .into_iter()
            .find(|r| r.name() == name.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::record::RawPerson;

    fn person(id: &str, given: &str, family: &str, dob: &str, ssn: &str) -> PersonRecord {
        PersonRecord::from_raw(&RawPerson {
            id,
            given,
            family,
            birth_date: dob,
            ssn,
            postcode: "2119",
            ..RawPerson::default()
        })
    }

    #[test]
    fn rules_are_unioned_and_pairs_deduplicated() {
        let records = [
            person("a", "mitchell", "green", "19560409", "1804974"),
            person("b", "mitchel", "greene", "19560409", "1804974"),
            person("c", "zoe", "adams", "19900101", "5550123"),
        ];
        let c = candidate_pairs(&records, &BlockingRule::DEFAULT, 1000).expect("small input");
        assert_eq!(c.pairs, vec![(0, 1)], "only a and b share any key");
        let ssn = c.per_rule.iter().find(|r| r.rule == BlockingRule::Ssn);
        assert_eq!(
            ssn.map(|r| r.pairs),
            Some(1),
            "the SSN rule alone pairs a and b"
        );
    }

    #[test]
    fn key_hashes_group_as_keys_do() {
        use std::collections::HashMap;
        let records: Vec<PersonRecord> = crate::matching::synthetic::people(
            crate::matching::synthetic::PeopleConfig::new(5_000),
        )
        .map(|p| PersonRecord::from_raw(&p.raw()))
        .collect();
        let all = features(&records);
        for rule in BlockingRule::DEFAULT {
            let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
            let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
            for (i, (r, f)) in records.iter().zip(&all).enumerate() {
                assert_eq!(rule.key(r).is_some(), rule.key_hash(r, f).is_some());
                if let (Some(k), Some(h)) = (rule.key(r), rule.key_hash(r, f)) {
                    by_key.entry(k).or_default().push(i);
                    by_hash.entry(h).or_default().push(i);
                }
            }
            let mut a: Vec<_> = by_key.into_values().collect();
            let mut b: Vec<_> = by_hash.into_values().collect();
            a.sort();
            b.sort();
            assert_eq!(a, b, "{}", rule.name());
        }
    }

    #[test]
    fn over_broad_rules_can_be_skipped() {
        let records: Vec<_> = (0..10)
            .map(|i| {
                person(
                    &i.to_string(),
                    "ann",
                    "lee",
                    "19800101",
                    &format!("12345{i:04}"),
                )
            })
            .collect();
        let rules = [BlockingRule::GivenInitialBirthDate, BlockingRule::Ssn];
        let c = candidate_pairs_with(&records, &features(&records), &rules, 44, OverBroad::Skip)
            .expect("skipping never fails");
        assert!(c.pairs.is_empty());
        assert_eq!(c.skipped.len(), 1);
        assert_eq!(c.skipped[0].rule, BlockingRule::GivenInitialBirthDate);
        assert_eq!(c.per_rule.len(), 1);
    }

    #[test]
    fn pairs_are_sorted_unique_and_counted_by_first_rule() {
        let records: Vec<PersonRecord> = crate::matching::synthetic::people(
            crate::matching::synthetic::PeopleConfig::new(20_000),
        )
        .map(|p| PersonRecord::from_raw(&p.raw()))
        .collect();
        let c = candidate_pairs(&records, &BlockingRule::DEFAULT, 10_000_000).expect("fits");
        assert!(
            c.pairs.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
        assert!(c.pairs.iter().all(|&(a, b)| a < b));
        let new: u64 = c.per_rule.iter().map(|r| r.new).sum();
        assert_eq!(
            new,
            c.pairs.len() as u64,
            "each pair counted once, by its first rule"
        );
        // The same pairs as grouping by the keys themselves.
        let mut expected = std::collections::BTreeSet::new();
        for rule in BlockingRule::DEFAULT {
            let mut groups: std::collections::HashMap<String, Vec<u32>> = Default::default();
            for (i, r) in records.iter().enumerate() {
                if let Some(k) = rule.key(r) {
                    groups.entry(k).or_default().push(i as u32);
                }
            }
            for g in groups.values() {
                for (i, &a) in g.iter().enumerate() {
                    expected.extend(g[i + 1..].iter().map(|&b| (a.min(b), a.max(b))));
                }
            }
        }
        assert_eq!(c.pairs, expected.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn an_over_broad_rule_is_refused_by_name() {
        let records: Vec<_> = (0..10)
            .map(|i| person(&i.to_string(), "ann", "lee", "19800101", ""))
            .collect();
        let err = candidate_pairs(&records, &[BlockingRule::GivenInitialBirthDate], 44)
            .expect_err("45 pairs exceed 44");
        assert_eq!(
            err,
            BlockingError::TooManyPairs {
                rule: "given initial + birth date",
                pairs: 45,
                max: 44
            }
        );
    }
}
