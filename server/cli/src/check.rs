//! `gitops-ls check`: lint files, optionally fix them, report, pick the exit status.

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gitops_ls_analysis::gitops::workspace::normalize;
use gitops_ls_analysis::gitops::{
    self, is_kustomization_file_name, BaseChange, FileSource, MergedContainer, WorkspaceIndex,
};
use gitops_ls_analysis::{analyze, apply_edits, rules, Analysis, Edit, Finding, Severity};
use rayon::prelude::*;

use crate::files::{discover, ConfigResolver, InputError};
use crate::{report, CheckArgs, FailOn, Format, EXIT_ERROR, EXIT_FINDINGS};

/// One linted file.
pub struct FileResult {
    pub path: PathBuf,
    pub text: String,
    pub analysis: Analysis,
    /// How many fixes `--fix` applied.
    pub fixes_applied: usize,
}

/// A file that was read but not analysed (larger than the analysis limit).
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// Everything a report needs.
#[derive(Default)]
pub struct Outcome {
    pub files: Vec<FileResult>,
    pub skipped: Vec<SkippedFile>,
    /// Each problem once (a broken configuration shared by many files is one error).
    pub errors: Vec<InputError>,
    /// Files (and command-line paths) that could not be checked because of `errors`.
    pub not_checked: usize,
    /// YAML files looked at, including those skipped as not Kubernetes or for their size.
    pub yaml_files: usize,
}

enum FileOutcome {
    Linted(FileResult),
    /// Kept for the cross-file index, which reads Argo CD / Flux objects.
    NotKubernetes(PathBuf, String),
    /// With the text, which `--fix` on standard input prints back unchanged.
    TooLarge(SkippedFile, String),
    Excluded,
    Failed(InputError),
}

/// The path that stands for standard input.
const STDIN_ARGUMENT: &str = "-";

/// How standard input is reported without `--stdin-filename`.
const STDIN_NAME: &str = "<stdin>";

impl Outcome {
    /// Counts a file's outcome in; returns the text of a file too large to analyse,
    /// which is not kept.
    fn add(
        &mut self,
        result: FileOutcome,
        other_yaml: &mut Vec<(PathBuf, String)>,
    ) -> Option<String> {
        match result {
            FileOutcome::Linted(file) => {
                self.yaml_files += 1;
                self.files.push(file);
            }
            FileOutcome::NotKubernetes(path, text) => {
                self.yaml_files += 1;
                other_yaml.push((path, text));
            }
            FileOutcome::TooLarge(file, text) => {
                self.yaml_files += 1;
                self.skipped.push(file);
                return Some(text);
            }
            FileOutcome::Excluded => {}
            FileOutcome::Failed(error) => {
                self.not_checked += 1;
                self.errors.push(error);
            }
        }
        None
    }
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let resolver = match ConfigResolver::new(args.config.as_deref()) {
        Ok(resolver) => resolver,
        Err(error) => {
            eprintln!("gitops-ls: {}: {}", error.location(), error.message);
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let reads_stdin = args
        .paths
        .iter()
        .any(|path| path == Path::new(STDIN_ARGUMENT));
    if args.stdin_filename.is_some() && !reads_stdin {
        eprintln!("gitops-ls: --stdin-filename names standard input: pass `-` among the paths");
        return ExitCode::from(EXIT_ERROR);
    }
    let stdin_path = reads_stdin.then(|| {
        args.stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from(STDIN_NAME))
    });
    let on_disk: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|path| *path != Path::new(STDIN_ARGUMENT))
        .cloned()
        .collect();
    let (mut paths, errors) = discover(&on_disk);
    let mut outcome = Outcome {
        not_checked: errors.len(),
        errors,
        ..Outcome::default()
    };
    // The piped text stands for the file it names, as an editor's unsaved buffer does.
    if let Some(stdin_path) = &stdin_path {
        paths.retain(|path| normalize(path) != normalize(stdin_path));
    }
    let results: Vec<FileOutcome> = paths
        .par_iter()
        .map(|path| lint_file(path, &resolver))
        .collect();
    let mut other_yaml = Vec::new();
    for result in results {
        outcome.add(result, &mut other_yaml);
    }
    let mut stdin_unanalysed = None;
    if let Some(stdin_path) = &stdin_path {
        stdin_unanalysed = outcome.add(lint_stdin(stdin_path, &resolver), &mut other_yaml);
        paths.push(stdin_path.clone());
    }
    let mut files = std::mem::take(&mut outcome.files);
    let root = repository_root(args);
    let mut index = build_index(&root, &paths, &files, &other_yaml);
    demote_fixes_that_change_overlays(&index, &root, &mut files, &other_yaml);
    cross_file_findings(&index, &root, &resolver, &mut files, &other_yaml);
    if args.fix {
        let fixed: Vec<Result<bool, InputError>> = files
            .par_iter_mut()
            .map(|file| fix_file(file, &resolver, stdin_path.as_deref()))
            .collect();
        let mut any_fixed = false;
        for result in fixed {
            match result {
                Ok(fixed) => any_fixed |= fixed,
                Err(error) => outcome.errors.push(error),
            }
        }
        // Report what is left, like a second run would: the fixes may have changed
        // kustomizations, values or manifests the cross-file findings read.
        if any_fixed {
            for file in &mut files {
                let findings = &mut file.analysis.findings;
                findings.retain(|finding| !rules::is_cross_file(finding.rule));
            }
            index = build_index(&root, &paths, &files, &other_yaml);
            demote_fixes_that_change_overlays(&index, &root, &mut files, &other_yaml);
            cross_file_findings(&index, &root, &resolver, &mut files, &other_yaml);
        }
    }
    outcome.files = files;
    // Files sharing a broken configuration all fail with the same error.
    let mut unique: Vec<InputError> = Vec::with_capacity(outcome.errors.len());
    for error in std::mem::take(&mut outcome.errors) {
        if !unique.contains(&error) {
            unique.push(error);
        }
    }
    outcome.errors = unique;
    for error in &outcome.errors {
        eprintln!("gitops-ls: {}: {}", error.location(), error.message);
    }
    // `--fix` on standard input prints the fixed text (or the text as it was, when it was
    // not analysed) on stdout, as ruff does; the report then goes to stderr.
    let written = match stdin_path.as_deref().filter(|_| args.fix) {
        Some(stdin_path) => {
            let checked = outcome.files.iter().find(|file| file.path == stdin_path);
            let text = checked.map(|file| file.text.as_str()).or_else(|| {
                let other = other_yaml.iter().find(|(path, _)| path == stdin_path);
                other
                    .map(|(_, text)| text.as_str())
                    .or(stdin_unanalysed.as_deref())
            });
            let mut stdout = std::io::stdout().lock();
            text.map_or(Ok(()), |text| stdout.write_all(text.as_bytes()))
                .and_then(|()| stdout.flush())
                .and_then(|()| {
                    let stderr = std::io::stderr();
                    let color = args.color.enabled(stderr.is_terminal());
                    write_report(args.format, &outcome, color, stderr.lock())
                })
        }
        None => {
            let stdout = std::io::stdout();
            let color = args.color.enabled(stdout.is_terminal());
            write_report(args.format, &outcome, color, stdout.lock())
        }
    };
    // A closed pipe (`| head`) is not an error worth a panic, nor a reason to stop before
    // the exit status.
    drop(written);
    exit_status(&outcome, args.fail_on)
}

