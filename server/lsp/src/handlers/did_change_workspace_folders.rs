//! `workspace/didChangeWorkspaceFolders`.

use std::sync::Arc;

use tower_lsp::lsp_types::DidChangeWorkspaceFoldersParams;

use crate::session::Session;

pub fn run(session: &Arc<Session>, params: DidChangeWorkspaceFoldersParams) {
    {
        let mut store = session.config();
        let mut folders = store.workspace_folders().to_vec();
        for removed in &params.event.removed {
            if let Ok(path) = removed.uri.to_file_path() {
                folders.retain(|folder| *folder != path);
            }
        }
        folders.extend(
            params
                .event
                .added
                .iter()
                .filter_map(|added| added.uri.to_file_path().ok()),
        );
        store.set_workspace_folders(folders);
    }
    session.invalidate_all();
}
