//! `allowed-registries`: images must come from configured registries (off by default).

use super::{Family, OptionValue, Phase, Rule, RuleContext, RuleMeta, RuleOption};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "allowed-registries",
        default_severity: Severity::Off,
        family: Family::ImageReference,
        phase: Phase::Document,
        summary: "The image does not come from an allowed registry or repository",
        rationale: "Pulling only from trusted registries (your own, a mirror) keeps unreviewed \
                    images out of the cluster. Prefixes are compared with the normalized name, \
                    so `nginx` is `docker.io/library/nginx`.",
        docs: "the normalized image name does not start with a configured prefix",
        options: &[RuleOption {
            name: "prefixes",
            value: OptionValue::StringList,
            required_when_on: true,
            description: "prefixes of the normalized image name (`docker.io/library/nginx`, \
                          `ghcr.io/acme/…`) that are allowed",
        }],
    },
    check,
};

/// `prefix` matches the name itself, or the name below it at a `/`.
fn is_allowed(name: &str, prefix: &str) -> bool {
    if prefix.ends_with('/') {
        return name.starts_with(prefix);
    }
    name == prefix
        || name
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    let prefixes = &ctx.options.allowed_registries;
    if prefixes.is_empty() {
        return;
    }
    for (facts, field, reference) in ctx.parsed_images() {
        let name = reference.name();
        if prefixes.iter().any(|prefix| is_allowed(&name, prefix)) {
            continue;
        }
        let message = format!(
            "image \"{name}\" is not from an allowed registry (allowed: {})",
            prefixes.join(", ")
        );
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
    use super::is_allowed;
    use crate::rules::test_support::{covered, findings_with};

    #[test]
    fn compares_normalized_names_at_path_boundaries() {
        assert!(is_allowed("ghcr.io/acme/app", "ghcr.io/acme"));
        assert!(!is_allowed("ghcr.io/acmecorp/app", "ghcr.io/acme"));
        assert!(is_allowed("docker.io/library/nginx", "docker.io/library/"));
    }

    #[test]
    fn reports_images_from_other_registries() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx:1\n  - name: b\n    image: ghcr.io/acme/app:1\n";
        let found = findings_with(text, "allowed-registries", "    prefixes: [ghcr.io/acme]\n");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(text, &found[0]), "nginx:1");
        assert!(found[0].message.contains("docker.io/library/nginx"));
    }
}
