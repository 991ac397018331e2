//! Position encodings: LSP positions ↔ byte offsets and rope char indices.
//!
//! The analysis works on byte offsets; LSP counts columns in UTF-16 code
//! units unless client and server agree on UTF-8. Conversion happens only
//! here, at the boundary. Every conversion clamps: a line past the end maps
//! to the end of the text, a column past the end of its line to the end of
//! that line, a column inside a character to that character's start.

use gitops_ls_analysis::text::{ColumnUnit, LineCol, LineIndex};
use ropey::Rope;
use tower_lsp::lsp_types::{Position, PositionEncodingKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    Utf8,
    #[default]
    Utf16,
}

impl PositionEncoding {
    /// Picks UTF-8 when the client offers it, else UTF-16 (the LSP default,
    /// which every client supports).
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        let offers_utf8 = offered
            .unwrap_or_default()
            .iter()
            .any(|kind| kind.as_str() == PositionEncodingKind::UTF8.as_str());
        if offers_utf8 {
            PositionEncoding::Utf8
        } else {
            PositionEncoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
            PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    pub fn unit(self) -> ColumnUnit {
        match self {
            PositionEncoding::Utf8 => ColumnUnit::Utf8,
            PositionEncoding::Utf16 => ColumnUnit::Utf16,
        }
    }

    /// Length of `text` in this encoding's code units.
    pub fn len_of(self, text: &str) -> usize {
        match self {
            PositionEncoding::Utf8 => text.len(),
            PositionEncoding::Utf16 if text.is_ascii() => text.len(),
            PositionEncoding::Utf16 => text.chars().map(char::len_utf16).sum(),
        }
    }
}

pub fn to_lsp(pos: LineCol) -> Position {
    Position::new(pos.line, pos.col)
}

pub fn from_lsp(pos: Position) -> LineCol {
    LineCol {
        line: pos.line,
        col: pos.character,
    }
}

/// Converts many byte offsets of one text to positions. The column is
/// counted from the nearest known point: the last answer on the same line,
/// or, on a long line, a checkpoint every [`CHECKPOINT_BYTES`]. A minified
/// 2 MB line with thousands of findings costs its length once, not once
/// per finding.
pub struct PositionConverter<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    encoding: PositionEncoding,
    last: Option<(usize, LineCol)>,
    /// For one long line: (byte offset, column) every CHECKPOINT_BYTES.
    checkpoints: Option<(usize, Vec<(usize, usize)>)>,
}

const CHECKPOINT_BYTES: usize = 1024;

impl<'a> PositionConverter<'a> {
    pub fn new(text: &'a str, lines: &'a LineIndex, encoding: PositionEncoding) -> Self {
        PositionConverter {
            text,
            lines,
            encoding,
            last: None,
            checkpoints: None,
        }
    }

    /// The nearest checkpoint at or before `offset` on a long line.
    fn checkpoint(&mut self, line: usize, line_start: usize, offset: usize) -> (usize, usize) {
        if offset - line_start <= CHECKPOINT_BYTES || self.encoding == PositionEncoding::Utf8 {
            return (line_start, 0);
        }
        let fresh = !matches!(&self.checkpoints, Some((l, _)) if *l == line);
        if fresh {
            let end = self.lines.line_range(self.text, line).end;
            let mut points = vec![(line_start, 0)];
            let mut at = line_start;
            let mut col = 0;
            while at + CHECKPOINT_BYTES < end {
                let mut next = at + CHECKPOINT_BYTES;
                while !self.text.is_char_boundary(next) {
                    next += 1;
                }
                col += self.encoding.len_of(&self.text[at..next]);
                at = next;
                points.push((at, col));
            }
            self.checkpoints = Some((line, points));
        }
        let points = &self.checkpoints.as_ref().expect("just built").1;
        let index = points.partition_point(|&(at, _)| at <= offset);
        points[index.saturating_sub(1)]
    }

    pub fn position(&mut self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.lines.line_of(offset);
        let line_start = self.lines.line_start(line);
        let (from, from_col) = self.checkpoint(line, line_start, offset);
        let col = match self.last {
            Some((last_offset, last))
                if last.line as usize == line && from <= last_offset && last_offset <= offset =>
            {
                last.col as usize + self.encoding.len_of(&self.text[last_offset..offset])
            }
            _ => from_col + self.encoding.len_of(&self.text[from..offset]),
        };
        let pos = LineCol {
            line: line as u32,
            col: col as u32,
        };
        self.last = Some((offset, pos));
        pos
    }

    /// The LSP range of a byte range.
    pub fn range(&mut self, range: &std::ops::Range<usize>) -> tower_lsp::lsp_types::Range {
        let start = self.position(range.start);
        let end = self.position(range.end.max(range.start));
        tower_lsp::lsp_types::Range::new(to_lsp(start), to_lsp(end))
    }
}

