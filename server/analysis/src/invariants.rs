//! Properties that hold for every input, checked by the fuzz targets (`fuzz/`) and by the
//! tests that replay their regression corpus (`tests/fuzz_regressions.rs`, `tests/fix_roundtrip.rs`).
//! Each check returns what went wrong instead of panicking, so a caller can name the input.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::finding::{apply_edits, Edit, Finding, Severity};
use crate::gitops::{base_changes, base_findings, findings, helm::values_findings, WorkspaceIndex};
use crate::text::TextRange;
use crate::yaml::{Document, NodeId, NodeKind};
use crate::{analyze, Analysis};

/// The rules whose findings must not come back once their safe fixes are applied, and
/// which the repaired text must not gain.
const SYNTAX_RULES: [&str; 2] = ["yaml-syntax", "duplicate-key"];

/// `analyze` on any text: every range of a finding, a fix or a related location lies
/// within the text, on character boundaries.
pub fn check_analysis(text: &str) -> Result<(), String> {
    let analysis = analyze(text, &Config::default());
    findings_in_text(text, analysis.findings.iter())
}

fn findings_in_text<'f>(
    text: &str,
    found: impl Iterator<Item = &'f Finding>,
) -> Result<(), String> {
    let valid = |range: &TextRange| {
        range.start <= range.end
            && range.end <= text.len()
            && text.is_char_boundary(range.start)
            && text.is_char_boundary(range.end)
    };
    for finding in found {
        let ranges = std::iter::once(&finding.range)
            .chain(
                finding
                    .fixes
                    .iter()
                    .flat_map(|fix| fix.edits.iter().map(|e| &e.range)),
            )
            .chain(
                finding
                    .related
                    .iter()
                    .filter(|related| related.file.is_none())
                    .map(|related| &related.range),
            );
        for range in ranges {
            if !valid(range) {
                return Err(format!(
                    "{} has the range {range:?}, outside the {}-byte text or inside a character",
                    finding.rule,
                    text.len()
                ));
            }
        }
    }
    Ok(())
}

/// What applying the safe fixes did, when the round trip holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FixRoundTrip {
    /// Findings that had a safe fix.
    pub fixed: usize,
    /// Edits applied.
    pub edits: usize,
    /// The text with the safe fixes applied; `None` when there were none.
    pub repaired: Option<String>,
}

/// A container, by document and path from the object root.
type ContainerKey = (usize, String);

