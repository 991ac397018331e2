//! `textDocument/hover`: the container's image and pull policy, with what the kustomize
//! builds and Helm values make of it; on an `images:` entry or an Argo CD / Flux override,
//! the containers it rewrites.

use std::sync::Arc;

use gitops_ls_analysis::gitops::{
    deployer_entry_at, is_kustomization_file_name, may_declare_deployer,
};
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::{Hover, HoverParams, Position, Range, Url};

use super::blocking;
use crate::hover;
use crate::session::Session;
use crate::snapshot::DocAnalysis;

pub async fn run(session: &Session, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let uri = position.text_document.uri;
    let Some(analysis) = session.current_analysis(&uri).await? else {
        return Ok(None);
    };
    let Some(found) = hover::hover(&analysis, position.position) else {
        return Ok(images_entry_hover(session, &uri, &analysis, position.position).await);
    };
    let builds = gitops_section(session, &uri, &analysis, position.position).await;
    let format = session.flags().hover_format;
    Ok(Some(found.into_hover(builds.as_deref(), format)))
}

/// The kustomize overlays / Helm values section of a hover, computed on the blocking
/// pool (the index is built first when needed).
async fn gitops_section(
    session: &Session,
    uri: &Url,
    analysis: &Arc<DocAnalysis>,
    position: Position,
) -> Option<String> {
    let path = uri.to_file_path().ok()?;
    let target = hover::hover_target(analysis, position)?;
    let roots = session.workspace_folders();
    let index = session.index(&roots).await?;
    // The hovered file's text is the analysis's; chart files are read from the open
    // documents first (their unsaved edits count).
    let source = session.open_texts(crate::session::is_gitops_input);
    let analysis = analysis.clone();
    blocking(move || {
        hover::gitops_section(
            &index.index,
            &roots,
            &path,
            &analysis.text,
            &target,
            analysis.gitops.as_ref(),
            &source,
        )
    })
    .await
}

/// Hover on an `images:` entry of an open kustomization file, or on an Argo CD / Flux
/// image override: the containers it rewrites (blocking pool, like [`gitops_section`]).
async fn images_entry_hover(
    session: &Session,
    uri: &Url,
    analysis: &Arc<DocAnalysis>,
    position: Position,
) -> Option<Hover> {
    let path = uri.to_file_path().ok()?;
    let name = path.file_name().and_then(|name| name.to_str())?;
    // Other files: Argo CD / Flux image overrides (cheap text test first).
    let is_kustomization = is_kustomization_file_name(name);
    if !is_kustomization && !may_declare_deployer(&analysis.text) {
        return None;
    }
    let offset = analysis.offset_at(position);
    // Not on an override: no reason to wait for the index.
    let deployer = if is_kustomization {
        None
    } else {
        let analysis = analysis.clone();
        Some(blocking(move || deployer_entry_at(&analysis.text, offset)).await?)
    };
    let roots = session.workspace_folders();
    let index = session.index(&roots).await?;
    // Unsaved edits of the hovered file count, and of the overlays overrides point at.
    let source = session.open_texts(|open| {
        let open_name = open.file_name().and_then(|name| name.to_str());
        open == path || (!is_kustomization && open_name.is_some_and(is_kustomization_file_name))
    });
    let analysis = analysis.clone();
    let format = session.flags().hover_format;
    blocking(move || {
        let text = &analysis.text;
        let (value, range) = match &deployer {
            None => hover::entry_hover(&index.index, &roots, &path, offset, &source),
            Some(at) => hover::deployer_entry_hover(&index.index, &roots, &path, text, at, &source),
        }?;
        let range = Range::new(
            analysis.position_at(range.start),
            analysis.position_at(range.end),
        );
        Some(format.hover(value, Some(range)))
    })
    .await
}
