//! Configuration: the editor's settings and the nearest `.gitops-ls.yaml`.
//!
//! Settings come from `initializationOptions` and
//! `workspace/didChangeConfiguration` (section `gitops-ls`), with the keys of
//! `.gitops-ls.yaml` (`rules`, `exclude`) plus `docsUrl`, a link to the
//! rules' documentation (`{rule}` is replaced by the rule id), and `logLevel`
//! (see [`crate::log`]). Each document
//! also uses the nearest `.gitops-ls.yaml` in its folder or a parent: its
//! rules win over the editor's (the repository's policy is the one CI
//! applies), its `exclude` patterns add to the editor's and are relative to
//! its folder. A config file that does not parse is reported on the file and
//! the last valid version of it stays in force.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gitops_ls_analysis::config::CONFIG_FILE_NAME;
use gitops_ls_analysis::text::{ColumnUnit, LineCol, LineIndex};
use gitops_ls_analysis::{Config, ConfigError};
use serde_json::{Map, Value};
use tower_lsp::lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Position, Range};

use crate::diagnostics::plain_diagnostic;
use crate::encoding::{to_lsp, PositionEncoding};
use crate::log::LogLevel;

/// The settings section.
pub const SECTION: &str = "gitops-ls";
/// Keys of the settings that only the language server reads.
const DOCS_URL_KEY: &str = "docsUrl";
const LOG_LEVEL_KEY: &str = "logLevel";
const CONFIG_KEYS: [&str; 2] = ["rules", "exclude"];

/// The editor's settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// `rules` and `exclude`, as in `.gitops-ls.yaml`.
    pub config: Map<String, Value>,
    pub docs_url: Option<String>,
    /// What the server logs to the client (`logLevel`); without it the level in force stays
    /// (settings pulled after `initializationOptions` rarely repeat it).
    pub log_level: Option<LogLevel>,
}

impl Settings {
    /// Reads settings sent by the client: `{"gitops-ls": {...}}`, or the
    /// section itself (`{"rules": ...}`). Anything else (other tools'
    /// settings, `{}`, null) holds no settings for us: the defaults.
    pub fn from_value(value: &Value) -> Result<Settings, String> {
        let section = match value {
            Value::Object(map) if map.contains_key(SECTION) => &map[SECTION],
            Value::Object(map)
                if !map.is_empty()
                    && map.keys().all(|k| {
                        CONFIG_KEYS.contains(&k.as_str()) || k == DOCS_URL_KEY || k == LOG_LEVEL_KEY
                    }) =>
            {
                value
            }
            _ => return Ok(Settings::default()),
        };
        let mut map = match section {
            Value::Null => return Ok(Settings::default()),
            Value::Object(map) => map.clone(),
            other => {
                return Err(format!(
                    "`{SECTION}` settings must be an object, not {other}"
                ))
            }
        };
        let docs_url = match map.remove(DOCS_URL_KEY) {
            None | Some(Value::Null) => None,
            Some(Value::String(url)) if url.is_empty() => None,
            Some(Value::String(url)) => Some(url),
            Some(other) => return Err(format!("`{DOCS_URL_KEY}` must be a string, not {other}")),
        };
        let log_level = match map.remove(LOG_LEVEL_KEY) {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_str().and_then(LogLevel::parse).ok_or_else(|| {
                format!(
                    "`{LOG_LEVEL_KEY}` must be one of {}, not {value}",
                    LogLevel::NAMES.join(", ")
                )
            })?),
        };
        let json = Value::Object(map.clone()).to_string();
        Config::from_yaml(&json).map_err(|error| error.message)?;
        Ok(Settings {
            config: map,
            docs_url,
            log_level,
        })
    }
}

/// The configuration in force for a document.
#[derive(Debug)]
pub struct ResolvedConfig {
    /// Changes whenever anything that went into it changes.
    pub id: u64,
    pub config: Config,
    pub docs_url: Option<String>,
    /// The folder that `exclude` patterns are relative to.
    pub root: Option<PathBuf>,
}

impl ResolvedConfig {
    pub fn is_excluded(&self, path: Option<&Path>) -> bool {
        let (Some(path), Some(root)) = (path, &self.root) else {
            return false;
        };
        path.strip_prefix(root)
            .is_ok_and(|relative| self.config.is_excluded(relative))
    }
}

/// A `.gitops-ls.yaml` as last read.
#[derive(Debug, Default)]
struct ConfigFile {
    /// The last version that parsed, as JSON.
    last_good: Option<Map<String, Value>>,
    /// Why the current version does not parse, with its text.
    error: Option<(ConfigError, String)>,
}

