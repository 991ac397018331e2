//! `workspace/didChangeWatchedFiles`: config files are reloaded, the others re-read into
//! the workspace index.

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp::lsp_types::DidChangeWatchedFilesParams;

use crate::config::is_config_file;
use crate::session::Session;

pub fn run(session: &Arc<Session>, params: DidChangeWatchedFilesParams) {
    let (config, others): (Vec<PathBuf>, Vec<PathBuf>) = params
        .changes
        .into_iter()
        .filter_map(|change| change.uri.to_file_path().ok())
        .partition(|path| is_config_file(path));
    session.config_files_changed(config);
    session.gitops_files_changed(others);
}
