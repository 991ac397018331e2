//! Digest validation: go-digest v1.0.0 `Digest.Validate` with the algorithms that Kubernetes
//! links in (`pkg/util/parsers` imports `crypto/sha256` and `crypto/sha512`).

use std::sync::LazyLock;

use regex::Regex;

/// go-digest's `DigestRegexpAnchored`: decides between "unsupported" and "bad format" for an
/// algorithm that is not available.
static DIGEST_ANCHORED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$").expect("digest regex is valid")
});

/// Why go-digest rejected a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DigestError {
    /// `ErrDigestInvalidFormat`.
    InvalidFormat,
    /// `ErrDigestInvalidLength`.
    InvalidLength,
    /// `ErrDigestUnsupported`.
    Unsupported,
}

impl DigestError {
    /// The upstream error text.
    pub(super) fn message(self) -> &'static str {
        match self {
            DigestError::InvalidFormat => "invalid checksum digest format",
            DigestError::InvalidLength => "invalid checksum digest length",
            DigestError::Unsupported => "unsupported digest algorithm",
        }
    }
}

/// Length of the hex-encoded hash for each available algorithm.
fn encoded_len(algorithm: &str) -> Option<usize> {
    match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    }
}

/// Validates `algorithm:encoded` the way `digest.Parse` does.
pub(super) fn validate(digest: &str) -> Result<(), DigestError> {
    let Some((algorithm, encoded)) = digest
        .split_once(':')
        .filter(|(algorithm, encoded)| !algorithm.is_empty() && !encoded.is_empty())
    else {
        return Err(DigestError::InvalidFormat);
    };
    let Some(expected_len) = encoded_len(algorithm) else {
        return Err(if DIGEST_ANCHORED.is_match(digest) {
            DigestError::Unsupported
        } else {
            DigestError::InvalidFormat
        });
    };
    if encoded.len() != expected_len {
        return Err(DigestError::InvalidLength);
    }
    if encoded
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(DigestError::InvalidFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(len: usize) -> String {
        "0123456789abcdef".chars().cycle().take(len).collect()
    }

    #[test]
    fn registered_algorithms_need_exact_lowercase_hex() {
        assert_eq!(validate(&format!("sha256:{}", hex(64))), Ok(()));
        assert_eq!(validate(&format!("sha384:{}", hex(96))), Ok(()));
        assert_eq!(validate(&format!("sha512:{}", hex(128))), Ok(()));
        assert_eq!(
            validate(&format!("sha256:{}", hex(63))),
            Err(DigestError::InvalidLength)
        );
        assert_eq!(
            validate(&format!("sha512:{}", hex(64))),
            Err(DigestError::InvalidLength)
        );
        assert_eq!(
            validate(&format!("sha256:{}", hex(64).to_uppercase())),
            Err(DigestError::InvalidFormat)
        );
    }

    #[test]
    fn unknown_algorithms() {
        assert_eq!(
            validate(&format!("md5:{}", hex(32))),
            Err(DigestError::Unsupported)
        );
        assert_eq!(validate("blake3:abc"), Err(DigestError::Unsupported));
        assert_eq!(
            validate(&format!("SHA256:{}", hex(64))),
            Err(DigestError::InvalidFormat)
        );
        assert_eq!(validate("md5:a+b"), Err(DigestError::InvalidFormat));
    }

    #[test]
    fn malformed_digests() {
        for digest in ["", ":", "sha256", "sha256:", ":abc", "::"] {
            assert_eq!(
                validate(digest),
                Err(DigestError::InvalidFormat),
                "{digest:?}"
            );
        }
        assert_eq!(
            DigestError::InvalidLength.message(),
            "invalid checksum digest length"
        );
    }
}