/// Applies every safe fix `analyze` offers and checks that the fixes mean what they say:
///
/// - the text still parses: as many documents, no new `yaml-syntax` or `duplicate-key`;
/// - the text outside the edited ranges is byte-identical, and the parsed tree is the
///   same apart from the policy entries of the fixed containers;
/// - none of the fixed findings comes back;
/// - each fixed container's effective policy is the one the fix writes, and every other
///   container's is unchanged.
pub fn check_safe_fixes(text: &str) -> Result<FixRoundTrip, String> {
    let config = Config::default();
    let before = analyze(text, &config);
    let mut edits: Vec<Edit> = Vec::new();
    // The container each fixed finding is about, with the policy its fix writes.
    let mut intended: BTreeMap<ContainerKey, (String, &'static str)> = BTreeMap::new();
    let mut fixed = 0;
    for finding in &before.findings {
        let Some(fix) = finding.safe_fix() else {
            continue;
        };
        fixed += 1;
        edits.extend(fix.edits.iter().cloned());
        if SYNTAX_RULES.contains(&finding.rule) {
            continue;
        }
        let container = container_of(&before, finding)
            .ok_or_else(|| format!("the safe fix of {} is for no container", finding.rule))?;
        let policy = written_policy(&fix.edits)
            .ok_or_else(|| format!("the safe fix {:?} writes no pull policy", fix.title))?;
        if let Some((other, _)) = intended.insert(container.clone(), (policy.clone(), finding.rule))
        {
            if other != policy {
                return Err(format!(
                    "two safe fixes for {container:?} write {other} and {policy}"
                ));
            }
        }
    }
    if edits.is_empty() {
        return Ok(FixRoundTrip::default());
    }
    let repaired = apply_edits(text, &edits);
    let after = analyze(&repaired, &config);
    let context = |problem: String| format!("{problem}\n--- repaired text:\n{repaired}");

    still_parses(&before, &after).map_err(context)?;
    let kept = kept_edits(&edits);
    only_edits_changed(text, &repaired, &kept).map_err(context)?;
    trees_agree(&before, &after, &intended).map_err(context)?;
    for finding in &after.findings {
        let Some(container) = container_of(&after, finding) else {
            continue;
        };
        if let Some((_, rule)) = intended.get(&container) {
            if *rule == finding.rule {
                return Err(context(format!(
                    "{rule} is still reported for {container:?} after its safe fix: {}",
                    finding.message
                )));
            }
        }
    }
    let (old, new) = (policies(&before), policies(&after));
    if old.keys().ne(new.keys()) {
        return Err(context(format!(
            "the containers changed: {:?} became {:?}",
            old.keys().collect::<Vec<_>>(),
            new.keys().collect::<Vec<_>>()
        )));
    }
    let templates = templates(&before);
    for (key, was) in &old {
        let now = &new[key];
        // A container without a policy of its own gets its template's (Tekton
        // `stepTemplate`), which a fix may have written.
        let fixed_as = intended.get(key).or_else(|| {
            templates
                .get(key)
                .and_then(|template| intended.get(template))
        });
        let expected = fixed_as
            .map(|(policy, _)| Some(policy))
            .unwrap_or(was.as_ref());
        if now.as_ref() != expected {
            return Err(context(format!(
                "{key:?}: the effective policy {was:?} became {now:?}, expected {expected:?}"
            )));
        }
    }
    Ok(FixRoundTrip {
        fixed,
        edits: kept.len(),
        repaired: Some(repaired),
    })
}

/// The container whose mapping holds the finding and whose label it carries.
fn container_of(analysis: &Analysis, finding: &Finding) -> Option<ContainerKey> {
    let label = finding.container.as_ref()?;
    analysis
        .containers
        .iter()
        .filter(|facts| facts.label() == *label)
        .filter(|facts| {
            let doc = &analysis.file.documents[facts.container.document];
            let span = &doc.node(facts.container.mapping).span;
            span.start <= finding.range.start && finding.range.end <= span.end
        })
        .min_by_key(|facts| {
            let doc = &analysis.file.documents[facts.container.document];
            doc.node(facts.container.mapping).span.len()
        })
        .map(|facts| (facts.container.document, facts.container.path.clone()))
}

/// The policy a fix writes: the last word of its text (`imagePullPolicy: Always`, ` Always`).
fn written_policy(edits: &[Edit]) -> Option<String> {
    let [edit] = edits else {
        return None;
    };
    let word = edit.new_text.trim_end().rsplit([' ', ':']).next()?;
    crate::image::PullPolicy::parse_exact(word).map(|policy| policy.as_str().to_owned())
}

/// The template each container takes its pull policy from, when it sets none itself.
fn templates(analysis: &Analysis) -> BTreeMap<ContainerKey, ContainerKey> {
    analysis
        .containers
        .iter()
        .filter(|facts| facts.container.policy.is_none())
        .filter_map(|facts| {
            let container = &facts.container;
            let template = container.inherits_from.as_ref()?;
            let key = (container.document, container.path.clone());
            Some((key, (container.document, template.path.clone())))
        })
        .collect()
}

fn policies(analysis: &Analysis) -> BTreeMap<ContainerKey, Option<String>> {
    analysis
        .containers
        .iter()
        .map(|facts| {
            let key = (facts.container.document, facts.container.path.clone());
            (key, facts.effective.policy().map(|p| p.as_str().to_owned()))
        })
        .collect()
}

fn still_parses(before: &Analysis, after: &Analysis) -> Result<(), String> {
    let (was, is) = (before.file.documents.len(), after.file.documents.len());
    if was != is {
        return Err(format!("{was} documents became {is}"));
    }
    for (index, (old, new)) in before
        .file
        .documents
        .iter()
        .zip(&after.file.documents)
        .enumerate()
    {
        if old.error.is_none() {
            if let Some(error) = &new.error {
                return Err(format!(
                    "document {index} no longer parses: {} at byte {}",
                    error.message, error.offset
                ));
            }
        }
    }
    for rule in SYNTAX_RULES {
        let count =
            |analysis: &Analysis| analysis.findings.iter().filter(|f| f.rule == rule).count();
        let (was, is) = (count(before), count(after));
        if is > was {
            return Err(format!(
                "{rule}: {was} findings before the fixes, {is} after"
            ));
        }
    }
    Ok(())
}

/// The edits `apply_edits` keeps, in offset order (it drops overlapping ones).
fn kept_edits(edits: &[Edit]) -> Vec<Edit> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut kept: Vec<Edit> = Vec::new();
    for edit in sorted {
        let overlaps = kept.last().is_some_and(|last| {
            edit.range.start < last.range.end || (edit.range.is_empty() && last.range == edit.range)
        });
        if !overlaps {
            kept.push(edit);
        }
    }
    kept
}

