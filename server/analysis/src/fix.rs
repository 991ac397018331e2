//! Building edits that set a container's pull policy.
//!
//! Every position comes from the parsed tree: the value node of the entry,
//! its key, and the `:` right after that key. A new value replaces the whole
//! node as written (its tag, an anchor no alias uses, a block scalar's
//! header), so `!!null` or `|` never stays in front of it. An inserted
//! `imagePullPolicy: X` must leave valid YAML with the same meaning: it goes
//! right after the `image` entry (or the mapping's last own entry when the
//! image is merged in with `<<`), at the image key's column, on a new line
//! with the line's own line break (or `, key: X` inside a flow mapping). A
//! trailing comment stays on the image line. When an edit cannot be written
//! that way, there is no fix; in a document that does not parse, no fix is safe.

use crate::finding::{Edit, Fix};
use crate::image::PullPolicy;
use crate::rules::ContainerFacts;
use crate::text::LineIndex;
use crate::yaml::{Document, MapEntry, Node, NodeKind, ScalarStyle};

/// A fix that makes `policy` the container's explicit pull policy.
pub fn set_policy(
    text: &str,
    lines: &LineIndex,
    doc: &Document,
    facts: &ContainerFacts,
    policy: PullPolicy,
    safe: bool,
) -> Option<Fix> {
    let container = &facts.container;
    let key = container.role.keys().1;
    let own_policy = container.policy.as_ref().filter(|field| field.own);
    let edit = match own_policy {
        Some(field) => {
            let entry = own_entry(doc, container.mapping, &field.key)?;
            replace_value(
                text,
                doc,
                is_flow(doc, container.mapping),
                entry,
                policy.as_str(),
            )?
        }
        None => insert_entry(
            text,
            lines,
            doc,
            facts,
            &format!("{key}: {}", policy.as_str()),
        )?,
    };
    let verb = if own_policy.is_some() {
        "Set"
    } else {
        "Insert"
    };
    Some(Fix {
        title: format!("{verb} {key}: {}", policy.as_str()),
        edits: vec![edit],
        // In a document that does not parse, the tree stops where the parser did and
        // moves with the text, so what the edit means cannot be known.
        safe: safe && doc.error.is_none(),
    })
}

/// The entry of `mapping` (not merged in) whose key is written at `key`.
fn own_entry<'d>(
    doc: &'d Document,
    mapping: crate::yaml::NodeId,
    key: &crate::text::TextRange,
) -> Option<&'d MapEntry> {
    doc.entries(mapping)
        .iter()
        .find(|entry| doc.node(entry.key).span == *key)
}

fn is_flow(doc: &Document, mapping: crate::yaml::NodeId) -> bool {
    matches!(
        doc.node(doc.resolve(mapping)).kind,
        NodeKind::Mapping { flow: true, .. }
    )
}

/// The edit that makes the value of `entry` (in a mapping that is `flow` or
/// not) the scalar `new_value`, written as given. It replaces the node as
/// written, from its first property or block-scalar header to its last
/// character; an empty value gets ` new_value` after its `:` (or
/// `: new_value` after a flow key that has none). `None` when the node
/// cannot be replaced alone: an anchor that aliases refer to, a block
/// collection, an explicit block key (`? key`) without `:`.
pub(crate) fn replace_value(
    text: &str,
    doc: &Document,
    flow: bool,
    entry: &MapEntry,
    new_value: &str,
) -> Option<Edit> {
    let key = doc.node(entry.key);
    let node = doc.node(entry.value);
    let block_scalar = match &node.kind {
        NodeKind::Scalar { style, .. } => {
            matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
        }
        NodeKind::Alias { .. } => false,
        NodeKind::Sequence { flow, .. } | NodeKind::Mapping { flow, .. } => {
            if !flow {
                return None;
            }
            false
        }
    };
    if node.anchored && is_aliased(doc, entry.value) {
        return None;
    }
    let has_properties = node.anchored || node.tagged;
    let colon = value_indicator(text, key, flow);
    if node.span.is_empty() && !has_properties && !block_scalar {
        return Some(match colon {
            Some(colon) => Edit {
                range: colon + 1..colon + 1,
                new_text: format!(" {new_value}"),
            },
            None if flow => Edit {
                range: key.span.end..key.span.end,
                new_text: format!(": {new_value}"),
            },
            None => return None,
        });
    }
    let start = if has_properties || block_scalar {
        let at = skip_blanks(text, colon.map_or(key.span.end, |colon| colon + 1));
        let written = text.as_bytes().get(at)?;
        if !matches!(written, b'!' | b'&' | b'|' | b'>') || at > node.span.start {
            return None;
        }
        at
    } else {
        node.span.start
    };
    let end = if block_scalar {
        // Its range ends after its last line break, which stays.
        node.span.start + text[node.span.clone()].trim_end_matches(['\n', '\r']).len()
    } else {
        node.span.end
    };
    (end > start).then(|| Edit {
        range: start..end,
        new_text: new_value.to_owned(),
    })
}

