//! Cross-file findings computed from the [`WorkspaceIndex`], shared by `gitops-ls check`
//! and the language server so both report the same thing:
//!
//! - `overlay-changes-policy`: an `images:` entry changes the API-server default pull
//!   policy of a container that relies on it (`newTag: latest` turning IfNotPresent into
//!   Always). Reported on the entry, with the container as a related location; the language
//!   server also annotates the base container ([`base_changes`], [`base_findings`]).
//! - `unused-image-entry`: an `images:` entry that rewrites nothing in any build that runs
//!   it, when every input of those builds is known.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::chain::AppliedStep;
use super::effective::EffectiveImage;
use super::helm::{helm_images, ChartContext, HelmImage, HelmValue};
use super::helm_release::post_rendered_images;
use super::helm_sources::{chart_for_source, HelmSource};
use super::kustomization::{is_kustomization_file_name, ImagesEntry};
use super::patches::PatchedBy;
use super::workspace::{normalize, short_path, CutWalks, FileSource, OverlayChain, WorkspaceIndex};
use crate::finding::{ContainerLabel, Finding, RelatedLocation, Severity};
use crate::image::{default_pull_policy, PullPolicy};
use crate::k8s::EffectivePolicy;
use crate::suppress::Suppressions;
use crate::text::{LineIndex, TextRange};
use crate::yaml::YamlFile;

/// The rule ids (registered in [`crate::rules::RULES`] for configuration and docs; they
/// run here, not in [`crate::analyze`]).
pub const OVERLAY_CHANGES_POLICY: &str = "overlay-changes-policy";
pub const UNUSED_IMAGE_ENTRY: &str = "unused-image-entry";

/// The configured severity of a rule for a file (`Off` drops the finding).
pub type SeverityOf<'a> = &'a dyn Fn(&Path, &str) -> Severity;

/// Every cross-file finding of the workspace, keyed by the file it is reported in (a
/// kustomization, or the Argo CD / Flux object that holds the entry). `root` makes the
/// paths in messages short. Suppression comments in the reported file are honoured.
pub fn findings(
    index: &WorkspaceIndex,
    source: &dyn FileSource,
    root: &Path,
    severity_of: SeverityOf,
) -> Vec<(PathBuf, Finding)> {
    let mut kustomizations: Vec<PathBuf> =
        index.kustomization_files().map(Path::to_path_buf).collect();
    kustomizations.sort();
    let mut manifests = index.manifests_under_each(
        kustomizations
            .iter()
            .map(|file| file.parent().unwrap_or(Path::new(""))),
    );
    let templates = index.templates_by_chart();
    for chart in index.charts() {
        if !index.release_chains(chart).is_empty() {
            manifests.extend(templates.get(chart).into_iter().flatten().cloned());
        }
    }
    let mut out = policy_change_findings(index, source, root, &manifests, severity_of, None);
    out.extend(helm_values_findings(index, source, root, severity_of, None));
    let mut cut = CutWalks::default();
    for file in &kustomizations {
        out.extend(
            unused_entries(index, source, file, severity_of, &mut cut)
                .into_iter()
                .map(|finding| (file.clone(), finding)),
        );
    }
    drop_suppressed(&mut out, source);
    out.sort_by(|a, b| (&a.0, a.1.range.start).cmp(&(&b.0, b.1.range.start)));
    out
}

/// The cross-file findings reported in one file: a kustomization's entries, or the
/// overrides of the Argo CD / Flux objects it holds. For the language server, which
/// publishes them with the file's own diagnostics.
pub fn findings_in(
    index: &WorkspaceIndex,
    source: &dyn FileSource,
    root: &Path,
    file: &Path,
    severity_of: SeverityOf,
) -> Vec<Finding> {
    let file = normalize(file);
    let mut manifests = Vec::new();
    let is_kustomization = file
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(is_kustomization_file_name);
    if is_kustomization && index.kustomization(&file).is_some() {
        manifests = index.manifests_affected_by(file.parent().unwrap_or(Path::new("")));
    }
    let mut seen: HashSet<PathBuf> = manifests.iter().cloned().collect();
    for deployer in index.deployers_in(&file) {
        let Some(dir) = deployer.path.as_deref().and_then(|p| index.deployer_dir(p)) else {
            continue;
        };
        // A kustomization's manifests, or the templates of a HelmRelease's chart.
        let mut targets = index.manifests_under(&dir);
        if deployer.kind == super::DeployerKind::FluxHelmRelease {
            let templates = index.files_under(&dir.join("templates"));
            targets.extend(
                templates
                    .into_iter()
                    .filter(|t| index.chart_of(t).is_some()),
            );
        }
        for manifest in targets {
            if seen.insert(manifest.clone()) {
                manifests.push(manifest);
            }
        }
    }
    let mut out = policy_change_findings(index, source, root, &manifests, severity_of, Some(&file));
    out.extend(helm_values_findings(
        index,
        source,
        root,
        severity_of,
        Some(&file),
    ));
    if is_kustomization {
        out.extend(
            unused_entries(index, source, &file, severity_of, &mut CutWalks::default())
                .into_iter()
                .map(|finding| (file.clone(), finding)),
        );
    }
    drop_suppressed(&mut out, source);
    let mut found: Vec<Finding> = out.into_iter().map(|(_, finding)| finding).collect();
    found.sort_by_key(|finding| finding.range.start);
    found
}

