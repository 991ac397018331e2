//! The image and pull policy a container ends up with in each overlay build, and which
//! containers each `images:` entry rewrites.

use std::path::{Path, PathBuf};

use super::chain::{apply_chain, AppliedStep};
use super::image_fields::image_fields;
use super::patches::{ImageEdits, PatchedBy};
use super::workspace::{FileSource, OverlayChain, WorkspaceIndex};
use crate::image::{default_pull_policy, PullPolicy};
use crate::k8s::EffectivePolicy;
use crate::text::TextRange;
use crate::yaml::YamlFile;

/// One image field of a manifest (a container's `image`, or an image volume's
/// `reference`) as one overlay build deploys it.
#[derive(Debug, Clone)]
pub struct EffectiveImage {
    /// The YAML document of the manifest.
    pub document: usize,
    /// Dotted path of the container in its object, e.g. `spec.template.spec.containers[0]`
    /// (the same as [`crate::k8s::Container::path`]).
    pub container_path: String,
    pub container_name: Option<String>,
    /// `Deployment/web`.
    pub object: String,
    /// The `image` value in the manifest.
    pub image_range: TextRange,
    /// The image as written in the manifest.
    pub written: String,
    /// Index into the chains the images were computed for.
    pub chain: usize,
    /// The image after the chain.
    pub image: String,
    /// The entries that matched, in order (an entry twice when both of kustomize's
    /// filters reach the field).
    pub steps: Vec<AppliedStep>,
    /// The policy in force: the written one, else the API-server default for [`Self::image`].
    pub policy: EffectivePolicy,
    /// A patch (or replacement, transformer) of the build that may set this container's
    /// image or pull policy: then [`Self::image`] and [`Self::policy`] are what the
    /// `images:` entries alone give. Set by [`super::ImageEdits::mark`].
    pub patched_by: Option<PatchedBy>,
}

impl EffectiveImage {
    /// Whether the overlay changes the image.
    pub fn changed(&self) -> bool {
        self.image != self.written
    }

    /// `(as written, after the overlay)` when no policy is written and the overlay changes
    /// the API-server default, e.g. `newTag: latest` turning IfNotPresent into Always.
    pub fn default_policy_change(&self) -> Option<(PullPolicy, PullPolicy)> {
        let EffectivePolicy::Default { policy, .. } = self.policy else {
            return None;
        };
        let (written, _) = default_pull_policy(&self.written);
        (written != policy).then_some((written, policy))
    }
}

/// Every image field kustomize's transformer reaches in `text` (see [`image_fields`]),
/// once per chain. The policy is recomputed from the rewritten image unless one is written.
pub fn effective_images(text: &str, chains: &[OverlayChain]) -> Vec<EffectiveImage> {
    if chains.is_empty() {
        return Vec::new();
    }
    let file = YamlFile::parse(text);
    let mut out = Vec::new();
    for field in image_fields(text, &file) {
        for (index, chain) in chains.iter().enumerate() {
            let (image, steps) = apply_chain(&field.image, &chain.entries, field.site);
            let policy = field.written_policy.clone().unwrap_or_else(|| {
                let (policy, reason) = default_pull_policy(&image);
                EffectivePolicy::Default { policy, reason }
            });
            out.push(EffectiveImage {
                document: field.document,
                container_path: field.path.clone(),
                container_name: field.name.clone(),
                object: field.object.clone(),
                image_range: field.image_range.clone(),
                written: field.image.clone(),
                chain: index,
                image,
                steps,
                policy,
                patched_by: None,
            });
        }
    }
    out
}

/// The containers one `images:` entry rewrites.
#[derive(Debug, Clone)]
pub struct EntryUsage {
    /// The entry's index in the kustomization's `images:`.
    pub index: usize,
    pub rewrites: Vec<EntryRewrite>,
}

