//! Splitting a YAML stream into documents and building each document's tree
//! from granit-parser's events (which carry byte offsets and comments).
//!
//! Each document is parsed on its own, so a syntax error stops only the
//! document it is in. The tree is built with an explicit stack, never by
//! recursion, and the parser's nesting limits turn pathological nesting
//! (100k `[`) into an ordinary syntax error.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle as GranitStyle, Span, StructureStyle};

use super::tree::{
    Comment, Document, DuplicateKey, MapEntry, Node, NodeId, NodeKind, ScalarStyle, SyntaxError,
};
use crate::text::TextRange;
use crate::work::{self, Counter};

/// Byte ranges of the documents of a stream. A `---` line starts a new
/// document unless only comments and directives came before it in the
/// current one; a `...` line ends the current document.
pub fn split_documents(text: &str) -> Vec<TextRange> {
    // While a document has content only `---` and `...` lines matter, so the
    // scan jumps between them with a substring search; a byte order mark
    // after the start could hide a marker from that search, so then every
    // line is read.
    let bytes = text.as_bytes();
    let may_jump =
        !bytes.is_empty() && memchr::memmem::find(&bytes[1..], "\u{feff}".as_bytes()).is_none();
    split_scanning(text, may_jump)
}

fn split_scanning(text: &str, may_jump: bool) -> Vec<TextRange> {
    let bytes = text.as_bytes();
    let mut markers = may_jump.then(|| MarkerLines::new(bytes));
    let mut documents = Vec::new();
    let mut start = 0;
    let mut has_content = false;
    let mut line_start = 0;
    while line_start < bytes.len() {
        if has_content {
            if let Some(markers) = &mut markers {
                match markers.next_from(line_start) {
                    Some(at) => line_start = at,
                    None => break,
                }
            }
        }
        let line_end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |p| line_start + p + 1);
        let line = &text[line_start..line_end];
        if is_marker(line, "---") {
            if has_content {
                documents.push(start..line_start);
                start = line_start;
            }
            has_content = true;
        } else if is_marker(line, "...") {
            documents.push(start..line_end);
            start = line_end;
            has_content = false;
        } else if !has_content {
            let trimmed = line.trim_start_matches(['\u{feff}', ' ', '\t']);
            let is_prefix_line = trimmed.trim_end().is_empty()
                || trimmed.starts_with('#')
                || trimmed.starts_with('%');
            has_content = !is_prefix_line;
        }
        line_start = line_end;
    }
    if has_content || documents.is_empty() {
        documents.push(start..bytes.len());
    } else if let Some(last) = documents.last_mut() {
        // Trailing comments after the last document belong to it.
        last.end = bytes.len();
    }
    documents
}

/// Finds the lines that start with `---` or `...`, remembering the next
/// occurrence of each so that the text is searched once overall.
struct MarkerLines<'a> {
    bytes: &'a [u8],
    dashes: memchr::memmem::Finder<'static>,
    dots: memchr::memmem::Finder<'static>,
    next_dashes: Option<Option<usize>>,
    next_dots: Option<Option<usize>>,
}

impl<'a> MarkerLines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        MarkerLines {
            bytes,
            dashes: memchr::memmem::Finder::new(b"\n---"),
            dots: memchr::memmem::Finder::new(b"\n..."),
            next_dashes: None,
            next_dots: None,
        }
    }

    /// Start of the first marker-like line at or after `line_start` (which
    /// follows a line break).
    fn next_from(&mut self, line_start: usize) -> Option<usize> {
        let from = line_start.checked_sub(1)?;
        let bytes = self.bytes;
        let next = |finder: &memchr::memmem::Finder, cached: &mut Option<Option<usize>>| {
            match *cached {
                Some(Some(at)) if at >= from => return Some(at),
                Some(None) => return None,
                _ => {}
            }
            let found = finder.find(&bytes[from..]).map(|at| from + at);
            *cached = Some(found);
            found
        };
        let dashes = next(&self.dashes, &mut self.next_dashes);
        let dots = next(&self.dots, &mut self.next_dots);
        let at = match (dashes, dots) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(at + 1)
    }
}

