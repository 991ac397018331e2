//! `never-pull-policy`: `imagePullPolicy: Never`.

use super::{report_written_policy, Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::image::PullPolicy;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "never-pull-policy",
        default_severity: Severity::Warning,
        family: Family::PullPolicy,
        phase: Phase::Document,
        summary: "imagePullPolicy Never: Pods fail unless the image is preloaded on the node",
        rationale: "With Never the kubelet never pulls. On any node without the image the Pod \
                    fails with ErrImageNeverPull (\"Container image ... is not present with pull \
                    policy of Never\"). That is right for kind or minikube with side-loaded \
                    images, rarely for a shared cluster.",
        docs: "`Never`: `ErrImageNeverPull` unless the image is preloaded",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    report_written_policy(
        ctx,
        &RULE,
        out,
        (PullPolicy::Never, PullPolicy::IfNotPresent),
        |_| true,
        "imagePullPolicy Never: the Pod fails with ErrImageNeverPull on any node that does not \
         already have the image",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings};

    #[test]
    fn fires_on_never_only() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:1\n    imagePullPolicy: Never\n";
        let found = findings(text, "never-pull-policy");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(text, &found[0]), "Never");
        assert!(!found[0].fixes[0].safe);
        let always = text.replace("Never", "Always");
        assert!(findings(&always, "never-pull-policy").is_empty());
    }
}
