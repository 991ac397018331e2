//! Hover on a container's `image`, `imagePullPolicy` or `name`: the
//! effective pull policy, why, the parsed reference and what the kubelet does.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use gitops_ls_analysis::gitops::{
    chart_for_source, helm_images, post_rendered_images, ChartContext, DeployerEntry,
    DeployerEntryAt, DeployerKind, DeployerUsage, EffectiveImage, EntryRewrite, FileSource,
    HelmImage, HelmValue, OverlayChain, Unresolved, WorkspaceIndex,
};

use gitops_ls_analysis::image::{default_pull_policy, PullPolicy};
use gitops_ls_analysis::k8s::{ContainerRole, Defaulting, EffectivePolicy, Field, UnknownPolicy};
use gitops_ls_analysis::rules::ContainerFacts;
use tower_lsp::lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::snapshot::{DocAnalysis, GitopsLayer, COUNTERS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Image,
    PolicyKey,
    PolicyValue,
    Name,
}

/// How the client shows hovers (`textDocument.hover.contentFormat`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HoverFormat {
    #[default]
    Markdown,
    /// The client did not list Markdown (eglot without markdown-mode shows it raw).
    PlainText,
}

impl HoverFormat {
    /// Plain text only when the client lists formats and Markdown is not among them.
    pub fn negotiate(formats: Option<&[MarkupKind]>) -> HoverFormat {
        match formats {
            Some(formats) if !formats.contains(&MarkupKind::Markdown) => HoverFormat::PlainText,
            _ => HoverFormat::Markdown,
        }
    }

    /// A hover from its Markdown text.
    pub fn hover(self, markdown: String, range: Option<tower_lsp::lsp_types::Range>) -> Hover {
        let (kind, value) = match self {
            HoverFormat::Markdown => (MarkupKind::Markdown, markdown),
            HoverFormat::PlainText => (MarkupKind::PlainText, plain_text(&markdown)),
        };
        Hover {
            contents: HoverContents::Markup(MarkupContent { kind, value }),
            range,
        }
    }
}

/// The hover's Markdown without its markup: bold and code spans are the only kinds it uses
/// (lists read the same as text).
fn plain_text(markdown: &str) -> String {
    markdown.replace("**", "").replace('`', "")
}

/// The hover on a container, in parts: the server puts what the builds deploy between the
/// answer and the details.
pub struct ContainerHover {
    /// `**Effective imagePullPolicy: Always (default)**`.
    pub headline: String,
    /// Why, the parsed reference and what the kubelet does.
    pub details: String,
    pub range: tower_lsp::lsp_types::Range,
}

impl ContainerHover {
    /// The answer first, then the lines per build or per values (`builds`), then the details.
    pub fn into_hover(self, builds: Option<&str>, format: HoverFormat) -> Hover {
        let mut value = self.headline;
        for part in builds.into_iter().chain([self.details.as_str()]) {
            let part = part.trim_end();
            if !part.is_empty() {
                value.push_str("\n\n");
                value.push_str(part);
            }
        }
        format.hover(value, Some(self.range))
    }
}

pub fn hover(analysis: &DocAnalysis, pos: Position) -> Option<ContainerHover> {
    let offset = analysis.offset_at(pos);
    let chunk = analysis.chunk_at_offset(offset)?;
    let local = offset - chunk.range.start;
    let tree = analysis.tree(chunk);
    let facts = tree.container_at(local)?;
    let container = &facts.container;
    let within = |range: &std::ops::Range<usize>| range.start <= local && local <= range.end;
    let own = |field: &Option<Field>| field.as_ref().filter(|f| f.own).cloned();
    let (target, field) = [
        (Target::Image, own(&container.image)),
        (Target::PolicyKey, own(&container.policy)),
        (Target::Name, own(&container.name)),
    ]
    .into_iter()
    .find_map(|(target, field)| {
        let field = field?;
        if within(&field.key) {
            Some((target, field))
        } else if within(&field.value_range) && !field.value_range.is_empty() {
            let target = if target == Target::PolicyKey {
                Target::PolicyValue
            } else {
                target
            };
            Some((target, field))
        } else {
            None
        }
    })?;
    let (_, policy_key) = facts.container.role.keys();
    let span =
        field.key.start.min(field.value_range.start)..field.key.end.max(field.value_range.end);
    Some(ContainerHover {
        headline: format!("**{}**", headline(policy_key, &facts.effective)),
        details: details(facts, target, &field),
        range: analysis.local_range(chunk, &span),
    })
}

