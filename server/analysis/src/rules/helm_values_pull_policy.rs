//! `helm-values-pull-policy`: a chart's `values.yaml` holds a value that a template renders
//! as `imagePullPolicy`, and it is not exactly `Always`, `IfNotPresent` or `Never`
//! (`pullPolicy: always`).
//!
//! Cross-file: it needs the chart's templates, so it is computed by
//! [`crate::gitops::helm::values_findings`] and reported in `values.yaml`, not by
//! [`crate::analyze`]. It is registered here for its id, severity and documentation.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: crate::gitops::helm::HELM_VALUES_PULL_POLICY,
        default_severity: Severity::Error,
        family: Family::Helm,
        phase: Phase::Chart,
        summary: "A values.yaml value renders an imagePullPolicy the API server rejects",
        rationale: "The API server compares imagePullPolicy case-sensitively, so a chart value \
                    `pullPolicy: always` renders a Deployment that fails to apply with \
                    \"Unsupported value\". The template itself looks fine; the mistake is in \
                    values.yaml, where it is reported (on the value, naming the templates and \
                    containers that use it). Only containers the chart's templates render \
                    with its own values are checked. The fix writes the exact spelling when \
                    only one policy fits (`always` → `Always`, `if-not-present` → \
                    `IfNotPresent`).",
        docs: "cross-file: a chart's `values.yaml` value that a template renders as \
                `imagePullPolicy` is not `Always`/`IfNotPresent`/`Never` (the API server rejects \
                the Pod); reported on the value, with the template containers as related \
                locations; fix (safe, only when the intent is clear): `always` → `Always`, \
                `ifnotpresent`/`if-not-present` → `IfNotPresent`, `never` → `Never`, quoting \
                kept",
        options: &[],
    },
    check,
};

/// Nothing to do on a single file: see the module documentation.
fn check(_ctx: &RuleContext, _out: &mut Vec<Finding>) {}

#[cfg(test)]
mod tests {
    use crate::finding::{apply_edits, Severity};
    use crate::gitops::helm::test_support::rule_findings;

    const TEMPLATE: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: \"{{ .Values.image.repository }}:1.27\"\n      imagePullPolicy: {{ .Values.image.pullPolicy }}\n";

    fn run(values: &str, config: &str) -> Vec<crate::Finding> {
        let chart = "name: c\nappVersion: \"1.0\"\n";
        rule_findings(super::RULE.meta.id, chart, TEMPLATE, values, config)
    }

    #[test]
    fn reports_an_error_with_a_safe_fix_and_follows_the_configuration() {
        let values = "image:\n  repository: nginx\n  pullPolicy: ALWAYS\n";
        let found = run(values, "");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(&values[found[0].range.clone()], "ALWAYS");
        assert!(found[0].fixes[0].safe);
        let fixed = apply_edits(values, &found[0].fixes[0].edits);
        assert_eq!(fixed, "image:\n  repository: nginx\n  pullPolicy: Always\n");
        assert!(run(&fixed, "").is_empty());

        let warning = run(values, "rules:\n  helm-values-pull-policy: warning\n");
        assert_eq!(warning[0].severity, Severity::Warning);
        assert!(run(values, "rules:\n  helm-values-pull-policy: off\n").is_empty());
    }
}
