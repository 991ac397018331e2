//! `duplicate-key`: a mapping that repeats a key.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, RelatedLocation, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "duplicate-key",
        default_severity: Severity::Error,
        family: Family::Yaml,
        phase: Phase::Document,
        summary: "A mapping repeats a key",
        rationale: "YAML forbids repeated keys and Kubernetes' strict decoding rejects them \
                    (\"mapping key already defined\"); tools that do accept them silently keep \
                    one of the values, so what you read is not what is applied.",
        docs: "a mapping repeats a key",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    let action_lines = &ctx.file.template_action_lines;
    for doc in &ctx.file.documents {
        for duplicate in &doc.duplicate_keys {
            let first_line = ctx.lines.line_of(duplicate.previous.start);
            let second_line = ctx.lines.line_of(duplicate.duplicate.start);
            // In a Helm template the two keys usually sit in different
            // branches of an `if`/`else`; only one is ever rendered.
            // (`action_lines` is sorted: the first one after `first_line`.)
            let next_action_line = action_lines.partition_point(|&line| line <= first_line);
            let split_by_template = action_lines
                .get(next_action_line)
                .is_some_and(|&line| line < second_line);
            if split_by_template {
                continue;
            }
            // The first key is a related location, not a line number in the message, so
            // the message stays right when only part of a file is analysed (the editor
            // analyses one YAML document at a time).
            let message = format!(
                "duplicate key \"{}\": already set above; Kubernetes rejects the manifest \
                 (mapping key \"{}\" already defined)",
                duplicate.key, duplicate.key
            );
            let mut finding = ctx.finding(
                &RULE,
                duplicate.duplicate.clone(),
                message,
                None,
                Vec::new(),
            );
            finding.related.push(RelatedLocation {
                file: None,
                range: duplicate.previous.clone(),
                message: format!("\"{}\" first set here", duplicate.key),
            });
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings};

    #[test]
    fn reports_the_second_key() {
        let text = "spec:\n  containers:\n  - name: a\n    image: x:1\n    image: y:1\n";
        let found = findings(text, "duplicate-key");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(text, &found[0]), "image");
        assert!(found[0].range.start > text.find("y:1").unwrap() - 10);
        let first = &found[0].related[0];
        assert_eq!(
            (first.file.as_ref(), &text[first.range.clone()]),
            (None, "image")
        );
        assert_eq!(first.range.start, text.find("image").unwrap());
    }

    #[test]
    fn same_key_in_different_mappings_is_fine() {
        let text = "a:\n  name: x\nb:\n  name: x\n";
        assert!(findings(text, "duplicate-key").is_empty());
    }

    #[test]
    fn helm_if_else_branches_are_not_duplicates() {
        let text = "{{- if .Values.a }}\nimage: x\n{{- else }}\nimage: y\n{{- end }}\n";
        assert!(findings(text, "duplicate-key").is_empty());
    }

    #[test]
    fn a_repeat_within_one_branch_is_a_duplicate() {
        let text = "{{- if .Values.a }}\nimage: x\n{{- else }}\nimage: y\nimage: z\n{{- end }}\n";
        let found = findings(text, "duplicate-key");
        assert_eq!(found.len(), 1);
        let first = found[0].related[0].range.start;
        assert_eq!(first, text.find("image: y").unwrap());
    }
}