fn details(facts: &ContainerFacts, target: Target, field: &Field) -> String {
    let mut out = String::new();
    if target == Target::PolicyValue {
        let written = field.text.as_deref().unwrap_or_default();
        let _ = writeln!(out, "{}\n", explain_value(written, field));
    }
    let _ = writeln!(out, "{}\n", why(facts));
    if let Some(section) = reference_section(facts) {
        let _ = writeln!(out, "{section}");
    }
    if let Some(policy) = facts.effective.policy() {
        if target != Target::PolicyValue {
            let _ = writeln!(out, "**Kubelet:** {}", kubelet(policy));
        }
    }
    out.trim_end().to_owned()
}

/// The first line: `Effective imagePullPolicy: Always (default)`.
fn headline(key: &str, effective: &EffectivePolicy) -> String {
    match effective {
        EffectivePolicy::Explicit { policy, .. } => {
            format!("Effective {key}: {} (explicit)", policy.as_str())
        }
        EffectivePolicy::Default { policy, .. } => {
            format!("Effective {key}: {} (default)", policy.as_str())
        }
        EffectivePolicy::Unknown(_) => format!("Effective {key}: unknown"),
    }
}

fn why(facts: &ContainerFacts) -> String {
    let container = &facts.container;
    let (_, key) = container.role.keys();
    match &facts.effective {
        EffectivePolicy::Explicit {
            inherited: true, ..
        } => format!("Inherited from the template's `{key}` (`stepTemplate` / `templateDefaults`)."),
        EffectivePolicy::Explicit { policy, .. } => {
            let mut text = "Set in the manifest.".to_owned();
            if let Some(image) = facts.image_text().filter(|_| facts.valid_reference().is_some()) {
                let (default, _) = gitops_ls_analysis::image::default_pull_policy(image);
                if default != *policy {
                    let _ = write!(
                        text,
                        " Without it, Kubernetes would default to {}.",
                        default.as_str()
                    );
                }
            }
            text
        }
        EffectivePolicy::Default { reason, .. } => {
            let mut text = format!("`{key}` is not set: {}.", reason.explain());
            let when = match container.object.defaulting {
                Defaulting::ApiServer => {
                    " The API server fills it in when the object is first written; with `kubectl apply` the value then stays, even if the tag changes later."
                }
                Defaulting::Controller => {
                    " This is a custom resource: nothing fills the field in place; the default is applied when the controller creates the Pods."
                }
                Defaulting::KnativeDigestResolution => {
                    " Knative resolves tags to digests, so the Pods it creates usually get IfNotPresent."
                }
            };
            text.push_str(when);
            if container.role == ContainerRole::Template {
                text.push_str(" This is a template: the containers that inherit from it use its fields.");
            }
            text
        }
        EffectivePolicy::Unknown(unknown) => match unknown {
            UnknownPolicy::TemplatedPolicy => {
                "The value is a template expression: it is known only after rendering.".to_owned()
            }
            UnknownPolicy::TemplatedImage => format!(
                "`{key}` is not set and the image is a template expression: the default depends on the rendered tag (Always for `:latest` or no tag, IfNotPresent otherwise)."
            ),
            UnknownPolicy::InvalidPolicy(value) => format!(
                "`{value}` is not a valid value: the API server rejects the object. Supported values: `Always`, `IfNotPresent`, `Never` (case-sensitive)."
            ),
            UnknownPolicy::NoImage => {
                "There is no image to derive a default from.".to_owned()
            }
            UnknownPolicy::NoPolicyField => {
                "A Tekton StepAction has no `imagePullPolicy` field: the step that uses it decides."
                    .to_owned()
            }
        },
    }
}

