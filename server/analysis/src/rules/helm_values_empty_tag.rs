//! `helm-values-empty-tag`: a chart's `values.yaml` leaves a value empty (or unset) that a
//! template puts after the `:` or `@` of an image, which renders as `nginx:`.
//!
//! Cross-file: it needs the chart's templates, so it is computed by
//! [`crate::gitops::helm::values_findings`] and reported in `values.yaml`, not by
//! [`crate::analyze`]. It is registered here for its id, severity and documentation.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: crate::gitops::helm::HELM_VALUES_EMPTY_TAG,
        default_severity: Severity::Error,
        family: Family::Helm,
        phase: Phase::Chart,
        summary: "An empty values.yaml value renders an image with an empty tag or digest",
        rationale: "A template like `{{ .Values.image.repository }}:{{ .Values.image.tag }}` \
                    with `tag: \"\"` renders `image: nginx:`. The API server does not parse \
                    images, so the object applies, and every pod then fails on the node with \
                    InvalidImageName. The scaffold of `helm create` avoids it with \
                    `| default .Chart.AppVersion`, which is not reported. Reported on the \
                    empty value in values.yaml (on the parent key when the value is missing), \
                    only when setting the value is shown to repair the rendered image. The \
                    fix sets the tag to the chart's appVersion; it changes what deploys, so \
                    it is never applied without review.",
        docs: "cross-file: an empty `values.yaml` value makes a template render `nginx:` (or \
                `nginx@`): an invalid reference the node fails with `InvalidImageName` \
                (unquoted, `helm template` fails). The value is blamed only when setting it \
                fixes the render, and only for containers whose `if`/`with` blocks are on with \
                the chart's values; a `| default .Chart.AppVersion` template is fine. Fix (not \
                safe: it changes what deploys): set the tag to the chart's `appVersion`",
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

    const TEMPLATE: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n";

    fn run(values: &str, config: &str) -> Vec<crate::Finding> {
        let chart = "name: c\nappVersion: 1.16.0\n";
        rule_findings(super::RULE.meta.id, chart, TEMPLATE, values, config)
    }

    #[test]
    fn reports_an_error_with_an_unsafe_fix_and_follows_the_configuration() {
        let values = "image:\n  repository: nginx\n  tag: ''\n";
        let found = run(values, "");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(&values[found[0].range.clone()], "''");
        let fix = &found[0].fixes[0];
        assert!(
            !fix.safe && fix.title.contains("changes the image"),
            "{fix:?}"
        );
        let fixed = apply_edits(values, &fix.edits);
        assert_eq!(fixed, "image:\n  repository: nginx\n  tag: '1.16.0'\n");
        assert!(run(&fixed, "").is_empty());

        // A missing tag goes after the last entry of a flow mapping, also when that
        // entry has an empty value (after its `:`).
        let flow = "image: {repository: nginx, pullPolicy:}\n";
        let found = run(flow, "");
        assert_eq!(found.len(), 1, "{found:#?}");
        let fixed = apply_edits(flow, &found[0].fixes[0].edits);
        assert_eq!(
            fixed,
            "image: {repository: nginx, pullPolicy:, tag: \"1.16.0\"}\n"
        );

        let hint = run(values, "rules:\n  helm-values-empty-tag: hint\n");
        assert_eq!(hint[0].severity, Severity::Hint);
        assert!(run(values, "rules:\n  helm-values-empty-tag: off\n").is_empty());
    }
}
