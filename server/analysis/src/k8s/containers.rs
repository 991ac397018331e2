//! Finding the containers of every object in a document.

use super::kinds::{self, ContainerRole, Defaulting, KindMatch, Site};
use crate::text::{LineIndex, TextRange};
use crate::yaml::{contains_template_expression, Document, NodeId, YamlFile};

/// Objects nested in `kind: List` deeper than this are not visited.
const LIST_DEPTH_LIMIT: usize = 8;

/// The annotation that suppresses rules for an object or its pod template.
pub const IGNORE_ANNOTATION: &str = "gitops-ls.io/ignore";

/// A key/value pair of a container mapping.
#[derive(Debug, Clone)]
pub struct Field {
    /// Range of the key.
    pub key: TextRange,
    pub value: NodeId,
    /// Range of the value as written (an alias stays `*name`).
    pub value_range: TextRange,
    /// The scalar text, `None` when the value is a mapping or sequence.
    pub text: Option<String>,
    /// True for `~`, `null` or an empty value.
    pub is_null: bool,
    /// The value (or the node an alias points to) holds `{{`, `${` or `$(`.
    pub templated: bool,
    /// The entry is written in this mapping (not merged in with `<<`).
    pub own: bool,
}

/// The object a container belongs to.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    pub api_version: String,
    pub kind: String,
    pub name: Option<String>,
    pub defaulting: Defaulting,
}

impl ObjectInfo {
    /// `Deployment/web`, or just the kind for an unnamed object.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{}/{}", self.kind, name),
            None => self.kind.clone(),
        }
    }
}

/// A container (or an image volume, or a container template) found in a document.
#[derive(Debug, Clone)]
pub struct Container {
    pub document: usize,
    pub object: ObjectInfo,
    pub role: ContainerRole,
    /// The container's mapping node.
    pub mapping: NodeId,
    /// Dotted path from the object root, e.g. `spec.template.spec.containers[0]`.
    pub path: String,
    pub name: Option<Field>,
    pub image: Option<Field>,
    pub policy: Option<Field>,
    /// The template this container inherits unset fields from (Tekton
    /// `stepTemplate`, Argo `templateDefaults.container`).
    pub inherits_from: Option<Box<Container>>,
    /// Keys of this mapping may be hidden: it spans a line that held only a
    /// template action, or the document broke before the mapping ended.
    pub keys_may_be_hidden: bool,
    /// Rules named in the `gitops-ls.io/ignore` annotation of the object or
    /// its pod template.
    pub ignored_rules: Vec<String>,
}

impl Container {
    /// The container's `name`, if it is a plain scalar.
    pub fn display_name(&self) -> Option<&str> {
        self.name
            .as_ref()
            .and_then(|field| field.text.as_deref())
            .filter(|_| !self.name.as_ref().is_some_and(|f| f.templated))
    }

    /// The pull policy field in force: this container's own, else the one it
    /// inherits from its template.
    pub fn policy_in_force(&self) -> Option<(&Field, bool)> {
        if let Some(policy) = &self.policy {
            return Some((policy, false));
        }
        self.inherits_from
            .as_ref()
            .and_then(|template| template.policy.as_ref())
            .map(|policy| (policy, true))
    }

    /// The image field in force (own, else inherited from the template).
    pub fn image_in_force(&self) -> Option<&Field> {
        self.image.as_ref().or_else(|| {
            self.inherits_from
                .as_ref()
                .and_then(|template| template.image.as_ref())
        })
    }
}

struct Walker<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    file: &'a YamlFile,
    doc_index: usize,
    doc: &'a Document,
    out: Vec<Container>,
}

/// Every container of every object in the document.
pub fn find_containers(
    text: &str,
    lines: &LineIndex,
    file: &YamlFile,
    doc_index: usize,
) -> Vec<Container> {
    let doc = &file.documents[doc_index];
    let Some(root) = doc.root else {
        return Vec::new();
    };
    let mut walker = Walker {
        text,
        lines,
        file,
        doc_index,
        doc,
        out: Vec::new(),
    };
    walker.object(root, String::new(), 0);
    walker.out
}

