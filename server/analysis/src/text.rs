//! Byte offsets ↔ line/column positions.
//!
//! The analysis works on byte offsets into the source text. Front ends need
//! positions: the CLI reports 1-based lines and columns in characters, LSP
//! clients count columns in UTF-8 or UTF-16 code units. Line breaks are those
//! of both YAML and LSP: `\n`, `\r\n` and a lone `\r`.

use std::ops::Range;

/// A byte range in the source text.
pub type TextRange = Range<usize>;

/// How columns are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units (LSP's default).
    Utf16,
    /// Unicode scalar values (what people count in a terminal).
    Chars,
}

/// A zero-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Start offsets of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    line_starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Zero-based line that contains `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where `line` starts (clamped to the text).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.len)
    }

    /// Byte range of `line` without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> TextRange {
        let start = self.line_start(line);
        let mut end = self.line_start(line + 1);
        let bytes = text.as_bytes();
        if end > start && end <= bytes.len() && line + 1 < self.line_starts.len() {
            if bytes[end - 1] == b'\n' {
                end -= 1;
                if end > start && bytes[end - 1] == b'\r' {
                    end -= 1;
                }
            } else if bytes[end - 1] == b'\r' {
                end -= 1;
            }
        }
        start..end
    }

    /// The line break that ends `line`, or `None` for a last line without one.
    pub fn line_break<'t>(&self, text: &'t str, line: usize) -> Option<&'t str> {
        let content_end = self.line_range(text, line).end;
        let next = self.line_start(line + 1);
        (next > content_end).then(|| &text[content_end..next])
    }

    /// Zero-based position of a byte offset, columns counted in `unit`.
    /// Offsets inside a character or past the end are clamped.
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let prefix = &text[self.line_start(line)..offset];
        let col = match unit {
            ColumnUnit::Utf8 => prefix.len(),
            ColumnUnit::Utf16 => prefix.chars().map(char::len_utf16).sum(),
            ColumnUnit::Chars => prefix.chars().count(),
        };
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// Byte offset of a zero-based position. A line past the end clamps to the
    /// end of the text; a column past the end of its line clamps to the line's
    /// end; a column inside a character snaps to that character's start.
    pub fn offset(&self, text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        let line = pos.line as usize;
        if line >= self.line_starts.len() {
            return self.len;
        }
        let range = self.line_range(text, line);
        let content = &text[range.clone()];
        let mut remaining = pos.col as usize;
        for (byte_index, ch) in content.char_indices() {
            let width = match unit {
                ColumnUnit::Utf8 => ch.len_utf8(),
                ColumnUnit::Utf16 => ch.len_utf16(),
                ColumnUnit::Chars => 1,
            };
            if remaining < width {
                return range.start + byte_index;
            }
            remaining -= width;
        }
        range.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_all_lsp_line_breaks() {
        let text = "a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_range(text, 1), 2..3);
        assert_eq!(index.line_break(text, 1), Some("\r\n"));
        assert_eq!(index.line_break(text, 2), Some("\r"));
        assert_eq!(index.line_break(text, 3), None);
        assert_eq!(index.line_of(6), 2);
    }

    #[test]
    fn columns_in_each_unit() {
        let text = "é😀x: 1\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x, ColumnUnit::Utf8).col, 6);
        assert_eq!(index.position(text, x, ColumnUnit::Utf16).col, 3);
        assert_eq!(index.position(text, x, ColumnUnit::Chars).col, 2);
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Chars] {
            let pos = index.position(text, x, unit);
            assert_eq!(index.offset(text, pos, unit), x);
        }
    }

    #[test]
    fn clamps_positions_past_the_end() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        let past_line_end = LineCol { line: 0, col: 99 };
        assert_eq!(index.offset(text, past_line_end, ColumnUnit::Utf16), 2);
        let past_text_end = LineCol { line: 42, col: 0 };
        assert_eq!(index.offset(text, past_text_end, ColumnUnit::Utf16), 5);
        assert_eq!(
            index.position(text, 999, ColumnUnit::Chars),
            LineCol { line: 1, col: 2 }
        );
        // A UTF-16 column inside a surrogate pair snaps to the character.
        let emoji = "😀x";
        let index = LineIndex::new(emoji);
        assert_eq!(
            index.offset(emoji, LineCol { line: 0, col: 1 }, ColumnUnit::Utf16),
            0
        );
    }
}
