//! Sharing matching's work out over the machine's cores with scoped threads: chunks are
//! taken from a shared counter, so a slow chunk does not hold the others up, and results
//! come back in input order, so the output never depends on the number of threads.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of worker threads: one per core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Runs `f(state, start, chunk)` over consecutive chunks of `items` on every core; each
/// thread makes its own `state` once with `init` (a cache, say). `start` is the chunk's
/// offset in `items`.
pub fn for_each_chunk_mut<T, S>(
    items: &mut [T],
    chunk: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize, &mut [T]) + Sync,
) where
    T: Send,
{
    let chunk = chunk.max(1);
    let threads = threads().min(items.len().div_ceil(chunk)).max(1);
    let work = Mutex::new(items.chunks_mut(chunk).enumerate());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut state = init();
                loop {
                    let next = work.lock().map(|mut w| w.next()).unwrap_or(None);
                    let Some((i, part)) = next else { break };
                    f(&mut state, i * chunk, part);
                }
            });
        }
    });
}

/// `f` over consecutive ranges of `0..n` of `chunk` items each, on every core; the results
/// in range order.
pub fn map_ranges<R: Send>(n: usize, chunk: usize, f: impl Fn(Range<usize>) -> R + Sync) -> Vec<R> {
    let chunk = chunk.max(1);
    let count = n.div_ceil(chunk);
    let next = AtomicUsize::new(0);
    let threads = threads().min(count).max(1);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            break;
                        }
                        mine.push((i, f(i * chunk..((i + 1) * chunk).min(n))));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_come_back_in_order() {
        let sums = map_ranges(1_000, 7, |r| r.sum::<usize>());
        assert_eq!(sums.len(), 143);
        assert_eq!(sums.iter().sum::<usize>(), 999 * 1_000 / 2);
        assert_eq!(sums[0], (0..7).sum::<usize>());
    }

    #[test]
    fn chunks_see_their_offsets() {
        let mut v = vec![0usize; 100];
        for_each_chunk_mut(
            &mut v,
            9,
            || (),
            |_, start, part| {
                for (i, x) in part.iter_mut().enumerate() {
                    *x = start + i;
                }
            },
        );
        assert!(v.iter().enumerate().all(|(i, &x)| i == x));
    }
}
