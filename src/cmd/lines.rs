//! Reading an NDJSON input line by line without a per-line allocation: each line
//! is handed over without its `\n`/`\r\n` ending, or flagged when it is not UTF-8.
//! Shared by `run` and `bench`; it must not interpret the lines.

use std::io::{self, BufRead, BufReader, Read};

/// One input line: its 1-based number, its text, and the bytes it took in the input.
pub enum Line<'a> {
    Text(u64, &'a str, usize),
    /// Not valid UTF-8: the text with replacement characters, for the dead letter.
    NotUtf8(u64, &'a str, usize),
}

/// Calls `each` for every line of `input`.
pub fn each_line(input: impl Read, mut each: impl FnMut(Line<'_>)) -> io::Result<()> {
    each_line_marking_pauses(input, |line, _| each(line))
}

/// Calls `each` for every line of `input`, telling whether the input had no more
/// bytes ready after it (reading on would wait for the input: a live stream's
/// pause, or the end of what one read returned).
pub fn each_line_marking_pauses(
    input: impl Read,
    mut each: impl FnMut(Line<'_>, bool),
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut bytes = Vec::new();
    let mut lossy = String::new();
    let mut n: u64 = 0;
    loop {
        bytes.clear();
        let read = reader.read_until(b'\n', &mut bytes)?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        let pause = reader.buffer().is_empty();
        let body = trim_ending(&bytes);
        match std::str::from_utf8(body) {
            Ok(text) => each(Line::Text(n, text, read), pause),
            Err(_) => {
                lossy.clear();
                lossy.push_str(&String::from_utf8_lossy(body));
                each(Line::NotUtf8(n, &lossy, read), pause);
            }
        }
    }
}

fn trim_ending(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    b.strip_suffix(b"\r").unwrap_or(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> Vec<(u64, String, bool)> {
        let mut out = Vec::new();
        each_line(input, |l| match l {
            Line::Text(n, t, _) => out.push((n, t.to_string(), true)),
            Line::NotUtf8(n, t, _) => out.push((n, t.to_string(), false)),
        })
        .unwrap();
        out
    }

    #[test]
    fn strips_line_endings_and_keeps_the_last_line() {
        let got = collect(b"a\r\nb\n\nc");
        let want = [
            (1, "a", true),
            (2, "b", true),
            (3, "", true),
            (4, "c", true),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(n, t, ok)| (*n, t.to_string(), *ok))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn flags_invalid_utf8_with_its_line_number() {
        let got = collect(b"ok\n\xff\xfe\n");
        assert_eq!(got[1].0, 2);
        assert!(!got[1].2);
        assert_eq!(got[1].1, "\u{fffd}\u{fffd}");
    }
}
