//! The files generated from the rule registry ([`gitops_ls_analysis::rules::RULES`]):
//! the README rules table, the VS Code extension's rule settings and the list its
//! settings code reads, and the JSON Schema of `.gitops-ls.yaml`.
//!
//! Pure: each generator takes the file's current text (the README and package.json keep
//! everything outside their generated part) and returns the new text.

use std::path::{Path, PathBuf};

use gitops_ls_analysis::rules::{OptionValue, Rule, RuleOption, RULES};
use gitops_ls_analysis::Severity;
pub mod deps;
mod json;

pub use json::Json;
use json::{object, strings};

pub const README: &str = "README.md";
pub const PACKAGE_JSON: &str = "editors/vscode/package.json";
pub const VSCODE_RULES: &str = "editors/vscode/src/rules.ts";
pub const SCHEMA: &str = "editors/schemas/gitops-ls.schema.json";

const TABLE_START: &str = "<!-- rules:start -->";
const TABLE_END: &str = "<!-- rules:end -->";

/// The severities a rule can be set to, in the order the docs list them.
const SEVERITIES: [Severity; 5] = [
    Severity::Error,
    Severity::Warning,
    Severity::Info,
    Severity::Hint,
    Severity::Off,
];

/// Where the extension's rule settings start in the Settings UI; the
/// general settings come before.
const FIRST_RULE_ORDER: u64 = 10;

/// A generated file: its path below the repository root and its text.
#[derive(Debug)]
pub struct Generated {
    pub path: &'static str,
    pub text: String,
}

/// The text every generated file should have, given the repository at `root`.
pub fn generate_all(root: &Path) -> Result<Vec<Generated>, String> {
    let read = |path: &str| {
        let full: PathBuf = root.join(path);
        std::fs::read_to_string(&full).map_err(|error| format!("{}: {error}", full.display()))
    };
    Ok(vec![
        Generated {
            path: README,
            text: readme(&read(README)?)?,
        },
        Generated {
            path: PACKAGE_JSON,
            text: package_json(&read(PACKAGE_JSON)?)?,
        },
        Generated {
            path: VSCODE_RULES,
            text: vscode_rules(),
        },
        Generated {
            path: SCHEMA,
            text: schema(),
        },
    ])
}

/// The README with the rules table between its markers regenerated.
pub fn readme(current: &str) -> Result<String, String> {
    let missing = || format!("{README}: no `{TABLE_START}` … `{TABLE_END}` markers");
    let start = current.find(TABLE_START).ok_or_else(missing)? + TABLE_START.len();
    let end = current[start..].find(TABLE_END).ok_or_else(missing)? + start;
    let mut table = String::from("\n| id | default | fires when |\n|---|---|---|\n");
    for rule in RULES {
        let meta = &rule.meta;
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            meta.id,
            meta.default_severity.as_str(),
            meta.docs
        ));
    }
    Ok(format!("{}{table}{}", &current[..start], &current[end..]))
}

/// The setting that holds a rule option in VS Code: `requirePullPolicy.allowed`.
pub fn option_setting(rule: &Rule, option: &RuleOption) -> String {
    let mut camel = String::new();
    let mut upper = false;
    for c in rule.meta.id.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            camel.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    format!("{camel}.{}", option.name)
}

/// package.json with the `gitops-ls.rules.*` settings (and the rules' option
/// settings) of `contributes.configuration` regenerated; every other key is kept
/// in its place.
pub fn package_json(current: &str) -> Result<String, String> {
    let mut package: Json =
        serde_json::from_str(current).map_err(|error| format!("{PACKAGE_JSON}: {error}"))?;
    let Some(Json::Object(properties)) =
        package.get_mut(&["contributes", "configuration", "properties"])
    else {
        return Err(format!(
            "{PACKAGE_JSON}: no contributes.configuration.properties"
        ));
    };
    let generated = rule_settings();
    properties.retain(|(key, _)| {
        !key.starts_with("gitops-ls.rules.") && !generated.iter().any(|(name, _)| name == key)
    });
    properties.extend(generated);
    Ok(package.pretty())
}

