//! `kustomize-image-entry`: an `images:` entry of a kustomization, a Flux Kustomization /
//! HelmRelease post-renderer or an Argo CD Application that kustomize rejects, that breaks
//! the image it writes, or that turns the default pull policy into Always.
//!
//! Single-file: the entry is judged on its own text (kustomize spec §6, v5.8.1). Whether it
//! matches any container needs the workspace and is not checked here.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::gitops::deployers::find_deployer_images;
use crate::gitops::kustomization::{images_entries, ImagesEntry};
use crate::gitops::ImageMatcher;
use crate::image::parse_normalized_named;
use crate::k8s::kinds::api_group;
use crate::text::TextRange;
use crate::yaml::{contains_template_expression, Document, NodeId};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kustomize-image-entry",
        default_severity: Severity::Warning,
        family: Family::Kustomize,
        phase: Phase::Document,
        summary: "An `images:` entry of a kustomization, Flux or Argo CD object is invalid or \
                  makes the image default to Always",
        rationale: "kustomize copies `newName`, `newTag` and `digest` into the image without \
                    validating them: a digest that is not `sha256:` plus 64 hex digits, or a \
                    tag with characters a tag cannot have, only fails on the node \
                    (InvalidImageName). The `name` is used as a regular expression: one that \
                    does not compile makes kustomize v5.8.1 panic. `newTag: latest` together \
                    with `digest` writes `name:latest@sha256:...`, which Kubernetes defaults \
                    to imagePullPolicy Always although the digest pins the content.",
        docs: "an `images:` entry of a kustomization (`kustomize.config.k8s.io` \
                Kustomization/Component, or a root with `images` next to \
                `resources`/`bases`/`components`), a Flux Kustomization / HelmRelease \
                post-renderer or an Argo CD Application is broken: a `digest` that is not \
                `sha256:` + 64 hex digits (`12345`, `sha256:abc`; a valid sha384/512 is reported \
                because kustomize then stops matching the image), a `newTag` that is not a tag, \
                a `newName` that is not a name or carries a tag, a `name` that is not a valid \
                regex (kustomize v5.8.1 panics) or not an image reference, no `name`, an Argo CD \
                string `kustomize edit set image` rejects, or `newTag: latest` + `digest` \
                (`:latest@sha256:…` defaults to Always). Reported on the field's value",
        options: &[],
    },
    check,
};

fn check(ctx: &RuleContext, out: &mut Vec<Finding>) {
    for doc in &ctx.file.documents {
        let Some(root) = doc.root.filter(|&root| doc.is_mapping(root)) else {
            continue;
        };
        if let Some(list) = kustomization_images(doc, root) {
            for entry in images_entries(doc, list) {
                check_entry(ctx, &entry, out);
            }
        }
    }
    // Argo CD and Flux objects (their documents are found again by the deployer scan).
    for deployer in find_deployer_images(ctx.file) {
        for entry in &deployer.images {
            check_entry(ctx, entry, out);
        }
        let doc = &ctx.file.documents[deployer.document];
        for range in &deployer.invalid {
            let text = &ctx.text[range.clone()];
            // A mapping or list where a string belongs is a schema error, not this rule's.
            let is_string = (0..doc.nodes.len())
                .any(|id| doc.node(id).span == *range && doc.scalar(id).is_some());
            if !is_string || contains_template_expression(text) {
                continue;
            }
            out.push(ctx.finding(
                &RULE,
                range.clone(),
                format!(
                    "Argo CD passes {text} to `kustomize edit set image`, which rejects it: \
                     expected `[name=]newName[:tag|@digest]` with a tag or digest"
                ),
                None,
                Vec::new(),
            ));
        }
    }
}

/// The `images:` list of a kustomize Kustomization or Component: by `apiVersion`, or, when
/// none is written (kustomize does not require it), by a root with `images` next to
/// `resources`, `bases` or `components`.
fn kustomization_images(doc: &Document, root: NodeId) -> Option<NodeId> {
    let images = doc.get(root, "images")?;
    let kind = doc.get_str(root, "kind");
    match doc.get_str(root, "apiVersion") {
        Some(version) => (api_group(version) == "kustomize.config.k8s.io"
            && matches!(kind, Some("Kustomization" | "Component")))
        .then_some(images),
        None => {
            let lists = ["resources", "bases", "components"];
            (matches!(kind, None | Some("Kustomization" | "Component"))
                && lists.iter().any(|key| doc.get(root, key).is_some()))
            .then_some(images)
        }
    }
}

