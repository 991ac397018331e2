//! Deterministic counts of the core's work.
//!
//! Tests of hostile input bound these instead of timing themselves: a shared, busy
//! machine makes any time limit either flaky or too loose to mean anything, while a
//! count of parser events, key comparisons, walk visits or renders is the same on every
//! run and shows a blow-up (work growing with the paths through a graph, or with the
//! square of the input) as a number that is too big.
//!
//! Counts are kept per thread, so [`measure`] sees the work done on the thread that
//! runs its closure (the core itself starts no threads).

use std::cell::Cell;

/// What the core did while a closure ran; see [`measure`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// YAML parser events turned into tree nodes (each parse of each document counts).
    pub yaml_events: u64,
    /// Mapping entries compared by key lookups, merged (`<<`) entries included.
    pub key_comparisons: u64,
    /// Bytes the template lexer read to find where actions (`{{ … }}`) close.
    pub template_bytes: u64,
    /// Kustomizations entered by the walks between manifests and the builds that include them.
    pub walk_visits: u64,
    /// Helm template values rendered (one call of the template renderer each).
    pub renders: u64,
}

#[derive(Clone, Copy)]
pub(crate) enum Counter {
    YamlEvents,
    KeyComparisons,
    TemplateBytes,
    WalkVisits,
    Renders,
}

const COUNTERS: usize = 5;

thread_local! {
    static COUNTS: [Cell<u64>; COUNTERS] = const { [const { Cell::new(0) }; COUNTERS] };
}

/// Adds `n` to a counter of the current thread.
pub(crate) fn count(counter: Counter, n: u64) {
    COUNTS.with(|counts| {
        let cell = &counts[counter as usize];
        cell.set(cell.get().wrapping_add(n));
    });
}

fn snapshot() -> [u64; COUNTERS] {
    COUNTS.with(|counts| std::array::from_fn(|i| counts[i].get()))
}

/// Runs `f` and returns what it returned with the work it did on this thread.
/// Nested calls each see their own closure's work.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Work) {
    let before = snapshot();
    let out = f();
    let after = snapshot();
    let spent = |counter: Counter| {
        let i = counter as usize;
        after[i].wrapping_sub(before[i])
    };
    let work = Work {
        yaml_events: spent(Counter::YamlEvents),
        key_comparisons: spent(Counter::KeyComparisons),
        template_bytes: spent(Counter::TemplateBytes),
        walk_visits: spent(Counter::WalkVisits),
        renders: spent(Counter::Renders),
    };
    (out, work)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_the_closure_did_and_nests() {
        let (inner, outer) = measure(|| {
            count(Counter::Renders, 2);
            measure(|| count(Counter::Renders, 3)).1
        });
        assert_eq!(inner.renders, 3);
        assert_eq!(outer.renders, 5);
        assert_eq!(outer.yaml_events, 0);
    }

    #[test]
    fn parsing_and_lookups_are_counted() {
        let text = "a: 1\nb: {c: 2}\n";
        let (docs, work) = measure(|| crate::yaml::parse_documents(text));
        // Stream/document start and end, the two mappings, four keys and values.
        assert!(work.yaml_events >= 8, "{work:?}");
        let doc = &docs[0];
        let root = doc.root.expect("a root");
        let (found, work) = measure(|| doc.get(root, "b"));
        assert!(found.is_some());
        assert_eq!(work.key_comparisons, 2);
    }
}
