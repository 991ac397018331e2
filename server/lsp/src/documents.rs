//! Open documents: a rope per document, its version, and the state of its
//! analysis.
//!
//! Edits are applied synchronously by the notification handlers, before
//! their first `.await`: tower-lsp runs several handlers at once and
//! interleaves them at every await point (tower-lsp issue #284), so an edit
//! applied after an await could be applied out of order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use ropey::Rope;
use tokio::sync::watch;
use tower_lsp::lsp_types::{TextDocumentContentChangeEvent, Url};

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
    /// An analysis task is running for this document.
    pub analyzing: bool,
    /// The last finished analysis (possibly of an older revision).
    pub latest: Option<Arc<DocAnalysis>>,
    /// The analysis whose diagnostics the client has now.
    pub published: Option<Arc<DocAnalysis>>,
    /// Requests wait here for the analysis of the revision they need.
    pub analyses: watch::Sender<Option<Arc<DocAnalysis>>>,
}

impl Document {
    pub fn new(text: &str, version: i32, epoch: u64) -> Self {
        Document {
            rope: Rope::from_str(text),
            version,
            revision: 0,
            epoch,
            analyzing: false,
            latest: None,
            published: None,
            analyses: watch::channel(None).0,
        }
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
        self.revision += 1;
    }
}

/// The open documents. The lock is held only for short, synchronous work,
/// never across an await.
#[derive(Default)]
pub struct Documents {
    map: Mutex<HashMap<Url, Document>>,
}

impl Documents {
    /// Locks the map. A panic while it was held (caught elsewhere) does not
    /// make the documents unusable.
    pub fn lock(&self) -> MutexGuard<'_, HashMap<Url, Document>> {
        self.map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
