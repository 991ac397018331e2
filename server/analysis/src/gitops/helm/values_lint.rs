//! Findings in a chart's `values.yaml`, from what its templates render with it (spec §7):
//!
//! - `helm-values-pull-policy`: a value that a template writes as `imagePullPolicy`
//!   renders something the API server rejects (`always`, `Latest`: the check is exact and
//!   case-sensitive, spec §2.1). Fixed by writing the exact spelling when the intent is
//!   unambiguous (`always` → `Always`).
//! - `helm-values-empty-tag`: an empty or missing value leaves the rendered image ending in
//!   `:` or `@` (`nginx:`), which the API server accepts and the node then fails with
//!   `InvalidImageName` (spec §2.4, §7).
//!
//! A value is only blamed once it is shown to be the cause: the template is rendered again
//! with the value changed, and the problem must go away. Containers the model cannot
//! render (helpers, `printf`, `range`, conditions it cannot evaluate) give nothing, and
//! neither do containers in an `if` block that the chart's own values switch off: never a
//! false error on a template.

use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{helm_images, ActionStates, ChartContext, GoValue, HelmImage, HelmValue, ValueUse};
use crate::finding::{apply_edits, Edit, Finding, Fix, RelatedLocation, Severity};
use crate::gitops::workspace::{normalize, FileSource};
use crate::image::PullPolicy;
use crate::k8s::find_containers;
use crate::suppress::Suppressions;
use crate::text::{LineIndex, TextRange};
use crate::yaml::{Document, NodeId, NodeKind, YamlFile};

/// A value rendered as an invalid `imagePullPolicy`.
pub const HELM_VALUES_PULL_POLICY: &str = "helm-values-pull-policy";
/// An empty value leaving the rendered image with an empty tag or digest.
pub const HELM_VALUES_EMPTY_TAG: &str = "helm-values-empty-tag";

/// What an empty value is set to when checking that it is the cause.
const PROBE_TAG: &str = "probe";

/// The rendered templates of the chart in `chart_dir` among `files`: the `.yaml` / `.yml`
/// files under its `templates/` folder (nested folders included), without partials (a
/// name starting with `_`), sorted. `templates/NOTES.txt` and `_helpers.tpl` are not
/// manifests.
pub fn chart_templates<'a>(
    chart_dir: &Path,
    files: impl IntoIterator<Item = &'a Path>,
) -> Vec<PathBuf> {
    let templates = normalize(&chart_dir.join("templates"));
    let mut out: Vec<PathBuf> = files
        .into_iter()
        .filter(|file| {
            let file = normalize(file);
            let is_yaml = file
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml");
            let is_partial = file
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with('_'));
            file.starts_with(&templates) && is_yaml && !is_partial
        })
        .map(Path::to_path_buf)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Findings in the chart's `values.yaml`, with ranges in its text. Reads `values.yaml`,
/// `Chart.yaml` and the templates among `files` (see [`chart_templates`]; other files are
/// ignored, so the caller may pass every file it knows) through `source`. `severity_of`
/// gives the configured severity of a rule (`Off` drops its findings); `# gitops-ls-ignore`
/// comments in `values.yaml` are honoured. One finding per value and rule, however many
/// containers use the value.
pub fn values_findings(
    chart_dir: &Path,
    files: &[PathBuf],
    source: &dyn FileSource,
    severity_of: &dyn Fn(&'static str) -> Severity,
) -> Vec<Finding> {
    let pull_policy_on = severity_of(HELM_VALUES_PULL_POLICY) != Severity::Off;
    let empty_tag_on = severity_of(HELM_VALUES_EMPTY_TAG) != Severity::Off;
    if !pull_policy_on && !empty_tag_on {
        return Vec::new();
    }
    let Some(values_text) = source.read(&chart_dir.join("values.yaml")) else {
        return Vec::new();
    };
    // Only templated containers are of interest, and their keys all mention `image`
    // (`image`, `imagePullPolicy`, an image volume's `image: {pullPolicy}`).
    let templates: Vec<(PathBuf, String)> =
        chart_templates(chart_dir, files.iter().map(PathBuf::as_path))
            .into_iter()
            .filter_map(|path| {
                let text = source.read(&path)?;
                (text.contains("{{") && text.contains("image")).then_some((path, text))
            })
            .collect();
    if templates.is_empty() {
        return Vec::new();
    }
    let lint = Lint::new(values_text, source.read(&chart_dir.join("Chart.yaml")));
    let chart_root = normalize(chart_dir);
    let mut reports = Vec::new();
    for (path, text) in &templates {
        let normalized = normalize(path);
        let name = normalized
            .strip_prefix(&chart_root)
            .unwrap_or(&normalized)
            .display()
            .to_string();
        let template = Template {
            path,
            name,
            text,
            policy_ranges: OnceCell::new(),
        };
        let rendered = blocks_render_states(text, &lint.chart);
        for image in helm_images(text, &lint.chart) {
            let is_rendered = image
                .image_range
                .as_ref()
                .is_some_and(|range| rendered.before(range.start));
            if !is_rendered {
                continue;
            }
            if pull_policy_on {
                merge(&mut reports, lint.pull_policy(&template, &image));
            }
            if empty_tag_on {
                merge(&mut reports, lint.empty_tag(&template, &image));
            }
        }
    }
    lint.findings(reports, severity_of)
}

/// One template file of the chart.
struct Template<'a> {
    path: &'a Path,
    /// Relative to the chart, e.g. `templates/deployment.yaml`.
    name: String,
    text: &'a str,
    /// The range of each container's `imagePullPolicy` value, by document and container
    /// path, when a finding needs it (parsed once, however many containers are reported).
    policy_ranges: OnceCell<HashMap<(usize, String), TextRange>>,
}

/// A container that renders the value, for the message and the related locations.
struct User {
    label: String,
    related: RelatedLocation,
}

/// A finding before deduplication: `message` is `prefix` + the users + `suffix`.
struct Report {
    rule: &'static str,
    range: TextRange,
    prefix: String,
    suffix: String,
    users: Vec<User>,
    fixes: Vec<Fix>,
}

/// Adds `report`, or its user to the report already made for the same value and rule.
fn merge(reports: &mut Vec<Report>, report: Option<Report>) {
    let Some(report) = report else {
        return;
    };
    match reports
        .iter_mut()
        .find(|known| known.rule == report.rule && known.range == report.range)
    {
        Some(known) => {
            for user in report.users {
                if !known.users.iter().any(|u| u.label == user.label) {
                    known.users.push(user);
                }
            }
        }
        None => reports.push(report),
    }
}

