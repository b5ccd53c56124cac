//! A watch response read line by line (the API server sends one JSON event per line), each line
//! bounded: a line longer than the bound is read past and reported by its length, never held.
//! Nothing else bounds what one watch event may cost herald's memory, since a watch response has
//! no end (kube-rs's own reader keeps a line however long it grows).

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use kube::client::Body;

/// One line of the response, without its newline.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(Bytes),
    /// A line past the bound, read past: its length in bytes.
    TooLong(usize),
}

/// The lines of a streamed body.
pub struct Lines<B = Body> {
    body: B,
    buf: BytesMut,
    /// How far `buf` is known to hold no newline.
    scanned: usize,
    max: usize,
    /// The bytes of a line past the bound read so far, while reading past it.
    skipping: Option<usize>,
    ended: bool,
}

impl<B> Lines<B>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    /// Lines of at most `max` bytes.
    pub fn new(body: B, max: usize) -> Lines<B> {
        Lines {
            body,
            buf: BytesMut::new(),
            scanned: 0,
            max,
            skipping: None,
            ended: false,
        }
    }

    /// The next line; None when the body ends (a last line without its newline is incomplete
    /// and dropped) or breaks off in the middle of a chunk (the watch is then resumed, as
    /// after its timeout). Blank lines are left out.
    pub async fn next(&mut self) -> Option<Result<Line, B::Error>> {
        loop {
            if let Some(at) = memchr::memchr(b'\n', &self.buf[self.scanned..]) {
                let end = self.scanned + at;
                let line = self.buf.split_to(end + 1).freeze().slice(..end);
                self.scanned = 0;
                if let Some(before) = self.skipping.take() {
                    return Some(Ok(Line::TooLong(before + end)));
                }
                if end > self.max {
                    return Some(Ok(Line::TooLong(end)));
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Some(Ok(Line::Text(line)));
            }
            self.scanned = self.buf.len();
            if self.buf.len() > self.max {
                *self.skipping.get_or_insert(0) += self.buf.len();
                self.buf = BytesMut::new();
                self.scanned = 0;
            }
            if self.ended {
                return None;
            }
            match self.body.frame().await {
                None => self.ended = true,
                Some(Err(e)) if broken_off(&e) => {
                    tracing::debug!(error = %e, "the watch response broke off; resuming");
                    self.ended = true;
                    self.buf.clear();
                    self.scanned = 0;
                    return None;
                }
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

/// A response that ended in the middle of a chunk, which an API server does when it closes a
/// watch (an end of file somewhere in the error's causes).
fn broken_off(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof)
            || c.to_string().contains("unexpected EOF during chunk")
        {
            return true;
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::StreamBody;
    use hyper::body::Frame;

    type Chunks =
        StreamBody<futures::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, std::io::Error>>>>;

    fn body(chunks: &[&str]) -> Chunks {
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = chunks
            .iter()
            .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c.as_bytes()))))
            .collect();
        StreamBody::new(futures::stream::iter(frames))
    }

    async fn all(mut lines: Lines<Chunks>) -> Vec<Line> {
        let mut out = Vec::new();
        while let Some(line) = lines.next().await {
            out.push(line.unwrap());
        }
        out
    }

    fn text(s: &str) -> Line {
        Line::Text(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[tokio::test]
    async fn lines_come_whole_however_the_chunks_cut_them() {
        let lines = Lines::new(
            body(&["{\"a\":", "1}\n{\"b\"", ":2}\n\n", "{\"c\":3}\n{\"d"]),
            64,
        );
        assert_eq!(
            all(lines).await,
            [text("{\"a\":1}"), text("{\"b\":2}"), text("{\"c\":3}")],
            "the blank line is left out, the unfinished last one dropped"
        );
    }

    #[tokio::test]
    async fn a_line_past_the_bound_is_read_past_and_the_next_ones_kept() {
        let long = "x".repeat(100);
        let chunks = [
            "ok1\n",
            &long[..30],
            &long[30..],
            &long[..50],
            "\nok2\n",
            &format!("{long}\nok3\n"),
        ];
        let mut lines = Lines::new(body(&chunks), 16);
        let mut got = Vec::new();
        while let Some(line) = lines.next().await {
            got.push(line.unwrap());
            // Never more than the bound and one chunk held.
            assert!(lines.buf.capacity() <= 16 + 256, "{}", lines.buf.capacity());
        }
        assert_eq!(
            got,
            [
                text("ok1"),
                Line::TooLong(150),
                text("ok2"),
                Line::TooLong(100),
                text("ok3")
            ]
        );
    }

    #[tokio::test]
    async fn a_line_exactly_at_the_bound_is_kept() {
        let line = "y".repeat(16);
        let lines = Lines::new(body(&[&line[..10], &line[10..], "\n"]), 16);
        assert_eq!(all(lines).await, [text(&line)]);
    }

    #[tokio::test]
    async fn a_response_broken_off_mid_chunk_ends_the_lines_and_another_error_is_told() {
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = vec![
            Ok(Frame::data(Bytes::from_static(b"a\nb"))),
            Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "unexpected EOF during chunk size line",
            )),
        ];
        let mut lines = Lines::new(StreamBody::new(futures::stream::iter(frames)), 64);
        assert_eq!(lines.next().await.unwrap().unwrap(), text("a"));
        assert!(lines.next().await.is_none());
        assert!(lines.next().await.is_none());

        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = vec![Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        ))];
        let mut lines = Lines::new(StreamBody::new(futures::stream::iter(frames)), 64);
        assert!(lines.next().await.unwrap().is_err());
    }
}
