//! YAML with source positions: template masking, document splitting and an
//! arena tree per document.

mod parse;
mod template;
mod tree;

pub use parse::{parse_documents, split_documents};
pub use template::{action_close, contains_template_expression, mask_template_actions, MaskedText};
pub use tree::{
    Comment, Document, DuplicateKey, MapEntry, Node, NodeId, NodeKind, ScalarStyle, SyntaxError,
};

/// A parsed YAML stream.
#[derive(Debug, Clone)]
pub struct YamlFile {
    pub documents: Vec<Document>,
    /// Zero-based lines that held only template actions (see [`MaskedText`]),
    /// in ascending order.
    pub template_action_lines: Vec<usize>,
    /// The text contains Go-template actions (a Helm template, most likely).
    pub has_template_actions: bool,
}

impl YamlFile {
    pub fn parse(text: &str) -> Self {
        let masked = mask_template_actions(text);
        YamlFile {
            documents: parse_documents(&masked.text),
            has_template_actions: masked.has_actions(),
            template_action_lines: masked.action_lines,
        }
    }
}

/// `value` as a YAML double-quoted scalar, escaping what would end or bend it (quotes,
/// backslashes, line breaks and other control characters).
pub fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
