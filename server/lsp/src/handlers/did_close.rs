//! `textDocument/didClose`.

use std::sync::Arc;

use tower_lsp::lsp_types::DidCloseTextDocumentParams;

use crate::session::Session;

pub fn run(session: &Arc<Session>, params: DidCloseTextDocumentParams) {
    session.close(params.text_document.uri);
}