/// `overlay-changes-policy` findings for the images of `manifests`, keyed by the file of
/// the responsible entry; only those in `only_in` when given.
fn policy_change_findings(
    index: &WorkspaceIndex,
    source: &dyn FileSource,
    root: &Path,
    manifests: &[PathBuf],
    severity_of: SeverityOf,
    only_in: Option<&Path>,
) -> Vec<(PathBuf, Finding)> {
    let mut out: Vec<(PathBuf, Finding)> = Vec::new();
    let mut reported = HashSet::new();
    for manifest in manifests {
        let Some(text) = source.read(manifest) else {
            continue;
        };
        let (chains, images) = deployed_images(index, manifest, &text, source);
        // A patch of the build may set this container's image or policy: the entries
        // alone do not tell what it deploys.
        for image in images
            .into_iter()
            .filter(|image| image.patched_by.is_none())
        {
            let Some((before, after)) = image.default_policy_change() else {
                continue;
            };
            let Some(step) = responsible_step(&image) else {
                continue;
            };
            if only_in.is_some_and(|file| file != step.origin.file) {
                continue;
            }
            let key = (
                step.origin.file.clone(),
                step.origin.range.clone(),
                manifest.clone(),
                image.document,
                image.container_path.clone(),
            );
            if !reported.insert(key) {
                continue;
            }
            let severity = severity_of(&step.origin.file, OVERLAY_CHANGES_POLICY);
            if severity == Severity::Off {
                continue;
            }
            let container = image.container_name.as_deref().unwrap_or("?");
            let message = format!(
                "this entry turns \"{}\" into \"{}\" for container {container} ({} in {}), which \
                 sets no imagePullPolicy: the default changes from {} to {}{}",
                step.before,
                step.after,
                image.object,
                short_path(manifest, root),
                before.as_str(),
                after.as_str(),
                overlay_note(&chains[image.chain], root),
            );
            out.push((
                step.origin.file.clone(),
                Finding {
                    rule: OVERLAY_CHANGES_POLICY,
                    severity,
                    message,
                    range: entry_range(index, step),
                    container: Some(label(&image)),
                    fixes: Vec::new(),
                    related: vec![RelatedLocation {
                        file: Some(manifest.clone()),
                        range: image.image_range.clone(),
                        message: format!(
                            "container {container} relies on the default ({} as written)",
                            before.as_str()
                        ),
                    }],
                },
            ));
        }
    }
    out
}

/// `overlay-changes-policy` for the Argo CD / Flux objects that render a repository chart
/// with values of their own ([`super::helm_sources`]): a templated container that renders
/// no pull policy and whose default those values change (a `parameters` entry setting
/// `image.tag=latest`). Reported on the object's `helm` (or `values`) key; only those in
/// `only_in` when given.
fn helm_values_findings(
    index: &WorkspaceIndex,
    source: &dyn FileSource,
    root: &Path,
    severity_of: SeverityOf,
    only_in: Option<&Path>,
) -> Vec<(PathBuf, Finding)> {
    // The objects to check, by chart: each chart's values and templates are read, and its
    // containers rendered with values.yaml alone, once.
    let charts: HashSet<&Path> = index.charts().into_iter().collect();
    let mut by_chart: BTreeMap<PathBuf, Vec<(&Path, &HelmSource, Severity)>> = BTreeMap::new();
    for (file, found) in index.all_helm_sources() {
        if only_in.is_some_and(|only| only != file) {
            continue;
        }
        let severity = severity_of(file, OVERLAY_CHANGES_POLICY);
        let Some(chart_dir) = index.deployer_dir(&found.path) else {
            continue;
        };
        if severity != Severity::Off && charts.contains(chart_dir.as_path()) {
            by_chart
                .entry(chart_dir)
                .or_default()
                .push((file, found, severity));
        }
    }
    let mut out = Vec::new();
    for (chart_dir, objects) in by_chart {
        let values = ChartContext::load(&chart_dir, source);
        let templates: Vec<(PathBuf, String, Vec<HelmImage>)> = index
            .chart_templates(&chart_dir)
            .into_iter()
            .filter_map(|template| {
                let text = source.read(&template)?;
                let before = helm_images(&text, &values);
                Some((template, text, before))
            })
            .collect();
        for (file, found, severity) in objects {
            let (deployed, _) = chart_for_source(&values, &chart_dir, found, source);
            for (template, text, before) in &templates {
                let after = helm_images(text, &deployed);
                for (was, now) in before.iter().zip(&after) {
                    if let Some(finding) =
                        helm_values_change(found, template, was, now, severity, root)
                    {
                        out.push((file.to_owned(), finding));
                    }
                }
            }
        }
    }
    out
}

/// The finding for one templated container rendered with values.yaml alone (`was`) and
/// with the values of `found` (`now`), when its default pull policy changes.
fn helm_values_change(
    found: &HelmSource,
    template: &Path,
    was: &HelmImage,
    now: &HelmImage,
    severity: Severity,
    root: &Path,
) -> Option<Finding> {
    let (
        EffectivePolicy::Default { policy: from, .. },
        EffectivePolicy::Default { policy: to, .. },
    ) = (&was.policy, &now.policy)
    else {
        return None;
    };
    let HelmValue::Resolved {
        value: Some(image), ..
    } = &now.image
    else {
        return None;
    };
    if from == to || was.container_path != now.container_path {
        return None;
    }
    let container = now.container_name.as_deref().unwrap_or("?");
    let name = found.name.as_deref().unwrap_or("(unnamed)");
    Some(Finding {
        rule: OVERLAY_CHANGES_POLICY,
        severity,
        message: format!(
            "with the values of {} {name} ({}), container {container} ({} in {}) renders \
             \"{image}\" and no imagePullPolicy: the default changes from {} (values.yaml) \
             to {}",
            found.kind.kind_name(),
            found.values_label(),
            now.object,
            short_path(template, root),
            from.as_str(),
            to.as_str(),
        ),
        range: found.range.clone(),
        container: Some(ContainerLabel {
            name: now.container_name.clone(),
            path: now.container_path.clone(),
            object: now.object.clone(),
        }),
        fixes: Vec::new(),
        related: now
            .image_range
            .clone()
            .map(|range| RelatedLocation {
                file: Some(template.to_owned()),
                range,
                message: format!(
                    "container {container} renders its image here; {} with values.yaml alone",
                    from.as_str()
                ),
            })
            .into_iter()
            .collect(),
    })
}

