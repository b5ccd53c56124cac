//! Every answer herald reads from the API server is bounded: a watch by the line
//! ([`super::lines`]), a list by the page ([`super::watch`]), and any other answer (discovery,
//! a Lease, a ConfigMap) by this layer of the client, at [`MAX_ANSWER_BYTES`]: past it, reading
//! the answer fails, as a dropped connection would. The client of kube-rs's own watcher (Argo
//! CD's ConfigMap), which reads a line however long it grows, bounds each line of a watch's
//! answer here too ([`Layer::watch_lines`]).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{Either, Limited};
use hyper::body::{Body, Frame, SizeHint};

/// The longest answer herald reads to a request other than a watch, and the longest line of a
/// watch's answer where this layer bounds them.
pub const MAX_ANSWER_BYTES: usize = 128 << 20;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A watch's answer, failing once a line (the bytes since the last newline) grows past `max`.
#[derive(Debug)]
pub struct Lined<B> {
    body: B,
    max: usize,
    /// Bytes since the last newline.
    run: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("a line of a watch's answer is past {0} bytes")]
pub struct LineTooLong(usize);

impl<B> Body for Lined<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let frame = match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        if let Some(data) = frame.data_ref() {
            let mut start = 0;
            for at in memchr::memchr_iter(b'\n', data) {
                if this.run + (at - start) > this.max {
                    return Poll::Ready(Some(Err(Box::new(LineTooLong(this.max)))));
                }
                this.run = 0;
                start = at + 1;
            }
            this.run += data.len() - start;
            if this.run > this.max {
                return Poll::Ready(Some(Err(Box::new(LineTooLong(this.max)))));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Bounds the answers of the service it wraps at `max` bytes; a watch's answer (which has no
/// end) per line with `watch_lines`, else not at all (herald's own watches read their lines
/// with a bound of their own).
#[derive(Debug, Clone, Copy)]
pub struct Layer {
    pub max: usize,
    pub watch_lines: bool,
}

impl<S> tower::Layer<S> for Layer {
    type Service = Bounded<S>;

    fn layer(&self, inner: S) -> Bounded<S> {
        Bounded {
            inner,
            layer: *self,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Bounded<S> {
    inner: S,
    layer: Layer,
}

/// A watch: its answer has no end, and its lines are bounded one by one.
fn is_watch<B>(request: &Request<B>) -> bool {
    request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"))
}

impl<S, ReqBody, ResBody> tower::Service<Request<ReqBody>> for Bounded<S>
where
    S: tower::Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: Unpin,
{
    type Response = Response<Either<Limited<ResBody>, Either<Lined<ResBody>, ResBody>>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let watch = is_watch(&request);
        let Layer { max, watch_lines } = self.layer;
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.map(|body| match (watch, watch_lines) {
                (false, _) => Either::Left(Limited::new(body, max)),
                (true, true) => Either::Right(Either::Left(Lined { body, max, run: 0 })),
                (true, false) => Either::Right(Either::Right(body)),
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tower::{Layer as _, Service, ServiceExt};

    /// `text` as the answer to `uri`, in frames of 300 bytes, read through the layer.
    async fn answer_of(uri: &str, text: Vec<u8>, watch_lines: bool) -> Result<usize, String> {
        let inner = tower::service_fn(move |_: Request<()>| {
            let text = text.clone();
            async move {
                let frames: Vec<Result<Frame<Bytes>, std::convert::Infallible>> = text
                    .chunks(300)
                    .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
                    .collect();
                Ok::<_, std::convert::Infallible>(Response::new(http_body_util::StreamBody::new(
                    futures::stream::iter(frames),
                )))
            }
        });
        let mut svc = Layer {
            max: 1000,
            watch_lines,
        }
        .layer(inner);
        let response = svc
            .ready()
            .await
            .unwrap()
            .call(Request::get(uri).body(()).unwrap())
            .await
            .unwrap();
        match response.into_body().collect().await {
            Ok(b) => Ok(b.to_bytes().len()),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn answer(uri: &str, size: usize) -> Result<usize, String> {
        answer_of(uri, vec![b'x'; size], false).await
    }

    /// `n` lines of `len` bytes each.
    fn lines(n: usize, len: usize) -> Vec<u8> {
        let mut text = Vec::new();
        for _ in 0..n {
            text.extend(std::iter::repeat_n(b'x', len));
            text.push(b'\n');
        }
        text
    }

    #[tokio::test]
    async fn answers_past_the_bound_fail_and_watches_are_left_to_their_lines() {
        assert_eq!(answer("/apis", 1000).await, Ok(1000));
        assert!(
            answer("/apis", 1001)
                .await
                .unwrap_err()
                .contains("length limit")
        );
        assert!(
            answer("/api/v1/pods?limit=500", 5000)
                .await
                .unwrap_err()
                .contains("length limit")
        );
        assert_eq!(
            answer("/api/v1/pods?allowWatchBookmarks=true&watch=true", 5000).await,
            Ok(5000)
        );
        assert_eq!(answer("/api/v1/pods?watch=1", 5000).await, Ok(5000));
    }

    #[tokio::test]
    async fn with_watch_lines_a_watch_fails_at_a_line_past_the_bound_and_not_before() {
        let watch = "/api/v1/namespaces/argocd/configmaps?fieldSelector=x&watch=true";
        // Twenty lines at the bound: 20,000 bytes in all, more than the bound, read whole.
        assert_eq!(answer_of(watch, lines(20, 999), true).await, Ok(20_000));
        assert_eq!(
            answer_of("/api/v1/pods?watch=1", lines(20, 999), true).await,
            Ok(20_000)
        );
        // A line one byte past the bound, across frames, fails the answer.
        let mut long = lines(2, 999);
        long.extend(lines(1, 1001));
        assert!(
            answer_of(watch, long.clone(), true)
                .await
                .unwrap_err()
                .contains("a line of a watch's answer is past 1000 bytes")
        );
        // So does one that never ends.
        assert!(answer_of(watch, vec![b'x'; 5000], true).await.is_err());
        // Without `watch_lines`, the same answer passes untouched.
        assert_eq!(answer_of(watch, long, false).await, Ok(3002));
        // Other answers are bounded in all either way.
        assert!(answer_of("/apis", lines(200, 10), true).await.is_err());
    }
}
