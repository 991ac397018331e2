//! An open document: its rope, its version, and the state of its analysis. Only
//! [`crate::session`] holds documents and changes them.

use std::sync::Arc;

use ropey::Rope;
use tokio::sync::watch;
use tower_lsp::lsp_types::TextDocumentContentChangeEvent;

use crate::encoding::{rope_char_at, PositionEncoding};
use crate::snapshot::DocAnalysis;

pub struct Document {
    pub rope: Rope,
    /// The version the client gave with the last change.
    pub version: i32,
    /// Bumped on every change of the text or of the configuration: an
    /// analysis is current when it was computed for this revision.
    pub revision: u64,
    /// Tells one opening of a URI from the next (close then open again).
    pub epoch: u64,
    /// The last finished analysis (possibly of an older revision).
    pub latest: Option<Arc<DocAnalysis>>,
    /// The analysis whose diagnostics the client has now.
    pub published: Option<Arc<DocAnalysis>>,
    /// Requests wait here for the analysis of the revision they need.
    pub analyses: watch::Sender<Option<Arc<DocAnalysis>>>,
    /// Tells the document's analysis task that the revision changed; dropped with the
    /// document, which ends the task.
    changed: watch::Sender<()>,
}

impl Document {
    pub fn new(text: &str, version: i32, epoch: u64) -> Self {
        Document {
            rope: Rope::from_str(text),
            version,
            revision: 1,
            epoch,
            latest: None,
            published: None,
            analyses: watch::channel(None).0,
            changed: watch::channel(()).0,
        }
    }

    /// A receiver that sees every later [`Self::invalidate`] (and this one, the first
    /// analysis, as already pending).
    pub fn changes(&self) -> watch::Receiver<()> {
        let mut changes = self.changed.subscribe();
        changes.mark_changed();
        changes
    }

    /// Its analysis is out of date (the text or what the analysis reads changed).
    pub fn invalidate(&mut self) {
        self.revision += 1;
        self.changed.send_replace(());
    }

    /// Applies the changes of one `didChange`, in order. A change without a
    /// range replaces the whole text; a range is clamped to the text and
    /// its ends swapped when reversed.
    pub fn apply_changes(
        &mut self,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        encoding: PositionEncoding,
    ) {
        for change in changes {
            match change.range {
                None => self.rope = Rope::from_str(&change.text),
                Some(range) => {
                    let a = rope_char_at(&self.rope, range.start, encoding);
                    let b = rope_char_at(&self.rope, range.end, encoding);
                    let (start, end) = if a <= b { (a, b) } else { (b, a) };
                    if end > start {
                        self.rope.remove(start..end);
                    }
                    if !change.text.is_empty() {
                        self.rope.insert(start, &change.text);
                    }
                }
            }
        }
        self.version = version;
        self.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp::lsp_types::{Position, Range};

    fn change(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(start.0, start.1),
                Position::new(end.0, end.1),
            )),
            range_length: None,
            text: text.to_owned(),
        }
    }

    #[test]
    fn applies_changes_in_order_and_clamps() {
        let mut doc = Document::new("héllo\nwörld\n", 1, 0);
        doc.apply_changes(
            vec![
                change((0, 1), (0, 2), "e"),
                change((1, 99), (1, 99), "!"),
                change((9, 0), (9, 0), "end"),
            ],
            2,
            PositionEncoding::Utf16,
        );
        assert_eq!(doc.rope.to_string(), "hello\nwörld!\nend");
        assert_eq!(doc.version, 2);
        // Reversed range.
        doc.apply_changes(vec![change((0, 5), (0, 0), "")], 3, PositionEncoding::Utf8);
        assert_eq!(doc.rope.to_string(), "\nwörld!\nend");
    }
}
