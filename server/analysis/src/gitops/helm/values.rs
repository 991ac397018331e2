//! What a chart's templates see: `.Values` from `values.yaml` and `.Chart` from
//! `Chart.yaml`, typed the way Helm loads them (YAML → JSON → Go values, so every number
//! is a float64) and printed the way Go's `fmt` prints them.

use std::sync::Arc;

use crate::text::TextRange;
use crate::yaml::{Document, NodeId, NodeKind, ScalarStyle, YamlFile};

/// A Go value a template can print.
#[derive(Debug, Clone, PartialEq)]
pub enum GoValue {
    /// A missing key or a YAML null: prints as "" (Helm removes `<no value>`).
    Nil,
    Str(String),
    Number(f64),
    Bool(bool),
}

impl GoValue {
    /// `fmt.Sprint(value)`.
    pub fn render(&self) -> String {
        match self {
            GoValue::Nil => String::new(),
            GoValue::Str(s) => s.clone(),
            GoValue::Number(n) => format_go_float(*n),
            GoValue::Bool(b) => b.to_string(),
        }
    }

    /// Sprig's `empty`, which decides `default`.
    pub fn is_empty(&self) -> bool {
        match self {
            GoValue::Nil => true,
            GoValue::Str(s) => s.is_empty(),
            GoValue::Number(n) => *n == 0.0,
            GoValue::Bool(b) => !b,
        }
    }
}

/// Why a value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// A mapping or list: prints as Go's `map[…]` / `[…]`, never an image.
    NotScalar,
    /// A YAML form whose Go value we do not model (hex or octal numbers, `.inf`, …).
    Unsupported(String),
    /// Reading a key of a missing or scalar value: `helm template` fails.
    NilPointer(String),
}

/// `values.yaml` and `Chart.yaml` of one chart, and the values a deployment sets over them.
#[derive(Debug, Clone)]
pub struct ChartContext {
    values: YamlFile,
    chart: YamlFile,
    /// Values merged over `values.yaml`, lowest precedence first.
    overrides: Vec<ValuesLayer>,
}

/// A mapping of values merged over a chart's `values.yaml` (a values file, an Argo CD
/// `helm.values` / `valuesObject`, `parameters`, a HelmRelease `spec.values`).
#[derive(Debug, Clone)]
pub struct ValuesLayer {
    /// Shared: the layers of all objects of one file point into one parse.
    file: Arc<YamlFile>,
    document: usize,
    node: Option<NodeId>,
}

impl ValuesLayer {
    /// The first document of a YAML text.
    pub fn from_text(text: &str) -> ValuesLayer {
        let file = YamlFile::parse(text);
        let node = file.documents.first().and_then(|doc| doc.root);
        ValuesLayer {
            file: Arc::new(file),
            document: 0,
            node,
        }
    }

    /// The node `node` of document `document` of `file` (e.g. `spec.values`).
    pub fn from_node(file: &Arc<YamlFile>, document: usize, node: NodeId) -> ValuesLayer {
        ValuesLayer {
            file: file.clone(),
            document,
            node: Some(node),
        }
    }

    /// Helm's coalescing for one path: `Some` when this layer decides it (a value, a
    /// `null` that deletes the key, or a scalar above it), `None` to look below.
    fn lookup(&self, path: &[&str]) -> Option<Result<ValueLookup, ValueError>> {
        let doc = self.file.documents.get(self.document)?;
        let mut node = self.node.filter(|&node| !doc.is_null(node))?;
        for (depth, key) in path.iter().enumerate() {
            if !doc.is_mapping(node) {
                return Some(Err(ValueError::NilPointer(path[..depth].join("."))));
            }
            node = doc.get(node, key)?;
            if doc.is_null(node) {
                return Some(if depth + 1 == path.len() {
                    Ok(missing())
                } else {
                    Err(ValueError::NilPointer(path[..=depth].join(".")))
                });
            }
        }
        Some(go_value(doc, node).map(|value| ValueLookup { value, range: None }))
    }
}

/// A value read from `values.yaml`, with where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueLookup {
    pub value: GoValue,
    /// The value's range in `values.yaml`; `None` when the key is missing.
    pub range: Option<TextRange>,
}

