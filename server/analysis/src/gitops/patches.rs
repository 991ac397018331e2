//! Kustomization fields this model does not apply (patches, replacements, transformer
//! configurations) and which containers' `image` / `imagePullPolicy` they may set.
//!
//! kustomize runs them in the same builds as `images:`, so a patch that writes `image:
//! nginx:latest` changes what a build deploys in a way the images transformer alone does
//! not show. Instead of applying them, the index works out which containers they *may*
//! touch, by name where a strategic-merge patch names them, and the cross-file findings,
//! inlay hints and safe fixes hold back for those containers (the hover says why).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::effective::EffectiveImage;
use super::workspace::{normalize, FileSource, OverlayChain, WorkspaceIndex};
use crate::finding::{ContainerLabel, Finding};
use crate::k8s::{find_containers, Container};
use crate::text::{LineIndex, TextRange};
use crate::yaml::{Document, NodeId, NodeKind, YamlFile};

/// The kustomization fields that edit the resources a build gathers and may write an
/// image or a pull policy. (`vars` only substitute `$(VAR)` in command, args and env by
/// default; generators and Helm charts add resources rather than edit them.)
pub(crate) const EDITING_FIELDS: [&str; 5] = [
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "replacements",
    "transformers",
];

/// Which containers an edit may give another image or pull policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditedContainers {
    /// Those with these names (sorted): strategic-merge patches name the containers they
    /// edit.
    Named(Vec<String>),
    /// Any: a JSON-patch path or a replacement's field path that mentions images, an image
    /// transformer, a `$patch` directive, or a patch file that cannot be read.
    All,
}

impl EditedContainers {
    /// Whether the edit may reach the container named `name` (`None`: unnamed).
    pub fn covers(&self, name: Option<&str>) -> bool {
        match self {
            EditedContainers::All => true,
            EditedContainers::Named(names) => {
                name.is_none_or(|name| names.iter().any(|n| n == name))
            }
        }
    }

    fn join(found: Option<Self>, more: Option<Self>) -> Option<Self> {
        match (found, more) {
            (None, more) => more,
            (found, None) => found,
            (Some(EditedContainers::Named(mut a)), Some(EditedContainers::Named(b))) => {
                a.extend(b);
                a.sort();
                a.dedup();
                Some(EditedContainers::Named(a))
            }
            _ => Some(EditedContainers::All),
        }
    }
}

/// One field of [`EDITING_FIELDS`] as a kustomization writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnappliedEdit {
    pub field: &'static str,
    /// The field's key in the kustomization.
    pub range: TextRange,
    /// What its inline parts edit; `None` when they write no image or pull policy.
    pub inline: Option<EditedContainers>,
    /// The files it reads (patch files, replacement and transformer configurations),
    /// relative to the kustomization's directory.
    pub files: Vec<String>,
    /// The objects (`Kind/name`) its inline strategic-merge patches delete whole with
    /// `$patch: delete`.
    pub deletes: Vec<String>,
    /// Those of [`Self::files`] that are strategic-merge patches of the objects they name
    /// (no `target`), so that their `$patch: delete` documents delete those objects.
    pub deleting_files: Vec<String>,
}

