//! stdout, shared by tower-lsp and the messages gitops-ls serializes itself.
//!
//! tower-lsp turns every outgoing message into a `serde_json::Value` tree before writing it;
//! for the diagnostics and the symbols of a large file that tree costs many times the JSON
//! (over 1.6 GB for the symbols of a 31 MiB file). Those messages, and the logs and publishes
//! that must stay in order with them, are serialized here straight from the analysis. Both
//! sides queue whole framed messages on one channel, so they never interleave inside a
//! message and each keeps its own order.

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::{BoxFuture, FutureExt};
use serde::Serialize;
use tokio::io::AsyncWrite;
use tokio::sync::mpsc;
use tower_lsp::jsonrpc::{Id, Request, Response};
use tower_service::Service;

/// Queues framed messages for stdout. Cheap to clone.
#[derive(Clone)]
pub struct Output {
    queue: mpsc::UnboundedSender<Vec<u8>>,
}

impl Output {
    /// The output and the writer to hand to tower-lsp. A thread writes the queued messages
    /// to `stdout` until every sender is gone.
    pub fn new(mut stdout: impl Write + Send + 'static) -> (Output, TowerOutput) {
        let (queue, mut messages) = mpsc::unbounded_channel::<Vec<u8>>();
        let writer = move || {
            while let Some(message) = messages.blocking_recv() {
                if stdout.write_all(&message).is_err() || stdout.flush().is_err() {
                    return;
                }
            }
        };
        let tower = TowerOutput {
            pending: Vec::new(),
            queue: queue.clone(),
        };
        if let Err(error) = std::thread::Builder::new()
            .name("gitops-ls-stdout".to_owned())
            .spawn(writer)
        {
            eprintln!("gitops-ls: could not start the stdout writer: {error}");
        }
        (Output { queue }, tower)
    }

    pub fn notify(&self, method: &str, params: &impl Serialize) {
        #[derive(Serialize)]
        struct Notification<'a, P> {
            jsonrpc: &'static str,
            method: &'a str,
            params: P,
        }
        self.send(&Notification {
            jsonrpc: "2.0",
            method,
            params,
        });
    }

    pub fn respond(&self, id: &Id, result: &impl Serialize) {
        #[derive(Serialize)]
        struct Answer<'a, R> {
            jsonrpc: &'static str,
            id: &'a Id,
            result: R,
        }
        self.send(&Answer {
            jsonrpc: "2.0",
            id,
            result,
        });
    }

    pub fn respond_error(&self, id: &Id, error: &tower_lsp::jsonrpc::Error) {
        #[derive(Serialize)]
        struct Failure<'a> {
            jsonrpc: &'static str,
            id: &'a Id,
            error: &'a tower_lsp::jsonrpc::Error,
        }
        self.send(&Failure {
            jsonrpc: "2.0",
            id,
            error,
        });
    }

    fn send(&self, message: &impl Serialize) {
        let body = match serde_json::to_vec(message) {
            Ok(body) => body,
            Err(error) => {
                eprintln!("gitops-ls: could not serialize a message: {error}");
                return;
            }
        };
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend_from_slice(&body);
        drop(body);
        // The writer is gone only when the server is ending.
        let _ = self.queue.send(framed);
    }
}

/// What tower-lsp writes to: its bytes are cut into whole messages and queued.
pub struct TowerOutput {
    pending: Vec<u8>,
    queue: mpsc::UnboundedSender<Vec<u8>>,
}

/// The length of the first whole message of `bytes` (`Content-Length` header, blank line,
/// body), if it is all there.
fn whole_message_len(bytes: &[u8]) -> Option<usize> {
    let header_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let header = std::str::from_utf8(&bytes[..header_end]).ok()?;
    let length: usize = header.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })?;
    let total = header_end + length;
    (bytes.len() >= total).then_some(total)
}

impl AsyncWrite for TowerOutput {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.pending.extend_from_slice(buf);
        while let Some(len) = whole_message_len(&this.pending) {
            let rest = this.pending.split_off(len);
            let message = std::mem::replace(&mut this.pending, rest);
            if this.queue.send(message).is_err() {
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Answers some requests without tower-lsp: `answer` takes a request it handles (returning
/// the work that writes the response to [`Output`]) or gives it back.
pub struct DirectAnswers<S, A> {
    inner: S,
    answer: A,
}

impl<S, A> DirectAnswers<S, A> {
    pub fn new(inner: S, answer: A) -> Self {
        DirectAnswers { inner, answer }
    }
}

impl<S, A> Service<Request> for DirectAnswers<S, A>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
    A: FnMut(Request) -> Result<BoxFuture<'static, ()>, Request>,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Option<Response>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match (self.answer)(request) {
            Ok(work) => work.map(|()| Ok(None)).boxed(),
            Err(request) => self.inner.call(request).boxed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_cut_where_their_body_ends() {
        let one = b"Content-Length: 2\r\n\r\n{}";
        assert_eq!(whole_message_len(one), Some(one.len()));
        assert_eq!(whole_message_len(&one[..one.len() - 1]), None);
        let mut two = one.to_vec();
        two.extend_from_slice(b"Content-Length: 4\r\n\r\n[1]");
        assert_eq!(whole_message_len(&two), Some(one.len()));
        assert_eq!(whole_message_len(b"Content-Length: 2\r\n"), None);
    }
}
