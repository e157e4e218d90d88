//! Byte offsets to 1-based lines and columns; columns count Unicode scalar values
//! (§12), a tab is one column, and `\r\n` ends a line like `\n`.

/// Line starts of one text, for repeated look-ups.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// (line, column), both 1-based, of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|s| *s <= offset);
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let slice = self.text.get(start..offset).unwrap_or("");
        (line, slice.trim_end_matches('\r').chars().count() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn counts_scalar_values() {
        let ix = LineIndex::new("ab\ncé\tx\r\nz");
        assert_eq!(ix.position(0), (1, 1));
        assert_eq!(ix.position(3), (2, 1));
        assert_eq!(ix.position(6), (2, 3));
        assert_eq!(ix.position(7), (2, 4));
        assert_eq!(ix.position(10), (3, 1));
        assert_eq!(ix.position(99), (3, 2));
    }
}
