//! Helm charts (spec §7): the image and pull policy a template renders for the simple,
//! scaffold-like shapes, resolved against `values.yaml` and `Chart.yaml`:
//!
//! ```yaml
//! image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
//! imagePullPolicy: {{ .Values.image.pullPolicy }}
//! ```
//!
//! Anything more complex (helpers, `printf`, `with`/`range` blocks, …) stays unknown:
//! never a guess, so never a false error on a template.

mod template;
#[cfg(test)]
pub(crate) mod test_support;
mod values;
mod values_lint;

use std::path::Path;

pub use template::ValueUse;
pub use values::{ChartContext, GoValue, ValueError, ValueLookup, ValuesLayer};
pub use values_lint::{
    chart_templates, values_findings, HELM_VALUES_EMPTY_TAG, HELM_VALUES_PULL_POLICY,
};

use super::workspace::FileSource;
use crate::image::{default_pull_policy, PullPolicy};
use crate::k8s::{find_containers, EffectivePolicy, Field, UnknownPolicy};
use crate::text::{LineIndex, TextRange};
use crate::yaml::{action_close, contains_template_expression, Document, NodeId, YamlFile};

impl ChartContext {
    /// Reads `values.yaml` and `Chart.yaml` of the chart in `chart_dir`.
    pub fn load(chart_dir: &Path, source: &dyn FileSource) -> ChartContext {
        let values = source.read(&chart_dir.join("values.yaml"));
        let chart = source.read(&chart_dir.join("Chart.yaml"));
        ChartContext::new(values.as_deref(), chart.as_deref())
    }
}

/// What a template scalar renders to.
#[derive(Debug, Clone, PartialEq)]
pub enum HelmValue {
    /// The scalar holds no template action.
    Plain,
    /// Rendered and read back as YAML; `value` is `None` when it renders to null (an
    /// empty `imagePullPolicy:` is omitted, so defaulting applies).
    Resolved {
        value: Option<String>,
        uses: Vec<ValueUse>,
    },
    /// Not modelled, or `helm template` would fail: the reason.
    Unknown(String),
}

/// Renders the scalar at `range` of a template `text` (its source as written, quotes
/// included) and reads the result back as a YAML scalar.
pub fn resolve_scalar(text: &str, range: TextRange, chart: &ChartContext) -> HelmValue {
    let dot_moved = text
        .get(..range.start)
        .is_some_and(|before| dot_moved_states(before).before(before.len()));
    resolve_at(text, range, chart, dot_moved)
}

/// [`resolve_scalar`], told whether `.` is rebound where the scalar is.
fn resolve_at(text: &str, range: TextRange, chart: &ChartContext, dot_moved: bool) -> HelmValue {
    let Some(source) = text.get(range.clone()) else {
        return HelmValue::Unknown("range outside the text".into());
    };
    if !source.contains("{{") {
        return HelmValue::Plain;
    }
    if source.contains(['\n', '\r']) {
        return HelmValue::Unknown("the value spans several lines".into());
    }
    if dot_moved {
        return HelmValue::Unknown(
            "inside a with/range block, where `.` is not the chart root".into(),
        );
    }
    let rendered = match template::render(source, chart) {
        Ok(rendered) => rendered,
        Err(reason) => return HelmValue::Unknown(reason),
    };
    match read_back(&rendered.text) {
        Ok(value) => HelmValue::Resolved {
            value,
            uses: rendered.uses,
        },
        Err(reason) => HelmValue::Unknown(reason),
    }
}

/// The YAML scalar a rendered value text is read as (`None` for null).
fn read_back(rendered: &str) -> Result<Option<String>, String> {
    if rendered.contains(['\n', '\r']) || contains_template_expression(rendered) {
        return Err("the rendered value is not a plain scalar".into());
    }
    let file = YamlFile::parse(&format!("value: {rendered}\n"));
    let doc = file.documents.first().ok_or("no YAML")?;
    if doc.error.is_some() || file.documents.len() != 1 {
        return Err(format!("the rendered value `{rendered}` is not valid YAML"));
    }
    let node = doc
        .root
        .and_then(|root| doc.get(root, "value"))
        .ok_or("no value")?;
    if doc.is_null(node) {
        return Ok(None);
    }
    doc.scalar(node)
        .map(|value| Some(value.to_owned()))
        .ok_or_else(|| format!("the rendered value `{rendered}` is not a scalar"))
}

/// A state of the template after each of its actions (`{{ … }}`), computed in one pass, for
/// asking what holds before any offset: scanning the text before each scalar again is
/// quadratic in a template with thousands of containers.
pub(crate) struct ActionStates {
    /// Where each action ends (after its `}}`), increasing.
    ends: Vec<usize>,
    /// The state after each action.
    states: Vec<bool>,
    /// The state before the first action.
    initial: bool,
}

