//! Inlay hints: the pull policy a container gets when it does not say, at
//! the end of its `image:` line, and the `:latest` an untagged image implies.

use std::fmt::Write;

use gitops_ls_analysis::fix::set_policy;
use gitops_ls_analysis::gitops::BaseChange;
use gitops_ls_analysis::k8s::{Defaulting, EffectivePolicy};
use tower_lsp::lsp_types::{
    InlayHint, InlayHintLabel, InlayHintTooltip, MarkupContent, MarkupKind, Range, TextEdit,
};

use gitops_ls_analysis::text::LineIndex;
use gitops_ls_analysis::Analysis;

use crate::encoding::PositionConverter;
use crate::encoding::PositionEncoding;
use crate::snapshot::{shift_range, DocAnalysis};

/// What a hint of a chunk shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HintKind {
    /// `:latest` after an image with neither tag nor digest.
    ImpliedTag,
    /// `imagePullPolicy: Always` at the end of the image line: the default in force.
    DefaultPolicy,
}

#[derive(Debug, Clone)]
struct ChunkHint {
    kind: HintKind,
    hint: InlayHint,
}

/// The hints of the chunks in `range`, in file positions, and the overlay results of the
/// index layer.
pub fn inlay_hints(analysis: &DocAnalysis, range: Range) -> Vec<InlayHint> {
    let mut hints = Vec::new();
    // Builds that deploy the container with another default: the policy hint says so, and
    // inserts nothing on double-click (the written default would be wrong for them).
    let changes: Vec<(u32, &BaseChange)> = analysis.gitops.as_ref().map_or(Vec::new(), |layer| {
        let changes = layer.changes.iter();
        changes
            .map(|change| (analysis.position_at(change.image_range.start).line, change))
            .collect()
    });
    // In a kustomize patch file the merged container keeps the base's policy: inserting a
    // default there is not safe either.
    let is_patch = analysis
        .gitops
        .as_ref()
        .is_some_and(|layer| layer.patch_of.is_some());
    // A patch container merged into one with a policy has no default to show.
    let merged_lines: Vec<u32> = analysis.gitops.as_ref().map_or(Vec::new(), |layer| {
        let merged = layer.merged.iter();
        merged
            .map(|m| analysis.position_at(m.image_range.start).line)
            .collect()
    });
    for chunk in analysis.chunks_in(range) {
        let text = analysis.chunk_text(chunk);
        let tree = analysis.tree(chunk);
        for ChunkHint { kind, mut hint } in
            chunk_hints(text, &tree, &chunk.data.lines, analysis.encoding)
        {
            hint.position.line += chunk.start_line;
            let line = hint.position.line;
            if kind == HintKind::DefaultPolicy {
                if merged_lines.contains(&line) {
                    continue;
                }
                let change = changes.iter().find(|(at, _)| *at == line);
                if let Some((_, change)) = change {
                    name_the_builds(&mut hint, change);
                }
                if is_patch || change.is_some() {
                    hint.text_edits = None;
                }
            }
            if let Some(edits) = hint.text_edits.as_mut() {
                for edit in edits {
                    edit.range = shift_range(edit.range, chunk.start_line);
                }
            }
            if range.start <= hint.position && hint.position <= range.end {
                hints.push(hint);
            }
        }
    }
    if let Some(layer) = &analysis.gitops {
        let in_range =
            |hint: &&InlayHint| range.start <= hint.position && hint.position <= range.end;
        hints.extend(layer.hints.iter().filter(in_range).cloned());
        hints.sort_by_key(|hint| (hint.position.line, hint.position.character));
    }
    hints
}

