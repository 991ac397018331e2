//! The workspace index: which kustomizations include which files, through `resources`,
//! `bases` and `components`, and the `images:` chain each overlay runs over a file.
//!
//! The index holds file paths, the parsed kustomizations (compiled `images:` entries
//! included) and the Argo CD / Flux overrides it was shown; never manifest texts. Files
//! are read through a [`FileSource`], so the core never touches the file system: the CLI
//! reads from disk, the language server prefers its open documents.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::chain::{ChainEntry, EntryOrigin};
use super::deployers::{
    find_deployer_images, may_declare_deployer, DeployerImages, DeployerKind, MergeSource,
};
use super::helm_sources::{find_helm_sources, HelmSource};
use super::kustomization::{
    is_kustomization_file_name, Kustomization, KUSTOMIZATION_FILE_NAMES, NOT_PATH_LISTS,
};
use super::kustomize_image::CompiledOverride;
use crate::work::{self, Counter};
use crate::yaml::YamlFile;

/// Inclusion chains deeper than this are cut: no real repository nests overlays so deep.
const MAX_DEPTH: usize = 32;
/// At most this many chains per file, so a combinatorial include graph cannot blow up.
const MAX_CHAINS: usize = 256;

/// At most this many kustomizations (components included) entered per walk up from a file:
/// components emit no chain, so [`MAX_CHAINS`] alone does not bound a diamond of them.
const MAX_VISITS: usize = 4096;

/// Whether the walk up from each manifest asked about so far hit a limit; see
/// [`WorkspaceIndex::unknown_inputs_with`].
#[derive(Debug, Default)]
pub struct CutWalks(HashMap<PathBuf, bool>);

/// A walk up from a file to the builds that include it.
#[derive(Debug, Default)]
struct ChainWalk {
    chains: Vec<OverlayChain>,
    /// Kustomizations entered so far.
    visits: usize,
    /// A limit cut the walk short: some builds that include the file are missing.
    truncated: bool,
}

/// Manifest files gathered by walks down, each once, in the order first met.
#[derive(Debug, Default)]
struct Manifests {
    in_order: Vec<PathBuf>,
    seen: HashSet<PathBuf>,
}

/// One step of [`WorkspaceIndex::walk_down`].
#[derive(Debug, Clone, Copy)]
enum Down<'a> {
    /// A kustomization, entered once per walk.
    Enter(&'a KustomizationNode),
    /// Its `resources` / `bases` entry at this index ([`Links::resources`]).
    Resource(&'a KustomizationNode, usize),
    /// Its `components` entry at this index.
    Component(&'a KustomizationNode, usize),
}

/// Reads workspace files for the index.
pub trait FileSource {
    /// The text of `path`, or `None` when it cannot be read (missing, not UTF-8, …).
    fn read(&self, path: &Path) -> Option<String>;
}

/// Files held in memory, by path: for embedders and tests.
impl FileSource for HashMap<PathBuf, String> {
    fn read(&self, path: &Path) -> Option<String> {
        self.get(path).cloned()
    }
}

/// How a kustomization reaches what it includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inclusion {
    /// Listed in `resources` / `bases`.
    Resource,
    /// The component at this index of `components`.
    Component(usize),
}

/// A resolved `resources` / `components` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    File(PathBuf),
    /// A directory with a kustomization file (the key of `kustomizations`).
    Kustomization(PathBuf),
}

#[derive(Debug, Clone)]
struct KustomizationNode {
    file: PathBuf,
    parsed: Kustomization,
    images: Vec<ChainEntry>,
    links: Links,
}

/// A kustomization's references resolved against the workspace.
#[derive(Debug, Clone, Default)]
struct Links {
    /// `parsed.resources`; `None` for remote URLs and missing paths.
    resources: Vec<Option<Target>>,
    /// `parsed.components`, as kustomization directories.
    components: Vec<Option<PathBuf>>,
}

/// An Argo CD / Flux object whose overrides apply to a kustomization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployerRef {
    /// The file holding the object.
    pub file: PathBuf,
    pub kind: DeployerKind,
    pub name: Option<String>,
    /// The object's document in the file.
    pub document: usize,
}

/// The `images:` entries one overlay build runs over a file, base first.
#[derive(Debug, Clone)]
pub struct OverlayChain {
    /// The kustomization file that is built.
    pub overlay: PathBuf,
    /// No other kustomization includes the overlay: it is a build root.
    pub is_root: bool,
    /// The Argo CD / Flux object whose overrides are merged into the overlay's list.
    pub deployer: Option<DeployerRef>,
    /// The kustomization files from the one listing the file up to the overlay.
    pub through: Vec<PathBuf>,
    /// The kustomization files of the components those apply (their patches run too).
    pub components: Vec<PathBuf>,
    pub entries: Vec<ChainEntry>,
}

