//! Image overrides that GitOps controllers add on top of a kustomization: Argo CD
//! `Application.spec.source(s).kustomize.images`, Flux `Kustomization.spec.images` and
//! Flux `HelmRelease.spec.postRenderers[].kustomize.images`.
//!
//! Argo CD runs `kustomize edit set image` with its strings in the application's
//! directory; Flux's kustomize-controller edits the generated kustomization's `images:`.
//! Both therefore change the list of the kustomization at the source path, which
//! [`DeployerImages::merge_into`] reproduces. The kustomize spec (§6) does not cover these
//! merges; they follow the controllers' documented behaviour.

use std::collections::HashMap;

use super::kustomization::{images_entries, ImagesEntry, ImagesEntryFields};
use super::kustomize_image::ImageOverride;
use crate::k8s::kinds::api_group;
use crate::yaml::{Document, NodeId, YamlFile};

/// Which controller object an override comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployerKind {
    ArgoCdApplication,
    FluxKustomization,
    FluxHelmRelease,
}

impl DeployerKind {
    /// The object kind as written in YAML.
    pub fn kind_name(self) -> &'static str {
        match self {
            DeployerKind::ArgoCdApplication => "Application",
            DeployerKind::FluxKustomization => "Kustomization",
            DeployerKind::FluxHelmRelease => "HelmRelease",
        }
    }
}

/// The image overrides of one controller object (one per Argo CD source).
#[derive(Debug, Clone)]
pub struct DeployerImages {
    pub kind: DeployerKind,
    /// `metadata.name`.
    pub name: Option<String>,
    /// The document of the file the object is in.
    pub document: usize,
    /// The directory the overrides apply to, relative to the repository root as written:
    /// Argo CD `source.path`, Flux `spec.path`, or the HelmRelease chart path.
    pub path: Option<String>,
    /// The overrides in order (post-renderers flattened).
    pub images: Vec<ImagesEntry>,
    /// Argo CD strings that `kustomize edit set image` rejects.
    pub invalid: Vec<crate::text::TextRange>,
    /// HelmRelease: the chart comes from a GitRepository or Bucket, so `path` is a chart
    /// folder in the repository (a HelmRepository / OCIRepository chart is fetched).
    pub chart_in_repository: bool,
    /// HelmRelease: `spec.values` or `spec.valuesFrom` is set (not applied by this model).
    pub overrides_values: bool,
}

impl DeployerImages {
    /// The `images:` list of the target kustomization after the controller has edited it.
    ///
    /// - Argo CD (`kustomize edit set image`): an override replaces the fields it sets on
    ///   the entry with the same `name`, or is added; the list is then sorted by name.
    /// - Flux: an override replaces the entry with the same `name` in place, or is appended.
    /// - HelmRelease post-renderers run on the rendered chart after everything else.
    pub fn merge_into(&self, own: &[ImagesEntry]) -> Vec<MergedEntry> {
        let mut merged: Vec<MergedEntry> = own
            .iter()
            .enumerate()
            .map(|(index, entry)| MergedEntry {
                image: entry.image.clone(),
                source: MergeSource::Own(index),
            })
            .collect();
        // The first entry of each name (an update keeps the name): a linear merge, as lists
        // can hold thousands of entries.
        let mut first_of: HashMap<String, usize> = HashMap::new();
        for (at, entry) in merged.iter().enumerate() {
            first_of.entry(entry.image.name.clone()).or_insert(at);
        }
        for (index, entry) in self.images.iter().enumerate() {
            let same_name = first_of
                .get(&entry.image.name)
                .copied()
                .filter(|_| self.kind != DeployerKind::FluxHelmRelease);
            let image = match (same_name, self.kind) {
                (Some(existing), DeployerKind::ArgoCdApplication) => {
                    set_image_fields(&merged[existing].image, &entry.image)
                }
                _ => entry.image.clone(),
            };
            let updated = MergedEntry {
                image,
                source: MergeSource::Deployer(index),
            };
            match same_name {
                Some(existing) => merged[existing] = updated,
                None => {
                    first_of
                        .entry(entry.image.name.clone())
                        .or_insert(merged.len());
                    merged.push(updated);
                }
            }
        }
        if self.kind == DeployerKind::ArgoCdApplication {
            merged.sort_by(|a, b| a.image.name.cmp(&b.image.name));
        }
        merged
    }
}

