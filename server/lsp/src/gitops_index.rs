//! The workspace index of kustomizations, Argo CD / Flux overrides and Helm charts, built
//! lazily (on the first hover that needs it) over the workspace folders and kept up to
//! date from `didChangeWatchedFiles` and `didSave`.
//!
//! Everything here blocks (it reads files): callers run it on the blocking thread pool,
//! never on the async runtime.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use gitops_ls_analysis::gitops::{is_kustomization_file_name, FileSource, WorkspaceIndex};
use gitops_ls_analysis::MAX_FILE_BYTES;

/// Files walked at most per workspace: a bigger tree is cut (and still indexed so far).
const MAX_FILES: usize = 100_000;
/// Folders never descended into besides hidden ones.
const SKIPPED_DIRS: [&str; 2] = ["node_modules", "target"];

/// Open documents first, then the disk.
pub struct OpenFirst {
    pub open: HashMap<PathBuf, String>,
}

impl FileSource for OpenFirst {
    fn read(&self, path: &Path) -> Option<String> {
        if let Some(text) = self.open.get(path) {
            return Some(text.clone());
        }
        let metadata = std::fs::metadata(path).ok()?;
        if !metadata.is_file() || metadata.len() > MAX_FILE_BYTES as u64 {
            return None;
        }
        std::fs::read_to_string(path).ok()
    }
}

/// The analysed document's text (read only when asked for), then the open documents and
/// the disk.
pub struct DocumentFirst<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub rest: &'a OpenFirst,
}

impl FileSource for DocumentFirst<'_> {
    fn read(&self, path: &Path) -> Option<String> {
        if path == self.path {
            Some(self.text.to_owned())
        } else {
            self.rest.read(path)
        }
    }
}

struct Built {
    roots: Vec<PathBuf>,
    index: WorkspaceIndex,
}

/// The lazily built index.
#[derive(Default)]
pub struct GitopsIndex {
    built: Mutex<Option<Built>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether the index cares about `path`: YAML files and kustomize's `Kustomization`.
pub fn is_indexed_file(path: &Path) -> bool {
    let yaml = path
        .extension()
        .is_some_and(|ext| ext == "yaml" || ext == "yml");
    yaml || path
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(is_kustomization_file_name)
}

impl GitopsIndex {
    /// Runs `f` over the index of `roots`, building it first when it was not built for
    /// these roots. Open kustomization files are re-read from `source` (their unsaved
    /// edits count). `None` without workspace folders.
    pub fn with_index<R>(
        &self,
        roots: &[PathBuf],
        source: &OpenFirst,
        f: impl FnOnce(&WorkspaceIndex) -> R,
    ) -> Option<R> {
        self.with(roots, source, true, f)
    }

    /// Like [`Self::with_index`], but `None` when the index is not built for `roots` yet:
    /// for work that must not wait for a workspace walk (the analysis of each edit).
    pub fn with_built_index<R>(
        &self,
        roots: &[PathBuf],
        source: &OpenFirst,
        f: impl FnOnce(&WorkspaceIndex) -> R,
    ) -> Option<R> {
        self.with(roots, source, false, f)
    }

    /// Whether the index is built for `roots`.
    pub fn is_built_for(&self, roots: &[PathBuf]) -> bool {
        lock(&self.built).as_ref().is_some_and(|b| b.roots == roots)
    }

    fn with<R>(
        &self,
        roots: &[PathBuf],
        source: &OpenFirst,
        build: bool,
        f: impl FnOnce(&WorkspaceIndex) -> R,
    ) -> Option<R> {
        let root = roots.first()?;
        let mut built = lock(&self.built);
        if built.as_ref().is_none_or(|b| b.roots != roots) {
            if !build {
                return None;
            }
            let started = std::time::Instant::now();
            let files = walk(roots);
            let count = files.len();
            let mut index = WorkspaceIndex::build(root.clone(), files, source);
            index.scan_deployers(source);
            eprintln!(
                "gitops-ls: indexed {count} files for kustomize and Helm in {} ms",
                started.elapsed().as_millis()
            );
            *built = Some(Built {
                roots: roots.to_vec(),
                index,
            });
        }
        let built = built.as_mut()?;
        for (path, text) in &source.open {
            let is_kustomization = path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(is_kustomization_file_name);
            let is_open_edit = is_kustomization
                && built.index.kustomization(path).is_some()
                && roots.iter().any(|root| path.starts_with(root));
            if is_open_edit {
                built.index.update_file(path, Some(text));
            }
        }
        Some(f(&built.index))
    }

    /// Re-reads changed files (created, changed or deleted: whatever `source` finds now).
    /// Nothing to do before the index is built.
    pub fn refresh(&self, paths: &[PathBuf], source: &OpenFirst) {
        let mut built = lock(&self.built);
        let Some(built) = built.as_mut() else {
            return;
        };
        for path in paths {
            if !is_indexed_file(path) || !built.roots.iter().any(|root| path.starts_with(root)) {
                continue;
            }
            let text = source.read(path);
            built.index.update_file(path, text.as_deref());
        }
    }
}

/// The YAML and kustomization files under `roots`, skipping hidden folders.
fn walk(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending: Vec<PathBuf> = roots.to_vec();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                    pending.push(path);
                }
            } else if kind.is_file() && is_indexed_file(&path) {
                out.push(path);
                if out.len() >= MAX_FILES {
                    return out;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_files() {
        assert!(is_indexed_file(Path::new("a/b.yaml")));
        assert!(is_indexed_file(Path::new("a/Kustomization")));
        assert!(!is_indexed_file(Path::new("a/b.json")));
    }
}