/// The [`EDITING_FIELDS`] of the kustomization mapping `root`.
pub(crate) fn unapplied_edits(doc: &Document, root: NodeId) -> Vec<UnappliedEdit> {
    EDITING_FIELDS
        .into_iter()
        .filter_map(|field| {
            let entry = doc.get_entry(root, field)?;
            let value = entry.value;
            if doc.is_null(value) {
                return None;
            }
            let mut edit = UnappliedEdit {
                field,
                range: doc.node(entry.key).span.clone(),
                inline: None,
                files: Vec::new(),
                deletes: Vec::new(),
                deleting_files: Vec::new(),
            };
            // A patch with a `target` applies to the objects it selects, whatever it names.
            let merges_by_name = |item: NodeId| {
                matches!(field, "patches" | "patchesStrategicMerge")
                    && (!doc.is_mapping(item) || doc.get(item, "target").is_none())
            };
            if !doc.is_sequence(value) {
                // kustomize fails to read it; nothing is known about what it would do.
                edit.inline = Some(EditedContainers::All);
                return Some(edit);
            }
            for &item in doc.items(value) {
                let by_name = merges_by_name(item);
                let edits = if let Some(text) = doc.scalar(item) {
                    let text = text.trim();
                    if is_inline_document(text) {
                        if by_name {
                            edit.deletes.extend(deleted_objects_in_text(text));
                        }
                        edited_containers_in_text(text)
                    } else {
                        if !text.is_empty() {
                            edit.files.push(text.to_owned());
                            if by_name {
                                edit.deleting_files.push(text.to_owned());
                            }
                        }
                        None
                    }
                } else {
                    // `path:` names a file; `patch:` holds a patch as a string.
                    let mut skip = HashSet::new();
                    if let Some(path) = doc.get(item, "path") {
                        skip.insert(doc.resolve(path));
                        if let Some(path) = doc.scalar(path).map(str::trim) {
                            edit.files.push(path.to_owned());
                            if by_name {
                                edit.deleting_files.push(path.to_owned());
                            }
                        }
                    }
                    let patch = doc.get(item, "patch").and_then(|patch| {
                        skip.insert(doc.resolve(patch));
                        doc.scalar(patch)
                    });
                    if by_name {
                        edit.deletes
                            .extend(patch.into_iter().flat_map(deleted_objects_in_text));
                    }
                    EditedContainers::join(
                        patch.and_then(edited_containers_in_text),
                        edited_containers_in(doc, item, &skip),
                    )
                };
                edit.inline = EditedContainers::join(edit.inline.take(), edits);
            }
            Some(edit)
        })
        .collect()
}

/// A list item that is a patch written inline rather than a file name.
fn is_inline_document(text: &str) -> bool {
    text.contains('\n') || text.starts_with('{') || text.starts_with('[') || text.contains(": ")
}

/// What the YAML (or JSON) documents of `text` edit: a patch, or a replacement or
/// transformer configuration.
pub fn edited_containers_in_text(text: &str) -> Option<EditedContainers> {
    let file = YamlFile::parse(text);
    if file.documents.iter().any(|doc| doc.error.is_some()) {
        // kustomize fails on it too; stay quiet only when it cannot concern images.
        return mentions_images(text).then_some(EditedContainers::All);
    }
    file.documents
        .iter()
        .filter_map(|doc| Some((doc, doc.root?)))
        .fold(None, |found, (doc, root)| {
            EditedContainers::join(found, edited_containers_in(doc, root, &HashSet::new()))
        })
}

/// The objects (`Kind/name`) that the documents of a strategic-merge patch delete whole
/// (`$patch: delete` beside their `kind` and `metadata.name`).
pub fn deleted_objects_in_text(text: &str) -> Vec<String> {
    if !text.contains("$patch") {
        return Vec::new();
    }
    let file = YamlFile::parse(text);
    file.documents
        .iter()
        .filter(|doc| doc.error.is_none())
        .filter_map(|doc| {
            let root = doc.root?;
            if doc.get_str(root, "$patch") != Some("delete") {
                return None;
            }
            let kind = doc.get_str(root, "kind")?;
            let name = doc
                .get_path(root, &["metadata", "name"])
                .and_then(|n| doc.scalar(n))?;
            Some(format!("{kind}/{name}"))
        })
        .collect()
}

fn mentions_images(text: &str) -> bool {
    text.to_ascii_lowercase().contains("image") || text.contains("$patch")
}

