//! Go (RE2) regex syntax, rewritten for Rust's `regex` crate.
//!
//! kustomize inserts an `images:` name into a Go regex unescaped, so we compile the same
//! text. The two dialects agree on what image names contain (`.`, `-`, `/`, `:`); where
//! they differ this rewrites Go's reading into Rust syntax, or returns `None` where Go
//! rejects the pattern (so the entry matches nothing instead of matching by accident).
//! Not emulated: octal escapes (`\12`), which Go accepts and this rejects.

/// Go's regexp rejects repeat counts above this (`invalid repeat count`).
const GO_MAX_REPEAT: u32 = 1000;

/// Flags Go accepts in `(?flags)` / `(?flags:…)`.
const GO_FLAGS: &str = "imsU-";

/// Escaped letters Go gives a meaning to (the rest are `invalid escape sequence`).
const GO_LETTER_ESCAPES: &str = "aftnrvxpPdDsSwWbBAz";

/// The pattern in Rust syntax, or `None` when Go would not compile it.
pub fn to_rust(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut rest = pattern;
    let mut in_class = false;
    // Go forbids stacking repetition operators (`a**`, `a{2}*`); Rust accepts them.
    let mut after_repeat = false;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        let mut is_repeat = false;
        match c {
            '\\' => {
                let escaped = rest.chars().next()?;
                rest = &rest[escaped.len_utf8()..];
                if escaped == 'Q' && !in_class {
                    let (quoted, after) = rest.split_once(r"\E").unwrap_or((rest, ""));
                    out.push_str(&regex::escape(quoted));
                    rest = after;
                } else {
                    out.push_str(&escape(escaped, in_class)?);
                }
            }
            '[' if in_class => {
                if let Some(end) = posix_class_end(rest) {
                    out.push('[');
                    out.push_str(&rest[..end]);
                    rest = &rest[end..];
                } else {
                    out.push_str(r"\[");
                }
            }
            '[' => {
                in_class = true;
                out.push('[');
                if let Some(after) = rest.strip_prefix('^') {
                    out.push('^');
                    rest = after;
                }
                // `]` first in a class is a member.
                if let Some(after) = rest.strip_prefix(']') {
                    out.push_str(r"\]");
                    rest = after;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            // Rust reads `&&`, `--` and `~~` in a class as set operations; Go as members.
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && rest.starts_with('-') => out.push_str(r"\-"),
            _ if in_class => out.push(c),
            '*' | '+' | '?' => {
                if after_repeat {
                    return None;
                }
                out.push(c);
                if let Some(after) = rest.strip_prefix('?') {
                    out.push('?');
                    rest = after;
                }
                is_repeat = true;
            }
            '{' => match repeat_len(rest) {
                Repeat::Valid(len) => {
                    if after_repeat {
                        return None;
                    }
                    out.push('{');
                    out.push_str(&rest[..len]);
                    rest = &rest[len..];
                    if let Some(after) = rest.strip_prefix('?') {
                        out.push('?');
                        rest = after;
                    }
                    is_repeat = true;
                }
                Repeat::Literal => out.push_str(r"\{"),
                Repeat::TooLarge => return None,
            },
            '}' => out.push_str(r"\}"),
            '(' if rest.starts_with('?') => {
                let flags_end = rest[1..].find([')', ':']).map(|i| i + 1);
                let is_named_group = rest.starts_with("?P<") || rest.starts_with("?<");
                if !is_named_group {
                    let flags_end = flags_end?;
                    let flags = &rest[1..flags_end];
                    let group_only = flags.is_empty() && rest[flags_end..].starts_with(':');
                    if !group_only
                        && (flags.is_empty() || !flags.chars().all(|f| GO_FLAGS.contains(f)))
                    {
                        return None;
                    }
                }
                out.push('(');
            }
            _ => out.push(c),
        }
        after_repeat = is_repeat;
    }
    Some(out)
}

/// One escape sequence `\c` in Rust syntax, `None` when Go rejects it.
fn escape(c: char, in_class: bool) -> Option<String> {
    if !c.is_ascii_alphanumeric() {
        // Go: an escaped punctuation character is itself. Rust gives some (`\<`) meaning.
        return Some(regex::escape(&c.to_string()));
    }
    if !GO_LETTER_ESCAPES.contains(c) {
        return None; // digits (octal, unsupported here) and letters Go does not know
    }
    // Go's Perl classes are ASCII-only; Rust's are Unicode.
    let ascii_class = match c {
        'd' => Some(("0-9", false)),
        'D' => Some(("0-9", true)),
        'w' => Some(("0-9A-Za-z_", false)),
        'W' => Some(("0-9A-Za-z_", true)),
        's' => Some((r"\t\n\f\r ", false)),
        'S' => Some((r"\t\n\f\r ", true)),
        _ => None,
    };
    Some(match (ascii_class, in_class) {
        (Some((members, false)), true) => members.to_owned(),
        (Some((members, negated)), _) => format!("[{}{members}]", if negated { "^" } else { "" }),
        (None, false) if matches!(c, 'b' | 'B') => format!(r"(?-u:\{c})"),
        (None, _) => format!(r"\{c}"),
    })
}

/// The length of `:name:]` when `rest` (after a `[` inside a class) starts a POSIX class.
fn posix_class_end(rest: &str) -> Option<usize> {
    let body = rest.strip_prefix(':')?;
    let end = body.find(":]")?;
    let name = &body[..end];
    let name = name.strip_prefix('^').unwrap_or(name);
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase())).then_some(end + 3)
}