/// Where a value lives in `values.yaml`.
enum Site {
    /// Written: the value's range (empty for `key:` with nothing after it).
    Value(TextRange),
    /// `key` is missing from `mapping`; reported at `at` (the mapping's key, or the start
    /// of the file for the top level).
    Missing {
        mapping: NodeId,
        key: String,
        at: TextRange,
        /// The mapping is reached through an alias: adding to it changes every use.
        shared: bool,
    },
}

/// How a new value is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// A pull policy: a plain value stays plain.
    Policy,
    /// A tag: always quoted (a plain `1.20` would be read as the number 1.2).
    Tag,
}

/// A template's containers, by document and container path.
type ByContainer = HashMap<(usize, String), HelmImage>;

struct Lint {
    values_text: String,
    chart_text: Option<String>,
    chart: ChartContext,
    /// Parsed again for our own ranges (`ChartContext` keeps its copy private), when a
    /// finding needs it.
    values: OnceCell<YamlFile>,
    lines: LineIndex,
    /// The chart with one edit applied to `values.yaml`, by edit: several containers often
    /// read the same value, and `values.yaml` can be large.
    edited: RefCell<HashMap<(TextRange, String), ChartContext>>,
    /// A template's containers rendered with one edit applied (by document and container
    /// path), by edit and template: a template can have thousands of containers that read
    /// the same value.
    rerendered: RefCell<HashMap<(TextRange, String, PathBuf), ByContainer>>,
}

impl Lint {
    fn new(values_text: String, chart_text: Option<String>) -> Lint {
        Lint {
            chart: ChartContext::new(Some(&values_text), chart_text.as_deref()),
            values: OnceCell::new(),
            lines: LineIndex::new(&values_text),
            values_text,
            chart_text,
            edited: RefCell::default(),
            rerendered: RefCell::default(),
        }
    }

    fn values_file(&self) -> &YamlFile {
        self.values
            .get_or_init(|| YamlFile::parse(&self.values_text))
    }

    fn doc(&self) -> Option<&Document> {
        self.values_file().documents.first()
    }

    /// The container rendered again with `edit` applied to `values.yaml`.
    fn rerender(&self, edit: &Edit, template: &Template, image: &HelmImage) -> Option<HelmImage> {
        let key = (
            edit.range.clone(),
            edit.new_text.clone(),
            template.path.to_path_buf(),
        );
        let mut rerendered = self.rerendered.borrow_mut();
        let images = rerendered.entry(key).or_insert_with(|| {
            let mut edited = self.edited.borrow_mut();
            let chart = edited
                .entry((edit.range.clone(), edit.new_text.clone()))
                .or_insert_with(|| {
                    let values = apply_edits(&self.values_text, std::slice::from_ref(edit));
                    ChartContext::new(Some(&values), self.chart_text.as_deref())
                });
            let mut by_container = HashMap::new();
            for other in helm_images(template.text, chart) {
                let key = (other.document, other.container_path.clone());
                by_container.entry(key).or_insert(other);
            }
            by_container
        });
        images
            .get(&(image.document, image.container_path.clone()))
            .cloned()
    }

    fn pull_policy(&self, template: &Template, image: &HelmImage) -> Option<Report> {
        let Some(HelmValue::Resolved {
            value: Some(rendered),
            uses,
        }) = &image.pull_policy
        else {
            return None;
        };
        if rendered.is_empty() || PullPolicy::parse_exact(rendered).is_some() {
            return None;
        }
        let canonical = canonical_policy(rendered);
        let is_valid = |image: &HelmImage| {
            matches!(
                &image.pull_policy,
                Some(HelmValue::Resolved { value: Some(v), .. }) if PullPolicy::parse_exact(v).is_some()
            )
        };
        let mut tried = HashSet::new();
        for value_use in uses.iter().rev() {
            let Some(range) = value_use
                .values_range
                .clone()
                .filter(|_| is_values(&value_use.expression))
            else {
                continue;
            };
            if !tried.insert(range.clone()) {
                continue;
            }
            let site = Site::Value(range.clone());
            let written = canonical.unwrap_or(PullPolicy::Always).as_str();
            let Some(probe) = self.edit(&site, written, Style::Policy, false) else {
                continue;
            };
            if !self
                .rerender(&probe, template, image)
                .is_some_and(|again| is_valid(&again))
            {
                continue;
            }
            // The strict edit is the probe (verified above) unless it is refused.
            let fixes = canonical
                .and_then(|policy| {
                    let edit = self.edit(&site, policy.as_str(), Style::Policy, true)?;
                    Some(Fix {
                        title: format!("Change {rendered} to {}", policy.as_str()),
                        edits: vec![edit],
                        safe: true,
                    })
                })
                .into_iter()
                .collect();
            let expression = display_expression(&value_use.expression);
            let at = policy_range(template, image).or(image.image_range.clone())?;
            return Some(Report {
                rule: HELM_VALUES_PULL_POLICY,
                range: self.report_range(&site),
                prefix: format!("{expression} renders imagePullPolicy \"{rendered}\" in "),
                suffix: format!(
                    ", which the API server rejects: Unsupported value: \"{rendered}\": \
                     supported values: \"Always\", \"IfNotPresent\", \"Never\""
                ),
                users: vec![user(
                    template,
                    image,
                    at,
                    format!("renders imagePullPolicy \"{rendered}\""),
                )],
                fixes,
            });
        }
        None
    }

