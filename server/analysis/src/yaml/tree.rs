//! An arena tree of one YAML document with byte ranges.
//!
//! Aliases stay aliases (an index to the anchored node): they are followed
//! one lookup at a time and never expanded, so an alias bomb costs no more
//! than its text. Merge keys (`<<`) are honoured by [`Document::get`], as
//! Kubernetes' YAML decoder does, under a step budget.

use std::cell::Cell;

use crate::text::TextRange;
use crate::work::{self, Counter};

pub type NodeId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone)]
pub struct MapEntry {
    pub key: NodeId,
    pub value: NodeId,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar { value: String, style: ScalarStyle },
    Sequence { items: Vec<NodeId>, flow: bool },
    Mapping { entries: Vec<MapEntry>, flow: bool },
    Alias { target: NodeId },
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte range in the original text (the scalar's text without its key,
    /// a collection from its first to its last character).
    pub span: TextRange,
    /// False when the document broke before this collection was closed: its
    /// children are only those seen before the error.
    pub complete: bool,
    /// Written with an anchor (`&name`), which `span` does not cover.
    pub anchored: bool,
    /// Written with a tag (`!!str`, `!custom`), which `span` does not cover.
    pub tagged: bool,
}

/// A comment, with the range of `#…` in the original text.
#[derive(Debug, Clone)]
pub struct Comment {
    pub text: String,
    pub span: TextRange,
}

/// A syntax error inside one document.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
}

/// A key that appears twice in one mapping.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    pub key: String,
    /// The closest earlier occurrence of the key.
    pub previous: TextRange,
    pub duplicate: TextRange,
}

/// One YAML document of a multi-document stream.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
    /// Byte range of the document in the original text.
    pub span: TextRange,
    pub error: Option<SyntaxError>,
    pub comments: Vec<Comment>,
    pub duplicate_keys: Vec<DuplicateKey>,
}

/// How many mapping entries one lookup may visit while following merge
/// keys: enough for any real manifest, small enough that a merge bomb
/// (`<<: [*a, *a, *a]` nested many times) cannot hang the analysis.
const MERGE_LOOKUP_BUDGET: u32 = 10_000;
const MERGE_DEPTH_LIMIT: u32 = 32;

impl Document {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Follows an alias to its anchored node.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.nodes[id].kind {
            NodeKind::Alias { target } => target,
            _ => id,
        }
    }

    /// The scalar's text, following an alias. `None` for collections.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[self.resolve(id)].kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The scalar as its author wrote it, following an alias: its value, or, when the
    /// source `text` (unmasked) holds a template action there, that source without its
    /// quotes, since the value parsed from a masked action is only the mask.
    pub fn written_scalar<'a>(&'a self, text: &'a str, id: NodeId) -> Option<&'a str> {
        let value = self.scalar(id)?;
        let source = text
            .get(self.nodes[self.resolve(id)].span.clone())
            .filter(|source| source.contains("{{"));
        let Some(source) = source.map(str::trim) else {
            return Some(value);
        };
        let unquoted = ['"', '\'']
            .into_iter()
            .find_map(|quote| source.strip_prefix(quote)?.strip_suffix(quote));
        Some(unquoted.unwrap_or(source))
    }

    /// True for an empty node or a plain `~` / `null`.
    pub fn is_null(&self, id: NodeId) -> bool {
        match &self.nodes[self.resolve(id)].kind {
            NodeKind::Scalar {
                value,
                style: ScalarStyle::Plain,
            } => matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    pub fn entries(&self, id: NodeId) -> &[MapEntry] {
        match &self.nodes[self.resolve(id)].kind {
            NodeKind::Mapping { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.nodes[self.resolve(id)].kind {
            NodeKind::Sequence { items, .. } => items,
            _ => &[],
        }
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.resolve(id)].kind, NodeKind::Mapping { .. })
    }

    pub fn is_sequence(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.resolve(id)].kind, NodeKind::Sequence { .. })
    }

    /// The entry for `key` in a mapping: its own entries first, then those
    /// merged in with `<<` (earlier merge sources win, as in YAML 1.1).
    pub fn get_entry(&self, mapping: NodeId, key: &str) -> Option<&MapEntry> {
        let budget = Cell::new(MERGE_LOOKUP_BUDGET);
        self.get_entry_within(mapping, key, &budget, 0)
    }

    pub fn get(&self, mapping: NodeId, key: &str) -> Option<NodeId> {
        self.get_entry(mapping, key).map(|entry| entry.value)
    }

    /// The text of a scalar value at `key`.
    pub fn get_str(&self, mapping: NodeId, key: &str) -> Option<&str> {
        self.get(mapping, key).and_then(|value| self.scalar(value))
    }

    /// Follows a dotted path of mapping keys.
    pub fn get_path(&self, mut node: NodeId, path: &[&str]) -> Option<NodeId> {
        for key in path {
            node = self.get(node, key)?;
        }
        Some(node)
    }

    fn get_entry_within(
        &self,
        mapping: NodeId,
        key: &str,
        budget: &Cell<u32>,
        depth: u32,
    ) -> Option<&MapEntry> {
        let entries = self.entries(mapping);
        let mut has_merge = false;
        for entry in entries {
            let spent = budget.get();
            if spent == 0 {
                return None;
            }
            budget.set(spent - 1);
            work::count(Counter::KeyComparisons, 1);
            match self.scalar(entry.key) {
                Some(k) if k == key => return Some(entry),
                Some("<<") => has_merge = true,
                _ => {}
            }
        }
        if !has_merge || depth >= MERGE_DEPTH_LIMIT {
            return None;
        }
        for entry in entries {
            if self.scalar(entry.key) != Some("<<") {
                continue;
            }
            let source = self.resolve(entry.value);
            let found = if self.is_sequence(source) {
                self.items(source)
                    .iter()
                    .find_map(|&item| self.get_entry_within(item, key, budget, depth + 1))
            } else {
                self.get_entry_within(source, key, budget, depth + 1)
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Whether `key` is one of the mapping's own entries (not merged in).
    pub fn owns_entry(&self, mapping: NodeId, entry: &MapEntry) -> bool {
        self.entries(mapping)
            .iter()
            .any(|own| own.key == entry.key && own.value == entry.value)
    }
}