/// The lists of containers in a pod spec, whose items a strategic-merge patch matches by
/// `name`.
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Where a node of a patch is, for [`edited_containers_in`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Within {
    /// Anywhere a `$patch` directive or a mention of images may reach containers.
    Outside,
    /// A `containers` (or init, ephemeral) list, or one of its items.
    ContainerList,
}

/// What the subtree at `node` edits, not looking into the `skip` nodes. A mapping with an
/// `image` or `imagePullPolicy` key, or a container with a `$patch` directive, edits the
/// container its `name` names. Inside a container, other fields (env, ports, resources, and
/// their `$patch: delete` items) cannot change its image. Elsewhere, a value that mentions
/// images (a JSON-patch path, a replacement's field path, an image transformer's kind) or
/// a `$patch` directive (`replace` of a pod spec) may edit any container.
fn edited_containers_in(
    doc: &Document,
    node: NodeId,
    skip: &HashSet<NodeId>,
) -> Option<EditedContainers> {
    let key = |entry: &crate::yaml::MapEntry| doc.scalar(entry.key).unwrap_or("");
    let named = |mapping: NodeId| {
        doc.get_str(mapping, "name")
            .map(|name| EditedContainers::Named(vec![name.to_owned()]))
    };
    let mut found = None;
    let mut visited = HashSet::new();
    let mut pending = vec![(node, Within::Outside)];
    while let Some((id, within)) = pending.pop() {
        if skip.contains(&id) || !visited.insert(id) {
            continue;
        }
        match (&doc.node(id).kind, within) {
            (NodeKind::Alias { target }, _) => pending.push((*target, within)),
            (NodeKind::Scalar { value, .. }, Within::Outside) => {
                if mentions_images(value) {
                    return Some(EditedContainers::All);
                }
            }
            // `$patch: replace` on a list of containers, as an item of it.
            (NodeKind::Scalar { .. }, Within::ContainerList) => {}
            (NodeKind::Sequence { items, .. }, _) => {
                pending.extend(items.iter().map(|&item| (item, within)));
            }
            (NodeKind::Mapping { entries, .. }, Within::ContainerList) => {
                // A container: it is edited when the patch writes its image or policy,
                // or deletes or replaces it; its other fields are left alone.
                let edits_it = entries.iter().any(|entry| {
                    matches!(key(entry), "image" | "imagePullPolicy") || key(entry) == "$patch"
                });
                if edits_it {
                    found = EditedContainers::join(
                        found,
                        Some(named(id).unwrap_or(EditedContainers::All)),
                    );
                }
            }
            (NodeKind::Mapping { entries, .. }, Within::Outside) => {
                // `$patch: delete` of a whole object removes it rather than changing an
                // image; any other directive may replace what holds containers.
                let deletes_object = id == node && doc.get_str(id, "$patch") == Some("delete");
                if !deletes_object && entries.iter().any(|entry| key(entry).starts_with("$patch")) {
                    return Some(EditedContainers::All);
                }
                let sets_image = entries
                    .iter()
                    .any(|entry| matches!(key(entry), "image" | "imagePullPolicy"));
                if sets_image {
                    found = EditedContainers::join(
                        found,
                        Some(named(id).unwrap_or(EditedContainers::All)),
                    );
                }
                for entry in entries {
                    let field = key(entry);
                    if CONTAINER_LISTS.contains(&field) {
                        pending.push((entry.value, Within::ContainerList));
                    } else if !(sets_image && matches!(field, "image" | "imagePullPolicy" | "name"))
                    {
                        pending.push((entry.value, Within::Outside));
                    }
                }
            }
        }
        if found == Some(EditedContainers::All) {
            return found;
        }
    }
    found
}

/// The unapplied edit of a build that may give a container another image or pull policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchedBy {
    /// The kustomization file that holds the edit.
    pub kustomization: PathBuf,
    /// `patches`, `replacements`, …
    pub field: &'static str,
    /// The field's key in that file.
    pub range: TextRange,
    /// The kustomization's directory relative to the index's root, for messages.
    pub dir_label: String,
}

