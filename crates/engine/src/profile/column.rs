//! Everything counted for one column, value by value, in bounded memory.
//!
//! Values and patterns are counted exactly in a map until the column's share of the
//! memory budget ([`Limits`]) is used up. After that a new value is not kept with its
//! count (so the top list is of the values seen first, flagged `top_values_partial`), but
//! it is still counted towards `distinct` through a set of its 64-bit hash (xxh3), shared
//! across the snapshot's columns up to [`Budget`]. Only when that set is full too does `distinct`
//! become a lower bound (`distinct_capped`). Two different values sharing a 64-bit hash
//! would be counted once, so the hashed figure can only err low (for a million values the
//! odds are about one in thirty million).

use std::sync::atomic::{AtomicI64, Ordering};

use hashbrown::HashTable;
use xxhash_rust::xxh3::xxh3_64;

use crate::api::dto::{ColumnProfile, ValueCount};
use crate::profile::TOP_N;
use crate::profile::infer::{Shape, TypeTally};
use crate::profile::pattern::pattern_into;

/// Values and patterns kept with their counts, per column and per kind (values,
/// patterns): the snapshot's budget split between its columns, with a floor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub entries: usize,
    pub bytes: usize,
}

/// About half a million values and 32 MiB of their text per snapshot and kind.
const TOTAL_ENTRIES: usize = 500_000;
const TOTAL_BYTES: usize = 32 << 20;
const MIN_ENTRIES: usize = 10_000;
const MIN_BYTES: usize = 1 << 20;

impl Limits {
    pub fn for_columns(columns: usize) -> Limits {
        let n = columns.max(1);
        Limits {
            entries: (TOTAL_ENTRIES / n).max(MIN_ENTRIES),
            bytes: (TOTAL_BYTES / n).max(MIN_BYTES),
        }
    }
}

/// Hashes of values past the columns' maps, for distinct counts, shared by all columns
/// of a snapshot (8 million hashes: about 130 MB at most, used only by columns with more
/// distinct values than their map holds).
pub(crate) struct Budget(AtomicI64);

impl Budget {
    pub const HASHES: i64 = 8_000_000;

    pub fn new(hashes: i64) -> Self {
        Budget(AtomicI64::new(hashes))
    }

    fn take(&self) -> bool {
        self.0.fetch_sub(1, Ordering::Relaxed) > 0
    }
}

const INLINE: usize = 22;

