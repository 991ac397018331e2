//! One module per request or notification.
//!
//! Notification handlers are plain `fn`s over the [`Session`](crate::session::Session):
//! they change the state before anything else can run (see [`crate::session`]). Request
//! handlers are `async fn`s that read snapshots of it.

pub mod code_action;
pub mod code_action_resolve;
pub mod completion;
pub mod did_change;
pub mod did_change_configuration;
pub mod did_change_watched_files;
pub mod did_change_workspace_folders;
pub mod did_close;
pub mod did_open;
pub mod did_save;
pub mod document_symbol;
pub mod hover;
pub mod initialize;
pub mod initialized;
pub mod inlay_hint;
pub mod shutdown;
pub mod stats;

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `work` on the blocking pool, off the async runtime; a panic in it (or a
/// cancelled task) answers `None`, like a request with nothing to show.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Option<T> + Send + 'static,
) -> Option<T> {
    tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(work)).ok().flatten())
        .await
        .ok()
        .flatten()
}
