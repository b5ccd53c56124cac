//! Accepting and keeping the HTTP API's connections so that slow, idle or too many clients
//! cannot starve the probes.
//!
//! - A request's headers must arrive within `headerTimeout` (hyper's timer, which also bounds
//!   an idle keep-alive connection); a request must be answered within `requestTimeout`; a
//!   connection on which no byte moves for `idleTimeout` is closed.
//! - At most `maxConnections` are kept. A new connection past the cap closes the one that has
//!   been quiet the longest and is not in a request (partial headers count as quiet), so a
//!   flood of idle or half-sent connections gives way to `/healthz`, `/readyz` and `/metrics`
//!   rather than locking them out. Only when every connection is in a request is the new one
//!   closed.
//! - When accepting fails for want of a resource (too many open files), a quiet connection is
//!   closed to free one and accepting pauses, growing from 10 ms to 1 s, instead of spinning.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::config::Api;

/// One open connection, as the accept loop sees it.
pub struct Conn {
    /// Requests being answered on it.
    busy: AtomicUsize,
    /// When a byte last moved, in milliseconds since the server started.
    last: AtomicU64,
    /// Told to close (to make room for another).
    close: Notify,
    epoch: Instant,
}

impl Conn {
    fn touch(&self) {
        self.last
            .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn quiet_for(&self) -> Duration {
        let now = self.epoch.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last.load(Ordering::Relaxed)))
    }

    /// Marks a request in progress until the guard is dropped.
    pub fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::Relaxed);
        Busy(Arc::clone(self))
    }
}

