//! The image fields kustomize's image transformer reaches in a manifest (spec §6 "Where it
//! applies"), found the way kustomize finds them: by key names and field paths, whatever
//! the kind, so custom resources and unknown kinds are covered exactly as kustomize does.

use super::chain::RewriteSite;
use crate::image::PullPolicy;
use crate::k8s::{EffectivePolicy, UnknownPolicy};
use crate::text::TextRange;
use crate::yaml::{contains_template_expression, Document, NodeId, YamlFile};

/// Objects nested in `kind: List` deeper than this are not visited.
const LIST_DEPTH_LIMIT: usize = 8;
/// Nodes visited per object while looking for `containers` keys; an alias bomb stops here.
const WALK_BUDGET: usize = 200_000;

/// The default field specs of the transformer, relative to an object, as list paths.
const FIELD_SPEC_LISTS: [&str; 4] = [
    "spec.containers",
    "spec.initContainers",
    "spec.template.spec.containers",
    "spec.template.spec.initContainers",
];
/// The image-volume field specs (`<list>[]/image/reference`).
const FIELD_SPEC_VOLUMES: [&str; 2] = ["spec.volumes", "spec.template.spec.volumes"];

/// One image field the transformer may rewrite.
#[derive(Debug, Clone)]
pub struct ImageField {
    pub document: usize,
    /// `Deployment/web`.
    pub object: String,
    /// Dotted path of the container mapping (for an image volume, of its `image` mapping),
    /// as [`crate::k8s::Container::path`] writes it: `spec.template.spec.containers[0]`.
    pub path: String,
    /// The container's `name` (the volume's `name` for an image volume).
    pub name: Option<String>,
    /// The image as written and its range.
    pub image: String,
    pub image_range: TextRange,
    /// The pull policy as written; `None` when omitted, so the API server defaults it.
    pub written_policy: Option<EffectivePolicy>,
    /// Which of the transformer's filters reach the field.
    pub site: RewriteSite,
}

/// Every image field with a plain (non-templated) string value in `text`.
pub fn image_fields(text: &str, file: &YamlFile) -> Vec<ImageField> {
    let mut out = Vec::new();
    for (index, doc) in file.documents.iter().enumerate() {
        if let Some(root) = doc.root {
            let mut finder = Finder {
                text,
                doc,
                document: index,
                out: &mut out,
            };
            finder.object(root, "", 0);
        }
    }
    out.sort_by_key(|field| (field.document, field.image_range.start));
    out
}

struct Finder<'a> {
    text: &'a str,
    doc: &'a Document,
    document: usize,
    out: &'a mut Vec<ImageField>,
}

