//! Running a sequence of `images:` entries over one container's image, the way a
//! kustomize build reaches it (spec §6 "Where it applies").

use std::path::PathBuf;

use super::kustomize_image::CompiledOverride;
use crate::text::TextRange;

/// Where an `images:` entry is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryOrigin {
    /// The kustomization (or Argo CD / Flux object) file.
    pub file: PathBuf,
    /// The entry's position in its list.
    pub index: usize,
    /// The entry's mapping, or the Argo CD string.
    pub range: TextRange,
}

/// One entry of a chain, compiled once.
#[derive(Debug, Clone)]
pub struct ChainEntry {
    pub origin: EntryOrigin,
    pub image: CompiledOverride,
}

/// An entry that matched the image, and what it made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedStep {
    pub origin: EntryOrigin,
    pub before: String,
    pub after: String,
}

/// Which of the two filters of kustomize's image transformer reach an image field. Each
/// entry runs both in turn, so a field both reach is rewritten twice: harmless except for
/// `tagSuffix`, which is appended twice (kustomize issue #4814, still open in v5.8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RewriteSite {
    /// `LegacyFilter`: `image` of every element under a `containers` / `initContainers`
    /// key at any depth, except in a CustomResourceDefinition.
    pub legacy: bool,
    /// The default field specs: `spec/{containers,initContainers}[]/image`,
    /// `spec/volumes[]/image/reference` and the same under `spec/template/spec/`.
    pub field_spec: bool,
}

impl RewriteSite {
    /// Reached by both filters (`containers` under `spec` or `spec.template.spec`).
    #[cfg(test)]
    pub(crate) const BOTH: RewriteSite = RewriteSite {
        legacy: true,
        field_spec: true,
    };
    /// Reached only by the key-name walk (`containers` elsewhere).
    #[cfg(test)]
    pub(crate) const LEGACY: RewriteSite = RewriteSite {
        legacy: true,
        field_spec: false,
    };
    /// Reached only by the field specs (image volumes).
    #[cfg(test)]
    pub(crate) const FIELD_SPEC: RewriteSite = RewriteSite {
        legacy: false,
        field_spec: true,
    };

    /// Whether the transformer touches the image at all.
    pub fn is_reached(self) -> bool {
        self.legacy || self.field_spec
    }
}

/// Runs `chain` over `image` at `site`: each entry in order, once per filter that
/// reaches the site. Returns the final image and every match.
pub fn apply_chain(
    image: &str,
    chain: &[ChainEntry],
    site: RewriteSite,
) -> (String, Vec<AppliedStep>) {
    let mut current = image.to_owned();
    let mut steps = Vec::new();
    let passes = usize::from(site.legacy) + usize::from(site.field_spec);
    for entry in chain {
        for _ in 0..passes {
            if let Some(after) = entry.image.apply(&current) {
                steps.push(AppliedStep {
                    origin: entry.origin.clone(),
                    before: std::mem::replace(&mut current, after.clone()),
                    after,
                });
            }
        }
    }
    (current, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gitops::kustomize_image::ImageOverride;

    #[test]
    fn tag_suffix_is_appended_once_per_filter() {
        let entry = ChainEntry {
            origin: EntryOrigin {
                file: PathBuf::from("k/kustomization.yaml"),
                index: 0,
                range: 0..0,
            },
            image: CompiledOverride::new(ImageOverride {
                name: "redis".into(),
                tag_suffix: "-alpine".into(),
                ..ImageOverride::default()
            }),
        };
        let chain = [entry];
        assert_eq!(
            apply_chain("redis:6", &chain, RewriteSite::BOTH).0,
            "redis:6-alpine-alpine"
        );
        assert_eq!(
            apply_chain("redis:6", &chain, RewriteSite::LEGACY).0,
            "redis:6-alpine"
        );
        let (image, steps) = apply_chain("nginx:1", &chain, RewriteSite::BOTH);
        assert_eq!((image.as_str(), steps.len()), ("nginx:1", 0));
    }
}