fn explain_value(written: &str, field: &Field) -> String {
    if field.templated {
        return format!("`{written}` is a template expression.");
    }
    match PullPolicy::parse_exact(written) {
        Some(policy) => format!("`{}`: {}", policy.as_str(), kubelet(policy)),
        None => {
            let hint = PullPolicy::ALL
                .into_iter()
                .find(|p| p.as_str().eq_ignore_ascii_case(written.trim()))
                .map(|p| format!(" Did you mean `{}`?", p.as_str()))
                .unwrap_or_default();
            format!(
                "`{written}` is not a valid value: the API server rejects it (`Unsupported value`). Values are case-sensitive.{hint}"
            )
        }
    }
}

fn kubelet(policy: PullPolicy) -> &'static str {
    match policy {
        PullPolicy::Always => {
            "contacts the registry every time a container starts. If the registry cannot be reached, the container does not start (`ErrImagePull`, then `ImagePullBackOff`), even when the image is cached on the node."
        }
        PullPolicy::IfNotPresent => {
            "pulls only when no image with this name and tag is on the node. With a mutable tag, nodes keep whatever they pulled first."
        }
        PullPolicy::Never => {
            "never pulls: the image must already be on the node, otherwise the container fails with `ErrImageNeverPull`."
        }
    }
}

fn reference_section(facts: &ContainerFacts) -> Option<String> {
    let image = facts.container.image_in_force()?;
    let written = image.text.as_deref().unwrap_or_default();
    if image.templated {
        return Some(format!(
            "**Image** `{}`: a template expression, parsed after rendering.\n",
            written.trim()
        ));
    }
    match facts.reference.as_ref()? {
        Err(error) => Some(format!(
            "**Image** does not parse: {error}. The API server accepts it, but the kubelet fails with `InvalidImageName`.\n"
        )),
        Ok(reference) => {
            let mut out = format!("**Image** `{written}`\n");
            let registry = if reference.domain.is_empty() {
                "(none)".to_owned()
            } else {
                format!("`{}`", reference.domain)
            };
            let tag = match (&reference.tag, &reference.digest) {
                (Some(tag), _) => format!("`{tag}`"),
                (None, None) => "`latest` (implied: no tag and no digest)".to_owned(),
                (None, Some(_)) => "none (pinned by digest)".to_owned(),
            };
            let digest = reference
                .digest
                .as_ref()
                .map_or_else(|| "none".to_owned(), |digest| format!("`{digest}`"));
            let _ = writeln!(out, "- registry: {registry}");
            let _ = writeln!(out, "- repository: `{}`", reference.path);
            let _ = writeln!(out, "- tag: {tag}");
            let _ = writeln!(out, "- digest: {digest}");
            Some(out)
        }
    }
}

/// The hovered container, located in the whole document, for the GitOps section.
#[derive(Debug, Clone)]
pub struct HoverTarget {
    /// The container's own `image` value, in bytes of the whole document.
    pub image_range: std::ops::Range<usize>,
}

/// The container under `pos` when it has an image of its own (what kustomize rewrites and
/// what a Helm template renders).
pub fn hover_target(analysis: &DocAnalysis, pos: Position) -> Option<HoverTarget> {
    let offset = analysis.offset_at(pos);
    let chunk = analysis.chunk_at_offset(offset)?;
    let tree = analysis.tree(chunk);
    let facts = tree.container_at(offset - chunk.range.start)?;
    let image = facts.container.image.as_ref().filter(|image| image.own)?;
    let start = chunk.range.start;
    Some(HoverTarget {
        image_range: start + image.value_range.start..start + image.value_range.end,
    })
}

/// At most this many overlay lines in a hover.
const MAX_OVERLAY_LINES: usize = 12;

