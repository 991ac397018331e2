//! `.gitops-ls.yaml`: rule severities, options of the configurable rules and
//! excluded paths.
//!
//! Parsed with serde_yaml: positions only matter for error messages, which
//! serde_yaml gives with the key path, line and column. Unknown keys, rule
//! ids and severities are errors, never silently ignored.
//!
//! ```yaml
//! rules:
//!   latest-tag: error
//!   implicit-pull-policy: off
//!   require-pull-policy:
//!     severity: warning
//!     allowed: [Always]
//!   allowed-registries:
//!     severity: error
//!     prefixes: [ghcr.io/acme/, registry.k8s.io]
//! exclude:
//!   - "charts/**/templates/tests/**"
//! ```

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::finding::Severity;
use crate::image::PullPolicy;
use crate::rules::{Rule, RuleOptions};

/// The file name looked up in the linted folder and its parents.
pub const CONFIG_FILE_NAME: &str = ".gitops-ls.yaml";

#[derive(Debug, Clone, Default)]
pub struct Config {
    severities: HashMap<&'static str, Severity>,
    pub options: RuleOptions,
    exclude: Option<GlobSet>,
}

/// A configuration that cannot be used. `line`/`column` are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A rule's entry: a bare severity (`latest-tag: error`) or a mapping with
/// `severity` and the rule's options.
#[derive(Debug, Default)]
struct RuleSetting<O>(O);

trait HasSeverity: Default {
    fn with_severity(severity: Severity) -> Self;
}

