//! Reading and decoding an NDJSON input on a second thread, ahead of the caller:
//! lines are read and decoded in batches there and handed back, in input order,
//! to the caller's thread, which evaluates them. Decoding a line depends on
//! nothing but its text and the schema, so the result is the same as decoding on
//! the caller's thread; the two threads only overlap in time.
//!
//! Messages the caller is done with travel back with the emptied batch and are
//! dropped here, so that their memory is freed by the thread that allocated it
//! (a free from another thread costs the allocator more, on both threads).
//!
//! This module must not decide anything about messages (duplicates, lateness,
//! identities are the executor's); it only moves lines and their decodings.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;
use std::time::Duration;

use cpu_time::ThreadTime;

use seg_compiler::ir::schema::Schema;
use seg_runtime::exec::decode::{self, Decoded, Message};

use super::lines::{self, Line};

/// Lines per batch at most: large enough that handing a batch over costs little
/// per line. A batch is also handed over whenever the input pauses (no more bytes
/// ready), so a live stream's lines are never held back waiting for more.
const BATCH_LINES: usize = 1024;
/// Batches decoded ahead of the caller at most.
const AHEAD: usize = 4;

/// One input line, decoded.
pub enum Item<'a> {
    /// Its 1-based number, its text, its decoding and the bytes it took.
    Decoded(u64, &'a str, Decoded, usize),
    /// Not valid UTF-8: the text with replacement characters, for the dead letter.
    NotUtf8(u64, &'a str, usize),
}

struct Entry {
    line: u64,
    text: Range<usize>,
    /// None: the line is not UTF-8.
    decoded: Option<Decoded>,
    bytes: usize,
}

/// Lines of the input, their texts back to back in one buffer; on the way
/// back, the messages the caller is done with.
#[derive(Default)]
struct Batch {
    text: String,
    entries: Vec<Entry>,
    spent: Vec<Message>,
}

impl Batch {
    fn push(&mut self, line: u64, text: &str, decoded: Option<Decoded>, bytes: usize) {
        let start = self.text.len();
        self.text.push_str(text);
        self.entries.push(Entry {
            line,
            text: start..self.text.len(),
            decoded,
            bytes,
        });
    }
}

/// Calls `each` for every line of `input`, in input order, with its decoding
/// against `schema` and a list to put decoded messages in once the caller is
/// done with them (any it likes, in any order: they are dropped on the reading
/// thread); reading and decoding run on a second thread. Returns the
/// CPU time that thread spent (None where the platform has no per-thread clock),
/// for `seg bench` to set beside the caller's own.
pub fn each_decoded(
    input: impl Read + Send,
    schema: &Schema,
    mut each: impl FnMut(Item<'_>, &mut Vec<Message>),
) -> io::Result<Option<Duration>> {
    let (full_tx, full_rx) = sync_channel::<Batch>(AHEAD);
    let (empty_tx, empty_rx) = sync_channel::<Batch>(AHEAD + 2);
    thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let started = ThreadTime::try_now().ok();
            let read = read_ahead(input, schema, &full_tx, &empty_rx);
            let cpu = started.and_then(|s| s.try_elapsed().ok());
            read.map(|()| cpu)
        });
        for mut batch in full_rx.iter() {
            let Batch {
                text,
                entries,
                spent,
            } = &mut batch;
            for e in entries.drain(..) {
                let line = text.get(e.text).unwrap_or_default();
                let item = match e.decoded {
                    Some(d) => Item::Decoded(e.line, line, d, e.bytes),
                    None => Item::NotUtf8(e.line, line, e.bytes),
                };
                each(item, spent);
            }
            text.clear();
            // The reader may have finished; then the batch is simply dropped.
            let _ = empty_tx.try_send(batch);
        }
        reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the input reader stopped unexpectedly")))
    })
}

