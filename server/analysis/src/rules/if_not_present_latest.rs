//! `if-not-present-latest`: explicit IfNotPresent on a `:latest` image.

use super::{is_latest_without_digest, Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::image::PullPolicy;
use crate::k8s::{EffectivePolicy, Field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "if-not-present-latest",
        default_severity: Severity::Warning,
        family: Family::PullPolicy,
        phase: Phase::Document,
        summary: "IfNotPresent on a latest or untagged image: nodes keep stale images",
        rationale: "With IfNotPresent the kubelet pulls only when the node has no image under \
                    that name. For a mutable tag each node keeps whatever it pulled first, so \
                    nodes drift apart and a rollout does not pick up a new push. Use Always, or \
                    pin a version or digest.",
        docs: "explicit `IfNotPresent` on a `latest`/untagged image: nodes keep stale images",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for facts in ctx.containers {
        let EffectivePolicy::Explicit {
            policy: PullPolicy::IfNotPresent,
            ..
        } = facts.effective
        else {
            continue;
        };
        let Some(reference) = facts.valid_reference() else {
            continue;
        };
        if !is_latest_without_digest(reference) {
            continue;
        }
        let own_policy = ctx.own_policy(facts);
        // Point at what is written in this container: its policy, else its
        // image, else its name. A value merged in with `<<` sits in another
        // mapping, shared by other containers, and may not be the culprit.
        let written_here = |field: &&Field| field.own;
        let range = match (
            own_policy.filter(written_here),
            ctx.own_image(facts).filter(written_here),
        ) {
            (Some(policy), _) => policy.value_range.clone(),
            (None, Some(image)) => image.value_range.clone(),
            (None, None) => facts.anchor_range(ctx.file),
        };
        let image = facts.image_text().unwrap_or_default();
        let message = format!(
            "imagePullPolicy IfNotPresent with \"{image}\": each node keeps the first image it \
             pulled under this tag, so nodes drift and rollouts miss new pushes; use Always or \
             pin the image"
        );
        let fixes = match own_policy {
            Some(_) => ctx
                .policy_fix(facts, PullPolicy::Always, false)
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        out.push(ctx.finding(&RULE, range, message, Some(facts), fixes));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings, fixed};

    fn pod(image: &str, policy: &str) -> String {
        format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: {image}\n    imagePullPolicy: {policy}\n")
    }

    #[test]
    fn fires_on_latest_with_if_not_present() {
        let text = pod("nginx", "IfNotPresent");
        let found = findings(&text, "if-not-present-latest");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(&text, &found[0]), "IfNotPresent");
        assert!(fixed(&text, "if-not-present-latest").ends_with("imagePullPolicy: Always\n"));
    }

    #[test]
    fn quiet_for_pinned_images_and_other_policies() {
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(findings(&pod("nginx:1.25", "IfNotPresent"), "if-not-present-latest").is_empty());
        assert!(findings(
            &pod(&format!("nginx:latest@{digest}"), "IfNotPresent"),
            "if-not-present-latest"
        )
        .is_empty());
        assert!(findings(&pod("nginx:latest", "Always"), "if-not-present-latest").is_empty());
    }

    #[test]
    fn merged_values_are_reported_on_the_container() {
        let text = "apiVersion: v1\nkind: Pod\nx: &d\n  image: base:1\n  imagePullPolicy: IfNotPresent\ny: &l\n  image: app\nspec:\n  containers:\n  - <<: *d\n    name: a\n    image: app:latest\n  - <<: [*l, *d]\n    name: b\n";
        let found = findings(text, "if-not-present-latest");
        let covered: Vec<&str> = found.iter().map(|f| covered(text, f)).collect();
        assert_eq!(covered, ["app:latest", "b"]);
    }
}
