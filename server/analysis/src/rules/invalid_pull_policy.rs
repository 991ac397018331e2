//! `invalid-pull-policy`: a value other than `Always`, `IfNotPresent`, `Never`.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::image::PullPolicy;
use crate::k8s::ContainerRole;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "invalid-pull-policy",
        default_severity: Severity::Error,
        family: Family::PullPolicy,
        phase: Phase::Document,
        summary: "imagePullPolicy is not exactly Always, IfNotPresent or Never",
        rationale: "The API server compares the value case-sensitively and rejects anything \
                    else with \"Unsupported value\", so `always` or `IfNotPresnt` makes the \
                    whole object fail to apply. The fix picks the value that was meant when \
                    only one fits.",
        docs: "`imagePullPolicy` is not exactly `Always`, `IfNotPresent` or `Never`; the \
                message is the API server's `Unsupported value` text; fix: the value that was \
                meant (`always` → `Always`, `IfNotPresnt` → `IfNotPresent`)",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for facts in ctx.containers {
        let container = &facts.container;
        if container.role == ContainerRole::StepAction {
            continue;
        }
        let Some(field) = container.policy.as_ref().filter(|f| f.own && !f.templated) else {
            continue;
        };
        let written = match &field.text {
            Some(_) if field.is_null => continue,
            Some(text) if text.is_empty() => continue,
            Some(text) if PullPolicy::parse_exact(text).is_some() => continue,
            Some(text) => text.clone(),
            None => {
                let message = format!("{} must be a string", ctx.policy_key(facts));
                out.push(ctx.finding(
                    &RULE,
                    field.value_range.clone(),
                    message,
                    Some(facts),
                    vec![],
                ));
                continue;
            }
        };
        let api_path = format!("{}.{}", container.path, ctx.policy_key(facts));
        let message = format!(
            "{api_path}: Unsupported value: {}: supported values: \"Always\", \"IfNotPresent\", \"Never\" \
             (the API server rejects the object)",
            go_json_quote(&written)
        );
        let intended = intended_policy(&written);
        let mut fixes = Vec::new();
        if let Some(policy) = intended {
            fixes.extend(ctx.policy_fix(facts, policy, true));
        }
        for policy in PullPolicy::ALL {
            if Some(policy) != intended {
                fixes.extend(ctx.policy_fix(facts, policy, false));
            }
        }
        out.push(ctx.finding(
            &RULE,
            field.value_range.clone(),
            message,
            Some(facts),
            fixes,
        ));
    }
}

/// The value that was meant: a case or punctuation variant
/// (`always`, `if-not-present`) or a small typo (`IfNotPresnt`), when
/// exactly one value is that close.
fn intended_policy(written: &str) -> Option<PullPolicy> {
    let normalize = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let written = normalize(written);
    if written.is_empty() {
        return None;
    }
    let scored: Vec<(usize, PullPolicy)> = PullPolicy::ALL
        .into_iter()
        .map(|policy| (edit_distance(&written, &normalize(policy.as_str())), policy))
        .collect();
    let best = scored.iter().map(|(distance, _)| *distance).min()?;
    let limit = if written.len() <= 5 { 1 } else { 2 };
    let mut closest = scored.iter().filter(|(distance, _)| *distance == best);
    match (closest.next(), closest.next()) {
        (Some(&(distance, policy)), None) if distance <= limit => Some(policy),
        _ => None,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// A string as Go's `json.Marshal` writes it, which is how the API server
/// quotes the rejected value.
fn go_json_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{covered, findings, fixed};

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n    imagePullPolicy: always\n";

    #[test]
    fn quotes_the_api_server_message() {
        let found = findings(POD, "invalid-pull-policy");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(POD, &found[0]), "always");
        assert!(found[0].message.starts_with(
            "spec.containers[0].imagePullPolicy: Unsupported value: \"always\": supported values: \"Always\", \"IfNotPresent\", \"Never\""
        ));
        assert!(found[0].fixes[0].safe);
    }

    #[test]
    fn fixes_case_and_typos() {
        assert!(fixed(POD, "invalid-pull-policy").ends_with("imagePullPolicy: Always\n"));
        let typo = POD.replace("always", "IfNotPresnt");
        assert!(fixed(&typo, "invalid-pull-policy").ends_with("imagePullPolicy: IfNotPresent\n"));
        assert_eq!(
            intended_policy("if-not-present"),
            Some(PullPolicy::IfNotPresent)
        );
        assert_eq!(intended_policy("NEVER"), Some(PullPolicy::Never));
        assert_eq!(intended_policy("sometimes"), None);
    }

    #[test]
    fn ambiguous_values_get_no_preferred_fix() {
        let found = findings(&POD.replace("always", "'yes'"), "invalid-pull-policy");
        assert_eq!(found.len(), 1);
        assert!(found[0].fixes.iter().all(|fix| !fix.safe));
        assert_eq!(found[0].fixes.len(), 3);
    }

    #[test]
    fn valid_null_and_templated_values_are_quiet() {
        for value in [
            "Always",
            "IfNotPresent",
            "Never",
            "",
            "~",
            "\"\"",
            "\"{{ .Values.p }}\"",
        ] {
            let text = POD.replace("always", value);
            assert!(findings(&text, "invalid-pull-policy").is_empty(), "{value}");
        }
    }

    #[test]
    fn quoting_matches_go() {
        assert_eq!(go_json_quote("a\"b<"), "\"a\\\"b\\u003c\"");
        assert_eq!(go_json_quote("é"), "\"é\"");
    }
}