/// `imagePullPolicy: IfNotPresent (overlays/dev: Always, +1 build)`: the default as written,
/// then the first build that deploys another one; the tooltip lists them all.
fn name_the_builds(hint: &mut InlayHint, change: &BaseChange) {
    let Some(first) = change
        .builds
        .iter()
        .find(|build| build.is_known())
        .or(change.builds.first())
    else {
        return;
    };
    let policy = if first.is_known() {
        first.policy.as_str()
    } else {
        "may differ"
    };
    let more = match change.builds.len() - 1 {
        0 => String::new(),
        1 => ", +1 build".to_owned(),
        n => format!(", +{n} builds"),
    };
    if let InlayHintLabel::String(label) = &mut hint.label {
        let _ = write!(label, " ({}: {policy}{more})", first.build);
    }
    if let Some(InlayHintTooltip::MarkupContent(tooltip)) = &mut hint.tooltip {
        tooltip
            .value
            .push_str("\n\nThe builds that deploy it change the default:\n");
        for build in &change.builds {
            let _ = match &build.patched_by {
                None => writeln!(
                    tooltip.value,
                    "- {} deploys {} ({})",
                    build.build,
                    build.image,
                    build.policy.as_str()
                ),
                Some(patched) => writeln!(
                    tooltip.value,
                    "- {}: the {} of {} may set its image or pull policy",
                    build.build, patched.field, patched.dir_label
                ),
            };
        }
    }
}

/// The hints of one analysed chunk, positions local to it.
fn chunk_hints(
    text: &str,
    analysis: &Analysis,
    lines: &LineIndex,
    encoding: PositionEncoding,
) -> Vec<ChunkHint> {
    let mut converter = PositionConverter::new(text, lines, encoding);
    let mut hints = Vec::new();
    for facts in &analysis.containers {
        if !facts.runs_image() {
            continue;
        }
        let container = &facts.container;
        let Some(image) = container.image.as_ref().filter(|f| f.own && !f.templated) else {
            continue;
        };
        let value = image.value_range.clone();
        if value.is_empty() || lines.line_of(value.start) != lines.line_of(value.end) {
            continue;
        }
        // Whatever the policy: the tag is what the image lacks.
        let untagged = facts
            .valid_reference()
            .is_some_and(|reference| reference.tag.is_none() && reference.digest.is_none());
        if untagged {
            let source = &text[value.clone()];
            let quoted = source.len() >= 2
                && (source.starts_with('"') && source.ends_with('"')
                    || source.starts_with('\'') && source.ends_with('\''));
            let plain = !source.starts_with(['*', '&', '!', '|', '>']);
            if quoted || plain {
                let at = if quoted { value.end - 1 } else { value.end };
                let position = converter.range(&(at..at)).start;
                hints.push(ChunkHint {
                    kind: HintKind::ImpliedTag,
                    hint: InlayHint {
                        position,
                        label: InlayHintLabel::String(":latest".to_owned()),
                        kind: None,
                        text_edits: None,
                        tooltip: Some(InlayHintTooltip::String(
                            "No tag and no digest: Kubernetes uses the tag `latest`.".to_owned(),
                        )),
                        padding_left: None,
                        padding_right: None,
                        data: None,
                    },
                });
            }
        }

        let EffectivePolicy::Default { policy, reason } = facts.effective else {
            continue;
        };
        // A template line inside the container may set the policy.
        if container.keys_may_be_hidden && container.policy.is_none() {
            continue;
        }
        let line = lines.line_of(value.start);
        let (_, key) = container.role.keys();
        let when = match container.object.defaulting {
            Defaulting::ApiServer => "Set by the API server when the object is first written.",
            Defaulting::Controller => "Applied when the controller creates the Pods.",
            Defaulting::KnativeDigestResolution => {
                "Knative resolves tags to digests, so its Pods usually get IfNotPresent."
            }
        };
        let tooltip = format!("Not set: {}. {when}", reason.explain());
        let line_end = lines.line_range(text, line).end;
        let position = converter.range(&(line_end..line_end)).start;
        let doc = &analysis.file.documents[container.document];
        let text_edits = set_policy(text, lines, doc, facts, policy, true).map(|fix| {
            fix.edits
                .iter()
                .map(|edit| TextEdit {
                    range: converter.range(&edit.range),
                    new_text: edit.new_text.clone(),
                })
                .collect()
        });
        hints.push(ChunkHint {
            kind: HintKind::DefaultPolicy,
            hint: InlayHint {
                position,
                label: InlayHintLabel::String(format!("{key}: {}", policy.as_str())),
                kind: None,
                text_edits,
                tooltip: Some(InlayHintTooltip::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: tooltip,
                })),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            },
        });
    }
    hints.sort_by_key(|ChunkHint { hint, .. }| (hint.position.line, hint.position.character));
    hints
}
