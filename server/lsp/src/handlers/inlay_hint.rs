//! `textDocument/inlayHint`.

use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::{InlayHint, InlayHintParams};

use crate::inlay_hints;
use crate::session::Session;

pub async fn run(session: &Session, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
    let Some(analysis) = session.current_analysis(&params.text_document.uri).await? else {
        return Ok(None);
    };
    Ok(Some(inlay_hints::inlay_hints(&analysis, params.range)))
}