/// The second thread: reads and decodes batches until the input ends or the
/// caller stops taking them.
fn read_ahead(
    input: impl Read,
    schema: &Schema,
    full: &SyncSender<Batch>,
    empty: &Receiver<Batch>,
) -> io::Result<()> {
    let mut batch = Batch::default();
    let mut stopped = false;
    let read = lines::each_line_marking_pauses(input, |line, pause| {
        if stopped {
            return;
        }
        match line {
            Line::Text(n, text, bytes) => {
                batch.push(n, text, Some(decode::decode(text, schema)), bytes)
            }
            Line::NotUtf8(n, text, bytes) => batch.push(n, text, None, bytes),
        }
        if pause || batch.entries.len() >= BATCH_LINES {
            let mut next = empty.try_recv().unwrap_or_default();
            next.spent.clear();
            stopped = full.send(std::mem::replace(&mut batch, next)).is_err();
        }
    });
    // The lines read before the end, or before a read error, are handed over
    // first. The caller only stops taking batches when it has gone.
    if !batch.entries.is_empty() && !stopped {
        let _ = full.send(batch);
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema of the one-segment bench project (`Product Viewed` events).
    fn schema() -> Schema {
        let loaded =
            crate::project::load(std::path::Path::new("benches/projects/one_segment")).unwrap();
        loaded.plan().unwrap().schema.clone()
    }

    fn lines_of(input: &[u8], schema: &Schema) -> Vec<(u64, String, Option<Decoded>)> {
        let mut got = Vec::new();
        each_decoded(input, schema, |item, _| match item {
            Item::Decoded(n, t, d, _) => got.push((n, t.to_string(), Some(d))),
            Item::NotUtf8(n, t, _) => got.push((n, t.to_string(), None)),
        })
        .unwrap();
        got
    }

    #[test]
    fn every_line_arrives_in_order_with_its_own_decoding() {
        let schema = schema();
        let mut input = String::new();
        for i in 0..(3 * BATCH_LINES + 7) {
            input.push_str(&format!(
                "{{\"type\":\"track\",\"event\":\"Product Viewed\",\"anonymousId\":\"a{i}\",\"timestamp\":{i},\"properties\":{{\"product_id\":\"p\",\"price\":1.5,\"category\":\"c\"}}}}\n"
            ));
            if i % 100 == 0 {
                input.push_str("not json\n\n");
            }
        }
        let got = lines_of(input.as_bytes(), &schema);
        let want: Vec<_> = input
            .lines()
            .enumerate()
            .map(|(i, l)| {
                (
                    i as u64 + 1,
                    l.to_string(),
                    Some(decode::decode(l, &schema)),
                )
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn lines_that_are_not_utf8_are_flagged() {
        let got = lines_of(b"\xff\n{}\n", &schema());
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].0, got[0].1.as_str(), got[0].2.is_none()),
            (1, "\u{fffd}", true)
        );
        assert_eq!(got[1].0, 2);
        assert!(matches!(got[1].2, Some(Decoded::Invalid { .. })));
    }

    /// A reader that returns one line per read, then waits until the test has seen
    /// that line arrive, like a live stream that pauses between messages.
    struct Trickle {
        lines: Vec<&'static [u8]>,
        seen: std::sync::mpsc::Receiver<()>,
        started: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.lines.is_empty() {
                return Ok(0);
            }
            if self.started {
                // Without the hand-over at a pause, the caller would never see
                // the previous line, and this wait would time out.
                let waited = self.seen.recv_timeout(std::time::Duration::from_secs(10));
                assert!(waited.is_ok(), "a line was held back during a pause");
            }
            self.started = true;
            let line = self.lines.remove(0);
            buf[..line.len()].copy_from_slice(line);
            Ok(line.len())
        }
    }

    #[test]
    fn a_pausing_input_hands_each_line_over_before_reading_on() {
        let (tx, rx) = std::sync::mpsc::channel();
        let input = Trickle {
            lines: vec![b"{}\n", b"[]\n", b"x\n"],
            seen: rx,
            started: false,
        };
        let mut got = Vec::new();
        each_decoded(input, &schema(), |item, _| {
            if let Item::Decoded(n, _, _, _) = item {
                got.push(n);
                let _ = tx.send(());
            }
        })
        .unwrap();
        assert_eq!(got, vec![1, 2, 3]);
    }

    /// Two lines and the start of a third, then a read error.
    struct Failing(usize);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0 += 1;
            match self.0 {
                1 => {
                    let lines = b"{}\n[]\n{";
                    buf[..lines.len()].copy_from_slice(lines);
                    Ok(lines.len())
                }
                _ => Err(io::Error::other("disk gone")),
            }
        }
    }

    #[test]
    fn lines_read_before_an_error_arrive_before_the_error() {
        let mut got = Vec::new();
        let res = each_decoded(Failing(0), &schema(), |item, _| {
            if let Item::Decoded(n, _, _, _) = item {
                got.push(n);
            }
        });
        assert_eq!(res.map_err(|e| e.to_string()), Err("disk gone".into()));
        assert_eq!(got, vec![1, 2]);
    }

    #[test]
    fn messages_handed_back_do_not_disturb_the_lines() {
        let line = r#"{"type":"track","event":"Product Viewed","userId":"u","timestamp":1,"properties":{"product_id":"p","price":1,"category":"c"}}"#;
        let input = format!("{line}\n").repeat(3 * BATCH_LINES + 5);
        let mut seen = Vec::new();
        each_decoded(input.as_bytes(), &schema(), |item, spent| {
            if let Item::Decoded(n, _, Decoded::Message(m), _) = item {
                seen.push(n);
                spent.push(m);
            }
        })
        .unwrap();
        let all: Vec<u64> = (1..=(3 * BATCH_LINES as u64 + 5)).collect();
        assert_eq!(seen, all, "every line decoded to a message, in order");
    }

    #[test]
    fn an_empty_input_calls_nothing() {
        assert!(lines_of(b"", &schema()).is_empty());
    }
}