#[derive(Default)]
pub struct ConfigStore {
    settings: Settings,
    files: HashMap<PathBuf, ConfigFile>,
    /// Folder → the nearest config file at or above it.
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    resolved: HashMap<(Option<PathBuf>, Option<PathBuf>), Arc<ResolvedConfig>>,
    next_id: u64,
    workspace_folders: Vec<PathBuf>,
    /// Config files whose diagnostics changed and must be published.
    changed_reports: Vec<PathBuf>,
}

impl ConfigStore {
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Replaces the settings; true when what the analysis uses changed (not the log level).
    pub fn set_settings(&mut self, settings: Settings) -> bool {
        let changed =
            settings.config != self.settings.config || settings.docs_url != self.settings.docs_url;
        self.settings = settings;
        if changed {
            self.resolved.clear();
        }
        changed
    }

    pub fn set_workspace_folders(&mut self, folders: Vec<PathBuf>) {
        self.workspace_folders = folders;
        self.resolved.clear();
    }

    pub fn workspace_folders(&self) -> &[PathBuf] {
        &self.workspace_folders
    }

    /// The configuration for a document at `path` (None: not a file).
    pub fn resolve(&mut self, path: Option<&Path>) -> Arc<ResolvedConfig> {
        let file = path
            .and_then(Path::parent)
            .and_then(|dir| self.nearest_config(dir));
        let root = match &file {
            Some(file) => file.parent().map(Path::to_path_buf),
            None => path.and_then(|path| {
                self.workspace_folders
                    .iter()
                    .filter(|folder| path.starts_with(folder))
                    .max_by_key(|folder| folder.as_os_str().len())
                    .cloned()
            }),
        };
        let key = (file.clone(), root.clone());
        if let Some(resolved) = self.resolved.get(&key) {
            return resolved.clone();
        }
        let file_config = file.as_ref().and_then(|file| {
            if !self.files.contains_key(file) {
                self.load(file);
            }
            self.files.get(file).and_then(|f| f.last_good.clone())
        });
        let merged = merge(&self.settings.config, file_config.as_ref());
        let config = Config::from_yaml(&Value::Object(merged).to_string())
            .or_else(|error| {
                eprintln!("gitops-ls: the merged configuration is invalid ({error}); using the config file alone");
                let alone = file_config.clone().unwrap_or_default();
                Config::from_yaml(&Value::Object(alone).to_string())
            })
            .unwrap_or_default();
        self.next_id += 1;
        let resolved = Arc::new(ResolvedConfig {
            id: self.next_id,
            config,
            docs_url: self.settings.docs_url.clone(),
            root,
        });
        self.resolved.insert(key, resolved.clone());
        resolved
    }

    fn nearest_config(&mut self, dir: &Path) -> Option<PathBuf> {
        let mut visited = Vec::new();
        let mut found = None;
        for ancestor in dir.ancestors() {
            if let Some(cached) = self.nearest.get(ancestor) {
                found = cached.clone();
                break;
            }
            visited.push(ancestor.to_path_buf());
            let candidate = ancestor.join(CONFIG_FILE_NAME);
            if candidate.is_file() {
                found = Some(candidate);
                break;
            }
        }
        for dir in visited {
            self.nearest.insert(dir, found.clone());
        }
        found
    }

    /// Reads a config file from disk. A file that is gone is forgotten.
    fn load(&mut self, path: &Path) {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                if error.kind() != std::io::ErrorKind::NotFound {
                    eprintln!("gitops-ls: cannot read {}: {error}", path.display());
                }
                if self.files.remove(path).is_some_and(|f| f.error.is_some()) {
                    self.changed_reports.push(path.to_path_buf());
                }
                return;
            }
        };
        let entry = self.files.entry(path.to_path_buf()).or_default();
        let had_error = entry.error.is_some();
        match parse_config_file(&text) {
            Ok(map) => {
                entry.last_good = Some(map);
                entry.error = None;
                if had_error {
                    self.changed_reports.push(path.to_path_buf());
                }
            }
            Err(error) => {
                entry.error = Some((error, text));
                self.changed_reports.push(path.to_path_buf());
            }
        }
    }

    /// A config file was created, changed or deleted.
    pub fn reload(&mut self, path: &Path) {
        self.load(path);
        self.nearest.clear();
        self.resolved.clear();
    }

    /// Config files whose diagnostics changed since the last call.
    pub fn take_changed_reports(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.changed_reports)
    }

    /// The diagnostics of a config file as last read from disk.
    pub fn file_diagnostics(&self, path: &Path, encoding: PositionEncoding) -> Vec<Diagnostic> {
        self.files
            .get(path)
            .and_then(|file| file.error.as_ref())
            .map(|(error, text)| {
                let kept = self.files[path].last_good.is_some();
                vec![error_diagnostic(error, text, encoding, kept)]
            })
            .unwrap_or_default()
    }
}

