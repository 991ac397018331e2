//! `gitops-ls/stats`: how much analysis work the server has done, so that a test (or a
//! curious user) can check that requests reuse the analysis of the current version.

use std::sync::atomic::Ordering;

use serde_json::Value;
use tower_lsp::jsonrpc::Result;

use crate::snapshot::COUNTERS;

/// The custom request's method.
pub const METHOD: &str = "gitops-ls/stats";

pub async fn run() -> Result<Value> {
    Ok(serde_json::json!({
        "analyses": COUNTERS.analyses.load(Ordering::Relaxed),
        "yamlDocumentsAnalysed": COUNTERS.yaml_documents.load(Ordering::Relaxed),
        "gitopsPasses": COUNTERS.gitops_passes.load(Ordering::Relaxed),
    }))
}
