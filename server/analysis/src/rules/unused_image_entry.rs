//! `unused-image-entry`: an `images:` entry of a kustomization that rewrites no container
//! in any build that runs it, usually a misspelt name or an image that moved.
//!
//! Cross-file: it needs the workspace index, so it is computed by
//! [`crate::gitops::findings`] (called by `gitops-ls check` and the language server), not
//! by [`crate::analyze`]. It is registered here for its id, severity and documentation.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: crate::gitops::findings::UNUSED_IMAGE_ENTRY,
        default_severity: Severity::Warning,
        family: Family::Kustomize,
        phase: Phase::Workspace,
        summary: "A kustomize `images:` entry matches no container",
        rationale: "kustomize silently skips an `images:` entry whose `name` matches no image \
                    in the build, so a typo (`ngnix`), a registry prefix the manifests do not \
                    write, or an image renamed in the base leaves the old image deployed with \
                    no error. Only reported when every input of the builds is known: no remote \
                    or missing resources, patches, Helm charts or plugins, which could bring \
                    the container the entry is for.",
        docs: "cross-file: a kustomization's `images:` entry matches no container in any build \
                that runs it (kustomize skips it silently: a typo, or `docker.io/library/nginx` \
                against `nginx`, since names are compared as written); only when every input of \
                those builds is known (no remote or missing resources, no \
                `patches`/`replacements`/`helmCharts`/generators/`configurations`, no broken \
                manifest), and never for a component no kustomization lists",
        options: &[],
    },
    check,
};

/// Nothing to do on a single file: see the module documentation.
fn check(_ctx: &RuleContext, _out: &mut Vec<Finding>) {}