/// An entry of a list after a controller's edit ([`DeployerImages::merge_into`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedEntry {
    pub image: ImageOverride,
    pub source: MergeSource,
}

/// Where a [`MergedEntry`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeSource {
    /// The kustomization's own entry at this index.
    Own(usize),
    /// The controller object's override at this index (alone or combined with an own entry).
    Deployer(usize),
}

/// `kustomize edit set image` on an existing entry: a new name replaces the old one; a new
/// tag or digest replaces both the old tag and digest.
fn set_image_fields(existing: &ImageOverride, update: &ImageOverride) -> ImageOverride {
    let mut out = existing.clone();
    if !update.new_name.is_empty() {
        out.new_name = update.new_name.clone();
    }
    if !update.new_tag.is_empty() || !update.digest.is_empty() {
        out.new_tag = update.new_tag.clone();
        out.digest = update.digest.clone();
    }
    out
}

/// Parses an Argo CD `kustomize.images` string, `[old=]new[:tag|@digest]`, the way
/// `kustomize edit set image` does. `None` for forms it rejects (`nginx` alone).
pub fn parse_argocd_image(text: &str) -> Option<ImageOverride> {
    if let Some((name, new)) = text.split_once('=').filter(|(_, new)| !new.contains('=')) {
        let (new_name, new_tag, digest) = split_override(new, true)?;
        return Some(ImageOverride {
            name: name.to_owned(),
            new_name,
            new_tag,
            digest,
            ..ImageOverride::default()
        });
    }
    let (name, new_tag, digest) = split_override(text, false)?;
    Some(ImageOverride {
        name,
        new_tag,
        digest,
        ..ImageOverride::default()
    })
}

/// `parseOverwrite`: `image@digest`, else `image:tag` (tag `[a-zA-Z0-9._-]*`, split at the
/// last `:`), else a bare image when a name alone is allowed.
fn split_override(text: &str, name_alone: bool) -> Option<(String, String, String)> {
    if let Some((name, rest)) = text.split_once('@') {
        // Go splits on every `@` and keeps the second part only.
        let digest = rest.split('@').next().unwrap_or_default();
        return Some((name.to_owned(), String::new(), digest.to_owned()));
    }
    if let Some((name, tag)) = text.rsplit_once(':') {
        let tag_ok = tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if tag_ok {
            return Some((name.to_owned(), tag.to_owned(), String::new()));
        }
    }
    (name_alone && !text.is_empty()).then(|| (text.to_owned(), String::new(), String::new()))
}

/// Whether `text` may hold an Argo CD or Flux object: some line names one of their API
/// groups after `apiVersion`. A cheap text test that lets the index skip parsing the
/// many files that only mention the groups, e.g. in `argocd.argoproj.io/sync-wave`
/// annotations.
pub fn may_declare_deployer(text: &str) -> bool {
    text.lines().any(|line| {
        ["argoproj.io/", "toolkit.fluxcd.io/"].iter().any(|group| {
            line.find(group)
                .is_some_and(|at| line[..at].contains("apiVersion"))
        })
    })
}

/// One object of a YAML file, as the Argo CD / Flux readers look at it.
pub(crate) struct ObjectHead<'a> {
    /// The document's index in the file.
    pub index: usize,
    pub doc: &'a Document,
    pub root: NodeId,
    /// The API group of `apiVersion` (`argoproj.io`).
    pub group: &'a str,
    pub kind: &'a str,
    /// `metadata.name`.
    pub name: Option<String>,
}

/// The documents of `file` whose root is a mapping.
pub(crate) fn object_heads(file: &YamlFile) -> impl Iterator<Item = ObjectHead<'_>> {
    file.documents
        .iter()
        .enumerate()
        .filter_map(|(index, doc)| {
            let root = doc.root.filter(|&root| doc.is_mapping(root))?;
            Some(ObjectHead {
                index,
                doc,
                root,
                group: api_group(doc.get_str(root, "apiVersion").unwrap_or_default()),
                kind: doc.get_str(root, "kind").unwrap_or_default(),
                name: doc
                    .get_path(root, &["metadata", "name"])
                    .and_then(|n| doc.scalar(n))
                    .map(str::to_owned),
            })
        })
}

