//! `overlay-changes-policy`: a kustomize overlay (or an Argo CD / Flux override) rewrites
//! the image of a container that writes no `imagePullPolicy`, and the API-server default
//! changes with it (`newTag: latest` turns IfNotPresent into Always). Also: the Helm values
//! an Argo CD Application or Flux HelmRelease sets change what a chart template renders
//! in the same way.
//!
//! Cross-file: it needs the workspace index, so it is computed by
//! [`crate::gitops::findings`] (called by `gitops-ls check` and the language server), not
//! by [`crate::analyze`]. It is registered here for its id, severity and documentation.

use super::{Family, Phase, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: crate::gitops::findings::OVERLAY_CHANGES_POLICY,
        default_severity: Severity::Warning,
        family: Family::Kustomize,
        phase: Phase::Workspace,
        summary: "A kustomize overlay (or GitOps Helm values) changes the default pull policy of \
                  a container that sets none",
        rationale: "Kubernetes derives the default imagePullPolicy from the image that is \
                    deployed, not from the one written in the base: an overlay entry with \
                    `newTag: latest` makes a base container that relied on IfNotPresent pull \
                    on every start (Always), and pinning a `latest` base to a version does the \
                    opposite. The same holds for the Helm values an Argo CD Application or \
                    Flux HelmRelease sets over a chart's values.yaml. Reported on the \
                    `images:` entry (or the object's `helm` / `values` key); set the policy \
                    explicitly in the base, or pick another tag.",
        docs: "cross-file (see [GitOps](#gitops-kustomize-and-helm)): a kustomize overlay's \
                `images:` entry (or an Argo CD / Flux override) rewrites the image of a \
                container that sets no policy and the API-server default changes (`newTag: \
                latest` turns IfNotPresent into Always); reported on the entry's `newTag` (else \
                `digest`, `newName`), naming the base file and the build, with the base \
                container as a related location; in the editor the base container also gets an \
                Info diagnostic pointing back at the entry. Also the Helm values of an Argo CD \
                Application / Flux HelmRelease over a repository chart (`parameters: \
                image.tag=latest`), reported on its `helm` (or `values`) key with the template \
                container as related location",
        options: &[],
    },
    check,
};

/// Nothing to do on a single file: see the module documentation.
fn check(_ctx: &RuleContext, _out: &mut Vec<Finding>) {}