/// A container of a manifest that sets no pull policy, and the builds that change its
/// default by rewriting its image.
#[derive(Debug, Clone)]
pub struct BaseChange {
    pub document: usize,
    pub container_path: String,
    pub container_name: Option<String>,
    /// `Deployment/web`.
    pub object: String,
    pub image_range: TextRange,
    /// The default for the image as written.
    pub written_default: PullPolicy,
    pub builds: Vec<BuildChange>,
}

/// One build that deploys a container with another default pull policy.
#[derive(Debug, Clone)]
pub struct BuildChange {
    /// `overlays/dev`, or `overlays/dev via Application web`.
    pub build: String,
    pub image: String,
    pub policy: PullPolicy,
    /// The entry that changed the default, or the patches that may set the image.
    pub entry_file: PathBuf,
    pub entry_range: TextRange,
    /// The build has a patch (replacement, transformer) that may set the container's image
    /// or pull policy: [`Self::image`] and [`Self::policy`] are what its `images:` entries
    /// alone give, and the default may change either way.
    pub patched_by: Option<PatchedBy>,
}

impl BuildChange {
    /// The change is computed, not just possible through a patch.
    pub fn is_known(&self) -> bool {
        self.patched_by.is_none()
    }
}

/// The containers of `manifest` (whose contents are `text`) whose default pull policy some
/// build that includes it changes, or may change through a patch. Patch files are read
/// through `source`.
pub fn base_changes(
    index: &WorkspaceIndex,
    root: &Path,
    manifest: &Path,
    text: &str,
    source: &dyn FileSource,
) -> Vec<BaseChange> {
    let (chains, images) = deployed_images(index, manifest, text, source);
    changes_from(index, root, &chains, images)
}

/// The images of `file` (whose contents are `text`) as each build that deploys it runs
/// them: for a manifest, the kustomize overlays that include it (and the Argo CD / Flux
/// objects pointing at them); for a chart template, the Flux HelmReleases of the chart,
/// whose post-renderers rewrite what Helm renders from `values.yaml`.
pub fn deployed_images(
    index: &WorkspaceIndex,
    file: &Path,
    text: &str,
    source: &dyn FileSource,
) -> (Vec<OverlayChain>, Vec<EffectiveImage>) {
    if let Some(chart) = index.chart_of(file) {
        let chains = index.release_chains(chart);
        if chains.is_empty() {
            return (chains, Vec::new());
        }
        let helm = helm_images(text, &ChartContext::load(chart, source));
        let images = post_rendered_images(text, &helm, &chains);
        return (chains, images);
    }
    index.effective_images(file, text, source)
}

/// The [`BaseChange`]s among `images` (computed for `chains`, patches marked).
pub fn changes_from(
    index: &WorkspaceIndex,
    root: &Path,
    chains: &[OverlayChain],
    images: Vec<EffectiveImage>,
) -> Vec<BaseChange> {
    let mut out: Vec<BaseChange> = Vec::new();
    for image in images {
        let build = build_label(&chains[image.chain], root);
        let build = match (&image.patched_by, &image.policy) {
            (Some(patched), EffectivePolicy::Default { policy, .. }) => BuildChange {
                build,
                image: image.image.clone(),
                policy: *policy,
                entry_file: patched.kustomization.clone(),
                entry_range: patched.range.clone(),
                patched_by: Some(patched.clone()),
            },
            (Some(_), _) => continue,
            (None, _) => {
                let Some((_, after)) = image.default_policy_change() else {
                    continue;
                };
                let Some(step) = responsible_step(&image) else {
                    continue;
                };
                BuildChange {
                    build,
                    image: image.image.clone(),
                    policy: after,
                    entry_file: step.origin.file.clone(),
                    entry_range: entry_range(index, step),
                    patched_by: None,
                }
            }
        };
        let before = default_pull_policy(&image.written).0;
        let same = |change: &&mut BaseChange| {
            change.document == image.document && change.container_path == image.container_path
        };
        match out.iter_mut().find(same) {
            Some(change) => change.builds.push(build),
            None => out.push(BaseChange {
                document: image.document,
                container_path: image.container_path.clone(),
                container_name: image.container_name.clone(),
                object: image.object.clone(),
                image_range: image.image_range.clone(),
                written_default: before,
                builds: vec![build],
            }),
        }
    }
    out
}