fn is_marker(line: &str, marker: &str) -> bool {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Parses every document of `masked` (template actions already masked).
/// Offsets in the result are offsets into the original text.
pub fn parse_documents(masked: &str) -> Vec<Document> {
    split_documents(masked)
        .into_iter()
        .map(|range| parse_document(masked, range))
        .collect()
}

enum Frame {
    Sequence(NodeId),
    Mapping {
        id: NodeId,
        pending_key: Option<NodeId>,
        keys: KeySet,
    },
}

/// Keys seen in one mapping. Most mappings are small, so a linear scan
/// beats hashing until there are many keys.
#[derive(Default)]
struct KeySet {
    small: Vec<(String, TextRange)>,
    large: Option<HashMap<String, TextRange>>,
}

impl KeySet {
    const LINEAR_LIMIT: usize = 24;

    /// Records a key; returns the range of the closest earlier equal key
    /// (the third `a` repeats the second one, which may sit in the same
    /// branch of a Helm `if` when the first does not).
    fn insert(&mut self, key: &str, range: TextRange) -> Option<TextRange> {
        if let Some(large) = &mut self.large {
            return large.insert(key.to_owned(), range);
        }
        if let Some((_, previous)) = self.small.iter_mut().find(|(k, _)| k == key) {
            return Some(std::mem::replace(previous, range));
        }
        self.small.push((key.to_owned(), range));
        if self.small.len() > Self::LINEAR_LIMIT {
            self.large = Some(self.small.drain(..).collect());
        }
        None
    }
}

struct TreeBuilder {
    document: Document,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    base: usize,
}

impl TreeBuilder {
    fn range(&self, span: &Span) -> TextRange {
        let start = self.base + span.start.byte_offset().unwrap_or(0);
        let end = self.base + span.end.byte_offset().unwrap_or(0);
        start..end.max(start)
    }

    fn add_node(&mut self, kind: NodeKind, span: TextRange, anchor: usize, tagged: bool) -> NodeId {
        let id = self.document.nodes.len();
        let complete = matches!(kind, NodeKind::Scalar { .. } | NodeKind::Alias { .. });
        self.document.nodes.push(Node {
            kind,
            span,
            complete,
            anchored: anchor != 0,
            tagged,
        });
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        self.attach(id);
        id
    }

    /// Links a new node to the collection being built.
    fn attach(&mut self, id: NodeId) {
        let end = self.document.nodes[id].span.end;
        let Some(frame) = self.stack.last_mut() else {
            self.document.root = Some(id);
            return;
        };
        let parent = match frame {
            Frame::Sequence(parent) => {
                if let NodeKind::Sequence { items, .. } = &mut self.document.nodes[*parent].kind {
                    items.push(id);
                }
                *parent
            }
            Frame::Mapping {
                id: parent,
                pending_key,
                keys,
            } => {
                match pending_key.take() {
                    None => {
                        *pending_key = Some(id);
                        if let NodeKind::Scalar { value, .. } = &self.document.nodes[id].kind {
                            let span = self.document.nodes[id].span.clone();
                            if value != "<<" {
                                if let Some(previous) = keys.insert(value, span.clone()) {
                                    self.document.duplicate_keys.push(DuplicateKey {
                                        key: value.clone(),
                                        previous,
                                        duplicate: span,
                                    });
                                }
                            }
                        }
                    }
                    Some(key) => {
                        if let NodeKind::Mapping { entries, .. } =
                            &mut self.document.nodes[*parent].kind
                        {
                            entries.push(MapEntry { key, value: id });
                        }
                    }
                }
                *parent
            }
        };
        let parent_span = &mut self.document.nodes[parent].span;
        parent_span.end = parent_span.end.max(end);
    }

    /// Extends the spans of the open collections to `end` (children attach
    /// before their own ends are known).
    fn extend_open(&mut self, end: usize) {
        for frame in &self.stack {
            let id = match frame {
                Frame::Sequence(id) | Frame::Mapping { id, .. } => *id,
            };
            let span = &mut self.document.nodes[id].span;
            span.end = span.end.max(end);
        }
    }

    fn close(&mut self, span: TextRange, flow: bool) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let id = match frame {
            Frame::Sequence(id) | Frame::Mapping { id, .. } => id,
        };
        let node = &mut self.document.nodes[id];
        node.complete = true;
        if flow {
            node.span.end = node.span.end.max(span.end);
        }
        let end = node.span.end;
        self.extend_open(end);
    }
}

fn scalar_style(style: GranitStyle) -> ScalarStyle {
    match style {
        GranitStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        GranitStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        GranitStyle::Literal => ScalarStyle::Literal,
        GranitStyle::Folded => ScalarStyle::Folded,
        _ => ScalarStyle::Plain,
    }
}

