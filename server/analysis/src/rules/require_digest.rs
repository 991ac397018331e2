//! `require-digest`: images must be pinned by digest (off by default).

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "require-digest",
        default_severity: Severity::Off,
        family: Family::ImageReference,
        phase: Phase::Document,
        summary: "The image is not pinned by digest",
        rationale: "A tag can be moved to other content at any time; only a digest \
                    (`@sha256:...`) makes the manifest name exactly one image, which supply-chain \
                    policies often require.",
        docs: "the image is not pinned by digest",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for (facts, field, reference) in ctx.parsed_images() {
        if reference.digest.is_some() {
            continue;
        }
        let image = field.text.as_deref().unwrap_or_default();
        let message = format!("image \"{image}\" is not pinned by digest (@sha256:...)");
        out.push(ctx.finding(
            &RULE,
            field.value_range.clone(),
            message,
            Some(facts),
            Vec::new(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings};

    #[test]
    fn fires_without_digest() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:1\n  - name: b\n    image: app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
        let found = findings(text, "require-digest");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(text, &found[0]), "app:1");
    }
}
