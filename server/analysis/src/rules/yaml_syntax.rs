//! `yaml-syntax`: a document that does not parse.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::text::TextRange;
use crate::yaml::{Document, NodeKind};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "yaml-syntax",
        default_severity: Severity::Error,
        family: Family::Yaml,
        phase: Phase::Document,
        summary: "The YAML document does not parse",
        rationale:
            "kubectl, Argo CD and Flux reject a manifest that is not valid YAML, so nothing \
                    in it is applied. Each document of a file is parsed on its own: the broken \
                    one is reported here and the others are still checked. Helm template \
                    actions ({{ ... }}) are masked before parsing, so they are not errors.",
        docs: "a YAML document does not parse (each document of a file is parsed on its own)",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for doc in &ctx.file.documents {
        let Some(error) = &doc.error else {
            continue;
        };
        if template_may_cause(ctx.text, doc, error.offset) {
            continue;
        }
        let start = error.offset.min(ctx.text.len());
        let end = ctx.text[start..]
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '\r')
            .map_or(start, |c| start + c.len_utf8());
        let message = format!("YAML syntax error: {}", error.message);
        out.push(ctx.finding(&RULE, start..end, message, None, Vec::new()));
    }
}

/// Whether a template action may have caused the error. Masking cannot
/// make every template valid YAML (`{{- if }}` branches that each render a
/// different structure), and Helm reports real template errors when it
/// renders, so such a document is not blamed for the YAML the actions
/// produce. An action inside a scalar or a comment that parsed before the
/// error (`title: '{{ template "x" . }}'`) changed no structure: the error
/// is the YAML's own and is reported.
fn template_may_cause(text: &str, doc: &Document, error_offset: usize) -> bool {
    // Actions up to the error (one starting right there included): the
    // parser has not read what comes after it.
    let mut searched_end = (error_offset + "{{".len()).clamp(doc.span.start, doc.span.end);
    while !text.is_char_boundary(searched_end) {
        searched_end += 1;
    }
    let mut harmless: Vec<&TextRange> = doc
        .nodes
        .iter()
        .filter(|node| matches!(node.kind, NodeKind::Scalar { .. }))
        .map(|node| &node.span)
        .chain(doc.comments.iter().map(|comment| &comment.span))
        .collect();
    harmless.sort_by_key(|span| span.start);
    let mut harmless = harmless.into_iter().peekable();
    for (at, _) in text[doc.span.start..searched_end].match_indices("{{") {
        let at = doc.span.start + at;
        while harmless.next_if(|span| span.end <= at).is_some() {}
        let inside_harmless = harmless.peek().is_some_and(|span| span.start <= at);
        if !inside_harmless {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::findings;

    #[test]
    fn reports_the_broken_document_at_its_position() {
        let text = "a: 1\n---\nkind: Pod\nspec: [1\n";
        let found = findings(text, "yaml-syntax");
        assert_eq!(found.len(), 1);
        assert!(found[0].range.start >= text.find("spec").unwrap());
        assert!(found[0].message.starts_with("YAML syntax error: "));
    }

    #[test]
    fn helm_template_actions_are_not_errors() {
        let text = "spec:\n  {{- if .Values.x }}\n  replicas: {{ .Values.n }}\n  {{- end }}\n  image: {{ .Values.image }}\n";
        assert!(findings(text, "yaml-syntax").is_empty());
    }

    #[test]
    fn template_branches_that_do_not_mask_to_yaml_are_not_errors() {
        let text = "alerting:\n  alertmanagers:\n  {{- if .Values.a }}\n  {{- include \"x\" . | nindent 6 }}\n  {{- else if .Values.b }}\n    - name: a\n  {{- else }}\n    []\n  {{- end }}\n";
        assert!(findings(text, "yaml-syntax").is_empty());
    }

    #[test]
    fn errors_of_the_yaml_itself_are_reported_in_templates() {
        // Actions only inside quoted values: masking changed no structure.
        let text = "receivers:\n- name: slack\n  send_resolved: true\n   title: '{{ template \"slack.title\" . }}'\n  text: '{{ .Text }}'\n";
        let found = findings(text, "yaml-syntax");
        assert_eq!(found.len(), 1);
        assert!(found[0].range.start > text.find("title").unwrap());
        let text = "# {{ .Chart.Name }}\nimage: \"{{ .Values.image }}\"\nspec: [1\n";
        assert_eq!(findings(text, "yaml-syntax").len(), 1);
    }

    #[test]
    fn valid_yaml_is_quiet() {
        assert!(findings("a: [1, 2]\n---\nb: {c: d}\n", "yaml-syntax").is_empty());
    }
}