/// Reads what the unapplied edits of kustomizations touch, each kustomization's patch
/// files once per instance (one request or one file of `check`).
pub struct ImageEdits<'a> {
    index: &'a WorkspaceIndex,
    source: &'a dyn FileSource,
    by_kustomization: RefCell<HashMap<PathBuf, EditsOf>>,
}

/// Each unapplied field of one kustomization with what it edits (files included), and the
/// objects its patches delete.
type EditsOf = Rc<(Vec<(UnappliedEdit, Option<EditedContainers>)>, Vec<String>)>;

impl<'a> ImageEdits<'a> {
    pub fn new(index: &'a WorkspaceIndex, source: &'a dyn FileSource) -> Self {
        ImageEdits {
            index,
            source,
            by_kustomization: RefCell::default(),
        }
    }

    /// The first kustomization of `chain` (those it goes through, then the components they
    /// apply) with an edit that may reach the container named `container`.
    pub fn first_over(&self, chain: &OverlayChain, container: Option<&str>) -> Option<PatchedBy> {
        chain
            .through
            .iter()
            .chain(&chain.components)
            .find_map(|kustomization| {
                let edits = self.edits_of(kustomization);
                let (edit, _) = edits.0.iter().find(|(_, edited)| {
                    edited
                        .as_ref()
                        .is_some_and(|edited| edited.covers(container))
                })?;
                let dir = kustomization.parent().unwrap_or(Path::new(""));
                Some(PatchedBy {
                    kustomization: kustomization.clone(),
                    field: edit.field,
                    range: edit.range.clone(),
                    dir_label: self.index.short_path(dir),
                })
            })
    }

    /// Whether a kustomization of `chain` (one it goes through, or a component they apply)
    /// deletes `object` (`Kind/name`) with a `$patch: delete` patch: then the build
    /// deploys nothing of it.
    pub fn deletes(&self, chain: &OverlayChain, object: &str) -> bool {
        chain
            .through
            .iter()
            .chain(&chain.components)
            .any(|kustomization| self.edits_of(kustomization).1.iter().any(|o| o == object))
    }

    /// Drops the images of objects their build deletes ([`Self::deletes`]).
    pub fn drop_deleted(&self, chains: &[OverlayChain], images: &mut Vec<EffectiveImage>) {
        images.retain(|image| {
            chains
                .get(image.chain)
                .is_none_or(|chain| !self.deletes(chain, &image.object))
        });
    }

    /// Sets [`EffectiveImage::patched_by`] of each image computed for `chains`.
    pub fn mark(&self, chains: &[OverlayChain], images: &mut [EffectiveImage]) {
        for image in images {
            if let Some(chain) = chains.get(image.chain) {
                image.patched_by = self.first_over(chain, image.container_name.as_deref());
            }
        }
    }

    fn edits_of(&self, kustomization: &Path) -> EditsOf {
        if let Some(known) = self.by_kustomization.borrow().get(kustomization) {
            return known.clone();
        }
        let dir = kustomization.parent().unwrap_or(Path::new(""));
        let mut deleted = Vec::new();
        let edits: Vec<(UnappliedEdit, Option<EditedContainers>)> = self
            .index
            .kustomization(kustomization)
            .map(|parsed| parsed.unapplied_edits.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|edit| {
                deleted.extend(edit.deletes.iter().cloned());
                let from_files = edit.files.iter().fold(None, |found, file| {
                    let edited = match self.source.read(&normalize(&dir.join(file))) {
                        Some(text) => {
                            if edit.deleting_files.contains(file) {
                                deleted.extend(deleted_objects_in_text(&text));
                            }
                            edited_containers_in_text(&text)
                        }
                        // A file kustomize cannot read either: assume the worst.
                        None => Some(EditedContainers::All),
                    };
                    EditedContainers::join(found, edited)
                });
                (
                    edit.clone(),
                    EditedContainers::join(edit.inline.clone(), from_files),
                )
            })
            .collect();
        let edits = Rc::new((edits, deleted));
        self.by_kustomization
            .borrow_mut()
            .insert(kustomization.to_owned(), edits.clone());
        edits
    }
}