/// Which kustomizations, Argo CD / Flux overrides and Helm charts a workspace has.
/// `Clone`: the language server changes a copy while requests read the current one.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceIndex {
    root: PathBuf,
    files: HashSet<PathBuf>,
    /// By directory.
    kustomizations: HashMap<PathBuf, KustomizationNode>,
    /// By the file that holds them.
    deployers: HashMap<PathBuf, Vec<DeployerImages>>,
    /// Argo CD / Flux objects rendering a repository chart with their own values, by file.
    helm_sources: HashMap<PathBuf, Vec<HelmSource>>,
    /// Target directory → the objects whose path points at it.
    deployers_by_dir: HashMap<PathBuf, Vec<(PathBuf, usize)>>,
    /// A patch file → the kustomization file that lists it (the first by path, if several
    /// do). Derived in [`Self::relink`], read on every analysis of an open document.
    patch_files: HashMap<PathBuf, PathBuf>,
    /// A file or kustomization directory → the kustomizations that include it.
    parents: HashMap<PathBuf, Vec<(PathBuf, Inclusion)>>,
    /// Directories with a `Chart.yaml`.
    charts: HashSet<PathBuf>,
}

impl WorkspaceIndex {
    /// Indexes the files of a workspace: reads and links every kustomization file.
    /// `root` resolves Argo CD / Flux paths, which are relative to the repository root.
    pub fn build(
        root: impl Into<PathBuf>,
        files: impl IntoIterator<Item = PathBuf>,
        source: &dyn FileSource,
    ) -> WorkspaceIndex {
        let mut index = WorkspaceIndex {
            root: normalize(&root.into()),
            ..WorkspaceIndex::default()
        };
        for file in files {
            index.insert_path(normalize(&file));
        }
        let kustomization_files: Vec<PathBuf> = index
            .files
            .iter()
            .filter(|file| file_name(file).is_some_and(is_kustomization_file_name))
            .cloned()
            .collect();
        for file in kustomization_files {
            if let Some(text) = source.read(&file) {
                index.set_kustomization(&file, Some(&text));
            }
        }
        index.relink();
        index
    }

    /// Reads the YAML files that may hold Argo CD Applications or Flux objects (a cheap
    /// text check first) and records their image overrides. Separate from [`Self::build`]
    /// because it reads every YAML file once.
    pub fn scan_deployers(&mut self, source: &dyn FileSource) {
        let candidates: Vec<PathBuf> = self
            .files
            .iter()
            .filter(|file| is_yaml(file) && !is_kustomization_path(file))
            .cloned()
            .collect();
        for file in candidates {
            if let Some(text) = source.read(&file) {
                self.set_deployers(&file, &text);
            }
        }
        self.relink();
    }

    /// Records a created or changed file (`Some(text)`) or a deleted one (`None`): the
    /// language server calls this on `didChangeWatchedFiles` and on edits of open files.
    pub fn update_file(&mut self, path: &Path, text: Option<&str>) {
        let path = normalize(path);
        match text {
            Some(text) => {
                self.insert_path(path.clone());
                if is_kustomization_path(&path) {
                    self.set_kustomization(&path, Some(text));
                } else if is_yaml(&path) {
                    self.set_deployers(&path, text);
                }
            }
            None => {
                self.files.remove(&path);
                if file_name(&path) == Some("Chart.yaml") {
                    self.charts.remove(parent_dir(&path));
                }
                self.set_kustomization(&path, None);
                self.deployers.remove(&path);
                self.helm_sources.remove(&path);
            }
        }
        self.relink();
    }

    /// The kustomization read from `file`, if `file` is an indexed kustomization file.
    pub fn kustomization(&self, file: &Path) -> Option<&Kustomization> {
        let file = normalize(file);
        self.kustomizations
            .get(parent_dir(&file))
            .filter(|node| node.file == file)
            .map(|node| &node.parsed)
    }

    /// Every indexed kustomization file.
    pub fn kustomization_files(&self) -> impl Iterator<Item = &Path> {
        self.kustomizations.values().map(|node| node.file.as_path())
    }

    /// Every Argo CD / Flux object that renders a repository chart with its own values.
    pub fn all_helm_sources(&self) -> impl Iterator<Item = (&Path, &HelmSource)> {
        self.helm_sources
            .iter()
            .flat_map(|(file, found)| found.iter().map(move |one| (file.as_path(), one)))
    }

