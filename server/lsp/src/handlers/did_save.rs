//! `textDocument/didSave`: a saved config file is reloaded, a saved manifest re-read into
//! the workspace index.

use std::sync::Arc;

use tower_lsp::lsp_types::DidSaveTextDocumentParams;

use crate::config::is_config_file;
use crate::session::Session;

pub fn run(session: &Arc<Session>, params: DidSaveTextDocumentParams) {
    let Ok(path) = params.text_document.uri.to_file_path() else {
        return;
    };
    if is_config_file(&path) {
        session.config_files_changed(vec![path]);
    } else {
        session.gitops_files_changed(vec![path]);
    }
}
