//! `yaml-syntax`: a document that does not parse.

use super::{Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "yaml-syntax",
        default_severity: Severity::Error,
        summary: "The YAML document does not parse",
        rationale:
            "kubectl, Argo CD and Flux reject a manifest that is not valid YAML, so nothing \
                    in it is applied. Each document of a file is parsed on its own: the broken \
                    one is reported here and the others are still checked. Helm template \
                    actions ({{ ... }}) are masked before parsing, so they are not errors.",
        options: "",
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for doc in &ctx.file.documents {
        let Some(error) = &doc.error else {
            continue;
        };
        // Masking cannot make every template valid YAML (actions that open
        // a flow collection in one branch and close it in another); Helm
        // reports real template errors when it renders, so a document with
        // template actions is never blamed for the YAML they produce.
        if ctx.text[doc.span.clone()].contains("{{") {
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
    fn valid_yaml_is_quiet() {
        assert!(findings("a: [1, 2]\n---\nb: {c: d}\n", "yaml-syntax").is_empty());
    }
}