    /// The Argo CD / Flux objects of `file` that render a repository chart with values of
    /// their own.
    pub fn helm_sources_in(&self, file: &Path) -> &[HelmSource] {
        self.helm_sources
            .get(&normalize(file))
            .map_or(&[], Vec::as_slice)
    }

    /// Each file some kustomization lists as a patch, with that kustomization's file.
    /// A patch holds partial objects: a container without `imagePullPolicy` there keeps the
    /// one of the object it is merged into.
    pub fn patch_files(&self) -> &HashMap<PathBuf, PathBuf> {
        &self.patch_files
    }

    /// The kustomization file that lists `file` as a patch (the first by path, if several
    /// do).
    pub fn patch_of(&self, file: &Path) -> Option<&Path> {
        self.patch_files.get(&normalize(file)).map(PathBuf::as_path)
    }

    /// `path` relative to the index's root, for messages (the whole path when it is the
    /// root itself or outside it).
    pub fn short_path(&self, path: &Path) -> String {
        short_path(path, &self.root)
    }

    /// The Argo CD / Flux overrides recorded for `file`.
    pub fn deployers_in(&self, file: &Path) -> &[DeployerImages] {
        self.deployers
            .get(&normalize(file))
            .map_or(&[], Vec::as_slice)
    }

    /// Every Argo CD / Flux object with image overrides and the file that holds it, in
    /// file and document order.
    pub fn all_deployers(&self) -> Vec<(&Path, &DeployerImages)> {
        let mut out: Vec<(&Path, &DeployerImages)> = self
            .deployers
            .iter()
            .flat_map(|(file, found)| found.iter().map(move |d| (file.as_path(), d)))
            .collect();
        out.sort_by_key(|(file, deployer)| (*file, deployer.document));
        out
    }

    /// The repository root Argo CD / Flux paths are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory an Argo CD / Flux `path` names. Both read it inside the repository, so
    /// a leading `/` is the repository root, not the file system's; `./`, a trailing `/` and
    /// `..` resolve as in any path. `None` when `..` climbs out of the repository.
    pub fn deployer_dir(&self, path: &str) -> Option<PathBuf> {
        let inside = normalize(Path::new(path.trim_start_matches('/')));
        let climbs_out = inside.components().next() == Some(Component::ParentDir);
        (!climbs_out).then(|| self.root.join(inside))
    }

    /// The chart directories (folders with a `Chart.yaml`), sorted.
    pub fn charts(&self) -> Vec<&Path> {
        let mut charts: Vec<&Path> = self.charts.iter().map(PathBuf::as_path).collect();
        charts.sort();
        charts
    }

    /// The chart directory when `file` is its `values.yaml`.
    pub fn chart_of_values(&self, file: &Path) -> Option<&Path> {
        let file = normalize(file);
        if file_name(&file) != Some("values.yaml") {
            return None;
        }
        self.charts.get(parent_dir(&file)).map(PathBuf::as_path)
    }

    /// The indexed files under each chart's `templates/` folder (see [`Self::chart_of`]), by
    /// chart, in one pass over the files.
    pub fn templates_by_chart(&self) -> HashMap<&Path, Vec<PathBuf>> {
        let mut out: HashMap<&Path, Vec<PathBuf>> = HashMap::new();
        for file in &self.files {
            if let Some(chart) = self.chart_of(file) {
                out.entry(chart).or_default().push(file.clone());
            }
        }
        out
    }

    /// The indexed files under `dir`.
    pub fn files_under(&self, dir: &Path) -> Vec<PathBuf> {
        let dir = normalize(dir);
        self.files
            .iter()
            .filter(|file| file.starts_with(&dir))
            .cloned()
            .collect()
    }

    /// The chart directory when `file` is a Helm template: under a `templates/` directory
    /// whose parent has a `Chart.yaml`.
    pub fn chart_of(&self, file: &Path) -> Option<&Path> {
        let file = normalize(file);
        file.ancestors()
            .skip(1)
            .filter(|dir| file_name(dir) == Some("templates"))
            .find_map(|templates| self.charts.get(parent_dir(templates)))
            .map(PathBuf::as_path)
    }

    /// The overlay builds that include `file` (a manifest, or a kustomization directory),
    /// one per kustomization on the way up (components excepted, as they are never built
    /// alone), plus one per Argo CD / Flux object pointing at such an overlay.
    pub fn chains_for(&self, file: &Path) -> Vec<OverlayChain> {
        self.walk_chains(file).chains
    }

