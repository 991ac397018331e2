//! Argo CD Applications and Flux HelmReleases that render a chart kept in the repository
//! with values of their own: what each deploys from the chart's templates.
//!
//! Argo CD merges, lowest precedence first, the chart's `values.yaml`, `helm.valueFiles`
//! (relative to the source path, in order), `helm.values`, `helm.valuesObject` and
//! `helm.parameters` (as `--set`, or `--set-string` with `forceString`). Flux merges
//! `spec.values` over the chart's values (after `valuesFrom`, which lives in the
//! cluster). These follow the controllers' documentation; the spec does not cover them.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::deployers::{object_heads, DeployerKind, ObjectHead};
use super::helm::{ChartContext, ValuesLayer};
use super::workspace::{normalize, FileSource, WorkspaceIndex};
use crate::text::TextRange;
use crate::yaml::{double_quoted, Document, NodeId, YamlFile};

/// One object rendering a chart of the repository with its own values.
#[derive(Debug, Clone)]
pub struct HelmSource {
    pub kind: DeployerKind,
    /// `metadata.name`.
    pub name: Option<String>,
    /// The YAML document of its file.
    pub document: usize,
    /// The chart directory as written: Argo CD `source.path`, or the HelmRelease's
    /// `spec.chart.spec.chart` (relative to the repository root).
    pub path: String,
    /// What the object sets over `values.yaml`, lowest precedence first.
    pub values: Vec<ValuesSource>,
    /// Settings that change the values but are not applied here, as written.
    pub not_applied: Vec<String>,
    /// Where the values are set: the Argo CD `helm` key, or the HelmRelease's `values` (else
    /// `spec`) key.
    pub range: TextRange,
}

/// One set of values an object merges over the chart's.
#[derive(Debug, Clone)]
pub enum ValuesSource {
    /// A values file, relative to the chart directory.
    File(String),
    /// Values written in the object (`helm.values`, `valuesObject`, `parameters`,
    /// `spec.values`); the label says which.
    Inline {
        label: &'static str,
        layer: ValuesLayer,
    },
}

/// The Argo CD Helm sources and Flux HelmReleases (with a chart from a GitRepository or
/// Bucket) of a YAML file that set values.
pub fn find_helm_sources(file: &YamlFile) -> Vec<HelmSource> {
    let mut out = Vec::new();
    // Inline values point into one shared copy of the file, made only when needed.
    let shared: OnceCell<Arc<YamlFile>> = OnceCell::new();
    let shared = || shared.get_or_init(|| Arc::new(file.clone()));
    for ObjectHead {
        index,
        doc,
        root,
        group,
        kind,
        name,
    } in object_heads(file)
    {
        let Some(spec) = doc.get(root, "spec") else {
            continue;
        };
        match (group, kind) {
            ("argoproj.io", "Application") => {
                let single = doc.get(spec, "source").into_iter();
                let many = doc.get(spec, "sources").map(|s| doc.items(s).to_vec());
                for source in single.chain(many.unwrap_or_default()) {
                    let (Some(path), Some(helm)) =
                        (doc.get_str(source, "path"), doc.get_entry(source, "helm"))
                    else {
                        continue;
                    };
                    let (helm, range) = (helm.value, doc.node(helm.key).span.clone());
                    if doc.get(source, "chart").is_some() {
                        continue;
                    }
                    let mut found = HelmSource {
                        kind: DeployerKind::ArgoCdApplication,
                        name: name.clone(),
                        document: index,
                        path: path.to_owned(),
                        values: Vec::new(),
                        not_applied: Vec::new(),
                        range,
                    };
                    argocd_values(shared, index, doc, helm, &mut found);
                    if !found.values.is_empty() || !found.not_applied.is_empty() {
                        out.push(found);
                    }
                }
            }
            ("helm.toolkit.fluxcd.io", "HelmRelease") => {
                let chart = doc.get_path(spec, &["chart", "spec", "chart"]);
                let source_kind = doc.get_path(spec, &["chart", "spec", "sourceRef", "kind"]);
                let in_repository = matches!(
                    source_kind.and_then(|kind| doc.scalar(kind)),
                    Some("GitRepository" | "Bucket")
                );
                let Some(path) = chart.and_then(|c| doc.scalar(c)).filter(|_| in_repository) else {
                    continue;
                };
                let mut found = HelmSource {
                    kind: DeployerKind::FluxHelmRelease,
                    name: name.clone(),
                    document: index,
                    path: path.to_owned(),
                    values: Vec::new(),
                    not_applied: Vec::new(),
                    range: doc
                        .get_entry(spec, "values")
                        .or_else(|| doc.get_entry(root, "spec"))
                        .map(|entry| doc.node(entry.key).span.clone())
                        .unwrap_or_default(),
                };
                for field in ["valuesFrom", "chart.spec.valuesFiles"] {
                    let keys: Vec<&str> = field.split('.').collect();
                    if doc.get_path(spec, &keys).is_some() {
                        found.not_applied.push(format!("spec.{field}"));
                    }
                }
                if let Some(values) = doc.get(spec, "values").filter(|&v| doc.is_mapping(v)) {
                    found.values.push(ValuesSource::Inline {
                        label: "spec.values",
                        layer: ValuesLayer::from_node(shared(), index, values),
                    });
                }
                if !found.values.is_empty() || !found.not_applied.is_empty() {
                    out.push(found);
                }
            }
            _ => {}
        }
    }
    out
}

