//! `shutdown` (the exit that follows is handled by [`crate::panic_guard`]).

use tower_lsp::jsonrpc::Result;

use crate::log::LogLevel;
use crate::session::Session;

pub async fn run(session: &Session) -> Result<()> {
    session.log(LogLevel::Debug, "shutdown requested".to_owned());
    Ok(())
}
