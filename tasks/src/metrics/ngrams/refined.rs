//! Clipped matches by class refinement, for n-grams too long to pack into a `u64`.
//!
//! Hypothesis and reference units are laid end to end, and every position where an n-gram
//! starts gets a class, equal n-grams getting equal classes. Order 1's classes are the units.
//! Order n refines order n-1 the way suffix sorting does: positions are visited grouped by the
//! last unit of their n-gram (one counting sort of the positions by unit serves every order,
//! read shifted by n-1), and inside a group a position's new class is decided by its
//! (n-1)-gram class alone. Per class the hypothesis occurrences are counted; each reference
//! occurrence then consumes one that is left.

use super::{NgramCounts, positions};

/// Buffers of the refinement, reused from segment to segment.
#[derive(Default)]
pub(super) struct RefinedMatcher {
    /// Per position of the joined units: the class of the n-gram starting there.
    classes: Vec<u32>,
    /// Positions of the joined units sorted by unit.
    by_unit: Vec<u32>,
    /// Per unit: where its positions start in `by_unit` (one more entry closes the last).
    unit_starts: Vec<u32>,
    /// Per unit: the next free slot of `by_unit` while sorting.
    cursor: Vec<u32>,
    /// Per class of the previous order: the stamp of the last group that gave it a new class.
    seen: Vec<u32>,
    /// Per class of the previous order: its new class in that group.
    refined: Vec<u32>,
    /// The stamp of the current group.
    stamp: u32,
    /// Per class: hypothesis occurrences.
    hypothesis_counts: Vec<u32>,
    /// Per class: reference occurrences seen so far.
    reference_counts: Vec<u32>,
}

impl RefinedMatcher {
    /// Sets `out[n - 1].matched` to the clipped matches of order `n`, for `n` in
    /// `1..=out.len()`, of the hypothesis `units[..hypothesis_len]` against the reference
    /// `units[hypothesis_len..]`; every unit is below `alphabet`.
    pub fn matches(
        &mut self,
        units: &[u32],
        hypothesis_len: usize,
        alphabet: usize,
        out: &mut [NgramCounts],
    ) {
        let reference_len = units.len() - hypothesis_len;
        self.sort_by_unit(units, alphabet);
        self.classes.clear();
        self.classes.extend_from_slice(units);
        let mut class_count = alphabet;
        for (order, counts) in out.iter_mut().enumerate() {
            let n = order + 1;
            if n > 1 {
                class_count = self.refine(n, hypothesis_len, class_count, alphabet);
            }
            counts.matched = self.clip(
                hypothesis_len,
                positions(hypothesis_len, n),
                positions(reference_len, n),
                class_count,
            );
            // No n-gram of an order without matches extends to a match of a higher order.
            if counts.matched == 0 {
                break;
            }
        }
    }

    /// Counting sort of the positions of `units` by unit into `by_unit` and `unit_starts`.
    fn sort_by_unit(&mut self, units: &[u32], alphabet: usize) {
        self.unit_starts.clear();
        self.unit_starts.resize(alphabet + 1, 0);
        for &unit in units {
            self.unit_starts[unit as usize + 1] += 1;
        }
        for unit in 0..alphabet {
            self.unit_starts[unit + 1] += self.unit_starts[unit];
        }
        self.cursor.clear();
        self.cursor.extend_from_slice(&self.unit_starts[..alphabet]);
        self.by_unit.clear();
        self.by_unit.resize(units.len(), 0);
        let (cursor, by_unit) = (&mut self.cursor[..], &mut self.by_unit[..]);
        for (position, &unit) in units.iter().enumerate() {
            let slot = &mut cursor[unit as usize];
            by_unit[*slot as usize] = position as u32;
            *slot += 1;
        }
    }

    /// Turns the classes of order `n - 1` (`class_count` of them) into those of order `n` at
    /// every position where an n-gram starts, and returns the number of new classes. Positions
    /// where no n-gram of order `n` starts keep stale classes that no later step reads.
    fn refine(
        &mut self,
        n: usize,
        hypothesis_len: usize,
        class_count: usize,
        alphabet: usize,
    ) -> usize {
        if self.seen.len() < class_count {
            self.seen.resize(class_count, 0);
            self.refined.resize(class_count, 0);
        }
        let shift = n - 1;
        let mut next_class = 0u32;
        // Local slices, so that the loop keeps its pointers in registers.
        let classes = &mut self.classes[..];
        let seen = &mut self.seen[..class_count];
        let refined = &mut self.refined[..class_count];
        let by_unit = &self.by_unit[..];
        for group in self.unit_starts[..=alphabet].windows(2) {
            if self.stamp == u32::MAX {
                seen.fill(0);
                self.stamp = 0;
            }
            self.stamp += 1;
            let stamp = self.stamp;
            for &last in &by_unit[group[0] as usize..group[1] as usize] {
                let last = last as usize;
                // The n-gram ending at `last` starts at `last - shift`, on the same side.
                let Some(start) = last.checked_sub(shift) else {
                    continue;
                };
                if start < hypothesis_len && last >= hypothesis_len {
                    continue;
                }
                // Branch-free: whether a class is new in its group is not predictable.
                let previous = classes[start] as usize;
                let new = seen[previous] != stamp;
                seen[previous] = stamp;
                let class = if new { next_class } else { refined[previous] };
                refined[previous] = class;
                next_class += u32::from(new);
                classes[start] = class;
            }
        }
        next_class as usize
    }

    /// The clipped matches of the current order's classes.
    fn clip(
        &mut self,
        hypothesis_len: usize,
        hypothesis_positions: usize,
        reference_positions: usize,
        class_count: usize,
    ) -> u64 {
        self.hypothesis_counts.clear();
        self.hypothesis_counts.resize(class_count, 0);
        self.reference_counts.clear();
        self.reference_counts.resize(class_count, 0);
        let hypothesis_counts = &mut self.hypothesis_counts[..];
        let reference_counts = &mut self.reference_counts[..];
        for &class in &self.classes[..hypothesis_positions] {
            hypothesis_counts[class as usize] += 1;
        }
        let mut matched = 0u64;
        let reference = &self.classes[hypothesis_len..hypothesis_len + reference_positions];
        for &class in reference {
            let seen = &mut reference_counts[class as usize];
            matched += u64::from(*seen < hypothesis_counts[class as usize]);
            *seen += 1;
        }
        matched
    }
}