impl Finder<'_> {
    fn object(&mut self, root: NodeId, prefix: &str, depth: usize) {
        let doc = self.doc;
        if !doc.is_mapping(root) {
            return;
        }
        let kind = doc.get_str(root, "kind").unwrap_or_default();
        // kustomize reads the items of a List as separate resources.
        if let Some(items) = doc.get(root, "items").filter(|_| kind.ends_with("List")) {
            if depth < LIST_DEPTH_LIMIT {
                for (i, &item) in doc.items(items).iter().enumerate() {
                    self.object(item, &format!("{prefix}items[{i}]."), depth + 1);
                }
            }
            return;
        }
        let name = doc
            .get_path(root, &["metadata", "name"])
            .and_then(|n| doc.scalar(n));
        let object = match name {
            Some(name) => format!("{kind}/{name}"),
            None => kind.to_owned(),
        };
        let first = self.out.len();
        if kind != "CustomResourceDefinition" {
            self.legacy_walk(root, prefix, &object);
        }
        for list_path in FIELD_SPEC_LISTS {
            self.field_spec_list(root, prefix, &object, list_path, first);
        }
        for volumes_path in FIELD_SPEC_VOLUMES {
            self.field_spec_volumes(root, prefix, &object, volumes_path);
        }
    }

    /// `LegacyFilter`: every `containers` / `initContainers` key at any depth.
    fn legacy_walk(&mut self, root: NodeId, prefix: &str, object: &str) {
        let doc = self.doc;
        let mut pending = vec![(root, prefix.trim_end_matches('.').to_owned())];
        let mut budget = WALK_BUDGET;
        while let Some((node, path)) = pending.pop() {
            if budget == 0 {
                return;
            }
            budget -= 1;
            let join = |key: &str| {
                if path.is_empty() {
                    key.to_owned()
                } else {
                    format!("{path}.{key}")
                }
            };
            let mut found = Vec::new();
            for entry in doc.entries(node) {
                let Some(key) = doc.scalar(entry.key) else {
                    continue;
                };
                let key_path = join(key);
                if matches!(key, "containers" | "initContainers") && doc.is_sequence(entry.value) {
                    found.push((entry.value, key_path.clone()));
                }
                pending.push((entry.value, key_path));
            }
            for (i, &item) in doc.items(node).iter().enumerate() {
                pending.push((item, format!("{path}[{i}]")));
            }
            for (list, list_path) in found {
                for (i, &item) in doc.items(list).iter().enumerate() {
                    let site = RewriteSite {
                        legacy: true,
                        field_spec: false,
                    };
                    self.record(item, format!("{list_path}[{i}]"), object, site, "image");
                }
            }
        }
    }

    /// A field spec `<list_path>[]/image`: marks the fields the legacy walk found, or adds
    /// them (in a CustomResourceDefinition the legacy walk does not run).
    fn field_spec_list(
        &mut self,
        root: NodeId,
        prefix: &str,
        object: &str,
        list_path: &str,
        first: usize,
    ) {
        let doc = self.doc;
        let keys: Vec<&str> = list_path.split('.').collect();
        let Some(list) = doc.get_path(root, &keys) else {
            return;
        };
        for (i, &item) in doc.items(list).iter().enumerate() {
            let path = format!("{prefix}{list_path}[{i}]");
            match self.out[first..]
                .iter_mut()
                .find(|field| field.path == path)
            {
                Some(field) => field.site.field_spec = true,
                None => {
                    let site = RewriteSite {
                        legacy: false,
                        field_spec: true,
                    };
                    self.record(item, path, object, site, "image");
                }
            }
        }
    }

    /// A field spec `<volumes_path>[]/image/reference` (KEP-4639 image volumes).
    fn field_spec_volumes(&mut self, root: NodeId, prefix: &str, object: &str, volumes_path: &str) {
        let doc = self.doc;
        let keys: Vec<&str> = volumes_path.split('.').collect();
        let Some(volumes) = doc.get_path(root, &keys) else {
            return;
        };
        for (i, &volume) in doc.items(volumes).iter().enumerate() {
            let Some(image) = doc
                .get(volume, "image")
                .filter(|&image| doc.is_mapping(image))
            else {
                continue;
            };
            let site = RewriteSite {
                legacy: false,
                field_spec: true,
            };
            let path = format!("{prefix}{volumes_path}[{i}].image");
            let before = self.out.len();
            self.record(image, path, object, site, "reference");
            let volume_name = self.plain_str(volume, "name");
            if let Some(field) = self.out.get_mut(before) {
                field.name = volume_name;
            }
        }
    }

    /// Records `mapping[image_key]` when it is a plain string.
    fn record(
        &mut self,
        mapping: NodeId,
        path: String,
        object: &str,
        site: RewriteSite,
        image_key: &str,
    ) {
        let doc = self.doc;
        let Some(image_node) = doc.get(mapping, image_key) else {
            return;
        };
        let Some(image) = doc.scalar(image_node).filter(|_| !doc.is_null(image_node)) else {
            return;
        };
        let image_range = doc.node(image_node).span.clone();
        if self.is_templated(image_node) {
            return;
        }
        let policy_key = if image_key == "reference" {
            "pullPolicy"
        } else {
            "imagePullPolicy"
        };
        self.out.push(ImageField {
            document: self.document,
            object: object.to_owned(),
            path,
            name: self.plain_str(mapping, "name"),
            image: image.to_owned(),
            image_range,
            written_policy: self.written_policy(mapping, policy_key),
            site,
        });
    }

    /// A scalar at `key` that is not a template expression.
    fn plain_str(&self, mapping: NodeId, key: &str) -> Option<String> {
        let node = self.doc.get(mapping, key)?;
        let value = self.doc.scalar(node)?;
        (!self.is_templated(node)).then(|| value.to_owned())
    }

    fn is_templated(&self, node: NodeId) -> bool {
        let span = self.doc.node(self.doc.resolve(node)).span.clone();
        self.text
            .get(span)
            .is_some_and(contains_template_expression)
    }

    fn written_policy(&self, mapping: NodeId, key: &str) -> Option<EffectivePolicy> {
        let doc = self.doc;
        let node = doc.get(mapping, key)?;
        if self.is_templated(node) {
            return Some(EffectivePolicy::Unknown(UnknownPolicy::TemplatedPolicy));
        }
        // `null` and "" decode to "", which the API server defaults.
        let written = doc
            .scalar(node)
            .filter(|v| !v.is_empty() && !doc.is_null(node))?;
        Some(match PullPolicy::parse_exact(written) {
            Some(policy) => EffectivePolicy::Explicit {
                policy,
                inherited: false,
            },
            None => EffectivePolicy::Unknown(UnknownPolicy::InvalidPolicy(written.to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(text: &str) -> Vec<(String, RewriteSite)> {
        image_fields(text, &YamlFile::parse(text))
            .into_iter()
            .map(|field| (field.path, field.site))
            .collect()
    }

    #[test]
    fn sites_follow_the_two_filters() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers: [{name: a, image: x, imagePullPolicy: Always}]
      initContainers: [{name: b, image: x}]
      ephemeralContainers: [{name: c, image: x}]
      volumes: [{name: v, image: {reference: x}}]
---
apiVersion: batch/v1
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: a, image: x}]
          volumes: [{name: v, image: {reference: x}}]
---
apiVersion: tekton.dev/v1
kind: Task
spec:
  steps: [{name: s, image: x}]
---
apiVersion: config/v1
kind: MyKind
spec:
  containers: [{image: docker}]
  deep: {containers: [{image: y}, not-a-mapping]}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  containers: [{image: z}]
  nested: {containers: [{image: z}]}
---
kind: List
items:
  - kind: Pod
    spec: {containers: [{image: \"{{ .Values.x }}\"}, {image: p}]}
";
        assert_eq!(
            sites(text),
            [
                (
                    "spec.template.spec.containers[0]".to_owned(),
                    RewriteSite::BOTH
                ),
                (
                    "spec.template.spec.initContainers[0]".to_owned(),
                    RewriteSite::BOTH
                ),
                (
                    "spec.template.spec.volumes[0].image".to_owned(),
                    RewriteSite::FIELD_SPEC
                ),
                (
                    "spec.jobTemplate.spec.template.spec.containers[0]".to_owned(),
                    RewriteSite::LEGACY
                ),
                ("spec.containers[0]".to_owned(), RewriteSite::BOTH),
                ("spec.deep.containers[0]".to_owned(), RewriteSite::LEGACY),
                ("spec.containers[0]".to_owned(), RewriteSite::FIELD_SPEC),
                ("items[0].spec.containers[1]".to_owned(), RewriteSite::BOTH),
            ]
        );
        let fields = image_fields(text, &YamlFile::parse(text));
        assert_eq!(
            fields[0].written_policy,
            Some(EffectivePolicy::Explicit {
                policy: PullPolicy::Always,
                inherited: false
            })
        );
        assert_eq!(fields[2].name.as_deref(), Some("v"));
        assert_eq!(fields[1].object, "Deployment");
    }
}
