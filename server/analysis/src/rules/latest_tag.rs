//! `latest-tag`: the image is `:latest` or untagged, and not pinned by digest.

use super::{is_latest_without_digest, Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "latest-tag",
        default_severity: Severity::Warning,
        family: Family::ImageReference,
        phase: Phase::Document,
        summary: "The image tag is latest or missing, so Git does not decide what runs",
        rationale: "`:latest` (or no tag, which means `:latest`) points at whatever was pushed \
                    last. Two nodes can run different code from the same manifest, a rollback \
                    does not roll back, and a GitOps diff shows nothing when the image changes. \
                    Pin a version tag or a digest. This is the one warning an untagged \
                    container gets: the policy it implies (Always) is shown as an inlay hint \
                    and an `implicit-pull-policy` hint, not a second warning.",
        docs: "tag `latest` or no tag, and no digest (the one warning an untagged container \
                gets)",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for (facts, field, reference) in ctx.parsed_images() {
        if !is_latest_without_digest(reference) {
            continue;
        }
        let image = field.text.as_deref().unwrap_or_default();
        let message = match reference.tag {
            Some(_) => format!(
                "image \"{image}\" uses the mutable :latest tag; pin a version or a digest so \
                 that Git decides what runs"
            ),
            None => format!(
                "image \"{image}\" has no tag, so it runs whatever :latest is when a node \
                 pulls it; pin a version or a digest so that Git decides what runs"
            ),
        };
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

    fn pod(image: &str) -> String {
        format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: {image}\n    imagePullPolicy: Always\n")
    }

    #[test]
    fn fires_on_latest_and_missing_tags() {
        for image in [
            "nginx",
            "nginx:latest",
            "localhost:5000/app",
            "ghcr.io/org/app",
        ] {
            let text = pod(image);
            let found = findings(&text, "latest-tag");
            assert_eq!(found.len(), 1, "{image}");
            assert_eq!(covered(&text, &found[0]), image);
        }
    }

    #[test]
    fn pinned_images_are_quiet() {
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        for image in [
            "nginx:1.25".to_owned(),
            "nginx:LATEST".to_owned(),
            "localhost:5000".to_owned(),
            format!("nginx@{digest}"),
            format!("nginx:latest@{digest}"),
            "Nginx".to_owned(),
        ] {
            assert!(findings(&pod(&image), "latest-tag").is_empty(), "{image}");
        }
    }
}
