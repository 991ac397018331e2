//! The kustomize `images:` transformer on one image string (spec §6, kustomize v5.8.1):
//! `IsImageMatched`, `Split` and `SetImageValue`.

use regex::{Regex, RegexBuilder};

use super::go_regex;

/// The tail kustomize appends to `name` to build its matching regex. Only `@sha256:`
/// digests match in v5.8.1, so an image pinned with `@sha512:` is not rewritten.
const MATCH_TAIL: &str = r"(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$";

/// Compiled-program budget for one `name`: a hostile name costs at most this much memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// One `images:` entry (kustomize `types.Image`).
///
/// As in kustomize, an empty string means "not set": `newTag: ""` changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageOverride {
    /// Which images to rewrite; inserted unescaped into a regex (see [`ImageMatcher`]).
    pub name: String,
    /// Replaces the image name.
    pub new_name: String,
    /// Replaces the tag (and drops the digest unless `digest` is set too).
    pub new_tag: String,
    /// Replaces the digest (and drops the tag unless `new_tag` is set too). Not validated.
    pub digest: String,
    /// Appended to the existing tag when neither `new_tag` nor `digest` is set.
    pub tag_suffix: String,
}

impl ImageOverride {
    /// The image `image` becomes once this entry has matched it (`SetImageValue` after the
    /// match): the new name, then the first of newTag+digest / newTag / digest / tagSuffix.
    pub fn rewrite(&self, image: &str) -> String {
        let (name, mut tag, mut digest) = split_image(image);
        let name = if self.new_name.is_empty() {
            name
        } else {
            &self.new_name
        };
        let suffixed;
        match (self.new_tag.is_empty(), self.digest.is_empty()) {
            (false, false) => (tag, digest) = (&self.new_tag, &self.digest),
            (false, true) => (tag, digest) = (&self.new_tag, ""),
            (true, false) => (tag, digest) = ("", &self.digest),
            (true, true) if !self.tag_suffix.is_empty() => {
                suffixed = format!("{tag}{}", self.tag_suffix);
                (tag, digest) = (&suffixed, "");
            }
            (true, true) => {}
        }
        let mut out = name.to_owned();
        if !tag.is_empty() {
            out.push(':');
            out.push_str(tag);
        }
        if !digest.is_empty() {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

/// kustomize `image.Split`: `(name, tag, digest)`. Everything before the first `/` is
/// skipped, so a registry port is never taken for a tag; then the first `@` starts the
/// digest and the first `:` before it starts the tag.
pub fn split_image(image: &str) -> (&str, &str, &str) {
    // Go: `if slashIndex > 0` — a leading `/` does not count as a domain separator.
    let search_from = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[search_from..];
    let at = search.find('@').map(|i| i + search_from);
    let colon = search.find(':').map(|i| i + search_from);
    if let Some(at) = at.filter(|&at| colon.is_none_or(|colon| at < colon)) {
        return (&image[..at], "", &image[at + 1..]);
    }
    match (colon, at) {
        (Some(colon), Some(at)) => (&image[..colon], &image[colon + 1..at], &image[at + 1..]),
        (Some(colon), None) => (&image[..colon], &image[colon + 1..], ""),
        (None, _) => (image, "", ""),
    }
}

/// An entry's `name` compiled the way kustomize `IsImageMatched` compiles it:
/// `^` + name + `(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$`, with `name`
/// unescaped, so `.` matches any character and a tag in the name (`nginx:1.25`) filters
/// on that exact tag.
///
/// A name that is not a valid Go regex makes kustomize v5.8.1 panic; kustomize master
/// matches nothing. Here it matches nothing and [`ImageMatcher::is_valid`] says so.
#[derive(Debug, Clone)]
pub struct ImageMatcher(Matcher);

#[derive(Debug, Clone)]
enum Matcher {
    /// Almost every real name: literal characters and `.` (any character but a newline),
    /// matched without building a regex.
    Simple(Vec<char>),
    Regex(Regex),
    Invalid,
}

/// Go regex metacharacters other than `.`.
const REGEX_META: &[char] = &[
    '\\', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
];

impl ImageMatcher {
    /// Compiles `name`; never panics.
    pub fn new(name: &str) -> Self {
        if !name.contains(REGEX_META) {
            return ImageMatcher(Matcher::Simple(name.chars().collect()));
        }
        let regex = go_regex::to_rust(name).and_then(|name| {
            RegexBuilder::new(&format!("^{name}{MATCH_TAIL}"))
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .ok()
        });
        ImageMatcher(regex.map_or(Matcher::Invalid, Matcher::Regex))
    }

    /// Whether the name compiled (kustomize v5.8.1 panics on the ones that do not).
    pub fn is_valid(&self) -> bool {
        !matches!(self.0, Matcher::Invalid)
    }

    /// `IsImageMatched(image, name)`.
    pub fn is_match(&self, image: &str) -> bool {
        match &self.0 {
            Matcher::Simple(name) => {
                let mut chars = image.chars();
                let name_matches = name.iter().all(|&expected| {
                    chars
                        .next()
                        .is_some_and(|c| c == expected || (expected == '.' && c != '\n'))
                });
                name_matches && matches_tail(chars.as_str())
            }
            Matcher::Regex(regex) => regex.is_match(image),
            Matcher::Invalid => false,
        }
    }
}

/// [`MATCH_TAIL`] without a regex: `(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$`.
fn matches_tail(rest: &str) -> bool {
    let is_tag_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '{' | '}' | '-');
    let rest = match rest.strip_prefix(':') {
        Some(tag) => tag.trim_start_matches(is_tag_char),
        None => rest,
    };
    let rest = match rest.strip_prefix("@sha256:") {
        Some(digest) => digest.trim_start_matches(is_tag_char),
        None => rest,
    };
    rest.is_empty()
}

/// An [`ImageOverride`] with its name compiled once, for applying it to many images.
#[derive(Debug, Clone)]
pub struct CompiledOverride {
    pub entry: ImageOverride,
    pub matcher: ImageMatcher,
}

impl CompiledOverride {
    pub fn new(entry: ImageOverride) -> Self {
        let matcher = ImageMatcher::new(&entry.name);
        CompiledOverride { entry, matcher }
    }

    /// The rewritten image when the entry matches `image`, else `None`.
    pub fn apply(&self, image: &str) -> Option<String> {
        self.matcher
            .is_match(image)
            .then(|| self.entry.rewrite(image))
    }
}

/// One kustomize image transformer step on one image string: `Some(new image)` when
/// `entry.name` matches `image` (the result may equal the input), `None` otherwise.
pub fn apply(image: &str, entry: &ImageOverride) -> Option<String> {
    ImageMatcher::new(&entry.name)
        .is_match(image)
        .then(|| entry.rewrite(image))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> ImageOverride {
        ImageOverride {
            name: name.to_owned(),
            new_tag: "v2".to_owned(),
            ..ImageOverride::default()
        }
    }

    #[test]
    fn split_skips_the_registry_port() {
        assert_eq!(split_image("nginx"), ("nginx", "", ""));
        assert_eq!(split_image("nginx:1"), ("nginx", "1", ""));
        assert_eq!(split_image("a/b@sha256:x"), ("a/b", "", "sha256:x"));
        assert_eq!(split_image("h:5000/a:1@d:x"), ("h:5000/a", "1", "d:x"));
        assert_eq!(split_image("h:5000/a"), ("h:5000/a", "", ""));
        // `@` before `:` (after the first `/`): digest only, the rest belongs to it.
        assert_eq!(split_image("a@b:c"), ("a", "", "b:c"));
        assert_eq!(split_image("/x:1"), ("/x", "1", ""));
        assert_eq!(split_image(""), ("", "", ""));
    }

    #[test]
    fn invalid_names_match_nothing_without_panicking() {
        for name in ["[", "(", "a)", "a**", "\\", "x{1001}", "(?P<", "\\p{Nope}"] {
            let matcher = ImageMatcher::new(name);
            assert!(!matcher.is_valid(), "{name}");
            assert!(!matcher.is_match(name));
            assert_eq!(apply("anything", &entry(name)), None);
        }
    }

    #[test]
    fn dot_matches_any_character_and_the_match_is_anchored() {
        assert!(ImageMatcher::new("a.c").is_match("a/c:1"));
        assert!(!ImageMatcher::new("a.c").is_match("xa/c"));
        assert!(ImageMatcher::new("app{x}").is_match("app{x}:1"));
    }

    #[test]
    fn the_simple_matcher_agrees_with_the_regex() {
        let names = ["nginx", "a.c", "reg.io/app:1.0", "", ".", "x@sha256", "ß.y"];
        let images = [
            "nginx",
            "nginx:1",
            "nginx:1@sha256:ab",
            "nginx@sha256:",
            "nginx@sha512:ab",
            "nginx:a:b",
            "nginx-x",
            "abc",
            "a/c:{x}",
            "a\nc",
            "reg.io/app:1.0",
            "regxio/app:1.0:2",
            "",
            ":1",
            ".",
            "x@sha256",
            "x@sha256@sha256:1",
            "ßzy",
            "ß\ny",
        ];
        for name in names {
            let simple = ImageMatcher::new(name);
            let regex = Regex::new(&format!("^{name}{MATCH_TAIL}")).unwrap();
            assert!(matches!(simple.0, Matcher::Simple(_)));
            for image in images {
                assert_eq!(
                    simple.is_match(image),
                    regex.is_match(image),
                    "{name} ~ {image:?}"
                );
            }
        }
    }

    #[test]
    fn hostile_names_are_bounded() {
        let long = "a".repeat(200_000);
        let _ = ImageMatcher::new(&long).is_match(&long);
        let nested = "(".repeat(10_000) + &")".repeat(10_000);
        assert!(!ImageMatcher::new(&nested).is_match("x"));
        assert!(!ImageMatcher::new("(a{1000}){1000}").is_valid());
    }

    #[test]
    fn tag_suffix_applies_only_without_tag_or_digest() {
        let suffix = ImageOverride {
            name: "redis".into(),
            tag_suffix: "-alpine".into(),
            ..ImageOverride::default()
        };
        assert_eq!(suffix.rewrite("redis"), "redis:-alpine");
        assert_eq!(suffix.rewrite("redis:6@sha256:x"), "redis:6-alpine");
        let with_tag = ImageOverride {
            new_tag: "7".into(),
            ..suffix
        };
        assert_eq!(with_tag.rewrite("redis:6"), "redis:7");
    }
}
