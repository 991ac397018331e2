//! Flux HelmReleases whose chart is a folder of the repository (a GitRepository or Bucket
//! source): their post-renderers' `images:` entries run over what the chart renders, with
//! the same matching as a kustomize overlay (spec §6), after Helm has filled in the values.
//!
//! The chart is rendered for the simple shapes [`super::helm`] models, from `values.yaml`
//! alone: a release's own `spec.values` / `valuesFrom` are not applied (callers say so, see
//! [`super::DeployerImages::overrides_values`]).

use std::path::{Path, PathBuf};

use super::chain::{apply_chain, ChainEntry, EntryOrigin};
use super::deployers::{DeployerImages, DeployerKind};
use super::effective::EffectiveImage;
use super::helm::{HelmImage, HelmValue};
use super::image_fields::image_fields;
use super::kustomize_image::CompiledOverride;
use super::workspace::{normalize, DeployerRef, OverlayChain, WorkspaceIndex};
use crate::finding::{apply_edits, Edit};
use crate::image::default_pull_policy;
use crate::k8s::EffectivePolicy;
use crate::yaml::{double_quoted, YamlFile};

impl WorkspaceIndex {
    /// The chart folder of the workspace a Flux HelmRelease renders, when its chart is kept
    /// in the repository.
    pub fn release_chart(&self, release: &DeployerImages) -> Option<PathBuf> {
        if release.kind != DeployerKind::FluxHelmRelease || !release.chart_in_repository {
            return None;
        }
        let path = release.path.as_deref()?;
        let dir = self.deployer_dir(path)?;
        self.charts().contains(&dir.as_path()).then_some(dir)
    }

    /// The chart templates of the workspace under `chart_dir`.
    pub fn chart_templates(&self, chart_dir: &Path) -> Vec<PathBuf> {
        let chart_dir = normalize(chart_dir);
        let mut templates: Vec<PathBuf> = self
            .files_under(&chart_dir.join("templates"))
            .into_iter()
            .filter(|file| self.chart_of(file) == Some(chart_dir.as_path()))
            .collect();
        templates.sort();
        templates
    }

    /// One chain per Flux HelmRelease whose chart is `chart_dir` and that has
    /// post-renderer `images:` entries: the entries in order, `overlay` being the file that
    /// holds the release.
    pub fn release_chains(&self, chart_dir: &Path) -> Vec<OverlayChain> {
        let chart_dir = normalize(chart_dir);
        self.all_deployers()
            .into_iter()
            .filter(|(_, release)| self.release_chart(release).as_deref() == Some(&chart_dir))
            .map(|(file, release)| release_chain(file, release))
            .collect()
    }
}

/// The chain of one release's post-renderer entries (`overlay` is the release's file).
pub fn release_chain(file: &Path, release: &DeployerImages) -> OverlayChain {
    let entries = release
        .images
        .iter()
        .enumerate()
        .map(|(index, entry)| ChainEntry {
            origin: EntryOrigin {
                file: file.to_path_buf(),
                index,
                range: entry.range.clone(),
            },
            image: CompiledOverride::new(entry.image.clone()),
        })
        .collect();
    OverlayChain {
        overlay: file.to_path_buf(),
        is_root: true,
        deployer: Some(DeployerRef {
            file: file.to_path_buf(),
            kind: release.kind,
            name: release.name.clone(),
            document: release.document,
        }),
        through: Vec::<PathBuf>::new(),
        components: Vec::new(),
        entries,
    }
}

