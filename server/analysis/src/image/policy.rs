//! `imagePullPolicy` values and their API-server default (`SetDefaults_Container` on top of
//! Kubernetes' `pkg/util/parsers.ParseImageName`).

use super::gostrings;
use super::reference::{parse_normalized_named, ImageReference};

/// `DefaultImageTag`: the tag Kubernetes assumes when neither tag nor digest is given.
const DEFAULT_IMAGE_TAG: &str = "latest";

/// A container's `imagePullPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PullPolicy {
    /// Contact the registry on every container start.
    Always,
    /// Pull only when no image with that name is on the node.
    IfNotPresent,
    /// Never pull; the image must already be on the node.
    Never,
}

impl PullPolicy {
    /// Every value, in the sorted order the API server lists them in error messages.
    pub const ALL: [PullPolicy; 3] = [
        PullPolicy::Always,
        PullPolicy::IfNotPresent,
        PullPolicy::Never,
    ];

    /// The value as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }

    /// Parses a value the way the API server validates it: exact and case-sensitive.
    pub fn parse_exact(s: &str) -> Option<PullPolicy> {
        PullPolicy::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Kubernetes `pkg/util/parsers.ParseImageName`.
///
/// Returns the normalized reference and the effective tag: the written tag, else `"latest"` when
/// there is no digest either, else `""`.
///
/// # Errors
///
/// The full upstream text, `couldn't parse image name "<image>": <reason>`, with the image
/// quoted like Go's `%q`.
pub fn parse_image_name(image: &str) -> Result<(ImageReference, String), String> {
    match parse_normalized_named(image) {
        Ok(reference) => {
            let tag = effective_tag(&reference).to_owned();
            Ok((reference, tag))
        }
        Err(e) => Err(format!(
            "couldn't parse image name {}: {e}",
            gostrings::quote(image)
        )),
    }
}

fn effective_tag(reference: &ImageReference) -> &str {
    match (&reference.tag, &reference.digest) {
        (Some(tag), _) => tag,
        (None, None) => DEFAULT_IMAGE_TAG,
        (None, Some(_)) => "",
    }
}

/// Why [`default_pull_policy`] chose its value, for user-facing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultReason {
    /// No tag and no digest: treated as `:latest`, so `Always`.
    NoTagNoDigest,
    /// Tag `latest`: `Always`.
    LatestTag,
    /// Tag `latest` next to a digest: the tag still decides, so `Always`.
    LatestTagWithDigest,
    /// Any tag other than exactly `latest` (case-sensitive): `IfNotPresent`.
    OtherTag,
    /// A digest without a tag: `IfNotPresent`.
    DigestOnly,
    /// A tag other than `latest` plus a digest: `IfNotPresent`.
    OtherTagWithDigest,
    /// The reference does not parse; the error is ignored and the result is `IfNotPresent`.
    InvalidReference,
}

impl DefaultReason {
    /// A short plain-English sentence explaining the default.
    pub fn explain(self) -> &'static str {
        match self {
            DefaultReason::NoTagNoDigest => {
                "the image has no tag, so Kubernetes treats it as :latest and defaults to Always"
            }
            DefaultReason::LatestTag => "the image uses the :latest tag, so Kubernetes defaults to Always",
            DefaultReason::LatestTagWithDigest => {
                "the image has the :latest tag; Kubernetes looks only at the tag, not the digest, and defaults to Always"
            }
            DefaultReason::OtherTag => {
                "the image has a tag other than exactly \"latest\", so Kubernetes defaults to IfNotPresent"
            }
            DefaultReason::DigestOnly => {
                "the image is pinned by digest without a tag, so Kubernetes defaults to IfNotPresent"
            }
            DefaultReason::OtherTagWithDigest => {
                "the image has a tag other than \"latest\" and a digest, so Kubernetes defaults to IfNotPresent"
            }
            DefaultReason::InvalidReference => {
                "the image reference does not parse; Kubernetes ignores the error and defaults to IfNotPresent"
            }
        }
    }
}

