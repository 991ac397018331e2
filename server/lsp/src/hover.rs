//! Hover on a container's `image`, `imagePullPolicy` or `name`: the
//! effective pull policy, why, the parsed reference and what the kubelet does.

use std::fmt::Write;

use gitops_ls_analysis::image::PullPolicy;
use gitops_ls_analysis::k8s::{ContainerRole, Defaulting, EffectivePolicy, Field, UnknownPolicy};
use gitops_ls_analysis::rules::ContainerFacts;
use tower_lsp::lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::snapshot::DocAnalysis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Image,
    PolicyKey,
    PolicyValue,
    Name,
}

pub fn hover(analysis: &DocAnalysis, pos: Position) -> Option<Hover> {
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
    let value = markdown(facts, target, &field);
    let span =
        field.key.start.min(field.value_range.start)..field.key.end.max(field.value_range.end);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(analysis.local_range(chunk, &span)),
    })
}

fn markdown(facts: &ContainerFacts, target: Target, field: &Field) -> String {
    let container = &facts.container;
    let (_, policy_key) = container.role.keys();
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(policy_key, &facts.effective));
    out.push('\n');
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