/// The extension's settings of every rule, in registry order.
fn rule_settings() -> Vec<(String, Json)> {
    let mut settings = Vec::new();
    let mut order = FIRST_RULE_ORDER;
    let mut next_order = || {
        order += 1;
        Json::from(order - 1)
    };
    for rule in RULES {
        let meta = &rule.meta;
        let option_links: Vec<String> = meta
            .options
            .iter()
            .map(|option| format!("`#gitops-ls.{}#`", option_setting(rule, option)))
            .collect();
        let options_note = if option_links.is_empty() {
            String::new()
        } else {
            format!(" Its options: {}.", option_links.join(", "))
        };
        let default = format!(
            "The rule's default ({}), or what `.gitops-ls.yaml` says.",
            meta.default_severity.as_str()
        );
        let description = format!(
            "Severity of `{}`. {}.{options_note} A `.gitops-ls.yaml` in the repository takes precedence.",
            meta.id, meta.summary
        );
        settings.push((
            format!("gitops-ls.rules.{}", meta.id),
            object([
                ("type", Json::from("string")),
                (
                    "enum",
                    strings(["default", "error", "warning", "info", "hint", "off"]),
                ),
                (
                    "enumDescriptions",
                    strings([
                        default.as_str(),
                        "Error.",
                        "Warning.",
                        "Information.",
                        "Hint (shown faintly).",
                        "Turn the rule off.",
                    ]),
                ),
                ("default", Json::from("default")),
                ("markdownDescription", Json::from(description)),
                ("order", next_order()),
            ]),
        ));
        for option in meta.options {
            let mut setting = vec![("type", Json::from("array"))];
            match &option.value {
                OptionValue::StringList => {
                    setting.push(("items", object([("type", Json::from("string"))])));
                }
                OptionValue::EnumList(values) => {
                    let items = object([
                        ("type", Json::from("string")),
                        ("enum", strings(values.iter().map(|v| v.value))),
                        (
                            "enumDescriptions",
                            strings(values.iter().map(|v| v.description)),
                        ),
                    ]);
                    setting.push(("items", items));
                    setting.push(("uniqueItems", Json::from(true)));
                }
            }
            let required = if option.required_when_on {
                " Must not be empty when the rule is on."
            } else {
                ""
            };
            let description = format!(
                "Option `{}` of `{}`: {}.{required}",
                option.name, meta.id, option.description
            );
            setting.push(("default", Json::Array(Vec::new())));
            setting.push(("markdownDescription", Json::from(description)));
            setting.push(("order", next_order()));
            settings.push((
                format!("gitops-ls.{}", option_setting(rule, option)),
                object(setting),
            ));
        }
    }
    settings
}

/// `editors/vscode/src/rules.ts`: the rule ids and options the extension's settings
/// code maps to the server's configuration.
pub fn vscode_rules() -> String {
    let mut text = String::from(
        "// Generated by `cargo dev generate` from the rule registry \
         (server/analysis/src/rules); do not edit.\n\n\
         /** Every rule id, in the order of `gitops-ls rules`. */\n\
         export const RULE_IDS = [\n",
    );
    for rule in RULES {
        text.push_str(&format!("  '{}',\n", rule.meta.id));
    }
    text.push_str(
        "] as const;\n\n\
         export interface RuleOptionSetting {\n\
         \x20 /** The rule the option belongs to. */\n\
         \x20 rule: (typeof RULE_IDS)[number];\n\
         \x20 /** Its key in the rule's mapping in `.gitops-ls.yaml`. */\n\
         \x20 option: string;\n\
         \x20 /** The VS Code setting below `gitops-ls.` that holds it. */\n\
         \x20 setting: string;\n\
         \x20 /** The values an item may have; empty: any string. */\n\
         \x20 values: readonly string[];\n\
         \x20 /** The server rejects the configuration when the rule is on and this is empty. */\n\
         \x20 requiredWhenOn: boolean;\n\
         }\n\n\
         /** The options of the configurable rules (each a list of strings). */\n\
         export const RULE_OPTIONS: readonly RuleOptionSetting[] = [\n",
    );
    for rule in RULES {
        for option in rule.meta.options {
            let values = match &option.value {
                OptionValue::StringList => Vec::new(),
                OptionValue::EnumList(values) => {
                    values.iter().map(|v| format!("'{}'", v.value)).collect()
                }
            };
            text.push_str(&format!(
                "  {{\n    rule: '{}',\n    option: '{}',\n    setting: '{}',\n    values: [{}],\n    requiredWhenOn: {},\n  }},\n",
                rule.meta.id,
                option.name,
                option_setting(rule, option),
                values.join(", "),
                option.required_when_on
            ));
        }
    }
    text.push_str("];\n");
    text
}

