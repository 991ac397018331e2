//! Masking of Go-template actions (`{{ … }}`) so that Helm templates parse as YAML.
//!
//! Every byte of an action is replaced, so byte offsets into the masked text
//! are byte offsets into the original. A line that holds nothing but actions
//! (`{{- if .Values.x }}`, `{{ include … | nindent 4 }}`) becomes empty lines,
//! so it cannot break the block structure around it; an action inside a line
//! (`image: {{ .Values.image }}`) becomes a run of `_`, a plain scalar that is
//! also safe inside quotes.

use std::borrow::Cow;

use crate::text::TextRange;
use crate::work::{self, Counter};

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
        let Some(close) = action_close(text, start) else {
            break;
        };
        let end = close + 2;
        ranges.push(start..end);
        from = end;
    }
    ranges
}

/// The offset of the `}}` that closes the action opened by the `{{` at `open`, as Go's
/// template lexer finds it: a `}}` inside a comment (`{{/* … */}}`), a quoted string, a
/// raw string or a character constant does not close it. An action Go cannot lex (an
/// unterminated comment or raw string) ends at its first `}}`, so that one broken action
/// does not hide the rest of the file. `None` when no `}}` follows.
pub fn action_close(text: &str, open: usize) -> Option<usize> {
    let close = lexed_action_close(text, open)
        .or_else(|| text[open + 2..].find("}}").map(|close| open + 2 + close));
    let lexed = close.map_or(text.len(), |close| close + 2) - open;
    work::count(Counter::TemplateBytes, lexed as u64);
    close
}

fn lexed_action_close(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = open + 2;
    // `{{- /* … */ -}}`: a comment runs to its `*/`, then the delimiter follows.
    let body = text[at..].trim_start_matches('-').trim_start();
    if body.starts_with("/*") {
        let comment = text.len() - body.len();
        let end = text[comment + 2..].find("*/")? + comment + 4;
        return text[end..].find("}}").map(|close| end + close);
    }
    while at + 1 < bytes.len() {
        match bytes[at] {
            b'}' if bytes[at + 1] == b'}' => return Some(at),
            quote @ (b'"' | b'\'') => {
                at += 1;
                while at < bytes.len() && bytes[at] != quote && bytes[at] != b'\n' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
            }
            b'`' => at += text[at + 1..].find('`')? + 1,
            _ => {}
        }
        at += 1;
    }
    None
}

/// Byte ranges of the lines of `text`, without their line breaks.
fn line_ranges(text: &str) -> Vec<TextRange> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut line_start = 0;
    loop {
        let line_end = bytes[line_start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes.len(), |p| line_start + p);
        lines.push(line_start..line_end);
        if line_end >= bytes.len() {
            return lines;
        }
        line_start = if bytes[line_end] == b'\r' && bytes.get(line_end + 1) == Some(&b'\n') {
            line_end + 2
        } else {
            line_end + 1
        };
    }
}

fn indentation(bytes: &[u8], line: &TextRange) -> usize {
    bytes[line.clone()]
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
}

/// Column of the first key on a line: after the indentation and any `- `
/// sequence entry markers (`  - name: x` → 4).
fn key_column(bytes: &[u8], line: &TextRange) -> usize {
    let mut column = indentation(bytes, line);
    while bytes.get(line.start + column) == Some(&b'-')
        && matches!(bytes.get(line.start + column + 1), Some(b' ' | b'\t'))
    {
        column += 1;
        column += bytes[line.start + column..line.end]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
    }
    column
}

pub fn mask_template_actions(text: &str) -> MaskedText<'_> {
    let ranges = action_ranges(text);
    if ranges.is_empty() {
        return MaskedText {
            text: Cow::Borrowed(text),
            action_lines: Vec::new(),
        };
    }
    let bytes = text.as_bytes();
    let mut masked = bytes.to_vec();
    let mut in_action = vec![false; text.len()];
    for range in &ranges {
        in_action[range.clone()].fill(true);
    }
    let is_blank = |i: usize| bytes[i] == b' ' || bytes[i] == b'\t';
    let lines = line_ranges(text);
    // Where each action-only line's masked part ends: the line end, or the
    // start of a trailing comment (`{{- if .x }} # why`).
    let action_only_end: Vec<Option<usize>> = lines
        .iter()
        .map(|line| {
            let first_content = line.clone().find(|&i| !in_action[i] && !is_blank(i));
            let has_action = line.clone().any(|i| in_action[i]);
            match first_content {
                _ if !has_action => None,
                None => Some(line.end),
                Some(i) if bytes[i] == b'#' && !(i..line.end).any(|j| in_action[j]) => Some(i),
                Some(_) => None,
            }
        })
        .collect();
    let mut action_lines = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        if let Some(end) = action_only_end[number] {
            // Line breaks, not spaces: a blank line with more spaces than a
            // block scalar's indentation is an error, an empty one never is.
            action_lines.push(number);
            masked[line.start..end].fill(b'\n');
            continue;
        }
        if !line.clone().any(|i| in_action[i]) {
            continue;
        }
        let nested_block =
            renders_nested_block(bytes, &lines, &action_only_end, &in_action, number);
        // Where the line's trailing run of actions and blanks starts, found
        // once: asking per action would be quadratic on a line of actions.
        let tail_start = line
            .clone()
            .rev()
            .find(|&j| !in_action[j] && !is_blank(j))
            .map_or(line.start, |j| j + 1);
        let mut i = line.start;
        while i < line.end {
            if !in_action[i] {
                i += 1;
                continue;
            }
            let action_end = (i..line.end).find(|&j| !in_action[j]).unwrap_or(line.end);
            let rest_is_actions = action_end >= tail_start;
            // `"{{ . }}"{{ end }}`: an action after a closed value is not
            // part of it, so it becomes trailing blanks.
            let after_closed_value =
                i > line.start && matches!(bytes[i - 1], b'"' | b'\'' | b']' | b'}');
            let fill = if rest_is_actions && (nested_block || after_closed_value) {
                b' '
            } else {
                b'_'
            };
            masked[i..action_end].fill(fill);
            i = action_end;
        }
    }
    // Only ASCII bytes were written, over whole characters (actions start
    // and end on ASCII braces), so the text stays UTF-8.
    let text = String::from_utf8(masked)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
    MaskedText {
        text: Cow::Owned(text),
        action_lines,
    }
}

