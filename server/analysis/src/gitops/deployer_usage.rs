//! Which containers one Argo CD / Flux image override rewrites in the build its object
//! deploys: the counterpart of [`WorkspaceIndex::entry_usage`] for the overrides of
//! [`super::deployers`], or why that build cannot be followed in the workspace.

use std::path::{Path, PathBuf};

use super::chain::{ChainEntry, EntryOrigin};
use super::deployers::{
    find_deployer_images, may_declare_deployer, DeployerImages, DeployerKind, MergeSource,
};
use super::effective::{effective_images, record_rewrite, EntryRewrite};
use super::helm::{helm_images, ChartContext};
use super::helm_release::{post_rendered_images, release_chain};
use super::kustomization::KUSTOMIZATION_FILE_NAMES;
use super::kustomize_image::CompiledOverride;
use super::patches::ImageEdits;
use super::workspace::{normalize, FileSource, OverlayChain, WorkspaceIndex};
use crate::text::TextRange;
use crate::yaml::{Document, NodeId, YamlFile};

/// The override under a position of a file holding Argo CD / Flux objects.
#[derive(Debug, Clone)]
pub struct DeployerEntryAt {
    /// The overrides of the object (of the Argo CD source) holding the entry.
    pub deployer: DeployerImages,
    pub entry: DeployerEntry,
    /// The entry's mapping, or the Argo CD string.
    pub range: TextRange,
    /// Where the object's manifests come from, as written.
    pub source: DeployerSource,
}

/// An override of [`DeployerEntryAt::deployer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployerEntry {
    /// Index into [`DeployerImages::images`].
    Valid(usize),
    /// Index into [`DeployerImages::invalid`]: an Argo CD string `kustomize edit set image`
    /// rejects.
    Invalid(usize),
}

/// The source fields of a controller object, to explain a path that does not resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployerSource {
    /// Argo CD `repoURL`.
    pub repo_url: Option<String>,
    /// Argo CD `chart`: the source is a chart from a Helm repository.
    pub chart: Option<String>,
    /// Flux `sourceRef` (for a HelmRelease, the chart's `sourceRef`, else its `chartRef`):
    /// `(kind, name)`.
    pub source_ref: Option<(String, String)>,
}

/// What one override does in the build its object deploys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployerUsage {
    /// The overlay at the object's path, built with the object's overrides merged into its
    /// `images:`. No rewrites: the override matches nothing.
    Resolved {
        /// The kustomization file that is built.
        kustomization: PathBuf,
        /// The containers the override rewrites (one each, first input to last output).
        rewrites: Vec<EntryRewrite>,
        /// A later override of the same object for the same image name that takes this
        /// one's place in the merged list (its index in [`DeployerImages::images`]).
        superseded_by: Option<usize>,
    },
    /// A Flux HelmRelease's post-renderer entry over a chart kept in the workspace: the
    /// chart's containers it rewrites, as Helm renders them from `values.yaml`.
    Rendered {
        chart: PathBuf,
        rewrites: Vec<EntryRewrite>,
        /// The release sets `spec.values` / `valuesFrom`, which are not applied here.
        values_overridden: bool,
    },
    /// The build is not in the workspace, or not a kustomize build.
    Unresolved(Unresolved),
}

/// Why the build an override applies to cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// An Argo CD string `kustomize edit set image` rejects: the controller fails to
    /// generate the manifests.
    InvalidString,
    /// The object names no directory (an Argo CD source without `path`).
    NoPath,
    /// The path leaves the repository root.
    OutsideWorkspace { path: String },
    /// No kustomization at the path in this workspace: the source is probably another
    /// repository or revision (or, for Flux, a directory without kustomization file, for
    /// which the controller generates one).
    NotInWorkspace { path: String, dir: PathBuf },
    /// The path holds a kustomize Component, which is never built alone.
    Component { file: PathBuf },
    /// The manifests come from a Helm chart: an Argo CD `chart` from a Helm repository, or
    /// the chart a Flux HelmRelease renders before its post-renderers run.
    HelmChart {
        chart: String,
        /// The chart comes from a Helm (or OCI) repository, not from a path in a repository.
        from_repository: bool,
    },
}

