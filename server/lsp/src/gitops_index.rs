//! The workspace index of kustomizations, Argo CD / Flux overrides and Helm charts, built
//! over the workspace folders (after the first analysis, or by the first hover that needs
//! it) and kept up to date from `didChangeWatchedFiles`, `didSave` and the edits of open
//! kustomizations.
//!
//! Readers get an immutable [`IndexSnapshot`] and hold no lock while they read it (the
//! GitOps work of different documents runs in parallel). Changes are queued with a
//! generation number and applied in order by the one [`IndexUpdater`], to a copy that it
//! publishes when done; a reader that needs the changes requested before it waits for
//! their generation. [`apply`] blocks (it walks and reads files): it runs on the blocking
//! thread pool, never on the async runtime.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use gitops_ls_analysis::gitops::{is_kustomization_file_name, FileSource, WorkspaceIndex};
use gitops_ls_analysis::MAX_FILE_BYTES;
use ropey::Rope;
use tokio::sync::{mpsc, watch};

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

/// One version of the index, for the workspace folders it was built for. Requests hold an
/// `Arc` of it while they read it; a change is made to a copy (see [`IndexUpdater`]).
#[derive(Clone)]
pub struct IndexSnapshot {
    pub roots: Vec<PathBuf>,
    pub index: WorkspaceIndex,
}

/// A change of the index, applied in the order it was requested.
pub enum IndexChange {
    /// Build the index of `roots` (nothing to do when it is built for them). Open documents
    /// are read from `source` (their unsaved edits count).
    Build {
        roots: Vec<PathBuf>,
        source: OpenFirst,
    },
    /// Re-read changed files (created, changed or deleted: whatever `source` finds now).
    Refresh {
        paths: Vec<PathBuf>,
        source: OpenFirst,
    },
    /// The unsaved text of an open kustomization file.
    OpenKustomization { path: PathBuf, text: Rope },
}

/// What the updater has published: every change up to `generation` is applied.
#[derive(Clone, Default)]
struct Published {
    generation: u64,
    snapshot: Option<Arc<IndexSnapshot>>,
}

/// The workspace index as the server's state holds it: the published snapshot, and the
/// queue of changes to it. Reading never locks (a snapshot is an `Arc`); only
/// [`IndexUpdater`] writes.
pub struct GitopsIndex {
    /// The generation of the last requested change and the queue, together: generations
    /// reach the updater in order.
    requests: Mutex<(u64, mpsc::UnboundedSender<(u64, IndexChange)>)>,
    published: watch::Sender<Published>,
}

/// Applies the requested changes, one batch at a time, and publishes each result.
pub struct IndexUpdater {
    changes: mpsc::UnboundedReceiver<(u64, IndexChange)>,
    published: watch::Sender<Published>,
}

/// What one batch of changes did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The number of files walked, when the batch built the index.
    pub built: Option<usize>,
    /// Files were re-read from the disk (saved, created, deleted, closed).
    pub refreshed: bool,
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
    pub fn new() -> (GitopsIndex, IndexUpdater) {
        let (queue, changes) = mpsc::unbounded_channel();
        let published = watch::Sender::new(Published::default());
        let updater = IndexUpdater {
            changes,
            published: published.clone(),
        };
        let index = GitopsIndex {
            requests: Mutex::new((0, queue)),
            published,
        };
        (index, updater)
    }

    /// Queues a change; returns its generation.
    pub fn request(&self, change: IndexChange) -> u64 {
        let mut requests = lock(&self.requests);
        requests.0 += 1;
        let generation = requests.0;
        // The updater only stops with the server: a change sent after that has no reader.
        let _ = requests.1.send((generation, change));
        generation
    }

    fn requested(&self) -> u64 {
        lock(&self.requests).0
    }

    /// The index of `roots` with every change requested so far applied, or `None` when it is
    /// not built for `roots`: for work that must not wait for a workspace walk (the analysis
    /// of each edit). Waits only for the changes queued before the call.
    pub async fn built_for(&self, roots: &[PathBuf]) -> Option<Arc<IndexSnapshot>> {
        let is_for_roots = |published: &Published| {
            published
                .snapshot
                .as_ref()
                .is_some_and(|s| s.roots == roots)
        };
        if !is_for_roots(&self.published.borrow()) {
            return None;
        }
        let wanted = self.requested();
        self.settled(wanted).await.filter(|s| s.roots == roots)
    }

    /// The index of `roots`, built first when it is not built for them, with every change
    /// requested so far applied. `None` without workspace folders.
    pub async fn ready_for(
        &self,
        roots: &[PathBuf],
        source: OpenFirst,
    ) -> Option<Arc<IndexSnapshot>> {
        if roots.is_empty() {
            return None;
        }
        let built = self
            .published
            .borrow()
            .snapshot
            .as_ref()
            .is_some_and(|s| s.roots == roots);
        let wanted = if built {
            self.requested()
        } else {
            self.request(IndexChange::Build {
                roots: roots.to_vec(),
                source,
            })
        };
        self.settled(wanted).await.filter(|s| s.roots == roots)
    }

    /// The snapshot once the changes up to `generation` are applied (`None` when the
    /// updater has stopped, at exit).
    async fn settled(&self, generation: u64) -> Option<Arc<IndexSnapshot>> {
        let mut published = self.published.subscribe();
        let settled = published
            .wait_for(|published| published.generation >= generation)
            .await
            .ok()?;
        settled.snapshot.clone()
    }
}

