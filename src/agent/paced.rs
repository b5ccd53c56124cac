//! The watches' connections to the API server, read at a pace while their events trickle in.
//!
//! A watch's events come one by one as the cluster changes. Read as they come, each wakes a
//! runtime worker from its sleep (the socket's readiness), and the worker reads it, parses it and
//! sleeps again: the wake-up costs several times the work. A connection here starts as any other,
//! woken by the runtime's reactor as data comes ([`Paced`]'s cold state). Once data comes again
//! within [`PACE`](super::PACE) of the last, the connection leaves the reactor and is read at each
//! tick of the pace instead (hot): whatever came meanwhile, in one read, and a whole tick's events
//! for one wake-up. The ticks of every connection fall on the same instants, so they share their
//! wake-ups too. A tick that finds nothing puts the connection back under the reactor: a quiet
//! watch costs nothing, and the first event after a lull is read as it comes.
//!
//! Writing (a request) puts the connection back under the reactor too, so that the answer is read
//! as it comes. An event waits at most one pace longer than it would have.
//!
//! Only the watches' connections are paced ([`super::clients`]); a list's pages are read as they
//! come.

use std::future::Future;
use std::io::{self, Read};
use std::net::TcpStream;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Bytes read at most at once while hot.
const READ_AT_MOST: usize = 64 * 1024;

std::thread_local! {
    /// Where a hot connection's read lands when the reader's buffer is not initialized: the
    /// standard library reads only into initialized bytes, and zeroing the reader's buffer (up
    /// to [`READ_AT_MOST`]) before each read of an event or two cost more than copying what came.
    static LANDING: std::cell::RefCell<Box<[u8]>> =
        std::cell::RefCell::new(vec![0; READ_AT_MOST].into_boxed_slice());
}

/// A connection read as data comes while it comes rarely, and at each tick of the pace while it
/// comes often.
pub struct Paced {
    state: State,
    pace: Duration,
    /// When data was last read from the connection while cold.
    arrived: Option<Instant>,
    /// Its next tick, while hot and found empty.
    tick: Pin<Box<Sleep>>,
    /// Whether `tick` is the one to wait for.
    armed: bool,
    /// While hot: whether anything was read since the last tick.
    found: bool,
}

/// Which wakes the reader.
enum State {
    /// The runtime's reactor, as data comes.
    Cold(tokio::net::TcpStream),
    /// The pace's ticks: not registered with the reactor.
    Hot(TcpStream),
    /// Only while changing from one to the other (and after a failure to register).
    Gone,
}

/// How a connection is read now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As data comes.
    Cold,
    /// At each tick of the pace.
    Hot,
}

impl Paced {
    /// `stream` is set non-blocking and registered with the current runtime's reactor.
    pub fn new(stream: TcpStream, pace: Duration) -> io::Result<Paced> {
        stream.set_nonblocking(true)?;
        Ok(Paced {
            state: State::Cold(tokio::net::TcpStream::from_std(stream)?),
            pace,
            arrived: None,
            tick: Box::pin(tokio::time::sleep_until(Instant::now())),
            armed: false,
            found: false,
        })
    }

    /// How the connection is read now.
    pub fn mode(&self) -> Mode {
        match self.state {
            State::Hot(_) => Mode::Hot,
            _ => Mode::Cold,
        }
    }

    /// Back under the reactor (a no-op when already there).
    fn cool(&mut self) -> io::Result<()> {
        self.armed = false;
        if matches!(self.state, State::Hot(_))
            && let State::Hot(stream) = std::mem::replace(&mut self.state, State::Gone)
        {
            self.state = State::Cold(tokio::net::TcpStream::from_std(stream)?);
            self.arrived = None;
        }
        Ok(())
    }

    /// Out of the reactor's hands, read at the ticks from now on.
    fn heat(&mut self) {
        if matches!(self.state, State::Cold(_))
            && let State::Cold(stream) = std::mem::replace(&mut self.state, State::Gone)
        {
            // Out of the reactor. Should that fail, the stream is lost with it: the connection
            // reads as gone, and the watch fails and opens another, as after a drop.
            match stream.into_std() {
                Ok(stream) => self.state = State::Hot(stream),
                Err(_) => return,
            }
            // What was just read counts for the current tick: the next empty read waits for the
            // next tick instead of cooling at once.
            self.found = true;
            self.armed = false;
        }
    }

    /// Data was read from a cold connection: heated when it was read again within a pace.
    fn data_came(&mut self) {
        let now = Instant::now();
        let again = self
            .arrived
            .is_some_and(|at| now.saturating_duration_since(at) < self.pace);
        self.arrived = Some(now);
        if again {
            self.heat();
        }
    }
}

/// The next tick of `pace` after `now`: the same instants for every connection, so that their
/// ticks wake the runtime once.
fn next_tick(now: Instant, pace: Duration) -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    tick_after(*ORIGIN.get_or_init(Instant::now), now, pace)
}