fn write_report(
    format: Format,
    outcome: &Outcome,
    color: bool,
    out: impl Write,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    report::write(format, outcome, color, &mut out)?;
    out.flush()
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
    lint_read(path, resolver, true, || {
        std::fs::read(path).map_err(|error| format!("cannot read: {error}"))
    })
}

/// Standard input, reported as `path`, under the configuration nearest to `path`.
/// `exclude` does not apply: the text was passed on purpose.
fn lint_stdin(path: &Path, resolver: &ConfigResolver) -> FileOutcome {
    lint_read(path, resolver, false, || {
        let mut bytes = Vec::new();
        let read = std::io::stdin().lock().read_to_end(&mut bytes);
        read.map(|_| bytes)
            .map_err(|error| format!("cannot read standard input: {error}"))
    })
}

/// Lints the bytes `read` gives for `path` under its configuration.
fn lint_read(
    path: &Path,
    resolver: &ConfigResolver,
    honour_exclude: bool,
    read: impl FnOnce() -> Result<Vec<u8>, String>,
) -> FileOutcome {
    let loaded = match resolver.for_file(path) {
        Ok(loaded) => loaded,
        Err(error) => return FileOutcome::Failed(error),
    };
    if honour_exclude && loaded.excludes(path) {
        return FileOutcome::Excluded;
    }
    let text = read()
        .map_err(|message| InputError::new(path, message))
        .and_then(|bytes| decode_utf8(path, bytes));
    match text {
        Ok(text) => lint_text(path, text, &loaded.config),
        Err(error) => FileOutcome::Failed(error),
    }
}

fn lint_text(path: &Path, text: String, config: &gitops_ls_analysis::Config) -> FileOutcome {
    let mut analysis = analyze(&text, config);
    if let Some(reason) = analysis.skipped.take() {
        let path = path.to_path_buf();
        return FileOutcome::TooLarge(SkippedFile { path, reason }, text);
    }
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
/// would. `Ok(true)` when the file changed. The text of standard input (`stdin`) is only
/// fixed in memory.
fn fix_file(
    file: &mut FileResult,
    resolver: &ConfigResolver,
    stdin: Option<&Path>,
) -> Result<bool, InputError> {
    let edits: Vec<Edit> = file
        .analysis
        .findings
        .iter()
        .filter_map(Finding::safe_fix)
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    if edits.is_empty() {
        return Ok(false);
    }
    let loaded = resolver.for_file(&file.path)?;
    let fixed = apply_edits(&file.text, &edits);
    if stdin != Some(file.path.as_path()) {
        write_atomically(&file.path, &fixed)?;
    }
    file.analysis = analyze(&fixed, &loaded.config);
    file.text = fixed;
    file.fixes_applied = edits.len();
    Ok(true)
}

fn decode_utf8(path: &Path, bytes: Vec<u8>) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|error| {
        let message = format!(
            "not UTF-8 (invalid byte at offset {}); Kubernetes manifests must be UTF-8",
            error.utf8_error().valid_up_to()
        );
        InputError::new(path, message)
    })
}

/// A file is linted as Kubernetes YAML when a document has `apiVersion` or
/// `kind`, or a broken document mentions them; Helm values, CI configs and
/// other YAML are skipped quietly.
fn is_kubernetes_yaml(analysis: &Analysis) -> bool {
    if !analysis.containers.is_empty() {
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
    let fail = |error: std::io::Error| {
        InputError::new(path, format!("cannot write the fixed file: {error}"))
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