/// `helm.valueFiles`, `values`, `valuesObject` and `parameters` of an Argo CD source.
fn argocd_values<'a>(
    file: impl Fn() -> &'a Arc<YamlFile>,
    document: usize,
    doc: &Document,
    helm: NodeId,
    found: &mut HelmSource,
) {
    for &item in doc
        .get(helm, "valueFiles")
        .map_or(&[][..], |v| doc.items(v))
    {
        match doc.scalar(item).map(str::trim) {
            // `$ref/…` reads another source of the Application; a URL is fetched.
            Some(path) if path.starts_with('$') || path.contains("://") => {
                found.not_applied.push(format!("valueFiles: {path}"));
            }
            Some(path) if !path.is_empty() => found.values.push(ValuesSource::File(path.into())),
            _ => {}
        }
    }
    if let Some(text) = doc.get_str(helm, "values").filter(|t| !t.trim().is_empty()) {
        found.values.push(ValuesSource::Inline {
            label: "helm.values",
            layer: ValuesLayer::from_text(text),
        });
    }
    if let Some(object) = doc.get(helm, "valuesObject").filter(|&v| doc.is_mapping(v)) {
        found.values.push(ValuesSource::Inline {
            label: "helm.valuesObject",
            layer: ValuesLayer::from_node(file(), document, object),
        });
    }
    let mut set = SetValues::default();
    for &parameter in doc
        .get(helm, "parameters")
        .map_or(&[][..], |p| doc.items(p))
    {
        let Some(name) = doc.get_str(parameter, "name") else {
            continue;
        };
        let value = doc.get_str(parameter, "value").unwrap_or_default();
        let force_string = doc
            .get_str(parameter, "forceString")
            .is_some_and(|f| f == "true");
        if !set.insert(name, value, force_string) {
            found.not_applied.push(format!("parameters: {name}"));
        }
    }
    if !set.is_empty() {
        found.values.push(ValuesSource::Inline {
            label: "helm.parameters",
            layer: ValuesLayer::from_text(&set.to_yaml()),
        });
    }
    if doc.get(helm, "fileParameters").is_some() {
        found.not_applied.push("fileParameters".into());
    }
}

/// Deeper parameter names are not followed: the YAML written for them nests one level per
/// key, and no chart reads values that deep.
const MAX_SET_DEPTH: usize = 64;

/// `--set name=value` pairs as a nested mapping, typed as Helm's `strvals` types them.
#[derive(Debug, Default)]
struct SetValues(BTreeMap<String, SetNode>);

#[derive(Debug)]
enum SetNode {
    /// The value as a YAML scalar (quoted unless `strvals` makes it a bool, int or null).
    Scalar(String),
    Map(BTreeMap<String, SetNode>),
}

