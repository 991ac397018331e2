//! GitOps awareness: the image a container really runs after kustomize overlays, Argo CD /
//! Flux overrides and Helm values, and the pull policy Kubernetes derives from it.
//!
//! - [`kustomize_image`]: the `images:` transformer on one image string (spec §6).
//! - [`kustomization`]: a `kustomization.yaml` with byte ranges.
//! - [`deployers`]: Argo CD Application and Flux Kustomization / HelmRelease overrides.
//! - [`workspace`]: the index of which kustomizations include which files.
//! - [`mod@image_fields`], [`chain`] and [`effective`]: where the transformer looks in a
//!   manifest, and running an overlay's entries over each image it finds.
//! - [`helm`]: chart templates rendered against `values.yaml` for the simple shapes, and
//!   [`helm_release`]: Flux HelmRelease post-renderers over what a local chart renders.
//! - [`mod@findings`]: cross-file findings from the index (`overlay-changes-policy`), shared
//!   by the CLI and the language server.
//!
//! Everything here is pure: files come in through [`workspace::FileSource`].

pub mod chain;
pub mod deployer_usage;
pub mod deployers;
pub mod effective;
pub mod findings;
mod go_regex;
pub mod helm;
pub mod helm_release;
pub mod helm_sources;
pub mod image_fields;
pub mod kustomization;
pub mod kustomize_image;
pub mod patches;
pub mod workspace;

pub use chain::{apply_chain, AppliedStep, ChainEntry, EntryOrigin, RewriteSite};
pub use deployer_usage::{
    deployer_entry_at, DeployerEntry, DeployerEntryAt, DeployerSource, DeployerUsage, Unresolved,
};
pub use deployers::{
    find_deployer_images, may_declare_deployer, parse_argocd_image, DeployerImages, DeployerKind,
    MergeSource, MergedEntry,
};
pub use effective::{effective_images, EffectiveImage, EntryRewrite, EntryUsage};
pub use findings::{
    agreed_images, base_changes, base_findings, demote_overlay_changed_fixes, demoted_fix_title,
    findings, findings_in, overlay_change_for, AgreedImage, BaseChange, BuildChange,
};
pub use helm::{helm_images, resolve_scalar, ChartContext, HelmImage, HelmValue};
pub use helm_release::post_rendered_images;
pub use helm_sources::{chart_for_source, find_helm_sources, HelmSource, ValuesSource};
pub use image_fields::{image_fields, ImageField};
pub use kustomization::{
    is_kustomization_file_name, FieldRange, ImagesEntry, ImagesEntryFields, Kustomization,
    Reference, ReferenceList, KUSTOMIZATION_FILE_NAMES,
};
pub use kustomize_image::{apply, split_image, CompiledOverride, ImageMatcher, ImageOverride};
pub use patches::{
    demote_patch_file_fixes, moot_in_patch_file, patch_file_fix_title, unsafe_in_patch_file,
    EditedContainers, ImageEdits, MergedContainer, PatchedBy, UnappliedEdit,
};
pub use workspace::{CutWalks, DeployerRef, FileSource, OverlayChain, WorkspaceIndex};