impl<'de, O> Deserialize<'de> for RuleSetting<O>
where
    O: HasSeverity + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SettingVisitor<O>(PhantomData<O>);

        impl<'de, O: HasSeverity + Deserialize<'de>> Visitor<'de> for SettingVisitor<O> {
            type Value = RuleSetting<O>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a severity (error, warning, info, hint, off) or a mapping with `severity`",
                )
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Severity::parse(value)
                    .map(|severity| RuleSetting(O::with_severity(severity)))
                    .ok_or_else(|| {
                        E::custom(format!(
                            "unknown severity `{value}`, expected one of `error`, `warning`, `info`, `hint`, `off`"
                        ))
                    })
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
                // YAML 1.1 reads a bare `off` as false.
                if value {
                    Err(E::custom("expected a severity, found `true`"))
                } else {
                    Ok(RuleSetting(O::with_severity(Severity::Off)))
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                O::deserialize(de::value::MapAccessDeserializer::new(map)).map(RuleSetting)
            }
        }

        deserializer.deserialize_any(SettingVisitor(PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeverityOnly {
    severity: Option<Severity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirePullPolicyOptions {
    severity: Option<Severity>,
    #[serde(default)]
    allowed: Vec<PolicyName>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowedRegistriesOptions {
    severity: Option<Severity>,
    #[serde(default)]
    prefixes: Vec<String>,
}

macro_rules! has_severity {
    ($($options:ty),*) => {$(
        impl HasSeverity for $options {
            fn with_severity(severity: Severity) -> Self {
                let mut options = Self::default();
                options.severity = Some(severity);
                options
            }
        }
    )*};
}

has_severity!(
    SeverityOnly,
    RequirePullPolicyOptions,
    AllowedRegistriesOptions
);

/// A pull policy written in the config, validated exactly.
#[derive(Debug)]
struct PolicyName(PullPolicy);

impl<'de> Deserialize<'de> for PolicyName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PullPolicy::parse_exact(&text)
            .map(PolicyName)
            .ok_or_else(|| {
                de::Error::custom(format!(
                    "unknown pull policy `{text}`, expected `Always`, `IfNotPresent` or `Never`"
                ))
            })
    }
}

/// A rule's entry, read with the options of that rule.
#[derive(Debug)]
enum RawSetting {
    SeverityOnly(SeverityOnly),
    RequirePullPolicy(RequirePullPolicyOptions),
    AllowedRegistries(AllowedRegistriesOptions),
}

/// The `rules` mapping: entries by rule id, each id one of [`crate::rules::RULES`].
#[derive(Debug, Default)]
struct RawRules(Vec<(&'static Rule, Option<RawSetting>)>);

impl<'de> Deserialize<'de> for RawRules {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RulesVisitor;

        impl<'de> Visitor<'de> for RulesVisitor {
            type Value = RawRules;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                // The wording of the derived struct this replaces.
                f.write_str("struct RawRules")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRules, A::Error> {
                let mut rules = RawRules::default();
                while let Some(rule) = map.next_key_seed(RuleIdSeed)? {
                    if rules.0.iter().any(|(seen, _)| seen.meta.id == rule.meta.id) {
                        return Err(de::Error::duplicate_field(rule.meta.id));
                    }
                    let setting = match rule.meta.id {
                        "require-pull-policy" => map
                            .next_value::<Option<RuleSetting<_>>>()?
                            .map(|s| RawSetting::RequirePullPolicy(s.0)),
                        "allowed-registries" => map
                            .next_value::<Option<RuleSetting<_>>>()?
                            .map(|s| RawSetting::AllowedRegistries(s.0)),
                        _ => map
                            .next_value::<Option<RuleSetting<_>>>()?
                            .map(|s| RawSetting::SeverityOnly(s.0)),
                    };
                    rules.0.push((rule, setting));
                }
                Ok(rules)
            }
        }

        deserializer.deserialize_map(RulesVisitor)
    }
}

/// A key of `rules`: a registered rule id.
struct RuleIdSeed;

impl<'de> de::DeserializeSeed<'de> for RuleIdSeed {
    type Value = &'static Rule;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        // Looked up inside the visitor, so that the error is placed at the key.
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for RuleIdSeed {
    type Value = &'static Rule;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a rule id")
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<Self::Value, E> {
        crate::rules::rule(id).ok_or_else(|| E::unknown_field(id, rule_ids()))
    }
}

/// Every rule id, for error messages.
fn rule_ids() -> &'static [&'static str] {
    static IDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        crate::rules::RULES
            .iter()
            .map(|rule| rule.meta.id)
            .collect()
    });
    &IDS
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    exclude: Vec<String>,
}

impl Config {
    /// Parses the text of a `.gitops-ls.yaml`. An empty file is the default.
    pub fn from_yaml(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_yaml::from_str::<Option<RawConfig>>(text)
                .map_err(|error| {
                    let location = error.location();
                    ConfigError {
                        message: error.to_string(),
                        line: location.as_ref().map(|l| l.line()),
                        column: location.as_ref().map(|l| l.column()),
                    }
                })?
                .unwrap_or_default()
        };
        let mut config = Config::default();
        for (rule, setting) in raw.rules.0 {
            match setting {
                None => {}
                Some(RawSetting::SeverityOnly(options)) => config.set(rule, options.severity),
                Some(RawSetting::RequirePullPolicy(options)) => {
                    config.set(rule, options.severity);
                    config.options.allowed_pull_policies =
                        options.allowed.into_iter().map(|p| p.0).collect();
                }
                Some(RawSetting::AllowedRegistries(options)) => {
                    config.set(rule, options.severity);
                    config.options.allowed_registries = options.prefixes;
                }
            }
        }
        config.check_required_options(text)?;
        config.set_exclude(raw.exclude, text)?;
        Ok(config)
    }

    fn set(&mut self, rule: &'static Rule, severity: Option<Severity>) {
        if let Some(severity) = severity {
            self.severities.insert(rule.meta.id, severity);
        }
    }

    fn check_required_options(&self, text: &str) -> Result<(), ConfigError> {
        let required = [
            (
                "require-pull-policy",
                "allowed",
                self.options.allowed_pull_policies.is_empty(),
            ),
            (
                "allowed-registries",
                "prefixes",
                self.options.allowed_registries.is_empty(),
            ),
        ];
        for (id, option, missing) in required {
            let on = self.severities.get(id).is_some_and(|s| *s != Severity::Off);
            if on && missing {
                return Err(error_at_key(
                    text,
                    id,
                    format!("rules.{id}: the rule is on but `{option}` is empty; list at least one value"),
                ));
            }
        }
        Ok(())
    }

    fn set_exclude(&mut self, patterns: Vec<String>, text: &str) -> Result<(), ConfigError> {
        if patterns.is_empty() {
            return Ok(());
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in &patterns {
            let glob = Glob::new(pattern).map_err(|error| {
                error_at_key(
                    text,
                    pattern,
                    format!("exclude: invalid glob `{pattern}`: {error}"),
                )
            })?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|error| error_at_key(text, "exclude", format!("exclude: {error}")))?;
        self.exclude = Some(set);
        Ok(())
    }

    /// The severity a rule reports with (its default unless configured).
    pub fn severity(&self, rule: &Rule) -> Severity {
        self.severities
            .get(rule.meta.id)
            .copied()
            .unwrap_or(rule.meta.default_severity)
    }

    /// Whether a path relative to the config's folder is excluded.
    pub fn is_excluded(&self, relative_path: &std::path::Path) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|set| set.is_match(relative_path))
    }
}

