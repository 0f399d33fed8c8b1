//! Blocking: which pairs of records are worth comparing. Several rules each group records by
//! a key; a pair is a candidate when any rule puts both records in one group. A rule whose
//! groups would yield more pairs than the configured maximum is refused, by name, before any
//! pair is built, so one over-broad key cannot stall a run.

use std::collections::HashMap;

use super::compare::phonetic_codes;
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

/// How many pairs one rule yielded (before de-duplication across rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RulePairs {
    pub rule: BlockingRule,
    pub pairs: u64,
}

/// The union of the rules' pairs, each pair once as `(lower index, higher index)`, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidatePairs {
    pub pairs: Vec<(u32, u32)>,
    pub per_rule: Vec<RulePairs>,
}

/// Builds the candidate pairs of `records` under `rules`, refusing any rule that would yield
/// more than `max_pairs_per_rule` pairs.
pub fn candidate_pairs(
    records: &[PersonRecord],
    rules: &[BlockingRule],
    max_pairs_per_rule: u64,
) -> Result<CandidatePairs, BlockingError> {
    let mut pairs = Vec::new();
    let mut per_rule = Vec::with_capacity(rules.len());
    for &rule in rules {
        let mut groups: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            if let Some(key) = rule.key(r) {
                groups.entry(key).or_default().push(i as u32);
            }
        }
        let count: u64 = groups
            .values()
            .map(|g| g.len() as u64 * (g.len() as u64).saturating_sub(1) / 2)
            .sum();
        if count > max_pairs_per_rule {
            return Err(BlockingError::TooManyPairs {
                rule: rule.name(),
                pairs: count,
                max: max_pairs_per_rule,
            });
        }
        for group in groups.values() {
            for (k, &a) in group.iter().enumerate() {
                pairs.extend(group[k + 1..].iter().map(|&b| (a.min(b), a.max(b))));
            }
        }
        per_rule.push(RulePairs { rule, pairs: count });
    }
    pairs.sort_unstable();
    pairs.dedup();
    tracing::debug!(
        candidates = pairs.len(),
        rules = rules.len(),
        "blocking done"
    );
    Ok(CandidatePairs { pairs, per_rule })
}

/// The pairs each rule would yield (before de-duplication across rules), without building
/// any: what a person sees before choosing rules.
pub fn rule_pair_counts(records: &[PersonRecord], rules: &[BlockingRule]) -> Vec<RulePairs> {
    rules
        .iter()
        .map(|&rule| {
            let mut sizes: HashMap<String, u64> = HashMap::new();
            for r in records {
                if let Some(key) = rule.key(r) {
                    *sizes.entry(key).or_default() += 1;
                }
            }
            RulePairs {
                rule,
                pairs: sizes.values().map(|n| n * n.saturating_sub(1) / 2).sum(),
            }
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