/// The base side of `overlay-changes-policy`, for the language server: an Info finding on
/// the image of each container in [`base_changes`], with the responsible entries as related
/// locations. `check` reports the entries only, so a change is counted once in CI.
pub fn base_findings(text: &str, changes: &[BaseChange], severity: Severity) -> Vec<Finding> {
    if severity == Severity::Off || changes.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let suppressions = Suppressions::collect(text, &lines, &YamlFile::parse(text));
    changes
        .iter()
        .filter(|change| {
            let line = lines.line_of(change.image_range.start);
            change.builds.iter().any(BuildChange::is_known)
                && !suppressions.is_suppressed(line, OVERLAY_CHANGES_POLICY)
        })
        .map(|change| {
            let known = || change.builds.iter().filter(|build| build.is_known());
            let builds: Vec<String> = known()
                .map(|build| {
                    format!(
                        "{} deploys {} ({})",
                        build.build,
                        build.image,
                        build.policy.as_str()
                    )
                })
                .collect();
            let message = format!(
                "no imagePullPolicy, and the builds that deploy it change the default: {} here, but {}; set \
                 imagePullPolicy to say which one you mean",
                change.written_default.as_str(),
                builds.join(", ")
            );
            let mut related: Vec<RelatedLocation> = Vec::new();
            for build in known() {
                let duplicate = related.iter().any(|r| {
                    r.file.as_ref() == Some(&build.entry_file) && r.range == build.entry_range
                });
                if !duplicate {
                    related.push(RelatedLocation {
                        file: Some(build.entry_file.clone()),
                        range: build.entry_range.clone(),
                        message: format!("the images: entry used by {}", build.build),
                    });
                }
            }
            Finding {
                rule: OVERLAY_CHANGES_POLICY,
                severity: severity.min(Severity::Info),
                message,
                range: change.image_range.clone(),
                container: Some(ContainerLabel {
                    name: change.container_name.clone(),
                    path: change.container_path.clone(),
                    object: change.object.clone(),
                }),
                fixes: Vec::new(),
                related,
            }
        })
        .collect()
}

/// The change of [`base_changes`] that concerns the container of an `implicit-pull-policy`
/// finding: inserting the written image's default keeps what the base deploys but changes
/// what those builds deploy, so that fix is no longer safe to apply unreviewed.
pub fn overlay_change_for<'a>(
    finding: &Finding,
    changes: &'a [BaseChange],
) -> Option<&'a BaseChange> {
    if finding.rule != "implicit-pull-policy" {
        return None;
    }
    let label = finding.container.as_ref()?;
    changes
        .iter()
        .find(|change| change.container_path == label.path && change.object == label.object)
}

/// The title of a policy fix that [`overlay_change_for`] demotes: it says what it changes.
pub fn demoted_fix_title(title: &str, change: &BaseChange) -> String {
    let others = match change.builds.len() {
        1 => String::new(),
        2 => " (and 1 more build)".to_owned(),
        n => format!(" (and {} more builds)", n - 1),
    };
    let first = change
        .builds
        .iter()
        .find(|build| build.is_known())
        .unwrap_or(&change.builds[0]);
    match &first.patched_by {
        None => format!(
            "{title}: {} deploys {}, which defaults to {}{others}",
            first.build,
            first.image,
            first.policy.as_str()
        ),
        Some(patched) if patched.dir_label == first.build => format!(
            "{title}: the {} of {} may set another image{others}",
            patched.field, patched.dir_label
        ),
        Some(patched) => format!(
            "{title}: the {} of {} may set another image in {}{others}",
            patched.field, patched.dir_label, first.build
        ),
    }
}

/// Demotes the safe fixes [`overlay_change_for`] names (for `check --fix`).
pub fn demote_overlay_changed_fixes(findings: &mut [Finding], changes: &[BaseChange]) {
    for finding in findings.iter_mut() {
        let Some(change) = overlay_change_for(finding, changes) else {
            continue;
        };
        for fix in finding.fixes.iter_mut().filter(|fix| fix.safe) {
            fix.safe = false;
            fix.title = demoted_fix_title(&fix.title, change);
        }
    }
}

/// A container that every deployed build including its file (a kustomization no other one
/// includes, or an Argo CD / Flux object) deploys with the same image, which is not the one
/// written: what the editor shows inline.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreedImage {
    pub image_range: TextRange,
    pub image: String,
    pub policy: crate::k8s::EffectivePolicy,
    /// How many deployed builds include the file.
    pub builds: usize,
}

/// The [`AgreedImage`]s of `manifest` (whose contents are `text`).
/// A build whose patches may set the image shows none.
pub fn agreed_images(
    index: &WorkspaceIndex,
    manifest: &Path,
    text: &str,
    source: &dyn FileSource,
) -> Vec<AgreedImage> {
    let chains: Vec<OverlayChain> = index
        .chains_for(manifest)
        .into_iter()
        .filter(|chain| chain.is_root || chain.deployer.is_some())
        .collect();
    let images = index.patched_effective_images(text, &chains, source);
    // `effective_images` lists each field once per chain, chains innermost.
    images
        .chunks(chains.len().max(1))
        .filter(|per_chain| per_chain.iter().any(EffectiveImage::changed))
        .filter(|per_chain| per_chain.iter().all(|image| image.patched_by.is_none()))
        .filter(|per_chain| {
            per_chain.iter().all(|image| {
                image.image == per_chain[0].image && image.policy == per_chain[0].policy
            })
        })
        .map(|per_chain| AgreedImage {
            image_range: per_chain[0].image_range.clone(),
            image: per_chain[0].image.clone(),
            policy: per_chain[0].policy.clone(),
            builds: per_chain.len(),
        })
        .collect()
}