impl SetValues {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records one parameter; `false` for names this model does not follow (list indexes,
    /// escaped dots or commas, empty keys).
    fn insert(&mut self, name: &str, value: &str, force_string: bool) -> bool {
        if name.contains(['[', ']', '\\', ',', '=']) {
            return false;
        }
        let keys: Vec<&str> = name.split('.').collect();
        if keys.iter().any(|key| key.is_empty()) || keys.len() > MAX_SET_DEPTH {
            return false;
        }
        let scalar = if force_string {
            double_quoted(value)
        } else {
            typed(value)
        };
        let mut map = &mut self.0;
        for key in &keys[..keys.len() - 1] {
            let node = map
                .entry((*key).to_owned())
                .or_insert_with(|| SetNode::Map(BTreeMap::new()));
            if let SetNode::Scalar(_) = node {
                *node = SetNode::Map(BTreeMap::new());
            }
            let SetNode::Map(inner) = node else {
                unreachable!("a map was just put there")
            };
            map = inner;
        }
        map.insert(keys[keys.len() - 1].to_owned(), SetNode::Scalar(scalar));
        true
    }

    fn to_yaml(&self) -> String {
        fn write(out: &mut String, map: &BTreeMap<String, SetNode>, indent: usize) {
            for (key, node) in map {
                out.push_str(&" ".repeat(indent));
                out.push_str(&double_quoted(key));
                match node {
                    SetNode::Scalar(value) => {
                        out.push_str(": ");
                        out.push_str(value);
                        out.push('\n');
                    }
                    SetNode::Map(inner) => {
                        out.push_str(":\n");
                        write(out, inner, indent + 2);
                    }
                }
            }
        }
        let mut out = String::new();
        write(&mut out, &self.0, 0);
        out
    }
}

/// `strvals` typing: `true`/`false`, `null`, and integers without a leading zero keep their
/// type; everything else is a string.
fn typed(value: &str) -> String {
    let integer = {
        let digits = value.strip_prefix('-').unwrap_or(value);
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && value.parse::<i64>().is_ok()
    };
    match value {
        "true" | "false" | "null" => value.to_owned(),
        _ if integer => value.to_owned(),
        _ => double_quoted(value),
    }
}

impl WorkspaceIndex {
    /// The objects that render the chart in `chart_dir` with values of their own, with
    /// the files that hold them.
    pub fn helm_sources_of(&self, chart_dir: &Path) -> Vec<(&Path, &HelmSource)> {
        let chart_dir = normalize(chart_dir);
        let mut out: Vec<(&Path, &HelmSource)> = self
            .all_helm_sources()
            .filter(|(_, found)| self.deployer_dir(&found.path).as_ref() == Some(&chart_dir))
            .collect();
        out.sort_by_key(|(file, found)| (*file, found.document));
        out
    }
}

/// The chart in `chart_dir` (loaded as `chart`) as `found` renders it: `values.yaml` with
/// the object's values merged over it, and what could not be applied (value files that
/// cannot be read included).
pub fn chart_for_source(
    chart: &ChartContext,
    chart_dir: &Path,
    found: &HelmSource,
    source: &dyn FileSource,
) -> (ChartContext, Vec<String>) {
    let mut not_applied = found.not_applied.clone();
    let mut layers = Vec::new();
    for values in &found.values {
        match values {
            ValuesSource::File(path) => {
                let file: PathBuf = normalize(&chart_dir.join(path));
                match source.read(&file) {
                    Some(text) => layers.push(ValuesLayer::from_text(&text)),
                    None => not_applied.push(format!("valueFiles: {path} (not found)")),
                }
            }
            ValuesSource::Inline { layer, .. } => layers.push(layer.clone()),
        }
    }
    (chart.clone().with_overrides(layers), not_applied)
}

impl HelmSource {
    /// `values-prod.yaml, helm.parameters`: what the object sets, for messages.
    pub fn values_label(&self) -> String {
        let parts: Vec<&str> = self
            .values
            .iter()
            .map(|values| match values {
                ValuesSource::File(path) => path.as_str(),
                ValuesSource::Inline { label, .. } => label,
            })
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::gitops::helm::{helm_images, HelmValue};

    const TEMPLATE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
";

    fn repo(extra: &[(&str, &str)]) -> HashMap<PathBuf, String> {
        [
            (
                "/r/charts/web/Chart.yaml",
                "name: web\nappVersion: \"1.16.0\"\n",
            ),
            (
                "/r/charts/web/values.yaml",
                "image:\n  repository: nginx\n  pullPolicy: \"\"\n  tag: \"\"\n",
            ),
            ("/r/charts/web/templates/deployment.yaml", TEMPLATE),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
        .collect()
    }

    /// `(object name, rendered image, policy)` for each object rendering the chart.
    fn rendered(files: &HashMap<PathBuf, String>) -> Vec<(String, String, String, Vec<String>)> {
        let mut index = WorkspaceIndex::build("/r", files.keys().cloned(), files);
        index.scan_deployers(files);
        let chart = Path::new("/r/charts/web");
        index
            .helm_sources_of(chart)
            .into_iter()
            .map(|(_, found)| {
                let values = ChartContext::load(chart, files);
                let (context, not_applied) = chart_for_source(&values, chart, found, files);
                let image = &helm_images(TEMPLATE, &context)[0];
                let HelmValue::Resolved {
                    value: Some(value), ..
                } = &image.image
                else {
                    panic!("{image:?}");
                };
                let policy = image.policy.policy().map(|p| p.as_str().to_owned());
                (
                    found.name.clone().unwrap_or_default(),
                    value.clone(),
                    policy.unwrap_or_default(),
                    not_applied,
                )
            })
            .collect()
    }

    #[test]
    fn argocd_value_files_values_object_and_parameters_in_precedence_order() {
        let app = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web-prod}
spec:
  source:
    repoURL: https://git.example.com/apps.git
    path: charts/web
    helm:
      valueFiles: [values-prod.yaml, $values/env/prod.yaml]
      values: |
        image:
          repository: mirror/nginx
      valuesObject:
        image: {pullPolicy: Always}
      parameters:
        - {name: image.tag, value: \"1.27\"}
        - {name: 'containers[0].image', value: x}
      fileParameters: [{name: cfg, path: cfg.txt}]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web-dev}
spec:
  source:
    path: charts/web
    helm:
      parameters: [{name: image.tag, value: latest}]
";
        let files = repo(&[
            ("/r/apps/web.yaml", app),
            (
                "/r/charts/web/values-prod.yaml",
                "image: {tag: \"1.25\", repository: reg/nginx}\n",
            ),
        ]);
        let found = rendered(&files);
        assert_eq!(found.len(), 2, "{found:#?}");
        // In document order; the parameter beats the values file's tag, `values`
        // beats its repository, `valuesObject` sets the policy.
        assert_eq!(
            (
                found[0].0.as_str(),
                found[0].1.as_str(),
                found[0].2.as_str()
            ),
            ("web-prod", "mirror/nginx:1.27", "Always")
        );
        assert_eq!(
            found[0].3,
            [
                "valueFiles: $values/env/prod.yaml",
                "parameters: containers[0].image",
                "fileParameters"
            ]
        );
        assert_eq!(
            (found[1].1.as_str(), found[1].2.as_str()),
            ("nginx:latest", "Always")
        );
    }

    #[test]
    fn flux_release_values_over_a_repository_chart() {
        let release = |source_kind: &str| {
            format!(
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: web}}\nspec:\n  chart:\n    spec:\n      chart: ./charts/web\n      sourceRef: {{kind: {source_kind}, name: repo}}\n  valuesFrom: [{{kind: ConfigMap, name: web-values}}]\n  values:\n    image:\n      tag: \"1.27\"\n      pullPolicy: null\n"
            )
        };
        let git = release("GitRepository");
        let found = rendered(&repo(&[("/r/clusters/prod/web.yaml", &git)]));
        assert_eq!(found.len(), 1, "{found:#?}");
        // `null` deletes the key: the policy defaults.
        assert_eq!(
            (found[0].1.as_str(), found[0].2.as_str()),
            ("nginx:1.27", "IfNotPresent")
        );
        assert_eq!(found[0].3, ["spec.valuesFrom"]);
        // A chart from a Helm repository is not this chart.
        let helm_repo = release("HelmRepository");
        assert!(rendered(&repo(&[("/r/clusters/prod/web.yaml", &helm_repo)])).is_empty());
    }