    fn empty_tag(&self, template: &Template, image: &HelmImage) -> Option<Report> {
        let (rendered, uses, invalid_yaml) = match &image.image {
            HelmValue::Resolved {
                value: Some(rendered),
                uses,
            } => (rendered.clone(), uses.clone(), false),
            // `image: {{ .Values.image.repository }}:{{ .Values.image.tag }}` without quotes
            // renders `image: nginx:`, which is not YAML (a plain value cannot end with
            // `:`), so it cannot be read back. Rendered here to find the value; the probe
            // below still has to make the container resolve.
            HelmValue::Unknown(_) => {
                let source = template.text.get(image.image_range.clone()?)?;
                let rendered = super::template::render(source, &self.chart).ok()?;
                let text = rendered.text.trim();
                if !text.ends_with(':') || text.starts_with(['"', '\'']) {
                    return None;
                }
                (text.to_owned(), rendered.uses, true)
            }
            HelmValue::Plain | HelmValue::Resolved { value: None, .. } => return None,
        };
        let digest = match rendered.chars().last() {
            Some(':') => false,
            Some('@') => true,
            _ => return None,
        };
        let is_repaired = |image: &HelmImage| {
            matches!(
                &image.image,
                HelmValue::Resolved { value: Some(v), .. } if !v.is_empty() && !v.ends_with([':', '@'])
            )
        };
        let mut tried = HashSet::new();
        for value_use in uses.iter().rev() {
            if !is_values(&value_use.expression) || !value_use.value.render().is_empty() {
                continue;
            }
            let expression = display_expression(&value_use.expression);
            if !tried.insert(expression.clone()) {
                continue;
            }
            let Some(site) = self.site(value_use) else {
                continue;
            };
            let Some(probe) = self.edit(&site, PROBE_TAG, Style::Tag, false) else {
                continue;
            };
            if !self
                .rerender(&probe, template, image)
                .is_some_and(|again| is_repaired(&again))
            {
                continue;
            }
            let key = expression.rsplit('.').next().unwrap_or_default();
            let fix = self
                .app_version()
                .filter(|_| !digest)
                .and_then(|app_version| {
                    let edit = self.edit(&site, &app_version, Style::Tag, true)?;
                    let repaired = self
                        .rerender(&edit, template, image)
                        .is_some_and(|again| is_repaired(&again));
                    repaired.then(|| Fix {
                        title: format!(
                            "Set {key}: \"{app_version}\", the chart's appVersion (changes \
                             the image that deploys)"
                        ),
                        edits: vec![edit],
                        safe: false,
                    })
                });
            let state = match (&site, &value_use.value) {
                (Site::Missing { .. }, _) => "is not set",
                (_, GoValue::Nil) => "is null",
                _ => "is empty",
            };
            let what = if digest { "digest" } else { "tag" };
            let no_app_version = uses.iter().any(|u| {
                u.expression.trim_start_matches('$') == ".Chart.AppVersion"
                    && u.value.render().is_empty()
            });
            let fallback = if no_app_version {
                "; Chart.yaml sets no appVersion for the `default .Chart.AppVersion` fallback"
            } else {
                ""
            };
            return Some(Report {
                rule: HELM_VALUES_EMPTY_TAG,
                range: self.report_range(&site),
                prefix: format!(
                    "{expression} {state}, so the image renders with an empty {what} as \
                     \"{rendered}\" in "
                ),
                suffix: if invalid_yaml {
                    format!(
                        ", which is not YAML without quotes (a plain value cannot end with \
                         \":\"): helm fails to render the chart{fallback}"
                    )
                } else {
                    format!(
                        ": an invalid reference, which the API server accepts and the node \
                         fails with InvalidImageName{fallback}"
                    )
                },
                users: vec![user(
                    template,
                    image,
                    image.image_range.clone()?,
                    format!("renders the image \"{rendered}\""),
                )],
                fixes: fix.into_iter().collect(),
            });
        }
        None
    }

    /// `appVersion` of Chart.yaml, when it is a non-empty string.
    fn app_version(&self) -> Option<String> {
        match self.chart.chart_field("AppVersion").ok()?.value {
            GoValue::Str(version) if !version.is_empty() => Some(version),
            _ => None,
        }
    }

    /// Where the value a `.Values` use read lives: its range, or the mapping that lacks
    /// the key (`None` when the mapping is missing too: then `helm template` fails, or the
    /// value is not ours to find).
    fn site(&self, value_use: &ValueUse) -> Option<Site> {
        if let Some(range) = &value_use.values_range {
            return Some(Site::Value(range.clone()));
        }
        let path = values_path(&value_use.expression)?;
        let (key, parents) = path.split_last()?;
        let doc = self.doc()?;
        let mut node = doc.root?;
        let mut at = 0..0;
        for parent in parents {
            let entry = doc.get_entry(node, parent)?;
            at = doc.node(entry.key).span.clone();
            node = entry.value;
        }
        let mapping = doc.resolve(node);
        doc.is_mapping(mapping).then(|| Site::Missing {
            mapping,
            key: (*key).to_owned(),
            at,
            shared: mapping != node,
        })
    }

    /// The range a finding about the value is reported on: the value, its key when the
    /// value is empty (`tag:`), the parent mapping's key when it is missing.
    fn report_range(&self, site: &Site) -> TextRange {
        match site {
            Site::Value(range) if range.is_empty() => self
                .doc()
                .and_then(|doc| key_of_value(doc, range))
                .unwrap_or_else(|| range.clone()),
            Site::Value(range) => range.clone(),
            Site::Missing { at, .. } => at.clone(),
        }
    }

    /// An edit that sets the value at `site` to `value`, keeping the quoting style of the
    /// written value. `strict` refuses to rewrite aliases and block scalars (a probe may).
    fn edit(&self, site: &Site, value: &str, style: Style, strict: bool) -> Option<Edit> {
        let text = &self.values_text;
        let range = match site {
            Site::Value(range) => range,
            Site::Missing { shared: true, .. } if strict => return None,
            Site::Missing { mapping, key, .. } => {
                return self.insert_entry(*mapping, &format!("{key}: {}", double_quoted(value)?))
            }
        };
        if range.is_empty() {
            // `key:` and nothing: the value goes after the colon.
            let after = &text[range.start..];
            let colon = range.start + after.find(':')? + 1;
            if !text[range.start..colon - 1].trim().is_empty() {
                return None;
            }
            return Some(Edit {
                range: colon..colon,
                new_text: format!(" {}", double_quoted(value)?),
            });
        }
        let written = text.get(range.clone())?;
        let new_text = match written.chars().next()? {
            '"' => double_quoted(value)?,
            '\'' => single_quoted(value)?,
            '*' | '|' | '>' if strict => return None,
            '*' | '|' | '>' => double_quoted(value)?,
            _ if style == Style::Tag => double_quoted(value)?,
            _ => value.to_owned(),
        };
        Some(Edit {
            range: range.clone(),
            new_text,
        })
    }