    /// [`Self::chains_for`], and whether a limit cut the walk short.
    fn walk_chains(&self, file: &Path) -> ChainWalk {
        let mut walk = ChainWalk::default();
        self.collect_chains(&normalize(file), &[], &[], &mut Vec::new(), &mut walk);
        walk
    }

    /// The manifest files a kustomization directory gathers, directly or through its
    /// resources and components, in listing order.
    pub fn manifests_under(&self, kustomization_dir: &Path) -> Vec<PathBuf> {
        self.manifests_under_each([kustomization_dir])
    }

    /// The manifest files any of the kustomization directories gathers, each once, in
    /// order of the directories, then of listing. One walk: a kustomization several of
    /// them include is entered once, so asking for every kustomization of a deep chain
    /// stays linear.
    pub fn manifests_under_each<'a>(
        &self,
        kustomization_dirs: impl IntoIterator<Item = &'a Path>,
    ) -> Vec<PathBuf> {
        let mut found = Manifests::default();
        let mut visited = HashSet::new();
        for dir in kustomization_dirs {
            self.collect_manifests(&normalize(dir), &mut visited, &mut found);
        }
        found.in_order
    }

    /// The manifests whose builds run the `images:` of the kustomization in `dir`: those it
    /// gathers, and for a component those of every kustomization that lists it.
    pub fn manifests_affected_by(&self, kustomization_dir: &Path) -> Vec<PathBuf> {
        let mut found = Manifests::default();
        let mut visited = HashSet::new();
        let mut pending = vec![normalize(kustomization_dir)];
        let mut seen_components = HashSet::new();
        while let Some(dir) = pending.pop() {
            let is_component = self
                .kustomizations
                .get(&dir)
                .is_some_and(|node| node.parsed.is_component);
            if is_component && seen_components.insert(dir.clone()) {
                for (parent, inclusion) in self.parents.get(&dir).into_iter().flatten() {
                    if matches!(inclusion, Inclusion::Component(_)) {
                        pending.push(parent.clone());
                    }
                }
            }
            self.collect_manifests(&dir, &mut visited, &mut found);
        }
        found.in_order
    }

    /// Why the images of the builds that run the kustomization in `dir` are not fully known
    /// (a remote or missing resource, a patch, a Helm chart, builds too many or too deep
    /// for the index to follow, …), or `None` when every container they deploy comes from
    /// a manifest in the index. Checked before claiming that an `images:` entry matches
    /// nothing.
    pub fn unknown_inputs(&self, kustomization_dir: &Path) -> Option<String> {
        self.unknown_inputs_with(kustomization_dir, &mut CutWalks::default())
    }

    /// [`Self::unknown_inputs`] for many kustomizations in a row: `cut` remembers which
    /// manifests' walks hit a limit, so that a thousand overlays over one base walk up
    /// from it once instead of once each.
    pub fn unknown_inputs_with(
        &self,
        kustomization_dir: &Path,
        cut: &mut CutWalks,
    ) -> Option<String> {
        let dir = normalize(kustomization_dir);
        self.unknown_build_inputs(&dir)
            .or_else(|| self.cut_builds(&dir, cut))
    }

    fn unknown_build_inputs(&self, dir: &Path) -> Option<String> {
        let mut visited = HashSet::new();
        let is_component = self
            .kustomizations
            .get(dir)
            .is_some_and(|node| node.parsed.is_component);
        if !is_component {
            return self.unknown_inputs_under(dir, &mut visited);
        }
        // A component's entries run in every kustomization that lists it, over all of it.
        let mut listed_by = Vec::new();
        let mut pending = vec![dir.to_owned()];
        while let Some(component) = pending.pop() {
            for (parent, inclusion) in self.parents.get(&component).into_iter().flatten() {
                if !matches!(inclusion, Inclusion::Component(_)) || listed_by.contains(parent) {
                    continue;
                }
                listed_by.push(parent.clone());
                if self
                    .kustomizations
                    .get(parent)
                    .is_some_and(|node| node.parsed.is_component)
                {
                    pending.push(parent.clone());
                }
            }
        }
        if listed_by.is_empty() {
            return Some("no kustomization lists this component".into());
        }
        listed_by
            .iter()
            .find_map(|parent| self.unknown_inputs_under(parent, &mut visited))
    }

    /// The walk up from a manifest of the kustomization in `dir` to the builds that include
    /// it hit a limit ([`MAX_CHAINS`], [`MAX_DEPTH`], [`MAX_VISITS`]): some of those builds
    /// are not followed, so an entry may match a container in one of them.
    fn cut_builds(&self, dir: &Path, cut: &mut CutWalks) -> Option<String> {
        let manifest = self
            .manifests_affected_by(dir)
            .into_iter()
            .find(|manifest| {
                *cut.0
                    .entry(manifest.clone())
                    .or_insert_with(|| self.walk_chains(manifest).truncated)
            })?;
        Some(format!(
            "the builds that include {} are too many or nested too deep to follow (at most \
             {MAX_CHAINS} builds, {MAX_DEPTH} levels)",
            manifest.display()
        ))
    }

    fn unknown_inputs_under(&self, dir: &Path, visited: &mut HashSet<PathBuf>) -> Option<String> {
        let mut reason = None;
        self.walk_down(dir, visited, |step| {
            let lists = |node: &KustomizationNode, reference: &str| {
                format!("{} lists {reference}", node.file.display())
            };
            reason = match step {
                Down::Enter(node) => node.parsed.unmodelled_field.map(|field| {
                    let file = node.file.display();
                    if NOT_PATH_LISTS.contains(&field) {
                        format!("{file} has a `{field}` that is not a list of paths")
                    } else {
                        format!("{file} uses `{field}`")
                    }
                }),
                Down::Resource(node, index) => node.links.resources[index]
                    .is_none()
                    .then(|| lists(node, &node.parsed.resources[index].path)),
                Down::Component(node, index) => node.links.components[index]
                    .is_none()
                    .then(|| lists(node, &node.parsed.components[index].path)),
            };
            reason.is_none()
        });
        reason
    }

    fn collect_manifests(&self, dir: &Path, visited: &mut HashSet<PathBuf>, found: &mut Manifests) {
        self.walk_down(dir, visited, |step| {
            if let Down::Resource(node, index) = step {
                if let Some(Target::File(file)) = &node.links.resources[index] {
                    if found.seen.insert(file.clone()) {
                        found.in_order.push(file.clone());
                    }
                }
            }
            true
        });
    }

    /// Walks the kustomizations `dir` gathers, depth first in listing order (resources,
    /// then components), entering each once per `visited`, until `step` returns `false`.
    /// The stack is explicit: an include chain can be deeper than the thread's stack.
    fn walk_down<'a>(
        &'a self,
        dir: &Path,
        visited: &mut HashSet<PathBuf>,
        mut step: impl FnMut(Down<'a>) -> bool,
    ) {
        let mut stack: Vec<(&'a KustomizationNode, usize)> = Vec::new();
        let mut enter: Option<&Path> = Some(dir);
        loop {
            if let Some(dir) = enter.take() {
                if visited.insert(dir.to_owned()) {
                    if let Some(node) = self.kustomizations.get(dir) {
                        if !step(Down::Enter(node)) {
                            return;
                        }
                        stack.push((node, 0));
                    }
                }
            }
            let Some((node, next)) = stack.last_mut() else {
                return;
            };
            let (node, index) = (*node, *next);
            *next += 1;
            let resources = node.links.resources.len();
            if let Some(target) = node.links.resources.get(index) {
                if !step(Down::Resource(node, index)) {
                    return;
                }
                if let Some(Target::Kustomization(sub)) = target {
                    enter = Some(sub);
                }
            } else if let Some(component) = node.links.components.get(index - resources) {
                if !step(Down::Component(node, index - resources)) {
                    return;
                }
                enter = component.as_deref();
            } else {
                stack.pop();
            }
        }
    }

    fn collect_chains(
        &self,
        target: &Path,
        below: &[ChainEntry],
        components_below: &[PathBuf],
        through: &mut Vec<PathBuf>,
        walk: &mut ChainWalk,
    ) {
        let Some(parents) = self.parents.get(target) else {
            return;
        };
        for (dir, inclusion) in parents {
            let Some(node) = self.kustomizations.get(dir) else {
                continue;
            };
            // A cycle (kustomize rejects it) hides no build.
            if through.contains(&node.file) {
                continue;
            }
            if walk.chains.len() >= MAX_CHAINS
                || through.len() >= MAX_DEPTH
                || walk.visits >= MAX_VISITS
            {
                walk.truncated = true;
                continue;
            }
            walk.visits += 1;
            work::count(Counter::WalkVisits, 1);
            // Components listed after the point of entry run first, then the own images.
            let first_component = match inclusion {
                Inclusion::Resource => 0,
                Inclusion::Component(index) => index + 1,
            };
            let mut before_own = below.to_vec();
            let mut components = components_below.to_vec();
            for component in node.links.components.iter().skip(first_component).flatten() {
                self.component_entries(
                    component,
                    &mut before_own,
                    &mut components,
                    &mut Vec::new(),
                    walk,
                );
            }
            let mut entries = before_own.clone();
            entries.extend(node.images.iter().cloned());
            through.push(node.file.clone());
            if !node.parsed.is_component {
                let is_root = !self.parents.contains_key(dir);
                walk.chains.push(OverlayChain {
                    overlay: node.file.clone(),
                    is_root,
                    deployer: None,
                    through: through.clone(),
                    components: components.clone(),
                    entries: entries.clone(),
                });
                for (file, index) in self.deployers_by_dir.get(dir).into_iter().flatten() {
                    let deployer = &self.deployers[file][*index];
                    let mut entries = before_own.clone();
                    entries.extend(self.merged_entries(node, file, deployer));
                    walk.chains.push(OverlayChain {
                        overlay: node.file.clone(),
                        is_root,
                        deployer: Some(DeployerRef {
                            file: file.clone(),
                            kind: deployer.kind,
                            name: deployer.name.clone(),
                            document: deployer.document,
                        }),
                        through: through.clone(),
                        components: components.clone(),
                        entries,
                    });
                }
            }
            self.collect_chains(dir, &entries, &components, through, walk);
            through.pop();
        }
    }

    /// A component's entries: its own components' first, then its `images:`. Each visit
    /// counts against the walk's budget: a diamond of components has exponentially many
    /// paths.
    fn component_entries(
        &self,
        dir: &Path,
        out: &mut Vec<ChainEntry>,
        files: &mut Vec<PathBuf>,
        visiting: &mut Vec<PathBuf>,
        walk: &mut ChainWalk,
    ) {
        if visiting.iter().any(|v| v == dir) {
            return;
        }
        if visiting.len() >= MAX_DEPTH || walk.visits >= MAX_VISITS {
            walk.truncated = true;
            return;
        }
        let Some(node) = self.kustomizations.get(dir) else {
            return;
        };
        walk.visits += 1;
        work::count(Counter::WalkVisits, 1);
        visiting.push(dir.to_owned());
        for component in node.links.components.iter().flatten() {
            self.component_entries(component, out, files, visiting, walk);
        }
        out.extend(node.images.iter().cloned());
        if !files.contains(&node.file) {
            files.push(node.file.clone());
        }
        visiting.pop();
    }

    /// The overlay's `images:` after the controller object has edited it.
    fn merged_entries(
        &self,
        node: &KustomizationNode,
        deployer_file: &Path,
        deployer: &DeployerImages,
    ) -> Vec<ChainEntry> {
        deployer
            .merge_into(&node.parsed.images)
            .into_iter()
            .map(|merged| {
                let origin = match merged.source {
                    MergeSource::Own(index) => node.images[index].origin.clone(),
                    MergeSource::Deployer(index) => EntryOrigin {
                        file: deployer_file.to_owned(),
                        index,
                        range: deployer.images[index].range.clone(),
                    },
                };
                ChainEntry {
                    origin,
                    image: CompiledOverride::new(merged.image),
                }
            })
            .collect()
    }

    fn insert_path(&mut self, path: PathBuf) {
        if file_name(&path) == Some("Chart.yaml") {
            self.charts.insert(parent_dir(&path).to_owned());
        }
        self.files.insert(path);
    }

    /// Parses (or, with `None`, forgets) the kustomization in `file`. When a directory has
    /// several kustomization files, the one kustomize prefers wins.
    fn set_kustomization(&mut self, file: &Path, text: Option<&str>) {
        let dir = parent_dir(file).to_owned();
        let rank = |file: &Path| {
            KUSTOMIZATION_FILE_NAMES
                .iter()
                .position(|name| file_name(file) == Some(name))
        };
        let Some(new_rank) = rank(file) else {
            return;
        };
        if let Some(existing) = self.kustomizations.get(&dir) {
            let preferred = rank(&existing.file).is_some_and(|rank| rank < new_rank);
            if preferred && self.files.contains(&existing.file) {
                return;
            }
        }
        let parsed = text.and_then(|text| Kustomization::parse(&YamlFile::parse(text)));
        let Some(parsed) = parsed else {
            if self
                .kustomizations
                .get(&dir)
                .is_some_and(|node| node.file == file)
            {
                self.kustomizations.remove(&dir);
            }
            return;
        };
        let images = parsed
            .images
            .iter()
            .enumerate()
            .map(|(index, entry)| ChainEntry {
                origin: EntryOrigin {
                    file: file.to_owned(),
                    index,
                    range: entry.range.clone(),
                },
                image: CompiledOverride::new(entry.image.clone()),
            })
            .collect();
        let node = KustomizationNode {
            file: file.to_owned(),
            parsed,
            images,
            links: Links::default(),
        };
        self.kustomizations.insert(dir, node);
    }

    fn set_deployers(&mut self, file: &Path, text: &str) {
        // Cheap test first: most YAML files are neither Argo CD nor Flux objects.
        let (found, helm) = if may_declare_deployer(text) {
            let parsed = YamlFile::parse(text);
            (find_deployer_images(&parsed), find_helm_sources(&parsed))
        } else {
            (Vec::new(), Vec::new())
        };
        if found.is_empty() {
            self.deployers.remove(file);
        } else {
            self.deployers.insert(file.to_owned(), found);
        }
        if helm.is_empty() {
            self.helm_sources.remove(file);
        } else {
            self.helm_sources.insert(file.to_owned(), helm);
        }
    }

    /// Recomputes every link from the parsed kustomizations and the file list.
    fn relink(&mut self) {
        let resolved: Vec<(PathBuf, Links)> = self
            .kustomizations
            .iter()
            .map(|(dir, node)| {
                let resources = node
                    .parsed
                    .resources
                    .iter()
                    .map(|reference| self.resolve(dir, &reference.path))
                    .collect();
                let components = node
                    .parsed
                    .components
                    .iter()
                    .map(|reference| match self.resolve(dir, &reference.path) {
                        Some(Target::Kustomization(component)) => Some(component),
                        _ => None,
                    })
                    .collect();
                (
                    dir.clone(),
                    Links {
                        resources,
                        components,
                    },
                )
            })
            .collect();
        self.parents.clear();
        for (dir, links) in resolved {
            for target in links.resources.iter().flatten() {
                let key = match target {
                    Target::File(file) => file.clone(),
                    Target::Kustomization(sub) => sub.clone(),
                };
                self.parents
                    .entry(key)
                    .or_default()
                    .push((dir.clone(), Inclusion::Resource));
            }
            for (index, component) in links.components.iter().enumerate() {
                if let Some(component) = component {
                    self.parents
                        .entry(component.clone())
                        .or_default()
                        .push((dir.clone(), Inclusion::Component(index)));
                }
            }
            if let Some(node) = self.kustomizations.get_mut(&dir) {
                node.links = links;
            }
        }
        // Stable order, whatever the hash map's.
        for parents in self.parents.values_mut() {
            parents.sort_by(|a, b| a.0.cmp(&b.0));
        }
        self.patch_files = self.patch_listings();
        self.deployers_by_dir.clear();
        for (file, deployers) in &self.deployers {
            for (index, deployer) in deployers.iter().enumerate() {
                let Some(dir) = deployer.path.as_deref().and_then(|p| self.deployer_dir(p)) else {
                    continue;
                };
                if self.kustomizations.contains_key(&dir) {
                    let refs = self.deployers_by_dir.entry(dir).or_default();
                    refs.push((file.clone(), index));
                    refs.sort();
                }
            }
        }
    }

    /// A `resources` / `components` entry of the kustomization in `dir`: a listed file, or
    /// a directory with a kustomization. Remote URLs and missing paths resolve to nothing.
    fn resolve(&self, dir: &Path, reference: &str) -> Option<Target> {
        if reference.contains("://") || reference.starts_with("git@") {
            return None;
        }
        let path = normalize(&dir.join(reference));
        if self.kustomizations.contains_key(&path) {
            Some(Target::Kustomization(path))
        } else if self.files.contains(&path) {
            Some(Target::File(path))
        } else {
            None
        }
    }
}

