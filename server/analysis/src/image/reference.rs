//! distribution/reference (v0.6.0): the reference grammar (`Parse`) and Docker Hub
//! normalisation (`ParseNormalizedNamed`), which is what Kubernetes calls.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use super::digest::{self, DigestError};
use super::gostrings;

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const LOCALHOST: &str = "localhost";
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// `NameTotalLengthMax`; since v0.6.0 it bounds the path only, not the domain.
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// A host name or bracketed IPv6 literal, with an optional port. Uppercase is allowed here.
const DOMAIN_AND_PORT: &str = r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?";
/// One lowercase path component.
const PATH_COMPONENT: &str = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";

fn remote_name() -> String {
    format!("{PATH_COMPONENT}(?:/{PATH_COMPONENT})*")
}

/// `ReferenceRegexp`, anchored. Groups: 1 name, 2 tag, 3 digest (see [`split_reference`]).
/// `\w` is spelled `[0-9A-Za-z_]` because Rust's `\w` is Unicode-aware and Go's is not.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^((?:{DOMAIN_AND_PORT}/)?{remote})(?::([0-9A-Za-z_][0-9A-Za-z_.-]{{0,127}}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{{32,}}))?$",
        remote = remote_name()
    ))
    .expect("reference regex is valid")
});

/// `DOMAIN_AND_PORT`, anchored: the parts of `anchoredNameRegexp` (see [`split_name`]).
static ANCHORED_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(?:{DOMAIN_AND_PORT})$")).expect("anchored domain regex is valid")
});

/// The remote name (path), anchored.
static ANCHORED_REMOTE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(?:{})$", remote_name())).expect("anchored path regex is valid")
});

/// `anchoredIdentifierRegexp`: a bare image ID.
static IDENTIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-f0-9]{64}$").expect("identifier regex is valid"));

/// A parsed, normalized reference (the result of distribution/reference `ParseNormalizedNamed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// Registry host with optional port, e.g. `docker.io` or `localhost:5000`.
    ///
    /// Empty in one corner case: the first component looked like a domain to the normaliser
    /// (it has a `.` or `:`) but the grammar only accepts it as a path component, e.g.
    /// `foo_bar.com/app`. Upstream then reports the whole name as the path.
    pub domain: String,
    /// Repository path within the registry, e.g. `library/nginx`.
    pub path: String,
    /// The tag, if one was written. Kept even when a digest is present.
    pub tag: Option<String>,
    /// The digest (`algorithm:hex`), if one was written.
    pub digest: Option<String>,
}

impl ImageReference {
    /// The fully qualified repository name (`Named.Name()`), e.g. `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }
}

/// The kind of a [`ReferenceError`], one per upstream error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceErrorKind {
    /// `ErrReferenceInvalidFormat`: the string does not match the grammar.
    InvalidFormat,
    /// `ErrNameContainsUppercase`: the string matches the grammar only once lowercased.
    NameContainsUppercase,
    /// `ParseNormalizedNamed` found uppercase in the repository part before parsing.
    RepositoryNotLowercase,
    /// `ParseNormalizedNamed` rejected a bare 64-hex image ID.
    HexIdentifier,
    /// `ErrNameEmpty`. `ParseNormalizedNamed` always prefixes a domain before parsing, so it
    /// reports an empty image as [`ReferenceErrorKind::InvalidFormat`] instead.
    NameEmpty,
    /// `ErrNameTooLong`: the path is longer than 255 bytes.
    NameTooLong,
    /// go-digest `ErrDigestInvalidFormat`.
    DigestInvalidFormat,
    /// go-digest `ErrDigestInvalidLength`.
    DigestInvalidLength,
    /// go-digest `ErrDigestUnsupported`.
    DigestUnsupported,
}

/// Why an image reference does not parse. `Display` gives the exact upstream text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    kind: ReferenceErrorKind,
    message: String,
}

