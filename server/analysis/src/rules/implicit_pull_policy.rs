//! `implicit-pull-policy`: no `imagePullPolicy`, so the API server picks one.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::image::PullPolicy;
use crate::k8s::{Defaulting, EffectivePolicy};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "implicit-pull-policy",
        default_severity: Severity::Hint,
        family: Family::PullPolicy,
        phase: Phase::Document,
        summary: "imagePullPolicy is not set; the API server picks it from the image tag",
        rationale: "A missing imagePullPolicy is filled in when the object is first written: \
                    Always for `:latest` or an untagged image, IfNotPresent otherwise (even \
                    for an invalid reference). With kubectl apply or server-side apply the \
                    value then sticks: change the tag later and the old policy stays. Writing \
                    the policy down makes the manifest say what the cluster does. The fix \
                    inserts the value Kubernetes would pick, so nothing changes. \
                    The default severity is hint, not warning: for a pinned tag the default \
                    IfNotPresent is what anyone would write, and for an untagged or `:latest` \
                    image `latest-tag` already warns about the real problem (Always is the \
                    right policy for a mutable tag). The cases where the default goes wrong \
                    have rules of their own: `latest-with-digest`, `invalid-image`, and \
                    `overlay-changes-policy` when an overlay changes the tag. As a hint it \
                    stays out of the way and still carries the fix; a team that wants every \
                    policy written down sets it to warning or error.",
        docs: "no `imagePullPolicy`; the message names the default and why; fix: insert that \
                value explicitly (behaviour unchanged). A hint, not a warning: for a pinned tag \
                the default IfNotPresent is what anyone would write, and for an untagged or \
                `:latest` image `latest-tag` is the warning (the cases where the default goes \
                wrong have their own rules: `latest-with-digest`, `invalid-image`, \
                `overlay-changes-policy`)",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for facts in ctx.containers {
        if !facts.runs_image() {
            continue;
        }
        let EffectivePolicy::Default { policy, reason } = facts.effective else {
            continue;
        };
        let container = &facts.container;
        // A template line inside the container may render the policy.
        if container.keys_may_be_hidden && container.policy.is_none() {
            continue;
        }
        let key = ctx.policy_key(facts);
        let when = match container.object.defaulting {
            Defaulting::ApiServer => "",
            Defaulting::Controller => {
                " (for this custom resource, when its controller creates the Pods)"
            }
            Defaulting::KnativeDigestResolution => {
                " (Knative usually resolves tags to digests first, so its Pods often get IfNotPresent)"
            }
        };
        let message = format!("{key} is not set: {}{when}", reason.explain());
        let mut fixes = Vec::new();
        fixes.extend(ctx.policy_fix(facts, policy, true));
        for other in PullPolicy::ALL.into_iter().filter(|p| *p != policy) {
            fixes.extend(ctx.policy_fix(facts, other, false));
        }
        let range = facts.anchor_range(ctx.file);
        out.push(ctx.finding(&RULE, range, message, Some(facts), fixes));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings, fixed};

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n      - name: side\n        image: busybox:1.36 # pinned\n        imagePullPolicy: IfNotPresent\n";

    #[test]
    fn names_the_default_and_points_at_the_container_name() {
        let found = findings(DEPLOYMENT, "implicit-pull-policy");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(DEPLOYMENT, &found[0]), "web");
        assert!(found[0].message.contains("Always"), "{}", found[0].message);
        let label = found[0].container.as_ref().unwrap();
        assert_eq!(label.path, "spec.template.spec.containers[0]");
        assert_eq!(label.object, "Deployment/web");
    }

    #[test]
    fn inserts_the_default_next_to_image() {
        let fixed = fixed(DEPLOYMENT, "implicit-pull-policy");
        assert!(fixed
            .contains("        image: nginx\n        imagePullPolicy: Always\n      - name: side"));
    }

    #[test]
    fn list_items_flow_mappings_comments_crlf_and_eof() {
        let cases = [
            (
                "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: nginx:1.25 # web\n    name: web\n",
                "  - image: nginx:1.25 # web\n    imagePullPolicy: IfNotPresent\n    name: web\n",
            ),
            (
                "kind: Pod\napiVersion: v1\nspec:\n  containers: [{name: a, image: \"nginx\"}]\n",
                "[{name: a, image: \"nginx\", imagePullPolicy: Always}]",
            ),
            (
                "kind: Pod\r\napiVersion: v1\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: 'app:2'\r\n",
                "    image: 'app:2'\r\n    imagePullPolicy: IfNotPresent\r\n",
            ),
            (
                "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    image: app",
                "    image: app\n    imagePullPolicy: Always",
            ),
        ];
        for (text, expected) in cases {
            let fixed = fixed(text, "implicit-pull-policy");
            assert!(fixed.contains(expected), "{fixed}");
        }
    }

    #[test]
    fn empty_policy_value_is_filled_in_not_duplicated() {
        let text = "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    imagePullPolicy:\n    image: app:1\n";
        assert!(fixed(text, "implicit-pull-policy")
            .contains("    imagePullPolicy: IfNotPresent\n    image: app:1\n"));
    }

    #[test]
    fn merged_image_gets_the_policy_in_the_container_itself() {
        let text = "kind: Pod\napiVersion: v1\nx-defaults: &d\n  image: app\nspec:\n  containers:\n  - <<: *d\n    name: a\n";
        let fixed = fixed(text, "implicit-pull-policy");
        assert!(
            fixed.ends_with("    name: a\n    imagePullPolicy: Always\n"),
            "{fixed}"
        );
        assert!(fixed.contains("  image: app\nspec"));
    }

    #[test]
    fn templated_images_and_hidden_keys_are_skipped() {
        let text = "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    image: \"{{ .Values.image }}\"\n  - name: b\n    image: app:1\n    {{- include \"policy\" . | nindent 4 }}\n";
        assert!(findings(text, "implicit-pull-policy").is_empty());
    }

    #[test]
    fn tekton_steps_inherit_the_step_template() {
        let text = "apiVersion: tekton.dev/v1\nkind: Task\nspec:\n  stepTemplate:\n    imagePullPolicy: IfNotPresent\n  steps:\n  - name: build\n    image: golang:1.22\n";
        assert!(findings(text, "implicit-pull-policy").is_empty());
    }
}
