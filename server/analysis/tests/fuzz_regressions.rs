//! Replays the regression corpus of the fuzz targets (`fuzz/regressions/<target>/`: the
//! inputs fuzzing found, and the shapes of the issues it was started for) through the
//! same checks the targets run, so `cargo test` keeps them fixed without cargo-fuzz.

use std::path::{Path, PathBuf};

use gitops_ls_analysis::invariants::{check_analysis, check_gitops, check_safe_fixes};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("readable directory").path())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every input of `target`'s corpus (the fuzz targets skip inputs that
/// are not UTF-8, and so does this); returns how many were checked.
fn replay(target: &str, check: impl Fn(&str) -> Result<(), String>) -> usize {
    let files = corpus(target);
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        checked += 1;
        if let Err(problem) = check(text) {
            failures.push(format!("{}:\n{problem}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    checked
}

#[test]
fn analyze_regressions_replay() {
    let checked = replay("analyze", check_analysis);
    // Every fix_roundtrip input is analysed too.
    let checked = checked + replay("fix_roundtrip", check_analysis);
    assert!(checked >= 1, "no analyze regression inputs");
}

#[test]
fn fix_roundtrip_regressions_replay() {
    let checked = replay("fix_roundtrip", |text| check_safe_fixes(text).map(|_| ()));
    assert!(checked >= 1, "no fix_roundtrip regression inputs");
}

#[test]
fn gitops_regressions_replay() {
    let checked = replay("gitops", check_gitops);
    assert!(checked >= 1, "no gitops regression inputs");
}
