//! `initialized`: reports bad initializationOptions, registers the file watchers and pulls
//! the settings when none came with `initialize`.

use std::sync::Arc;

use tower_lsp::lsp_types::notification::Notification;
use tower_lsp::lsp_types::*;

use crate::config::SECTION;
use crate::log::LogLevel;
use crate::session::Session;

pub fn run(session: &Arc<Session>, _: InitializedParams) {
    let flags = session.flags();
    let init_settings = session.take_init_settings();
    session.log(
        LogLevel::Info,
        format!(
            "gitops-ls {} ready (positions in {})",
            env!("CARGO_PKG_VERSION"),
            flags.encoding.kind().as_str()
        ),
    );
    if let Some(Err(message)) = &init_settings {
        let text =
            format!("invalid `{SECTION}` initializationOptions, using the defaults: {message}");
        session.log(LogLevel::Error, text.clone());
        let client = session.client().clone();
        tokio::spawn(async move { client.show_message(MessageType::ERROR, text).await });
    }
    if flags.watch_files_dynamically {
        register_watchers(session);
    }
    let had_settings = matches!(init_settings, Some(Ok(true)));
    if flags.pull_configuration && !had_settings {
        session.pull_settings();
    }
}

fn register_watchers(session: &Arc<Session>) {
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: [
            format!("**/{}", gitops_ls_analysis::config::CONFIG_FILE_NAME),
            // Kustomizations, manifests, charts and values for the GitOps index.
            "**/*.{yaml,yml}".to_owned(),
            "**/Kustomization".to_owned(),
        ]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob),
            kind: None,
        })
        .collect(),
    };
    let registration = Registration {
        id: "gitops-ls-config-watcher".to_owned(),
        method: notification::DidChangeWatchedFiles::METHOD.to_owned(),
        register_options: serde_json::to_value(options).ok(),
    };
    let session = session.clone();
    tokio::spawn(async move {
        if let Err(error) = session
            .client()
            .register_capability(vec![registration])
            .await
        {
            session.log(
                LogLevel::Warn,
                format!("could not register the config file watcher: {error}"),
            );
        }
    });
}