/// An error placed at the first line that mentions `needle`.
fn error_at_key(text: &str, needle: &str, message: String) -> ConfigError {
    let found = text
        .lines()
        .enumerate()
        .find_map(|(i, line)| line.find(needle).map(|column| (i + 1, column + 1)));
    ConfigError {
        message,
        line: found.map(|(line, _)| line),
        column: found.map(|(_, column)| column),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_severities_and_options() {
        let config = Config::from_yaml(
            "rules:\n  latest-tag: error\n  implicit-pull-policy: off\n  require-pull-policy:\n    severity: warning\n    allowed: [Always]\nexclude: ['vendor/**']\n",
        )
        .unwrap();
        let latest = crate::rules::rule("latest-tag").unwrap();
        assert_eq!(config.severity(latest), Severity::Error);
        let implicit = crate::rules::rule("implicit-pull-policy").unwrap();
        assert_eq!(config.severity(implicit), Severity::Off);
        assert_eq!(
            config.options.allowed_pull_policies,
            vec![PullPolicy::Always]
        );
        assert!(config.is_excluded(std::path::Path::new("vendor/x/a.yaml")));
        assert!(!config.is_excluded(std::path::Path::new("apps/a.yaml")));
    }

    #[test]
    fn unknown_rule_names_the_key_and_line() {
        let error = Config::from_yaml("rules:\n  latest-tags: error\n").unwrap_err();
        assert!(error.message.contains("latest-tags"), "{}", error.message);
        assert_eq!(error.line, Some(2));
    }

    #[test]
    fn rule_ids_come_from_the_registry() {
        let error = Config::from_yaml("rules:\n  latest-tag: error\n  nope: off\n").unwrap_err();
        assert_eq!((error.line, error.column), (Some(3), Some(3)));
        let ids: Vec<String> = crate::rules::RULES
            .iter()
            .map(|rule| format!("`{}`", rule.meta.id))
            .collect();
        assert!(
            error
                .message
                .contains(&format!("expected one of {} at", ids.join(", "))),
            "{}",
            error.message
        );
        let error =
            Config::from_yaml("rules:\n  latest-tag: error\n  latest-tag: off\n").unwrap_err();
        assert!(
            error.message.contains("duplicate field `latest-tag`"),
            "{}",
            error.message
        );
        for rule in crate::rules::RULES {
            let config = Config::from_yaml(&format!("rules:\n  {}: off\n", rule.meta.id)).unwrap();
            assert_eq!(config.severity(rule), Severity::Off, "{}", rule.meta.id);
        }
    }

    #[test]
    fn bad_severity_and_policy_are_errors() {
        let error = Config::from_yaml("rules:\n  latest-tag: warn\n").unwrap_err();
        assert!(
            error.message.contains("unknown severity `warn`"),
            "{}",
            error.message
        );
        assert_eq!(error.line, Some(2));
        let error = Config::from_yaml(
            "rules:\n  require-pull-policy:\n    severity: error\n    allowed: [always]\n",
        )
        .unwrap_err();
        assert!(
            error.message.contains("unknown pull policy `always`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn enabled_rule_without_options_is_an_error() {
        let error = Config::from_yaml("rules:\n  allowed-registries: error\n").unwrap_err();
        assert!(error.message.contains("prefixes"));
        assert_eq!(error.line, Some(2));
    }

    #[test]
    fn empty_file_is_the_default() {
        assert!(Config::from_yaml("").is_ok());
        assert!(Config::from_yaml("# nothing\n").is_ok());
    }
}