fn check_entry(ctx: &RuleContext, entry: &ImagesEntry, out: &mut Vec<Finding>) {
    let image = &entry.image;
    let fields = &entry.fields;
    let written = [
        &image.name,
        &image.new_name,
        &image.new_tag,
        &image.digest,
        &image.tag_suffix,
    ];
    if written
        .iter()
        .any(|value| contains_template_expression(value))
    {
        return;
    }
    // Where to report: the field's value, else the whole entry (Argo CD strings).
    let at = |field: &Option<crate::gitops::FieldRange>| -> TextRange {
        field
            .as_ref()
            .map_or_else(|| entry.range.clone(), |f| f.value.clone())
    };
    let mut report = |range: TextRange, message: String| {
        out.push(ctx.finding(&RULE, range, message, None, Vec::new()));
    };

    if image.name.is_empty() {
        report(
            entry.range.clone(),
            "the entry has no `name`: kustomize matches it against no image".to_owned(),
        );
    } else if !ImageMatcher::new(&image.name).is_valid() {
        report(
            at(&fields.name),
            format!(
                "name \"{}\" is not a valid regular expression: kustomize v5.8.1 panics on it \
                 (later versions match nothing)",
                image.name
            ),
        );
    } else if let Err(error) = parse_normalized_named(&image.name) {
        report(
            at(&fields.name),
            format!(
                "name \"{}\" is not a valid image reference ({error}); kustomize reads it as \
                 a regular expression, so it may match other images or none",
                image.name
            ),
        );
    }

    if !image.new_name.is_empty() {
        if let Err(error) = parse_normalized_named(&image.new_name) {
            report(
                at(&fields.new_name),
                format!(
                    "newName \"{}\" is not a valid image name ({error}): the rewritten \
                     containers fail with InvalidImageName",
                    image.new_name
                ),
            );
        } else if image.new_name.contains('@')
            || split_last_component(&image.new_name).contains(':')
        {
            report(
                at(&fields.new_name),
                format!(
                    "newName \"{}\" carries a tag or digest: kustomize appends the image's own \
                     tag after it; use newTag / digest",
                    image.new_name
                ),
            );
        }
    }

    if !image.new_tag.is_empty() && !is_valid_tag(&image.new_tag) {
        report(
            at(&fields.new_tag),
            format!(
                "newTag \"{}\" is not a valid tag (letters, digits, `_`, `.`, `-`, at most 128, \
                 not starting with `.` or `-`): the rewritten containers fail with \
                 InvalidImageName",
                image.new_tag
            ),
        );
    }

    if !image.digest.is_empty() {
        if let Some(message) = digest_problem(&image.digest) {
            report(at(&fields.digest), message);
        } else if image.new_tag == "latest" {
            report(
                at(&fields.new_tag),
                format!(
                    "newTag latest with a digest writes \"…:latest@{}\", which defaults to \
                     imagePullPolicy Always although the digest pins the content; drop newTag \
                     or set the policy explicitly",
                    short_digest(&image.digest)
                ),
            );
        }
    }
}

/// Why a `digest` value breaks the image, or `None` when it is `sha256:` + 64 hex digits.
fn digest_problem(digest: &str) -> Option<String> {
    let hex = digest.strip_prefix("sha256:");
    if hex.is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())) {
        if digest.bytes().any(|b| b.is_ascii_uppercase()) {
            return Some(format!(
                "digest \"{digest}\" has upper-case hex digits: the rewritten containers fail \
                 with InvalidImageName"
            ));
        }
        return None;
    }
    match parse_normalized_named(&format!("image@{digest}")) {
        Err(error) => Some(format!(
            "digest \"{digest}\" is not a valid digest ({error}): the rewritten containers \
             fail with InvalidImageName; expected sha256: and 64 hex digits"
        )),
        Ok(_) => Some(format!(
            "digest \"{digest}\" is not sha256: kustomize v5.8.1 only matches `@sha256:` \
             digests, so later `images:` entries no longer match the rewritten image"
        )),
    }
}

/// distribution/reference tag grammar: `[\w][\w.-]{0,127}`.
fn is_valid_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    bytes.len() <= 128
        && bytes.first().is_some_and(|&b| word(b))
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-')
}