/// The containers of a chart template whose image Helm renders from the values (`helm`,
/// from [`super::helm_images`] of `template`), as each release chain's post-renderers
/// rewrite them. `written` is the image Helm renders; `image_range` is in the template.
pub fn post_rendered_images(
    template: &str,
    helm: &[HelmImage],
    chains: &[OverlayChain],
) -> Vec<EffectiveImage> {
    if chains.is_empty() {
        return Vec::new();
    }
    let resolved: Vec<(&HelmImage, &str)> = helm
        .iter()
        .filter_map(|image| match &image.image {
            HelmValue::Resolved {
                value: Some(value), ..
            } if image.image_range.is_some() => Some((image, value.as_str())),
            _ => None,
        })
        .collect();
    // Where the transformer reaches each field is decided on the rendered text, by the
    // same walk as for plain manifests.
    let edits: Vec<Edit> = resolved
        .iter()
        .filter_map(|(image, value)| {
            Some(Edit {
                range: image.image_range.clone()?,
                new_text: double_quoted(value),
            })
        })
        .collect();
    let rendered = apply_edits(template, &edits);
    let fields = image_fields(&rendered, &YamlFile::parse(&rendered));
    let mut out = Vec::new();
    for (image, value) in resolved {
        let Some(field) = fields
            .iter()
            .find(|f| f.document == image.document && f.path == image.container_path)
        else {
            continue;
        };
        for (index, chain) in chains.iter().enumerate() {
            let (after, steps) = apply_chain(value, &chain.entries, field.site);
            let policy = match &image.policy {
                EffectivePolicy::Default { .. } => {
                    let (policy, reason) = default_pull_policy(&after);
                    EffectivePolicy::Default { policy, reason }
                }
                other => other.clone(),
            };
            out.push(EffectiveImage {
                document: image.document,
                container_path: image.container_path.clone(),
                container_name: image.container_name.clone(),
                object: image.object.clone(),
                image_range: image.image_range.clone().unwrap_or_default(),
                written: value.to_owned(),
                chain: index,
                image: after,
                steps,
                policy,
                patched_by: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::gitops::helm::{helm_images, ChartContext};
    use crate::image::PullPolicy;

    const TEMPLATE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n        - name: pinned\n          image: \"redis:{{ .Values.redisTag }}\"\n          imagePullPolicy: IfNotPresent\n";

    fn release(source_kind: &str, chart: &str) -> String {
        format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  chart:\n    spec:\n      chart: {chart}\n      sourceRef: {{kind: {source_kind}, name: repo}}\n  postRenderers:\n    - kustomize:\n        images:\n          - name: nginx\n            newTag: latest\n          - name: redis\n            newTag: \"8\"\n"
        )
    }

    fn index(release_text: &str) -> (WorkspaceIndex, HashMap<PathBuf, String>) {
        let files: HashMap<PathBuf, String> = [
            (
                "/r/charts/web/Chart.yaml",
                "name: web\nversion: 0.1.0\nappVersion: \"1.16.0\"\n",
            ),
            (
                "/r/charts/web/values.yaml",
                "image:\n  repository: nginx\n  tag: \"\"\nredisTag: \"7\"\n",
            ),
            ("/r/charts/web/templates/deployment.yaml", TEMPLATE),
            ("/r/clusters/prod/web.yaml", release_text),
        ]
        .into_iter()
        .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
        .collect();
        let mut index = WorkspaceIndex::build("/r", files.keys().cloned(), &files);
        index.scan_deployers(&files);
        (index, files)
    }

    #[test]
    fn post_renderers_rewrite_what_the_chart_renders() {
        let (index, files) = index(&release("GitRepository", "./charts/web"));
        let chains = index.release_chains(Path::new("/r/charts/web"));
        assert_eq!(chains.len(), 1);
        let chart = ChartContext::load(Path::new("/r/charts/web"), &files);
        let helm = helm_images(TEMPLATE, &chart);
        let images = post_rendered_images(TEMPLATE, &helm, &chains);
        let summary: Vec<(&str, &str, Option<PullPolicy>)> = images
            .iter()
            .map(|i| (i.written.as_str(), i.image.as_str(), i.policy.policy()))
            .collect();
        assert_eq!(
            summary,
            [
                ("nginx:1.16.0", "nginx:latest", Some(PullPolicy::Always)),
                ("redis:7", "redis:8", Some(PullPolicy::IfNotPresent)),
            ]
        );
        assert_eq!(
            images[0].default_policy_change(),
            Some((PullPolicy::IfNotPresent, PullPolicy::Always))
        );
        // The range is the template's.
        assert!(TEMPLATE[images[0].image_range.clone()].contains(".Values.image.repository"));
    }

    #[test]
    fn a_post_renderer_that_changes_the_default_is_reported_on_its_entry() {
        let release_text = release("GitRepository", "./charts/web");
        let (index, files) = index(&release_text);
        let warn = |_: &Path, _: &str| crate::finding::Severity::Warning;
        let found = crate::gitops::findings(&index, &files, Path::new("/r"), &warn);
        assert_eq!(found.len(), 1, "{found:#?}");
        let (file, finding) = &found[0];
        assert_eq!(file, Path::new("/r/clusters/prod/web.yaml"));
        assert_eq!(&release_text[finding.range.clone()], "latest");
        assert!(
            finding
                .message
                .contains("\"nginx:1.16.0\" into \"nginx:latest\"")
                && finding.message.contains("through HelmRelease web"),
            "{}",
            finding.message
        );
        let related = &finding.related[0];
        assert_eq!(
            related.file.as_deref(),
            Some(Path::new("/r/charts/web/templates/deployment.yaml"))
        );
        let in_file = crate::gitops::findings_in(&index, &files, Path::new("/r"), file, &warn);
        assert_eq!(in_file, std::slice::from_ref(finding));
        // The template's side: the change, for the editor.
        let template = Path::new("/r/charts/web/templates/deployment.yaml");
        let (chains, images) =
            crate::gitops::findings::deployed_images(&index, template, TEMPLATE, &files);
        let changes =
            crate::gitops::findings::changes_from(&index, Path::new("/r"), &chains, images);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].builds[0].build,
            "clusters/prod through HelmRelease web"
        );
    }

    #[test]
    fn only_charts_kept_in_the_repository() {
        for (kind, chart) in [
            ("HelmRepository", "./charts/web"),
            ("GitRepository", "./charts/other"),
        ] {
            let (index, _) = index(&release(kind, chart));
            assert!(
                index.release_chains(Path::new("/r/charts/web")).is_empty(),
                "{kind} {chart}"
            );
        }
    }

    #[test]
    fn quoting_keeps_the_value() {
        assert_eq!(double_quoted(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
