//! Completion: `imagePullPolicy` values, and rule ids in suppression
//! comments (`# gitops-ls-ignore: …`) and in the `gitops-ls.io/ignore`
//! annotation.
//!
//! Completion reads the line as typed (the text may not parse yet); the
//! analysis, when it is current, only picks which value to preselect.

use gitops_ls_analysis::image::{default_pull_policy, PullPolicy};
use gitops_ls_analysis::k8s::IGNORE_ANNOTATION;
use gitops_ls_analysis::rules::RULES;
use gitops_ls_analysis::suppress::IGNORE_DIRECTIVE;
use tower_lsp::lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent,
    MarkupKind, Position, Range, TextEdit,
};

use crate::encoding::PositionEncoding;

/// The line being completed.
pub struct LineContext<'a> {
    /// The whole line, without its line break.
    pub line: &'a str,
    /// Byte offset of the cursor in `line`.
    pub cursor: usize,
    pub line_number: u32,
    pub encoding: PositionEncoding,
    /// The pull policy Kubernetes would pick for the container under the
    /// cursor, when known.
    pub default_policy: Option<PullPolicy>,
}

impl LineContext<'_> {
    fn position(&self, byte: usize) -> Position {
        Position::new(
            self.line_number,
            self.encoding.len_of(&self.line[..byte]) as u32,
        )
    }

    /// The range of the word around the cursor made of `allowed` characters.
    fn word_range(&self, allowed: impl Fn(char) -> bool) -> (usize, Range) {
        let before = &self.line[..self.cursor];
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| allowed(c))
            .last()
            .map_or(self.cursor, |(i, _)| i);
        let after = &self.line[self.cursor..];
        let end = self.cursor
            + after
                .char_indices()
                .find(|&(_, c)| !allowed(c))
                .map_or(after.len(), |(i, _)| i);
        (start, Range::new(self.position(start), self.position(end)))
    }
}

pub fn complete(ctx: &LineContext) -> Vec<CompletionItem> {
    let before = &ctx.line[..ctx.cursor];
    if let Some(listed) = rule_list_context(before) {
        return rule_items(ctx, &listed);
    }
    if is_policy_value_context(before) {
        return policy_items(ctx);
    }
    if let Some(items) = directive_items(ctx, before) {
        return items;
    }
    Vec::new()
}

/// `key: partial` where key is `imagePullPolicy` or `pullPolicy`.
fn is_policy_value_context(before: &str) -> bool {
    let mut rest = before.trim_start();
    while let Some(after_dash) = rest.strip_prefix('-') {
        if !after_dash.starts_with([' ', '\t']) {
            break;
        }
        rest = after_dash.trim_start();
    }
    // A flow mapping: complete after the last `{` or `,`.
    if let Some(i) = rest.rfind(['{', ',']) {
        rest = rest[i + 1..].trim_start();
    }
    let rest = rest.trim_start_matches(['"', '\'']);
    let Some(rest) = rest
        .strip_prefix("imagePullPolicy")
        .or_else(|| rest.strip_prefix("pullPolicy"))
    else {
        return false;
    };
    let rest = rest.trim_start_matches(['"', '\'']).trim_start();
    let Some(value) = rest.strip_prefix(':') else {
        return false;
    };
    let value = value.trim_start().trim_start_matches(['"', '\'']);
    value.chars().all(|c| c.is_ascii_alphabetic())
}

fn policy_items(ctx: &LineContext) -> Vec<CompletionItem> {
    let (_, range) = ctx.word_range(|c| c.is_ascii_alphabetic());
    PullPolicy::ALL
        .into_iter()
        .enumerate()
        .map(|(i, policy)| {
            let is_default = ctx.default_policy == Some(policy);
            CompletionItem {
                label: policy.as_str().to_owned(),
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                detail: Some(if is_default {
                    "what Kubernetes picks for this image".to_owned()
                } else {
                    "imagePullPolicy".to_owned()
                }),
                documentation: Some(markdown(policy_doc(policy))),
                preselect: is_default.then_some(true),
                sort_text: Some(format!("{i}")),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range,
                    new_text: policy.as_str().to_owned(),
                })),
                ..CompletionItem::default()
            }
        })
        .collect()
}

fn policy_doc(policy: PullPolicy) -> &'static str {
    match policy {
        PullPolicy::Always => {
            "The kubelet contacts the registry every time a container starts; an unreachable registry stops the start even when the image is cached. The default for `:latest` and untagged images."
        }
        PullPolicy::IfNotPresent => {
            "The kubelet pulls only when the image is not on the node. The default for any other tag, or a digest. With a mutable tag, nodes can run different content."
        }
        PullPolicy::Never => {
            "The kubelet never pulls: the image must already be on the node (`ErrImageNeverPull` otherwise). For local clusters and preloaded images."
        }
    }
}