/// The first instant after `now` that is a whole number of `pace` from `origin`.
fn tick_after(origin: Instant, now: Instant, pace: Duration) -> Instant {
    let pace = pace.as_nanos().max(1);
    let nanos = |n: u128| Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX));
    match now.checked_duration_since(origin) {
        Some(since) => origin + nanos((since.as_nanos() / pace + 1) * pace),
        // A clock behind the first (a runtime's paused clock, in tests).
        None => origin - nanos((origin.duration_since(now).as_nanos() - 1) / pace * pace),
    }
}

/// Reads once into `buf` (at most [`READ_AT_MOST`]): the count read. Only the bytes read are
/// written in `buf`: its part not yet initialized is not zeroed first.
fn read_into(stream: &TcpStream, buf: &mut ReadBuf<'_>) -> io::Result<usize> {
    let room = buf.remaining().min(READ_AT_MOST);
    let ready = buf.initialized().len() - buf.filled().len();
    if ready >= room {
        let n = (&*stream).read(buf.initialize_unfilled_to(room))?;
        buf.advance(n);
        return Ok(n);
    }
    LANDING.with_borrow_mut(|landing| {
        let n = (&*stream).read(&mut landing[..room])?;
        buf.put_slice(&landing[..n]);
        Ok(n)
    })
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the connection could not be registered with the runtime",
    )
}

impl AsyncRead for Paced {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            match &mut this.state {
                State::Cold(stream) => {
                    // The runtime's own read: into the buffer as it is, initialized or not.
                    let before = buf.filled().len();
                    ready!(Pin::new(stream).poll_read(cx, buf))?;
                    if buf.filled().len() > before {
                        this.data_came();
                    }
                    return Poll::Ready(Ok(()));
                }
                State::Hot(stream) => {
                    if this.armed {
                        ready!(this.tick.as_mut().poll(cx));
                        this.armed = false;
                        this.found = false;
                    }
                    match read_into(stream, buf) {
                        Ok(n) => {
                            this.found |= n > 0;
                            return Poll::Ready(Ok(()));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if this.found {
                                let at = next_tick(Instant::now(), this.pace);
                                this.tick.as_mut().reset(at);
                                this.armed = true;
                            } else {
                                // A whole tick without data: the trickle is over.
                                this.cool()?;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Poll::Ready(Err(e)),
                    }
                }
                State::Gone => return Poll::Ready(Err(gone())),
            }
        }
    }
}

impl AsyncWrite for Paced {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // A request: its answer is read as it comes.
        this.cool()?;
        let State::Cold(stream) = &mut this.state else {
            return Poll::Ready(Err(gone()));
        };
        loop {
            match stream.try_write(data) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                done => return Poll::Ready(done),
            }
            ready!(stream.poll_write_ready(cx))?;
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().state {
            State::Cold(stream) => Pin::new(stream).poll_shutdown(cx),
            State::Hot(stream) => Poll::Ready(match stream.shutdown(std::net::Shutdown::Write) {
                Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
                done => done,
            }),
            State::Gone => Poll::Ready(Ok(())),
        }
    }
}

