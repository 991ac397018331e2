//! `textDocument/codeAction`: the quick fixes of the diagnostics in the range, and fix-all.

use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::{CodeActionParams, CodeActionResponse};

use crate::code_actions;
use crate::session::Session;

pub async fn run(
    session: &Session,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let uri = &params.text_document.uri;
    let Some(analysis) = session.current_analysis(uri).await? else {
        return Ok(None);
    };
    let flags = session.flags();
    let request = code_actions::Request {
        uri,
        range: params.range,
        diagnostics: &params.context.diagnostics,
        only: params.context.only.as_deref(),
        versioned: flags.versioned_edits,
        lazy_edits: flags.resolve_edits,
    };
    Ok(Some(code_actions::code_actions(&analysis, &request)))
}
