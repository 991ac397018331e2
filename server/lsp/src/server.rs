//! The LSP service: each request and notification goes to its handler in
//! [`crate::handlers`], over the one [`Session`].
//!
//! A notification handler is a plain `fn`, called before this method's future first
//! yields: tower-lsp interleaves handlers at their await points, and an edit applied after
//! one could be applied out of order.

use std::sync::Arc;

use futures::future::{BoxFuture, FutureExt};
use serde_json::Value;
use tower_lsp::jsonrpc::{Request, Result};
use tower_lsp::lsp_types::*;
use tower_lsp::{LanguageServer, LspService};

use crate::handlers::{self, stats};
use crate::output::Output;
use crate::panic_guard::test_panic_marker;
use crate::session::Session;

pub struct Backend {
    session: Arc<Session>,
}

pub fn build_service(output: Output) -> (LspService<Backend>, tower_lsp::ClientSocket) {
    let builder = LspService::build(|client| Backend {
        session: Session::start(client, output),
    });
    let builder = builder.custom_method(stats::METHOD, |_: &Backend| stats::run());
    let builder = if test_panic_marker().is_some() {
        builder.custom_method("gitops-ls/testPanic", Backend::test_panic)
    } else {
        builder
    };
    builder.finish()
}

impl Backend {
    pub fn client(&self) -> &tower_lsp::Client {
        self.session.client()
    }

    /// The requests answered through [`Output`] rather than tower-lsp, for
    /// [`crate::output::DirectAnswers`]: `textDocument/documentSymbol`.
    pub fn direct_answers(
        &self,
    ) -> impl FnMut(Request) -> std::result::Result<BoxFuture<'static, ()>, Request> + Send {
        let session = self.session.clone();
        move |incoming: Request| {
            if incoming.method() != <request::DocumentSymbolRequest as request::Request>::METHOD {
                return Err(incoming);
            }
            let (_, id, params) = incoming.into_parts();
            let Some(id) = id else {
                // A notification by that name: nothing to answer.
                return Ok(futures::future::ready(()).boxed());
            };
            Ok(handlers::document_symbol::run(session.clone(), id, params).boxed())
        }
    }

    /// Runs a notification handler: synchronous, so nothing can come between the
    /// notification's arrival and its change of the state.
    fn notify<P>(&self, handler: fn(&Arc<Session>, P), params: P) {
        handler(&self.session, params);
    }

    async fn test_panic(&self, _params: Value) -> Result<Value> {
        panic!("test panic requested");
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        handlers::initialize::run(&self.session, params).await
    }

    async fn initialized(&self, params: InitializedParams) {
        self.notify(handlers::initialized::run, params);
    }

    async fn shutdown(&self) -> Result<()> {
        handlers::shutdown::run(&self.session).await
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        self.notify(handlers::did_open::run, params);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.notify(handlers::did_change::run, params);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.notify(handlers::did_save::run, params);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.notify(handlers::did_close::run, params);
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.notify(handlers::did_change_configuration::run, params);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.notify(handlers::did_change_watched_files::run, params);
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        self.notify(handlers::did_change_workspace_folders::run, params);
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        handlers::hover::run(&self.session, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        handlers::code_action::run(&self.session, params).await
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        handlers::code_action_resolve::run(&self.session, action).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        handlers::inlay_hint::run(&self.session, params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        handlers::completion::run(&self.session, params).await
    }
}