/// `unused-image-entry`: the entries of a kustomization that rewrite nothing in any build
/// that runs them. Quiet when a build has inputs the index does not follow.
fn unused_entries(
    index: &WorkspaceIndex,
    source: &dyn FileSource,
    file: &Path,
    severity_of: SeverityOf,
    cut: &mut CutWalks,
) -> Vec<Finding> {
    let Some(kustomization) = index.kustomization(file) else {
        return Vec::new();
    };
    let severity = severity_of(file, UNUSED_IMAGE_ENTRY);
    let dir = file.parent().unwrap_or(Path::new(""));
    if kustomization.images.is_empty()
        || severity == Severity::Off
        || index.unknown_inputs_with(dir, cut).is_some()
    {
        return Vec::new();
    }
    let manifests = index.manifests_affected_by(dir);
    // A manifest that cannot be read or parsed may hold the container an entry is for.
    let unreadable = manifests.iter().any(|manifest| {
        source.read(manifest).is_none_or(|text| {
            YamlFile::parse(&text)
                .documents
                .iter()
                .any(|doc| doc.error.is_some())
        })
    });
    if unreadable {
        return Vec::new();
    }
    index
        .entry_usage(file, source)
        .into_iter()
        .filter(|usage| usage.rewrites.is_empty())
        .filter_map(|usage| {
            let entry = kustomization.images.get(usage.index)?;
            let name = &entry.image.name;
            let range = entry
                .fields
                .name
                .as_ref()
                .map_or_else(|| entry.range.clone(), |field| field.value.clone());
            Some(Finding {
                rule: UNUSED_IMAGE_ENTRY,
                severity,
                message: format!(
                    "no container of the builds that run this kustomization uses the image \
                     \"{name}\", so this entry changes nothing (kustomize ignores it silently); \
                     names are compared as written: `nginx` does not match \
                     `docker.io/library/nginx`"
                ),
                range,
                container: None,
                fixes: Vec::new(),
                related: Vec::new(),
            })
        })
        .collect()
}

fn label(image: &EffectiveImage) -> ContainerLabel {
    ContainerLabel {
        name: image.container_name.clone(),
        path: image.container_path.clone(),
        object: image.object.clone(),
    }
}

/// The last entry that changed the default policy of the image it rewrote.
fn responsible_step(image: &EffectiveImage) -> Option<&AppliedStep> {
    image
        .steps
        .iter()
        .rev()
        .find(|step| default_pull_policy(&step.before).0 != default_pull_policy(&step.after).0)
}

/// The entry's `newTag` (else `digest`, `newName`, the whole entry) in its file.
fn entry_range(index: &WorkspaceIndex, step: &AppliedStep) -> TextRange {
    let same_entry = |entry: &&ImagesEntry| entry.range == step.origin.range;
    let in_kustomization = index
        .kustomization(&step.origin.file)
        .and_then(|k| k.images.get(step.origin.index))
        .filter(same_entry);
    // Else an Argo CD / Flux override (an Argo CD string has no fields).
    let entry = in_kustomization.or_else(|| {
        let deployers = index.deployers_in(&step.origin.file);
        deployers.iter().flat_map(|d| &d.images).find(same_entry)
    });
    let fields = entry.map(|entry| &entry.fields);
    fields
        .and_then(|f| {
            [&f.new_tag, &f.digest, &f.tag_suffix, &f.new_name, &f.name]
                .into_iter()
                .find_map(|field| field.as_ref().map(|field| field.value.clone()))
        })
        .unwrap_or_else(|| step.origin.range.clone())
}

fn overlay_note(chain: &OverlayChain, root: &Path) -> String {
    format!(" (build of {})", build_label(chain, root))
}

/// `overlays/dev`, or `overlays/dev through Application web`.
fn build_label(chain: &OverlayChain, root: &Path) -> String {
    let dir = short_path(chain.overlay.parent().unwrap_or(Path::new("")), root);
    match &chain.deployer {
        Some(deployer) => format!(
            "{dir} through {} {}",
            deployer.kind.kind_name(),
            deployer.name.as_deref().unwrap_or("(unnamed)")
        ),
        None => dir,
    }
}

