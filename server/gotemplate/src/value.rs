//! The value model: what Helm's data (`map[string]interface{}` from YAML/JSON) can hold,
//! plus `Unknown` for content that is not knowable offline.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::output::{Origin, Segment};

#[derive(Clone, Debug)]
pub enum Kind {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Rc<str>),
    List(Rc<Vec<Value>>),
    /// Keys are Go strings; a BTreeMap iterates them in Go's sorted order (bytewise).
    Map(Rc<BTreeMap<String, Value>>),
    /// Content not knowable offline (e.g. `randAlphaNum`): propagates, prints nothing
    /// but an unknown segment, and is never judged or guessed.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Value {
    pub kind: Kind,
    pub origin: Option<Origin>,
    /// For a string produced by rendering a template (`include`): where each of its
    /// bytes came from, relative to the string's start.
    pub(crate) rendered: Option<Rc<Vec<Segment>>>,
}

impl Value {
    fn of(kind: Kind) -> Value {
        Value {
            kind,
            origin: None,
            rendered: None,
        }
    }
    pub fn nil() -> Value {
        Value::of(Kind::Nil)
    }
    pub fn bool(b: bool) -> Value {
        Value::of(Kind::Bool(b))
    }
    pub fn int(i: i64) -> Value {
        Value::of(Kind::Int(i))
    }
    pub fn float(f: f64) -> Value {
        Value::of(Kind::Float(f))
    }
    pub fn string(s: impl Into<Rc<str>>) -> Value {
        Value::of(Kind::String(s.into()))
    }
    pub fn list(items: Vec<Value>) -> Value {
        Value::of(Kind::List(Rc::new(items)))
    }
    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::of(Kind::Map(Rc::new(entries)))
    }
    pub fn unknown() -> Value {
        Value::of(Kind::Unknown)
    }
    pub fn with_origin(mut self, origin: Origin) -> Value {
        self.origin = Some(origin);
        self
    }
    /// The segments of a rendered string (from `include`-like functions), if any.
    pub fn rendered_segments(&self) -> Option<&[Segment]> {
        self.rendered.as_deref().map(Vec::as_slice)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown)
    }
    pub fn is_nil(&self) -> bool {
        matches!(self.kind, Kind::Nil)
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }
    /// Whether the value holds Unknown anywhere inside.
    pub fn contains_unknown(&self) -> bool {
        match &self.kind {
            Kind::Unknown => true,
            Kind::List(items) => items.iter().any(Value::contains_unknown),
            Kind::Map(entries) => entries.values().any(Value::contains_unknown),
            _ => false,
        }
    }
    /// Go's type name as `%T` and error texts print it (`<nil>` for nil).
    pub fn go_type(&self) -> &'static str {
        match self.kind {
            Kind::Nil => "<nil>",
            Kind::Bool(_) => "bool",
            Kind::Int(_) => "int",
            Kind::Float(_) => "float64",
            Kind::String(_) => "string",
            Kind::List(_) => "[]interface {}",
            Kind::Map(_) => "map[string]interface {}",
            Kind::Unknown => "unknown",
        }
    }
    /// Go's truth (text/template isTrue); None for Unknown.
    pub fn truth(&self) -> Option<bool> {
        Some(match &self.kind {
            Kind::Nil => false,
            Kind::Bool(b) => *b,
            Kind::Int(i) => *i != 0,
            Kind::Float(f) => *f != 0.0,
            Kind::String(s) => !s.is_empty(),
            Kind::List(items) => !items.is_empty(),
            Kind::Map(entries) => !entries.is_empty(),
            Kind::Unknown => return None,
        })
    }
}