    /// Inserts `entry` as the last entry of `mapping`: on its own line at the column of the
    /// mapping's keys, with the line's own line break, or `, entry` in a flow mapping.
    fn insert_entry(&self, mapping: NodeId, entry: &str) -> Option<Edit> {
        let doc = self.doc()?;
        let text = &self.values_text;
        let node = doc.node(mapping);
        let NodeKind::Mapping { entries, flow } = &node.kind else {
            return None;
        };
        let end_of = |e: &crate::yaml::MapEntry| crate::fix::entry_end(text, doc, *flow, e);
        if *flow {
            return Some(match entries.last() {
                Some(last) => {
                    let end = end_of(last);
                    Edit {
                        range: end..end,
                        new_text: format!(", {entry}"),
                    }
                }
                None => {
                    let brace = node.span.start;
                    (text.get(brace..brace + 1)? == "{").then_some(())?;
                    Edit {
                        range: brace + 1..brace + 1,
                        new_text: entry.to_owned(),
                    }
                }
            });
        }
        let first_key = doc.node(entries.first()?.key).span.start;
        let end = end_of(entries.last()?);
        // A block scalar's range ends after its last line break.
        let last_byte = if end > 0 && text[..end].ends_with(['\n', '\r']) {
            end - 1
        } else {
            end
        };
        let line = self.lines.line_of(last_byte);
        let insert_at = self.lines.line_range(text, line).end;
        let line_break = self
            .lines
            .line_break(text, line)
            .or_else(|| self.lines.line_break(text, 0))
            .unwrap_or("\n");
        let key_line_start = self.lines.line_start(self.lines.line_of(first_key));
        let indent = " ".repeat(text[key_line_start..first_key].chars().count());
        Some(Edit {
            range: insert_at..insert_at,
            new_text: format!("{line_break}{indent}{entry}"),
        })
    }

    fn findings(
        &self,
        reports: Vec<Report>,
        severity_of: &dyn Fn(&'static str) -> Severity,
    ) -> Vec<Finding> {
        let suppressions =
            Suppressions::collect(&self.values_text, &self.lines, self.values_file());
        let mut out: Vec<Finding> = reports
            .into_iter()
            .filter(|report| {
                let line = self.lines.line_of(report.range.start);
                !suppressions.is_suppressed(line, report.rule)
            })
            .filter_map(|report| {
                let severity = severity_of(report.rule);
                if severity == Severity::Off {
                    return None;
                }
                let users = match report.users.as_slice() {
                    [] => String::new(),
                    [only] => only.label.clone(),
                    [first, rest @ ..] => format!("{} and {} more", first.label, rest.len()),
                };
                Some(Finding {
                    rule: report.rule,
                    severity,
                    message: format!("{}{users}{}", report.prefix, report.suffix),
                    range: report.range,
                    container: None,
                    fixes: report.fixes,
                    related: report.users.into_iter().map(|u| u.related).collect(),
                })
            })
            .collect();
        out.sort_by(|a, b| (a.range.start, a.rule).cmp(&(b.range.start, b.rule)));
        out
    }
}

fn user(template: &Template, image: &HelmImage, range: TextRange, what: String) -> User {
    let container = match &image.container_name {
        Some(name) => format!("container {name}"),
        None => image.container_path.clone(),
    };
    User {
        label: format!("{} ({container})", template.name),
        related: RelatedLocation {
            file: Some(template.path.to_path_buf()),
            range,
            message: format!("{container} {what}"),
        },
    }
}

/// The range of the container's `imagePullPolicy` value in the template.
fn policy_range(template: &Template, image: &HelmImage) -> Option<TextRange> {
    let ranges = template.policy_ranges.get_or_init(|| {
        let text = template.text;
        let file = YamlFile::parse(text);
        let lines = LineIndex::new(text);
        let mut ranges = HashMap::new();
        for document in 0..file.documents.len() {
            for container in find_containers(text, &lines, &file, document) {
                if let Some(policy) = container.policy {
                    let key = (document, container.path);
                    ranges.entry(key).or_insert(policy.value_range);
                }
            }
        }
        ranges
    });
    ranges
        .get(&(image.document, image.container_path.clone()))
        .cloned()
}

/// The key whose value is written at `value` (an empty value: `key:`).
fn key_of_value(doc: &Document, value: &TextRange) -> Option<TextRange> {
    doc.nodes.iter().find_map(|node| match &node.kind {
        NodeKind::Mapping { entries, .. } => entries
            .iter()
            .find(|entry| doc.node(entry.value).span == *value)
            .map(|entry| doc.node(entry.key).span.clone()),
        _ => None,
    })
}

/// The exact pull policy a case or punctuation slip means: `always`, `ifnotpresent`,
/// `if-not-present`, `NEVER`.
fn canonical_policy(written: &str) -> Option<PullPolicy> {
    let squashed: String = written
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    PullPolicy::ALL
        .into_iter()
        .find(|policy| policy.as_str().to_lowercase() == squashed)
}

fn is_values(expression: &str) -> bool {
    expression.trim_start_matches('$').starts_with(".Values.")
}

/// `.Values.image.tag` (without the `$` of `$.Values…`).
fn display_expression(expression: &str) -> String {
    expression.trim_start_matches('$').to_owned()
}

/// `["image", "tag"]` for `.Values.image.tag`.
fn values_path(expression: &str) -> Option<Vec<&str>> {
    let path = expression
        .trim_start_matches('$')
        .strip_prefix(".Values.")?;
    Some(path.split('.').collect())
}

fn double_quoted(value: &str) -> Option<String> {
    let plain = !value
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control());
    plain.then(|| format!("\"{value}\""))
}

fn single_quoted(value: &str) -> Option<String> {
    let plain = !value.chars().any(char::is_control);
    plain.then(|| format!("'{}'", value.replace('\'', "''")))
}

