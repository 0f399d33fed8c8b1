//! Clusters: the connected components of linked pairs (union–find). A cluster is flagged as
//! chained when some two of its members were not themselves scored at least at the review
//! threshold (or were kept apart by a never-merge rule): A links B and B links C, but nothing
//! says A is C, so a person should look.

use std::collections::HashSet;

use super::model::{Decision, ScoredPair};

/// Records (indices) believed to be one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Sorted record indices; at least two.
    pub members: Vec<u32>,
    /// True when the cluster holds a pair that does not link on its own.
    pub chained: bool,
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = parent;
            x = parent;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}

/// Clusters of `record_count` records from the scored pairs whose decision is [`Decision::Link`].
/// Singletons are left out. Clusters come sorted by their first member.
pub fn clusters(record_count: usize, scored: &[ScoredPair]) -> Vec<Cluster> {
    let mut uf = UnionFind((0..record_count as u32).collect());
    for p in scored.iter().filter(|p| p.decision == Decision::Link) {
        uf.union(p.a, p.b);
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); record_count];
    for i in 0..record_count as u32 {
        let root = uf.find(i);
        members[root as usize].push(i);
    }
    let vouched: HashSet<(u32, u32)> = scored
        .iter()
        .filter(|p| p.decision != Decision::NonLink)
        .map(|p| (p.a.min(p.b), p.a.max(p.b)))
        .collect();
    members
        .into_iter()
        .filter(|m| m.len() >= 2)
        .map(|members| {
            let chained = members.iter().enumerate().any(|(i, &a)| {
                members[i + 1..]
                    .iter()
                    .any(|&b| !vouched.contains(&(a.min(b), a.max(b))))
            });
            Cluster { members, chained }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u32, b: u32, decision: Decision) -> ScoredPair {
        ScoredPair {
            a,
            b,
            weight: 0.0,
            decision,
            never_merge: None,
        }
    }

    #[test]
    fn components_and_chaining() {
        use Decision::*;
        let scored = [
            // 0-1-2 all link each other: a clean cluster.
            pair(0, 1, Link),
            pair(1, 2, Link),
            pair(0, 2, Review),
            // 3-4 and 4-5 link, but 3 and 5 were never compared: chained.
            pair(3, 4, Link),
            pair(5, 4, Link),
            // 6-7 only reaches review: no cluster.
            pair(6, 7, Review),
            // 8-9 link, 9-10 link, but 8-10 is a non-link: chained.
            pair(8, 9, Link),
            pair(9, 10, Link),
            pair(8, 10, NonLink),
        ];
        let got = clusters(11, &scored);
        let expected = vec![
            Cluster {
                members: vec![0, 1, 2],
                chained: false,
            },
            Cluster {
                members: vec![3, 4, 5],
                chained: true,
            },
            Cluster {
                members: vec![8, 9, 10],
                chained: true,
            },
        ];
        assert_eq!(got, expected);
    }
}