/// The fields whose files hold partial objects merged into the build's (not configurations).
const PATCH_FIELDS: [&str; 3] = ["patches", "patchesStrategicMerge", "patchesJson6902"];

impl WorkspaceIndex {
    /// Every patch file a kustomization lists, with the first listing kustomization (by
    /// path, so the choice does not depend on hash order).
    pub(crate) fn patch_listings(&self) -> HashMap<PathBuf, PathBuf> {
        let mut out: HashMap<PathBuf, PathBuf> = HashMap::new();
        for kustomization in self.kustomization_files() {
            let Some(parsed) = self.kustomization(kustomization) else {
                continue;
            };
            let dir = kustomization.parent().unwrap_or(Path::new(""));
            let files = parsed
                .unapplied_edits
                .iter()
                .filter(|edit| PATCH_FIELDS.contains(&edit.field))
                .flat_map(|edit| &edit.files);
            for file in files {
                let listed_by = out
                    .entry(normalize(&dir.join(file)))
                    .or_insert_with(|| kustomization.to_owned());
                if kustomization < listed_by.as_path() {
                    *listed_by = kustomization.to_owned();
                }
            }
        }
        out
    }
}

/// What a container of a patch is merged with: the object's kind and name, the list it
/// is in (`spec.template.spec.containers`) and its name.
type MergeKey = (String, String, String, String);

fn merge_key(container: &Container) -> Option<MergeKey> {
    let list = container
        .path
        .rsplit_once('[')
        .map_or(container.path.as_str(), |(list, _)| list);
    Some((
        container.object.kind.clone(),
        container.object.name.clone()?,
        list.to_owned(),
        container.display_name()?.to_owned(),
    ))
}

/// A container of a patch file merged into a container that sets a pull policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedContainer {
    pub label: ContainerLabel,
    /// Its `image` value in the patch file.
    pub image_range: TextRange,
    /// The `imagePullPolicy` of the container it is merged into, as written.
    pub base_policy: String,
    /// The manifest that holds that container.
    pub base_file: PathBuf,
}

impl WorkspaceIndex {
    /// The containers of the patch file `file` (contents `text`) that set no
    /// `imagePullPolicy` while the container they are merged into, in the manifests the
    /// listing kustomization gathers, sets one: `implicit-pull-policy` does not apply to
    /// them. Manifests are read through `source`.
    pub fn patch_containers_with_base_policy(
        &self,
        file: &Path,
        text: &str,
        source: &dyn FileSource,
    ) -> Vec<MergedContainer> {
        let Some(kustomization) = self.patch_of(file) else {
            return Vec::new();
        };
        let containers_of = |text: &str| {
            let parsed = YamlFile::parse(text);
            let lines = LineIndex::new(text);
            (0..parsed.documents.len())
                .flat_map(|document| find_containers(text, &lines, &parsed, document))
                .collect::<Vec<Container>>()
        };
        let unset: Vec<(MergeKey, MergedContainer)> = containers_of(text)
            .into_iter()
            .filter(|container| container.policy.is_none())
            .filter_map(|container| {
                let merged = MergedContainer {
                    label: ContainerLabel {
                        name: container.display_name().map(str::to_owned),
                        path: container.path.clone(),
                        object: container.object.label(),
                    },
                    image_range: container.image.as_ref()?.value_range.clone(),
                    base_policy: String::new(),
                    base_file: PathBuf::new(),
                };
                Some((merge_key(&container)?, merged))
            })
            .collect();
        if unset.is_empty() {
            return Vec::new();
        }
        let file = normalize(file);
        let dir = kustomization.parent().unwrap_or(Path::new(""));
        // The first manifest that sets a policy for the key wins (kustomize rejects two
        // objects with the same kind and name in one build anyway).
        let mut set: HashMap<MergeKey, (String, PathBuf)> = HashMap::new();
        for manifest in self.manifests_under(dir) {
            if manifest == file {
                continue;
            }
            let Some(manifest_text) = source.read(&manifest) else {
                continue;
            };
            for container in containers_of(&manifest_text) {
                let Some(policy) = container.policy.as_ref() else {
                    continue;
                };
                if let Some(key) = merge_key(&container) {
                    let written = policy.text.clone().unwrap_or_default();
                    set.entry(key).or_insert((written, manifest.clone()));
                }
            }
        }
        unset
            .into_iter()
            .filter_map(|(key, mut merged)| {
                let (policy, manifest) = set.get(&key)?;
                merged.base_policy = policy.clone();
                merged.base_file = manifest.clone();
                Some(merged)
            })
            .collect()
    }
}

