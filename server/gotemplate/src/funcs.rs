//! Go's builtin template functions (text/template/funcs.go) over this crate's values.
//! `and`/`or` short-circuit and live in the executor.

use crate::fmt::{quote, sprint};
use crate::value::{Kind, Value};

const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// (fixed parameters, variadic) as Go's function signatures declare them.
pub(crate) fn arity(name: &str) -> (usize, bool) {
    match name {
        "and" | "or" | "index" | "slice" | "eq" | "printf" => (1, true),
        "call" => (1, true),
        "not" | "len" => (1, false),
        "ne" | "lt" | "le" | "gt" | "ge" => (2, false),
        _ => (0, true), // html, js, urlquery, print, println
    }
}

type R = Result<Value, String>;

/// Calls builtin `name` (not and/or) with evaluated arguments. `first_node` is the
/// source text of the first argument (for `call`'s message).
pub(crate) fn call_builtin(name: &str, args: &[Value], first_node: &str) -> R {
    match name {
        "len" => length(&args[0]),
        "index" => index(&args[0], &args[1..]),
        "slice" => slice(&args[0], &args[1..]),
        "not" => Ok(Value::bool(!args[0].truth().unwrap_or(false))),
        "eq" => eq(&args[0], &args[1..]).map(Value::bool),
        "ne" => eq(&args[0], &args[1..2]).map(|b| Value::bool(!b)),
        "lt" => lt(&args[0], &args[1]).map(Value::bool),
        "le" => le(&args[0], &args[1]).map(Value::bool),
        "gt" => le(&args[0], &args[1]).map(|b| Value::bool(!b)),
        "ge" => lt(&args[0], &args[1]).map(|b| Value::bool(!b)),
        "html" => Ok(Value::string(html_escape(&eval_args(args)))),
        "js" => Ok(Value::string(js_escape(&eval_args(args)))),
        "urlquery" => Ok(Value::string(query_escape(&eval_args(args)))),
        "print" => Ok(Value::string(sprint(args))),
        "println" => Ok(Value::string(crate::fmt::sprintln(args))),
        "printf" => {
            let format = args[0].as_str().unwrap_or_default();
            Ok(Value::string(crate::fmt::sprintf(format, &args[1..])))
        }
        "call" => match args[0].kind {
            Kind::Nil => Err("call of nil".into()),
            _ => Err(format!(
                "non-function {first_node} of type {}",
                args[0].go_type()
            )),
        },
        _ => Err(format!("unknown builtin {name}")),
    }
}

/// Go's evalArgs: a lone string as is, anything else through fmt.Sprint.
fn eval_args(args: &[Value]) -> String {
    if let [only] = args {
        if let Some(s) = only.as_str() {
            return s.to_string();
        }
    }
    sprint(args)
}

