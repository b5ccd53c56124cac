//! Every answer herald reads from the API server is bounded, whoever reads it: an answer to a
//! request other than a watch at [`MAX_ANSWER_BYTES`] in all, a watch's (which has no end) at
//! [`MAX_ANSWER_BYTES`] per line, so kube-rs's own watcher (Argo CD's ConfigMap) is bounded too.
//! Past either, reading the answer fails, as a dropped connection would. herald's own watches and
//! lists read with tighter bounds of their own, which skip or split what is too large
//! ([`super::lines`], [`super::watch`]) before this layer's are reached.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{Either, Limited};
use hyper::body::{Body, Frame, SizeHint};

/// The longest answer herald reads to a request other than a watch, and the longest line of a
/// watch's answer.
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

/// Bounds the answers of the service it wraps: in all, or per line for a watch.
#[derive(Debug, Clone, Copy)]
pub struct Layer(pub usize);

impl<S> tower::Layer<S> for Layer {
    type Service = Bounded<S>;

    fn layer(&self, inner: S) -> Bounded<S> {
        Bounded { inner, max: self.0 }
    }
}

#[derive(Debug, Clone)]
pub struct Bounded<S> {
    inner: S,
    max: usize,
}

/// A watch: its answer has no end; its lines are bounded one by one.
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
    type Response = Response<Either<Limited<ResBody>, Lined<ResBody>>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let watch = is_watch(&request);
        let max = self.max;
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.map(|body| {
                if watch {
                    Either::Right(Lined { body, max, run: 0 })
                } else {
                    Either::Left(Limited::new(body, max))
                }
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tower::{Layer as _, Service, ServiceExt};

    async fn answer(uri: &str, size: usize) -> Result<usize, String> {
        answer_of(uri, vec![b'x'; size]).await
    }

    async fn answer_of(uri: &str, text: Vec<u8>) -> Result<usize, String> {
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
        let mut svc = Layer(1000).layer(inner);
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
        // A watch's answer has no end: its lines are bounded, not the whole.
        let lines = |n: usize, len: usize| {
            let mut text = Vec::new();
            for _ in 0..n {
                text.extend(std::iter::repeat_n(b'x', len));
                text.push(b'\n');
            }
            text
        };
        let watch = "/api/v1/pods?allowWatchBookmarks=true&watch=true";
        assert_eq!(answer_of(watch, lines(20, 999)).await, Ok(20_000));
        assert_eq!(
            answer_of("/api/v1/pods?watch=1", lines(20, 999)).await,
            Ok(20_000)
        );
        let mut long = lines(2, 999);
        long.extend(lines(1, 1001));
        assert!(
            answer_of(watch, long)
                .await
                .unwrap_err()
                .contains("a line of a watch's answer is past 1000 bytes")
        );
    }
}