/// The Argo CD / Flux image override whose entry spans `offset` in `text` (ends included),
/// with its object's source fields. Cheap for files that mention neither controller.
pub fn deployer_entry_at(text: &str, offset: usize) -> Option<DeployerEntryAt> {
    if !may_declare_deployer(text) {
        return None;
    }
    let file = YamlFile::parse(text);
    let within = |range: &TextRange| range.start <= offset && offset <= range.end;
    for deployer in find_deployer_images(&file) {
        let valid = deployer
            .images
            .iter()
            .position(|entry| within(&entry.range))
            .map(|index| {
                (
                    DeployerEntry::Valid(index),
                    deployer.images[index].range.clone(),
                )
            });
        let invalid = || {
            deployer.invalid.iter().position(within).map(|index| {
                (
                    DeployerEntry::Invalid(index),
                    deployer.invalid[index].clone(),
                )
            })
        };
        let Some((entry, range)) = valid.or_else(invalid) else {
            continue;
        };
        let source = file
            .documents
            .get(deployer.document)
            .map(|doc| source_fields(doc, &deployer, &range))
            .unwrap_or_default();
        return Some(DeployerEntryAt {
            deployer,
            entry,
            range,
            source,
        });
    }
    None
}

/// The source fields of the object (for Argo CD, of the source whose `kustomize.images`
/// holds `entry`).
fn source_fields(doc: &Document, deployer: &DeployerImages, entry: &TextRange) -> DeployerSource {
    let Some(root) = doc.root.filter(|&root| doc.is_mapping(root)) else {
        return DeployerSource::default();
    };
    let Some(spec) = doc.get(root, "spec") else {
        return DeployerSource::default();
    };
    let string = |node: NodeId, key: &str| doc.get_str(node, key).map(str::to_owned);
    let reference = |node: Option<NodeId>| {
        let node = node?;
        Some((
            string(node, "kind")?,
            string(node, "name").unwrap_or_default(),
        ))
    };
    match deployer.kind {
        DeployerKind::ArgoCdApplication => {
            let sources = doc.get(spec, "source").into_iter().chain(
                doc.get(spec, "sources")
                    .map_or(&[][..], |s| doc.items(s))
                    .iter()
                    .copied(),
            );
            let holds_entry = |source: &NodeId| {
                doc.get_path(*source, &["kustomize", "images"])
                    .is_some_and(|list| {
                        let span = &doc.node(list).span;
                        span.start <= entry.start && entry.end <= span.end
                    })
            };
            let mut sources = sources;
            let Some(source) = sources.find(holds_entry) else {
                return DeployerSource::default();
            };
            DeployerSource {
                repo_url: string(source, "repoURL"),
                chart: string(source, "chart"),
                source_ref: None,
            }
        }
        DeployerKind::FluxKustomization => DeployerSource {
            source_ref: reference(doc.get(spec, "sourceRef")),
            ..DeployerSource::default()
        },
        DeployerKind::FluxHelmRelease => DeployerSource {
            source_ref: reference(doc.get_path(spec, &["chart", "spec", "sourceRef"]))
                .or_else(|| reference(doc.get(spec, "chartRef"))),
            ..DeployerSource::default()
        },
    }
}