impl Connection for Paced {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// Connects as hyper's connector does (with a time limit) and paces the connection.
#[derive(Clone)]
pub struct Connector {
    http: HttpConnector,
    pace: Duration,
    connect_timeout: Option<Duration>,
}

impl Connector {
    pub fn new(pace: Duration, connect_timeout: Option<Duration>) -> Connector {
        let mut http = HttpConnector::new();
        // The scheme is the TLS layer's to check.
        http.enforce_http(false);
        Connector {
            http,
            pace,
            connect_timeout,
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower::Service<http::Uri> for Connector {
    type Response = TokioIo<Paced>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<TokioIo<Paced>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let connecting = self.http.call(uri);
        let (pace, limit) = (self.pace, self.connect_timeout);
        Box::pin(async move {
            let io = match limit {
                Some(limit) => tokio::time::timeout(limit, connecting)
                    .await
                    .map_err(|_| format!("connecting timed out after {limit:?}"))??,
                None => connecting.await?,
            };
            let stream = io.into_inner().into_std()?;
            Ok(TokioIo::new(Paced::new(stream, pace)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const PACE: Duration = Duration::from_millis(20);

    /// A paced connection and the server's end of it.
    async fn pair() -> (Paced, tokio::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (Paced::new(client, PACE).unwrap(), server)
    }

    async fn read(conn: &mut Paced) -> Vec<u8> {
        let mut buf = vec![0; 64];
        let n = conn.read(&mut buf).await.unwrap();
        buf.truncate(n);
        buf
    }

    #[tokio::test(start_paused = true)]
    async fn data_that_comes_often_is_read_at_the_ticks_and_a_quiet_tick_reads_as_it_comes_again() {
        let (mut conn, mut server) = pair().await;
        assert_eq!(conn.mode(), Mode::Cold);

        // Data that comes once, then once more a pace later: read as it comes.
        server.write_all(b"a").await.unwrap();
        assert_eq!(read(&mut conn).await, b"a");
        tokio::time::advance(PACE).await;
        server.write_all(b"b").await.unwrap();
        assert_eq!(read(&mut conn).await, b"b");
        assert_eq!(conn.mode(), Mode::Cold);

        // Again within the pace: read at the ticks from now on.
        server.write_all(b"c").await.unwrap();
        assert_eq!(read(&mut conn).await, b"c");
        assert_eq!(conn.mode(), Mode::Hot);

        // What comes now waits for the next tick, however soon it is there.
        let asked = Instant::now();
        let (got, ()) = tokio::join!(read(&mut conn), async {
            server.write_all(b"d").await.unwrap();
            server.write_all(b"e").await.unwrap();
        });
        let waited = asked.elapsed();
        assert_eq!(got, b"de", "what came meanwhile is read at once");
        assert!(
            !waited.is_zero() && waited <= PACE,
            "read at the next tick, {waited:?} after it was asked"
        );
        assert_eq!(conn.mode(), Mode::Hot);

        // A tick that finds nothing: back under the reactor, and nothing read meanwhile.
        let quiet = tokio::time::timeout(PACE * 10, read(&mut conn)).await;
        assert!(quiet.is_err(), "nothing came: {quiet:?}");
        assert_eq!(conn.mode(), Mode::Cold);
        // The first data after the lull is read as it comes.
        let asked = Instant::now();
        let (got, ()) = tokio::join!(read(&mut conn), async {
            server.write_all(b"f").await.unwrap();
        });
        assert_eq!(got, b"f");
        assert!(
            asked.elapsed().is_zero(),
            "read as it came: {:?}",
            asked.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_puts_the_connection_under_the_reactor_and_its_end_is_read() {
        let (mut conn, mut server) = pair().await;
        for b in [b"a", b"b"] {
            server.write_all(b).await.unwrap();
            assert_eq!(read(&mut conn).await, b);
        }
        assert_eq!(conn.mode(), Mode::Hot);

        // A request: its answer is read as it comes.
        conn.write_all(b"GET /").await.unwrap();
        assert_eq!(conn.mode(), Mode::Cold);
        let mut asked = [0; 5];
        server.read_exact(&mut asked).await.unwrap();
        assert_eq!(&asked, b"GET /");
        server.write_all(b"200").await.unwrap();
        assert_eq!(read(&mut conn).await, b"200");

        // Hot again, then the server ends the connection: read as its end, at the tick.
        server.write_all(b"x").await.unwrap();
        assert_eq!(read(&mut conn).await, b"x");
        assert_eq!(conn.mode(), Mode::Hot);
        drop(server);
        assert_eq!(read(&mut conn).await, b"", "the end of the connection");
        conn.shutdown().await.unwrap();
    }

    /// Reads `conn` once into a buffer nothing of which is initialized: what it read, and how
    /// much of the buffer was written.
    async fn read_uninit(conn: &mut Paced) -> (Vec<u8>, usize) {
        let mut space = [std::mem::MaybeUninit::<u8>::uninit(); 8192];
        let mut buf = ReadBuf::uninit(&mut space);
        std::future::poll_fn(|cx| Pin::new(&mut *conn).poll_read(cx, &mut buf))
            .await
            .unwrap();
        (buf.filled().to_vec(), buf.initialized().len())
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_writes_only_what_came_into_the_readers_buffer() {
        let (mut conn, mut server) = pair().await;
        for (data, mode) in [
            (&b"cold"[..], Mode::Cold),
            (b"again", Mode::Hot),
            (b"at the tick", Mode::Hot),
        ] {
            server.write_all(data).await.unwrap();
            let (got, written) = read_uninit(&mut conn).await;
            assert_eq!(got, data);
            assert_eq!(written, data.len(), "nothing zeroed beyond what came");
            assert_eq!(conn.mode(), mode);
        }
        // A buffer already initialized is read into in place, no more than it has room for.
        server.write_all(&[7; 100]).await.unwrap();
        let mut small = [0; 40];
        let n = conn.read(&mut small).await.unwrap();
        assert_eq!((n, small), (40, [7; 40]));
        let mut rest = vec![0; 200];
        let n = conn.read(&mut rest).await.unwrap();
        assert_eq!(&rest[..n], &[7; 60][..]);
    }

    #[test]
    fn every_connection_ticks_at_the_same_instants() {
        let origin = Instant::now();
        // Instants after the origin, and before it (a runtime's paused clock).
        for now in [origin + PACE * 7 / 2, origin - PACE * 7 / 2] {
            let a = tick_after(origin, now, PACE);
            let b = tick_after(origin, now + Duration::from_millis(3), PACE);
            assert!(
                a > now && a - now <= PACE,
                "{:?}",
                a.checked_duration_since(now)
            );
            assert_eq!(b, a, "3 ms later, the same tick");
            assert_eq!(tick_after(origin, a, PACE), a + PACE);
            assert_eq!(tick_after(origin, a - Duration::from_nanos(1), PACE), a);
        }
        assert_eq!(tick_after(origin, origin, PACE), origin + PACE);
        let now = Instant::now();
        assert!(next_tick(now, PACE) > now);
    }
}