/// The parser ends a block scalar (`|`, `>`) where the next token starts,
/// after that line's indentation; the scalar really ends after its last
/// line break. Without this, "the line the value ends on" is the next key's.
fn block_scalar_range(text: &str, range: TextRange) -> TextRange {
    let written = &text[range.clone()];
    let trimmed = written.trim_end_matches([' ', '\t']);
    if trimmed.ends_with(['\n', '\r']) {
        range.start..range.start + trimmed.len()
    } else {
        range
    }
}

fn parse_document(masked: &str, range: TextRange) -> Document {
    let mut builder = TreeBuilder {
        document: Document {
            span: range.clone(),
            ..Document::default()
        },
        stack: Vec::new(),
        anchors: HashMap::new(),
        base: range.start,
    };
    let source = &masked[range.clone()];
    for event in Parser::new_from_str(source) {
        work::count(Counter::YamlEvents, 1);
        let (event, span) = match event {
            Ok(ok) => ok,
            Err(error) => {
                let offset = error.marker().byte_offset().unwrap_or(0);
                builder.document.error = Some(SyntaxError {
                    message: error.kind().to_string(),
                    offset: range.start + offset.min(source.len()),
                });
                break;
            }
        };
        let node_range = builder.range(&span);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let style = scalar_style(style);
                let node_range = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        block_scalar_range(masked, node_range)
                    }
                    _ => node_range,
                };
                builder.add_node(
                    NodeKind::Scalar {
                        value: value.into_owned(),
                        style,
                    },
                    node_range,
                    anchor,
                    tag.is_some(),
                );
            }
            Event::Alias(anchor) => {
                if let Some(&target) = builder.anchors.get(&anchor) {
                    builder.add_node(NodeKind::Alias { target }, node_range, 0, false);
                }
            }
            Event::SequenceStart(style, anchor, tag) => {
                let flow = style == StructureStyle::Flow;
                let id = builder.add_node(
                    NodeKind::Sequence {
                        items: Vec::new(),
                        flow,
                    },
                    node_range,
                    anchor,
                    tag.is_some(),
                );
                builder.stack.push(Frame::Sequence(id));
            }
            Event::MappingStart(style, anchor, tag) => {
                let flow = style == StructureStyle::Flow;
                let id = builder.add_node(
                    NodeKind::Mapping {
                        entries: Vec::new(),
                        flow,
                    },
                    node_range,
                    anchor,
                    tag.is_some(),
                );
                builder.stack.push(Frame::Mapping {
                    id,
                    pending_key: None,
                    keys: KeySet::default(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let flow = builder.stack.last().is_some_and(|frame| {
                    let id = match frame {
                        Frame::Sequence(id) | Frame::Mapping { id, .. } => *id,
                    };
                    matches!(
                        builder.document.nodes[id].kind,
                        NodeKind::Sequence { flow: true, .. }
                            | NodeKind::Mapping { flow: true, .. }
                    )
                });
                builder.close(node_range, flow);
            }
            Event::Comment(text, _) => builder.document.comments.push(Comment {
                text: text.into_owned(),
                span: node_range,
            }),
            _ => {}
        }
    }
    // Kept as long as the analysis (an editor keeps every document of a file): no slack
    // from the vector's growth.
    builder.document.nodes.shrink_to_fit();
    builder.document
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Document> {
        parse_documents(text)
    }

    #[test]
    fn splits_documents_and_keeps_offsets() {
        let text = "# head\n---\na: 1\n---\nb: 2\n...\n---\nc: [x, y]\n";
        let docs = parse(text);
        assert_eq!(docs.len(), 3);
        let c = &docs[2];
        let root = c.root.unwrap();
        let seq = c.get(root, "c").unwrap();
        assert_eq!(&text[c.node(seq).span.clone()], "[x, y]");
        let y = c.items(seq)[1];
        assert_eq!(&text[c.node(y).span.clone()], "y");
    }

    #[test]
    fn jumping_between_markers_splits_like_reading_every_line() {
        let texts = [
            "",
            "---",
            "a: 1\n---\nb: 2\n...\n# c\n---\nc: 3\n",
            "# only a comment\n---\n---\n",
            "a: 1\n---x\n--- \n...\n...\n",
            "%YAML 1.2\n---\na: 1\n--- # c\nb: [\n...\n",
            "a: |\n  ---\n---\r\nb: 1\r\n...\r\nc: 2",
        ];
        for text in texts {
            assert_eq!(
                split_scanning(text, true),
                split_scanning(text, false),
                "{text:?}"
            );
        }
    }

    #[test]
    fn document_markers_inside_values_do_not_split() {
        let docs = parse("a: |\n  --- not a marker\nb: ---x\n");
        assert_eq!(docs.len(), 1);
        assert!(docs[0].error.is_none());
    }

    #[test]
    fn syntax_error_stays_in_its_document() {
        let text = "a: 1\n---\nb: [1\n---\nc: 3\n";
        let docs = parse(text);
        assert_eq!(docs.len(), 3);
        assert!(docs[0].error.is_none());
        let error = docs[1].error.as_ref().unwrap();
        assert!(error.offset >= text.find("b:").unwrap());
        assert!(docs[2].error.is_none());
        assert_eq!(docs[2].get_str(docs[2].root.unwrap(), "c"), Some("3"));
    }

    #[test]
    fn records_duplicate_keys() {
        let text = "a: 1\nb: 2\na: 3\n";
        let docs = parse(text);
        let dup = &docs[0].duplicate_keys[0];
        assert_eq!(dup.key, "a");
        assert_eq!(dup.previous, 0..1);
        assert_eq!(dup.duplicate, 10..11);
    }

    #[test]
    fn a_repeated_key_points_at_its_closest_earlier_occurrence() {
        let mut text: String = (0..40).map(|i| format!("k{i}: x\n")).collect();
        text.push_str("a: 1\na: 2\na: 3\n");
        let doc = &parse(&text)[0];
        let previous: Vec<&str> = doc
            .duplicate_keys
            .iter()
            .map(|dup| &text[dup.previous.start..dup.previous.end + 3])
            .collect();
        // Also past the switch from a list to a hash map (40 keys).
        assert_eq!(previous, ["a: 1", "a: 2"]);
    }

    #[test]
    fn merge_keys_and_aliases_resolve_for_lookups() {
        let text = "base: &b\n  image: nginx\n  name: base\nc:\n  <<: *b\n  name: own\n";
        let doc = &parse(text)[0];
        let c = doc.get(doc.root.unwrap(), "c").unwrap();
        assert_eq!(doc.get_str(c, "name"), Some("own"));
        assert_eq!(doc.get_str(c, "image"), Some("nginx"));
    }

    #[test]
    fn alias_bomb_is_not_expanded() {
        let mut text = String::from("a0: &a0 {x: 1}\n");
        for i in 1..40 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i}\n  <<: [*a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let doc = &parse(&text)[0];
        assert!(doc.nodes.len() < 1_000);
        let last = doc.get(doc.root.unwrap(), "a39").unwrap();
        // Found through 39 levels of merges without expanding 4^39 nodes.
        assert_eq!(doc.get(last, "missing"), None);
    }

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let docs = parse(&text);
        assert!(docs[0].error.is_some());
        let text = (0..2_000)
            .map(|i| format!("{}- \n", " ".repeat(i * 2)))
            .collect::<String>();
        assert!(parse(&text)[0].error.is_some());
    }

    #[test]
    fn bom_crlf_and_non_ascii_keep_exact_ranges() {
        let text = "\u{feff}name: \"é😀\"\r\nimage: nginx\r\n";
        let doc = &parse(text)[0];
        let image = doc.get(doc.root.unwrap(), "image").unwrap();
        assert_eq!(&text[doc.node(image).span.clone()], "nginx");
    }

    #[test]
    fn block_scalars_end_after_their_last_line_break() {
        let text =
            "- image: >-\n    nginx:1.25\n  command: [sh]\n- image: |\n    app\n\n  name: b\n";
        let doc = &parse(text)[0];
        let items = doc.items(doc.root.unwrap());
        let folded = doc.get(items[0], "image").unwrap();
        assert_eq!(&text[doc.node(folded).span.clone()], "nginx:1.25\n");
        let literal = doc.get(items[1], "image").unwrap();
        assert_eq!(&text[doc.node(literal).span.clone()], "app\n\n");
        // Trailing spaces of a last line without a line break are content.
        let text = "a: |\n  x  ";
        let doc = &parse(text)[0];
        let a = doc.get(doc.root.unwrap(), "a").unwrap();
        assert_eq!(&text[doc.node(a).span.clone()], "x  ");
    }

    #[test]
    fn comments_are_collected_with_ranges() {
        let text = "a: 1 # gitops-ls-ignore: latest-tag\n";
        let doc = &parse(text)[0];
        assert_eq!(doc.comments.len(), 1);
        assert_eq!(
            &text[doc.comments[0].span.clone()],
            "# gitops-ls-ignore: latest-tag"
        );
    }
}