/// Every node at a `[]`-path below `node`, with its dotted path.
fn nodes_at(doc: &Document, node: NodeId, prefix: &str, path: &str) -> Vec<(NodeId, String)> {
    let mut frontier = vec![(node, prefix.to_owned())];
    for segment in path.split('.') {
        let (key, each) = match segment.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (segment, false),
        };
        let mut next = Vec::new();
        for (node, at) in frontier {
            let Some(child) = doc.get(node, key) else {
                continue;
            };
            let child_path = join(&at, key);
            if each {
                for (i, &item) in doc.items(child).iter().enumerate() {
                    next.push((item, format!("{child_path}[{i}]")));
                }
            } else {
                next.push((child, child_path));
            }
        }
        frontier = next;
    }
    frontier
}

/// Pod specs found by shape below an object's `spec` no deeper than this many keys.
const SHAPE_DEPTH_LIMIT: usize = 8;

/// A pod spec found by its shape: `spec` (at `spec_path`) of the mapping `owner`.
struct ShapedPodSpec {
    owner: NodeId,
    spec: NodeId,
    spec_path: String,
}

/// The pod specs of an object of unknown kind, by shape: every `…spec` mapping below its
/// `spec` whose `containers` is a non-empty list of containers (mappings with a `name`
/// and an `image`): `spec.template.spec`, a CronJob's `spec.jobTemplate.spec.template.spec`,
/// Ray's `spec.headGroupSpec.template.spec`, `spec.podTemplate.spec`. The object's own
/// `spec` counts (a Pod) only when nothing below it does, so one object is never read as
/// both shapes.
fn shaped_pod_specs(doc: &Document, root: NodeId, prefix: &str) -> Vec<ShapedPodSpec> {
    let Some(spec) = doc.get(root, "spec") else {
        return Vec::new();
    };
    let spec_path = join(prefix, "spec");
    let mut found = Vec::new();
    // (node, its path, how many keys below the object's `spec`)
    let mut pending = vec![(spec, spec_path.clone(), 0)];
    while let Some((node, at, depth)) = pending.pop() {
        if depth >= SHAPE_DEPTH_LIMIT {
            continue;
        }
        let node = doc.resolve(node);
        if doc.is_sequence(node) {
            for (i, &item) in doc.items(node).iter().enumerate() {
                pending.push((item, format!("{at}[{i}]"), depth + 1));
            }
            continue;
        }
        for entry in doc.entries(node) {
            let Some(key) = doc.scalar(entry.key) else {
                continue;
            };
            let child = doc.resolve(entry.value);
            let child_path = join(&at, key);
            if key == "spec" && holds_containers(doc, child) {
                found.push(ShapedPodSpec {
                    owner: node,
                    spec: child,
                    spec_path: child_path,
                });
            } else if doc.is_mapping(child) || doc.is_sequence(child) {
                pending.push((child, child_path, depth + 1));
            }
        }
    }
    if found.is_empty() && holds_containers(doc, doc.resolve(spec)) {
        found.push(ShapedPodSpec {
            owner: root,
            spec: doc.resolve(spec),
            spec_path,
        });
    }
    found.sort_by(|a, b| a.spec_path.cmp(&b.spec_path));
    found
}

/// `containers` of `spec` is a non-empty list of mappings with a `name` and an `image`.
fn holds_containers(doc: &Document, spec: NodeId) -> bool {
    doc.get(spec, "containers").is_some_and(|list| {
        let items = doc.items(list);
        !items.is_empty()
            && items.iter().all(|&item| {
                let item = doc.resolve(item);
                doc.is_mapping(item)
                    && doc.get(item, "name").is_some()
                    && doc.get(item, "image").is_some()
            })
    })
}

/// An object that carries its content under `data` / `stringData` (a ConfigMap, a Secret
/// or the like): what it holds is data, never a pod template.
fn has_data(doc: &Document, root: NodeId) -> bool {
    doc.get(root, "data").is_some() || doc.get(root, "stringData").is_some()
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn split_rule_list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|rule| !rule.is_empty())
        .map(str::to_owned)
}