/// `labels: {{- include "x" . | nindent 4 }}` followed by more-indented
/// lines: the action renders the first entries of a nested block, so the
/// key must stay a key with a nested block rather than get a scalar value.
fn renders_nested_block(
    bytes: &[u8],
    lines: &[TextRange],
    action_only_end: &[Option<usize>],
    in_action: &[bool],
    number: usize,
) -> bool {
    let line = &lines[number];
    let Some(last) = line
        .clone()
        .rev()
        .find(|&i| bytes[i] != b' ' && bytes[i] != b'\t')
    else {
        return false;
    };
    if !in_action[last] {
        return false;
    }
    let action_start = (line.start..=last)
        .rev()
        .find(|&i| !in_action[i])
        .map_or(line.start, |i| i + 1);
    let before = std::str::from_utf8(&bytes[line.start..action_start]).unwrap_or_default();
    if !before.trim_end().ends_with(':') {
        return false;
    }
    let next_content = lines[number + 1..]
        .iter()
        .zip(&action_only_end[number + 1..])
        .find(|(next, only)| {
            only.is_none()
                && !bytes[(*next).clone()]
                    .iter()
                    .all(|b| *b == b' ' || *b == b'\t')
        });
    next_content.is_some_and(|(next, _)| indentation(bytes, next) > key_column(bytes, line))
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
        assert!(masked
            .text
            .starts_with("spec:\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"));
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
    fn action_that_renders_a_nested_block_keeps_the_key_a_key() {
        let src = "labels: {{- include \"l\" . | nindent 4 }}\n    app: x\nimage: {{ .Values.i }}\nname: n\n";
        let masked = mask_template_actions(src);
        assert!(masked.text.starts_with("labels:     "), "{}", masked.text);
        assert!(masked.text.contains("image: ______"));
        let docs = crate::yaml::parse_documents(&masked.text);
        assert!(docs[0].error.is_none());
    }

    #[test]
    fn many_actions_on_one_line_are_masked() {
        let src = format!(
            "key: {}\nk: [{{{{ .a }}}}]{{{{ end }}}}\n",
            "{{ .a }} ".repeat(200_000)
        );
        // Linear time: `many_actions_on_one_line` in tests/hostile.rs runs this shape
        // under the hang watchdog.
        let masked = mask_template_actions(&src);
        assert!(masked.text.starts_with("key: ________ ________ "));
        // Trailing actions after a closed value still become blanks.
        assert!(masked.text.ends_with("\nk: [________]         \n"));
    }

    #[test]
    fn action_after_a_list_item_key_is_a_scalar() {
        let src = "containers:\n  - name: {{ .Chart.Name }}\n    image: x\n";
        let masked = mask_template_actions(src);
        assert!(
            masked.text.contains("- name: ________________"),
            "{}",
            masked.text
        );
    }

    #[test]
    fn leaves_plain_yaml_and_unclosed_actions_alone() {
        assert!(!mask_template_actions("a: b\n").has_actions());
        assert!(!mask_template_actions("a: {{ b\n").has_actions());
    }

    #[test]
    fn closing_braces_in_comments_and_strings_do_not_end_the_action() {
        fn close(text: &str) -> Option<&str> {
            action_close(text, 0).map(|at| &text[at..])
        }
        assert_eq!(close("{{/* a }} b */}} x"), Some("}} x"));
        assert_eq!(close("{{- /* }} */ -}} x"), Some("}} x"));
        assert_eq!(close("{{ printf \"}}\" }} x"), Some("}} x"));
        assert_eq!(close("{{ printf `}}` }} x"), Some("}} x"));
        assert_eq!(close("{{ '}' }} x"), Some("}} x"));
        assert_eq!(close("{{ \"a\\\"}}\" }} x"), Some("}} x"));
        assert_eq!(close("{{ .a }}"), Some("}}"));
        // Go cannot lex these: the first `}}` ends them.
        assert_eq!(close("{{/* }} x"), Some("}} x"));
        assert_eq!(close("{{ `}} x"), Some("}} x"));
        assert_eq!(close("{{ .a "), None);
        // A string that does not close on its line stops at the line's end.
        assert_eq!(close("{{ \"a\n}}"), Some("}}"));
        let src = "image: {{/* {{ .x }} */}}{{ .Values.image }}\nname: n\n";
        assert_eq!(action_ranges(src).len(), 2);
    }

    #[test]
    fn recognises_expressions() {
        assert!(contains_template_expression("{{ .Values.x }}"));
        assert!(contains_template_expression("nginx:${TAG}"));
        assert!(contains_template_expression("$(params.image)"));
        assert!(!contains_template_expression("nginx:1.25"));
    }
}