/// Putting the replaced text back where each edit wrote gives the old text, byte for byte.
fn only_edits_changed(text: &str, repaired: &str, kept: &[Edit]) -> Result<(), String> {
    let mut rebuilt = String::with_capacity(text.len());
    let mut cursor = 0; // in `repaired`
    let mut shift = 0isize; // `repaired` offset minus `text` offset
    for edit in kept {
        let at = (edit.range.start as isize + shift) as usize;
        if repaired.get(at..at + edit.new_text.len()) != Some(edit.new_text.as_str()) {
            return Err(format!("{:?} is not where it was written", edit.new_text));
        }
        rebuilt.push_str(&repaired[cursor..at]);
        rebuilt.push_str(&text[edit.range.clone()]);
        cursor = at + edit.new_text.len();
        shift += edit.new_text.len() as isize - edit.range.len() as isize;
    }
    rebuilt.push_str(repaired.get(cursor..).unwrap_or_default());
    if rebuilt != text {
        return Err("the repaired text changes more than the edited ranges".to_owned());
    }
    Ok(())
}

/// Each document's tree, without the policy entries of the fixed containers, is the same
/// before and after.
fn trees_agree(
    before: &Analysis,
    after: &Analysis,
    intended: &BTreeMap<ContainerKey, (String, &'static str)>,
) -> Result<(), String> {
    let policy_entries = |analysis: &Analysis, index: usize| -> Vec<NodeId> {
        analysis
            .containers
            .iter()
            .filter(|facts| facts.container.document == index)
            .filter(|facts| intended.contains_key(&(index, facts.container.path.clone())))
            .filter_map(|facts| facts.container.policy.as_ref().filter(|field| field.own))
            .map(|field| field.value)
            .collect()
    };
    let documents = before.file.documents.iter().zip(&after.file.documents);
    for (index, (old, new)) in documents.enumerate() {
        let old_tree = canonical_tree(old, &policy_entries(before, index));
        let new_tree = canonical_tree(new, &policy_entries(after, index));
        if old_tree != new_tree {
            let first = old_tree.iter().zip(&new_tree).position(|(a, b)| a != b);
            let at = first.unwrap_or(old_tree.len().min(new_tree.len()));
            return Err(format!(
                "document {index} changed beyond the policy entries: {:?} became {:?}",
                old_tree.get(at),
                new_tree.get(at)
            ));
        }
    }
    Ok(())
}

/// A document as a list of tokens in document order: each node's kind, style, value and
/// properties; an alias as the position of its target among the aliased nodes. Mapping
/// entries whose value is in `skipped` are left out. Comments are not in it: they are
/// outside the edits, which [`only_edits_changed`] compares byte for byte. Built with a
/// stack, never recursion.
fn canonical_tree(doc: &Document, skipped: &[NodeId]) -> Vec<String> {
    let aliased: Vec<NodeId> = {
        let mut targets: Vec<NodeId> = doc
            .nodes
            .iter()
            .filter_map(|node| match node.kind {
                NodeKind::Alias { target } => Some(target),
                _ => None,
            })
            .collect();
        targets.sort_unstable();
        targets.dedup();
        targets
    };
    let mut tokens = Vec::new();
    let mut stack: Vec<Option<NodeId>> = doc.root.into_iter().map(Some).collect();
    while let Some(next) = stack.pop() {
        let Some(id) = next else {
            tokens.push("end".to_owned());
            continue;
        };
        let node = doc.node(id);
        let properties = match (node.anchored, node.tagged) {
            (false, false) => "",
            (true, false) => "&",
            (false, true) => "!",
            (true, true) => "&!",
        };
        match &node.kind {
            NodeKind::Scalar { value, style } => {
                tokens.push(format!("{properties}{style:?} {value:?}"));
            }
            NodeKind::Alias { target } => {
                let position = aliased.binary_search(target).ok();
                tokens.push(format!("*{position:?}"));
            }
            NodeKind::Sequence { items, flow } => {
                tokens.push(format!("{properties}[ flow={flow}"));
                stack.push(None);
                stack.extend(items.iter().rev().map(|&item| Some(item)));
            }
            NodeKind::Mapping { entries, flow } => {
                tokens.push(format!("{properties}{{ flow={flow}"));
                stack.push(None);
                for entry in entries.iter().rev() {
                    if !skipped.contains(&entry.value) {
                        stack.push(Some(entry.value));
                        stack.push(Some(entry.key));
                    }
                }
            }
        }
    }
    tokens
}

/// Separates the files of one `gitops` fuzz input.
pub const FILE_SEPARATOR: &str = "\n=====\n";

/// Where the parts of a `gitops` input go, in order: a base with a manifest, an overlay,
/// an Argo CD Application over the overlay, and a chart with values and a template.
pub const GITOPS_LAYOUT: [&str; 7] = [
    "base/kustomization.yaml",
    "base/deployment.yaml",
    "overlays/dev/kustomization.yaml",
    "apps/app.yaml",
    "chart/Chart.yaml",
    "chart/values.yaml",
    "chart/templates/deployment.yaml",
];

/// The cross-file layer on one input split at [`FILE_SEPARATOR`] into the files of
/// [`GITOPS_LAYOUT`]: the workspace index, the cross-file findings, the base manifests'
/// notes and the Helm values findings. Every finding's range lies within its file, on
/// character boundaries.
pub fn check_gitops(input: &str) -> Result<(), String> {
    let root = Path::new("/repo");
    let files: HashMap<PathBuf, String> = GITOPS_LAYOUT
        .iter()
        .zip(input.split(FILE_SEPARATOR))
        .map(|(path, text)| (root.join(path), text.to_owned()))
        .collect();
    let mut index = WorkspaceIndex::build(root, files.keys().cloned(), &files);
    index.scan_deployers(&files);
    let in_file = |path: &Path, found: &[&Finding]| {
        let text = files.get(path).map(String::as_str).unwrap_or_default();
        findings_in_text(text, found.iter().copied())
            .map_err(|problem| format!("{}: {problem}", path.display()))
    };
    for (path, finding) in findings(&index, &files, root, &|_, _| Severity::Warning) {
        in_file(&path, &[&finding])?;
    }
    for (path, text) in &files {
        let changes = base_changes(&index, root, path, text, &files);
        let notes = base_findings(text, &changes, Severity::Info);
        in_file(path, &notes.iter().collect::<Vec<_>>())?;
    }
    let chart_files: Vec<PathBuf> = files.keys().cloned().collect();
    for chart in index.charts() {
        let values = chart.join("values.yaml");
        let found = values_findings(chart, &chart_files, &files, &|_| Severity::Error);
        in_file(&values, &found.iter().collect::<Vec<_>>())?;
        safe_values_fixes_hold(chart, &values, &chart_files, &files, &found)
            .map_err(|problem| format!("{}: {problem}", values.display()))?;
    }
    Ok(())
}

/// The safe Helm values fixes, applied together, leave a values file that parses as
/// before and on which none of the fixed findings comes back.
fn safe_values_fixes_hold(
    chart: &Path,
    values: &Path,
    chart_files: &[PathBuf],
    files: &HashMap<PathBuf, String>,
    found: &[Finding],
) -> Result<(), String> {
    let fixed: Vec<&Finding> = found
        .iter()
        .filter(|finding| finding.safe_fix().is_some())
        .collect();
    if fixed.is_empty() {
        return Ok(());
    }
    let text = files.get(values).map(String::as_str).unwrap_or_default();
    let edits: Vec<Edit> = fixed
        .iter()
        .filter_map(|finding| finding.safe_fix())
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    let repaired = apply_edits(text, &edits);
    let context = |problem: String| format!("{problem}\n--- repaired values:\n{repaired}");
    let (before, after) = (
        crate::yaml::YamlFile::parse(text),
        crate::yaml::YamlFile::parse(&repaired),
    );
    let broken = |file: &crate::yaml::YamlFile| {
        file.documents
            .iter()
            .filter(|doc| doc.error.is_some())
            .count()
    };
    if before.documents.len() != after.documents.len() || broken(&after) > broken(&before) {
        return Err(context("the safe fixes break the values file".to_owned()));
    }
    let mut files = files.clone();
    files.insert(values.to_path_buf(), repaired.clone());
    let again = values_findings(chart, chart_files, &files, &|_| Severity::Error);
    for finding in &fixed {
        let rule = finding.rule;
        let count =
            |found: &mut dyn Iterator<Item = &Finding>| found.filter(|f| f.rule == rule).count();
        let (was, is) = (count(&mut found.iter()), count(&mut again.iter()));
        let repaired_count = count(&mut fixed.iter().copied());
        if is + repaired_count > was {
            return Err(context(format!(
                "{rule}: {was} findings, {repaired_count} with a safe fix, {is} after the fixes"
            )));
        }
    }
    Ok(())
}