impl WorkspaceIndex {
    /// What the override `at` (in `deployer_file`) does in the build its object deploys:
    /// the kustomization at the object's path, built with the object's overrides merged
    /// into its `images:` as the controller does ([`DeployerImages::merge_into`]). The
    /// overrides are taken from `at`, so an unsaved edit of the object's file counts.
    /// The object's path is relative to the index's [`WorkspaceIndex::root`]. Manifests
    /// are read through `source` (once each).
    pub fn deployer_entry_usage(
        &self,
        deployer_file: &Path,
        at: &DeployerEntryAt,
        source: &dyn FileSource,
    ) -> DeployerUsage {
        let deployer = &at.deployer;
        let entry = match at.entry {
            DeployerEntry::Valid(index) if index < deployer.images.len() => index,
            _ => return DeployerUsage::Unresolved(Unresolved::InvalidString),
        };
        let from_repository = |source: &DeployerSource| {
            source.source_ref.as_ref().is_none_or(|(kind, _)| {
                matches!(
                    kind.as_str(),
                    "HelmRepository" | "OCIRepository" | "HelmChart"
                )
            })
        };
        if let (DeployerKind::ArgoCdApplication, Some(chart)) = (deployer.kind, &at.source.chart) {
            return DeployerUsage::Unresolved(Unresolved::HelmChart {
                chart: chart.clone(),
                from_repository: true,
            });
        }
        let path = deployer.path.as_deref().filter(|p| !p.trim().is_empty());
        if let Some(chart) = self.release_chart(deployer) {
            return self.post_renderer_usage(deployer_file, deployer, entry, chart, source);
        }
        if deployer.kind == DeployerKind::FluxHelmRelease {
            // Post-renderers run on what Helm renders from the chart.
            let by_ref = at.source.source_ref.as_ref().map(|(_, name)| name.as_str());
            return DeployerUsage::Unresolved(Unresolved::HelmChart {
                chart: path.or(by_ref).unwrap_or_default().to_owned(),
                from_repository: from_repository(&at.source),
            });
        }
        let Some(path) = path else {
            return DeployerUsage::Unresolved(Unresolved::NoPath);
        };
        let Some(dir) = self.deployer_dir(path) else {
            return DeployerUsage::Unresolved(Unresolved::OutsideWorkspace {
                path: path.to_owned(),
            });
        };
        let Some((kustomization_file, kustomization)) = KUSTOMIZATION_FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find_map(|file| Some((file.clone(), self.kustomization(&file)?)))
        else {
            return DeployerUsage::Unresolved(Unresolved::NotInWorkspace {
                path: path.to_owned(),
                dir,
            });
        };
        if kustomization.is_component {
            return DeployerUsage::Unresolved(Unresolved::Component {
                file: kustomization_file,
            });
        }
        let merged = deployer.merge_into(&kustomization.images);
        let superseded_by = if merged
            .iter()
            .any(|m| m.source == MergeSource::Deployer(entry))
        {
            None
        } else {
            let name = &deployer.images[entry].image.name;
            (entry + 1..deployer.images.len())
                .rev()
                .find(|&later| deployer.images[later].image.name == *name)
        };
        let deployer_file = normalize(deployer_file);
        let own_count = kustomization.images.len();
        let mut rewrites: Vec<EntryRewrite> = Vec::new();
        let edits = ImageEdits::new(self, source);
        for manifest in self.manifests_under(&dir) {
            // The overlay's own builds of the manifest, with its own entries last; the
            // controller's edit replaces those with the merged list.
            let chains: Vec<OverlayChain> = self
                .chains_for(&manifest)
                .into_iter()
                .filter(|chain| chain.deployer.is_none() && chain.overlay == kustomization_file)
                .filter_map(|mut chain| {
                    let below = chain.entries.len().checked_sub(own_count)?;
                    let own: Vec<EntryOrigin> = chain
                        .entries
                        .drain(below..)
                        .map(|entry| entry.origin)
                        .collect();
                    if own.iter().any(|origin| origin.file != kustomization_file) {
                        return None;
                    }
                    chain.entries.extend(merged.iter().map(|m| ChainEntry {
                        origin: match m.source {
                            MergeSource::Own(index) => own[index].clone(),
                            MergeSource::Deployer(index) => EntryOrigin {
                                file: deployer_file.clone(),
                                index,
                                range: deployer.images[index].range.clone(),
                            },
                        },
                        image: CompiledOverride::new(m.image.clone()),
                    }));
                    Some(chain)
                })
                .collect();
            let Some(text) = source.read(&manifest).filter(|_| !chains.is_empty()) else {
                continue;
            };
            let mut images = effective_images(&text, &chains);
            edits.drop_deleted(&chains, &mut images);
            for effective in images {
                for step in &effective.steps {
                    if step.origin.file != deployer_file || step.origin.index != entry {
                        continue;
                    }
                    record_rewrite(&mut rewrites, &manifest, &effective, step);
                }
            }
        }
        DeployerUsage::Resolved {
            kustomization: kustomization_file,
            rewrites,
            superseded_by,
        }
    }
}

