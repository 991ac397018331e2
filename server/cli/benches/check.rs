//! `cargo bench -p gitops-ls --bench check`: how fast `check` is, as ratios
//! against a baseline measured in the same run.
//!
//! The baseline is serde_yaml parsing the same text into values, the least
//! any YAML linter has to do. Measured: the analysis core on all of
//! `../shared/corpus/` and on `corpus/big/all-workloads.yaml` (one thread,
//! files in memory), and the real `gitops-ls check` process over the corpus
//! (all cores, reading files, human report). When `checkov` is on PATH it is
//! timed once on the same inputs as a peer.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gitops_ls_analysis::{analyze, Config};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Median of `runs` timings of `work`.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn serde_yaml_parse(text: &str) {
    for document in serde_yaml::Deserializer::from_str(text) {
        let value: Result<serde_yaml::Value, _> = serde::Deserialize::deserialize(document);
        // After an error serde_yaml's document iterator repeats it forever.
        if black_box(value).is_err() {
            break;
        }
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn row(name: &str, baseline: Duration, measured: Duration) {
    println!(
        "| {name} | {} | {} | {:.2}× |",
        ms(baseline),
        ms(measured),
        measured.as_secs_f64() / baseline.as_secs_f64()
    );
}

fn main() {
    let root = corpus_root();
    if !root.is_dir() {
        println!("corpus not found at {}; nothing to measure", root.display());
        return;
    }
    let texts: Vec<String> = yaml_files(&root)
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let big = std::fs::read_to_string(root.join("big/all-workloads.yaml")).unwrap_or_default();
    let config = Config::default();
    println!(
        "corpus: {} files, {:.1} MB; big file: {:.1} MB\n",
        texts.len(),
        bytes as f64 / 1e6,
        big.len() as f64 / 1e6
    );
    println!("| input | baseline: serde_yaml parse | gitops-ls | ratio |");
    println!("|---|---|---|---|");

    let corpus_baseline = median(5, || texts.iter().for_each(|t| serde_yaml_parse(t)));
    let corpus_analysis = median(5, || {
        texts.iter().for_each(|t| {
            black_box(analyze(t, &config));
        })
    });
    row(
        "corpus, analysis core, 1 thread",
        corpus_baseline,
        corpus_analysis,
    );

    let big_baseline = median(9, || serde_yaml_parse(&big));
    let big_analysis = median(9, || {
        black_box(analyze(&big, &config));
    });
    row(
        "all-workloads.yaml (2 MB), 1 thread",
        big_baseline,
        big_analysis,
    );

    let binary = env!("CARGO_BIN_EXE_gitops-ls");
    let check = |path: &Path| {
        let start = Instant::now();
        let status = Command::new(binary)
            .args(["check", "--fail-on", "none"])
            .arg(path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        assert!(status.is_ok_and(|s| s.success()), "gitops-ls check failed");
        start.elapsed()
    };
    let mut process_times: Vec<Duration> = (0..5).map(|_| check(&root)).collect();
    process_times.sort();
    let process = process_times[2];
    row(
        "`gitops-ls check corpus/` (process, all cores)",
        corpus_baseline,
        process,
    );

    if Command::new("checkov").arg("--version").output().is_ok() {
        let start = Instant::now();
        let _ = Command::new("checkov")
            .args(["--quiet", "--compact", "--framework", "kubernetes", "-d"])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let checkov = start.elapsed();
        row(
            "peer: `checkov -d corpus/` (process)",
            corpus_baseline,
            checkov,
        );
        println!(
            "\ngitops-ls check is {:.0}× faster than checkov on the corpus",
            checkov.as_secs_f64() / process.as_secs_f64()
        );
    }
}