/// After each action of a template: whether the text there is rendered with the chart's
/// values, i.e. every open `if` / `with` block (and `else` branch) is known to be taken. A
/// `range`, `block` or a condition beyond a plain value test counts as unknown, a
/// `define` as not rendered.
fn blocks_render_states(text: &str, chart: &ChartContext) -> ActionStates {
    /// `taken`: some branch so far rendered; `current`: the branch being read renders.
    struct Block {
        taken: Option<bool>,
        current: Option<bool>,
    }
    let mut blocks: Vec<Block> = Vec::new();
    ActionStates::new(text, true, |action| {
        let action = action.trim_start_matches('-').trim_end_matches('-').trim();
        let (word, args) = action
            .split_once(char::is_whitespace)
            .map_or((action, ""), |(word, args)| (word, args.trim()));
        match word {
            "if" | "with" => {
                let on = condition(args, chart);
                blocks.push(Block {
                    taken: on,
                    current: on,
                });
            }
            "range" | "block" => blocks.push(Block {
                taken: None,
                current: None,
            }),
            "define" => blocks.push(Block {
                taken: Some(true),
                current: Some(false),
            }),
            "else" => {
                if let Some(block) = blocks.last_mut() {
                    let branch_condition = ["if", "with"].iter().find_map(|keyword| {
                        args.strip_prefix(keyword)
                            .filter(|c| c.starts_with(char::is_whitespace))
                    });
                    match (block.taken, branch_condition) {
                        (Some(true), _) => block.current = Some(false),
                        (Some(false), None) => {
                            block.current = Some(true);
                            block.taken = Some(true);
                        }
                        (Some(false), Some(c)) => {
                            block.current = condition(c.trim(), chart);
                            block.taken = block.current;
                        }
                        (None, _) => block.current = None,
                    }
                }
            }
            "end" => {
                blocks.pop();
            }
            _ => {}
        }
        blocks.iter().all(|block| block.current == Some(true))
    })
}

