//! `textDocument/didOpen`.

use std::sync::Arc;

use tower_lsp::lsp_types::DidOpenTextDocumentParams;

use crate::session::Session;

pub fn run(session: &Arc<Session>, params: DidOpenTextDocumentParams) {
    let document = params.text_document;
    session.open(document.uri, &document.text, document.version);
}