enum Repeat {
    /// A repeat whose text after `{` is this many bytes long, `}` included.
    Valid(usize),
    Literal,
    TooLarge,
}

/// Whether `rest` (after a `{`) is a Go repeat `n}`, `n,}` or `n,m}`.
fn repeat_len(rest: &str) -> Repeat {
    let Some(end) = rest.find('}') else {
        return Repeat::Literal;
    };
    let body = &rest[..end];
    let (min, max) = match body.split_once(',') {
        Some((min, max)) => (min, Some(max).filter(|max| !max.is_empty())),
        None => (body, None),
    };
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !is_number(min) || max.is_some_and(|max| !is_number(max)) {
        return Repeat::Literal;
    }
    let too_large = |s: &str| s.parse::<u32>().map_or(true, |n| n > GO_MAX_REPEAT);
    if too_large(min) || max.is_some_and(too_large) {
        return Repeat::TooLarge;
    }
    Repeat::Valid(end + 1)
}

#[cfg(test)]
mod tests {
    use super::to_rust;

    fn matches(pattern: &str, text: &str) -> bool {
        let pattern = to_rust(pattern).expect("valid in Go");
        regex::Regex::new(&format!("^(?:{pattern})$"))
            .expect("valid in Rust")
            .is_match(text)
    }

    #[test]
    fn go_only_readings() {
        assert!(matches("app{x}", "app{x}"));
        assert!(matches("a{,3}", "a{,3}"));
        assert!(matches("a}", "a}"));
        assert!(matches(r"\Qa.b\E", "a.b"));
        assert!(!matches(r"\Qa.b\E", "axb"));
        assert!(matches(r"a\<", "a<"));
        assert!(matches("a[[]", "a["));
        assert!(matches("[a&&b]", "&"));
        assert!(matches("[]a]", "]"));
        assert!(matches("[[:digit:]]x", "1x"));
    }

    #[test]
    fn ascii_perl_classes() {
        assert!(matches(r"\d\w\s", "1_ "));
        assert!(!matches(r"\d", "١"));
        assert!(!matches(r"\w", "é"));
        assert!(matches(r"[\d.]+", "1.2"));
        assert!(matches(r"\D", "x"));
    }

    #[test]
    fn shared_syntax_is_kept() {
        assert!(matches("a.c", "a/c"));
        assert!(matches("ap{2}", "app"));
        assert!(matches("a*?b", "aab"));
        assert!(matches("(?i)NGINX", "nginx"));
        assert!(matches("(?:a|b)c", "bc"));
        assert!(matches("(?i:A)b", "ab"));
        assert!(matches("(?P<n>a)(?<m>b)", "ab"));
        assert!(matches(r"\pL+", "abc"));
    }

    #[test]
    fn rejected_like_go() {
        for pattern in [
            "a**", "a*+", "a{2}{3}", "a?*", "x{1001}", "(?x)a", r"\e", r"\1", "\\",
        ] {
            assert_eq!(to_rust(pattern), None, "{pattern}");
        }
    }
}