impl ChartContext {
    /// From the texts of `values.yaml` and `Chart.yaml` (either may be missing).
    pub fn new(values_yaml: Option<&str>, chart_yaml: Option<&str>) -> ChartContext {
        ChartContext {
            values: YamlFile::parse(values_yaml.unwrap_or_default()),
            chart: YamlFile::parse(chart_yaml.unwrap_or_default()),
            overrides: Vec::new(),
        }
    }

    /// The same chart with `layers` merged over its values, lowest precedence first.
    pub fn with_overrides(mut self, layers: Vec<ValuesLayer>) -> ChartContext {
        self.overrides.extend(layers);
        self
    }

    /// `.Values.<path>`: from the overrides, highest first, else `values.yaml` (a value
    /// from an override has no range).
    ///
    /// # Errors
    /// A key below a missing or scalar value (Helm fails), or a value we cannot type.
    pub fn value(&self, path: &[&str]) -> Result<ValueLookup, ValueError> {
        self.overrides
            .iter()
            .rev()
            .find_map(|layer| layer.lookup(path))
            .unwrap_or_else(|| lookup(&self.values, path))
    }

    /// `.Chart.<field>` for the fields the scaffold uses (`AppVersion`, `Version`, `Name`).
    /// Helm reads them into Go strings, so a number written without quotes is unsupported.
    pub fn chart_field(&self, field: &str) -> Result<ValueLookup, ValueError> {
        let key = match field {
            "AppVersion" => "appVersion",
            "Version" => "version",
            "Name" => "name",
            other => return Err(ValueError::Unsupported(format!(".Chart.{other}"))),
        };
        let found = lookup(&self.chart, &[key])?;
        match found.value {
            GoValue::Str(_) | GoValue::Nil => Ok(found),
            _ => Err(ValueError::Unsupported(format!(
                ".Chart.{field} is not a string in Chart.yaml"
            ))),
        }
    }
}

fn lookup(file: &YamlFile, path: &[&str]) -> Result<ValueLookup, ValueError> {
    let Some(doc) = file.documents.first() else {
        return Ok(missing());
    };
    let Some(mut node) = doc.root.filter(|&root| !doc.is_null(root)) else {
        return Ok(missing());
    };
    for (depth, key) in path.iter().enumerate() {
        if !doc.is_mapping(node) {
            return Err(ValueError::NilPointer(path[..depth].join(".")));
        }
        match doc.get(node, key) {
            Some(child) => node = child,
            None if depth + 1 == path.len() => return Ok(missing()),
            None => return Err(ValueError::NilPointer(path[..=depth].join("."))),
        }
        if doc.is_null(node) && depth + 1 < path.len() {
            return Err(ValueError::NilPointer(path[..=depth].join(".")));
        }
    }
    Ok(ValueLookup {
        value: go_value(doc, node)?,
        range: Some(doc.node(node).span.clone()),
    })
}

fn missing() -> ValueLookup {
    ValueLookup {
        value: GoValue::Nil,
        range: None,
    }
}

/// The Go value of a YAML node as Helm decodes values (goyaml v2 resolution, YAML 1.1
/// booleans, numbers through JSON as float64).
fn go_value(doc: &Document, node: NodeId) -> Result<GoValue, ValueError> {
    let node = doc.resolve(node);
    let NodeKind::Scalar { value, style } = &doc.node(node).kind else {
        return Err(ValueError::NotScalar);
    };
    if *style != ScalarStyle::Plain {
        return Ok(GoValue::Str(value.clone()));
    }
    let v = value.as_str();
    Ok(match v {
        "" | "~" | "null" | "Null" | "NULL" => GoValue::Nil,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            GoValue::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            GoValue::Bool(false)
        }
        _ if is_decimal_number(v) => match v.parse::<f64>() {
            Ok(n) if n.is_finite() => GoValue::Number(n),
            _ => return Err(ValueError::Unsupported(v.to_owned())),
        },
        _ if looks_numeric(v) => return Err(ValueError::Unsupported(v.to_owned())),
        _ => GoValue::Str(value.clone()),
    })
}

