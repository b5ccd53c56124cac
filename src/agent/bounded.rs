//! Every answer herald reads from the API server is bounded: a watch by the line
//! ([`super::lines`]), a list by the page ([`super::watch`]), and any other answer (discovery,
//! a Lease, a ConfigMap) by this layer of the client, at [`MAX_ANSWER_BYTES`]: past it, reading
//! the answer fails, as a dropped connection would.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body_util::{Either, Limited};

/// The longest answer herald reads to a request other than a watch.
pub const MAX_ANSWER_BYTES: usize = 128 << 20;

/// Bounds the answers of the service it wraps, watches aside.
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
{
    type Response = Response<Either<Limited<ResBody>, ResBody>>;
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
                    Either::Right(body)
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
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use tower::{Layer as _, Service, ServiceExt};

    async fn answer(uri: &str, size: usize) -> Result<usize, String> {
        let inner = tower::service_fn(move |_: Request<()>| async move {
            Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(vec![
                b'x';
                size
            ]))))
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
        assert_eq!(
            answer("/api/v1/pods?allowWatchBookmarks=true&watch=true", 5000).await,
            Ok(5000)
        );
        assert_eq!(answer("/api/v1/pods?watch=1", 5000).await, Ok(5000));
    }
}
