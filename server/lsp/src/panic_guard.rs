//! A panic in one request or notification handler is caught, logged and
//! answered with an error; the server keeps serving.
//!
//! This service also reads `"params": null` as no params: Emacs eglot sends
//! `shutdown` that way, which JSON-RPC allows for a method without
//! parameters, and tower-lsp would answer it with "Unexpected params: null".
//!
//! tower-lsp polls every handler future inside its serve loop, so an
//! uncaught panic there would end the whole server. This service sits
//! between the transport and tower-lsp's service and catches it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use futures::future::{BoxFuture, FutureExt};
use tokio::sync::Notify;
use tower_lsp::jsonrpc::{Error, ErrorCode, Request, Response};
use tower_lsp::lsp_types::MessageType;
use tower_lsp::Client;
use tower_service::Service;

pub struct CatchPanic<S> {
    inner: S,
    client: Client,
    /// Set once `shutdown` was received (`exit` then ends with success).
    pub shutdown_seen: Arc<AtomicBool>,
    /// Notified when `exit` was handled: tower-lsp's serve loop does not
    /// return by itself after it.
    pub exited: Arc<Notify>,
}

impl<S> CatchPanic<S> {
    pub fn new(inner: S, client: Client) -> Self {
        CatchPanic {
            inner,
            client,
            shutdown_seen: Arc::new(AtomicBool::new(false)),
            exited: Arc::new(Notify::new()),
        }
    }
}

impl<S> Service<Request> for CatchPanic<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Option<Response>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let request = null_params_as_none(request);
        let id = request.id().cloned();
        let method = request.method().to_owned();
        if method == "shutdown" {
            self.shutdown_seen.store(true, Ordering::SeqCst);
        }
        let exited = (method == "exit").then(|| self.exited.clone());
        let client = self.client.clone();
        let future = match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => future,
            Err(panic) => {
                let message = panic_message(&panic);
                return async move { Ok(answer_panic(client, id, &method, message).await) }.boxed();
            }
        };
        async move {
            let outcome = AssertUnwindSafe(future).catch_unwind().await;
            if let Some(exited) = exited {
                exited.notify_one();
            }
            match outcome {
                Ok(result) => result,
                Err(panic) => {
                    let message = panic_message(&panic);
                    Ok(answer_panic(client, id, &method, message).await)
                }
            }
        }
        .boxed()
    }
}

/// The request without its `params` when they are `null`.
fn null_params_as_none(request: Request) -> Request {
    if request.params() != Some(&serde_json::Value::Null) {
        return request;
    }
    let (method, id, _) = request.into_parts();
    let builder = Request::build(method);
    match id {
        Some(id) => builder.id(id).finish(),
        None => builder.finish(),
    }
}

async fn answer_panic(
    client: Client,
    id: Option<tower_lsp::jsonrpc::Id>,
    method: &str,
    message: String,
) -> Option<Response> {
    let text = format!("gitops-ls: internal error in {method}: {message}");
    eprintln!("{text}");
    client.log_message(MessageType::ERROR, &text).await;
    id.map(|id| {
        Response::from_error(
            id,
            Error {
                code: ErrorCode::InternalError,
                message: text.into(),
                data: None,
            },
        )
    })
}

/// Set (to a marker string) only by the end-to-end tests: a request
/// `gitops-ls/testPanic` panics, and so does the analysis of any YAML
/// document containing the marker.
pub const TEST_PANIC_ENV: &str = "GITOPS_LS_TEST_PANIC";

pub fn test_panic_marker() -> Option<&'static str> {
    static MARKER: OnceLock<Option<String>> = OnceLock::new();
    MARKER
        .get_or_init(|| std::env::var(TEST_PANIC_ENV).ok().filter(|m| !m.is_empty()))
        .as_deref()
}

pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
