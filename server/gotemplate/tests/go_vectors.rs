//! Runs every vector of tests/vectors/go_vectors.json (rendered by the real Helm v4.2.3
//! engine, see generate.py) through this engine with Helm's options.

use std::collections::BTreeMap;

use gitops_ls_gotemplate::{ExecErrorKind, FuncError, Functions, Options, Templates, Value};
use serde_json::Value as Json;

const CASE: &str = "t/templates/case.yaml";

/// Helm reads values through JSON, so every number is a float64; coalescing the chart's
/// values drops map keys whose value is null.
fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::nil(),
        Json::Bool(b) => Value::bool(*b),
        Json::Number(n) => Value::float(n.as_f64().unwrap()),
        Json::String(s) => Value::string(s.as_str()),
        Json::Array(items) => Value::list(items.iter().map(from_json).collect()),
        Json::Object(entries) => Value::map(
            entries
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect(),
        ),
    }
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// Helm's `include`: renders a named template to a string.
fn helm_functions() -> Functions {
    let mut functions = Functions::new();
    functions.register("include", |ctx, args| {
        let name = args
            .first()
            .and_then(Value::as_str)
            .ok_or("include: name must be a string")?
            .to_string();
        let data = args.get(1).cloned().unwrap_or_else(Value::nil);
        ctx.render_template(&name, data).map_err(FuncError::from)
    });
    functions
}

/// Helm's cleanupParseError: `parse error at (LOCATION): LAST PART`.
fn helm_parse_error(go: &str) -> String {
    let tokens: Vec<&str> = go.split(": ").collect();
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

/// Helm v4 prints some exec errors as `LOC\n  executing "N" at <A>:\n    MESSAGE` (with
/// ": " of nested errors broken onto lines); this restores Go's one-line text.
fn go_text_of_helm_exec_error(helm: &str) -> String {
    if helm.starts_with("template: ") {
        return helm.to_string();
    }
    let mut lines = helm.splitn(3, '\n');
    let location = lines.next().unwrap();
    let executing = lines.next().unwrap_or("").trim().trim_end_matches(':');
    let message = lines.next().unwrap_or("").trim_start().replace(":\n", ": ");
    format!("template: {location}: {executing}: {message}")
}

#[test]
fn helm_vectors() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/go_vectors.json"
    ))
    .unwrap();
    let doc: Json = serde_json::from_str(&text).unwrap();
    let values = from_json(&doc["values"]);
    let data = map(&[
        ("Values", values),
        (
            "Template",
            map(&[
                ("Name", Value::string(CASE)),
                ("BasePath", Value::string("t/templates")),
            ]),
        ),
    ]);
    let options = Options::helm();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 150, "{} vectors", vectors.len());
    let mut failures = Vec::new();
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let mut set = Templates::new("gotpl", helm_functions());
        let mut parse_error = None;
        for (file, source) in v["helpers"].as_object().unwrap() {
            if let Err(e) = set.add_file(&format!("t/templates/{file}"), source.as_str().unwrap()) {
                parse_error = Some(e);
            }
        }
        if parse_error.is_none() {
            parse_error = set.add_file(CASE, v["template"].as_str().unwrap()).err();
        }
        let got = match parse_error {
            Some(e) => Err(helm_parse_error(&e.to_string())),
            None => match set.render(CASE, &data, &options) {
                Ok(r) => Ok(r.text),
                Err(e) => {
                    let text = if e.kind == ExecErrorKind::Budget {
                        // Go's limit is 100000 nested calls; ours is a configured budget
                        e.message
                            .replace(&format!("({})", options.max_depth), "(100000)")
                    } else {
                        e.message
                    };
                    Err(text)
                }
            },
        };
        let want = match (v.get("output"), v.get("error")) {
            (Some(out), _) => Ok(out.as_str().unwrap().to_string()),
            (_, Some(err)) => {
                let err = err.as_str().unwrap();
                Err(if err.starts_with("parse error") {
                    err.to_string()
                } else {
                    go_text_of_helm_exec_error(err)
                })
            }
            _ => panic!("vector {name} has neither output nor error"),
        };
        if got != want {
            failures.push(format!("{name}:\n   got {got:?}\n  want {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}
