//! `cargo dev generate [--check]`: rewrites the files generated from the rule
//! registry, or (`--check`) exits 1 naming each one that is stale.
//! `cargo dev deps`: exits 1 naming each import loop between the files of a crate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo dev generate [--check] | cargo dev deps";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["generate"] => false,
        ["generate", "--check"] => true,
        ["deps"] => return import_loops(&repository_root()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = repository_root();
    let files = match gitops_ls_dev::generate_all(&root) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("cargo dev generate: {error}");
            return ExitCode::from(2);
        }
    };
    let mut stale = 0;
    for file in files {
        let path = root.join(file.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == file.text {
            continue;
        }
        if check {
            eprintln!("stale: {} (run `cargo dev generate`)", file.path);
            stale += 1;
        } else if let Err(error) = std::fs::write(&path, &file.text) {
            eprintln!("cargo dev generate: {}: {error}", path.display());
            return ExitCode::from(2);
        } else {
            println!("wrote {}", file.path);
        }
    }
    if stale > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn import_loops(root: &Path) -> ExitCode {
    let crates = match gitops_ls_dev::deps::workspace_loops(root) {
        Ok(crates) => crates,
        Err(error) => {
            eprintln!("cargo dev deps: {error}");
            return ExitCode::from(2);
        }
    };
    let mut loops = 0;
    for (crate_root, found) in crates {
        for import_loop in &found {
            println!("{crate_root}: {import_loop}");
        }
        loops += found.len();
    }
    if loops > 0 {
        eprintln!("{loops} import loops");
        ExitCode::FAILURE
    } else {
        println!("no import loops");
        ExitCode::SUCCESS
    }
}

/// The workspace root: two levels above this crate (`server/dev`).
fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