    #[test]
    fn a_scalar_over_a_mapping_and_missing_value_files() {
        let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source:\n    path: /charts/web\n    helm:\n      valueFiles: [missing.yaml]\n      valuesObject: {image: nginx}\n";
        let files = repo(&[("/r/apps/a.yaml", app)]);
        let mut index = WorkspaceIndex::build("/r", files.keys().cloned(), &files);
        index.scan_deployers(&files);
        let chart = Path::new("/r/charts/web");
        let sources = index.helm_sources_of(chart);
        assert_eq!(sources.len(), 1);
        let values = ChartContext::load(chart, &files);
        let (context, not_applied) = chart_for_source(&values, chart, sources[0].1, &files);
        assert_eq!(not_applied, ["valueFiles: missing.yaml (not found)"]);
        // `image.repository` below a string: `helm template` fails, so it stays unknown.
        let image = &helm_images(TEMPLATE, &context)[0];
        assert!(matches!(image.image, HelmValue::Unknown(_)), "{image:?}");
        assert_eq!(
            sources[0].1.values_label(),
            "missing.yaml, helm.valuesObject"
        );
    }

    #[test]
    fn set_values_are_typed_like_strvals() {
        let mut set = SetValues::default();
        assert!(set.insert("a.b", "true", false));
        assert!(set.insert("a.c", "017", false));
        assert!(set.insert("a.d", "42", false));
        assert!(set.insert("a.e", "42", true));
        assert!(set.insert("f", "say \"hi\"", false));
        assert!(!set.insert("g[0]", "x", false));
        assert!(!set.insert("h..i", "x", false));
        assert!(!set.insert(&format!("{}k", "k.".repeat(100_000)), "x", false));
        assert_eq!(
            set.to_yaml(),
            "\"a\":\n  \"b\": true\n  \"c\": \"017\"\n  \"d\": 42\n  \"e\": \"42\"\n\"f\": \"say \\\"hi\\\"\"\n"
        );
    }

