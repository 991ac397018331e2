//! `gitops-ls check`: lint files, optionally fix them, report, pick the exit status.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gitops_ls_analysis::gitops::workspace::normalize;
use gitops_ls_analysis::gitops::{
    self, is_kustomization_file_name, BaseChange, FileSource, MergedContainer, WorkspaceIndex,
};
use gitops_ls_analysis::{analyze, apply_edits, rules, Analysis, Edit, Finding, Severity};
use rayon::prelude::*;

use crate::files::{discover, ConfigResolver, InputError};
use crate::{report, CheckArgs, FailOn, EXIT_ERROR, EXIT_FINDINGS};

/// One linted file.
pub struct FileResult {
    pub path: PathBuf,
    pub text: String,
    pub analysis: Analysis,
    /// How many fixes `--fix` applied.
    pub fixes_applied: usize,
}

/// Everything a report needs.
pub struct Outcome {
    pub files: Vec<FileResult>,
    pub errors: Vec<InputError>,
    /// YAML files looked at, including those skipped as not Kubernetes.
    pub yaml_files: usize,
}

enum FileOutcome {
    Linted(FileResult),
    /// Kept for the cross-file index, which reads Argo CD / Flux objects.
    NotKubernetes(PathBuf, String),
    Excluded,
    Failed(InputError),
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let resolver = match ConfigResolver::new(args.config.as_deref()) {
        Ok(resolver) => resolver,
        Err(error) => {
            eprintln!("gitops-ls: {}", error.message);
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let (paths, mut errors) = discover(&args.paths);
    let results: Vec<FileOutcome> = paths
        .par_iter()
        .map(|path| lint_file(path, &resolver))
        .collect();
    let mut files = Vec::new();
    let mut other_yaml = Vec::new();
    let mut yaml_files = 0;
    for result in results {
        match result {
            FileOutcome::Linted(file) => {
                yaml_files += 1;
                files.push(file);
            }
            FileOutcome::NotKubernetes(path, text) => {
                yaml_files += 1;
                other_yaml.push((path, text));
            }
            FileOutcome::Excluded => {}
            FileOutcome::Failed(error) => errors.push(error),
        }
    }
    let root = repository_root(args);
    let mut index = build_index(&root, &paths, &files, &other_yaml);
    demote_fixes_that_change_overlays(&index, &root, &mut files, &other_yaml);
    cross_file_findings(&index, &root, &resolver, &mut files, &other_yaml);
    if args.fix {
        let fixed: Vec<Result<bool, InputError>> = files
            .par_iter_mut()
            .map(|file| fix_file(file, &resolver))
            .collect();
        let mut any_fixed = false;
        for result in fixed {
            match result {
                Ok(fixed) => any_fixed |= fixed,
                Err(error) => errors.push(error),
            }
        }
        // Report what is left, like a second run would: the fixes may have changed
        // kustomizations, values or manifests the cross-file findings read.
        if any_fixed {
            for file in &mut files {
                let findings = &mut file.analysis.findings;
                findings.retain(|finding| !rules::CROSS_FILE_RULES.contains(&finding.rule));
            }
            index = build_index(&root, &paths, &files, &other_yaml);
            demote_fixes_that_change_overlays(&index, &root, &mut files, &other_yaml);
            cross_file_findings(&index, &root, &resolver, &mut files, &other_yaml);
        }
    }
    let outcome = Outcome {
        files,
        errors,
        yaml_files,
    };
    let rendered = report::render(args.format, &outcome, args.color.enabled());
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = stdout
        .write_all(rendered.as_bytes())
        .and_then(|()| stdout.flush());
    for error in &outcome.errors {
        eprintln!("gitops-ls: {}: {}", error.path.display(), error.message);
    }
    exit_status(&outcome, args.fail_on)
}

/// Reads the workspace from disk.
struct Disk;

/// The texts this run already read (as they are after `--fix`), then the disk.
struct AlreadyRead<'a> {
    texts: HashMap<PathBuf, &'a str>,
}

impl FileSource for AlreadyRead<'_> {
    fn read(&self, path: &Path) -> Option<String> {
        match self.texts.get(&normalize(path)) {
            Some(text) => Some((*text).to_owned()),
            None => Disk.read(path),
        }
    }
}

impl FileSource for Disk {
    fn read(&self, path: &Path) -> Option<String> {
        let metadata = std::fs::metadata(path).ok()?;
        if !metadata.is_file() || metadata.len() > gitops_ls_analysis::MAX_FILE_BYTES as u64 {
            return None;
        }
        std::fs::read_to_string(path).ok()
    }
}