/// The part after the last `/` (a registry port is before it).
fn split_last_component(name: &str) -> &str {
    name.rsplit_once('/').map_or(name, |(_, last)| last)
}

fn short_digest(digest: &str) -> String {
    let cut = digest
        .char_indices()
        .nth("sha256:".len() + 12)
        .map_or(digest.len(), |(i, _)| i);
    if cut < digest.len() {
        format!("{}…", &digest[..cut])
    } else {
        digest.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{covered, findings};

    const RULE: &str = "kustomize-image-entry";
    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn kustomization(images: &str) -> String {
        format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n{images}"
        )
    }

    #[test]
    fn valid_entries_are_quiet() {
        let text = kustomization(&format!(
            "  - name: nginx\n    newTag: \"1.27\"\n  - name: app\n    newName: reg.local:5000/app\n    digest: {DIGEST}\n  - name: redis\n    tagSuffix: -alpine\n"
        ));
        assert!(
            findings(&text, RULE).is_empty(),
            "{:#?}",
            findings(&text, RULE)
        );
    }

    #[test]
    fn invalid_digest_is_reported_on_its_value() {
        let text = kustomization("  - name: nginx\n    digest: 12345\n");
        let found = findings(&text, RULE);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(covered(&text, &found[0]), "12345");
        assert!(found[0].message.contains("not a valid digest"));

        let short = kustomization("  - name: nginx\n    digest: sha256:abc\n");
        assert_eq!(findings(&short, RULE).len(), 1);
    }

    #[test]
    fn latest_tag_with_digest_defaults_to_always() {
        let text = kustomization(&format!(
            "  - name: nginx\n    newTag: latest\n    digest: {DIGEST}\n"
        ));
        let found = findings(&text, RULE);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(covered(&text, &found[0]), "latest");
        assert!(found[0].message.contains("Always"));
    }

    #[test]
    fn names_kustomize_panics_on_or_that_are_not_references() {
        let text = kustomization("  - name: \"nginx[\"\n    newTag: \"1\"\n  - name: Nginx\n    newTag: \"1\"\n  - newTag: \"2\"\n");
        let found = findings(&text, RULE);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(covered(&text, &found[0]), "\"nginx[\"");
        assert!(found[0].message.contains("panics"));
        assert_eq!(covered(&text, &found[1]), "Nginx");
        assert!(found[2].message.contains("no `name`"));
    }

    #[test]
    fn bad_new_tag_and_new_name() {
        let text = kustomization(
            "  - name: nginx\n    newTag: -bad\n  - name: app\n    newName: reg/app:1\n  - name: x\n    newName: Upper\n",
        );
        let found = findings(&text, RULE);
        let covered: Vec<_> = found.iter().map(|f| covered(&text, f)).collect();
        assert_eq!(covered, ["-bad", "reg/app:1", "Upper"], "{found:#?}");
    }

    #[test]
    fn kustomization_without_api_version_and_flux_and_argocd() {
        let plain = "resources: [a.yaml]\nimages:\n  - name: nginx\n    digest: nope\n";
        assert_eq!(findings(plain, RULE).len(), 1);
        // Not a kustomization: a ConfigMap-like mapping with `images:` is left alone.
        let other =
            "kind: ConfigMap\napiVersion: v1\ndata: {}\nimages:\n  - name: x\n    digest: nope\n";
        assert!(findings(other, RULE).is_empty());

        let flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  path: ./apps\n  images:\n    - name: app\n      digest: sha256:12\n";
        let found = findings(flux, RULE);
        assert_eq!(found.len(), 1);
        assert_eq!(covered(flux, &found[0]), "sha256:12");

        let argo = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    path: overlays/prod\n    kustomize:\n      images:\n        - nginx:1.27\n        - nginx\n        - {name: x, newTag: y}\n        - \"app=reg/app@sha256:1\"\n";
        let found = findings(argo, RULE);
        let covered: Vec<_> = found.iter().map(|f| covered(argo, f)).collect();
        assert_eq!(covered, ["nginx", "\"app=reg/app@sha256:1\""], "{found:#?}");
    }

    #[test]
    fn templated_entries_are_unknown() {
        let text = kustomization("  - name: nginx\n    newTag: \"${TAG}\"\n");
        assert!(findings(&text, RULE).is_empty());
    }
}