impl ActionStates {
    /// Runs `step` over the text between the braces of each action of `text`, in order;
    /// it returns the state after that action. An action only counts before an offset when
    /// its `}}` ends there or earlier.
    pub(crate) fn new(text: &str, initial: bool, mut step: impl FnMut(&str) -> bool) -> Self {
        let mut out = ActionStates {
            ends: Vec::new(),
            states: Vec::new(),
            initial,
        };
        let mut at = 0;
        while let Some(open) = text[at..].find("{{").map(|open| at + open) {
            let Some(close) = action_close(text, open) else {
                break;
            };
            out.states.push(step(&text[open + 2..close]));
            at = close + 2;
            out.ends.push(at);
        }
        out
    }

    /// The state once the actions that end at or before `offset` have run.
    pub(crate) fn before(&self, offset: usize) -> bool {
        match self.ends.partition_point(|&end| end <= offset) {
            0 => self.initial,
            n => self.states[n - 1],
        }
    }
}

/// After each action of `text`: whether a block is open that rebinds `.` (`with`,
/// `range`, `define`, `block`); `if` blocks do not.
fn dot_moved_states(text: &str) -> ActionStates {
    let mut open_blocks: Vec<bool> = Vec::new(); // true: the block rebinds `.`
    ActionStates::new(text, false, |action| {
        let action = action.trim_start_matches('-').trim_end_matches('-').trim();
        match action.split_whitespace().next().unwrap_or_default() {
            "if" => open_blocks.push(false),
            "with" | "range" | "define" | "block" => open_blocks.push(true),
            "end" => {
                open_blocks.pop();
            }
            _ => {}
        }
        open_blocks.contains(&true)
    })
}

/// `key` is written more than once in the mapping: each `if`/`else` branch sets it, and
/// which one renders is unknown.
fn written_in_branches(doc: &Document, mapping: NodeId, key: &str) -> bool {
    doc.entries(mapping)
        .iter()
        .filter(|entry| doc.scalar(entry.key) == Some(key))
        .nth(1)
        .is_some()
}

/// A templated container of a chart template, resolved against the chart's values.
#[derive(Debug, Clone)]
pub struct HelmImage {
    pub document: usize,
    pub container_path: String,
    pub container_name: Option<String>,
    /// `Deployment/{{ … }}`-style label of the object.
    pub object: String,
    /// The `image` value in the template.
    pub image_range: Option<TextRange>,
    pub image: HelmValue,
    /// `None` when the container has no `imagePullPolicy` key.
    pub pull_policy: Option<HelmValue>,
    /// The policy the rendered container gets.
    pub policy: EffectivePolicy,
}

/// The containers of a chart template whose image or pull policy is templated, rendered
/// against `chart`.
pub fn helm_images(text: &str, chart: &ChartContext) -> Vec<HelmImage> {
    let file = YamlFile::parse(text);
    let lines = LineIndex::new(text);
    let dot_moved = dot_moved_states(text);
    let mut out = Vec::new();
    for document in 0..file.documents.len() {
        for container in find_containers(text, &lines, &file, document) {
            let templated = |field: &Option<Field>| field.as_ref().is_some_and(|f| f.templated);
            if !templated(&container.image) && !templated(&container.policy) {
                continue;
            }
            let doc = &file.documents[document];
            let (image_key, policy_key) = container.role.keys();
            let resolve = |field: &Field, key: &str| {
                if written_in_branches(doc, container.mapping, key) {
                    return HelmValue::Unknown(format!(
                        "`{key}` is set in several if/else branches"
                    ));
                }
                let range = field.value_range.clone();
                resolve_at(text, range.clone(), chart, dot_moved.before(range.start))
            };
            let image = container
                .image
                .as_ref()
                .map_or(HelmValue::Plain, |field| resolve(field, image_key));
            let pull_policy = container
                .policy
                .as_ref()
                .map(|field| resolve(field, policy_key));
            let written_image = container.image.as_ref().and_then(|f| {
                if f.is_null {
                    Some(String::new())
                } else {
                    f.text.clone()
                }
            });
            let policy = policy_of(
                &image,
                written_image,
                pull_policy.as_ref(),
                container.policy.as_ref(),
            );
            out.push(HelmImage {
                document,
                container_path: container.path.clone(),
                // A name that is a template action is masked, and may read as null.
                container_name: container
                    .name
                    .as_ref()
                    .filter(|name| !name.templated && !name.is_null)
                    .and_then(|name| name.text.clone()),
                object: container.object.label(),
                image_range: container.image.as_ref().map(|f| f.value_range.clone()),
                image,
                pull_policy,
                policy,
            });
        }
    }
    out
}

