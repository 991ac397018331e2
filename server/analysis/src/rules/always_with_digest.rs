//! `always-with-digest`: Always on a digest-pinned image (off by default).

use super::{report_written_policy, ContainerFacts, Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::image::PullPolicy;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "always-with-digest",
        default_severity: Severity::Off,
        family: Family::PullPolicy,
        phase: Phase::Document,
        summary: "Always on a digest-pinned image: a registry outage blocks restarts for nothing",
        rationale: "With Always the kubelet asks the registry on every container start, even when \
                    the image is cached. A digest already pins the content, so the check gains \
                    nothing, and while the registry is down, restarts and scale-ups fail with \
                    ImagePullBackOff. IfNotPresent is enough for a digest.",
        docs: "`Always` on a digest-pinned image: a registry outage blocks restarts for nothing",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    let pinned = |facts: &ContainerFacts| {
        facts
            .valid_reference()
            .is_some_and(|reference| reference.digest.is_some())
    };
    report_written_policy(
        ctx,
        &RULE,
        out,
        (PullPolicy::Always, PullPolicy::IfNotPresent),
        pinned,
        "imagePullPolicy Always on a digest-pinned image: every container start needs the \
         registry although the content cannot change",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings, fixed};

    #[test]
    fn fires_on_always_with_digest() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n    imagePullPolicy: Always\n";
        let found = findings(text, "always-with-digest");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(text, &found[0]), "Always");
        assert!(fixed(text, "always-with-digest").ends_with("imagePullPolicy: IfNotPresent\n"));
        let tagged = text
            .replace("app@sha256", "app:1@sha256")
            .replace("Always", "IfNotPresent");
        assert!(findings(&tagged, "always-with-digest").is_empty());
    }

    #[test]
    fn off_by_default() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n    imagePullPolicy: Always\n";
        let analysis = crate::analyze(text, &crate::config::Config::default());
        assert!(analysis
            .findings
            .iter()
            .all(|f| f.rule != "always-with-digest"));
    }
}