/// Where an entry ends as written: after its value, or after the `:` of an
/// empty one (the empty value's range sits at the key).
pub(crate) fn entry_end(text: &str, doc: &Document, flow: bool, entry: &MapEntry) -> usize {
    let key = doc.node(entry.key);
    let value = doc.node(entry.value);
    if !value.span.is_empty() || value.anchored || value.tagged {
        return value.span.end.max(key.span.end);
    }
    value_indicator(text, key, flow).map_or(key.span.end, |colon| colon + 1)
}

fn is_aliased(doc: &Document, id: crate::yaml::NodeId) -> bool {
    doc.nodes
        .iter()
        .any(|node| matches!(node.kind, NodeKind::Alias { target } if target == id))
}

/// The `:` that follows `key`, when there is one: only blanks and comments
/// can stand between a key and its value indicator. A `:` that starts a
/// plain scalar (`:x`, on the next line after `? key`) is not one.
fn value_indicator(text: &str, key: &Node, flow: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let at = skip_blanks(text, key.span.end);
    if bytes.get(at) != Some(&b':') {
        return None;
    }
    // After a quoted or flow-collection key, a flow mapping allows `"a":b`.
    let json_like_key = match &key.kind {
        NodeKind::Scalar { style, .. } => {
            matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
        }
        NodeKind::Sequence { .. } | NodeKind::Mapping { .. } => true,
        NodeKind::Alias { .. } => false,
    };
    let is_indicator = match bytes.get(at + 1) {
        None | Some(b' ' | b'\t' | b'\r' | b'\n') => true,
        Some(b',' | b']' | b'}') => flow,
        Some(_) => flow && json_like_key,
    };
    is_indicator.then_some(at)
}

/// Skips spaces, tabs, line breaks and comments from `at`.
fn skip_blanks(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' => {
                at = memchr::memchr2(b'\n', b'\r', &bytes[at..]).map_or(bytes.len(), |p| at + p)
            }
            _ => break,
        }
    }
    at
}

fn insert_entry(
    text: &str,
    lines: &LineIndex,
    doc: &Document,
    facts: &ContainerFacts,
    entry_text: &str,
) -> Option<Edit> {
    let container = &facts.container;
    let own_entries = doc.entries(container.mapping);
    let image_entry = container
        .image
        .as_ref()
        .filter(|field| field.own)
        .and_then(|field| {
            own_entries
                .iter()
                .find(|entry| doc.node(entry.key).span == field.key)
        });
    let anchor = image_entry.or_else(|| own_entries.last())?;
    let key_span = doc.node(anchor.key).span.clone();
    let flow = is_flow(doc, container.mapping);
    let value_end = entry_end(text, doc, flow, anchor);

    if flow {
        // A single pair in a flow sequence (`[image: nginx]`) has no braces: another
        // `, key: value` would be another item of the sequence.
        let mapping = doc.node(doc.resolve(container.mapping));
        if !text[mapping.span.start..].starts_with('{') {
            return None;
        }
        return Some(Edit {
            range: value_end..value_end,
            new_text: format!(", {entry_text}"),
        });
    }

    // A block scalar's range ends after its last line break.
    let last_byte = if value_end > key_span.end && text[..value_end].ends_with(['\n', '\r']) {
        value_end - 1
    } else {
        value_end
    };
    let line = lines.line_of(last_byte);
    let insert_at = lines.line_range(text, line).end;
    let line_break = lines
        .line_break(text, line)
        .or_else(|| lines.line_break(text, 0))
        .unwrap_or("\n");
    // The entries of a block mapping line up with the start of their keys' properties
    // (`! image:`), which the key's range does not cover.
    let key = doc.node(anchor.key);
    if key.anchored || key.tagged {
        return None;
    }
    let key_line_start = lines.line_start(lines.line_of(key_span.start));
    let indent = " ".repeat(text[key_line_start..key_span.start].chars().count());
    Some(Edit {
        range: insert_at..insert_at,
        new_text: format!("{line_break}{indent}{entry_text}"),
    })
}
