//! Finding the files to lint and the configuration that applies to each.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use gitops_ls_analysis::config::CONFIG_FILE_NAME;
use gitops_ls_analysis::Config;

/// A problem that stops a file (or the run) from being linted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub path: PathBuf,
    /// 1-based line and column in `path`, when the problem has a place (a broken
    /// configuration).
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl InputError {
    pub fn new(path: &Path, message: String) -> InputError {
        InputError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message,
        }
    }

    /// `path`, `path:line` or `path:line:column`.
    pub fn location(&self) -> String {
        let path = self.path.display();
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{path}:{line}:{column}"),
            (Some(line), None) => format!("{path}:{line}"),
            _ => path.to_string(),
        }
    }
}

/// YAML files (`.yaml`/`.yml` in any case, as Windows and macOS file systems do not tell
/// them apart), and kustomize's `Kustomization` (a kustomization file without extension).
fn is_yaml(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str());
    extension.is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        || path.file_name().is_some_and(|n| n == "Kustomization")
}

/// Every `.yaml`/`.yml` (and `Kustomization`) file below `paths`, honouring `.gitignore`,
/// `.ignore` and hidden-file rules; files named explicitly are always kept.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            errors.push(InputError::new(
                path,
                "no such file or directory".to_owned(),
            ));
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            // .gitignore applies even outside a git checkout (CI artifacts, tarballs).
            .require_git(false)
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && is_yaml(entry.path()) {
                        files.push(entry.into_path());
                    }
                }
                Err(error) => errors.push(InputError::new(path, error.to_string())),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// A configuration and the folder its `exclude` globs are relative to.
#[derive(Debug)]
pub struct LoadedConfig {
    pub config: Config,
    pub base: PathBuf,
}

/// Resolves the nearest `.gitops-ls.yaml` for each file, once per folder.
pub struct ConfigResolver {
    fixed: Option<Arc<LoadedConfig>>,
    default: Arc<LoadedConfig>,
    by_folder: Mutex<HashMap<PathBuf, Result<Arc<LoadedConfig>, InputError>>>,
}

impl ConfigResolver {
    /// With `explicit`, that file applies everywhere; otherwise each file
    /// gets the nearest one in its folder or a parent.
    pub fn new(explicit: Option<&Path>) -> Result<Self, InputError> {
        let fixed = explicit.map(load).transpose()?;
        Ok(ConfigResolver {
            fixed,
            default: Arc::new(LoadedConfig {
                config: Config::default(),
                base: PathBuf::from("."),
            }),
            by_folder: Mutex::new(HashMap::new()),
        })
    }

    pub fn for_file(&self, file: &Path) -> Result<Arc<LoadedConfig>, InputError> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let Some(folder) = absolute.parent() else {
            return Ok(self.default.clone());
        };
        self.for_folder(folder)
    }

    fn for_folder(&self, folder: &Path) -> Result<Arc<LoadedConfig>, InputError> {
        if let Some(known) = self.lock().get(folder) {
            return known.clone();
        }
        let candidate = folder.join(CONFIG_FILE_NAME);
        let resolved = if candidate.is_file() {
            load(&candidate)
        } else {
            match folder.parent() {
                Some(parent) => self.for_folder(parent),
                None => Ok(self.default.clone()),
            }
        };
        self.lock().insert(folder.to_path_buf(), resolved.clone());
        resolved
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Result<Arc<LoadedConfig>, InputError>>> {
        // A poisoned cache only means another thread panicked mid-insert;
        // the map itself is still consistent.
        self.by_folder
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn load(path: &Path) -> Result<Arc<LoadedConfig>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        InputError::new(path, format!("cannot read the configuration: {error}"))
    })?;
    let config = Config::from_yaml(&text).map_err(|error| {
        // The place is printed before the message (`path:line:column:`): serde_yaml's
        // trailing ` at line L column C` would state it twice.
        let place = match (error.line, error.column) {
            (Some(line), Some(column)) => format!(" at line {line} column {column}"),
            _ => String::new(),
        };
        let message = error.message.strip_suffix(&place).unwrap_or(&error.message);
        InputError {
            path: path.to_path_buf(),
            line: error.line,
            column: error.column,
            message: format!("invalid configuration: {message}"),
        }
    })?;
    let base = path
        .parent()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
        .unwrap_or_default();
    Ok(Arc::new(LoadedConfig { config, base }))
}

impl LoadedConfig {
    pub fn excludes(&self, file: &Path) -> bool {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        absolute
            .strip_prefix(&self.base)
            .is_ok_and(|relative| self.config.is_excluded(relative))
    }
}
