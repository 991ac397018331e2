//! `require-pull-policy`: an organisation's allowed pull policies (off by default).

use super::{AllowedValue, Family, OptionValue, Phase, Rule, RuleContext, RuleMeta, RuleOption};
use crate::finding::{Finding, Severity};
use crate::k8s::EffectivePolicy;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "require-pull-policy",
        default_severity: Severity::Off,
        family: Family::PullPolicy,
        phase: Phase::Document,
        summary: "The effective pull policy is not one the configuration allows",
        rationale: "Some organisations require one policy everywhere, for example Always so that \
                    image pull credentials are checked on every start, or IfNotPresent to ride \
                    out registry outages. The check uses the effective policy, so an omitted \
                    field counts as the value Kubernetes would fill in.",
        docs: "the effective policy is not in the configured `allowed` list",
        options: &[RuleOption {
            name: "allowed",
            value: OptionValue::EnumList(&[
                AllowedValue {
                    value: "Always",
                    description: "Always pull (resolve the tag at every container start).",
                },
                AllowedValue {
                    value: "IfNotPresent",
                    description: "Pull only when the image is not on the node.",
                },
                AllowedValue {
                    value: "Never",
                    description: "Never pull: the image must be preloaded.",
                },
            ]),
            required_when_on: true,
            description: "the effective pull policies a container may have",
        }],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    let allowed = &ctx.options.allowed_pull_policies;
    let Some(&replacement) = allowed.first() else {
        return;
    };
    for facts in ctx.containers {
        if !facts.runs_image() {
            continue;
        }
        let Some(policy) = facts.effective.policy() else {
            continue;
        };
        if allowed.contains(&policy) {
            continue;
        }
        let allowed_list = allowed
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let (range, how) = match (&facts.effective, ctx.own_policy(facts)) {
            (EffectivePolicy::Explicit { .. }, Some(field)) => (field.value_range.clone(), "is"),
            (EffectivePolicy::Explicit { .. }, None) => {
                (facts.anchor_range(ctx.file), "is inherited as")
            }
            _ => (facts.anchor_range(ctx.file), "defaults to"),
        };
        let message = format!(
            "imagePullPolicy {how} {}, which the configuration does not allow (allowed: {allowed_list})",
            policy.as_str()
        );
        let fixes = ctx
            .policy_fix(facts, replacement, false)
            .into_iter()
            .collect();
        out.push(ctx.finding(&RULE, range, message, Some(facts), fixes));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings_with};

    const OPTIONS: &str = "    allowed: [Always]\n";

    #[test]
    fn checks_explicit_and_defaulted_policies() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:1\n  - name: b\n    image: app:2\n    imagePullPolicy: Never\n  - name: c\n    image: app\n";
        let found = findings_with(text, "require-pull-policy", OPTIONS);
        assert_eq!(found.len(), 2);
        assert_eq!(covered(text, &found[0]), "a");
        assert!(found[0].message.contains("defaults to IfNotPresent"));
        assert_eq!(covered(text, &found[1]), "Never");
    }
}