    #[test]
    fn values_that_change_a_rendered_default_are_reported_on_the_object() {
        use crate::finding::Severity;
        use crate::gitops::findings::{findings, findings_in};
        let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web-dev}\nspec:\n  source:\n    path: charts/web\n    helm:\n      parameters: [{name: image.tag, value: latest}]\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web-prod}\nspec:\n  source:\n    path: charts/web\n    helm:\n      parameters: [{name: image.tag, value: \"1.27\"}]\n";
        let files = repo(&[("/r/apps/web.yaml", app)]);
        let mut index = WorkspaceIndex::build("/r", files.keys().cloned(), &files);
        index.scan_deployers(&files);
        let found = findings(&index, &files, Path::new("/r"), &|_, _| Severity::Warning);
        // Only web-dev: 1.16.0 (appVersion) → latest turns IfNotPresent into Always.
        assert_eq!(found.len(), 1, "{found:#?}");
        let (file, finding) = &found[0];
        assert_eq!(file, Path::new("/r/apps/web.yaml"));
        assert_eq!(finding.rule, "overlay-changes-policy");
        assert_eq!(&app[finding.range.clone()], "helm");
        assert!(finding.range.start < app.find("web-prod").unwrap());
        assert!(
            finding.message.contains(
                "with the values of Application web-dev (helm.parameters), container web \
                 (Deployment/web in charts/web/templates/deployment.yaml) renders \
                 \"nginx:latest\" and no imagePullPolicy: the default changes from \
                 IfNotPresent (values.yaml) to Always"
            ),
            "{}",
            finding.message
        );
        assert_eq!(
            finding.related[0].file.as_deref(),
            Some(Path::new("/r/charts/web/templates/deployment.yaml"))
        );
        // The editor publishes it with the Application's file.
        let in_file = findings_in(
            &index,
            &files,
            Path::new("/r"),
            Path::new("/r/apps/web.yaml"),
            &|_, _| Severity::Warning,
        );
        assert_eq!(in_file.len(), 1);
        assert!(findings(&index, &files, Path::new("/r"), &|_, _| Severity::Off).is_empty());
    }
}
