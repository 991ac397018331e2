//! Conformance: every vector of `tests/fixtures/kustomize-image-vectors.json` (a copy of the
//! shared kustomize `images:` vectors, kustomize v5.8.1) against the transformer: output
//! image, whether it changed, and the default pull policy of the output.

use gitops_ls_analysis::gitops::kustomize_image::{apply, ImageOverride};
use gitops_ls_analysis::image::default_pull_policy;
use serde::Deserialize;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/kustomize-image-vectors.json"
));

#[derive(Debug, Deserialize)]
struct Vector {
    input_image: String,
    images_entry: Entry,
    output_image: String,
    changed: bool,
    output_default_pull_policy: String,
    note: String,
}

/// An `images:` entry as kustomize decodes it: absent fields are empty strings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    name: String,
    #[serde(default)]
    new_name: String,
    #[serde(default)]
    new_tag: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    tag_suffix: String,
}

/// Every difference between the transformer and one vector.
fn mismatches(v: &Vector) -> Vec<String> {
    let entry = ImageOverride {
        name: v.images_entry.name.clone(),
        new_name: v.images_entry.new_name.clone(),
        new_tag: v.images_entry.new_tag.clone(),
        digest: v.images_entry.digest.clone(),
        tag_suffix: v.images_entry.tag_suffix.clone(),
    };
    let rewritten = apply(&v.input_image, &entry);
    let output = rewritten.clone().unwrap_or_else(|| v.input_image.clone());
    let changed = rewritten.is_some_and(|out| out != v.input_image);
    let policy = default_pull_policy(&output).0;
    let mut out = Vec::new();
    if output != v.output_image {
        out.push(format!("output: got {output:?}, want {:?}", v.output_image));
    }
    if changed != v.changed {
        out.push(format!("changed: got {changed}, want {}", v.changed));
    }
    if policy.as_str() != v.output_default_pull_policy {
        out.push(format!(
            "policy: got {}, want {}",
            policy.as_str(),
            v.output_default_pull_policy
        ));
    }
    out
}

#[test]
fn kustomize_image_vectors() {
    let vectors: Vec<Vector> = serde_json::from_str(VECTORS).expect("vectors file parses");
    assert!(vectors.len() >= 19, "only {} vectors loaded", vectors.len());
    let failures: Vec<String> = vectors
        .iter()
        .flat_map(|v| {
            mismatches(v)
                .into_iter()
                .map(move |m| format!("{} + {:?} ({}): {m}", v.input_image, v.images_entry, v.note))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors fail:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
    println!("{} kustomize image vectors pass", vectors.len());
}

/// The vectors' own copy must not drift from the shared spec when that is present.
#[test]
fn vectors_copy_matches_the_shared_spec() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/kustomize-image-vectors.json");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).expect("JSON");
        assert_eq!(parse(&text), parse(VECTORS), "tests/fixtures copy is stale");
    }
}
