//! `textDocument/didChange`.

use std::sync::Arc;

use tower_lsp::lsp_types::DidChangeTextDocumentParams;

use crate::session::Session;

pub fn run(session: &Arc<Session>, params: DidChangeTextDocumentParams) {
    let document = params.text_document;
    session.change(&document.uri, document.version, params.content_changes);
}
