//! Byte offsets to 1-based lines and columns, as every output format reports them
//! (§12): a line ends after `\n` (so `\r\n` ends a line too, and the `\r` of a
//! `\r\n` is never a column of its own); a column counts Unicode scalar values, so a
//! tab is one column and `é` is one column although it is two bytes.
//!
//! An offset inside a multi-byte character counts as that character's start, and an
//! offset past the end of the text as the end of the text, so a stale span never
//! panics.

/// Line starts of one text, for repeated look-ups.
#[derive(Clone, Debug)]
pub struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset of the first byte of every line; `starts[0] == 0`.
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Indexes `text` (one pass over its bytes).
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The indexed text.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// Clamps `offset` to the text and moves it back to a character boundary.
    pub fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// The number of Unicode scalar values before a byte offset (clamped like
    /// [`LineIndex::clamp`]): the offset counted in characters.
    pub fn char_offset(&self, offset: usize) -> usize {
        let offset = self.clamp(offset);
        self.text.get(..offset).map_or(0, |t| t.chars().count())
    }

    /// (line, column), both 1-based, of a byte offset. The position just past the
    /// last character of a line (where its `\n` or `\r\n` is) is one column past
    /// that character.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        // Number of line starts at or before the offset: the 1-based line.
        let line = self.starts.partition_point(|s| *s <= offset);
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let before = self.text.get(start..offset).unwrap_or("");
        // The `\r` of a `\r\n` line end is not a column of its own.
        let at_crlf =
            before.ends_with('\r') && self.text.get(offset..).is_some_and(|r| r.starts_with('\n'));
        let columns = before.chars().count() - usize::from(at_crlf);
        (line.max(1), columns + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn ascii_lines_and_columns() {
        let ix = LineIndex::new("ab\ncd\n");
        assert_eq!(ix.position(0), (1, 1));
        assert_eq!(ix.position(1), (1, 2));
        assert_eq!(ix.position(2), (1, 3), "the newline itself");
        assert_eq!(ix.position(3), (2, 1));
        assert_eq!(ix.position(5), (2, 3));
        assert_eq!(ix.position(6), (3, 1), "end of text after a final newline");
    }

    #[test]
    fn columns_count_unicode_scalar_values() {
        // `é` is 2 bytes, `€` 3, `🦀` 4: one column each.
        let text = "é€🦀x\nzé";
        let ix = LineIndex::new(text);
        let x = text.find('x').unwrap_or(0);
        assert_eq!(x, 9);
        assert_eq!(ix.position(x), (1, 4));
        assert_eq!(ix.position(text.find('🦀').unwrap_or(0)), (1, 3));
        let last = text.rfind('é').unwrap_or(0);
        assert_eq!(ix.position(last), (2, 2));
        assert_eq!(ix.position(text.len()), (2, 3));
    }

    #[test]
    fn an_offset_inside_a_character_is_its_start() {
        let ix = LineIndex::new("aé b");
        // Byte 2 is the second byte of `é` (bytes 1..3).
        assert_eq!(ix.position(2), ix.position(1));
        assert_eq!(ix.position(2), (1, 2));
        assert_eq!(ix.clamp(2), 1);
    }

    #[test]
    fn char_offsets() {
        let ix = LineIndex::new("aé\r\n€b");
        assert_eq!(ix.char_offset(0), 0);
        assert_eq!(ix.char_offset(3), 2);
        assert_eq!(ix.char_offset(2), 1, "inside `é`");
        assert_eq!(ix.char_offset(8), 5);
        assert_eq!(ix.char_offset(99), 6);
    }

    #[test]
    fn a_tab_is_one_column() {
        let ix = LineIndex::new("\tsegment\t\tx");
        assert_eq!(ix.position(1), (1, 2));
        assert_eq!(ix.position(10), (1, 11));
    }

    #[test]
    fn crlf_ends_a_line_and_the_cr_is_no_column() {
        let text = "ab\r\ncd\r\n\r\nef";
        let ix = LineIndex::new(text);
        assert_eq!(ix.position(2), (1, 3), "at the \\r: just past `b`");
        assert_eq!(
            ix.position(3),
            (1, 3),
            "at the \\n of \\r\\n: still just past `b`"
        );
        assert_eq!(ix.position(4), (2, 1));
        assert_eq!(ix.position(5), (2, 2));
        assert_eq!(ix.position(8), (3, 1), "an empty CRLF line");
        assert_eq!(ix.position(9), (3, 1));
        assert_eq!(ix.position(10), (4, 1));
        assert_eq!(ix.position(12), (4, 3));
        // A lone `\r` is an ordinary character.
        let ix = LineIndex::new("a\rb");
        assert_eq!(ix.position(2), (1, 3));
    }

    #[test]
    fn offsets_past_the_end_and_empty_texts() {
        let ix = LineIndex::new("ab\ncd");
        assert_eq!(ix.position(99), (2, 3));
        let empty = LineIndex::new("");
        assert_eq!(empty.position(0), (1, 1));
        assert_eq!(empty.position(7), (1, 1));
    }
}