impl WorkspaceIndex {
    /// [`DeployerUsage::Rendered`]: what entry `entry` of a HelmRelease's post-renderers
    /// does to the containers of its chart.
    fn post_renderer_usage(
        &self,
        release_file: &Path,
        release: &DeployerImages,
        entry: usize,
        chart: PathBuf,
        source: &dyn FileSource,
    ) -> DeployerUsage {
        let chains = [release_chain(release_file, release)];
        let values = ChartContext::load(&chart, source);
        let mut rewrites = Vec::new();
        for template in self.chart_templates(&chart) {
            let Some(text) = source.read(&template) else {
                continue;
            };
            let helm = helm_images(&text, &values);
            for effective in post_rendered_images(&text, &helm, &chains) {
                for step in effective.steps.iter().filter(|s| s.origin.index == entry) {
                    record_rewrite(&mut rewrites, &template, &effective, step);
                }
            }
        }
        DeployerUsage::Rendered {
            chart,
            rewrites,
            values_overridden: release.overrides_values,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.25
      - name: cache
        image: redis:7
        imagePullPolicy: IfNotPresent
";

    /// A base, an overlay with its own `nginx` entry, a component, and `extra` files.
    fn workspace(extra: &[(&str, &str)]) -> (WorkspaceIndex, HashMap<PathBuf, String>) {
        let mut files: Vec<(&str, &str)> = vec![
            ("/r/base/deployment.yaml", DEPLOYMENT),
            ("/r/base/kustomization.yaml", "resources: [deployment.yaml]\n"),
            (
                "/r/overlays/prod/kustomization.yaml",
                "resources: [../../base]\nimages:\n  - name: nginx\n    newName: reg/nginx\n",
            ),
            (
                "/r/components/mirror/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages: [{name: redis, newName: mirror/redis}]\n",
            ),
        ];
        files.extend_from_slice(extra);
        let files: HashMap<PathBuf, String> = files
            .into_iter()
            .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
            .collect();
        let mut index = WorkspaceIndex::build("/r", files.keys().cloned(), &files);
        index.scan_deployers(&files);
        (index, files)
    }

    /// The usage of the entry whose text starts at `needle` in `/r/apps/app.yaml`.
    fn usage_at(app: &str, needle: &str) -> (DeployerEntryAt, DeployerUsage) {
        let (index, files) = workspace(&[("/r/apps/app.yaml", app)]);
        let offset = app.find(needle).expect("needle in the file");
        let at = deployer_entry_at(app, offset).expect("an override at the offset");
        let usage = index.deployer_entry_usage(Path::new("/r/apps/app.yaml"), &at, &files);
        (at, usage)
    }

    fn lines(usage: &DeployerUsage) -> Vec<String> {
        let DeployerUsage::Resolved { rewrites, .. } = usage else {
            panic!("not resolved: {usage:?}");
        };
        rewrites
            .iter()
            .map(|r| {
                format!(
                    "{} {}: {} -> {}",
                    r.file.display(),
                    r.container_name.as_deref().unwrap_or("?"),
                    r.before,
                    r.after
                )
            })
            .collect()
    }

    fn argo(path: &str, images: &str) -> String {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: web}}\nspec:\n  source:\n    repoURL: https://git.example.com/apps.git\n    path: {path}\n    kustomize:\n      images: {images}\n"
        )
    }

    #[test]
    fn argocd_string_merges_into_the_overlay_entry_and_rewrites_the_base() {
        let app = argo("overlays/prod", "['nginx:1.27', 'redis=mirror/redis:8']");
        let (at, usage) = usage_at(&app, "nginx:1.27");
        assert_eq!(at.entry, DeployerEntry::Valid(0));
        assert_eq!(&app[at.range.clone()], "'nginx:1.27'");
        assert_eq!(
            at.source.repo_url.as_deref(),
            Some("https://git.example.com/apps.git")
        );
        // `edit set image` keeps the overlay's newName and sets the tag.
        assert_eq!(
            lines(&usage),
            ["/r/base/deployment.yaml web: nginx:1.25 -> reg/nginx:1.27"]
        );
        let DeployerUsage::Resolved {
            kustomization,
            superseded_by,
            ..
        } = &usage
        else {
            unreachable!()
        };
        assert_eq!(
            kustomization,
            Path::new("/r/overlays/prod/kustomization.yaml")
        );
        assert_eq!(*superseded_by, None);
        let (_, usage) = usage_at(&app, "redis=");
        assert_eq!(
            lines(&usage),
            ["/r/base/deployment.yaml cache: redis:7 -> mirror/redis:8"]
        );
    }

    #[test]
    fn an_override_that_matches_nothing_has_no_rewrites() {
        let app = argo("./overlays/prod", "['postgres:16']");
        let (_, usage) = usage_at(&app, "postgres");
        assert_eq!(lines(&usage), Vec::<String>::new());
    }

    #[test]
    fn flux_kustomization_images_and_superseded_entries() {
        let flux = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: web}
spec:
  sourceRef: {kind: GitRepository, name: flux-system}
  path: ./overlays/prod
  images:
    - name: nginx
      newTag: latest
    - name: redis
      newTag: '6'
    - name: redis
      newName: mirror/redis