/// One container an entry matched: its image before the entry ran and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRewrite {
    pub file: PathBuf,
    pub document: usize,
    pub container_path: String,
    pub container_name: Option<String>,
    pub before: String,
    pub after: String,
}

/// Adds what `step` (of one entry) did to the container of `effective` in `manifest`: one
/// rewrite per container, from the first input to the last output (an entry runs twice on
/// fields both of kustomize's filters reach).
pub(crate) fn record_rewrite(
    rewrites: &mut Vec<EntryRewrite>,
    manifest: &Path,
    effective: &EffectiveImage,
    step: &AppliedStep,
) {
    let same_container = |r: &&mut EntryRewrite| {
        r.file == manifest
            && r.document == effective.document
            && r.container_path == effective.container_path
    };
    match rewrites.iter_mut().find(same_container) {
        Some(rewrite) if rewrite.after == step.before => rewrite.after.clone_from(&step.after),
        Some(_) => {}
        None => rewrites.push(EntryRewrite {
            file: manifest.to_path_buf(),
            document: effective.document,
            container_path: effective.container_path.clone(),
            container_name: effective.container_name.clone(),
            before: step.before.clone(),
            after: step.after.clone(),
        }),
    }
}

impl WorkspaceIndex {
    /// For each `images:` entry of a kustomization (or component) file, the containers it
    /// rewrites in the builds that include it (Argo CD / Flux overrides aside). An entry with
    /// no rewrites matches nothing. Manifests are read through `source` (once each).
    pub fn entry_usage(
        &self,
        kustomization_file: &Path,
        source: &dyn FileSource,
    ) -> Vec<EntryUsage> {
        let Some(kustomization) = self.kustomization(kustomization_file) else {
            return Vec::new();
        };
        let kustomization_file = super::workspace::normalize(kustomization_file);
        let mut usage: Vec<EntryUsage> = (0..kustomization.images.len())
            .map(|index| EntryUsage {
                index,
                rewrites: Vec::new(),
            })
            .collect();
        let dir = kustomization_file.parent().unwrap_or(Path::new(""));
        let edits = ImageEdits::new(self, source);
        for manifest in self.manifests_affected_by(dir) {
            let chains: Vec<OverlayChain> = self
                .chains_for(&manifest)
                .into_iter()
                .filter(|chain| chain.deployer.is_none())
                .collect();
            let Some(text) = source.read(&manifest).filter(|_| !chains.is_empty()) else {
                continue;
            };
            let mut images = effective_images(&text, &chains);
            edits.drop_deleted(&chains, &mut images);
            for effective in images {
                for step in &effective.steps {
                    if step.origin.file != kustomization_file {
                        continue;
                    }
                    let Some(entry) = usage.get_mut(step.origin.index) else {
                        continue;
                    };
                    record_rewrite(&mut entry.rewrites, &manifest, &effective, step);
                }
            }
        }
        usage
    }

    /// [`effective_images`] of `text` (the contents of `file`) for every overlay that
    /// includes `file`, with the chains the results index into and the patches that may
    /// change them marked (patch files read through `source`).
    pub fn effective_images(
        &self,
        file: &Path,
        text: &str,
        source: &dyn FileSource,
    ) -> (Vec<OverlayChain>, Vec<EffectiveImage>) {
        let chains = self.chains_for(file);
        let images = self.patched_effective_images(text, &chains, source);
        (chains, images)
    }

    /// [`effective_images`] of `text` for `chains`, each marked with the patch of its build
    /// that may change it ([`EffectiveImage::patched_by`]); none of an object its build
    /// deletes.
    pub fn patched_effective_images(
        &self,
        text: &str,
        chains: &[OverlayChain],
        source: &dyn FileSource,
    ) -> Vec<EffectiveImage> {
        let mut images = effective_images(text, chains);
        let edits = ImageEdits::new(self, source);
        edits.drop_deleted(chains, &mut images);
        edits.mark(chains, &mut images);
        images
    }
}