/// Parses a config file into its JSON form, checking it with the core.
fn parse_config_file(text: &str) -> Result<Map<String, Value>, ConfigError> {
    Config::from_yaml(text)?;
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_yaml::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(ConfigError {
            message: format!("expected a mapping, found {other}"),
            line: None,
            column: None,
        }),
        Err(error) => Err(ConfigError {
            message: error.to_string(),
            line: error.location().map(|l| l.line()),
            column: error.location().map(|l| l.column()),
        }),
    }
}

/// The editor's settings with a config file on top: the file's rule
/// entries win, `exclude` lists are joined.
fn merge(settings: &Map<String, Value>, file: Option<&Map<String, Value>>) -> Map<String, Value> {
    let mut merged = settings.clone();
    let Some(file) = file else {
        return merged;
    };
    for (key, value) in file {
        match (key.as_str(), merged.get_mut(key), value) {
            ("rules", Some(Value::Object(rules)), Value::Object(file_rules)) => {
                for (rule, setting) in file_rules {
                    rules.insert(rule.clone(), setting.clone());
                }
            }
            ("exclude", Some(Value::Array(patterns)), Value::Array(file_patterns)) => {
                patterns.extend(file_patterns.iter().cloned());
            }
            _ => {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    merged
}

/// Checks the text of a config file (an open `.gitops-ls.yaml`).
pub fn validate_config_text(text: &str, encoding: PositionEncoding) -> Vec<Diagnostic> {
    match parse_config_file(text) {
        Ok(_) => Vec::new(),
        Err(error) => vec![error_diagnostic(&error, text, encoding, true)],
    }
}

fn error_diagnostic(
    error: &ConfigError,
    text: &str,
    encoding: PositionEncoding,
    last_good_kept: bool,
) -> Diagnostic {
    let lines = LineIndex::new(text);
    let range = match error.line {
        Some(line) if line > 0 => {
            let line = line - 1;
            let col = error.column.unwrap_or(1).saturating_sub(1);
            let at = LineCol {
                line: line as u32,
                col: col as u32,
            };
            let offset = lines.offset(text, at, ColumnUnit::Chars);
            let end = lines
                .line_range(text, lines.line_of(offset))
                .end
                .max(offset);
            Range::new(
                to_lsp(lines.position(text, offset, encoding.unit())),
                to_lsp(lines.position(text, end, encoding.unit())),
            )
        }
        _ => Range::new(Position::new(0, 0), Position::new(0, 0)),
    };
    let consequence = if last_good_kept {
        "the last valid configuration stays in force"
    } else {
        "the defaults are used until it is fixed"
    };
    let mut diagnostic = plain_diagnostic(
        range,
        DiagnosticSeverity::ERROR,
        format!(
            "invalid {CONFIG_FILE_NAME}: {}; {consequence}",
            error.message
        ),
    );
    diagnostic.code = Some(NumberOrString::String("config".to_owned()));
    diagnostic
}

pub fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name == std::ffi::OsStr::new(CONFIG_FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_settings_in_both_shapes() {
        let nested =
            json!({"gitops-ls": {"rules": {"latest-tag": "error"}, "docsUrl": "https://x/{rule}"}});
        let settings = Settings::from_value(&nested).unwrap();
        assert_eq!(settings.docs_url.as_deref(), Some("https://x/{rule}"));
        assert!(settings.config.contains_key("rules"));
        let flat = json!({"rules": {"latest-tag": "error"}});
        assert_eq!(Settings::from_value(&flat).unwrap().config, settings.config);
        assert_eq!(
            Settings::from_value(&json!({})).unwrap(),
            Settings::default()
        );
        assert_eq!(
            Settings::from_value(&json!({"yaml": {"validate": true}})).unwrap(),
            Settings::default()
        );
        assert!(Settings::from_value(&json!({"gitops-ls": {"rules": {"nope": "error"}}})).is_err());
    }

    #[test]
    fn file_rules_win_and_excludes_join() {
        let settings = json!({"rules": {"latest-tag": "error", "require-digest": "warning"}, "exclude": ["a/**"]});
        let file = json!({"rules": {"latest-tag": "off"}, "exclude": ["b/**"]});
        let merged = merge(
            settings.as_object().unwrap(),
            Some(file.as_object().unwrap()),
        );
        assert_eq!(
            Value::Object(merged),
            json!({"rules": {"latest-tag": "off", "require-digest": "warning"}, "exclude": ["a/**", "b/**"]})
        );
    }

    #[test]
    fn broken_config_points_at_the_line() {
        let diagnostics =
            validate_config_text("rules:\n  latest-tags: error\n", PositionEncoding::Utf16);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].range.start.line, 1);
        assert!(diagnostics[0].message.contains("latest-tags"));
        assert!(
            validate_config_text("rules:\n  latest-tag: error\n", PositionEncoding::Utf16)
                .is_empty()
        );
    }
}
