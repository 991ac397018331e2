//! Rendering the Go-template actions of one scalar, for the simple pipelines charts use
//! for images: `.Values.a.b`, `.Chart.AppVersion`, string literals, `default`, `quote`,
//! `squote` and `toString`. Anything else is an error that callers report as "unknown".

use super::values::{ChartContext, GoValue, ValueError};
use crate::text::TextRange;
use crate::work::{self, Counter};
use crate::yaml::action_close;

/// A `.Values` / `.Chart` reference the rendering used.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueUse {
    /// As written, e.g. `.Values.image.tag`.
    pub expression: String,
    pub value: GoValue,
    /// The value's range in `values.yaml` (for `.Values`; `None` when missing or `.Chart`).
    pub values_range: Option<TextRange>,
}

/// A rendered scalar source and the values it read.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub uses: Vec<ValueUse>,
}

/// Renders the template actions in `source`, one scalar's text as written in a template.
///
/// # Errors
/// A short reason when the actions are more than this models, or when `helm template`
/// would fail.
pub fn render(source: &str, chart: &ChartContext) -> Result<Rendered, String> {
    work::count(Counter::Renders, 1);
    let mut out = Rendered {
        text: String::new(),
        uses: Vec::new(),
    };
    let mut rest = source;
    let mut trim_next = false;
    while let Some(open) = rest.find("{{") {
        let close = action_close(rest, open).ok_or("unclosed template action")?;
        let literal = take_literal(&rest[..open], trim_next)?;
        out.text.push_str(literal);
        let mut action = &rest[open + 2..close];
        // `{{- ` and ` -}}` trim the whitespace around the action.
        if let Some(trimmed) = action
            .strip_prefix('-')
            .filter(|a| a.starts_with([' ', '\t']))
        {
            let kept = out.text.trim_end().len();
            if kept == 0 {
                return Err("the action trims text outside the value".into());
            }
            out.text.truncate(kept);
            action = trimmed;
        }
        trim_next = false;
        if let Some(trimmed) = action
            .strip_suffix('-')
            .filter(|a| a.ends_with([' ', '\t']))
        {
            trim_next = true;
            action = trimmed;
        }
        let action = action.trim();
        if !(action.starts_with("/*") && action.ends_with("*/")) {
            let value = pipeline(action, chart, &mut out.uses)?;
            out.text.push_str(&value.render());
        }
        rest = &rest[close + 2..];
    }
    out.text.push_str(take_literal(rest, trim_next)?);
    Ok(out)
}

/// Literal text between actions, trimmed at the start after a `-}}`.
fn take_literal(literal: &str, trim_start: bool) -> Result<&str, String> {
    if !trim_start {
        return Ok(literal);
    }
    let trimmed = literal.trim_start();
    if trimmed.is_empty() {
        return Err("the action trims text outside the value".into());
    }
    Ok(trimmed)
}

/// Evaluates `command ('|' command)*`; each command's result is the last argument of the
/// next.
fn pipeline(
    action: &str,
    chart: &ChartContext,
    uses: &mut Vec<ValueUse>,
) -> Result<GoValue, String> {
    let mut piped: Option<GoValue> = None;
    for command in split_commands(action)? {
        let (name, args) = command.split_first().ok_or("empty command")?;
        if let ("include" | "template", Some(helper)) = (*name, args.first()) {
            // A chart's own helper (`_helpers.tpl`): say which one, not the first operand
            // that could not be read.
            let helper = helper.trim_matches(['"', '`']);
            return Err(format!("helper \"{helper}\""));
        }
        let mut args: Vec<GoValue> = args
            .iter()
            .map(|arg| operand(arg, chart, uses))
            .collect::<Result<_, _>>()?;
        let is_function = !(name.starts_with(['.', '$', '"', '`']));
        if !is_function {
            if !args.is_empty() || piped.is_some() {
                return Err(format!("cannot call {name}"));
            }
            piped = Some(operand(name, chart, uses)?);
            continue;
        }
        args.extend(piped.take());
        piped = Some(function(name, args)?);
    }
    piped.ok_or_else(|| "empty action".to_owned())
}

fn function(name: &str, mut args: Vec<GoValue>) -> Result<GoValue, String> {
    let quoted = |value: &GoValue, quote: char| -> Result<GoValue, String> {
        let text = value.render();
        let needs_escape = text
            .chars()
            .any(|c| c == '"' || c == '\\' || c == '\'' || !(' '..='~').contains(&c));
        if needs_escape {
            return Err(format!("{name} of a value that needs escaping"));
        }
        Ok(GoValue::Str(format!("{quote}{text}{quote}")))
    };
    match (name, args.as_slice()) {
        // Sprig: `default fallback given` returns `given` unless it is empty.
        ("default", [fallback, given]) => Ok(if given.is_empty() {
            fallback.clone()
        } else {
            given.clone()
        }),
        // Sprig skips nil arguments, so a missing value quotes to nothing.
        ("quote" | "squote", [GoValue::Nil]) => Ok(GoValue::Str(String::new())),
        ("quote", [value]) => quoted(value, '"'),
        ("squote", [value]) => quoted(value, '\''),
        ("toString", [_]) => Ok(GoValue::Str(args.remove(0).render())),
        _ => Err(format!(
            "template function {name} with {} arguments",
            args.len()
        )),
    }
}

