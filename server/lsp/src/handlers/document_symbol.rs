//! `textDocument/documentSymbol`, answered through [`Output`](crate::output::Output): the
//! symbols of a large file are serialized from the chunks, not through a
//! `serde_json::Value` of the whole list (see [`crate::output::DirectAnswers`]).

use std::sync::Arc;

use serde_json::Value;
use tower_lsp::jsonrpc::{Error, Id};
use tower_lsp::lsp_types::DocumentSymbolParams;

use crate::log::LogLevel;
use crate::session::Session;
use crate::symbols;

pub async fn run(session: Arc<Session>, id: Id, params: Option<Value>) {
    let params = params.map(serde_json::from_value::<DocumentSymbolParams>);
    let answer = match params {
        Some(Ok(params)) => session.current_analysis(&params.text_document.uri).await,
        Some(Err(error)) => Err(Error::invalid_params(error.to_string())),
        None => Err(Error::invalid_params("Missing params")),
    };
    let output = session.output().clone();
    let sent = tokio::task::spawn_blocking(move || match answer {
        Ok(Some(analysis)) => output.respond(&id, &symbols::DocumentSymbols(&analysis)),
        Ok(None) => output.respond(&id, &Value::Null),
        Err(error) => output.respond_error(&id, &error),
    })
    .await;
    if sent.is_err() {
        session.log(
            LogLevel::Error,
            "answering documentSymbol failed".to_owned(),
        );
    }
}
