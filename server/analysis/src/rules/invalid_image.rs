//! `invalid-image`: an image reference that does not parse.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "invalid-image",
        default_severity: Severity::Error,
        family: Family::ImageReference,
        phase: Phase::Document,
        summary: "The image reference does not parse",
        rationale: "The API server only checks that an image is not empty. A reference that \
                    breaks the distribution/reference grammar (`Nginx`, `app:`, `app:1.0+b`) is \
                    accepted, defaulted to IfNotPresent, and then fails on the node with \
                    InvalidImageName, after the rollout has started.",
        docs: "the image does not parse (distribution/reference grammar, upstream error text); \
                the node would fail with `InvalidImageName`; empty image: `image is required`",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for facts in ctx.containers {
        let Some(field) = ctx.own_image(facts) else {
            continue;
        };
        let key = facts.container.role.keys().0;
        let message = match field.text.as_deref() {
            None => format!("{key} must be a string"),
            Some(_) if field.is_null => format!("{key} is required"),
            Some("") => format!("{key} is required"),
            Some(text) => match crate::image::parse_image_name(text) {
                Ok(_) => continue,
                Err(reason) => format!(
                    "invalid image reference: {reason}; the API server accepts it, but the \
                     kubelet fails the container with InvalidImageName"
                ),
            },
        };
        let range = if field.value_range.is_empty() {
            field.key.clone()
        } else {
            field.value_range.clone()
        };
        out.push(ctx.finding(&RULE, range, message, Some(facts), Vec::new()));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings};

    fn pod(image: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: {image}\n"
        )
    }

    #[test]
    fn reports_the_upstream_reason() {
        let text = pod("Nginx");
        let found = findings(&text, "invalid-image");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(&text, &found[0]), "Nginx");
        assert!(found[0].message.contains(
            "couldn't parse image name \"Nginx\": invalid reference format: repository name (library/Nginx) must be lowercase"
        ));
        assert!(found[0].message.contains("InvalidImageName"));
    }

    #[test]
    fn empty_image_is_required() {
        for empty in ["\"\"", "", "~"] {
            let found = findings(&pod(empty), "invalid-image");
            assert_eq!(found.len(), 1, "{empty}");
            assert_eq!(found[0].message, "image is required");
        }
    }

    #[test]
    fn valid_and_templated_images_are_quiet() {
        for image in [
            "nginx",
            "localhost:5000/app",
            "\"{{ .Values.image }}\"",
            "$(params.image)",
            "nginx:${TAG}",
        ] {
            assert!(findings(&pod(image), "invalid-image").is_empty(), "{image}");
        }
    }

    #[test]
    fn image_volumes_use_reference() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  volumes:\n  - name: v\n    image:\n      reference: App:1\n";
        let found = findings(text, "invalid-image");
        assert_eq!(found.len(), 1);
        assert_eq!(covered(text, &found[0]), "App:1");
    }

    #[test]
    fn configmap_data_is_never_linted() {
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  containers: |\n    image: Nginx\nspec:\n  containers:\n  - image: Nginx\n";
        assert!(findings(text, "invalid-image").is_empty());
    }
}