/// Whether `finding` is an `implicit-pull-policy` finding of one of the `merged`
/// containers of [`WorkspaceIndex::patch_containers_with_base_policy`]: the merged container
/// has a policy, so the finding does not hold.
pub fn moot_in_patch_file(finding: &Finding, merged: &[MergedContainer]) -> bool {
    unsafe_in_patch_file(finding)
        && finding.container.as_ref().is_some_and(|label| {
            merged
                .iter()
                .any(|m| m.label.object == label.object && m.label.path == label.path)
        })
}

/// Whether the fixes of `finding` stop being safe in a patch file: inserting the default
/// pull policy there would override the policy of the object the patch is merged into.
pub fn unsafe_in_patch_file(finding: &Finding) -> bool {
    finding.rule == "implicit-pull-policy"
}

/// The title of a fix [`unsafe_in_patch_file`] demotes, naming the kustomization.
pub fn patch_file_fix_title(title: &str, kustomization_dir: &str) -> String {
    format!(
        "{title}: this file is a patch of {kustomization_dir}, merged into an object that may \
         set its own policy"
    )
}

/// Demotes the safe fixes [`unsafe_in_patch_file`] names (for `check --fix`).
pub fn demote_patch_file_fixes(findings: &mut [Finding], kustomization_dir: &str) {
    for finding in findings.iter_mut().filter(|f| unsafe_in_patch_file(f)) {
        for fix in finding.fixes.iter_mut().filter(|fix| fix.safe) {
            fix.safe = false;
            fix.title = patch_file_fix_title(&fix.title, kustomization_dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gitops::Kustomization;

    fn edits(kustomization: &str) -> Vec<UnappliedEdit> {
        Kustomization::parse(&YamlFile::parse(kustomization))
            .expect("a kustomization")
            .unapplied_edits
    }

    fn named(names: &[&str]) -> Option<EditedContainers> {
        Some(EditedContainers::Named(
            names.iter().map(|name| name.to_string()).collect(),
        ))
    }

    #[test]
    fn strategic_merge_patches_name_the_containers_they_edit() {
        let patch = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:latest
      - name: sidecar
        imagePullPolicy: Always
      - name: untouched
        resources: {limits: {cpu: 100m}}
";
        assert_eq!(edited_containers_in_text(patch), named(&["sidecar", "web"]));
        let inline = format!(
            "patches:\n- patch: |-\n{}\n",
            patch
                .lines()
                .map(|line| format!("    {line}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let found = edits(&inline);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "patches");
        assert_eq!(found[0].inline, named(&["sidecar", "web"]));
        assert!(found[0].files.is_empty());
    }

    #[test]
    fn patches_that_write_no_image_edit_nothing() {
        let found = edits(
            "patches:\n- path: replicas.yaml\n- target: {kind: Deployment}\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 3\nreplacements:\n- source: {kind: Job, fieldPath: spec.completions}\n  targets:\n  - select: {kind: Job}\n    fieldPaths: [spec.template.spec.containers.[name=w].args.1]\n",
        );
        let fields: Vec<_> = found.iter().map(|edit| edit.field).collect();
        assert_eq!(fields, ["patches", "replacements"]);
        assert_eq!(found[0].inline, None);
        assert_eq!(found[0].files, ["replicas.yaml"]);
        assert_eq!(found[1].inline, None);
    }

    #[test]
    fn paths_directives_and_transformers_that_mention_images_edit_any_container() {
        let all = Some(EditedContainers::All);
        // A JSON patch: the path names the field, not the container.
        assert_eq!(
            edited_containers_in_text(
                "- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: x:1\n"
            ),
            all
        );
        // A replacement targeting an image field.
        assert_eq!(
            edits("replacements:\n- source: {kind: ConfigMap, fieldPath: data.tag}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.template.spec.containers.0.image]\n")[0].inline,
            all
        );
        // `$patch: replace` swaps the whole pod spec.
        assert_eq!(
            edited_containers_in_text(
                "spec:\n  template:\n    spec:\n      $patch: replace\n      containers: []\n"
            ),
            all
        );
        // On a container: that container (or, unnamed, any).
        assert_eq!(
            edited_containers_in_text(
                "spec:\n  template:\n    spec:\n      containers:\n      - name: web\n        $patch: delete\n"
            ),
            named(&["web"])
        );
        assert_eq!(
            edited_containers_in_text(
                "spec:\n  template:\n    spec:\n      containers:\n      - $patch: replace\n"
            ),
            all
        );
        // An image transformer configuration, and an `image` with no container name.
        assert_eq!(
            edited_containers_in_text(
                "apiVersion: builtin\nkind: ImageTagTransformer\nmetadata: {name: t}\nimageTag: {name: nginx, newTag: latest}\n"
            ),
            all
        );
        assert_eq!(
            edited_containers_in_text("spec: {template: {spec: {containers: [{image: x}]}}}"),
            all
        );
        // A field that is not a list cannot be read by kustomize.
        assert_eq!(edits("patches: {path: p.yaml}\n")[0].inline, all);
        // Broken YAML that mentions images.
        assert_eq!(edited_containers_in_text("image: [\n"), all);
        assert_eq!(edited_containers_in_text("replicas: [\n"), None);
    }

    #[test]
    fn other_fields_of_a_container_do_not_change_its_image() {
        // As in microservices-demo: env patches, with `$patch: delete` on an env item and
        // values that mention images.
        let patch = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: currencyservice}
spec:
  template:
    spec:
      initContainers:
      - name: init
        env: [{name: IMAGE_MIRROR, value: registry.local}]
      containers:
      - name: server
        env:
        - name: DISABLE_PROFILER
          $patch: delete
        - name: IMAGE_TAG
          value: v1
";
        assert_eq!(edited_containers_in_text(patch), None);
        // Deleting a whole object changes no image either.
        let delete =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: redis-cart}\n$patch: delete\n";
        assert_eq!(edited_containers_in_text(delete), None);
    }

    #[test]
    fn file_names_and_inline_strings_in_lists_of_strings() {
        let found = edits(
            "patchesStrategicMerge:\n- image-patch.yaml\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: web}\n  spec: {template: {spec: {containers: [{name: app, image: 'a:2'}]}}}\ntransformers: [labels.yaml]\n",
        );
        assert_eq!(found[0].field, "patchesStrategicMerge");
        // The file name is not searched for "image"; its contents are, at query time.
        assert_eq!(found[0].files, ["image-patch.yaml"]);
        assert_eq!(found[0].inline, named(&["app"]));
        assert_eq!(found[1].field, "transformers");
        assert_eq!(found[1].files, ["labels.yaml"]);
    }

    #[test]
    fn alias_loops_and_bombs_stay_linear() {
        let mut text = String::from("patches:\n- patch: x\n  target: &a0 {kind: Deployment}\n");
        for level in 1..40 {
            let previous = level - 1;
            text.push_str(&format!(
                "  t{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        assert_eq!(edits(&text)[0].inline, None);
    }

    #[test]
    fn patch_files_are_known_and_their_default_policy_fix_is_not_safe() {
        let files: HashMap<PathBuf, String> = [
            ("/r/base/kustomization.yaml", "resources: [d.yaml]\n"),
            (
                "/r/dev/kustomization.yaml",
                "resources: [../base]\npatches: [{path: web.yaml}]\npatchesStrategicMerge: [../shared/sidecar.yaml]\nreplacements: [{path: r.yaml}]\n",
            ),
            ("/r/dev/web.yaml", "kind: Deployment\n"),
        ]
        .into_iter()
        .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
        .collect();
        let index = WorkspaceIndex::build("/r", files.keys().cloned(), &files);
        let patches = index.patch_files();
        let mut listed: Vec<&Path> = patches.keys().map(PathBuf::as_path).collect();
        listed.sort();
        // Replacement configurations are not patches.
        assert_eq!(
            listed,
            [
                Path::new("/r/dev/web.yaml"),
                Path::new("/r/shared/sidecar.yaml")
            ]
        );
        assert_eq!(
            patches[Path::new("/r/dev/web.yaml")],
            Path::new("/r/dev/kustomization.yaml")
        );
        assert_eq!(
            index.patch_of(Path::new("/r/dev/../shared/sidecar.yaml")),
            Some(Path::new("/r/dev/kustomization.yaml"))
        );
        assert_eq!(index.patch_of(Path::new("/r/dev/r.yaml")), None);

        let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";
        let mut analysis = crate::analyze(patch, &crate::Config::default());
        demote_patch_file_fixes(&mut analysis.findings, "dev");
        let fixes: Vec<_> = analysis
            .findings
            .iter()
            .filter(|f| f.rule == "implicit-pull-policy")
            .flat_map(|f| &f.fixes)
            .collect();
        assert!(!fixes.is_empty());
        assert!(fixes.iter().all(|fix| !fix.safe), "{fixes:#?}");
        let demoted =
            "this file is a patch of dev, merged into an object that may set its own policy";
        assert!(
            fixes.iter().any(|fix| fix.title.ends_with(demoted)),
            "{fixes:#?}"
        );
    }

    #[test]
    fn patch_containers_merged_into_a_container_with_a_policy() {
        let base = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        imagePullPolicy: Always\n      - name: cache\n        image: redis:7\n";
        let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: cache\n        image: redis:8\n      - name: sidecar\n        image: envoy:1\n      - name: web\n        image: nginx:1.27\n";
        let files: HashMap<PathBuf, String> = [
            ("/r/base/deploy.yaml", base),
            ("/r/base/kustomization.yaml", "resources: [deploy.yaml]\n"),
            (
                "/r/dev/kustomization.yaml",
                "resources: [../base]\npatches: [{path: web.yaml}]\n",
            ),
            ("/r/dev/web.yaml", patch),
        ]
        .into_iter()
        .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
        .collect();
        let index = WorkspaceIndex::build("/r", files.keys().cloned(), &files);
        let found =
            index.patch_containers_with_base_policy(Path::new("/r/dev/web.yaml"), patch, &files);
        // Only `web`: `cache` has no policy in the base either, `sidecar` is new.
        let names: Vec<_> = found.iter().map(|m| m.label.name.as_deref()).collect();
        assert_eq!(names, [Some("web")]);
        assert_eq!(found[0].label.path, "spec.template.spec.containers[2]");
        assert_eq!(found[0].label.object, "Deployment/web");
        assert_eq!(&patch[found[0].image_range.clone()], "nginx:1.27");
        assert_eq!(found[0].base_policy, "Always");
        assert_eq!(found[0].base_file, Path::new("/r/base/deploy.yaml"));
        // The base itself is no patch.
        assert!(index
            .patch_containers_with_base_policy(Path::new("/r/base/deploy.yaml"), base, &files)
            .is_empty());
    }
}
