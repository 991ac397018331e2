//! Inlay hints: the pull policy a container gets when it does not say, at
//! the end of its `image:` line, and the `:latest` an untagged image implies.

use gitops_ls_analysis::fix::set_policy;
use gitops_ls_analysis::image::DefaultReason;
use gitops_ls_analysis::k8s::{Defaulting, EffectivePolicy};
use tower_lsp::lsp_types::{
    InlayHint, InlayHintLabel, InlayHintTooltip, MarkupContent, MarkupKind, Range, TextEdit,
};

use gitops_ls_analysis::text::LineIndex;
use gitops_ls_analysis::Analysis;

use crate::encoding::PositionConverter;
use crate::encoding::PositionEncoding;
use crate::snapshot::{shift_range, DocAnalysis};

/// The hints of the chunks in `range`, in file positions, and the overlay results of the
/// index layer.
pub fn inlay_hints(analysis: &DocAnalysis, range: Range) -> Vec<InlayHint> {
    let mut hints = Vec::new();
    // Inserting the written image's default would change what these builds deploy: the
    // policy hint stays, without its double-click insertion.
    let overlay_lines: Vec<u32> = analysis.gitops.as_ref().map_or(Vec::new(), |layer| {
        let changed = layer.changes.iter().map(|change| change.image_range.start);
        changed
            .map(|offset| analysis.position_at(offset).line)
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
        for hint in &chunk.data.hints {
            let mut hint = hint.clone();
            hint.position.line += chunk.start_line;
            if merged_lines.contains(&hint.position.line) {
                continue;
            }
            if is_patch || overlay_lines.contains(&hint.position.line) {
                hint.text_edits = None;
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

/// The hints of one analysed chunk, positions local to it.
pub fn chunk_hints(
    text: &str,
    analysis: &Analysis,
    lines: &LineIndex,
    encoding: PositionEncoding,
) -> Vec<InlayHint> {
    let mut converter = PositionConverter::new(text, lines, encoding);
    let mut hints = Vec::new();
    {
        for facts in &analysis.containers {
            if !facts.runs_image() {
                continue;
            }
            let EffectivePolicy::Default { policy, reason } = facts.effective else {
                continue;
            };
            let container = &facts.container;
            // A template line inside the container may set the policy.
            if container.keys_may_be_hidden && container.policy.is_none() {
                continue;
            }
            let Some(image) = container.image.as_ref().filter(|f| f.own && !f.templated) else {
                continue;
            };
            let value = image.value_range.clone();
            if value.is_empty() || lines.line_of(value.start) != lines.line_of(value.end) {
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

            if reason == DefaultReason::NoTagNoDigest {
                let source = &text[value.clone()];
                let quoted = source.len() >= 2
                    && (source.starts_with('"') && source.ends_with('"')
                        || source.starts_with('\'') && source.ends_with('\''));
                let plain = !source.starts_with(['*', '&', '!', '|', '>']);
                if quoted || plain {
                    let at = if quoted { value.end - 1 } else { value.end };
                    let position = converter.range(&(at..at)).start;
                    hints.push(InlayHint {
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
                    });
                }
            }

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
            hints.push(InlayHint {
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
            });
        }
    }
    hints.sort_by_key(|hint| (hint.position.line, hint.position.character));
    hints
}