fn policy_of(
    image: &HelmValue,
    written_image: Option<String>,
    pull_policy: Option<&HelmValue>,
    policy_field: Option<&Field>,
) -> EffectivePolicy {
    let written_policy = match (pull_policy, policy_field) {
        (Some(HelmValue::Resolved { value, .. }), _) => value.clone().filter(|v| !v.is_empty()),
        (Some(HelmValue::Unknown(_)), _) => {
            return EffectivePolicy::Unknown(UnknownPolicy::TemplatedPolicy)
        }
        (_, Some(field)) if !field.is_null => field.text.clone().filter(|v| !v.is_empty()),
        _ => None,
    };
    if let Some(written) = written_policy {
        return match PullPolicy::parse_exact(&written) {
            Some(policy) => EffectivePolicy::Explicit {
                policy,
                inherited: false,
            },
            None => EffectivePolicy::Unknown(UnknownPolicy::InvalidPolicy(written)),
        };
    }
    let image = match image {
        HelmValue::Plain => written_image,
        HelmValue::Resolved { value, .. } => Some(value.clone().unwrap_or_default()),
        HelmValue::Unknown(_) => return EffectivePolicy::Unknown(UnknownPolicy::TemplatedImage),
    };
    match image {
        Some(image) => {
            let (policy, reason) = default_pull_policy(&image);
            EffectivePolicy::Default { policy, reason }
        }
        None => EffectivePolicy::Unknown(UnknownPolicy::NoImage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::DefaultReason;

    const VALUES: &str = "image:\n  repository: nginx\n  pullPolicy: IfNotPresent\n  tag: \"\"\n";

    fn resolve(source: &str, chart: &ChartContext) -> HelmValue {
        let text = format!("image: {source}\n");
        resolve_scalar(&text, 7..text.len() - 1, chart)
    }

    fn value(v: &HelmValue) -> Option<&str> {
        match v {
            HelmValue::Resolved { value, .. } => value.as_deref(),
            _ => None,
        }
    }

    #[test]
    fn resolves_the_scaffold() {
        let chart = ChartContext::new(Some(VALUES), Some("appVersion: \"1.16.0\"\n"));
        let image = resolve(
            "\"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"",
            &chart,
        );
        assert_eq!(value(&image), Some("nginx:1.16.0"));
        let policy = resolve("{{ .Values.image.pullPolicy | quote }}", &chart);
        assert_eq!(value(&policy), Some("IfNotPresent"));
        assert_eq!(resolve("nginx", &chart), HelmValue::Plain);
        let missing = ChartContext::new(Some("image: {}\n"), None);
        assert!(matches!(
            resolve("{{ .Values.image.pullPolicy }}", &missing),
            HelmValue::Resolved { value: None, .. }
        ));
        assert!(matches!(
            resolve("{{ include \"x\" . }}", &chart),
            HelmValue::Unknown(_)
        ));
    }

    #[test]
    fn action_states_hold_before_any_offset() {
        let text = "{{- with .Values.a }}X{{ end }}Y{{ range .z }}{{ if .b }}W{{ end }}P{{ with";
        let states = dot_moved_states(text);
        let at = |needle: &str| states.before(text.find(needle).unwrap());
        assert!(!states.before(0));
        assert!(at("X"));
        // An action the offset cuts does not count yet.
        assert!(at("end }}Y"));
        assert!(!at("Y"));
        // `if` does not rebind `.`, the `range` around it does; an unclosed action is none.
        assert!(at("W"));
        assert!(at("P"));
        assert!(states.before(text.len()));
        // The same answers in any order, and from the text before the offset alone.
        for offset in (0..=text.len()).rev() {
            let before = &text[..offset];
            assert_eq!(
                states.before(offset),
                dot_moved_states(before).before(before.len()),
                "{offset}"
            );
        }
    }

    #[test]
    fn inside_with_blocks_the_dot_moves() {
        let chart = ChartContext::new(Some(VALUES), None);
        let text = "{{- with .Values.image }}\nimage: {{ .repository }}\n{{- end }}\n";
        let start = text.find("{{ .repository").unwrap();
        let end = start + "{{ .repository }}".len();
        assert!(matches!(
            resolve_scalar(text, start..end, &chart),
            HelmValue::Unknown(_)
        ));

        let text = "{{- if .Values.x }}{{ end }}\nimage: {{ $.Values.image.repository }}\n";
        let start = text.find("{{ $").unwrap();
        let end = text.len() - 1;
        assert_eq!(
            value(&resolve_scalar(text, start..end, &chart)),
            Some("nginx")
        );
    }

    #[test]
    fn template_containers_get_values() {
        let template = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"web.fullname\" . }}
spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
        - name: sidecar
          image: \"busybox:{{ .Values.sidecar.tag }}\"
        - name: branches
{{- if .Values.x }}
          image: \"{{ .Values.image.repository }}\"
{{- else }}
          image: busybox
{{- end }}
";
        let chart = ChartContext::new(
            Some("image:\n  repository: nginx\n  tag: latest\nsidecar: {}\n"),
            Some("appVersion: 1.16.0\n"),
        );
        let images = helm_images(template, &chart);
        assert_eq!(images.len(), 3);
        assert!(matches!(images[2].image, HelmValue::Unknown(_)));
        assert_eq!(value(&images[0].image), Some("nginx:latest"));
        // pullPolicy unset renders `imagePullPolicy:` (null): tag-based defaulting.
        assert_eq!(
            images[0].policy,
            EffectivePolicy::Default {
                policy: PullPolicy::Always,
                reason: DefaultReason::LatestTag
            }
        );
        // An empty tag renders `busybox:`, an invalid reference.
        assert_eq!(value(&images[1].image), Some("busybox:"));
        assert_eq!(
            images[1].policy,
            EffectivePolicy::Default {
                policy: PullPolicy::IfNotPresent,
                reason: DefaultReason::InvalidReference
            }
        );
    }
}