/// What the kustomize overlays and the Helm chart of the workspace make of the hovered
/// container: one line per overlay build (`overlays/prod: nginx:1.27 → IfNotPresent`), and
/// for a chart template the image and policy rendered from `values.yaml`.
/// `layer`: the document's GitOps layer, which already worked out for its diagnostics what
/// each build deploys and the patch containers (see
/// [`WorkspaceIndex::patch_containers_with_base_policy`]).
pub fn gitops_section(
    index: &WorkspaceIndex,
    roots: &[PathBuf],
    file: &Path,
    text: &str,
    target: &HoverTarget,
    layer: Option<&GitopsLayer>,
    source: &dyn FileSource,
) -> Option<String> {
    let overlaps = |range: &std::ops::Range<usize>| {
        range.start < target.image_range.end.max(target.image_range.start + 1)
            && target.image_range.start < range.end.max(range.start + 1)
    };
    let mut out = String::new();
    // The document's GitOps layer worked this out for its version (none before the index
    // was first built).
    let computed;
    let (chains, images) = match layer.and_then(|layer| layer.deployed.as_ref()) {
        Some(deployed) => (&deployed.chains, &deployed.images),
        None => {
            COUNTERS.gitops_passes.fetch_add(1, Ordering::Relaxed);
            computed = index.effective_images(file, text, source);
            (&computed.0, &computed.1)
        }
    };
    let merged = layer.map_or(&[][..], |layer| &layer.merged);
    let lines: Vec<String> = images
        .iter()
        .filter(|image| overlaps(&image.image_range))
        .map(|image| overlay_line(image, &chains[image.chain], roots))
        .collect();
    if !lines.is_empty() {
        let _ = writeln!(
            out,
            "**Kustomize** (the image and policy each build deploys):\n"
        );
        for line in lines.iter().take(MAX_OVERLAY_LINES) {
            let _ = writeln!(out, "- {line}");
        }
        if lines.len() > MAX_OVERLAY_LINES {
            let _ = writeln!(out, "- … and {} more", lines.len() - MAX_OVERLAY_LINES);
        }
    }
    if let Some(kustomization) = index.patch_of(file) {
        if let Some(merged) = merged.iter().find(|m| overlaps(&m.image_range)) {
            let name = merged.label.name.as_deref().unwrap_or("?");
            let _ = writeln!(
                out,
                "**Kustomize patch** (listed by {}): merged into container `{name}` of {} in \
                 {}, which sets `imagePullPolicy: {}`. The build keeps that policy; the \
                 default above is this patch's alone.",
                relative(kustomization, roots),
                merged.label.object,
                relative(&merged.base_file, roots),
                merged.base_policy
            );
        }
    }
    if let Some(chart_dir) = index.chart_of(file) {
        let chart = ChartContext::load(chart_dir, source);
        let helm = helm_images(text, &chart);
        if let Some(image) = helm
            .iter()
            .find(|image| image.image_range.as_ref().is_some_and(overlaps))
        {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "**Helm** (chart `{}`): {}",
                relative(chart_dir, roots),
                helm_line(image)
            );
            let deployed =
                helm_source_lines(index, roots, (chart_dir, &chart), text, image, source);
            if !deployed.is_empty() {
                let _ = writeln!(out, "\nWith the values of Argo CD / Flux objects:\n");
                for line in deployed.iter().take(MAX_OVERLAY_LINES) {
                    let _ = writeln!(out, "- {line}");
                }
                if deployed.len() > MAX_OVERLAY_LINES {
                    let _ = writeln!(out, "- … and {} more", deployed.len() - MAX_OVERLAY_LINES);
                }
            }
            let chains = index.release_chains(chart_dir);
            let released = post_rendered_images(text, std::slice::from_ref(image), &chains);
            if !released.is_empty() {
                let _ = writeln!(out, "\nFlux HelmRelease post-renderers:\n");
                for image in &released {
                    let _ = writeln!(
                        out,
                        "- {}",
                        overlay_line(image, &chains[image.chain], roots)
                    );
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn overlay_line(image: &EffectiveImage, chain: &OverlayChain, roots: &[PathBuf]) -> String {
    let dir = chain.overlay.parent().unwrap_or(Path::new(""));
    let mut label = relative(dir, roots);
    if let Some(deployer) = &chain.deployer {
        let name = deployer.name.as_deref().unwrap_or("(unnamed)");
        let _ = write!(label, " via {} {name}", deployer.kind.kind_name());
    }
    let policy = image.policy.policy().map_or("unknown", PullPolicy::as_str);
    let mut line = format!("{label}: {} → {policy}", image.image);
    match (&image.policy, image.default_policy_change()) {
        (_, Some((before, _))) => {
            let _ = write!(line, " (default; {} as written)", before.as_str());
        }
        (EffectivePolicy::Explicit { .. }, None) => line.push_str(" (explicit)"),
        (EffectivePolicy::Default { .. }, None) => line.push_str(" (default)"),
        _ => {}
    }
    if !image.changed() {
        line.push_str(", unchanged");
    }
    if let Some(patched) = &image.patched_by {
        let _ = write!(
            line,
            " — from the `images:` entries alone: the `{}` of {} may set this container's \
             image or pull policy (patches are not applied)",
            patched.field,
            relative(&patched.kustomization, roots)
        );
    }
    line
}

/// One line per Argo CD Application / Flux HelmRelease that renders the chart with values
/// of its own: `apps/web.yaml Application web-prod (values-prod.yaml, helm.parameters):
/// nginx:1.27, IfNotPresent`, with what it sets that is not applied.
fn helm_source_lines(
    index: &WorkspaceIndex,
    roots: &[PathBuf],
    (chart_dir, values): (&Path, &ChartContext),
    text: &str,
    image: &HelmImage,
    source: &dyn FileSource,
) -> Vec<String> {
    index
        .helm_sources_of(chart_dir)
        .into_iter()
        .filter_map(|(file, found)| {
            let (chart, not_applied) = chart_for_source(values, chart_dir, found, source);
            let rendered = helm_images(text, &chart)
                .into_iter()
                .find(|other| other.image_range == image.image_range)?;
            let name = found.name.as_deref().unwrap_or("(unnamed)");
            let mut line = format!(
                "{} {} {name} ({}): {}",
                relative(file, roots),
                found.kind.kind_name(),
                found.values_label(),
                rendered_image(&rendered)
            );
            if !not_applied.is_empty() {
                let _ = write!(line, "; not applied: {}", not_applied.join(", "));
            }
            Some(line)
        })
        .collect()
}

fn helm_line(image: &HelmImage) -> String {
    format!("from values.yaml: {}", rendered_image(image))
}

/// `nginx:1.16.0, IfNotPresent`, or why the image or policy is unknown.
fn rendered_image(image: &HelmImage) -> String {
    let rendered = match &image.image {
        HelmValue::Plain => "the image as written".to_owned(),
        HelmValue::Resolved { value: Some(v), .. } => v.clone(),
        HelmValue::Resolved { value: None, .. } => "null".to_owned(),
        HelmValue::Unknown(reason) => format!("unknown (templated: {reason})"),
    };
    let policy = match &image.policy {
        EffectivePolicy::Unknown(_) => "policy unknown".to_owned(),
        policy => policy
            .policy()
            .map_or("policy unknown", PullPolicy::as_str)
            .to_owned(),
    };
    format!("{rendered}, {policy}")
}

/// `path` relative to the workspace folder that holds it.
fn relative(path: &Path, roots: &[PathBuf]) -> String {
    roots
        .iter()
        .find_map(|root| path.strip_prefix(root).ok())
        .map_or_else(
            || path.display().to_string(),
            |rel| {
                let rel = rel.display().to_string();
                if rel.is_empty() {
                    ".".to_owned()
                } else {
                    rel
                }
            },
        )
}

/// Hover on an `images:` entry of a kustomization file: the containers it rewrites in the
/// builds that include the kustomization. Returns the Markdown and the entry's byte range.
pub fn entry_hover(
    index: &WorkspaceIndex,
    roots: &[PathBuf],
    file: &Path,
    offset: usize,
    source: &dyn FileSource,
) -> Option<(String, std::ops::Range<usize>)> {
    let kustomization = index.kustomization(file)?;
    let (position, entry) = kustomization
        .images
        .iter()
        .enumerate()
        .find(|(_, entry)| entry.range.start <= offset && offset <= entry.range.end)?;
    let usage = index.entry_usage(file, source);
    let rewrites = &usage.get(position)?.rewrites;
    let mut out = format!("**kustomize `images:` entry** `{}`\n\n", entry.image.name);
    if rewrites.is_empty() {
        out.push_str(
            "Matches no container of the manifests the builds of this kustomization gather \
             (in this workspace).",
        );
        let dir = file.parent().unwrap_or(Path::new(""));
        if let Some(reason) = index.unknown_inputs(dir) {
            let _ = write!(
                out,
                " Not every input is known, though ({reason}): one of them may bring the \
                 container."
            );
        }
        return Some((out, entry.range.clone()));
    }
    let _ = writeln!(out, "Rewrites {} container(s):\n", rewrites.len());
    rewrite_list(&mut out, rewrites, roots);
    Some((out.trim_end().to_owned(), entry.range.clone()))
}

/// One line per rewritten container: `- file (name): before → after`, with the default
/// pull policy change where there is one.
fn rewrite_list(out: &mut String, rewrites: &[EntryRewrite], roots: &[PathBuf]) {
    for rewrite in rewrites.iter().take(MAX_OVERLAY_LINES) {
        let name = rewrite.container_name.as_deref().unwrap_or("?");
        let (before, _) = default_pull_policy(&rewrite.before);
        let (after, _) = default_pull_policy(&rewrite.after);
        let mut line = format!(
            "- {} ({name}): {} → {}",
            relative(&rewrite.file, roots),
            rewrite.before,
            rewrite.after
        );
        if before != after {
            let _ = write!(
                line,
                " (default policy {} → {} where none is set)",
                before.as_str(),
                after.as_str()
            );
        }
        let _ = writeln!(out, "{line}");
    }
    if rewrites.len() > MAX_OVERLAY_LINES {
        let _ = writeln!(out, "- … and {} more", rewrites.len() - MAX_OVERLAY_LINES);
    }
}

/// Hover on an Argo CD `kustomize.images` string or a Flux `images:` entry (`at`, found in
/// `text`, the contents of `file`): the containers it rewrites in the build its object
/// deploys, or why that build cannot be followed. Returns the Markdown and the entry's
/// byte range. Argo CD / Flux paths are relative to the first workspace folder, as in the
/// index.
pub fn deployer_entry_hover(
    index: &WorkspaceIndex,
    roots: &[PathBuf],
    file: &Path,
    text: &str,
    at: &DeployerEntryAt,
    source: &dyn FileSource,
) -> Option<(String, std::ops::Range<usize>)> {
    let deployer = &at.deployer;
    let kind = deployer.kind.kind_name();
    let written = text
        .get(at.range.clone())
        .unwrap_or_default()
        .trim()
        .trim_matches(['"', '\'']);
    let label = match (deployer.kind, at.entry) {
        (DeployerKind::ArgoCdApplication, _) | (_, DeployerEntry::Invalid(_)) => {
            format!("**Argo CD `kustomize.images` override** `{written}`")
        }
        (DeployerKind::FluxKustomization, DeployerEntry::Valid(i)) => {
            format!(
                "**Flux `spec.images` entry** `{}`",
                deployer.images[i].image.name
            )
        }
        (DeployerKind::FluxHelmRelease, DeployerEntry::Valid(i)) => format!(
            "**Flux post-renderer `images:` entry** `{}`",
            deployer.images[i].image.name
        ),
    };
    let object = match &deployer.name {
        Some(name) => format!("{kind} `{name}`"),
        None => format!("this {kind}"),
    };
    let mut out = format!("{label} ({object})\n\n");
    match index.deployer_entry_usage(file, at, source) {
        DeployerUsage::Resolved {
            kustomization,
            rewrites,
            superseded_by,
        } => {
            let dir = relative(kustomization.parent().unwrap_or(Path::new("")), roots);
            if let (true, Some(later)) = (rewrites.is_empty(), superseded_by) {
                let name = &deployer.images[later].image.name;
                let how = if deployer.kind == DeployerKind::ArgoCdApplication {
                    "`kustomize edit set image` merges it into"
                } else {
                    "Flux replaces it with"
                };
                let _ = write!(
                    out,
                    "{how} the later override for `{name}` (item {} of the list), which is \
                     the one the build of `{dir}` runs.",
                    later + 1
                );
            } else if rewrites.is_empty() {
                let _ = write!(
                    out,
                    "Matches no container of the manifests the build of `{dir}` gathers (in \
                     this workspace)."
                );
            } else {
                let controller = match deployer.kind {
                    DeployerKind::ArgoCdApplication => "Argo CD",
                    _ => "Flux",
                };
                let _ = writeln!(
                    out,
                    "Rewrites {} container(s) in the build of `{dir}` (with the overrides \
                     merged into its `images:` by {controller}):\n",
                    rewrites.len()
                );
                rewrite_list(&mut out, &rewrites, roots);
            }
        }
        DeployerUsage::Rendered {
            chart,
            rewrites,
            values_overridden,
        } => {
            let chart = relative(&chart, roots);
            if rewrites.is_empty() {
                let _ = write!(
                    out,
                    "Matches no container of the chart `{chart}` as Helm renders it from \
                     `values.yaml` (containers of templates this does not model are not seen)."
                );
            } else {
                let _ = writeln!(
                    out,
                    "Rewrites {} container(s) of the chart `{chart}`, after Helm renders them \
                     from `values.yaml`:\n",
                    rewrites.len()
                );
                rewrite_list(&mut out, &rewrites, roots);
            }
            if values_overridden {
                let _ = write!(
                    out,
                    "\n\nThe release's own `spec.values` / `valuesFrom` are not applied here."
                );
            }
        }
        DeployerUsage::Unresolved(why) => out.push_str(&unresolved_text(&why, at, roots)),
    }
    Some((out.trim_end().to_owned(), at.range.clone()))
}

/// Why the build of a controller object is not followed, for [`deployer_entry_hover`].
fn unresolved_text(why: &Unresolved, at: &DeployerEntryAt, roots: &[PathBuf]) -> String {
    let source = &at.source;
    let origin = match (&source.repo_url, &source.source_ref) {
        (Some(url), _) => format!("`{url}`"),
        (None, Some((kind, name))) => format!("{kind} `{name}`"),
        (None, None) => "its repository".to_owned(),
    };
    match why {
        Unresolved::InvalidString => "`kustomize edit set image` rejects this string, so Argo \
             CD cannot generate the manifests. Write `name=newName:tag`, `name:tag` or \
             `name@digest` (for example `nginx=nginx:1.27`)."
            .to_owned(),
        Unresolved::NoPath => {
            "Not resolved: the source has no `path`, so its build is not in this workspace."
                .to_owned()
        }
        Unresolved::OutsideWorkspace { path } => {
            format!("Not resolved: the path `{path}` points outside the workspace folder.")
        }
        Unresolved::NotInWorkspace { path, dir } => {
            let mut text = format!(
                "Not resolved: no kustomization at `{path}` (`{}`) in this workspace; the \
                 source ({origin}) may be another repository or revision.",
                relative(dir, roots)
            );
            if at.deployer.kind == DeployerKind::FluxKustomization {
                text.push_str(
                    " For a directory without a kustomization file Flux generates one; that \
                     build is not followed here.",
                );
            }
            text
        }
        Unresolved::Component { file } => format!(
            "Not resolved: `{}` is a kustomize Component, which is never built alone.",
            relative(file, roots)
        ),
        Unresolved::HelmChart {
            chart,
            from_repository: true,
        } => format!(
            "Not resolved: the manifests are rendered from the chart `{chart}` of a Helm \
             repository ({origin}), which is not in this workspace."
        ),
        Unresolved::HelmChart {
            chart,
            from_repository: false,
        } => format!(
            "Not resolved: post-renderers run on what Helm renders from the chart `{chart}` \
             with the HelmRelease's values; this hover does not render it."
        ),
    }
}
