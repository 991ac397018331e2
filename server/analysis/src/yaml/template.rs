//! Masking of Go-template actions (`{{ … }}`) so that Helm templates parse as YAML.
//!
//! Every byte of an action is replaced, so byte offsets into the masked text
//! are byte offsets into the original. A line that holds nothing but actions
//! (`{{- if .Values.x }}`, `{{ include … | nindent 4 }}`) becomes blank, so
//! it cannot break the block structure around it; an action inside a line
//! (`image: {{ .Values.image }}`) becomes a run of `_`, a plain scalar that is
//! also safe inside quotes.

use std::borrow::Cow;

use crate::text::TextRange;

/// Text with template actions masked.
#[derive(Debug, Clone)]
pub struct MaskedText<'a> {
    pub text: Cow<'a, str>,
    /// Lines (zero-based) that held only template actions: their YAML content
    /// is unknown, so a mapping spanning one may have keys we cannot see.
    pub action_lines: Vec<usize>,
}

impl MaskedText<'_> {
    pub fn has_actions(&self) -> bool {
        matches!(self.text, Cow::Owned(_))
    }
}

/// True when a scalar's source text holds a template or substitution
/// expression: Helm / Argo Workflows `{{`, Flux envsubst `${`, Tekton `$(`.
pub fn contains_template_expression(source: &str) -> bool {
    source.contains("{{") || source.contains("${") || source.contains("$(")
}

/// Byte ranges of every `{{ … }}` action, including `{{-`/`-}}` trims and
/// multi-line actions. An action that never closes is left alone.
fn action_ranges(text: &str) -> Vec<TextRange> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{") {
        let start = from + open;
        let Some(close) = text[start + 2..].find("}}") else {
            break;
        };
        let end = start + 2 + close + 2;
        ranges.push(start..end);
        from = end;
    }
    ranges
}

pub fn mask_template_actions(text: &str) -> MaskedText<'_> {
    let ranges = action_ranges(text);
    if ranges.is_empty() {
        return MaskedText {
            text: Cow::Borrowed(text),
            action_lines: Vec::new(),
        };
    }
    let mut masked = text.as_bytes().to_vec();
    let mut in_action = vec![false; text.len()];
    for range in &ranges {
        in_action[range.clone()].fill(true);
    }
    let mut action_lines = Vec::new();
    let mut line_start = 0;
    let mut line_number = 0;
    let bytes = text.as_bytes();
    while line_start <= bytes.len() {
        let line_end = bytes[line_start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes.len(), |p| line_start + p);
        let line = line_start..line_end;
        let touches_action = in_action[line.clone()].iter().any(|&a| a);
        if touches_action {
            let only_actions = line
                .clone()
                .all(|i| in_action[i] || bytes[i] == b' ' || bytes[i] == b'\t');
            let fill = if only_actions { b' ' } else { b'_' };
            if only_actions {
                action_lines.push(line_number);
            }
            for i in line {
                if in_action[i] {
                    masked[i] = fill;
                }
            }
        }
        if line_end >= bytes.len() {
            break;
        }
        line_start = if bytes[line_end] == b'\r' && bytes.get(line_end + 1) == Some(&b'\n') {
            line_end + 2
        } else {
            line_end + 1
        };
        line_number += 1;
    }
    // Only ASCII bytes were written, and whole characters were replaced
    // (actions start and end on ASCII braces), so this cannot fail.
    let text = String::from_utf8(masked)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
    MaskedText {
        text: Cow::Owned(text),
        action_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_offsets_and_blanks_control_lines() {
        let src = "spec:\n  {{- if .Values.x }}\n  image: \"{{ .Values.img }}:é\"\n  {{- end }}\n";
        let masked = mask_template_actions(src);
        assert_eq!(masked.text.len(), src.len());
        assert_eq!(masked.action_lines, vec![1, 3]);
        assert!(masked.text.contains("\n                     \n"));
        assert!(masked.text.contains("image: \"_________________:é\""));
    }

    #[test]
    fn multi_line_actions_and_non_ascii_inside() {
        let src = "a: {{ include \"x\" (dict\n  \"é\" 1) }}\nb: 2\n";
        let masked = mask_template_actions(src);
        assert_eq!(masked.text.len(), src.len());
        assert!(masked.text.starts_with("a: _____"));
        assert_eq!(masked.action_lines, vec![1]);
        assert!(masked.text.ends_with("\nb: 2\n"));
    }

    #[test]
    fn leaves_plain_yaml_and_unclosed_actions_alone() {
        assert!(!mask_template_actions("a: b\n").has_actions());
        assert!(!mask_template_actions("a: {{ b\n").has_actions());
    }

    #[test]
    fn recognises_expressions() {
        assert!(contains_template_expression("{{ .Values.x }}"));
        assert!(contains_template_expression("nginx:${TAG}"));
        assert!(contains_template_expression("$(params.image)"));
        assert!(!contains_template_expression("nginx:1.25"));
    }
}