/// A counted key: short ones (most legacy values) inline, so that finding one touches
/// no memory beyond the table's own.
enum Key {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Key {
    fn new(key: &str) -> Key {
        if key.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..key.len()].copy_from_slice(key.as_bytes());
            Key::Inline {
                len: key.len() as u8,
                bytes,
            }
        } else {
            Key::Heap(key.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Heap(s) => s.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        // Built from a `&str` and never changed, so this holds.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// 32 bytes: two to a cache line.
struct Entry {
    key: Key,
    count: i64,
}

/// Exact counts of the first distinct keys, then hashes of the rest.
struct Counter {
    counts: HashTable<Entry>,
    limits: Limits,
    bytes: usize,
    /// Hashes of keys that did not fit in `counts`; `None` for patterns (not needed).
    overflow: Option<HashTable<u64>>,
    /// A key was not kept with its count.
    partial: bool,
    /// A key was neither kept nor hashed: the distinct count is a lower bound.
    capped: bool,
}

impl Counter {
    fn new(limits: Limits, hash_overflow: bool) -> Self {
        Counter {
            counts: HashTable::new(),
            limits,
            bytes: 0,
            overflow: hash_overflow.then(HashTable::new),
            partial: false,
            capped: false,
        }
    }

    /// Count `times` more occurrences of `key`.
    fn add(&mut self, key: &str, times: i64, budget: &Budget) {
        let hash = xxh3_64(key.as_bytes());
        let bytes = key.as_bytes();
        if let Some(e) = self.counts.find_mut(hash, |e| e.key.as_bytes() == bytes) {
            e.count += times;
            return;
        }
        if self.counts.len() < self.limits.entries && self.bytes + key.len() <= self.limits.bytes {
            self.bytes += key.len();
            self.counts.insert_unique(
                hash,
                Entry {
                    key: Key::new(key),
                    count: times,
                },
                |e| xxh3_64(e.key.as_bytes()),
            );
            return;
        }
        self.partial = true;
        match &mut self.overflow {
            Some(set) if !self.capped => {
                if set.find(hash, |h| *h == hash).is_none() {
                    if budget.take() {
                        set.insert_unique(hash, hash, |h| *h);
                    } else {
                        self.capped = true;
                    }
                }
            }
            Some(_) => {}
            None => self.capped = true,
        }
    }

    fn distinct(&self) -> i64 {
        (self.counts.len() + self.overflow.as_ref().map_or(0, HashTable::len)) as i64
    }

    /// The most frequent keys, most frequent first, then by key.
    fn top(&self, n: usize) -> Vec<ValueCount> {
        let mut all: Vec<(&str, i64)> = self
            .counts
            .iter()
            .map(|e| (e.key.as_str(), e.count))
            .collect();
        let order = |a: &(&str, i64), b: &(&str, i64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
        if all.len() > n {
            all.select_nth_unstable_by(n, order);
            all.truncate(n);
        }
        all.sort_unstable_by(order);
        all.into_iter()
            .map(|(value, count)| ValueCount {
                value: value.to_string(),
                count,
            })
            .collect()
    }
}

/// Everything counted for one column.
pub(crate) struct ColumnProfiler {
    rows: i64,
    blanks: i64,
    values: Counter,
    patterns: Counter,
    types: TypeTally,
    min_length: usize,
    max_length: usize,
    /// The pattern of the latest values and how many in a row had it, not yet counted
    /// in `patterns`: a column's values mostly share a few patterns.
    pattern: String,
    pattern_run: i64,
    shape: Shape,
    scratch: String,
}

impl ColumnProfiler {
    pub fn new(limits: Limits) -> Self {
        ColumnProfiler {
            rows: 0,
            blanks: 0,
            values: Counter::new(limits, true),
            patterns: Counter::new(limits, false),
            types: TypeTally::default(),
            min_length: usize::MAX,
            max_length: 0,
            pattern: String::new(),
            pattern_run: 0,
            shape: Shape::default(),
            scratch: String::new(),
        }
    }

    /// Count one row's value: `None` when the row had no field for the column.
    pub fn observe(&mut self, value: Option<&str>, budget: &Budget) {
        self.rows += 1;
        let value = match value {
            Some(v) if !v.is_empty() => v,
            _ => {
                self.blanks += 1;
                return;
            }
        };
        self.values.add(value, 1, budget);
        let length = pattern_into(value, &mut self.scratch);
        if self.scratch == self.pattern {
            self.pattern_run += 1;
        } else {
            self.flush_pattern(budget);
            std::mem::swap(&mut self.pattern, &mut self.scratch);
            self.pattern_run = 1;
            self.shape = Shape::of(&self.pattern);
        }
        self.min_length = self.min_length.min(length);
        self.max_length = self.max_length.max(length);
        self.types.observe_shaped(value, &self.shape);
    }

    fn flush_pattern(&mut self, budget: &Budget) {
        if self.pattern_run > 0 {
            self.patterns.add(&self.pattern, self.pattern_run, budget);
            self.pattern_run = 0;
        }
    }

    pub fn finish(mut self, index: u32, name: String, budget: &Budget) -> ColumnProfile {
        self.flush_pattern(budget);
        let non_blank = self.rows - self.blanks;
        let inference = self.types.finish(non_blank);
        let length = |n: usize| (non_blank > 0).then(|| u32::try_from(n).unwrap_or(u32::MAX));
        ColumnProfile {
            index,
            name,
            rows: self.rows,
            blanks: self.blanks,
            distinct: self.values.distinct(),
            distinct_capped: self.values.capped,
            top_values: self.values.top(TOP_N),
            top_values_partial: self.values.partial,
            distinct_patterns: self.patterns.distinct(),
            patterns_capped: self.patterns.capped,
            top_patterns: self.patterns.top(TOP_N),
            inferred: inference.inferred,
            min: inference.min,
            max: inference.max,
            min_length: length(self.min_length),
            max_length: length(self.max_length),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::ValueType;

    fn profile(values: &[Option<&str>], limits: Limits, budget: i64) -> ColumnProfile {
        let budget = Budget::new(budget);
        let mut p = ColumnProfiler::new(limits);
        for v in values {
            p.observe(*v, &budget);
        }
        p.finish(0, "C".into(), &budget)
    }

    fn vc(value: &str, count: i64) -> ValueCount {
        ValueCount {
            value: value.into(),
            count,
        }
    }

    const ROOMY: Limits = Limits {
        entries: 1000,
        bytes: 1 << 20,
    };

    #[test]
    fn a_small_column_is_counted_exactly() {
        let p = profile(
            &[
                Some("F"),
                Some("M"),
                None,
                Some(""),
                Some("F"),
                Some("X"),
                Some("F"),
                Some("ff"),
            ],
            ROOMY,
            100,
        );
        assert_eq!((p.rows, p.blanks, p.distinct), (8, 2, 4));
        assert!(!p.distinct_capped && !p.top_values_partial && !p.patterns_capped);
        assert_eq!(
            p.top_values,
            vec![vc("F", 3), vc("M", 1), vc("X", 1), vc("ff", 1)]
        );
        assert_eq!(p.top_patterns, vec![vc("A", 5), vc("AA", 1)]);
        assert_eq!(p.distinct_patterns, 2);
        assert_eq!((p.min_length, p.max_length), (Some(1), Some(2)));
        assert_eq!(p.inferred.kind, ValueType::Text);
        assert_eq!(p.inferred.fits, 6);
        assert_eq!(
            (p.min.as_deref(), p.max.as_deref()),
            (Some("F"), Some("ff"))
        );
    }

    #[test]
    fn an_all_blank_column_is_empty() {
        let p = profile(&[None, Some(""), None], ROOMY, 100);
        assert_eq!((p.rows, p.blanks, p.distinct), (3, 3, 0));
        assert_eq!(p.inferred.kind, ValueType::Empty);
        assert!(p.top_values.is_empty() && p.top_patterns.is_empty());
        assert_eq!((p.min_length, p.max_length, p.min), (None, None, None));
    }

    #[test]
    fn top_lists_stop_at_ten_most_frequent_first_then_by_value() {
        let mut values = Vec::new();
        for i in 0..30 {
            for _ in 0..(i % 4) {
                values.push(format!("v{i:02}"));
            }
        }
        let values: Vec<Option<&str>> = values.iter().map(|v| Some(v.as_str())).collect();
        let p = profile(&values, ROOMY, 100);
        let top: Vec<(&str, i64)> = p
            .top_values
            .iter()
            .map(|v| (v.value.as_str(), v.count))
            .collect();
        assert_eq!(
            top,
            vec![
                ("v03", 3),
                ("v07", 3),
                ("v11", 3),
                ("v15", 3),
                ("v19", 3),
                ("v23", 3),
                ("v27", 3),
                ("v02", 2),
                ("v06", 2),
                ("v10", 2)
            ]
        );
        assert_eq!(p.distinct, 22, "v00, v04, … never appear");
    }

    #[test]
    fn past_the_map_distinct_values_are_still_counted_by_hash() {
        let values: Vec<String> = (0..50).map(|i| format!("{i:03}")).collect();
        let mut rows: Vec<Option<&str>> = values.iter().map(|v| Some(v.as_str())).collect();
        rows.extend(values.iter().map(|v| Some(v.as_str()))); // every value twice
        let small = Limits {
            entries: 10,
            bytes: 1 << 20,
        };
        let p = profile(&rows, small, 100);
        assert_eq!(p.distinct, 50, "exact through the hashes");
        assert!(!p.distinct_capped);
        assert!(p.top_values_partial);
        assert_eq!(p.top_values.len(), 10);
        assert!(
            p.top_values.iter().all(|v| v.count == 2),
            "kept values are counted exactly"
        );
        assert_eq!(p.distinct_patterns, 1);

        // With the hash budget spent as well, the figure is a lower bound.
        let p = profile(&rows, small, 15);
        assert!(p.distinct_capped);
        assert_eq!(p.distinct, 25, "ten kept, fifteen hashed: at least 25");

        // The byte budget caps too.
        let tiny = Limits {
            entries: 1000,
            bytes: 9,
        };
        let p = profile(&rows, tiny, 100);
        assert_eq!(p.top_values.len(), 3, "three 3-byte values fit in 9 bytes");
        assert_eq!(p.distinct, 50);
    }

    #[test]
    fn limits_split_the_budget_with_a_floor() {
        assert_eq!(Limits::for_columns(20).entries, 25_000);
        assert_eq!(Limits::for_columns(1000).entries, MIN_ENTRIES);
        assert_eq!(Limits::for_columns(0).entries, TOTAL_ENTRIES);
        assert_eq!(Limits::for_columns(1000).bytes, MIN_BYTES);
    }
}
