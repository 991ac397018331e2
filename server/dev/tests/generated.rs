//! The generated files are current, and the JSON Schema of `.gitops-ls.yaml` accepts
//! what the configuration parser accepts.

use std::path::{Path, PathBuf};

use gitops_ls_analysis::rules::RULES;
use gitops_ls_analysis::Config;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn generated_files_are_current() {
    let root = root();
    let stale: Vec<&str> = gitops_ls_dev::generate_all(&root)
        .expect("the generators read their inputs")
        .into_iter()
        .filter(|file| {
            std::fs::read_to_string(root.join(file.path)).ok() != Some(file.text.clone())
        })
        .map(|file| file.path)
        .collect();
    assert!(
        stale.is_empty(),
        "stale generated files: {}; run `cargo dev generate` and commit the result",
        stale.join(", ")
    );
}

#[test]
fn the_readme_table_lists_every_rule_with_its_docs() {
    let table = gitops_ls_dev::readme("a\n<!-- rules:start -->\nold\n<!-- rules:end -->\nb\n")
        .expect("markers present");
    assert!(table.starts_with("a\n<!-- rules:start -->\n| id | default | fires when |\n"));
    assert!(table.ends_with("|\n<!-- rules:end -->\nb\n"), "{table}");
    assert!(!table.contains("old"));
    for rule in RULES {
        let meta = &rule.meta;
        let row = format!(
            "| `{}` | {} | {} |",
            meta.id,
            meta.default_severity.as_str(),
            meta.docs
        );
        assert!(table.contains(&row), "no row {row}");
    }
    assert!(gitops_ls_dev::readme("no markers").is_err());
}

#[test]
fn package_json_has_a_setting_per_rule_and_keeps_other_keys() {
    let current = r#"{
  "name": "x",
  "contributes": {
    "configuration": {
      "properties": {
        "gitops-ls.server.path": { "type": "string" },
        "gitops-ls.rules.removed-rule": { "type": "string" }
      }
    }
  },
  "version": "1"
}"#;
    let text = gitops_ls_dev::package_json(current).expect("valid package.json");
    let package: Value = serde_json::from_str(&text).unwrap();
    let properties = package["contributes"]["configuration"]["properties"]
        .as_object()
        .unwrap();
    assert!(!properties.contains_key("gitops-ls.rules.removed-rule"));
    // Keys stay where they were; the generated settings come after the others.
    let position = |key: &str| text.find(&format!("\"{key}\"")).unwrap();
    assert!(position("name") < position("contributes"));
    assert!(position("contributes") < position("version"));
    assert!(position("gitops-ls.server.path") < position("gitops-ls.rules.yaml-syntax"));
    assert!(text.starts_with("{\n  \"name\": \"x\",\n"), "{text}");
    for rule in RULES {
        let setting = &properties[&format!("gitops-ls.rules.{}", rule.meta.id)];
        assert_eq!(setting["default"], "default");
        let default = setting["enumDescriptions"][0].as_str().unwrap();
        assert!(default.contains(&format!("({})", rule.meta.default_severity.as_str())));
        for option in rule.meta.options {
            let key = format!("gitops-ls.{}", gitops_ls_dev::option_setting(rule, option));
            assert_eq!(properties[&key]["type"], "array", "{key}");
        }
    }
    assert!(properties.contains_key("gitops-ls.requirePullPolicy.allowed"));
    assert!(properties.contains_key("gitops-ls.allowedRegistries.prefixes"));
}

/// A validator for the subset of draft-07 the generated schema uses; a keyword
/// outside the subset fails the test rather than being skipped.
fn valid(schema: &Value, root: &Value, value: &Value) -> bool {
    let Some(keywords) = schema.as_object() else {
        panic!("schema {schema} is not an object");
    };
    keywords
        .iter()
        .all(|(keyword, arg)| match keyword.as_str() {
            "$schema" | "title" | "description" | "definitions" => true,
            "$ref" => {
                let name = arg
                    .as_str()
                    .unwrap()
                    .strip_prefix("#/definitions/")
                    .unwrap();
                valid(&root["definitions"][name], root, value)
            }
            "type" => {
                let types: Vec<&str> = match arg {
                    Value::String(one) => vec![one.as_str()],
                    many => many
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|t| t.as_str().unwrap())
                        .collect(),
                };
                types.iter().any(|t| match *t {
                    "object" => value.is_object(),
                    "array" => value.is_array(),
                    "string" => value.is_string(),
                    "null" => value.is_null(),
                    other => panic!("type {other} outside the subset"),
                })
            }
            "enum" => arg.as_array().unwrap().contains(value),
            "anyOf" => arg
                .as_array()
                .unwrap()
                .iter()
                .any(|s| valid(s, root, value)),
            "not" => !valid(arg, root, value),
            "if" => {
                let then = &keywords["then"];
                !valid(arg, root, value) || valid(then, root, value)
            }
            "then" => true,
            "required" => value.as_object().is_none_or(|object| {
                arg.as_array()
                    .unwrap()
                    .iter()
                    .all(|key| object.contains_key(key.as_str().unwrap()))
            }),
            "properties" => value.as_object().is_none_or(|object| {
                object.iter().all(|(key, item)| {
                    arg.get(key)
                        .is_none_or(|property| valid(property, root, item))
                })
            }),
            "additionalProperties" => {
                assert_eq!(arg, &Value::Bool(false), "only `false` is in the subset");
                let known = keywords["properties"].as_object().unwrap();
                value
                    .as_object()
                    .is_none_or(|object| object.keys().all(|key| known.contains_key(key)))
            }
            "items" => value
                .as_array()
                .is_none_or(|items| items.iter().all(|item| valid(arg, root, item))),
            "minItems" => value
                .as_array()
                .is_none_or(|items| items.len() as u64 >= arg.as_u64().unwrap()),
            other => panic!("keyword {other} outside the validator's subset"),
        })
}

