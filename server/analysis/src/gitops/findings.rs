//! Cross-file findings computed from the [`WorkspaceIndex`], shared by `gitops-ls check`
//! and the language server so both report the same thing: `overlay-changes-policy`, an
//! `images:` entry that changes the API-server default pull policy of a container that
//! relies on it (`newTag: latest` turning IfNotPresent into Always).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::chain::AppliedStep;
use super::effective::{effective_images, EffectiveImage};
use super::workspace::{FileSource, OverlayChain, WorkspaceIndex};
use crate::finding::{ContainerLabel, Finding, Severity};
use crate::image::default_pull_policy;
use crate::suppress::Suppressions;
use crate::text::{LineIndex, TextRange};
use crate::yaml::YamlFile;

/// The rule id (registered in [`crate::rules::RULES`] for configuration and docs; it runs
/// here, not in [`crate::analyze`]).
pub const OVERLAY_CHANGES_POLICY: &str = "overlay-changes-policy";

/// Every cross-file finding of the workspace, keyed by the file it is reported in (a
/// kustomization, or the Argo CD / Flux object that holds the entry). `severity_of` gives
/// the configured severity of a rule for a file (`Off` drops the finding). `root` makes
/// the paths in messages short. Suppression comments in the reported file are honoured.
pub fn findings(
    index: &WorkspaceIndex,
    source: &dyn FileSource,
    root: &Path,
    severity_of: &dyn Fn(&Path, &str) -> Severity,
) -> Vec<(PathBuf, Finding)> {
    let mut manifests: Vec<PathBuf> = Vec::new();
    let mut seen = HashSet::new();
    let mut dirs: Vec<PathBuf> = index
        .kustomization_files()
        .filter_map(|file| file.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    for dir in dirs {
        for manifest in index.manifests_under(&dir) {
            if seen.insert(manifest.clone()) {
                manifests.push(manifest);
            }
        }
    }
    let mut out: Vec<(PathBuf, Finding)> = Vec::new();
    let mut reported = HashSet::new();
    for manifest in manifests {
        let chains = index.chains_for(&manifest);
        let Some(text) = source.read(&manifest).filter(|_| !chains.is_empty()) else {
            continue;
        };
        for image in effective_images(&text, &chains) {
            let Some((before, after)) = image.default_policy_change() else {
                continue;
            };
            let Some(step) = responsible_step(&image) else {
                continue;
            };
            let key = (
                step.origin.file.clone(),
                step.origin.range.clone(),
                manifest.clone(),
                image.document,
                image.container_path.clone(),
            );
            if !reported.insert(key) {
                continue;
            }
            let severity = severity_of(&step.origin.file, OVERLAY_CHANGES_POLICY);
            if severity == Severity::Off {
                continue;
            }
            let range = entry_range(index, step);
            let container = image.container_name.as_deref().unwrap_or("?");
            let message = format!(
                "this entry turns \"{}\" into \"{}\" for container {container} ({} in {}), which \
                 sets no imagePullPolicy: the default changes from {} to {}{}",
                step.before,
                step.after,
                image.object,
                short(&manifest, root),
                before.as_str(),
                after.as_str(),
                overlay_note(&chains[image.chain], root),
            );
            out.push((
                step.origin.file.clone(),
                Finding {
                    rule: OVERLAY_CHANGES_POLICY,
                    severity,
                    message,
                    range,
                    container: Some(ContainerLabel {
                        name: image.container_name.clone(),
                        path: image.container_path.clone(),
                        object: image.object.clone(),
                    }),
                    fixes: Vec::new(),
                },
            ));
        }
    }
    drop_suppressed(&mut out, source);
    out.sort_by(|a, b| (&a.0, a.1.range.start).cmp(&(&b.0, b.1.range.start)));
    out
}

/// The last entry that changed the default policy of the image it rewrote.
fn responsible_step(image: &EffectiveImage) -> Option<&AppliedStep> {
    image
        .steps
        .iter()
        .rev()
        .find(|step| default_pull_policy(&step.before).0 != default_pull_policy(&step.after).0)
}

/// The entry's `newTag` (else `digest`, `newName`, the whole entry) in its file.
fn entry_range(index: &WorkspaceIndex, step: &AppliedStep) -> TextRange {
    let fields = index
        .kustomization(&step.origin.file)
        .and_then(|k| k.images.get(step.origin.index))
        .filter(|entry| entry.range == step.origin.range)
        .map(|entry| &entry.fields);
    fields
        .and_then(|f| {
            [&f.new_tag, &f.digest, &f.tag_suffix, &f.new_name, &f.name]
                .into_iter()
                .find_map(|field| field.as_ref().map(|field| field.value.clone()))
        })
        .unwrap_or_else(|| step.origin.range.clone())
}

fn overlay_note(chain: &OverlayChain, root: &Path) -> String {
    let dir = chain.overlay.parent().unwrap_or(Path::new(""));
    match &chain.deployer {
        Some(deployer) => format!(
            " (build of {} through {} {})",
            short(dir, root),
            deployer.kind.kind_name(),
            deployer.name.as_deref().unwrap_or("(unnamed)")
        ),
        None => format!(" (build of {})", short(dir, root)),
    }
}

fn short(path: &Path, root: &Path) -> String {
    let root = super::workspace::normalize(root);
    match path.strip_prefix(&root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}

/// Drops findings on lines with a `# gitops-ls-ignore` comment for the rule.
fn drop_suppressed(out: &mut Vec<(PathBuf, Finding)>, source: &dyn FileSource) {
    let files: HashSet<PathBuf> = out.iter().map(|(file, _)| file.clone()).collect();
    let mut by_file: HashMap<PathBuf, (LineIndex, Suppressions)> = HashMap::new();
    for file in files {
        if let Some(text) = source.read(&file) {
            let lines = LineIndex::new(&text);
            let suppressions = Suppressions::collect(&text, &lines, &YamlFile::parse(&text));
            by_file.insert(file, (lines, suppressions));
        }
    }
    out.retain(|(file, finding)| {
        by_file.get(file).is_none_or(|(lines, suppressions)| {
            !suppressions.is_suppressed(lines.line_of(finding.range.start), finding.rule)
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files(HashMap<PathBuf, String>);

    impl FileSource for Files {
        fn read(&self, path: &Path) -> Option<String> {
            self.0.get(path).cloned()
        }
    }

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n      - name: pinned\n        image: redis:7\n        imagePullPolicy: IfNotPresent\n";

    fn workspace(overlay: &str) -> (WorkspaceIndex, Files) {
        let files: HashMap<PathBuf, String> = [
            ("/r/base/deployment.yaml", DEPLOYMENT),
            (
                "/r/base/kustomization.yaml",
                "resources: [deployment.yaml]\n",
            ),
            ("/r/overlays/dev/kustomization.yaml", overlay),
        ]
        .into_iter()
        .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
        .collect();
        let files = Files(files);
        let index = WorkspaceIndex::build("/r", files.0.keys().cloned(), &files);
        (index, files)
    }

    fn run(overlay: &str) -> Vec<(PathBuf, Finding)> {
        let (index, files) = workspace(overlay);
        findings(&index, &files, Path::new("/r"), &|_, _| Severity::Warning)
    }

    #[test]
    fn new_tag_latest_on_a_defaulted_container_is_reported_on_the_entry() {
        let overlay = "resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest\n  - name: redis\n    newTag: latest\n";
        let found = run(overlay);
        assert_eq!(found.len(), 1, "{found:#?}");
        let (file, finding) = &found[0];
        assert_eq!(file, Path::new("/r/overlays/dev/kustomization.yaml"));
        assert_eq!(&overlay[finding.range.clone()], "latest");
        assert!(
            finding.message.contains("from IfNotPresent to Always")
                && finding.message.contains("base/deployment.yaml")
                && finding.message.contains("build of overlays/dev"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn quiet_when_the_default_stays_or_is_suppressed_or_off() {
        assert!(
            run("resources: [../../base]\nimages:\n  - name: nginx\n    newTag: \"1.27\"\n")
                .is_empty()
        );
        let suppressed = "resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest # gitops-ls-ignore: overlay-changes-policy\n";
        assert!(run(suppressed).is_empty());
        let (index, files) =
            workspace("resources: [../../base]\nimages:\n  - name: nginx\n    newTag: latest\n");
        assert!(findings(&index, &files, Path::new("/r"), &|_, _| Severity::Off).is_empty());
    }
}
