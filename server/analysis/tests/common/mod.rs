//! Helpers shared by the integration tests: the rule fixtures and the
//! shared corpus.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long a hostile-input test may run before it counts as hung. Only a guard
/// against hangs, never a benchmark: the slowest such test takes about 10 s in a
/// debug build on a quiet 2-core machine, and this is 30 times that. What bounds
/// the work itself are the counts of `gitops_ls_analysis::work`.
pub const HANG_WATCHDOG: Duration = Duration::from_secs(300);

/// Runs `f` on a thread of its own and fails the test when it has not finished
/// within [`HANG_WATCHDOG`], so that a hang fails one test instead of the run.
pub fn watchdog<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(what.to_owned())
        .spawn(move || {
            // A send fails only when the test already gave up waiting.
            let _ = sender.send(f());
        })
        .expect("a thread for the watched work");
    match receiver.recv_timeout(HANG_WATCHDOG) {
        Ok(out) => out,
        // The worker panicked: report its own message.
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {HANG_WATCHDOG:?}, taken as a hang")
        }
    }
}

/// `tests/fixtures/rules/` at the workspace root.
pub fn rule_fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/rules")
}

/// The rule fixtures (`*.yaml`), without the golden `*.fixed.yaml` files.
pub fn rule_fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(rule_fixture_dir())
        .expect("tests/fixtures/rules exists")
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.ends_with(".yaml") && !name.ends_with(".fixed.yaml")
        })
        .collect();
    files.sort();
    files
}

/// The shared corpus (`../shared/corpus` beside the checkout), or
/// `GITOPS_LS_CORPUS`. `None` when it is not there.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("GITOPS_LS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    dir.is_dir().then_some(dir)
}

/// Every `.yaml` / `.yml` file below `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file()
                && path
                    .extension()
                    .is_some_and(|ext| ext == "yaml" || ext == "yml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The corpus files that are UTF-8 text, with their contents.
pub fn corpus_texts(dir: &Path) -> Vec<(PathBuf, String)> {
    yaml_files(dir)
        .into_iter()
        .filter_map(|path| {
            let bytes = fs::read(&path).ok()?;
            let text = String::from_utf8(bytes).ok()?;
            Some((path, text))
        })
        .collect()
}
