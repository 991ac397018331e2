//! `codeAction/resolve`: the edit of a fix-all action offered without one.

use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::{CodeAction, Range, Url};

use crate::code_actions;
use crate::session::Session;

pub async fn run(session: &Session, action: CodeAction) -> Result<CodeAction> {
    let uri = action
        .data
        .as_ref()
        .and_then(|data| data.get("uri"))
        .and_then(|uri| serde_json::from_value::<Url>(uri.clone()).ok());
    let Some(uri) = uri.filter(|_| action.edit.is_none()) else {
        return Ok(action);
    };
    let Some(analysis) = session.current_analysis(&uri).await? else {
        return Ok(action);
    };
    let request = code_actions::Request {
        uri: &uri,
        range: Range::default(),
        diagnostics: &[],
        only: None,
        versioned: session.flags().versioned_edits,
        lazy_edits: false,
    };
    Ok(code_actions::resolve_fix_all(&analysis, &request, action))
}