/// Every Argo CD / Flux image override in a YAML file.
pub fn find_deployer_images(file: &YamlFile) -> Vec<DeployerImages> {
    let mut out = Vec::new();
    for ObjectHead {
        index,
        doc,
        root,
        group,
        kind,
        name,
    } in object_heads(file)
    {
        let new = |kind, path: Option<&str>| DeployerImages {
            kind,
            name: name.clone(),
            document: index,
            path: path.map(str::to_owned),
            images: Vec::new(),
            invalid: Vec::new(),
            chart_in_repository: false,
            overrides_values: false,
        };
        let spec = doc.get(root, "spec");
        match (group, kind) {
            ("argoproj.io", "Application") => {
                let sources = spec
                    .map(|spec| {
                        let single = doc.get(spec, "source").into_iter();
                        let many = doc.get(spec, "sources").map(|s| doc.items(s).to_vec());
                        single.chain(many.unwrap_or_default()).collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                for source in sources {
                    let Some(list) = doc.get_path(source, &["kustomize", "images"]) else {
                        continue;
                    };
                    let path = doc.get_str(source, "path");
                    let mut found = new(DeployerKind::ArgoCdApplication, path);
                    argocd_strings(doc, list, &mut found);
                    out.push(found);
                }
            }
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
                let Some(list) = spec.and_then(|spec| doc.get(spec, "images")) else {
                    continue;
                };
                let path = spec.and_then(|spec| doc.get_str(spec, "path"));
                let mut found = new(DeployerKind::FluxKustomization, path);
                found.images = images_entries(doc, list);
                out.push(found);
            }
            ("helm.toolkit.fluxcd.io", "HelmRelease") => {
                let Some(spec) = spec else { continue };
                let chart = doc.get_path(spec, &["chart", "spec", "chart"]);
                let mut found = new(
                    DeployerKind::FluxHelmRelease,
                    chart.and_then(|c| doc.scalar(c)),
                );
                let source_kind = doc.get_path(spec, &["chart", "spec", "sourceRef", "kind"]);
                found.chart_in_repository = matches!(
                    source_kind.and_then(|kind| doc.scalar(kind)),
                    Some("GitRepository" | "Bucket")
                );
                found.overrides_values =
                    doc.get(spec, "values").is_some() || doc.get(spec, "valuesFrom").is_some();
                for renderer in doc
                    .get(spec, "postRenderers")
                    .map_or(&[][..], |r| doc.items(r))
                {
                    if let Some(list) = doc.get_path(*renderer, &["kustomize", "images"]) {
                        found.images.extend(images_entries(doc, list));
                    }
                }
                if !found.images.is_empty() {
                    out.push(found);
                }
            }
            _ => {}
        }
    }
    out
}

fn argocd_strings(doc: &Document, list: NodeId, found: &mut DeployerImages) {
    for &item in doc.items(list) {
        let range = doc.node(item).span.clone();
        match doc.scalar(item).and_then(parse_argocd_image) {
            Some(image) => found.images.push(ImagesEntry {
                image,
                range,
                fields: ImagesEntryFields::default(),
            }),
            None => found.invalid.push(range),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(name: &str, new_name: &str, new_tag: &str, digest: &str) -> ImageOverride {
        ImageOverride {
            name: name.into(),
            new_name: new_name.into(),
            new_tag: new_tag.into(),
            digest: digest.into(),
            tag_suffix: String::new(),
        }
    }

    #[test]
    fn argocd_image_strings() {
        let parse = parse_argocd_image;
        assert_eq!(parse("nginx:1.27"), Some(image("nginx", "", "1.27", "")));
        assert_eq!(
            parse("nginx=registry.local/nginx:1.27"),
            Some(image("nginx", "registry.local/nginx", "1.27", ""))
        );
        assert_eq!(
            parse("app=reg/app@sha256:abc"),
            Some(image("app", "reg/app", "", "sha256:abc"))
        );
        assert_eq!(
            parse("mysql=mariadb"),
            Some(image("mysql", "mariadb", "", ""))
        );
        assert_eq!(
            parse("localhost:5000/app:v2"),
            Some(image("localhost:5000/app", "", "v2", ""))
        );
        // A name alone, or a port taken for a tag, is rejected by `edit set image`.
        assert_eq!(parse("nginx"), None);
        assert_eq!(parse("localhost:5000/app"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn finds_argocd_and_flux_overrides() {
        let text = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web}
spec:
  sources:
    - path: overlays/prod
      kustomize:
        images: [\"nginx:1.27\", \"bad\"]
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
spec:
  path: ./apps/prod
  images:
    - name: app
      newTag: v3
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
spec:
  chart: {spec: {chart: ./charts/web}}
  postRenderers:
    - kustomize:
        images: [{name: web, digest: 'sha256:1'}]
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images: [{name: x, newTag: y}]
";
        let found = find_deployer_images(&YamlFile::parse(text));
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].kind, DeployerKind::ArgoCdApplication);
        assert_eq!(found[0].path.as_deref(), Some("overlays/prod"));
        assert_eq!(found[0].images[0].image.new_tag, "1.27");
        assert_eq!(&text[found[0].invalid[0].clone()], "\"bad\"");
        assert_eq!(found[1].path.as_deref(), Some("./apps/prod"));
        assert_eq!(found[1].images[0].image.new_tag, "v3");
        assert_eq!(found[2].path.as_deref(), Some("./charts/web"));
        assert_eq!(found[2].images[0].image.digest, "sha256:1");
    }

    #[test]
    fn merges_like_each_controller() {
        let entry = |image| ImagesEntry {
            image,
            range: 0..0,
            fields: ImagesEntryFields::default(),
        };
        let own = vec![
            entry(image("web", "reg/web", "1", "")),
            entry(image("api", "", "2", "")),
        ];
        let deployer = |kind, images| DeployerImages {
            kind,
            name: None,
            document: 0,
            path: None,
            images,
            invalid: Vec::new(),
            chart_in_repository: false,
            overrides_values: false,
        };
        let overrides = vec![
            entry(image("web", "", "9", "")),
            entry(image("db", "", "5", "")),
        ];
        let names = |list: &[MergedEntry]| {
            list.iter()
                .map(|e| format!("{}={}:{}", e.image.name, e.image.new_name, e.image.new_tag))
                .collect::<Vec<_>>()
        };
        let argo = deployer(DeployerKind::ArgoCdApplication, overrides.clone());
        assert_eq!(
            names(&argo.merge_into(&own)),
            ["api=:2", "db=:5", "web=reg/web:9"]
        );
        assert_eq!(argo.merge_into(&own)[0].source, MergeSource::Own(1));
        assert_eq!(argo.merge_into(&own)[2].source, MergeSource::Deployer(0));
        let flux = deployer(DeployerKind::FluxKustomization, overrides.clone());
        assert_eq!(names(&flux.merge_into(&own)), ["web=:9", "api=:2", "db=:5"]);
        let helm = deployer(DeployerKind::FluxHelmRelease, overrides);
        assert_eq!(helm.merge_into(&own).len(), 4);

        // Duplicate names: each override updates the first entry of its name, in turn;
        // thousands of entries merge in linear time (it used to be quadratic).
        let own: Vec<ImagesEntry> = (0..20_000)
            .map(|i| entry(image(&format!("app{}", i % 10_000), "", "1", "")))
            .collect();
        let overrides: Vec<ImagesEntry> = (0..20_000)
            .map(|i| {
                entry(image(
                    &format!("app{}", i / 2 + 5_000),
                    "",
                    &i.to_string(),
                    "",
                ))
            })
            .collect();
        let flux = deployer(DeployerKind::FluxKustomization, overrides.clone()).merge_into(&own);
        assert_eq!(flux.len(), 25_000);
        assert_eq!(names(&flux[5_000..5_001]), ["app5000=:1"]);
        assert_eq!(flux[5_000].source, MergeSource::Deployer(1));
        assert_eq!(names(&flux[15_000..15_001]), ["app5000=:1"]);
        assert_eq!(flux[15_000].source, MergeSource::Own(15_000));
        assert_eq!(names(&flux[24_999..]), ["app14999=:19999"]);
        assert_eq!(flux[24_999].source, MergeSource::Deployer(19_999));
        let argo = deployer(DeployerKind::ArgoCdApplication, overrides).merge_into(&own);
        assert_eq!(argo.len(), 25_000);
    }

    #[test]
    fn cheap_test_needs_a_controller_api_version() {
        assert!(may_declare_deployer(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        ));
        assert!(may_declare_deployer(
            "kind: HelmRelease\n\"apiVersion\": \"helm.toolkit.fluxcd.io/v2\"\n"
        ));
        assert!(may_declare_deployer(
            "- {apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization}\n"
        ));
        // Annotations and labels that merely name the groups do not count.
        assert!(!may_declare_deployer(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n    kustomize.toolkit.fluxcd.io/reconcile: disabled\n"
        ));
    }
}
