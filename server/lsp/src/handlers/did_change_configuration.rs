//! `workspace/didChangeConfiguration`: pushed settings, or (null) a hint to pull them.

use std::sync::Arc;

use tower_lsp::lsp_types::DidChangeConfigurationParams;

use crate::session::Session;

pub fn run(session: &Arc<Session>, params: DidChangeConfigurationParams) {
    if params.settings.is_null() {
        if session.flags().pull_configuration {
            session.pull_settings();
        }
    } else {
        session.apply_settings(&params.settings);
    }
}