fn schema_accepts(yaml: &str) -> bool {
    let schema: Value = serde_json::from_str(&gitops_ls_dev::schema()).unwrap();
    // An empty file is a YAML null document, as yaml-language-server reads it.
    let value: Value = serde_yaml::from_str(yaml).unwrap_or(Value::Null);
    valid(&schema, &schema, &value)
}

/// Every `.gitops-ls.yaml` below `dir` (build output and dependencies skipped).
fn config_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !matches!(name.to_str(), Some("target" | "node_modules" | ".git")) {
                config_files(&path, found);
            }
        } else if name == ".gitops-ls.yaml" {
            found.push(path);
        }
    }
}

#[test]
fn the_schema_accepts_the_repository_configs_and_the_readme_example() {
    let root = root();
    let mut files = Vec::new();
    for dir in ["tests", "examples", "editors", "server"] {
        config_files(&root.join(dir), &mut files);
    }
    let mut texts: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            (
                path.display().to_string(),
                std::fs::read_to_string(path).unwrap(),
            )
        })
        .collect();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = &readme[readme.find("## Configuration: `.gitops-ls.yaml`").unwrap()..];
    let block = section
        .split("```yaml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    texts.push(("README example".to_owned(), block.to_owned()));
    assert!(texts.len() >= 2, "{texts:?}");
    for (name, text) in &texts {
        if Config::from_yaml(text).is_ok() {
            assert!(schema_accepts(text), "the schema rejects {name}:\n{text}");
        }
    }
}

/// Configurations with the parser's verdict: the schema must agree on each.
const CASES: &[(&str, bool)] = &[
    ("", true),
    ("rules:\n  latest-tag: error\n", true),
    ("rules:\n  latest-tag: false\n", true),
    ("rules:\n  latest-tag: true\n", false),
    ("rules:\n  latest-tag: loud\n", false),
    ("rules:\n  latest-tag:\n", true),
    ("rules:\n  latest-tag:\n    severity: hint\n", true),
    (
        "rules:\n  latest-tag:\n    severity: hint\n    allowed: [Always]\n",
        false,
    ),
    ("rules:\n  no-such-rule: error\n", false),
    ("rule:\n  latest-tag: error\n", false),
    ("rules:\n", true),
    ("exclude:\n", true),
    ("exclude: [\"vendor/**\"]\n", true),
    ("exclude: vendor\n", false),
    ("rules:\n  require-pull-policy: error\n", false),
    ("rules:\n  require-pull-policy: off\n", true),
    (
        "rules:\n  require-pull-policy:\n    severity: error\n",
        false,
    ),
    (
        "rules:\n  require-pull-policy:\n    severity: error\n    allowed: []\n",
        false,
    ),
    (
        "rules:\n  require-pull-policy:\n    severity: error\n    allowed: [Always]\n",
        true,
    ),
    (
        "rules:\n  require-pull-policy:\n    severity: error\n    allowed: [always]\n",
        false,
    ),
    (
        "rules:\n  require-pull-policy:\n    allowed: [Never]\n",
        true,
    ),
    ("rules:\n  require-pull-policy:\n    severity: off\n", true),
    (
        "rules:\n  allowed-registries:\n    severity: warning\n    prefixes: [ghcr.io/acme/]\n",
        true,
    ),
    (
        "rules:\n  allowed-registries:\n    severity: warning\n    prefix: [ghcr.io/acme/]\n",
        false,
    ),
    (
        "rules:\n  allowed-registries:\n    severity: warning\n",
        false,
    ),
];

#[test]
fn the_schema_agrees_with_the_parser() {
    for (text, accepted) in CASES {
        assert_eq!(
            Config::from_yaml(text).is_ok(),
            *accepted,
            "parser verdict on:\n{text}"
        );
        assert_eq!(
            schema_accepts(text),
            *accepted,
            "schema verdict on:\n{text}"
        );
    }
}

#[test]
fn the_parser_accepts_every_rule_the_schema_lists() {
    let schema: Value = serde_json::from_str(&gitops_ls_dev::schema()).unwrap();
    let rules = schema["properties"]["rules"]["properties"]
        .as_object()
        .unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (id, _) in rules {
        let rule = RULES
            .iter()
            .find(|rule| rule.meta.id == id)
            .expect("a registered rule");
        let mut text = format!("rules:\n  {id}:\n    severity: warning\n");
        for option in rule.meta.options {
            let value = match &option.value {
                gitops_ls_analysis::rules::OptionValue::StringList => "example",
                gitops_ls_analysis::rules::OptionValue::EnumList(values) => values[0].value,
            };
            text.push_str(&format!("    {}: [{value}]\n", option.name));
        }
        assert!(schema_accepts(&text), "{text}");
        if let Err(error) = Config::from_yaml(&text) {
            panic!("{id}: {error}\n{text}");
        }
    }
}