fn operand(token: &str, chart: &ChartContext, uses: &mut Vec<ValueUse>) -> Result<GoValue, String> {
    if let Some(text) = token
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|t| !t.contains('\\'))
        .or_else(|| token.strip_prefix('`').and_then(|t| t.strip_suffix('`')))
    {
        return Ok(GoValue::Str(text.to_owned()));
    }
    let field_path = token.strip_prefix('$').unwrap_or(token);
    let lookup = if let Some(path) = field_path.strip_prefix(".Values.") {
        let keys: Vec<&str> = path.split('.').collect();
        if keys.iter().any(|key| !is_identifier(key)) {
            return Err(format!("expression {token}"));
        }
        chart.value(&keys)
    } else if let Some(field) = field_path.strip_prefix(".Chart.") {
        chart
            .chart_field(field)
            .map(|found| super::values::ValueLookup {
                range: None,
                ..found
            })
    } else {
        return Err(format!("expression {token}"));
    };
    let found = lookup.map_err(|error| match error {
        ValueError::NotScalar => format!("{token} is a mapping or list"),
        ValueError::Unsupported(what) => format!("{token}: value {what} is not modelled"),
        ValueError::NilPointer(at) => {
            format!("{token}: .Values.{at} is missing or not a mapping, so helm fails")
        }
    })?;
    uses.push(ValueUse {
        expression: token.to_owned(),
        value: found.value.clone(),
        values_range: found.range,
    });
    Ok(found.value)
}

fn is_identifier(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Splits a pipeline into commands of words; string literals stay whole. Parentheses,
/// variables and assignments are not modelled.
fn split_commands(action: &str) -> Result<Vec<Vec<&str>>, String> {
    let mut commands = vec![Vec::new()];
    let mut rest = action.trim_start();
    while let Some(first) = rest.chars().next() {
        let end = match first {
            '|' => {
                commands.push(Vec::new());
                rest = rest[1..].trim_start();
                continue;
            }
            '"' | '`' => rest[1..]
                .find(first)
                .map(|at| at + 2)
                .ok_or("unclosed string")?,
            '(' | ')' | ':' | '=' => return Err("parentheses or variables".into()),
            _ => rest.find([' ', '\t', '|']).unwrap_or(rest.len()),
        };
        let word = &rest[..end];
        if word.contains(['(', ')', '=']) {
            return Err("parentheses or variables".into());
        }
        commands.last_mut().ok_or("empty pipeline")?.push(word);
        rest = rest[end..].trim_start();
    }
    Ok(commands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> ChartContext {
        ChartContext::new(
            Some(
                "image:\n  repository: nginx\n  tag: \"\"\n  pullPolicy: IfNotPresent\n  num: 3\n",
            ),
            Some("appVersion: 1.16.0\n"),
        )
    }

    fn text(source: &str) -> Result<String, String> {
        render(source, &chart()).map(|rendered| rendered.text)
    }

    #[test]
    fn scaffold_shapes() {
        assert_eq!(
            text("\"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"").as_deref(),
            Ok("\"nginx:1.16.0\"")
        );
        assert_eq!(
            text("{{ .Values.image.pullPolicy }}").as_deref(),
            Ok("IfNotPresent")
        );
        assert_eq!(
            text("{{ .Values.image.pullPolicy | quote }}").as_deref(),
            Ok("\"IfNotPresent\"")
        );
        assert_eq!(
            text("{{ default \"x\" .Values.image.tag }}").as_deref(),
            Ok("x")
        );
        assert_eq!(text("{{ $.Values.image.num }}").as_deref(), Ok("3"));
        assert_eq!(
            text("{{ .Values.image.missing | quote }}").as_deref(),
            Ok("")
        );
        assert_eq!(text("a{{- \"b\" -}}c{{/* note */}}").as_deref(), Ok("abc"));
        let uses = render(
            "{{ .Values.image.tag | default .Chart.AppVersion }}",
            &chart(),
        )
        .unwrap()
        .uses;
        assert_eq!(uses.len(), 2);
        assert!(uses[0].values_range.is_some() && uses[1].values_range.is_none());
    }

    #[test]
    fn a_helper_is_named() {
        for source in [
            "{{ include \"airflow.image\" . }}",
            "{{ template \"airflow.image\" . }}",
            "{{ include \"airflow.image\" . | quote }}",
        ] {
            assert_eq!(
                text(source),
                Err("helper \"airflow.image\"".to_owned()),
                "{source}"
            );
        }
    }

    #[test]
    fn anything_else_is_unknown() {
        for source in [
            "{{ include \"x.image\" . }}",
            "{{ .Values.image }}",
            "{{ printf \"%s\" .Values.image.tag }}",
            "{{ (.Values.image).tag }}",
            "{{ $x := 1 }}",
            "{{ .Values.nope.tag }}",
            "{{ .Release.Name }}",
            "{{- .Values.image.tag }}",
            "x {{ .Values.image.tag -}}",
            "{{ .Values.image.tag",
            "{{ \"a\\\"b\" }}",
        ] {
            assert!(text(source).is_err(), "{source}");
        }
    }
}