/// A request in progress on a connection.
pub struct Busy(Arc<Conn>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// The open connections, oldest first.
#[derive(Default)]
struct Open {
    next: u64,
    conns: BTreeMap<u64, Arc<Conn>>,
}

struct Registry {
    open: Mutex<Open>,
    epoch: Instant,
}

impl Registry {
    /// Registers a new connection; past `max`, closes the quietest idle one to make room, or
    /// refuses the new one when none is idle.
    fn admit(&self, max: usize) -> Option<(u64, Arc<Conn>)> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.conns.len() >= max && !Self::evict(&mut open) {
            return None;
        }
        let id = open.next;
        open.next += 1;
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            last: AtomicU64::new(0),
            close: Notify::new(),
            epoch: self.epoch,
        });
        conn.touch();
        open.conns.insert(id, Arc::clone(&conn));
        Some((id, conn))
    }

    /// Closes the connection quiet the longest that is not answering a request.
    fn evict(open: &mut Open) -> bool {
        let quietest = open
            .conns
            .iter()
            .filter(|(_, c)| c.busy.load(Ordering::Relaxed) == 0)
            // Of those quiet equally long (to the millisecond), the oldest.
            .max_by_key(|(id, c)| (c.quiet_for(), std::cmp::Reverse(**id)))
            .map(|(id, _)| *id);
        match quietest.and_then(|id| open.conns.remove(&id)) {
            Some(c) => {
                c.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn evict_one(&self) -> bool {
        Self::evict(&mut self.open.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn remove(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .conns
            .remove(&id);
    }
}

/// Accepts connections on `listener` for ever and hands each to `serve` with its bookkeeping;
/// `serve`'s future is dropped (closing the connection) when it is told to close or has been
/// quiet for `idleTimeout` outside a request.
pub async fn accept<F, Fut>(listener: TcpListener, api: &Api, serve: F)
where
    F: Fn(Tracked, std::net::SocketAddr, Arc<Conn>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let registry = Arc::new(Registry {
        open: Mutex::new(Open::default()),
        epoch: Instant::now(),
    });
    let idle = api.idle_timeout;
    const FIRST_PAUSE: Duration = Duration::from_millis(10);
    let mut pause = FIRST_PAUSE;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => {
                pause = FIRST_PAUSE;
                accepted
            }
            Err(e) if out_of_resources(&e) => {
                // Freeing a quiet connection's descriptor lets the next accept through; with
                // none to free, wait for one to end.
                if registry.evict_one() {
                    tokio::task::yield_now().await;
                } else {
                    if pause == FIRST_PAUSE {
                        tracing::warn!(error = %e, "cannot accept HTTP connections; pausing");
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                continue;
            }
            // One connection's trouble (reset before it was taken): the next is unaffected.
            Err(_) => continue,
        };
        let Some((id, conn)) = registry.admit(api.max_connections) else {
            drop(stream);
            continue;
        };
        let io = Tracked {
            inner: stream,
            conn: Arc::clone(&conn),
        };
        let served = serve(io, peer, Arc::clone(&conn));
        let registry = Arc::clone(&registry);
        tokio::spawn(async move {
            tokio::pin!(served);
            loop {
                // A request being answered is bounded by requestTimeout, not by this.
                let busy = conn.busy.load(Ordering::Relaxed) > 0;
                let quiet = conn.quiet_for();
                if !busy && quiet >= idle {
                    break;
                }
                let wait = if busy { idle } else { idle - quiet };
                tokio::select! {
                    () = &mut served => break,
                    () = conn.close.notified() => break,
                    () = tokio::time::sleep(wait) => {}
                }
            }
            registry.remove(id);
        });
    }
}

/// Accept errors that say the process or system ran out of something, not that one connection
/// failed: retrying at once fails again.
fn out_of_resources(e: &std::io::Error) -> bool {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM on Linux.
    matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12))
}

/// A connection's stream that notes when bytes move.
pub struct Tracked {
    inner: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.conn.touch();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry {
            open: Mutex::new(Open::default()),
            epoch: Instant::now() - Duration::from_secs(100),
        }
    }

    /// Makes a connection look quiet for `secs`.
    fn quiet(c: &Conn, secs: u64) {
        let now = c.epoch.elapsed().as_millis() as u64;
        c.last.store(now - secs * 1000, Ordering::Relaxed);
    }

    #[test]
    fn past_the_cap_the_quietest_idle_connection_makes_room() {
        let r = registry();
        let (a, ca) = r.admit(3).unwrap();
        let (b, cb) = r.admit(3).unwrap();
        let (c, cc) = r.admit(3).unwrap();
        quiet(&ca, 30);
        quiet(&cb, 50);
        quiet(&cc, 10);
        // b is the quietest, but answering a request: a goes.
        let busy = cb.busy();
        let (d, _) = r.admit(3).unwrap();
        let open: Vec<u64> = r.open.lock().unwrap().conns.keys().copied().collect();
        assert_eq!(open, [b, c, d]);
        assert_eq!(ca.busy.load(Ordering::Relaxed), 0);
        drop(busy);
        // b, quiet no more since its request ended, stays; c goes.
        quiet(&cc, 10);
        r.admit(3).unwrap();
        let open: Vec<u64> = r.open.lock().unwrap().conns.keys().copied().collect();
        assert_eq!(open.len(), 3);
        assert!(open.contains(&b) && !open.contains(&c) && !open.contains(&a));
    }

    #[test]
    fn of_connections_quiet_equally_long_the_oldest_goes() {
        let r = registry();
        let conns: Vec<(u64, Arc<Conn>)> = (0..3).map(|_| r.admit(3).unwrap()).collect();
        for (_, c) in &conns {
            quiet(c, 5);
        }
        r.admit(3).unwrap();
        let open: Vec<u64> = r.open.lock().unwrap().conns.keys().copied().collect();
        assert!(!open.contains(&conns[0].0), "{open:?}");
        assert!(open.contains(&conns[2].0), "{open:?}");
    }

    #[test]
    fn with_every_connection_in_a_request_the_new_one_is_refused() {
        let r = registry();
        let (_, c1) = r.admit(2).unwrap();
        let (_, c2) = r.admit(2).unwrap();
        let _b1 = c1.busy();
        let _b2 = c2.busy();
        assert!(r.admit(2).is_none());
        assert!(!r.evict_one());
    }

    #[test]
    fn only_resource_errors_pause_accepting() {
        for code in [24, 23, 105, 12] {
            assert!(out_of_resources(&std::io::Error::from_raw_os_error(code)));
        }
        // ECONNABORTED: that one connection's trouble.
        assert!(!out_of_resources(&std::io::Error::from_raw_os_error(103)));
    }
}