/// The JSON Schema (draft-07) of `.gitops-ls.yaml`: what
/// `gitops_ls_analysis::Config::from_yaml` accepts, short of the glob syntax of
/// `exclude` patterns.
pub fn schema() -> String {
    let rules = RULES.iter().map(|rule| (rule.meta.id, rule_schema(rule)));
    let severities = Json::Array(
        severity_names(&SEVERITIES)
            .into_iter()
            .map(Json::from)
            .chain([Json::Bool(false)])
            .collect(),
    );
    object([
        (
            "$schema",
            Json::from("http://json-schema.org/draft-07/schema#"),
        ),
        ("title", Json::from(".gitops-ls.yaml")),
        (
            "description",
            Json::from(
                "Configuration of gitops-ls: rule severities and options, and files not to lint. \
                 Generated by `cargo dev generate` from the rule registry.",
            ),
        ),
        ("type", strings(["object", "null"])),
        ("additionalProperties", Json::Bool(false)),
        (
            "properties",
            object([
                (
                    "rules",
                    object([
                        (
                            "description",
                            Json::from(
                                "Severity (or a mapping with `severity` and the rule's options) \
                                 per rule id; rules not listed keep their default.",
                            ),
                        ),
                        ("type", strings(["object", "null"])),
                        ("additionalProperties", Json::Bool(false)),
                        ("properties", object(rules)),
                    ]),
                ),
                (
                    "exclude",
                    object([
                        (
                            "description",
                            Json::from(
                                "Globs of files not to lint, relative to the configuration \
                                 file's folder.",
                            ),
                        ),
                        ("type", strings(["array", "null"])),
                        ("items", object([("type", Json::from("string"))])),
                    ]),
                ),
            ]),
        ),
        (
            "definitions",
            object([(
                "severity",
                object([
                    (
                        "description",
                        Json::from("`off` may also be written as YAML 1.1's `false`."),
                    ),
                    ("enum", severities),
                ]),
            )]),
        ),
    ])
    .pretty()
}

fn severity_names(severities: &[Severity]) -> Vec<&'static str> {
    severities.iter().map(|s| s.as_str()).collect()
}

fn severity_ref() -> Json {
    object([("$ref", Json::from("#/definitions/severity"))])
}

/// A rule's entry: a bare severity, or a mapping with `severity` and its options.
/// A rule with a required option is on only with the mapping form that lists it.
fn rule_schema(rule: &Rule) -> Json {
    let meta = &rule.meta;
    let mut properties = vec![("severity", severity_ref())];
    let mut required_when_on = Vec::new();
    for option in meta.options {
        let items = match &option.value {
            OptionValue::StringList => object([("type", Json::from("string"))]),
            OptionValue::EnumList(values) => {
                object([("enum", strings(values.iter().map(|v| v.value)))])
            }
        };
        properties.push((
            option.name,
            object([
                ("description", Json::from(option.description)),
                ("type", Json::from("array")),
                ("items", items),
            ]),
        ));
        if option.required_when_on {
            required_when_on.push(option.name);
        }
    }
    let mut mapping = vec![
        ("type", Json::from("object")),
        ("additionalProperties", Json::Bool(false)),
        ("properties", object(properties)),
    ];
    let description = Json::from(format!(
        "{} (default: {}). `gitops-ls explain {}` says more.",
        meta.summary,
        meta.default_severity.as_str(),
        meta.id
    ));
    if required_when_on.is_empty() {
        let forms = vec![
            severity_ref(),
            object([("type", Json::from("null"))]),
            object(mapping),
        ];
        return object([("description", description), ("anyOf", Json::Array(forms))]);
    }
    // On (by its own severity, or by default) with an empty required option is an error.
    let off = || Json::Array(vec![Json::from("off"), Json::Bool(false)]);
    let condition = if meta.default_severity == Severity::Off {
        object([
            ("required", strings(["severity"])),
            (
                "properties",
                object([(
                    "severity",
                    object([("enum", strings(severity_names(&SEVERITIES[..4])))]),
                )]),
            ),
        ])
    } else {
        object([(
            "not",
            object([
                ("required", strings(["severity"])),
                (
                    "properties",
                    object([("severity", object([("enum", off())]))]),
                ),
            ]),
        )])
    };
    let needs_options = object([
        ("required", strings(&required_when_on)),
        (
            "properties",
            object(
                required_when_on
                    .iter()
                    .map(|name| (*name, object([("minItems", Json::from(1u64))]))),
            ),
        ),
    ]);
    mapping.push(("if", condition));
    mapping.push(("then", needs_options));
    // A bare severity other than off turns the rule on without its options; so does
    // an empty entry when the rule is on by default.
    let mut forms = vec![object([("enum", off())])];
    if meta.default_severity == Severity::Off {
        forms.push(object([("type", Json::from("null"))]));
    }
    forms.push(object(mapping));
    object([("description", description), ("anyOf", Json::Array(forms))])
}