/// Inside `# gitops-ls-ignore: a, b` or the ignore annotation's value: the
/// rules already listed.
fn rule_list_context(before: &str) -> Option<Vec<String>> {
    let list = if let Some(hash) = before.find('#') {
        let comment = before[hash + 1..].trim_start();
        let rest = comment.strip_prefix(IGNORE_DIRECTIVE)?.trim_start();
        rest.strip_prefix(':')?
    } else {
        let at = before.find(IGNORE_ANNOTATION)?;
        let rest = before[at + IGNORE_ANNOTATION.len()..].trim_start_matches(['"', '\'']);
        let rest = rest.trim_start().strip_prefix(':')?;
        rest.trim_start().trim_start_matches(['"', '\''])
    };
    let mut pieces: Vec<&str> = list.split(',').collect();
    let last = pieces.pop().unwrap_or_default();
    // Only while typing a rule id (not after `-- reason`).
    if !last
        .trim_start()
        .chars()
        .all(|c| c.is_ascii_lowercase() || c == '-')
    {
        return None;
    }
    Some(pieces.iter().map(|piece| piece.trim().to_owned()).collect())
}

fn rule_items(ctx: &LineContext, listed: &[String]) -> Vec<CompletionItem> {
    let (_, range) = ctx.word_range(|c| c.is_ascii_lowercase() || c == '-');
    RULES
        .iter()
        .filter(|rule| !listed.iter().any(|id| id == rule.meta.id))
        .map(|rule| CompletionItem {
            label: rule.meta.id.to_owned(),
            kind: Some(CompletionItemKind::VALUE),
            detail: Some(format!("{} (default)", rule.meta.default_severity)),
            documentation: Some(markdown(&format!(
                "{}\n\n{}",
                rule.meta.summary, rule.meta.rationale
            ))),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: rule.meta.id.to_owned(),
            })),
            ..CompletionItem::default()
        })
        .collect()
}

/// `# gitops-l` → `# gitops-ls-ignore: `.
fn directive_items(ctx: &LineContext, before: &str) -> Option<Vec<CompletionItem>> {
    let hash = before.rfind('#')?;
    let typed = before[hash + 1..].trim_start();
    if typed.is_empty() || !IGNORE_DIRECTIVE.starts_with(typed) {
        return None;
    }
    let (_, range) = ctx.word_range(|c| c.is_ascii_lowercase() || c == '-');
    Some(vec![CompletionItem {
        label: IGNORE_DIRECTIVE.to_owned(),
        kind: Some(CompletionItemKind::KEYWORD),
        detail: Some("suppress gitops-ls rules on this line".to_owned()),
        documentation: Some(markdown(
            "`# gitops-ls-ignore: rule-a, rule-b` after content suppresses those rules on its line; alone on a line, on the next line. Without a list, every rule.",
        )),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit {
            range,
            new_text: format!("{IGNORE_DIRECTIVE}: "),
        })),
        ..CompletionItem::default()
    }])
}

fn markdown(value: &str) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: value.to_owned(),
    })
}

/// The default pull policy for an image, for preselection.
pub fn default_for_image(image: &str) -> PullPolicy {
    default_pull_policy(image).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(line: &str, cursor: usize) -> Vec<String> {
        let ctx = LineContext {
            line,
            cursor,
            line_number: 0,
            encoding: PositionEncoding::Utf16,
            default_policy: None,
        };
        complete(&ctx).into_iter().map(|item| item.label).collect()
    }

    #[test]
    fn completes_policy_values() {
        let line = "        imagePullPolicy: If";
        assert_eq!(labels(line, line.len()).len(), 3);
        let line = "  - {name: x, imagePullPolicy: ";
        assert_eq!(labels(line, line.len()).len(), 3);
        assert!(labels("  image: nginx", 14).is_empty());
    }

    #[test]
    fn completes_rule_ids_not_yet_listed() {
        let line = "  image: nginx # gitops-ls-ignore: latest-tag, imp";
        let found = labels(line, line.len());
        assert!(found.contains(&"implicit-pull-policy".to_owned()));
        assert!(!found.contains(&"latest-tag".to_owned()));
        let line = "    gitops-ls.io/ignore: \"latest-tag,";
        assert!(labels(line, line.len()).contains(&"require-digest".to_owned()));
        let line = "  # gitops-l";
        assert_eq!(labels(line, line.len()), vec!["gitops-ls-ignore"]);
    }
}
