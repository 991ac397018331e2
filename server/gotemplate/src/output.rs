//! Rendered text with provenance: segments that cover every output byte.

use std::ops::Range;
use std::rc::Rc;

/// Where a value was read from: an opaque source id chosen by the caller (e.g. a values
/// file) and a byte range in it (e.g. the YAML node).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub source: u32,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Literal template text: `span` is its byte range in `file`'s source.
    Text { file: Rc<str>, span: Range<usize> },
    /// Printed by the action spanning `span` in `file`; `origin` is where the printed
    /// value was read from, when it was read from data.
    Action {
        file: Rc<str>,
        span: Range<usize>,
        origin: Option<Origin>,
    },
    /// The action printed a value that is not knowable offline; the segment is empty.
    Unknown { file: Rc<str>, span: Range<usize> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Byte range in the output.
    pub output: Range<usize>,
    pub source: Source,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub segments: Vec<Segment>,
}

impl Rendered {
    pub(crate) fn push(&mut self, text: &str, source: Source) {
        if text.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.segments.push(Segment {
            output: start..self.text.len(),
            source,
        });
    }

    pub(crate) fn push_unknown(&mut self, file: Rc<str>, span: Range<usize>) {
        let at = self.text.len();
        self.segments.push(Segment {
            output: at..at,
            source: Source::Unknown { file, span },
        });
    }

    /// Appends already-rendered text (e.g. an included template) with its segments.
    pub(crate) fn push_rendered(&mut self, text: &str, segments: &[Segment]) {
        let base = self.text.len();
        self.text.push_str(text);
        self.segments.extend(segments.iter().map(|seg| Segment {
            output: seg.output.start + base..seg.output.end + base,
            source: seg.source.clone(),
        }));
    }

    /// Whether any value printed into this output was Unknown.
    pub fn has_unknown(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s.source, Source::Unknown { .. }))
    }

    /// Removes every occurrence of `pattern` from the text (Helm removes "<no value>" from
    /// its output this way), keeping the segments exact: a cut segment keeps its source,
    /// and a cut literal text segment narrows its source span to the bytes that remain.
    pub fn remove_all(&mut self, pattern: &str) {
        if pattern.is_empty() || !self.text.contains(pattern) {
            return;
        }
        let cuts: Vec<Range<usize>> = self
            .text
            .match_indices(pattern)
            .map(|(at, _)| at..at + pattern.len())
            .collect();
        let removed_before = |pos: usize| -> usize {
            cuts.iter()
                .map(|c| pos.min(c.end).saturating_sub(c.start))
                .sum()
        };
        let mut segments = Vec::with_capacity(self.segments.len());
        for seg in &self.segments {
            if seg.output.is_empty() {
                let at = seg.output.start - removed_before(seg.output.start);
                segments.push(Segment {
                    output: at..at,
                    source: seg.source.clone(),
                });
                continue;
            }
            // the pieces of this segment outside every cut
            let mut start = seg.output.start;
            for cut in cuts
                .iter()
                .filter(|c| c.end > seg.output.start && c.start < seg.output.end)
                .chain(std::iter::once(&(seg.output.end..seg.output.end)))
            {
                let end = cut.start.max(start).min(seg.output.end);
                if end > start {
                    let shift = removed_before(start);
                    let source = match &seg.source {
                        Source::Text { file, span } => {
                            let from = span.start + (start - seg.output.start);
                            Source::Text {
                                file: file.clone(),
                                span: from..from + (end - start),
                            }
                        }
                        other => other.clone(),
                    };
                    segments.push(Segment {
                        output: start - shift..end - shift,
                        source,
                    });
                }
                start = start.max(cut.end);
            }
        }
        self.text = self.text.replace(pattern, "");
        self.segments = segments;
    }
}