impl IndexUpdater {
    /// The changes requested since the last batch, waiting for one (`None` once the
    /// server's state is gone).
    pub async fn next_batch(&mut self) -> Option<(u64, Vec<IndexChange>)> {
        let (mut generation, first) = self.changes.recv().await?;
        let mut batch = vec![first];
        while let Ok((next, change)) = self.changes.try_recv() {
            generation = next;
            batch.push(change);
        }
        Some((generation, batch))
    }

    /// The published snapshot (a batch starts from it).
    pub fn current(&self) -> Option<Arc<IndexSnapshot>> {
        self.published.borrow().snapshot.clone()
    }

    /// Whether `batch` walks the workspace (it builds the index for other folders than the
    /// current one's).
    pub fn builds(&self, batch: &[IndexChange]) -> bool {
        let current = self.current();
        let mut roots = current.as_ref().map(|s| s.roots.as_slice());
        batch.iter().any(|change| match change {
            IndexChange::Build { roots: wanted, .. } if !wanted.is_empty() => {
                let builds = roots != Some(wanted.as_slice());
                roots = Some(wanted.as_slice());
                builds
            }
            _ => false,
        })
    }

    pub fn publish(&self, generation: u64, snapshot: Option<Arc<IndexSnapshot>>) {
        self.published.send_replace(Published {
            generation,
            snapshot,
        });
    }
}

/// Applies a batch to a copy of `current` (blocking: it walks and reads files). The copy is
/// made only when the batch changes something.
pub fn apply(
    current: Option<Arc<IndexSnapshot>>,
    batch: Vec<IndexChange>,
) -> (Option<Arc<IndexSnapshot>>, Applied) {
    let mut applied = Applied::default();
    let mut next: Option<IndexSnapshot> = None;
    for change in batch {
        let base = next.as_ref().or(current.as_deref());
        match change {
            IndexChange::Build { roots, source } => {
                if roots.is_empty() || base.is_some_and(|s| s.roots == roots) {
                    continue;
                }
                let started = std::time::Instant::now();
                let files = walk(&roots);
                let count = files.len();
                let mut index = WorkspaceIndex::build(roots[0].clone(), files, &source);
                index.scan_deployers(&source);
                eprintln!(
                    "gitops-ls: indexed {count} files for kustomize and Helm in {} ms",
                    started.elapsed().as_millis()
                );
                applied.built = Some(count);
                next = Some(IndexSnapshot { roots, index });
            }
            IndexChange::Refresh { paths, source } => {
                let in_roots = |path: &PathBuf| {
                    base.is_some_and(|s| s.roots.iter().any(|root| path.starts_with(root)))
                };
                let paths: Vec<PathBuf> = paths
                    .into_iter()
                    .filter(|path| is_indexed_file(path) && in_roots(path))
                    .collect();
                if paths.is_empty() {
                    continue;
                }
                let Some(snapshot) = editable(&mut next, &current) else {
                    continue;
                };
                for path in &paths {
                    let text = source.read(path);
                    snapshot.index.update_file(path, text.as_deref());
                }
                applied.refreshed = true;
            }
            IndexChange::OpenKustomization { path, text } => {
                // Only a kustomization the index has: an unsaved new file is not part of any
                // build.
                let counts = base.is_some_and(|s| {
                    s.index.kustomization(&path).is_some()
                        && s.roots.iter().any(|root| path.starts_with(root))
                });
                if !counts {
                    continue;
                }
                if let Some(snapshot) = editable(&mut next, &current) {
                    snapshot.index.update_file(&path, Some(&text.to_string()));
                }
            }
        }
    }
    match next {
        Some(next) => (Some(Arc::new(next)), applied),
        None => (current, applied),
    }
}

/// The copy a batch changes, made from `current` on the first change.
fn editable<'a>(
    next: &'a mut Option<IndexSnapshot>,
    current: &Option<Arc<IndexSnapshot>>,
) -> Option<&'a mut IndexSnapshot> {
    if next.is_none() {
        *next = Some(current.as_deref()?.clone());
    }
    next.as_mut()
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