/// Drops findings on lines with a `# gitops-ls-ignore` comment for the rule.
fn drop_suppressed(out: &mut Vec<(PathBuf, Finding)>, source: &dyn FileSource) {
    let files: HashSet<PathBuf> = out.iter().map(|(file, _)| file.clone()).collect();
    let mut by_file: HashMap<PathBuf, (LineIndex, Suppressions)> = HashMap::new();
    for file in files {
        if let Some(text) = source.read(&file) {
            let lines = LineIndex::new(&text);
            let suppressions = Suppressions::collect(&text, &lines, &YamlFile::parse(&text));
            by_file.insert(file, (lines, suppressions));
        }
    }
    out.retain(|(file, finding)| {
        by_file.get(file).is_none_or(|(lines, suppressions)| {
            !suppressions.is_suppressed(lines.line_of(finding.range.start), finding.rule)
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n      - name: pinned\n        image: redis:7\n        imagePullPolicy: IfNotPresent\n";

    fn workspace(overlay: &str) -> (WorkspaceIndex, HashMap<PathBuf, String>) {
        workspace_with(overlay, &[])
    }

    /// The base, the overlay `overlays/dev`, and `extra` files.
    fn workspace_with(
        overlay: &str,
        extra: &[(&str, &str)],
    ) -> (WorkspaceIndex, HashMap<PathBuf, String>) {
        let files: HashMap<PathBuf, String> = [
            ("/r/base/deployment.yaml", DEPLOYMENT),
            (
                "/r/base/kustomization.yaml",
                "resources: [deployment.yaml]\n",
            ),
            ("/r/overlays/dev/kustomization.yaml", overlay),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
        .collect();
        let index = WorkspaceIndex::build("/r", files.keys().cloned(), &files);
        (index, files)
    }

    fn run(overlay: &str) -> Vec<(PathBuf, Finding)> {
        let (index, files) = workspace(overlay);
        findings(&index, &files, Path::new("/r"), &|_, _| Severity::Warning)
    }

    #[test]
    fn new_tag_latest_on_a_defaulted_container_is_reported_on_the_entry() {
        let overlay = "resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest\n  - name: redis\n    newTag: latest\n";
        let found = run(overlay);
        assert_eq!(found.len(), 1, "{found:#?}");
        let (file, finding) = &found[0];
        assert_eq!(file, Path::new("/r/overlays/dev/kustomization.yaml"));
        assert_eq!(&overlay[finding.range.clone()], "latest");
        assert!(
            finding.message.contains("from IfNotPresent to Always")
                && finding.message.contains("base/deployment.yaml")
                && finding.message.contains("build of overlays/dev"),
            "{}",
            finding.message
        );
        let related = &finding.related[0];
        assert_eq!(
            related.file.as_deref(),
            Some(Path::new("/r/base/deployment.yaml"))
        );
        assert_eq!(&DEPLOYMENT[related.range.clone()], "nginx:1.25");
    }

    #[test]
    fn findings_in_one_file_are_those_of_the_whole_workspace_for_it() {
        let overlay = "resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest\n  - name: ngnix\n    newTag: \"1\"\n";
        let (index, files) = workspace(overlay);
        let all = findings(&index, &files, Path::new("/r"), &|_, _| Severity::Warning);
        let file = Path::new("/r/overlays/dev/kustomization.yaml");
        let in_file = findings_in(&index, &files, Path::new("/r"), file, &|_, _| {
            Severity::Warning
        });
        let expected: Vec<Finding> = all.into_iter().map(|(_, finding)| finding).collect();
        assert_eq!(in_file, expected);
        let rules: Vec<&str> = in_file.iter().map(|finding| finding.rule).collect();
        assert_eq!(rules, [OVERLAY_CHANGES_POLICY, UNUSED_IMAGE_ENTRY]);
        assert_eq!(&overlay[in_file[1].range.clone()], "ngnix");
        let base = Path::new("/r/base/kustomization.yaml");
        assert!(findings_in(&index, &files, Path::new("/r"), base, &|_, _| {
            Severity::Warning
        })
        .is_empty());
    }

    #[test]
    fn an_unused_entry_is_only_reported_when_every_input_is_known() {
        let unused = |overlay: &str| {
            run(overlay)
                .into_iter()
                .filter(|(_, finding)| finding.rule == UNUSED_IMAGE_ENTRY)
                .count()
        };
        assert_eq!(
            unused("resources: [../../base]\nimages:\n  - name: ngnix\n    newTag: \"1\"\n"),
            1
        );
        // Names are compared as written (spec §6): no Docker Hub normalisation.
        assert_eq!(
            unused("resources: [../../base]\nimages:\n  - name: docker.io/library/nginx\n    newTag: \"1\"\n"),
            1
        );
        // A patch, a remote resource or a missing file may bring the container.
        for overlay in [
            "resources: [../../base]\npatches:\n  - path: sidecar.yaml\nimages:\n  - name: ngnix\n    newTag: \"1\"\n",
            "resources: [../../base, https://example.com/app.yaml]\nimages:\n  - name: ngnix\n    newTag: \"1\"\n",
            "resources: [../../base, missing.yaml]\nimages:\n  - name: ngnix\n    newTag: \"1\"\n",
        ] {
            assert_eq!(unused(overlay), 0, "{overlay}");
        }
    }

    #[test]
    fn the_base_container_lists_the_builds_that_change_its_default() {
        let overlay = "resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest\n";
        let (index, files) = workspace(overlay);
        let manifest = Path::new("/r/base/deployment.yaml");
        let changes = base_changes(&index, Path::new("/r"), manifest, DEPLOYMENT, &files);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        let change = &changes[0];
        assert_eq!(change.container_name.as_deref(), Some("web"));
        assert_eq!(change.written_default, PullPolicy::IfNotPresent);
        assert_eq!(change.builds.len(), 1);
        assert_eq!(change.builds[0].build, "overlays/dev");
        assert_eq!(change.builds[0].image, "nginx:latest");
        assert_eq!(change.builds[0].policy, PullPolicy::Always);
        assert_eq!(&overlay[change.builds[0].entry_range.clone()], "latest");

        let found = base_findings(DEPLOYMENT, &changes, Severity::Warning);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
        assert_eq!(&DEPLOYMENT[found[0].range.clone()], "nginx:1.25");
        assert!(
            found[0]
                .message
                .contains("IfNotPresent here, but overlays/dev deploys nginx:latest (Always)"),
            "{}",
            found[0].message
        );
        assert_eq!(
            found[0].related[0].file.as_deref(),
            Some(Path::new("/r/overlays/dev/kustomization.yaml"))
        );
        assert!(base_findings(DEPLOYMENT, &changes, Severity::Off).is_empty());
        let ignored = DEPLOYMENT.replace(
            "image: nginx:1.25",
            "image: nginx:1.25 # gitops-ls-ignore: overlay-changes-policy",
        );
        let changes = base_changes(&index, Path::new("/r"), manifest, &ignored, &files);
        assert!(base_findings(&ignored, &changes, Severity::Warning).is_empty());

        // Both overlays agree: the editor can show the result inline.
        let agreed = agreed_images(&index, manifest, DEPLOYMENT, &files);
        assert_eq!(agreed.len(), 1, "{agreed:#?}");
        assert_eq!(agreed[0].image, "nginx:latest");
        assert_eq!(agreed[0].builds, 1);
    }

    #[test]
    fn the_safe_default_fix_is_demoted_when_an_overlay_changes_the_default() {
        let overlay = "resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest\n";
        let (index, files) = workspace(overlay);
        let manifest = Path::new("/r/base/deployment.yaml");
        let changes = base_changes(&index, Path::new("/r"), manifest, DEPLOYMENT, &files);
        let mut analysis = crate::analyze(DEPLOYMENT, &crate::Config::default());
        let safe_fixes = |findings: &[Finding]| {
            findings
                .iter()
                .flat_map(|finding| &finding.fixes)
                .filter(|fix| fix.safe)
                .count()
        };
        assert_eq!(safe_fixes(&analysis.findings), 1);
        demote_overlay_changed_fixes(&mut analysis.findings, &changes);
        assert_eq!(safe_fixes(&analysis.findings), 0);
        let titles: Vec<&str> = analysis
            .findings
            .iter()
            .flat_map(|finding| &finding.fixes)
            .map(|fix| fix.title.as_str())
            .collect();
        assert!(
            titles.iter().any(|title| title
                .contains(": overlays/dev deploys nginx:latest, which defaults to Always")),
            "{titles:?}"
        );
    }

    #[test]
    fn quiet_when_the_default_stays_or_is_suppressed_or_off() {
        assert!(
            run("resources: [../../base]\nimages:\n  - name: nginx\n    newTag: \"1.27\"\n")
                .is_empty()
        );
        let suppressed = "resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest # gitops-ls-ignore: overlay-changes-policy\n";
        assert!(run(suppressed).is_empty());
        let (index, files) =
            workspace("resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest\n");
        assert!(findings(&index, &files, Path::new("/r"), &|_, _| Severity::Off).is_empty());
    }

    const TO_LATEST: &str = "images:\n  - name: nginx\n    newTag: latest\n";

    /// A strategic-merge patch of the base Deployment that sets `container`'s image.
    fn image_patch(container: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: {container}\n        image: nginx:1.27\n"
        )
    }

    #[test]
    fn a_patch_that_may_set_the_image_holds_the_finding_back() {
        let overlay = format!("resources: [../../base]\npatches:\n  - path: web.yaml\n{TO_LATEST}");
        let patch = image_patch("web");
        let (index, files) = workspace_with(&overlay, &[("/r/overlays/dev/web.yaml", &patch)]);
        let found = findings(&index, &files, Path::new("/r"), &|_, _| Severity::Warning);
        assert!(found.is_empty(), "{found:#?}");

        // The base: no Info note, no inline hint, but the safe fix is still demoted, as
        // the patch may give the container an image with another default.
        let manifest = Path::new("/r/base/deployment.yaml");
        let changes = base_changes(&index, Path::new("/r"), manifest, DEPLOYMENT, &files);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        let patched = changes[0].builds[0].patched_by.as_ref().expect("patched");
        assert_eq!(patched.field, "patches");
        assert_eq!(&overlay[patched.range.clone()], "patches");
        assert!(base_findings(DEPLOYMENT, &changes, Severity::Warning).is_empty());
        assert!(agreed_images(&index, manifest, DEPLOYMENT, &files).is_empty());
        let mut analysis = crate::analyze(DEPLOYMENT, &crate::Config::default());
        demote_overlay_changed_fixes(&mut analysis.findings, &changes);
        let titles: Vec<&str> = analysis
            .findings
            .iter()
            .flat_map(|finding| &finding.fixes)
            .map(|fix| fix.title.as_str())
            .collect();
        assert!(
            titles
                .iter()
                .any(|title| title.contains(": the patches of overlays/dev may set another image")),
            "{titles:?}"
        );
        assert!(analysis
            .findings
            .iter()
            .flat_map(|finding| &finding.fixes)
            .all(|fix| !fix.safe));
    }

    #[test]
    fn a_patch_of_another_container_or_of_no_image_changes_nothing() {
        for (name, patch) in [
            ("sidecar", image_patch("sidecar")),
            ("replicas", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n".to_owned()),
        ] {
            let overlay = format!("resources: [../../base]\npatches:\n  - path: p.yaml\n{TO_LATEST}");
            let (index, files) = workspace_with(&overlay, &[("/r/overlays/dev/p.yaml", &patch)]);
            let found = findings(&index, &files, Path::new("/r"), &|_, _| Severity::Warning);
            assert_eq!(found.len(), 1, "{name}: {found:#?}");
            assert_eq!(found[0].1.rule, OVERLAY_CHANGES_POLICY);
            let manifest = Path::new("/r/base/deployment.yaml");
            let agreed = agreed_images(&index, manifest, DEPLOYMENT, &files);
            assert_eq!(agreed.len(), 1, "{name}");
        }
    }

    #[test]
    fn an_image_patch_without_images_entries_still_demotes_the_fix() {
        let web_patch = image_patch("web");
        let cases: [(&str, &[(&str, &str)]); 3] = [
            // A JSON patch may set any container's image.
            (
                "resources: [../../base]\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: nginx:latest\n",
                &[],
            ),
            // So may a patch file that cannot be read.
            ("resources: [../../base]\npatchesStrategicMerge: [missing.yaml]\n", &[]),
            // A component's patches run in the overlay that lists it.
            (
                "resources: [../../base]\ncomponents: [../c]\n",
                &[
                    (
                        "/r/overlays/c/kustomization.yaml",
                        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: [{path: web.yaml}]\n",
                    ),
                    ("/r/overlays/c/web.yaml", &web_patch),
                ],
            ),
        ];
        for (overlay, extra) in cases {
            let (index, files) = workspace_with(overlay, extra);
            let manifest = Path::new("/r/base/deployment.yaml");
            let changes = base_changes(&index, Path::new("/r"), manifest, DEPLOYMENT, &files);
            assert_eq!(changes.len(), 1, "{overlay}: {changes:#?}");
            assert!(changes[0].builds[0].patched_by.is_some(), "{overlay}");
        }
    }

    #[test]
    fn a_deployer_path_is_read_inside_the_repository_however_it_is_written() {
        for path in [
            "/overlays/dev",
            "/overlays/dev/",
            "./overlays/dev",
            "overlays/../overlays/dev/",
        ] {
            let app = format!("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: web}}\nspec:\n  source:\n    path: {path}\n    kustomize:\n      images: ['nginx:latest']\n");
            let (mut index, files) =
                workspace_with("resources: [../../base]\n", &[("/r/apps/web.yaml", &app)]);
            index.scan_deployers(&files);
            let found = findings(&index, &files, Path::new("/r"), &|_, _| Severity::Warning);
            let reported: Vec<(&Path, &str)> = found
                .iter()
                .map(|(file, finding)| (file.as_path(), finding.rule))
                .collect();
            assert_eq!(
                reported,
                [(Path::new("/r/apps/web.yaml"), OVERLAY_CHANGES_POLICY)],
                "{path}"
            );
            let manifest = Path::new("/r/base/deployment.yaml");
            let changes = base_changes(&index, Path::new("/r"), manifest, DEPLOYMENT, &files);
            let mut analysis = crate::analyze(DEPLOYMENT, &crate::Config::default());
            demote_overlay_changed_fixes(&mut analysis.findings, &changes);
            assert!(
                analysis
                    .findings
                    .iter()
                    .flat_map(|finding| &finding.fixes)
                    .all(|fix| !fix.safe),
                "{path}"
            );
        }
        // `..` out of the repository names no directory of it.
        let (index, _) = workspace("resources: [../../base]\n");
        assert_eq!(index.deployer_dir("../r/overlays/dev"), None);
        assert_eq!(
            index.deployer_dir("/overlays/dev/"),
            Some(PathBuf::from("/r/overlays/dev"))
        );
    }

    #[test]
    fn a_build_that_deletes_the_object_deploys_nothing_of_it() {
        let delete =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n$patch: delete\n";
        let inline = format!(
            "resources: [../../base]\npatches:\n  - patch: |-\n{}\n{TO_LATEST}",
            delete
                .lines()
                .map(|line| format!("      {line}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let by_file =
            format!("resources: [../../base]\npatchesStrategicMerge: [delete.yaml]\n{TO_LATEST}");
        let by_component = format!("resources: [../../base]\ncomponents: [../c]\n{TO_LATEST}");
        let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: [{path: delete.yaml}]\n";
        let cases: [(&str, &[(&str, &str)]); 3] = [
            (&inline, &[]),
            (&by_file, &[("/r/overlays/dev/delete.yaml", delete)]),
            (
                &by_component,
                &[
                    ("/r/overlays/c/kustomization.yaml", component),
                    ("/r/overlays/c/delete.yaml", delete),
                ],
            ),
        ];
        for (overlay, extra) in cases {
            let (index, files) = workspace_with(overlay, extra);
            let found = findings(&index, &files, Path::new("/r"), &|_, _| Severity::Warning);
            assert!(found.is_empty(), "{overlay}: {found:#?}");
            // The entry rewrites nothing the build deploys (the patch holds back
            // unused-image-entry: patches may add containers).
            let dev = Path::new("/r/overlays/dev/kustomization.yaml");
            let usage = index.entry_usage(dev, &files);
            assert!(usage[0].rewrites.is_empty(), "{overlay}: {usage:#?}");
            let manifest = Path::new("/r/base/deployment.yaml");
            let (chains, images) = index.effective_images(manifest, DEPLOYMENT, &files);
            let builds: Vec<&Path> = images
                .iter()
                .map(|image| chains[image.chain].overlay.as_path())
                .collect();
            let base = Path::new("/r/base/kustomization.yaml");
            assert_eq!(builds, [base, base], "{overlay}");
            let changes = base_changes(&index, Path::new("/r"), manifest, DEPLOYMENT, &files);
            assert!(changes.is_empty(), "{overlay}: {changes:#?}");
            assert!(agreed_images(&index, manifest, DEPLOYMENT, &files).is_empty());
        }
        // A patch with a `target` deletes what it selects, not what it names: unknown here.
        let targeted = format!("resources: [../../base]\npatches:\n  - path: delete.yaml\n    target: {{kind: Deployment}}\n{TO_LATEST}");
        let (index, files) = workspace_with(&targeted, &[("/r/overlays/dev/delete.yaml", delete)]);
        let (_, images) =
            index.effective_images(Path::new("/r/base/deployment.yaml"), DEPLOYMENT, &files);
        assert_eq!(images.len(), 4, "{images:#?}");
    }
}
