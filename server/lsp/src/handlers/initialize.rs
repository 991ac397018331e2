//! `initialize`: what the client can do, and what the server offers.

use std::path::PathBuf;

use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::*;

use crate::code_actions::FIX_ALL_KIND;
use crate::encoding::PositionEncoding;
use crate::hover::HoverFormat;
use crate::session::{ClientFlags, Session};

pub async fn run(session: &Session, params: InitializeParams) -> Result<InitializeResult> {
    let encoding = client_flags(&params).encoding;
    session.initialize(
        client_flags(&params),
        workspace_folder_paths(&params),
        params.initialization_options.as_ref(),
    );
    let code_action_kinds = vec![CodeActionKind::QUICKFIX, CodeActionKind::new(FIX_ALL_KIND)];
    Ok(InitializeResult {
        server_info: Some(ServerInfo {
            name: "gitops-ls".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        capabilities: ServerCapabilities {
            position_encoding: Some(encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(code_action_kinds),
                resolve_provider: Some(true),
                ..CodeActionOptions::default()
            })),
            inlay_hint_provider: Some(OneOf::Left(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some([":", " ", ",", "#"].map(str::to_owned).to_vec()),
                ..CompletionOptions::default()
            }),
            document_symbol_provider: Some(OneOf::Left(true)),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..ServerCapabilities::default()
        },
    })
}

fn client_flags(params: &InitializeParams) -> ClientFlags {
    let caps = &params.capabilities;
    let encoding = PositionEncoding::negotiate(
        caps.general
            .as_ref()
            .and_then(|general| general.position_encodings.as_deref()),
    );
    let workspace = caps.workspace.as_ref();
    let resolve_edits = caps
        .text_document
        .as_ref()
        .and_then(|t| t.code_action.as_ref())
        .and_then(|c| c.resolve_support.as_ref())
        .is_some_and(|r| r.properties.iter().any(|p| p == "edit"));
    ClientFlags {
        encoding,
        resolve_edits,
        versioned_edits: workspace
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.document_changes)
            .unwrap_or(false),
        pull_configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
        watch_files_dynamically: workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false),
        work_done_progress: caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        hover_format: HoverFormat::negotiate(
            caps.text_document
                .as_ref()
                .and_then(|t| t.hover.as_ref())
                .and_then(|h| h.content_format.as_deref()),
        ),
    }
}

fn workspace_folder_paths(params: &InitializeParams) -> Vec<PathBuf> {
    let folders: Vec<Url> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|folder| folder.uri.clone())
        .collect();
    // rootUri is the fallback for clients without folders (when both are sent, it is one
    // of the folders: walking it again would index the tree twice).
    #[allow(deprecated)]
    let uris = if folders.is_empty() {
        params.root_uri.clone().into_iter().collect()
    } else {
        folders
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for path in uris.into_iter().filter_map(|uri| uri.to_file_path().ok()) {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}