impl ReferenceError {
    fn new(kind: ReferenceErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Which upstream error this is.
    pub fn kind(&self) -> ReferenceErrorKind {
        self.kind
    }
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReferenceError {}

impl From<DigestError> for ReferenceError {
    fn from(error: DigestError) -> Self {
        let kind = match error {
            DigestError::InvalidFormat => ReferenceErrorKind::DigestInvalidFormat,
            DigestError::InvalidLength => ReferenceErrorKind::DigestInvalidLength,
            DigestError::Unsupported => ReferenceErrorKind::DigestUnsupported,
        };
        Self::new(kind, error.message())
    }
}

/// Parses and normalizes an image reference exactly like distribution/reference
/// `ParseNormalizedNamed` (v0.6.0): Docker Hub names get `docker.io` and, for single-component
/// names, `library/`; `index.docker.io` becomes `docker.io`.
///
/// # Errors
///
/// A [`ReferenceError`] whose `Display` is the upstream text, e.g. `invalid reference format`.
pub fn parse_normalized_named(s: &str) -> Result<ImageReference, ReferenceError> {
    if IDENTIFIER.is_match(s) {
        return Err(ReferenceError::new(
            ReferenceErrorKind::HexIdentifier,
            format!("invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"),
        ));
    }
    let (domain, remainder) = split_docker_domain(s);
    // Everything up to the first ':' even if that includes an '@digest' part, as upstream does.
    let remote = remainder
        .split_once(':')
        .map_or(remainder.as_str(), |(r, _)| r);
    if !gostrings::is_lower(remote) {
        return Err(ReferenceError::new(
            ReferenceErrorKind::RepositoryNotLowercase,
            format!("invalid reference format: repository name ({remote}) must be lowercase"),
        ));
    }
    parse(&format!("{domain}/{remainder}"))
}

/// `splitDockerDomain`: decides whether the first component is a registry and applies the
/// Docker Hub defaults. Returns `(domain, remainder)`.
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((first, rest)) = name.split_once('/') else {
        // No '/': never a registry, so `localhost:5000` is `localhost` with tag `5000`.
        return (DEFAULT_DOMAIN, format!("{OFFICIAL_REPO_PREFIX}{name}"));
    };
    let (domain, remainder) = match first {
        LOCALHOST => (first, rest),
        LEGACY_DEFAULT_DOMAIN => (DEFAULT_DOMAIN, rest),
        // Uppercase is not allowed in Docker Hub namespaces, so upstream assumes a registry.
        _ if first.contains(['.', ':']) || !gostrings::is_lower(first) => (first, rest),
        _ => (DEFAULT_DOMAIN, name),
    };
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        (domain, format!("{OFFICIAL_REPO_PREFIX}{remainder}"))
    } else {
        (domain, remainder.to_owned())
    }
}

/// `Parse`: matches the grammar without any normalisation.
fn parse(s: &str) -> Result<ImageReference, ReferenceError> {
    if !REFERENCE.is_match(s) {
        if s.is_empty() {
            return Err(ReferenceError::new(
                ReferenceErrorKind::NameEmpty,
                "repository name must have at least one component",
            ));
        }
        if REFERENCE.is_match(&gostrings::to_lower(s)) {
            return Err(ReferenceError::new(
                ReferenceErrorKind::NameContainsUppercase,
                "repository name must be lowercase",
            ));
        }
        return Err(ReferenceError::new(
            ReferenceErrorKind::InvalidFormat,
            "invalid reference format",
        ));
    }
    let (name, tag, digest) = split_reference(s);
    let (domain, path) = split_name(name);
    if path.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::new(
            ReferenceErrorKind::NameTooLong,
            format!("repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"),
        ));
    }
    if !digest.is_empty() {
        digest::validate(digest)?;
    }
    Ok(ImageReference {
        domain: domain.to_owned(),
        path: path.to_owned(),
        tag: non_empty(tag),
        digest: non_empty(digest),
    })
}

// The capture groups of `ReferenceRegexp` and `anchoredNameRegexp`, found
// without a capture search: on a long input (a 5 MB image) that costs
// seconds, while the grammar pins each part down once the whole matches.

/// Name, tag and digest (`""` when absent) of a string that matches
/// [`REFERENCE`]. Only the digest follows an `@`, and only the tag follows a
/// `:` that has no `/` after it (a port is always followed by one).
fn split_reference(s: &str) -> (&str, &str, &str) {
    let (before_digest, digest) = s.split_once('@').unwrap_or((s, ""));
    match before_digest.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag, digest),
        _ => (before_digest, "", digest),
    }
}

