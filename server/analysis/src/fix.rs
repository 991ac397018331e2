//! Building edits that set a container's pull policy.
//!
//! An inserted `imagePullPolicy: X` must leave valid YAML with the same
//! meaning: it goes right after the `image` entry (or the mapping's last own
//! entry when the image is merged in with `<<`), at the image key's column,
//! on a new line with the line's own line break (or `, key: X` inside a flow
//! mapping). A trailing comment stays on the image line.

use crate::finding::{Edit, Fix};
use crate::image::PullPolicy;
use crate::rules::ContainerFacts;
use crate::text::LineIndex;
use crate::yaml::{Document, NodeKind};

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
    let edit = match container.policy.as_ref().filter(|field| field.own) {
        Some(field) => replace_value(text, field.key.end, &field.value_range, policy.as_str()),
        None => insert_entry(
            text,
            lines,
            doc,
            facts,
            &format!("{key}: {}", policy.as_str()),
        )?,
    };
    let verb = if container.policy.as_ref().is_some_and(|f| f.own) {
        "Set"
    } else {
        "Insert"
    };
    Some(Fix {
        title: format!("{verb} {key}: {}", policy.as_str()),
        edits: vec![edit],
        safe,
    })
}

/// Replaces a value; an empty value (`key:` then nothing) gets `key: value`.
fn replace_value(
    text: &str,
    key_end: usize,
    value: &std::ops::Range<usize>,
    new_value: &str,
) -> Edit {
    if value.is_empty() {
        let colon = text[key_end..]
            .find(':')
            .map_or(key_end, |offset| key_end + offset + 1);
        return Edit {
            range: colon..colon,
            new_text: format!(" {new_value}"),
        };
    }
    Edit {
        range: value.clone(),
        new_text: new_value.to_owned(),
    }
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
    let value_span = doc.node(anchor.value).span.clone();
    let value_end = value_span.end.max(key_span.end);

    let is_flow = matches!(
        doc.node(container.mapping).kind,
        NodeKind::Mapping { flow: true, .. }
    );
    if is_flow {
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
    let key_line_start = lines.line_start(lines.line_of(key_span.start));
    let indent = " ".repeat(text[key_line_start..key_span.start].chars().count());
    Some(Edit {
        range: insert_at..insert_at,
        new_text: format!("{line_break}{indent}{entry_text}"),
    })
}