/// `path` relative to `root`, for messages (the whole path when it is `root` itself or
/// outside it).
pub fn short_path(path: &Path, root: &Path) -> String {
    let root = normalize(root);
    match path.strip_prefix(&root) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative.display().to_string(),
        _ => path.display().to_string(),
    }
}

/// Removes `.` and folds `..` into the component before it, without touching the disk.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let folds = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if folds {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn file_name(path: &Path) -> Option<&str> {
    path.file_name().and_then(|name| name.to_str())
}

fn parent_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

fn is_kustomization_path(path: &Path) -> bool {
    file_name(path).is_some_and(is_kustomization_file_name)
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "yaml" || ext == "yml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        let n = |p: &str| normalize(Path::new(p));
        assert_eq!(n("a/./b/../c"), PathBuf::from("a/c"));
        assert_eq!(n("a/../../b"), PathBuf::from("../b"));
        assert_eq!(n("/a/../../b"), PathBuf::from("/b"));
        assert_eq!(n("./x"), PathBuf::from("x"));
    }

    const DEPLOYMENT: &str = "kind: Pod\nspec:\n  containers:\n  - {name: web, image: nginx:1}\n";

    fn index_of(files: Vec<(String, String)>) -> WorkspaceIndex {
        let files: HashMap<PathBuf, String> = files
            .into_iter()
            .map(|(path, text)| (PathBuf::from(path), text))
            .collect();
        WorkspaceIndex::build("/r", files.keys().cloned(), &files)
    }

    #[test]
    fn a_diamond_of_components_is_walked_within_the_budget() {
        // Two components per level, each listing both of the level below: 2^20 paths.
        let mut files = vec![
            ("/r/base/deploy.yaml".to_owned(), DEPLOYMENT.to_owned()),
            (
                "/r/top/kustomization.yaml".to_owned(),
                "resources: [../base/deploy.yaml]\ncomponents: [../c19a, ../c19b]\nimages: [{name: nginx, newTag: '2'}]\n".to_owned(),
            ),
        ];
        for level in 0..20 {
            for side in ["a", "b"] {
                let below = match level {
                    0 => String::new(),
                    _ => format!("../c{0}a, ../c{0}b", level - 1),
                };
                files.push((
                    format!("/r/c{level}{side}/kustomization.yaml"),
                    format!(
                        "kind: Component\ncomponents: [{below}]\nimages: [{{name: x{level}}}]\n"
                    ),
                ));
            }
        }
        let index = index_of(files);
        let walk = index.walk_chains(Path::new("/r/base/deploy.yaml"));
        assert!(walk.truncated);
        assert!(walk.visits <= MAX_VISITS);
        assert_eq!(walk.chains.len(), 1);
        // The overlay's own entry still comes last.
        let entries = &walk.chains[0].entries;
        assert!(entries.len() <= MAX_VISITS);
        assert_eq!(entries.last().unwrap().image.entry.new_tag, "2");
        let reason = index.unknown_inputs(Path::new("/r/top")).unwrap();
        assert!(reason.contains("too many or nested too deep"), "{reason}");
    }

    #[test]
    fn deep_chains_are_walked_down_without_recursion_and_cut_going_up() {
        let mut files = vec![
            ("/r/base/deploy.yaml".to_owned(), DEPLOYMENT.to_owned()),
            (
                "/r/l0/kustomization.yaml".to_owned(),
                "resources: [../base/deploy.yaml]\n".to_owned(),
            ),
        ];
        for level in 1..30_000 {
            files.push((
                format!("/r/l{level}/kustomization.yaml"),
                format!("resources: [../l{}, ../missing{level}]\n", level - 1),
            ));
        }
        let index = index_of(files);
        let top = Path::new("/r/l29999");
        assert_eq!(
            index.manifests_under(top),
            [PathBuf::from("/r/base/deploy.yaml")]
        );
        // The first reason in listing order: the deepest missing resource.
        assert_eq!(
            index.unknown_inputs(top).as_deref(),
            Some("/r/l1/kustomization.yaml lists ../missing1")
        );
        let walk = index.walk_chains(Path::new("/r/base/deploy.yaml"));
        assert!(walk.truncated);
        assert_eq!(walk.chains.len(), MAX_DEPTH);
        // Only l0 is within reach, and nothing above it is missing in its own builds… but
        // the builds that include it are cut.
        let reason = index.unknown_inputs(Path::new("/r/l0")).unwrap();
        assert!(reason.contains("too many or nested too deep"), "{reason}");
    }

    #[test]
    fn cycles_are_not_cuts() {
        let index = index_of(vec![
            ("/r/a/deploy.yaml".to_owned(), DEPLOYMENT.to_owned()),
            (
                "/r/a/kustomization.yaml".to_owned(),
                "resources: [deploy.yaml, ../b, .]\n".to_owned(),
            ),
            (
                "/r/b/kustomization.yaml".to_owned(),
                "resources: [../a]\n".to_owned(),
            ),
        ]);
        let walk = index.walk_chains(Path::new("/r/a/deploy.yaml"));
        assert!(!walk.truncated);
        assert_eq!(walk.chains.len(), 2);
        assert_eq!(index.unknown_inputs(Path::new("/r/a")), None);
        assert_eq!(index.unknown_inputs(Path::new("/r/b")), None);
    }
}
