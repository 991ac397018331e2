//! The language server: a thin layer over `gitops-ls-analysis`.
//!
//! - [`server`]: the LSP service, dispatching to [`handlers`] (one module per method);
//! - [`session`]: all the server's state and the rules of how it changes (edits in order,
//!   one analysis task per open document, requests on snapshots);
//! - [`documents`]: ropes and versions, edits applied in order;
//! - [`encoding`]: UTF-8/UTF-16 positions, converted only at the boundary;
//! - [`snapshot`]: the analysis of one document version, per YAML document,
//!   re-analysing only the documents that changed;
//! - [`config`]: editor settings and `.gitops-ls.yaml` files;
//! - one module per feature: [`diagnostics`], [`hover`], [`code_actions`],
//!   [`inlay_hints`], [`completion`], [`symbols`];
//! - [`gitops_index`] and [`gitops_layer`]: the workspace index of kustomizations, Argo CD /
//!   Flux objects and charts, and what it adds to a document's diagnostics and hints;
//! - [`panic_guard`]: a panicking handler is answered with an error;
//! - [`output`]: stdout, shared with tower-lsp, for the messages serialized here;
//! - [`log`]: `window/logMessage` and the `logLevel` setting;
//! - [`memory`]: giving freed memory back to the system.
//!
//! stdout carries only protocol messages; logs go to `window/logMessage`,
//! errors also to stderr.

pub mod code_actions;
pub mod completion;
pub mod config;
pub mod diagnostics;
pub mod documents;
pub mod encoding;
pub mod gitops_index;
pub mod gitops_layer;
pub mod handlers;
pub mod hover;
pub mod inlay_hints;
pub mod log;
pub mod memory;
pub mod output;
pub mod panic_guard;
pub mod server;
pub mod session;
pub mod snapshot;
pub mod symbols;

use std::sync::atomic::Ordering;

use tower_lsp::Server;

/// Serves LSP on stdin/stdout until the client exits. Returns an error when
/// the client exits without asking to shut down first (exit code 1 in the
/// LSP specification).
pub fn run_stdio() -> std::io::Result<()> {
    memory::return_freed_memory();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gitops-ls")
        .enable_all()
        .build()?;
    let shutdown_seen = runtime.block_on(async {
        let (output, tower_output) = output::Output::new(std::io::stdout());
        let (service, socket) = server::build_service(output);
        let client = service.inner().client().clone();
        let direct = service.inner().direct_answers();
        let service = output::DirectAnswers::new(service, direct);
        let service = panic_guard::CatchPanic::new(service, client);
        let shutdown_seen = service.shutdown_seen.clone();
        let exited = service.exited.clone();
        let server = Server::new(tokio::io::stdin(), tower_output, socket);
        tokio::select! {
            () = server.serve(service) => {}
            () = exited.notified() => {}
        }
        shutdown_seen.load(Ordering::SeqCst)
    });
    // Analyses still running on blocking threads are abandoned.
    runtime.shutdown_background();
    if shutdown_seen {
        Ok(())
    } else {
        Err(std::io::Error::other(
            "the client exited without a shutdown request",
        ))
    }
}