/// `[-+]?(0|[1-9][0-9]*)` or a float `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
/// without a leading zero (goyaml reads `017` as octal).
fn is_decimal_number(v: &str) -> bool {
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok = match (int.is_empty(), mantissa.contains('.')) {
        (true, true) => digits(frac),
        (false, _) => digits(int) && (frac.is_empty() || digits(frac)),
        (true, false) => false,
    };
    let leading_zero = int.len() > 1 && int.starts_with('0');
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok && !leading_zero
}

/// Other forms goyaml reads as numbers: hex, octal (`0o17`, `017`), binary, `_`
/// separators, `.inf`, `.nan`.
fn looks_numeric(v: &str) -> bool {
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    let lower = unsigned.to_ascii_lowercase();
    let all = |s: &str, ok: fn(u8) -> bool| !s.is_empty() && s.bytes().all(|b| ok(b) || b == b'_');
    matches!(lower.as_str(), ".inf" | ".nan")
        || lower
            .strip_prefix("0x")
            .is_some_and(|s| all(s, |b| b.is_ascii_hexdigit()))
        || lower
            .strip_prefix("0o")
            .is_some_and(|s| all(s, |b| matches!(b, b'0'..=b'7')))
        || lower
            .strip_prefix("0b")
            .is_some_and(|s| all(s, |b| matches!(b, b'0' | b'1')))
        || (all(&lower, |b| b.is_ascii_digit()) && (lower.contains('_') || lower.starts_with('0')))
}

/// Go's `%v` for a float64: `%g` with the shortest digits, in exponent form when the
/// exponent is below -4 or at least 6 (so a value `1234567` prints as `1.234567e+06`).
fn format_go_float(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. `-1.234567e6`.
    let scientific = format!("{v:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{point}{rest}e{exp_sign}{:02}", exponent.abs());
    }
    let point = exponent + 1; // digits before the decimal point
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formatting() {
        let cases = [
            (1.0, "1"),
            (1.1, "1.1"),
            (1.10, "1.1"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e6, "1e+06"),
            (20210101.0, "2.0210101e+07"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (0.0, "0"),
        ];
        for (value, want) in cases {
            assert_eq!(format_go_float(value), want, "{value}");
        }
    }

    #[test]
    fn values_are_typed_like_helm() {
        let chart = ChartContext::new(
            Some(
                "image:\n  repository: nginx\n  tag: 1.10\n  pullPolicy: ~\n  on: yes\n  hex: 0x1F\n  \
                 quoted: \"1.10\"\n  list: [1]\n  zero: 017\n  semver: 1.16.0\nname: web\n",
            ),
            Some("appVersion: 1.16.0\nversion: 2\n"),
        );
        let value = |path: &[&str]| chart.value(path).map(|found| found.value);
        assert_eq!(
            value(&["image", "repository"]),
            Ok(GoValue::Str("nginx".into()))
        );
        assert_eq!(value(&["image", "tag"]).unwrap().render(), "1.1");
        assert_eq!(value(&["image", "pullPolicy"]), Ok(GoValue::Nil));
        assert_eq!(value(&["image", "on"]), Ok(GoValue::Bool(true)));
        assert_eq!(value(&["image", "quoted"]).unwrap().render(), "1.10");
        assert!(matches!(
            value(&["image", "hex"]),
            Err(ValueError::Unsupported(_))
        ));
        assert!(matches!(
            value(&["image", "zero"]),
            Err(ValueError::Unsupported(_))
        ));
        assert_eq!(value(&["image", "list"]), Err(ValueError::NotScalar));
        assert_eq!(
            value(&["image", "semver"]),
            Ok(GoValue::Str("1.16.0".into()))
        );
        assert_eq!(value(&["image", "missing"]), Ok(GoValue::Nil));
        assert_eq!(
            value(&["nope", "tag"]),
            Err(ValueError::NilPointer("nope".into()))
        );
        assert_eq!(
            value(&["name", "tag"]),
            Err(ValueError::NilPointer("name".into()))
        );
        let app_version = chart.chart_field("AppVersion").unwrap();
        assert_eq!(app_version.value, GoValue::Str("1.16.0".into()));
        assert!(chart.chart_field("Version").is_err());
        assert_eq!(
            ChartContext::new(None, None).value(&["a"]).unwrap().value,
            GoValue::Nil
        );
    }
}