";
        // Flux replaces the overlay's `nginx` entry: its newName is gone.
        let (at, usage) = usage_at(flux, "name: nginx");
        assert_eq!(
            at.source.source_ref,
            Some(("GitRepository".to_owned(), "flux-system".to_owned()))
        );
        assert_eq!(
            lines(&usage),
            ["/r/base/deployment.yaml web: nginx:1.25 -> nginx:latest"]
        );
        // The second `redis` entry replaces the first.
        let (_, usage) = usage_at(flux, "newTag: '6'");
        assert!(
            matches!(
                usage,
                DeployerUsage::Resolved {
                    superseded_by: Some(2),
                    ref rewrites,
                    ..
                } if rewrites.is_empty()
            ),
            "{usage:?}"
        );
        let (_, usage) = usage_at(flux, "newName: mirror/redis");
        assert_eq!(
            lines(&usage),
            ["/r/base/deployment.yaml cache: redis:7 -> mirror/redis:7"]
        );
    }

    #[test]
    fn components_of_the_overlay_run_before_the_override() {
        let (index, files) = workspace(&[
            (
                "/r/overlays/edge/kustomization.yaml",
                "resources: [../../base]\ncomponents: [../../components/mirror]\n",
            ),
            (
                "/r/apps/app.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n    - repoURL: https://charts.example.com\n      chart: web\n    - path: overlays/edge\n      kustomize: {images: ['mirror/redis:9']}\n",
            ),
        ]);
        let app = files.read(Path::new("/r/apps/app.yaml")).unwrap();
        let at = deployer_entry_at(&app, app.find("mirror/redis:9").unwrap()).unwrap();
        assert_eq!(at.source, DeployerSource::default());
        let usage = index.deployer_entry_usage(Path::new("/r/apps/app.yaml"), &at, &files);
        assert_eq!(
            lines(&usage),
            ["/r/base/deployment.yaml cache: mirror/redis:7 -> mirror/redis:9"]
        );
    }

    #[test]
    fn unresolved_builds_say_why() {
        let unresolved = |app: &str, needle: &str| match usage_at(app, needle).1 {
            DeployerUsage::Unresolved(why) => why,
            other => panic!("resolved: {other:?}"),
        };
        assert_eq!(
            unresolved(&argo("../elsewhere", "['nginx:1']"), "nginx"),
            Unresolved::OutsideWorkspace {
                path: "../elsewhere".into()
            }
        );
        assert_eq!(
            unresolved(&argo("apps/missing", "['nginx:1']"), "nginx"),
            Unresolved::NotInWorkspace {
                path: "apps/missing".into(),
                dir: PathBuf::from("/r/apps/missing"),
            }
        );
        assert_eq!(
            unresolved(&argo("components/mirror", "['nginx:1']"), "nginx"),
            Unresolved::Component {
                file: PathBuf::from("/r/components/mirror/kustomization.yaml")
            }
        );
        assert_eq!(
            unresolved(&argo("overlays/prod", "['nginx']"), "nginx"),
            Unresolved::InvalidString
        );
        let chart = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    repoURL: https://charts.example.com\n    chart: nginx\n    kustomize: {images: ['nginx:1']}\n";
        assert_eq!(
            unresolved(chart, "nginx:1"),
            Unresolved::HelmChart {
                chart: "nginx".into(),
                from_repository: true
            }
        );
        let no_path = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    repoURL: https://git.example.com/x.git\n    kustomize: {images: ['nginx:1']}\n";
        assert_eq!(unresolved(no_path, "nginx:1"), Unresolved::NoPath);
        let helm = |source: &str| {
            format!("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  chart:\n    spec:\n      chart: {source}\n  postRenderers:\n    - kustomize:\n        images: [{{name: nginx, newTag: '2'}}]\n")
        };
        assert_eq!(
            unresolved(
                &helm("nginx\n      sourceRef: {kind: HelmRepository, name: bitnami}"),
                "name: nginx"
            ),
            Unresolved::HelmChart {
                chart: "nginx".into(),
                from_repository: true
            }
        );
        assert_eq!(
            unresolved(
                &helm("./charts/web\n      sourceRef: {kind: GitRepository, name: repo}"),
                "name: nginx"
            ),
            Unresolved::HelmChart {
                chart: "./charts/web".into(),
                from_repository: false
            }
        );
    }

    #[test]
    fn no_override_outside_entries_or_in_other_files() {
        let app = argo("overlays/prod", "['nginx:1.27']");
        assert!(deployer_entry_at(&app, app.find("metadata").unwrap()).is_none());
        assert!(deployer_entry_at(DEPLOYMENT, 60).is_none());
        let at = deployer_entry_at(&app, app.find("nginx:1.27").unwrap() + 10).unwrap();
        assert_eq!(at.entry, DeployerEntry::Valid(0));
    }
}
