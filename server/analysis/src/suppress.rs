//! `# gitops-ls-ignore: rule-a, rule-b` comments.
//!
//! A comment after content suppresses those rules on its own line; a comment
//! alone on its line suppresses them on the next line. Without a list
//! (`# gitops-ls-ignore`) every rule is suppressed there.

use std::collections::HashMap;

use crate::text::LineIndex;
use crate::yaml::YamlFile;

pub const IGNORE_DIRECTIVE: &str = "gitops-ls-ignore";

#[derive(Debug, Default)]
pub struct Suppressions {
    /// Zero-based line → rules suppressed there (empty: all rules).
    by_line: HashMap<usize, Vec<String>>,
}

/// The rules a comment names, `Some(vec![])` for all, `None` when it is not
/// a suppression comment.
pub fn parse_directive(comment: &str) -> Option<Vec<String>> {
    let rest = comment.trim().strip_prefix(IGNORE_DIRECTIVE)?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let list = rest.strip_prefix(':')?;
    Some(
        list.split(',')
            .map(|rule| {
                rule.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .filter(|rule| !rule.is_empty())
            .collect(),
    )
}

impl Suppressions {
    pub fn collect(text: &str, lines: &LineIndex, file: &YamlFile) -> Self {
        let mut by_line: HashMap<usize, Vec<String>> = HashMap::new();
        for comment in file.documents.iter().flat_map(|doc| &doc.comments) {
            let Some(rules) = parse_directive(&comment.text) else {
                continue;
            };
            let line = lines.line_of(comment.span.start);
            let before = &text[lines.line_start(line)..comment.span.start];
            let target = if before.trim().is_empty() {
                line + 1
            } else {
                line
            };
            let entry = by_line.entry(target).or_default();
            if rules.is_empty() {
                entry.clear();
                entry.push("*".to_owned());
            } else if !entry.iter().any(|rule| rule == "*") {
                entry.extend(rules);
            }
        }
        Suppressions { by_line }
    }

    pub fn is_suppressed(&self, line: usize, rule: &str) -> bool {
        self.by_line
            .get(&line)
            .is_some_and(|rules| rules.iter().any(|r| r == rule || r == "*"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        assert_eq!(
            parse_directive(" gitops-ls-ignore: a, b "),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(parse_directive("gitops-ls-ignore"), Some(vec![]));
        assert_eq!(
            parse_directive("gitops-ls-ignore: a -- because"),
            Some(vec!["a".into()])
        );
        assert_eq!(parse_directive("gitops-ls-ignored"), None);
        assert_eq!(parse_directive("something else"), None);
    }

    #[test]
    fn trailing_comments_cover_their_line_and_own_line_comments_the_next() {
        let text = "a: 1 # gitops-ls-ignore: x\n# gitops-ls-ignore: y\nb: 2\n";
        let file = YamlFile::parse(text);
        let lines = LineIndex::new(text);
        let suppressions = Suppressions::collect(text, &lines, &file);
        assert!(suppressions.is_suppressed(0, "x"));
        assert!(!suppressions.is_suppressed(0, "y"));
        assert!(suppressions.is_suppressed(2, "y"));
        assert!(!suppressions.is_suppressed(1, "y"));
    }
}