/// The char index of an LSP position in a rope, clamped.
pub fn rope_char_at(rope: &Rope, pos: Position, encoding: PositionEncoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let start = rope.line_to_char(line);
    let end = start + line_content_chars(rope, line);
    let col = pos.character as usize;
    match encoding {
        PositionEncoding::Utf8 => {
            let start_byte = rope.char_to_byte(start);
            let end_byte = rope.char_to_byte(end);
            // byte_to_char snaps a byte inside a character to that character.
            rope.byte_to_char(start_byte + col.min(end_byte - start_byte))
        }
        PositionEncoding::Utf16 => {
            let start_cu = rope.char_to_utf16_cu(start);
            let end_cu = rope.char_to_utf16_cu(end);
            let target = start_cu + col.min(end_cu - start_cu);
            let char_index = rope.utf16_cu_to_char(target);
            // Inside a surrogate pair: snap to the character's start.
            if rope.char_to_utf16_cu(char_index) > target {
                char_index.saturating_sub(1)
            } else {
                char_index
            }
        }
    }
}

/// Number of chars of `line` without its line break.
fn line_content_chars(rope: &Rope, line: usize) -> usize {
    let slice = rope.line(line);
    let mut len = slice.len_chars();
    if len > 0 && slice.char(len - 1) == '\n' {
        len -= 1;
        if len > 0 && slice.char(len - 1) == '\r' {
            len -= 1;
        }
    } else if len > 0 && slice.char(len - 1) == '\r' {
        len -= 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_utf8_only_when_offered() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(
            PositionEncoding::negotiate(Some(&both)),
            PositionEncoding::Utf8
        );
        let utf16 = [PositionEncodingKind::UTF16];
        assert_eq!(
            PositionEncoding::negotiate(Some(&utf16)),
            PositionEncoding::Utf16
        );
        assert_eq!(PositionEncoding::negotiate(None), PositionEncoding::Utf16);
    }

    #[test]
    fn rope_positions_clamp_and_snap() {
        let rope = Rope::from_str("é😀x\r\nab\rcd\u{2028}e\n");
        // Only \n, \r\n and \r break lines: U+2028 does not.
        assert_eq!(rope.len_lines(), 4);
        let utf16 = PositionEncoding::Utf16;
        assert_eq!(rope_char_at(&rope, Position::new(0, 3), utf16), 2);
        // Inside the surrogate pair of 😀 → the emoji's start.
        assert_eq!(rope_char_at(&rope, Position::new(0, 2), utf16), 1);
        // Past the end of the line → before the \r\n.
        assert_eq!(rope_char_at(&rope, Position::new(0, 99), utf16), 3);
        assert_eq!(rope_char_at(&rope, Position::new(1, 99), utf16), 7);
        assert_eq!(
            rope_char_at(&rope, Position::new(42, 0), utf16),
            rope.len_chars()
        );
        let utf8 = PositionEncoding::Utf8;
        assert_eq!(rope_char_at(&rope, Position::new(0, 6), utf8), 2);
        // Inside the four bytes of 😀 → the emoji's start.
        assert_eq!(rope_char_at(&rope, Position::new(0, 4), utf8), 1);
        assert_eq!(rope_char_at(&rope, Position::new(2, 3), utf8), 10);
        assert_eq!(rope_char_at(&rope, Position::new(2, 5), utf8), 11);
    }

    #[test]
    fn converter_counts_on_along_a_line() {
        let text = "a: é😀\nb: 1 😀 2\n";
        let lines = LineIndex::new(text);
        let mut converter = PositionConverter::new(text, &lines, PositionEncoding::Utf16);
        let b = text.find('b').unwrap();
        let two = text.rfind('2').unwrap();
        assert_eq!(converter.position(b), LineCol { line: 1, col: 0 });
        assert_eq!(converter.position(two), LineCol { line: 1, col: 8 });
        assert_eq!(converter.position(3), LineCol { line: 0, col: 3 });
        for offset in (0..=text.len()).rev() {
            let expected = lines.position(text, offset, ColumnUnit::Utf16);
            assert_eq!(converter.position(offset), expected, "{offset}");
        }
        for offset in 0..=text.len() {
            let expected = lines.position(text, offset, ColumnUnit::Utf16);
            assert_eq!(converter.position(offset), expected, "{offset}");
        }
    }

    #[test]
    fn converter_on_a_long_line_in_any_order() {
        let text = format!("x\n{}\ny", "aé😀b".repeat(2000));
        let lines = LineIndex::new(&text);
        let mut converter = PositionConverter::new(&text, &lines, PositionEncoding::Utf16);
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&o| text.is_char_boundary(o))
            .collect();
        for &offset in offsets.iter().rev().chain(&offsets).step_by(7) {
            let expected = lines.position(&text, offset, ColumnUnit::Utf16);
            assert_eq!(converter.position(offset), expected, "{offset}");
        }
    }
}