/// Argo CD / Flux paths are relative to the repository root: the first folder checked.
fn repository_root(args: &CheckArgs) -> PathBuf {
    args.paths
        .iter()
        .find(|path| path.is_dir())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The texts of every YAML file read, keyed for [`AlreadyRead`]. A file skipped as not
/// Kubernetes that joined `files` for a cross-file finding (and may have been fixed since)
/// is taken from `files`.
fn read_texts<'a>(files: &'a [FileResult], other_yaml: &'a [(PathBuf, String)]) -> AlreadyRead<'a> {
    let others = other_yaml
        .iter()
        .map(|(path, text)| (path.as_path(), text.as_str()));
    let checked = files
        .iter()
        .map(|file| (file.path.as_path(), file.text.as_str()));
    AlreadyRead {
        texts: others
            .chain(checked)
            .map(|(path, text)| (normalize(path), text))
            .collect(),
    }
}

/// The workspace index over the checked files (kustomizations, Argo CD / Flux objects,
/// charts).
fn build_index(
    root: &Path,
    paths: &[PathBuf],
    files: &[FileResult],
    other_yaml: &[(PathBuf, String)],
) -> WorkspaceIndex {
    let source = read_texts(files, other_yaml);
    let mut index = WorkspaceIndex::build(root, paths.iter().cloned(), &source);
    index.scan_deployers(&source);
    index
}

/// Inserting the written image's default pull policy keeps what the base deploys but not
/// what an overlay that rewrites the tag (or may patch the image) deploys: such fixes are
/// not applied by `--fix`. In a patch file, a container merged into one that sets a policy
/// gets no `implicit-pull-policy` finding, and the others no safe fix.
fn demote_fixes_that_change_overlays(
    index: &WorkspaceIndex,
    root: &Path,
    files: &mut [FileResult],
    other_yaml: &[(PathBuf, String)],
) {
    let patch_files = index.patch_files();
    let changes: Vec<(Vec<BaseChange>, Vec<MergedContainer>)> = {
        // Patch files are read from the checked texts.
        let source = read_texts(files, other_yaml);
        files
            .par_iter()
            .map(|file| {
                let merged = if patch_files.contains_key(&normalize(&file.path)) {
                    index.patch_containers_with_base_policy(&file.path, &file.text, &source)
                } else {
                    Vec::new()
                };
                if index.chains_for(&file.path).is_empty() {
                    return (Vec::new(), merged);
                }
                let changes = gitops::base_changes(index, root, &file.path, &file.text, &source);
                (changes, merged)
            })
            .collect()
    };
    for (file, (changes, merged)) in files.iter_mut().zip(changes) {
        let findings = &mut file.analysis.findings;
        gitops::demote_overlay_changed_fixes(findings, &changes);
        // A patch file's containers keep the policy of the objects they are merged into.
        if let Some(kustomization) = patch_files.get(&normalize(&file.path)) {
            findings.retain(|finding| !gitops::moot_in_patch_file(finding, &merged));
            let dir = kustomization.parent().unwrap_or(Path::new(""));
            gitops::demote_patch_file_fixes(findings, &index.short_path(dir));
        }
    }
}

/// The findings that need several files (`overlay-changes-policy`, `unused-image-entry`,
/// and the Helm `values.yaml` rules): each joins the report of its file (a kustomization or
/// `values.yaml` that was skipped as not Kubernetes is added).
fn cross_file_findings(
    index: &WorkspaceIndex,
    root: &Path,
    resolver: &ConfigResolver,
    files: &mut Vec<FileResult>,
    other_yaml: &[(PathBuf, String)],
) {
    let severity_of = |file: &Path, rule: &str| {
        let Some(rule) = rules::rule(rule) else {
            return Severity::Off;
        };
        match resolver.for_file(file) {
            Ok(loaded) if !loaded.excludes(file) => loaded.config.severity(rule),
            _ => Severity::Off,
        }
    };
    let found = {
        let source = read_texts(files, other_yaml);
        let mut found = gitops::findings(index, &source, root, &severity_of);
        let templates = index.templates_by_chart();
        let in_values: Vec<(PathBuf, Finding)> = index
            .charts()
            .par_iter()
            .flat_map_iter(|&chart| {
                let values = chart.join("values.yaml");
                let severity_of = |rule: &'static str| severity_of(&values, rule);
                let templates = templates.get(chart).map_or(&[][..], Vec::as_slice);
                let found = gitops::helm::values_findings(chart, templates, &source, &severity_of);
                found
                    .into_iter()
                    .map(move |finding| (values.clone(), finding))
            })
            .collect();
        found.extend(in_values);
        found
    };
    for (file, finding) in found {
        let position = files
            .iter()
            .position(|result| normalize(&result.path) == file);
        let position = match position {
            Some(position) => position,
            None => {
                // A kustomization or values.yaml skipped as not Kubernetes: as it was found.
                let read = other_yaml
                    .iter()
                    .find(|(path, _)| normalize(path) == file)
                    .map(|(path, text)| (path.clone(), Some(text.clone())));
                let (path, text) = read.unwrap_or_else(|| (file.clone(), Disk.read(&file)));
                let (Some(text), Ok(loaded)) = (text, resolver.for_file(&path)) else {
                    continue;
                };
                let analysis = analyze(&text, &loaded.config);
                files.push(FileResult {
                    path,
                    text,
                    analysis,
                    fixes_applied: 0,
                });
                files.len() - 1
            }
        };
        let findings = &mut files[position].analysis.findings;
        findings.push(finding);
        findings.sort_by(|a, b| {
            (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
}

fn exit_status(outcome: &Outcome, fail_on: FailOn) -> ExitCode {
    if !outcome.errors.is_empty() {
        return ExitCode::from(EXIT_ERROR);
    }
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
        FailOn::Hint => Severity::Hint,
        FailOn::None => return ExitCode::SUCCESS,
    };
    let failing = outcome
        .files
        .iter()
        .flat_map(|file| &file.analysis.findings)
        .any(|finding| finding.severity >= threshold);
    if failing {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

fn lint_file(path: &Path, resolver: &ConfigResolver) -> FileOutcome {
    let loaded = match resolver.for_file(path) {
        Ok(loaded) => loaded,
        Err(error) => return FileOutcome::Failed(error),
    };
    if loaded.excludes(path) {
        return FileOutcome::Excluded;
    }
    let text = match read_utf8(path) {
        Ok(text) => text,
        Err(error) => return FileOutcome::Failed(error),
    };
    let analysis = analyze(&text, &loaded.config);
    let is_kustomization = path
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(is_kustomization_file_name);
    if !is_kubernetes_yaml(&analysis) && !is_kustomization {
        return FileOutcome::NotKubernetes(path.to_path_buf(), text);
    }
    FileOutcome::Linted(FileResult {
        path: path.to_path_buf(),
        text,
        analysis,
        fixes_applied: 0,
    })
}

/// `--fix`: applies the safe fixes, writes the file, and re-analyses it like a second run
/// would. `Ok(true)` when the file changed.
fn fix_file(file: &mut FileResult, resolver: &ConfigResolver) -> Result<bool, InputError> {
    let edits: Vec<Edit> = file
        .analysis
        .findings
        .iter()
        .filter_map(|finding| finding.fixes.iter().find(|fix| fix.safe))
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    if edits.is_empty() {
        return Ok(false);
    }
    let loaded = resolver.for_file(&file.path)?;
    let fixed = apply_edits(&file.text, &edits);
    write_atomically(&file.path, &fixed)?;
    file.analysis = analyze(&fixed, &loaded.config);
    file.text = fixed;
    file.fixes_applied = edits.len();
    Ok(true)
}

fn read_utf8(path: &Path) -> Result<String, InputError> {
    let bytes = std::fs::read(path).map_err(|error| InputError {
        path: path.to_path_buf(),
        message: format!("cannot read: {error}"),
    })?;
    String::from_utf8(bytes).map_err(|error| InputError {
        path: path.to_path_buf(),
        message: format!(
            "not UTF-8 (invalid byte at offset {}); Kubernetes manifests must be UTF-8",
            error.utf8_error().valid_up_to()
        ),
    })
}

/// A file is linted as Kubernetes YAML when a document has `apiVersion` or
/// `kind`, or a broken document mentions them; Helm values, CI configs and
/// other YAML are skipped quietly.
fn is_kubernetes_yaml(analysis: &Analysis) -> bool {
    if analysis.skipped.is_some() || !analysis.containers.is_empty() {
        return true;
    }
    analysis.file.documents.iter().any(|doc| {
        let has_type_keys =
            |node| doc.get(node, "apiVersion").is_some() || doc.get(node, "kind").is_some();
        doc.root.is_some_and(has_type_keys)
            || (doc.error.is_some()
                && doc
                    .nodes
                    .iter()
                    .enumerate()
                    .any(|(id, _)| doc.is_mapping(id) && has_type_keys(id)))
    })
}

/// Writes through a temporary file in the same folder and a rename, so a
/// crash never leaves a half-written manifest; keeps the permissions.
fn write_atomically(path: &Path, text: &str) -> Result<(), InputError> {
    let fail = |error: std::io::Error| InputError {
        path: path.to_path_buf(),
        message: format!("cannot write the fixed file: {error}"),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.gitops-ls-fix"));
    let permissions = std::fs::metadata(path).map_err(fail)?.permissions();
    let written = std::fs::write(&temporary, text)
        .and_then(|()| std::fs::set_permissions(&temporary, permissions))
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail(error));
    }
    Ok(())
}
