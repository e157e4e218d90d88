//! Byte offsets ↔ LSP positions. Lines are split at `\n`; columns count UTF-8 bytes
//! or UTF-16 code units, whichever encoding was negotiated at `initialize`. Positions
//! past the end of a line or of the text are clamped, never rejected. Knows nothing
//! of the compiler.

use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// The negotiated column unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (cheapest for us), else the default UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
    /// The length of `s` in this encoding's units.
    pub fn len(self, s: &str) -> u32 {
        let n = match self {
            Encoding::Utf8 => s.len(),
            Encoding::Utf16 => s.chars().map(char::len_utf16).sum(),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// Line starts of one text.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    encoding: Encoding,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str, encoding: Encoding) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            starts,
            encoding,
        }
    }

    /// The position of a byte offset (clamped to the text, floored to a char start).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        let col = self.encoding.len(&self.text[start..offset]);
        Position::new(u32::try_from(line).unwrap_or(u32::MAX), col)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of a position; columns past the line's end give its end.
    pub fn offset(&self, pos: Position) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let line_text = &self.text[start..end];
        let mut units = 0u32;
        for (i, c) in line_text.char_indices() {
            if units >= pos.character {
                return start + i;
            }
            units += match self.encoding {
                Encoding::Utf8 => c.len_utf8() as u32,
                Encoding::Utf16 => c.len_utf16() as u32,
            };
        }
        end
    }

    /// The position just past the last character.
    pub fn end(&self) -> Position {
        self.position(self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "a\n\u{1F600}x\n";
        let ix = LineIndex::new(text, Encoding::Utf16);
        assert_eq!(ix.position(6), Position::new(1, 2));
        assert_eq!(ix.offset(Position::new(1, 2)), 6);
        let ix8 = LineIndex::new(text, Encoding::Utf8);
        assert_eq!(ix8.position(6), Position::new(1, 4));
        assert_eq!(ix8.offset(Position::new(1, 4)), 6);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let ix = LineIndex::new("ab\ncd", Encoding::Utf16);
        assert_eq!(ix.offset(Position::new(0, 99)), 2);
        assert_eq!(ix.offset(Position::new(9, 0)), 5);
        assert_eq!(ix.position(99), Position::new(1, 2));
        assert_eq!(ix.offset(Position::new(0, 1)), 1);
    }
}