/// The API-server default for an omitted `imagePullPolicy` (`SetDefaults_Container`), with the
/// reason: `Always` exactly when the effective tag is `latest`, `IfNotPresent` otherwise,
/// including when the image does not parse.
pub fn default_pull_policy(image: &str) -> (PullPolicy, DefaultReason) {
    let Ok(reference) = parse_normalized_named(image) else {
        return (PullPolicy::IfNotPresent, DefaultReason::InvalidReference);
    };
    let policy = if effective_tag(&reference) == DEFAULT_IMAGE_TAG {
        PullPolicy::Always
    } else {
        PullPolicy::IfNotPresent
    };
    let reason = match (reference.tag.as_deref(), reference.digest.is_some()) {
        (None, false) => DefaultReason::NoTagNoDigest,
        (None, true) => DefaultReason::DigestOnly,
        (Some(DEFAULT_IMAGE_TAG), false) => DefaultReason::LatestTag,
        (Some(DEFAULT_IMAGE_TAG), true) => DefaultReason::LatestTagWithDigest,
        (Some(_), false) => DefaultReason::OtherTag,
        (Some(_), true) => DefaultReason::OtherTagWithDigest,
    };
    (policy, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn pull_policy_values_are_exact() {
        for p in PullPolicy::ALL {
            assert_eq!(PullPolicy::parse_exact(p.as_str()), Some(p));
        }
        for s in ["always", "ALWAYS", "IfNotpresent", " Never", ""] {
            assert_eq!(PullPolicy::parse_exact(s), None, "{s:?}");
        }
    }

    #[test]
    fn effective_tag_defaults_only_without_digest() {
        let tag = |image: &str| parse_image_name(image).map(|(_, tag)| tag);
        assert_eq!(tag("nginx").as_deref(), Ok("latest"));
        assert_eq!(tag("nginx:1.25").as_deref(), Ok("1.25"));
        assert_eq!(tag(&format!("nginx@{SHA256}")).as_deref(), Ok(""));
        assert_eq!(
            tag(&format!("nginx:latest@{SHA256}")).as_deref(),
            Ok("latest")
        );
    }

    #[test]
    fn error_text_quotes_the_image_like_go() {
        assert_eq!(
            parse_image_name("app:").unwrap_err(),
            r#"couldn't parse image name "app:": invalid reference format"#
        );
        assert_eq!(
            parse_image_name("a\"b\n\0").unwrap_err(),
            r#"couldn't parse image name "a\"b\n\x00": invalid reference format"#
        );
    }

    #[test]
    fn defaults_and_reasons() {
        let cases = [
            (
                "nginx".to_owned(),
                PullPolicy::Always,
                DefaultReason::NoTagNoDigest,
            ),
            (
                "nginx:latest".to_owned(),
                PullPolicy::Always,
                DefaultReason::LatestTag,
            ),
            (
                format!("nginx:latest@{SHA256}"),
                PullPolicy::Always,
                DefaultReason::LatestTagWithDigest,
            ),
            (
                "nginx:LATEST".to_owned(),
                PullPolicy::IfNotPresent,
                DefaultReason::OtherTag,
            ),
            (
                format!("nginx@{SHA256}"),
                PullPolicy::IfNotPresent,
                DefaultReason::DigestOnly,
            ),
            (
                format!("nginx:1@{SHA256}"),
                PullPolicy::IfNotPresent,
                DefaultReason::OtherTagWithDigest,
            ),
            (
                "Nginx".to_owned(),
                PullPolicy::IfNotPresent,
                DefaultReason::InvalidReference,
            ),
            (
                String::new(),
                PullPolicy::IfNotPresent,
                DefaultReason::InvalidReference,
            ),
        ];
        for (image, policy, reason) in cases {
            assert_eq!(default_pull_policy(&image), (policy, reason), "{image}");
            assert!(reason.explain().contains(policy.as_str()), "{reason:?}");
        }
    }

    #[test]
    fn hostile_inputs_default_to_if_not_present() {
        let long = "a".repeat(100_000);
        for image in [":", "@", "\0", "ß:ẞ", long.as_str()] {
            assert_eq!(
                default_pull_policy(image),
                (PullPolicy::IfNotPresent, DefaultReason::InvalidReference)
            );
            assert!(parse_image_name(image).is_err());
        }
    }
}
