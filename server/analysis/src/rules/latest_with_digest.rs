//! `latest-with-digest`: `:latest@sha256:…` defaults to Always despite the digest.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::k8s::EffectivePolicy;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "latest-with-digest",
        default_severity: Severity::Info,
        family: Family::PullPolicy,
        phase: Phase::Document,
        summary: "`:latest@digest` defaults to Always even though the digest pins the image",
        rationale: "Kubernetes keeps the tag next to the digest when it derives the default, so \
                    `app:latest@sha256:...` gets Always: every container start needs the \
                    registry, although the content can never change. Drop the `:latest` or set \
                    the policy explicitly.",
        docs: "`:latest@sha256:…` defaults to `Always` despite the digest",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for (facts, field, reference) in ctx.parsed_images() {
        if !matches!(facts.effective, EffectivePolicy::Default { .. }) {
            continue;
        }
        if reference.digest.is_none() || reference.tag.as_deref() != Some("latest") {
            continue;
        }
        let image = field.text.as_deref().unwrap_or_default();
        let message = format!(
            "\"{image}\" defaults to imagePullPolicy Always because the tag is latest, even \
             though the digest pins the content"
        );
        let mut fixes = Vec::new();
        // Only a plain or quoted scalar written in place can be edited safely.
        let written = &ctx.text[field.value_range.clone()];
        if let Some(at) = written.find(":latest@") {
            let start = field.value_range.start + at;
            fixes.push(Fix {
                title: "Remove the :latest tag (the default becomes IfNotPresent)".to_owned(),
                edits: vec![Edit {
                    range: start..start + ":latest".len(),
                    new_text: String::new(),
                }],
                safe: false,
            });
        }
        out.push(ctx.finding(
            &RULE,
            field.value_range.clone(),
            message,
            Some(facts),
            fixes,
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings, fixed};

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn fires_when_the_policy_is_implicit() {
        let text = format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:latest@{DIGEST}\n");
        let found = findings(&text, "latest-with-digest");
        assert_eq!(found.len(), 1);
        assert!(covered(&text, &found[0]).starts_with("app:latest@sha256:"));
        assert!(fixed(&text, "latest-with-digest").contains(&format!("image: app@{DIGEST}")));
    }

    #[test]
    fn quiet_with_an_explicit_policy_or_another_tag() {
        let explicit = format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:latest@{DIGEST}\n    imagePullPolicy: IfNotPresent\n");
        assert!(findings(&explicit, "latest-with-digest").is_empty());
        let other = format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:1@{DIGEST}\n");
        assert!(findings(&other, "latest-with-digest").is_empty());
    }
}