/// Domain (`""` when none) and path of a name, as `anchoredNameRegexp`
/// splits it: leftmost-first prefers a domain, which can only be the first
/// component, and takes it when the rest is a path.
fn split_name(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if ANCHORED_DOMAIN.is_match(first) && ANCHORED_REMOTE_NAME.is_match(rest) =>
        {
            (first, rest)
        }
        _ => ("", name),
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn ok(s: &str) -> ImageReference {
        parse_normalized_named(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn err(s: &str) -> ReferenceError {
        match parse_normalized_named(s) {
            Ok(r) => panic!("{s:?} parsed as {r:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn docker_hub_normalisation() {
        for s in ["nginx", "docker.io/nginx", "index.docker.io/library/nginx"] {
            let r = ok(s);
            assert_eq!(r.name(), "docker.io/library/nginx", "{s}");
            assert_eq!((r.tag, r.digest), (None, None));
        }
        assert_eq!(ok("bitnami/redis").name(), "docker.io/bitnami/redis");
        assert_eq!(
            ok("registry-1.docker.io/nginx").name(),
            "registry-1.docker.io/nginx"
        );
    }

    #[test]
    fn port_only_counts_before_a_slash() {
        let r = ok("localhost:5000/app");
        assert_eq!((r.domain.as_str(), r.tag), ("localhost:5000", None));
        let r = ok("localhost:5000");
        assert_eq!(r.name(), "docker.io/library/localhost");
        assert_eq!(r.tag.as_deref(), Some("5000"));
    }

    #[test]
    fn tag_and_digest_are_both_kept() {
        let r = ok(&format!("ghcr.io/org/app:v1@{SHA256}"));
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.digest.as_deref(), Some(SHA256));
    }

    #[test]
    fn domain_that_only_parses_as_a_path() {
        let r = ok("foo_bar.com/app");
        assert_eq!(
            (r.domain.as_str(), r.path.as_str()),
            ("", "foo_bar.com/app")
        );
        assert_eq!(r.name(), "foo_bar.com/app");
    }

    #[test]
    fn error_kinds_and_texts() {
        let cases = [
            (
                "Nginx",
                ReferenceErrorKind::RepositoryNotLowercase,
                "invalid reference format: repository name (library/Nginx) must be lowercase",
            ),
            (
                "My_Registry.com/app",
                ReferenceErrorKind::NameContainsUppercase,
                "repository name must be lowercase",
            ),
            (
                "app:",
                ReferenceErrorKind::InvalidFormat,
                "invalid reference format",
            ),
            (
                "app@sha256:0123456789abcdef0123456789abcdef",
                ReferenceErrorKind::DigestInvalidLength,
                "invalid checksum digest length",
            ),
            (
                "app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
                ReferenceErrorKind::DigestInvalidFormat,
                "invalid checksum digest format",
            ),
            (
                "app@blake3:0123456789abcdef0123456789abcdef",
                ReferenceErrorKind::DigestUnsupported,
                "unsupported digest algorithm",
            ),
        ];
        for (s, kind, text) in cases {
            let e = err(s);
            assert_eq!((e.kind(), e.to_string().as_str()), (kind, text), "{s}");
        }
        let hex = &SHA256["sha256:".len()..];
        assert_eq!(err(hex).kind(), ReferenceErrorKind::HexIdentifier);
        assert_eq!(
            err(&format!("{}/a", "x".repeat(300))).kind(),
            ReferenceErrorKind::NameTooLong
        );
    }

    #[test]
    fn parse_without_normalisation() {
        assert_eq!(
            parse("").map_err(|e| e.kind()),
            Err(ReferenceErrorKind::NameEmpty)
        );
        assert_eq!(
            parse("").unwrap_err().to_string(),
            "repository name must have at least one component"
        );
        let r = parse("nginx:1").expect("valid");
        assert_eq!((r.domain.as_str(), r.path.as_str()), ("", "nginx"));
    }

    #[test]
    fn go_lowercasing_of_dotted_capital_i() {
        // Go lowers U+0130 to ASCII 'i', so the lowered string matches the grammar.
        assert_eq!(
            err("\u{130}/app").kind(),
            ReferenceErrorKind::NameContainsUppercase
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let long = "a".repeat(1 << 16);
        let inputs = [
            String::new(),
            ":".into(),
            "@".into(),
            "::::".into(),
            "@@@".into(),
            "/".into(),
            "\0".into(),
            "app\0:tag".into(),
            "ngïnx:té".into(),
            "Ünïcödé/ÄPP".into(),
            "[".into(),
            "[::1".into(),
            format!("{long}:{long}@{long}"),
            format!("{long}/{long}"),
            format!("app@sha256:{long}"),
            "😀/😀:😀".into(),
        ];
        for s in &inputs {
            assert!(parse_normalized_named(s).is_err(), "{:?}", s.get(..40));
        }
        assert_eq!(err(&long).kind(), ReferenceErrorKind::NameTooLong);
    }

    #[test]
    fn parts_are_split_like_the_capture_groups() {
        // What a capture search of the full regexes gives, on the shapes
        // where a `:` or `/` could belong to more than one part.
        let name = Regex::new(&format!(r"^(?:({DOMAIN_AND_PORT})/)?({})$", remote_name())).unwrap();
        for s in [
            "docker.io/library/nginx",
            "localhost:5000/app:v1",
            "docker.io/library/localhost:5000",
            "[::1]:5000/app:1.0@sha256:0123456789abcdef0123456789abcdef",
            "[::1]/app",
            "foo_bar.com/app",
            "a/b/c:d",
            "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef",
        ] {
            let caps = REFERENCE.captures(s).expect(s);
            fn group<'h>(c: &regex::Captures<'h>, i: usize) -> &'h str {
                c.get(i).map_or("", |m| m.as_str())
            }
            let (n, tag, digest) = split_reference(s);
            assert_eq!(
                (n, tag, digest),
                (group(&caps, 1), group(&caps, 2), group(&caps, 3))
            );
            let name_caps = name.captures(n).expect(n);
            assert_eq!(
                split_name(n),
                (group(&name_caps, 1), group(&name_caps, 2)),
                "{s}"
            );
        }
    }
}