impl Walker<'_> {
    fn object(&mut self, root: NodeId, prefix: String, depth: usize) {
        let doc = self.doc;
        if !doc.is_mapping(root) {
            return;
        }
        let kind = doc.get_str(root, "kind").unwrap_or_default();
        let api_version = doc.get_str(root, "apiVersion").unwrap_or_default();
        if kind == "List" || kind.ends_with("List") && doc.get(root, "items").is_some() {
            if depth < LIST_DEPTH_LIMIT {
                for (item, path) in nodes_at(doc, root, &prefix, "items[]") {
                    self.object(item, path, depth + 1);
                }
            }
            return;
        }
        let written = |key: &str| {
            doc.get(root, key)
                .and_then(|n| doc.written_scalar(self.text, n))
        };
        let templated = |key: &str| written(key).is_some_and(contains_template_expression);
        let object = ObjectInfo {
            api_version: api_version.to_owned(),
            kind: written("kind").unwrap_or_default().to_owned(),
            name: doc
                .get_path(root, &["metadata", "name"])
                .and_then(|n| doc.written_scalar(self.text, n))
                .map(str::to_owned),
            defaulting: Defaulting::Controller,
        };
        let object_ignores = self.ignore_annotation(root);
        let api_version_templated = templated("apiVersion");
        let kind_templated = templated("kind");
        let matched = if kind_templated {
            // A Helm chart picks the kind from its values: only the shape tells.
            KindMatch::Unknown
        } else if api_version_templated {
            kinds::lookup_built_in_kind(kind)
        } else {
            kinds::lookup(api_version, kind)
        };
        let group = kinds::api_group(api_version);
        match matched {
            KindMatch::NotContainers => {}
            KindMatch::Known(spec) => {
                let object = ObjectInfo {
                    defaulting: spec.defaulting,
                    ..object
                };
                for site in spec.sites {
                    self.site(root, &prefix, *site, &object, &object_ignores);
                }
            }
            KindMatch::Unknown if group.is_empty() && !kind_templated && !api_version_templated => {
                // Core kinds we do not list (ConfigMap, Service, …) have no Pods.
            }
            KindMatch::Unknown if kinds::is_data_kind(kind) || has_data(doc, root) => {
                // Data is never a pod template, whatever it holds.
            }
            KindMatch::Unknown => {
                // A custom workload, a built-in with a new apiVersion or a templated kind:
                // a PodSpec owner when its spec holds pod specs (see `shaped_pod_specs`).
                let built_in =
                    kind_templated && (api_version_templated || kinds::is_built_in_group(group));
                let object = ObjectInfo {
                    defaulting: if built_in {
                        Defaulting::ApiServer
                    } else {
                        Defaulting::Controller
                    },
                    ..object
                };
                for found in shaped_pod_specs(doc, root, &prefix) {
                    let mut ignores = object_ignores.clone();
                    if found.owner != root {
                        ignores.extend(self.ignore_annotation(found.owner));
                    }
                    self.pod_spec(found.spec, &found.spec_path, &object, &ignores);
                }
            }
        }
    }

    /// Rules listed in the `gitops-ls.io/ignore` annotation of `owner`'s metadata.
    fn ignore_annotation(&self, owner: NodeId) -> Vec<String> {
        let doc = self.doc;
        doc.get_path(owner, &["metadata", "annotations"])
            .and_then(|annotations| doc.get_str(annotations, IGNORE_ANNOTATION))
            .map(|value| split_rule_list(value).collect())
            .unwrap_or_default()
    }

    fn pod_spec(&mut self, pod_spec: NodeId, at: &str, object: &ObjectInfo, ignores: &[String]) {
        let lists = [
            ("containers", ContainerRole::Container),
            ("initContainers", ContainerRole::InitContainer),
            ("ephemeralContainers", ContainerRole::EphemeralContainer),
        ];
        for (key, role) in lists {
            self.list(pod_spec, at, key, role, object, ignores, None);
        }
        let doc = self.doc;
        for (volume, volume_path) in nodes_at(doc, pod_spec, at, "volumes[]") {
            if let Some(image) = doc.get(volume, "image").filter(|&i| doc.is_mapping(i)) {
                let path = join(&volume_path, "image");
                let role = ContainerRole::ImageVolume;
                let c = self.container(image, path, role, object, ignores, None);
                self.out.push(c);
            }
        }
    }

    fn site(
        &mut self,
        root: NodeId,
        prefix: &str,
        site: Site,
        object: &ObjectInfo,
        object_ignores: &[String],
    ) {
        let doc = self.doc;
        match site {
            Site::PodSpec(path) => {
                // A PodSpec sits at `<template>.spec`; the template's own
                // metadata can carry the ignore annotation too.
                let owners = match path.rsplit_once('.') {
                    Some((template_path, "spec")) => nodes_at(doc, root, prefix, template_path),
                    _ => vec![(root, prefix.to_owned())],
                };
                let spec_key = path.rsplit_once('.').map_or(path, |(_, key)| key);
                for (owner, owner_path) in owners {
                    let Some(pod_spec) = doc.get(owner, spec_key) else {
                        continue;
                    };
                    let at = join(&owner_path, spec_key);
                    let mut ignores = object_ignores.to_vec();
                    if owner != root {
                        ignores.extend(self.ignore_annotation(owner));
                    }
                    self.pod_spec(pod_spec, &at, object, &ignores);
                }
            }
            Site::List(path, role) => {
                let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
                let parents = if parent.is_empty() {
                    vec![(root, prefix.to_owned())]
                } else {
                    nodes_at(doc, root, prefix, parent)
                };
                for (node, at) in parents {
                    self.list(node, &at, key, role, object, object_ignores, None);
                }
            }
            Site::Single(path, role) => {
                for (node, at) in nodes_at(doc, root, prefix, path) {
                    if doc.is_mapping(node) {
                        let c = self.container(node, at, role, object, object_ignores, None);
                        self.out.push(c);
                    }
                }
            }
            Site::TektonTaskSpec(path) => {
                for (task_spec, at) in nodes_at(doc, root, prefix, path) {
                    let template =
                        self.single(task_spec, &at, "stepTemplate", object, object_ignores);
                    let steps = ("steps", ContainerRole::Step);
                    self.list(
                        task_spec,
                        &at,
                        steps.0,
                        steps.1,
                        object,
                        object_ignores,
                        template,
                    );
                    let sidecars = ("sidecars", ContainerRole::Sidecar);
                    self.list(
                        task_spec,
                        &at,
                        sidecars.0,
                        sidecars.1,
                        object,
                        object_ignores,
                        None,
                    );
                }
            }
            Site::WorkflowSpec(path) => {
                for (spec, at) in nodes_at(doc, root, prefix, path) {
                    let defaults_path = join(&at, "templateDefaults");
                    let defaults = doc.get(spec, "templateDefaults");
                    let mut default_container = None;
                    if let Some(defaults) = defaults {
                        for key in ["container", "script"] {
                            let template =
                                self.single(defaults, &defaults_path, key, object, object_ignores);
                            default_container = default_container.or(template);
                        }
                        for (key, role) in [
                            ("initContainers", ContainerRole::InitContainer),
                            ("sidecars", ContainerRole::Sidecar),
                        ] {
                            self.list(
                                defaults,
                                &defaults_path,
                                key,
                                role,
                                object,
                                object_ignores,
                                None,
                            );
                        }
                    }
                    for (template, template_path) in nodes_at(doc, spec, &at, "templates[]") {
                        for key in ["container", "script"] {
                            if let Some(node) = doc.get(template, key) {
                                if doc.is_mapping(node) {
                                    let c = self.container(
                                        node,
                                        join(&template_path, key),
                                        ContainerRole::WorkflowContainer,
                                        object,
                                        object_ignores,
                                        default_container.clone(),
                                    );
                                    self.out.push(c);
                                }
                            }
                        }
                        for (key, role) in [
                            ("initContainers", ContainerRole::InitContainer),
                            ("sidecars", ContainerRole::Sidecar),
                        ] {
                            self.list(
                                template,
                                &template_path,
                                key,
                                role,
                                object,
                                object_ignores,
                                None,
                            );
                        }
                        if let Some(set) = doc.get(template, "containerSet") {
                            let set_path = join(&template_path, "containerSet");
                            let role = ContainerRole::Container;
                            self.list(
                                set,
                                &set_path,
                                "containers",
                                role,
                                object,
                                object_ignores,
                                None,
                            );
                        }
                    }
                }
            }
        }
    }

    /// A single template container at `key`, recorded and returned so that
    /// the containers inheriting from it can point at it.
    fn single(
        &mut self,
        parent: NodeId,
        at: &str,
        key: &str,
        object: &ObjectInfo,
        ignores: &[String],
    ) -> Option<Box<Container>> {
        let node = self.doc.get(parent, key)?;
        if !self.doc.is_mapping(node) {
            return None;
        }
        let role = ContainerRole::Template;
        let c = self.container(node, join(at, key), role, object, ignores, None);
        self.out.push(c.clone());
        Some(Box::new(c))
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &mut self,
        parent: NodeId,
        at: &str,
        key: &str,
        role: ContainerRole,
        object: &ObjectInfo,
        ignores: &[String],
        template: Option<Box<Container>>,
    ) {
        let doc = self.doc;
        let Some(list) = doc.get(parent, key) else {
            return;
        };
        let list_path = join(at, key);
        for (i, &item) in doc.items(list).iter().enumerate() {
            if doc.is_mapping(item) {
                let path = format!("{list_path}[{i}]");
                let c = self.container(item, path, role, object, ignores, template.clone());
                self.out.push(c);
            }
        }
    }

    fn container(
        &self,
        mapping: NodeId,
        path: String,
        role: ContainerRole,
        object: &ObjectInfo,
        ignores: &[String],
        inherits_from: Option<Box<Container>>,
    ) -> Container {
        let doc = self.doc;
        let mapping = doc.resolve(mapping);
        let (image_key, policy_key) = role.keys();
        let node = doc.node(mapping);
        let action_lines = &self.file.template_action_lines;
        let spans_action_line = !action_lines.is_empty() && {
            let first_line = self.lines.line_of(node.span.start);
            // A template line right after the mapping may still add keys to it.
            let last_line = self.lines.line_of(node.span.end) + 1;
            // Sorted: look at the first action line from `first_line` on.
            let next = action_lines.partition_point(|&line| line < first_line);
            action_lines
                .get(next)
                .is_some_and(|&line| line <= last_line)
        };
        Container {
            document: self.doc_index,
            object: object.clone(),
            role,
            mapping,
            path,
            name: self.field(mapping, "name"),
            image: self.field(mapping, image_key),
            policy: self.field(mapping, policy_key),
            inherits_from,
            keys_may_be_hidden: spans_action_line || !node.complete,
            ignored_rules: ignores.to_vec(),
        }
    }

    fn field(&self, mapping: NodeId, key: &str) -> Option<Field> {
        let doc = self.doc;
        let entry = doc.get_entry(mapping, key)?;
        let target = doc.resolve(entry.value);
        let source = self
            .text
            .get(doc.node(target).span.clone())
            .unwrap_or_default();
        Some(Field {
            key: doc.node(entry.key).span.clone(),
            value: entry.value,
            value_range: doc.node(entry.value).span.clone(),
            text: doc
                .written_scalar(self.text, entry.value)
                .map(str::to_owned),
            is_null: doc.is_null(entry.value),
            templated: contains_template_expression(source),
            own: doc.owns_entry(mapping, entry),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::k8s::Defaulting;

    /// (object label, container path, image as written) of every container in `text`.
    fn found(text: &str) -> Vec<(String, String, String)> {
        crate::analyze(text, &crate::Config::default())
            .containers
            .iter()
            .map(|facts| {
                let c = &facts.container;
                let image = facts.image_text().unwrap_or_default().to_owned();
                (c.object.label(), c.path.clone(), image)
            })
            .collect()
    }

    fn owned(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        expected
            .iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
            .collect()
    }

    #[test]
    fn a_templated_kind_is_read_by_its_shape() {
        let statefulset = "apiVersion: {{ include \"common.capabilities.statefulset.apiVersion\" . }}\nkind: {{ .Values.master.kind }}\nmetadata:\n  name: {{ printf \"%s-master\" (include \"common.names.fullname\" .) }}\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        image: busybox\n      containers:\n      - name: redis\n        image: {{ include \"redis.image\" . }}\n";
        assert_eq!(
            found(statefulset),
            owned(&[
                (
                    "{{ .Values.master.kind }}/{{ printf \"%s-master\" (include \"common.names.fullname\" .) }}",
                    "spec.template.spec.containers[0]",
                    "{{ include \"redis.image\" . }}"
                ),
                (
                    "{{ .Values.master.kind }}/{{ printf \"%s-master\" (include \"common.names.fullname\" .) }}",
                    "spec.template.spec.initContainers[0]",
                    "busybox"
                ),
            ])
        );
        let analysis = crate::analyze(statefulset, &crate::Config::default());
        assert_eq!(
            analysis.containers[0].container.object.defaulting,
            Defaulting::ApiServer
        );
        let cronjob = "apiVersion: batch/v1\nkind: '{{ ternary \"CronJob\" \"Job\" .Values.cron }}'\nmetadata: {name: backup}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: backup\n            image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n";
        assert_eq!(
            found(cronjob),
            owned(&[(
                "{{ ternary \"CronJob\" \"Job\" .Values.cron }}/backup",
                "spec.jobTemplate.spec.template.spec.containers[0]",
                "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
            )])
        );
        // The bare Pod shape, when nothing deeper is a pod spec.
        let pod = "apiVersion: v1\nkind: {{ .Values.kind }}\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.25\n";
        assert_eq!(
            found(pod),
            owned(&[("{{ .Values.kind }}/p", "spec.containers[0]", "nginx:1.25")])
        );
    }

    #[test]
    fn custom_kinds_are_read_by_the_shape_of_their_pod_specs() {
        let ray = "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: ray}\nspec:\n  headGroupSpec:\n    template:\n      spec:\n        containers:\n        - name: head\n          image: rayproject/ray:2.9.0\n  workerGroupSpecs:\n  - groupName: small\n    template:\n      spec:\n        containers:\n        - name: worker\n          image: rayproject/ray:2.9.0-gpu\n        initContainers:\n        - name: wait\n          image: busybox:1.36\n";
        assert_eq!(
            found(ray),
            owned(&[
                (
                    "RayCluster/ray",
                    "spec.headGroupSpec.template.spec.containers[0]",
                    "rayproject/ray:2.9.0"
                ),
                (
                    "RayCluster/ray",
                    "spec.workerGroupSpecs[0].template.spec.containers[0]",
                    "rayproject/ray:2.9.0-gpu"
                ),
                (
                    "RayCluster/ray",
                    "spec.workerGroupSpecs[0].template.spec.initContainers[0]",
                    "busybox:1.36"
                ),
            ])
        );
        let pod_template = "apiVersion: example.com/v1\nkind: Worker\nmetadata: {name: w}\nspec:\n  podTemplate:\n    spec:\n      containers:\n      - name: w\n        image: example/worker:1\n";
        assert_eq!(
            found(pod_template),
            owned(&[(
                "Worker/w",
                "spec.podTemplate.spec.containers[0]",
                "example/worker:1"
            )])
        );
        // Not containers: no name, or data.
        for quiet in [
            "apiVersion: example.com/v1\nkind: Worker\nmetadata: {name: w}\nspec:\n  podTemplate:\n    spec:\n      containers:\n      - image: example/worker:1\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  spec: {containers: [{name: a, image: nginx}]}\n",
            "apiVersion: example.com/v1\nkind: Settings\nmetadata: {name: s}\ndata: {}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: nginx\n",
            "apiVersion: v1\nkind: {{ .Values.kind }}\nmetadata: {name: c}\ndata:\n  a: b\nspec:\n  containers:\n  - name: a\n    image: nginx\n",
        ] {
            assert_eq!(found(quiet), owned(&[]), "{quiet}");
        }
    }
}
