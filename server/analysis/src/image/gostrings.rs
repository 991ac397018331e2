//! Go standard-library string semantics that show up in upstream checks and error texts.

use std::fmt::Write as _;

/// Go's `unicode.ToLower`: the simple (one-to-one) lowercase mapping of a char.
///
/// Rust's `str::to_lowercase` applies full case mapping instead. The only unconditional
/// multi-char lowercase mapping is U+0130 (`İ` → `i` + U+0307), and its first char is the
/// simple mapping, so taking the first char reproduces Go. This matters because `İ` lowers to an
/// ASCII `i`, which can turn an invalid reference into one that matches the ASCII grammar.
fn simple_lowercase(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Go's `strings.ToLower(s)`.
pub(super) fn to_lower(s: &str) -> String {
    s.chars().map(simple_lowercase).collect()
}

/// Go's `strings.ToLower(s) == s`, without allocating.
pub(super) fn is_lower(s: &str) -> bool {
    s.chars().all(|c| simple_lowercase(c) == c)
}

/// Go's `strconv.Quote(s)`, i.e. what the `%q` verb prints for a string.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if is_print(c) => out.push(c),
            '\u{7}' => out.push_str(r"\a"),
            '\u{8}' => out.push_str(r"\b"),
            '\u{c}' => out.push_str(r"\f"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            '\u{b}' => out.push_str(r"\v"),
            // Writing into a String cannot fail.
            c if c < ' ' || c == '\u{7f}' => {
                let _ = write!(out, r"\x{:02x}", u32::from(c));
            }
            c if u32::from(c) < 0x1_0000 => {
                let _ = write!(out, r"\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, r"\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    // Rust's Debug escaping uses the same table (every C* and Z* category is unprintable, except
    // the ASCII space). It also escapes grapheme extenders (marks, printable in Go), but only at
    // the start of a string, so the char is probed in second position.
    let probe: String = ['a', c].into_iter().collect();
    probe.escape_debug().nth(1) == Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_follows_go_simple_mapping() {
        assert_eq!(to_lower("Library/Nginx"), "library/nginx");
        assert_eq!(to_lower("\u{130}"), "i");
        assert_eq!(to_lower("\u{212a}"), "k");
        assert!(is_lower("library/app@sha256"));
        assert!(is_lower("{{ .values }}"));
        assert!(!is_lower("App"));
        assert!(!is_lower("\u{130}"));
        assert!(is_lower(""));
    }

    #[test]
    fn quote_matches_go_strconv_quote() {
        assert_eq!(quote("nginx:1.25"), r#""nginx:1.25""#);
        assert_eq!(quote(""), r#""""#);
        assert_eq!(quote(r#"a"b\c'd"#), r#""a\"b\\c'd""#);
        assert_eq!(
            quote("\0\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1b}\u{7f}"),
            r#""\x00\a\b\t\n\v\f\r\x1b\x7f""#
        );
        assert_eq!(quote("é e\u{301} ü"), "\"é e\u{301} ü\"");
        assert_eq!(
            quote("\u{85}\u{a0}\u{200b}\u{2028}"),
            r#""\u0085\u00a0\u200b\u2028""#
        );
        assert_eq!(
            quote("😀\u{e0001}\u{10ffff}"),
            r#""😀\U000e0001\U0010ffff""#
        );
    }
}
