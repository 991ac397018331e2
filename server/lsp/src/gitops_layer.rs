//! What the workspace index adds to a document's analysis: the cross-file findings
//! reported in it (`overlay-changes-policy` on its `images:` entries, `unused-image-entry`),
//! the base side of `overlay-changes-policy` on the containers overlays change, which fixes
//! stop being safe, and the inline overlay result.
//!
//! Computed on the blocking pool right after the document's own analysis, only once the
//! index is built, so the two reach the client in one `publishDiagnostics`.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use gitops_ls_analysis::gitops::{self, AgreedImage, FileSource, WorkspaceIndex};
use gitops_ls_analysis::k8s::EffectivePolicy;
use gitops_ls_analysis::text::LineIndex;
use gitops_ls_analysis::{rules, RelatedLocation, Severity};
use tower_lsp::lsp_types::{
    DiagnosticRelatedInformation, InlayHint, InlayHintLabel, InlayHintTooltip, Location, Range, Url,
};

use crate::diagnostics::{diagnostic, lsp_range};
use crate::encoding::PositionConverter;
use crate::snapshot::{DeployedImages, DocAnalysis, GitopsLayer, COUNTERS};

/// Whether `path` plays a part in the index: a kustomization, an Argo CD / Flux object, a
/// manifest some kustomization includes, or a chart's `values.yaml`.
fn takes_part(index: &WorkspaceIndex, path: &Path) -> bool {
    index.kustomization(path).is_some()
        || patched_by(index, path).is_some()
        || !index.deployers_in(path).is_empty()
        || !index.helm_sources_in(path).is_empty()
        || !index.chains_for(path).is_empty()
        || index.chart_of_values(path).is_some()
        || index
            .chart_of(path)
            .is_some_and(|chart| !index.release_chains(chart).is_empty())
}

/// The directory (relative to the index root) of the kustomization that lists `path` as a
/// patch.
fn patched_by(index: &WorkspaceIndex, path: &Path) -> Option<String> {
    let kustomization = index.patch_of(path)?;
    Some(index.short_path(kustomization.parent().unwrap_or(Path::new(""))))
}

/// The layer of the document at `path`, or `None` when it plays no part in the index.
pub fn compute(
    index: &WorkspaceIndex,
    uri: &Url,
    path: &Path,
    analysis: &DocAnalysis,
    source: &dyn FileSource,
) -> Option<GitopsLayer> {
    if !takes_part(index, path) {
        return None;
    }
    let config = &analysis.config.config;
    let severity_of =
        |_: &Path, id: &str| rules::rule(id).map_or(Severity::Off, |rule| config.severity(rule));
    let root = index.root().to_path_buf();
    let mut findings = gitops::findings_in(index, source, &root, path, &severity_of);
    let patch_of = patched_by(index, path);
    let merged = if patch_of.is_some() {
        index.patch_containers_with_base_policy(path, &analysis.text, source)
    } else {
        Vec::new()
    };
    let mut layer = GitopsLayer {
        patch_of,
        merged,
        ..GitopsLayer::default()
    };
    // A manifest kustomize overlays include, or a chart template HelmReleases render.
    COUNTERS.gitops_passes.fetch_add(1, Ordering::Relaxed);
    let (chains, images) = gitops::findings::deployed_images(index, path, &analysis.text, source);
    if index.chart_of(path).is_none() {
        layer.deployed = Some(DeployedImages {
            chains: chains.clone(),
            images: images.clone(),
        });
    }
    if !chains.is_empty() {
        layer.changes = gitops::findings::changes_from(index, &root, &chains, images);
        let severity = severity_of(path, gitops::findings::OVERLAY_CHANGES_POLICY);
        findings.extend(gitops::base_findings(
            &analysis.text,
            &layer.changes,
            severity,
        ));
        if index.chart_of(path).is_none() {
            layer.hints = gitops::agreed_images(index, path, &analysis.text, source)
                .iter()
                .map(|agreed| agreed_hint(analysis, agreed))
                .collect();
        }
    }
    if let Some(chart) = index.chart_of_values(path) {
        let files = index.files_under(chart);
        let severity_of = |rule: &'static str| severity_of(path, rule);
        findings.extend(gitops::helm::values_findings(
            chart,
            &files,
            source,
            &severity_of,
        ));
    }
    let docs_url = analysis.config.docs_url.as_deref();
    let mut other_files = OtherFiles::default();
    layer.diagnostics = findings
        .iter()
        .map(|finding| {
            let range = Range::new(
                analysis.position_at(finding.range.start),
                analysis.position_at(finding.range.end.max(finding.range.start)),
            );
            let mut diagnostic = diagnostic(finding, range, docs_url);
            let related: Vec<DiagnosticRelatedInformation> = finding
                .related
                .iter()
                .filter_map(|related| {
                    let location = match &related.file {
                        None => Location::new(
                            uri.clone(),
                            Range::new(
                                analysis.position_at(related.range.start),
                                analysis.position_at(related.range.end),
                            ),
                        ),
                        Some(_) => other_files.location(related, analysis, source)?,
                    };
                    Some(DiagnosticRelatedInformation {
                        location,
                        message: related.message.clone(),
                    })
                })
                .collect();
            if !related.is_empty() {
                diagnostic.related_information = Some(related);
            }
            diagnostic
        })
        .collect();
    layer.findings = findings;
    Some(layer)
}

/// Texts of the other files related locations point into, read once each.
#[derive(Default)]
struct OtherFiles {
    read: Vec<(PathBuf, Option<(String, LineIndex)>)>,
}

impl OtherFiles {
    fn location(
        &mut self,
        related: &RelatedLocation,
        analysis: &DocAnalysis,
        source: &dyn FileSource,
    ) -> Option<Location> {
        let file = related.file.as_ref()?;
        let position = match self.read.iter().position(|(path, _)| path == file) {
            Some(position) => position,
            None => {
                let text = source.read(file).map(|text| {
                    let lines = LineIndex::new(&text);
                    (text, lines)
                });
                self.read.push((file.clone(), text));
                self.read.len() - 1
            }
        };
        let (text, lines) = self.read[position].1.as_ref()?;
        text.get(related.range.clone())?;
        let mut converter = PositionConverter::new(text, lines, analysis.encoding);
        Some(Location::new(
            Url::from_file_path(file).ok()?,
            lsp_range(&mut converter, &related.range),
        ))
    }
}

/// `→ nginx:1.27 (IfNotPresent)` after the image: what every deployed build runs.
fn agreed_hint(analysis: &DocAnalysis, agreed: &AgreedImage) -> InlayHint {
    let (policy, how) = match &agreed.policy {
        EffectivePolicy::Default { policy, .. } => (policy.as_str(), "defaulted"),
        EffectivePolicy::Explicit { policy, .. } => (policy.as_str(), "as written"),
        _ => ("unknown", "not resolved"),
    };
    let builds = match agreed.builds {
        1 => "the one build".to_owned(),
        n => format!("all {n} builds"),
    };
    InlayHint {
        position: analysis.position_at(agreed.image_range.end),
        label: InlayHintLabel::String(format!("→ {} ({policy})", agreed.image)),
        kind: None,
        text_edits: None,
        tooltip: Some(InlayHintTooltip::String(format!(
            "What {builds} that include this file deploy after their kustomize `images:` \
             entries: {}, pull policy {policy} ({how}).",
            agreed.image
        ))),
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}