/// A condition `.Values.a.b` or `not .Values.a.b` on a scalar value; `None` otherwise.
fn condition(args: &str, chart: &ChartContext) -> Option<bool> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let (negate, operand) = match words.as_slice() {
        [operand] => (false, *operand),
        ["not", operand] => (true, *operand),
        _ => return None,
    };
    let keys = values_path(operand)?;
    let identifiers = keys
        .iter()
        .all(|key| !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_'));
    if !identifiers {
        return None;
    }
    let found = chart.value(&keys).ok()?;
    // Go templates: false, 0, nil and "" are false.
    Some(found.value.is_empty() == negate)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const CHART: &str = "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.16.0\"\n";
    const VALUES: &str = "replicaCount: 1\nimage:\n  repository: nginx\n  pullPolicy: always\n  # Overrides the image tag whose default is the chart appVersion.\n  tag: \"\"\n";

    /// A `helm create` deployment whose image is `{{ image_expression }}`.
    fn deployment(image_expression: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include \"web.fullname\" . }}}}
  labels:
    {{{{- include \"web.labels\" . | nindent 4 }}}}
spec:
  replicas: {{{{ .Values.replicaCount }}}}
  template:
    spec:
      containers:
        - name: {{{{ .Chart.Name }}}}
          image: \"{image_expression}\"
          imagePullPolicy: {{{{ .Values.image.pullPolicy }}}}
          ports:
            - name: http
              containerPort: 80
"
        )
    }

    const NO_DEFAULT: &str = "{{ .Values.image.repository }}:{{ .Values.image.tag }}";
    const WITH_DEFAULT: &str =
        "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}";

    fn chart(
        values: &str,
        chart: &str,
        templates: &[(&str, &str)],
    ) -> (HashMap<PathBuf, String>, Vec<PathBuf>) {
        let mut files: HashMap<PathBuf, String> = HashMap::new();
        files.insert("/r/web/values.yaml".into(), values.to_owned());
        files.insert("/r/web/Chart.yaml".into(), chart.to_owned());
        let mut paths = Vec::new();
        for (name, text) in templates {
            let path = PathBuf::from(format!("/r/web/{name}"));
            files.insert(path.clone(), (*text).to_owned());
            paths.push(path);
        }
        (files, paths)
    }

    fn run_with(
        values: &str,
        chart_yaml: &str,
        templates: &[(&str, &str)],
        severity: Severity,
    ) -> Vec<Finding> {
        let (files, paths) = chart(values, chart_yaml, templates);
        values_findings(Path::new("/r/web"), &paths, &files, &|_| severity)
    }

    fn run(values: &str, templates: &[(&str, &str)]) -> Vec<Finding> {
        run_with(values, CHART, templates, Severity::Error)
    }

    fn of<'f>(found: &'f [Finding], rule: &str) -> Vec<&'f Finding> {
        found.iter().filter(|f| f.rule == rule).collect()
    }

    /// Applies the first fix of the only finding of `rule`.
    fn fix(values: &str, found: &[Finding], rule: &str) -> String {
        let found = of(found, rule);
        assert_eq!(found.len(), 1, "{found:#?}");
        apply_edits(values, &found[0].fixes[0].edits)
    }

    #[test]
    fn scaffold_without_default_reports_both_values_and_fixes_them() {
        let template = deployment(NO_DEFAULT);
        let templates = [("templates/deployment.yaml", template.as_str())];
        let found = run(VALUES, &templates);
        assert_eq!(found.len(), 2, "{found:#?}");

        let policy = &of(&found, HELM_VALUES_PULL_POLICY)[0];
        assert_eq!(&VALUES[policy.range.clone()], "always");
        assert_eq!(policy.severity, Severity::Error);
        assert_eq!(
            policy.message,
            ".Values.image.pullPolicy renders imagePullPolicy \"always\" in \
             templates/deployment.yaml (spec.template.spec.containers[0]), which the API \
             server rejects: Unsupported value: \"always\": supported values: \"Always\", \
             \"IfNotPresent\", \"Never\""
        );
        assert_eq!(policy.fixes.len(), 1);
        assert!(policy.fixes[0].safe);
        assert_eq!(policy.fixes[0].title, "Change always to Always");
        let related = &policy.related[0];
        assert_eq!(
            related.file.as_deref(),
            Some(Path::new("/r/web/templates/deployment.yaml"))
        );
        assert_eq!(
            &template[related.range.clone()],
            "{{ .Values.image.pullPolicy }}"
        );

        let tag = &of(&found, HELM_VALUES_EMPTY_TAG)[0];
        assert_eq!(&VALUES[tag.range.clone()], "\"\"");
        assert!(
            tag.message.starts_with(
                ".Values.image.tag is empty, so the image renders with an empty tag as \
                 \"nginx:\" in templates/deployment.yaml"
            ) && tag.message.contains("InvalidImageName"),
            "{}",
            tag.message
        );
        assert!(!tag.fixes[0].safe);
        assert!(tag.fixes[0]
            .title
            .contains("changes the image that deploys"));
        assert_eq!(
            &template[tag.related[0].range.clone()],
            format!("\"{NO_DEFAULT}\"")
        );

        // Each fix repairs its value; both together leave nothing to report.
        let fixed = fix(VALUES, &found, HELM_VALUES_PULL_POLICY);
        assert!(fixed.contains("  pullPolicy: Always\n"));
        let fixed = fix(&fixed, &run(&fixed, &templates), HELM_VALUES_EMPTY_TAG);
        assert!(fixed.contains("  tag: \"1.16.0\"\n"), "{fixed}");
        assert!(run(&fixed, &templates).is_empty());
    }

    #[test]
    fn scaffold_with_default_app_version_renders_fine() {
        let template = deployment(WITH_DEFAULT);
        let found = run(VALUES, &[("templates/deployment.yaml", &template)]);
        assert!(of(&found, HELM_VALUES_EMPTY_TAG).is_empty(), "{found:#?}");
        // The pull policy is still wrong.
        assert_eq!(of(&found, HELM_VALUES_PULL_POLICY).len(), 1);

        // Without an appVersion the fallback is empty too: reported, with no fix.
        let found = run_with(
            VALUES,
            "name: web\nversion: 0.1.0\n",
            &[("templates/deployment.yaml", &template)],
            Severity::Error,
        );
        let tag = of(&found, HELM_VALUES_EMPTY_TAG);
        assert_eq!(tag.len(), 1);
        assert!(tag[0].fixes.is_empty());
        assert!(
            tag[0].message.contains("Chart.yaml sets no appVersion"),
            "{}",
            tag[0].message
        );
    }

    #[test]
    fn policy_fixes_keep_the_quoting_style() {
        let template = deployment("nginx:1.27");
        let templates = [("templates/deployment.yaml", template.as_str())];
        let cases = [
            ("\"always\"", Some("\"Always\"")),
            ("'ifnotpresent'", Some("'IfNotPresent'")),
            ("if-not-present", Some("IfNotPresent")),
            ("NEVER", Some("Never")),
            ("Latest", None),
            ("yes", None),
        ];
        for (written, want) in cases {
            let values = format!("image:\n  pullPolicy: {written} # note\n");
            let found = run(&values, &templates);
            assert_eq!(found.len(), 1, "{written}: {found:#?}");
            assert_eq!(&values[found[0].range.clone()], written);
            match want {
                Some(want) => {
                    let fixed = apply_edits(&values, &found[0].fixes[0].edits);
                    assert_eq!(fixed, format!("image:\n  pullPolicy: {want} # note\n"));
                    assert!(run(&fixed, &templates).is_empty(), "{fixed}");
                }
                None => assert!(found[0].fixes.is_empty(), "{written}"),
            }
        }
        // `yes` is the boolean true, rendered as `true`.
        let found = run("image:\n  pullPolicy: yes\n", &templates);
        assert!(
            found[0].message.contains("\"true\""),
            "{}",
            found[0].message
        );
        // Valid, empty or missing policies are fine.
        for values in [
            "image:\n  pullPolicy: IfNotPresent\n",
            "image:\n  pullPolicy: \"\"\n",
            "image:\n  pullPolicy:\n",
            "image: {}\n",
        ] {
            assert!(run(values, &templates).is_empty(), "{values}");
        }
    }

    #[test]
    fn crlf_values_keep_their_line_breaks() {
        let template = deployment(NO_DEFAULT);
        let templates = [("templates/deployment.yaml", template.as_str())];
        let values = VALUES.replace('\n', "\r\n");
        let found = run(&values, &templates);
        assert_eq!(found.len(), 2, "{found:#?}");
        let policy = &of(&found, HELM_VALUES_PULL_POLICY)[0];
        assert_eq!(&values[policy.range.clone()], "always");
        let fixed = fix(&values, &found, HELM_VALUES_PULL_POLICY);
        let fixed = fix(&fixed, &run(&fixed, &templates), HELM_VALUES_EMPTY_TAG);
        assert_eq!(
            fixed,
            VALUES
                .replace("always", "Always")
                .replace("tag: \"\"", "tag: \"1.16.0\"")
                .replace('\n', "\r\n")
        );
        assert!(run(&fixed, &templates).is_empty());

        // A missing tag is inserted with the file's line break.
        let values = "image:\r\n  repository: nginx\r\nreplicaCount: 1\r\n";
        let found = run(values, &templates);
        let fixed = fix(values, &found, HELM_VALUES_EMPTY_TAG);
        assert_eq!(
            fixed,
            "image:\r\n  repository: nginx\r\n  tag: \"1.16.0\"\r\nreplicaCount: 1\r\n"
        );
    }

    #[test]
    fn null_and_missing_tags() {
        let template = deployment(NO_DEFAULT);
        let templates = [("templates/deployment.yaml", template.as_str())];

        // `tag:` with nothing: reported on the key, the value goes after the colon.
        let values = "image:\n  repository: nginx\n  tag:   # set me\n";
        let found = run(values, &templates);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(&values[found[0].range.clone()], "tag");
        assert!(found[0].message.contains(".Values.image.tag is null"));
        let fixed = fix(values, &found, HELM_VALUES_EMPTY_TAG);
        assert_eq!(
            fixed,
            "image:\n  repository: nginx\n  tag: \"1.16.0\"   # set me\n"
        );
        assert!(run(&fixed, &templates).is_empty());

        let values = "image:\n  repository: nginx\n  tag: ~\n";
        let fixed = fix(values, &run(values, &templates), HELM_VALUES_EMPTY_TAG);
        assert_eq!(fixed, "image:\n  repository: nginx\n  tag: \"1.16.0\"\n");

        // Missing: reported on the parent key; the entry is added at its keys' column.
        let values = "image:\n    repository: nginx\n    nested:\n      a: 1\n# trailing comment\nservice: {}\n";
        let found = run(values, &templates);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(&values[found[0].range.clone()], "image");
        assert!(
            found[0].message.starts_with(".Values.image.tag is not set"),
            "{}",
            found[0].message
        );
        let fixed = fix(values, &found, HELM_VALUES_EMPTY_TAG);
        assert_eq!(
            fixed,
            "image:\n    repository: nginx\n    nested:\n      a: 1\n    tag: \"1.16.0\"\n# trailing comment\nservice: {}\n"
        );
        assert!(run(&fixed, &templates).is_empty());

        // In a flow mapping.
        let values = "image: {repository: nginx}\n";
        let fixed = fix(values, &run(values, &templates), HELM_VALUES_EMPTY_TAG);
        assert_eq!(fixed, "image: {repository: nginx, tag: \"1.16.0\"}\n");
        assert!(run(&fixed, &templates).is_empty());

        // A missing parent mapping makes `helm template` fail: not ours to report.
        assert!(run("replicaCount: 1\n", &templates).is_empty());
    }

    #[test]
    fn a_top_level_value_that_is_missing_is_reported_at_the_start() {
        let template = deployment("nginx:{{ .Values.tag }}");
        let values = "# values\nreplicaCount: 1\n";
        let found = run(values, &[("templates/deployment.yaml", &template)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].range, 0..0);
        let fixed = fix(values, &found, HELM_VALUES_EMPTY_TAG);
        assert_eq!(fixed, "# values\nreplicaCount: 1\ntag: \"1.16.0\"\n");
    }

    #[test]
    fn an_unquoted_image_with_an_empty_tag_is_not_yaml() {
        let template = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n    - name: a\n      image: {{ .Values.image.repository }}:{{ .Values.image.tag }}\n      ports: []\n";
        let templates = [("templates/pod.yaml", template)];
        let values = "image:\n  repository: nginx\n  tag: \"\"\n";
        let found = run(values, &templates);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(&values[found[0].range.clone()], "\"\"");
        assert!(
            found[0]
                .message
                .contains("as \"nginx:\" in templates/pod.yaml (container a), which is not YAML")
                && found[0].message.contains("helm fails to render the chart"),
            "{}",
            found[0].message
        );
        let fixed = fix(values, &found, HELM_VALUES_EMPTY_TAG);
        assert!(run(&fixed, &templates).is_empty());
        // With a tag it renders fine; the same shape inside `with` stays unknown.
        assert!(run("image:\n  repository: nginx\n  tag: \"1\"\n", &templates).is_empty());
        let in_with = template.replace(
            "  containers:\n",
            "  containers:\n{{- with .Values.image }}\n",
        ) + "{{- end }}\n";
        assert!(run(values, &[("templates/pod.yaml", &in_with)]).is_empty());
    }

    #[test]
    fn an_empty_digest_is_reported_without_a_fix() {
        let template = deployment("{{ .Values.image.repository }}@{{ .Values.image.digest }}");
        let values = "image:\n  repository: nginx\n  digest: \"\"\n";
        let found = run(values, &[("templates/deployment.yaml", &template)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(&values[found[0].range.clone()], "\"\"");
        assert!(found[0].message.contains("empty digest as \"nginx@\""));
        assert!(found[0].fixes.is_empty());
    }

    #[test]
    fn only_the_value_that_causes_the_empty_tag_is_blamed() {
        // The colon is written in the template: no value can repair it.
        let template = deployment("{{ .Values.image.registry }}nginx:");
        let values = "image:\n  registry: \"\"\n";
        assert!(run(values, &[("templates/deployment.yaml", &template)]).is_empty());

        // The registry is empty too, but only the tag leaves the reference open.
        let template = deployment(
            "{{ .Values.image.registry }}{{ .Values.image.repository }}:{{ .Values.image.tag }}",
        );
        let values = "image:\n  registry: \"\"\n  repository: nginx\n  tag: \"\"\n";
        let found = run(values, &[("templates/deployment.yaml", &template)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].range,
            values.rfind("\"\"").unwrap()..values.len() - 1
        );
    }

    #[test]
    fn suppression_comments_and_severity() {
        let template = deployment(NO_DEFAULT);
        let templates = [("templates/deployment.yaml", template.as_str())];
        let values = "image:\n  repository: nginx\n  pullPolicy: always # gitops-ls-ignore: helm-values-pull-policy\n  # gitops-ls-ignore: helm-values-empty-tag\n  tag: \"\"\n";
        assert!(run(values, &templates).is_empty());
        // Another rule's comment does not hide it.
        let values = "image:\n  repository: nginx\n  pullPolicy: always # gitops-ls-ignore: latest-tag\n  tag: \"1\"\n";
        assert_eq!(run(values, &templates).len(), 1);

        assert!(run_with(VALUES, CHART, &templates, Severity::Off).is_empty());
        let found = run_with(VALUES, CHART, &templates, Severity::Warning);
        assert!(found.iter().all(|f| f.severity == Severity::Warning));
        // One rule off, the other on.
        let (files, paths) = chart(VALUES, CHART, &templates);
        let found = values_findings(Path::new("/r/web"), &paths, &files, &|rule| {
            if rule == HELM_VALUES_EMPTY_TAG {
                Severity::Off
            } else {
                Severity::Error
            }
        });
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, HELM_VALUES_PULL_POLICY);
    }

    #[test]
    fn one_finding_per_value_however_many_containers_use_it() {
        let template = deployment(NO_DEFAULT);
        let job = "apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: \"{{ $.Values.image.repository }}:{{ $.Values.image.tag }}\"
          imagePullPolicy: {{ .Values.image.pullPolicy | quote }}
";
        let found = run(
            VALUES,
            &[
                ("templates/deployment.yaml", template.as_str()),
                ("templates/jobs/migrate.yml", job),
            ],
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        for finding in &found {
            assert!(
                finding.message.contains(
                    "templates/deployment.yaml (spec.template.spec.containers[0]) and 1 more"
                ),
                "{}",
                finding.message
            );
            assert_eq!(finding.related.len(), 2);
            assert_eq!(
                finding.related[1].file.as_deref(),
                Some(Path::new("/r/web/templates/jobs/migrate.yml"))
            );
            assert!(finding.related[1].message.starts_with("container migrate "));
        }
    }

    #[test]
    fn templated_beyond_the_model_gives_nothing() {
        let values = "image:\n  repository: nginx\n  pullPolicy: always\n  tag: \"\"\n";
        let templates = [
            // A helper builds the image; the policy goes through a function we do not model.
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n    - name: a\n      image: {{ include \"web.image\" . }}\n      imagePullPolicy: {{ .Values.image.pullPolicy | lower }}\n",
            // `with` moves the dot.
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers:\n{{- with .Values.image }}\n    - name: b\n      image: \"{{ .repository }}:{{ .tag }}\"\n      imagePullPolicy: {{ .pullPolicy }}\n{{- end }}\n",
            // printf and an if/else on the same key.
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\nspec:\n  containers:\n    - name: c\n      image: {{ printf \"%s:%s\" .Values.image.repository .Values.image.tag }}\n{{- if .Values.x }}\n      imagePullPolicy: {{ .Values.image.pullPolicy }}\n{{- else }}\n      imagePullPolicy: IfNotPresent\n{{- end }}\n",
            // A condition beyond a plain value test.
            "{{- if and .Values.a .Values.b }}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: d\nspec:\n  containers:\n    - name: d\n      image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n      imagePullPolicy: {{ .Values.image.pullPolicy }}\n{{- end }}\n",
            // Inside a range.
            "{{- range .Values.jobs }}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: e\nspec:\n  containers:\n    - name: e\n      image: \"{{ $.Values.image.repository }}:{{ $.Values.image.tag }}\"\n{{- end }}\n",
        ];
        for template in templates {
            let found = run(values, &[("templates/pod.yaml", template)]);
            assert!(found.is_empty(), "{template}\n{found:#?}");
        }
    }

    #[test]
    fn containers_in_blocks_switched_off_by_the_values_are_not_rendered() {
        let template = |condition: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n    - name: main\n      image: nginx:1.27\n{{{{- {condition} }}}}\n    - name: sidecar\n      image: \"{{{{ .Values.sidecar.repository }}}}:{{{{ .Values.sidecar.tag }}}}\"\n{{{{- end }}}}\n"
            )
        };
        let values = "sidecar:\n  enabled: false\n  repository: envoy\n  tag: \"\"\nmetrics: {}\n";
        let cases = [
            ("if .Values.sidecar.enabled", 0),
            ("if not .Values.sidecar.enabled", 1),
            ("if $.Values.sidecar.repository", 1),
            ("if .Values.metrics.enabled", 0),
            ("if .Values.metrics", 0), // a mapping: unknown
            ("if eq .Values.sidecar.enabled true", 0),
        ];
        for (condition, want) in cases {
            let text = template(condition);
            let found = run(values, &[("templates/pod.yaml", &text)]);
            assert_eq!(found.len(), want, "{condition}: {found:#?}");
        }
        // else branches.
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n{{- if .Values.sidecar.enabled }}\n    - name: off\n      image: \"{{ .Values.sidecar.repository }}:latest\"\n{{- else }}\n    - name: on\n      image: \"{{ .Values.sidecar.repository }}:{{ .Values.sidecar.tag }}\"\n{{- end }}\n";
        let found = run(values, &[("templates/pod.yaml", text)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("container on"));
        // A whole file in a `define` is never rendered as such.
        let text = format!(
            "{{{{- define \"x\" }}}}\n{}{{{{- end }}}}\n",
            deployment(NO_DEFAULT)
        );
        assert!(run(VALUES, &[("templates/x.yaml", &text)]).is_empty());
    }

    #[test]
    fn only_rendered_templates_of_this_chart_are_read() {
        let template = deployment(NO_DEFAULT);
        let files = [
            "/r/web/templates/_helpers.yaml",
            "/r/web/templates/NOTES.txt",
            "/r/web/templates/helpers.tpl",
            "/r/web/charts/sub/templates/deployment.yaml",
            "/r/web/other/deployment.yaml",
            "/r/web/templates/sub/../deployment.yaml",
            "/r/web/templates/nested/deployment.yml",
        ];
        let paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
        assert_eq!(
            chart_templates(Path::new("/r/web"), paths.iter().map(PathBuf::as_path)),
            vec![
                PathBuf::from("/r/web/templates/nested/deployment.yml"),
                PathBuf::from("/r/web/templates/sub/../deployment.yaml"),
            ]
        );
        let mut all: Vec<(&str, &str)> = files
            .iter()
            .map(|file| (file.trim_start_matches("/r/web/"), template.as_str()))
            .collect();
        all.retain(|(name, _)| !name.starts_with("templates/nested") && !name.contains(".."));
        assert!(run(VALUES, &all).is_empty());
        // No values.yaml: nothing.
        let (mut files, paths) = chart(VALUES, CHART, &[("templates/d.yaml", &template)]);
        files.remove(Path::new("/r/web/values.yaml"));
        assert!(
            values_findings(Path::new("/r/web"), &paths, &files, &|_| Severity::Error).is_empty()
        );
    }

    #[test]
    fn aliases_are_reported_but_only_fixed_at_their_anchor() {
        let template = deployment(NO_DEFAULT);
        let templates = [("templates/deployment.yaml", template.as_str())];
        let values = "defaults:\n  policy: &policy always\nimage:\n  repository: nginx\n  tag: \"1\"\n  pullPolicy: *policy\n";
        let found = run(values, &templates);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(&values[found[0].range.clone()], "*policy");
        assert!(found[0].fixes.is_empty());
    }

    #[test]
    fn canonical_policies() {
        assert_eq!(canonical_policy("always"), Some(PullPolicy::Always));
        assert_eq!(
            canonical_policy("If_Not_Present"),
            Some(PullPolicy::IfNotPresent)
        );
        assert_eq!(canonical_policy("never"), Some(PullPolicy::Never));
        assert_eq!(canonical_policy("IfNotPresnt"), None);
        assert_eq!(canonical_policy("Latest"), None);
        assert_eq!(canonical_policy(""), None);
    }

    #[test]
    fn thousands_of_containers_are_linted_in_one_pass_each() {
        // Before: each container scanned the template before it twice and rendered the
        // whole template again per probe (minutes for a few hundred containers).
        let mut template = String::from(
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n",
        );
        for i in 0..2_000 {
            let (open, close) = if i % 2 == 1 {
                ("{{- if .Values.off }}\n", "{{- end }}\n")
            } else {
                ("", "")
            };
            template.push_str(&format!(
                "{open}        - name: c{i}\n          image: \"{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag }}}}\"\n          imagePullPolicy: {{{{ .Values.image.pullPolicy }}}}\n{close}"
            ));
        }
        let values = format!("off: false\n{VALUES}");
        let found = run(&values, &[("templates/deployment.yaml", template.as_str())]);
        assert_eq!(found.len(), 2, "{found:#?}");
        for finding in &found {
            // The containers in the `if .Values.off` blocks are not rendered.
            assert!(finding.message.contains("(container c0) and 999 more"));
            assert_eq!(finding.related.len(), 1_000);
        }
        let policy = of(&found, HELM_VALUES_PULL_POLICY)[0];
        for (i, related) in policy.related.iter().enumerate() {
            assert_eq!(
                &template[related.range.clone()],
                "{{ .Values.image.pullPolicy }}"
            );
            assert!(related
                .message
                .starts_with(&format!("container c{} ", 2 * i)));
        }
        assert_eq!(
            fix(&values, &found, HELM_VALUES_PULL_POLICY),
            values.replace("always", "Always")
        );
    }
}