fn length(item: &Value) -> R {
    match &item.kind {
        Kind::String(s) => Ok(Value::int(s.len() as i64)),
        Kind::List(items) => Ok(Value::int(items.len() as i64)),
        Kind::Map(entries) => Ok(Value::int(entries.len() as i64)),
        Kind::Nil => Err("len of nil pointer".into()),
        _ => Err(format!("len of type {}", item.go_type())),
    }
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index.kind {
        Kind::Int(i) => i,
        Kind::Nil => return Err("cannot index slice/array with nil".into()),
        _ => {
            return Err(format!(
                "cannot index slice/array with type {}",
                index.go_type()
            ))
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: &Value, indexes: &[Value]) -> R {
    if item.is_nil() {
        return Err("index of untyped nil".into());
    }
    let mut item = item.clone();
    for index in indexes {
        let next = match &item.kind {
            Kind::Nil => return Err("index of nil pointer".into()),
            Kind::List(items) => {
                let x = index_arg(index, items.len())?;
                items
                    .get(x)
                    .cloned()
                    .ok_or("reflect: slice index out of range")?
            }
            Kind::String(s) => {
                let x = index_arg(index, s.len())?;
                Value::int(
                    *s.as_bytes()
                        .get(x)
                        .ok_or("reflect: string index out of range")? as i64,
                )
            }
            Kind::Map(entries) => {
                let key = match &index.kind {
                    Kind::String(k) => k,
                    Kind::Nil => return Err("value is nil; should be of type string".into()),
                    _ => {
                        return Err(format!(
                            "value has type {}; should be string",
                            index.go_type()
                        ))
                    }
                };
                entries.get(&**key).cloned().unwrap_or_else(Value::nil)
            }
            _ => return Err(format!("can't index item of type {}", item.go_type())),
        };
        item = next;
    }
    Ok(item)
}

fn slice(item: &Value, indexes: &[Value]) -> R {
    if item.is_nil() {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match &item.kind {
        Kind::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Kind::List(items) => items.len(),
        _ => return Err(format!("can't slice item of type {}", item.go_type())),
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    match &item.kind {
        Kind::String(s) => match s.get(idx[0]..idx[1]) {
            Some(sub) => Ok(Value::string(sub)),
            // Go slices bytes; a cut inside a UTF-8 sequence keeps the raw bytes
            None => Ok(Value::string(
                String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned(),
            )),
        },
        Kind::List(items) => Ok(Value::list(items[idx[0]..idx[1]].to_vec())),
        _ => unreachable!("checked above"),
    }
}

#[derive(PartialEq, Clone, Copy)]
enum Basic {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Result<Basic, String> {
    match v.kind {
        Kind::Bool(_) => Ok(Basic::Bool),
        Kind::Int(_) => Ok(Basic::Int),
        Kind::Float(_) => Ok(Basic::Float),
        Kind::String(_) => Ok(Basic::String),
        _ => Err("invalid type for comparison".into()),
    }
}

fn incompatible(a: &Value, b: &Value) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        a.go_type(),
        b.go_type()
    )
}

fn eq(arg1: &Value, others: &[Value]) -> Result<bool, String> {
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(arg1).unwrap_or(Basic::Invalid);
    for arg in others {
        let k2 = basic_kind(arg).unwrap_or(Basic::Invalid);
        let truth = if k1 != k2 {
            if !arg1.is_nil() && !arg.is_nil() {
                return Err(incompatible(arg1, arg));
            }
            false
        } else {
            match (&arg1.kind, &arg.kind) {
                (Kind::Bool(a), Kind::Bool(b)) => a == b,
                (Kind::Int(a), Kind::Int(b)) => a == b,
                (Kind::Float(a), Kind::Float(b)) => a == b,
                (Kind::String(a), Kind::String(b)) => a == b,
                _ => {
                    if arg1.is_nil() || arg.is_nil() {
                        arg1.is_nil() == arg.is_nil()
                    } else {
                        return Err(format!(
                            "non-comparable type {}: {}",
                            crate::fmt::sprintf("%s", std::slice::from_ref(arg)),
                            arg.go_type()
                        ));
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    let k1 = basic_kind(a)?;
    let k2 = basic_kind(b)?;
    if k1 != k2 {
        return Err(incompatible(a, b));
    }
    match (&a.kind, &b.kind) {
        (Kind::Float(x), Kind::Float(y)) => Ok(x < y),
        (Kind::Int(x), Kind::Int(y)) => Ok(x < y),
        (Kind::String(x), Kind::String(y)) => Ok(x < y),
        _ => Err("invalid type for comparison".into()),
    }
}

fn le(a: &Value, b: &Value) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

/// template.HTMLEscapeString.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// template.JSEscapeString.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            _ if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            _ if c.is_ascii() || crate::fmt::is_print(c) => out.push(c),
            _ => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// url.QueryEscape.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `quote` re-exported for error texts that quote names.
pub(crate) fn q(s: &str) -> String {
    quote(s, false)
}
