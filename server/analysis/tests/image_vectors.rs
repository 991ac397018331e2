//! Conformance: every vector of `tests/fixtures/image-vectors.json` (a copy of the shared
//! image-reference spec vectors) against the image parser and the pull-policy default.

use gitops_ls_analysis::image::{
    default_pull_policy, parse_image_name, parse_normalized_named, DefaultReason,
};
use serde::Deserialize;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/image-vectors.json"
));

#[derive(Debug, Deserialize)]
struct Vector {
    image: String,
    valid: bool,
    domain: Option<String>,
    path: Option<String>,
    tag: Option<String>,
    digest: Option<String>,
    effective_tag: String,
    error: Option<String>,
    default_pull_policy: String,
}

/// Every difference between the implementation and one vector.
fn mismatches(v: &Vector) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, got: &dyn std::fmt::Debug, want: &dyn std::fmt::Debug| {
        let (got, want) = (format!("{got:?}"), format!("{want:?}"));
        if got != want {
            out.push(format!("{what}: got {got}, want {want}"));
        }
    };

    let parsed = parse_image_name(&v.image);
    check("valid", &parsed.is_ok(), &v.valid);
    match &parsed {
        Ok((reference, effective_tag)) => {
            check("domain", &Some(&reference.domain), &v.domain.as_ref());
            check("path", &Some(&reference.path), &v.path.as_ref());
            check("tag", &reference.tag, &v.tag);
            check("digest", &reference.digest, &v.digest);
            check("effective_tag", effective_tag, &v.effective_tag);
            check("error", &None::<String>, &v.error);
        }
        Err(error) => {
            check("error", &Some(error), &v.error.as_ref());
            check("effective_tag", &"", &v.effective_tag);
            // The bare reference error must be the tail of the wrapped text.
            let inner = parse_normalized_named(&v.image).map_err(|e| e.to_string());
            let tail_ok = inner
                .as_ref()
                .err()
                .is_some_and(|inner| error.ends_with(&format!("\": {inner}")));
            check("parse_normalized_named error is the tail", &tail_ok, &true);
        }
    }

    let (policy, reason) = default_pull_policy(&v.image);
    check(
        "default_pull_policy",
        &policy.as_str(),
        &v.default_pull_policy,
    );
    check(
        "reason is InvalidReference",
        &(reason == DefaultReason::InvalidReference),
        &!v.valid,
    );
    out
}

#[test]
fn image_vectors() {
    let vectors: Vec<Vector> = serde_json::from_str(VECTORS).expect("vectors file parses");
    assert!(!vectors.is_empty(), "no vectors loaded");

    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| {
            let problems = mismatches(v);
            (!problems.is_empty())
                .then(|| format!("{:?}:\n    {}", v.image, problems.join("\n    ")))
        })
        .collect();

    println!(
        "image vectors: {} passed, {} failed (of {})",
        vectors.len() - failures.len(),
        failures.len(),
        vectors.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} image vectors failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}
