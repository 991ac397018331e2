//! A set of templates and its executor: Go's text/template/exec.go semantics over
//! [`Value`], writing [`Rendered`] output with a provenance segment for every byte.

use std::collections::HashMap;
use std::rc::Rc;

use crate::fmt::sprint;
use crate::funcs::{self, q};
use crate::options::{MissingKey, Options, ParseOptions};
use crate::output::{Rendered, Source};
use crate::parse::{self as parser, Arg, Command, Node, Number, ParseError, Pipe, Pos, Tree};
use crate::value::{Kind, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecErrorKind {
    /// An error Go's text/template gives; `message` is Go's text.
    Go,
    /// A budget (depth, steps, output) ran out.
    Budget,
    /// A decision (if/with/range) needed a value that is not knowable offline.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecError {
    pub kind: ExecErrorKind,
    pub message: String,
    /// The file and byte offset of the node the error is reported at.
    pub file: String,
    pub pos: usize,
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExecError {}

/// What a registered function returns on failure.
#[derive(Debug)]
pub enum FuncError {
    /// Reported as Go does: `error calling NAME: MESSAGE`.
    Message(String),
    /// An error from rendering a template inside the function (`include`): Go errors
    /// are wrapped like messages, budget and unknown errors pass through unchanged.
    Exec(ExecError),
}

impl From<String> for FuncError {
    fn from(s: String) -> Self {
        FuncError::Message(s)
    }
}

impl From<&str> for FuncError {
    fn from(s: &str) -> Self {
        FuncError::Message(s.to_string())
    }
}

impl From<ExecError> for FuncError {
    fn from(e: ExecError) -> Self {
        FuncError::Exec(e)
    }
}

type FnImpl = dyn Fn(&mut Context<'_, '_>, &[Value]) -> Result<Value, FuncError>;

#[derive(Clone)]
pub struct Function {
    call: Rc<FnImpl>,
    sees_unknown: bool,
}

/// Functions registered by the caller; they take precedence over Go's builtins, as
/// template.Funcs does.
#[derive(Clone, Default)]
pub struct Functions {
    map: HashMap<String, Function>,
}

impl Functions {
    pub fn new() -> Functions {
        Functions::default()
    }
    /// A function that is not called when an argument contains Unknown: its result is
    /// then Unknown.
    pub fn register(
        &mut self,
        name: &str,
        f: impl Fn(&mut Context<'_, '_>, &[Value]) -> Result<Value, FuncError> + 'static,
    ) {
        self.insert(name, Rc::new(f), false);
    }
    /// A function that handles Unknown arguments itself (e.g. `default`).
    pub fn register_unknown_aware(
        &mut self,
        name: &str,
        f: impl Fn(&mut Context<'_, '_>, &[Value]) -> Result<Value, FuncError> + 'static,
    ) {
        self.insert(name, Rc::new(f), true);
    }
    fn insert(&mut self, name: &str, call: Rc<FnImpl>, sees_unknown: bool) {
        self.map
            .insert(name.to_string(), Function { call, sees_unknown });
    }
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }
}

/// What a registered function can ask of the running executor.
pub struct Context<'e, 'a> {
    exec: &'e mut Exec<'a>,
}

impl Context<'_, '_> {
    /// Renders the named template with `data` as dot, into a string value whose
    /// segments point into that template (what `include` needs). Counts against the
    /// same depth, step and output budgets.
    pub fn render_template(&mut self, name: &str, data: Value) -> Result<Value, ExecError> {
        let Some(tree) = self.exec.lookup(name) else {
            let message = format!(
                "template: no template {} associated with template {}",
                q(name),
                q(self.exec.set.set_name())
            );
            return Err(ExecError {
                kind: ExecErrorKind::Go,
                message,
                file: self.exec.tree.file.to_string(),
                pos: 0,
            });
        };
        let mut out = Rendered::default();
        self.exec
            .call_tree(tree, Slot::plain(data), &mut out, None)?;
        Ok(rendered_string(out))
    }

    /// Parses `source` as a template named `name` (what `tpl` needs: a template text
    /// known only at run time) and renders it with `data` as dot. Its defines are visible
    /// while it runs, and it sees the set's templates. Segments of the result point into
    /// `source` under the file name `name`. A parse error comes back as a Go error.
    pub fn render_source(
        &mut self,
        name: &str,
        source: &str,
        data: Value,
    ) -> Result<Value, ExecError> {
        let trees = self.exec.set.parse(name, source).map_err(|e| ExecError {
            kind: ExecErrorKind::Go,
            message: e.to_string(),
            file: name.to_string(),
            pos: e.pos,
        })?;
        let mark = self.exec.overlay.len();
        let trees: Vec<Rc<Tree>> = trees.into_iter().map(Rc::new).collect();
        let top = trees[0].clone();
        self.exec.overlay.extend(trees);
        let mut out = Rendered::default();
        let result = self.exec.call_tree(top, Slot::plain(data), &mut out, None);
        self.exec.overlay.truncate(mark);
        result?;
        Ok(rendered_string(out))
    }
    pub fn has_template(&self, name: &str) -> bool {
        self.exec.set.has_template(name)
    }
}

/// A value as the executor holds it: `iface` marks a value read out of a map or list
/// element (Go's `interface{}`-typed reflect.Value), which matters for nil and for the
/// type named in errors.
#[derive(Clone, Debug)]
struct Slot {
    v: Value,
    iface: bool,
}

impl Slot {
    fn plain(v: Value) -> Slot {
        Slot { v, iface: false }
    }
    fn elem(v: Value) -> Slot {
        Slot { v, iface: true }
    }
    fn invalid() -> Slot {
        Slot::plain(Value::nil())
    }
    fn type_name(&self) -> &'static str {
        if self.iface {
            "interface {}"
        } else {
            self.v.go_type()
        }
    }
}

enum Flow {
    Break,
    Continue,
    Err(ExecError),
}

impl From<ExecError> for Flow {
    fn from(e: ExecError) -> Self {
        Flow::Err(e)
    }
}

type ER<T> = Result<T, ExecError>;

pub(crate) struct Exec<'a> {
    set: &'a Templates,
    /// Trees parsed while rendering (`render_source`), looked up before the set's.
    overlay: Vec<Rc<Tree>>,
    opts: &'a Options,
    vars: Vec<(String, Slot)>,
    depth: usize,
    steps: u64,
    tree: Rc<Tree>,
}

pub(crate) fn execute(set: &Templates, name: &str, data: &Value, opts: &Options) -> ER<Rendered> {
    let Some(tree) = set.tree(name).cloned() else {
        let message = format!(
            "template: no template {} associated with template {}",
            q(name),
            q(set.set_name())
        );
        return Err(ExecError {
            kind: ExecErrorKind::Go,
            message,
            file: name.to_string(),
            pos: 0,
        });
    };
    let mut exec = Exec {
        set,
        overlay: Vec::new(),
        opts,
        vars: Vec::new(),
        depth: 0,
        steps: 0,
        tree: tree.clone(),
    };
    let mut out = Rendered::default();
    exec.vars.push(("$".into(), Slot::plain(data.clone())));
    match exec.walk(&Slot::plain(data.clone()), &tree.root, &mut out) {
        Ok(()) => Ok(out),
        Err(Flow::Err(e)) => Err(e),
        Err(_) => Ok(out), // the parser rejects break/continue outside range
    }
}

/// A rendered text as a string value that keeps its segments.
fn rendered_string(out: Rendered) -> Value {
    let mut value = Value::string(out.text.as_str());
    value.rendered = Some(Rc::new(out.segments));
    value
}

impl<'a> Exec<'a> {
    fn lookup(&self, name: &str) -> Option<Rc<Tree>> {
        match self.overlay.iter().rev().find(|t| t.name == name) {
            Some(tree) => Some(tree.clone()),
            None => self.set.tree(name).cloned(),
        }
    }

    fn error(&self, kind: ExecErrorKind, pos: Pos, context: &str, msg: &str) -> ExecError {
        let text = &self.tree.source[..pos.min(self.tree.source.len())];
        let line = 1 + text.matches('\n').count();
        let col = match text.rfind('\n') {
            Some(i) => pos - (i + 1),
            None => pos,
        };
        let message = format!(
            "template: {}:{}:{}: executing {} at <{}>: {}",
            self.tree.file,
            line,
            col,
            q(&self.tree.name),
            context,
            msg
        );
        ExecError {
            kind,
            message,
            file: self.tree.file.to_string(),
            pos,
        }
    }
    fn err(&self, pos: Pos, context: &str, msg: &str) -> ExecError {
        self.error(ExecErrorKind::Go, pos, context, msg)
    }

    fn step(&mut self, pos: Pos) -> ER<()> {
        self.steps += 1;
        if self.steps > self.opts.max_steps {
            return Err(self.error(
                ExecErrorKind::Budget,
                pos,
                "budget",
                &format!(
                    "exceeded the budget of {} evaluation steps",
                    self.opts.max_steps
                ),
            ));
        }
        Ok(())
    }

    fn check_output(&self, out: &Rendered, pos: Pos) -> ER<()> {
        if out.text.len() > self.opts.max_output {
            return Err(self.error(
                ExecErrorKind::Budget,
                pos,
                "budget",
                &format!(
                    "output exceeds the budget of {} bytes",
                    self.opts.max_output
                ),
            ));
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Slot, nodes: &[Node], out: &mut Rendered) -> Result<(), Flow> {
        for node in nodes {
            self.walk_node(dot, node, out)?;
        }
        Ok(())
    }

    fn walk_node(&mut self, dot: &Slot, node: &Node, out: &mut Rendered) -> Result<(), Flow> {
        match node {
            Node::Text { span } => {
                self.step(span.start)?;
                let text = &self.tree.source[span.clone()];
                out.push(
                    text,
                    Source::Text {
                        file: self.tree.file.clone(),
                        span: span.clone(),
                    },
                );
                self.check_output(out, span.start)?;
            }
            Node::Action { span, pipe } => {
                self.step(span.start)?;
                let value = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.print(span.clone(), &value.v, out);
                    self.check_output(out, span.start)?;
                }
            }
            Node::If(b) | Node::With(b) => {
                self.step(b.pos)?;
                let mark = self.vars.len();
                let value = self.eval_pipeline(dot, &b.pipe)?;
                let Some(truth) = value.v.truth() else {
                    let (pos, ctx) = pipe_context(&b.pipe);
                    return Err(self
                        .error(
                            ExecErrorKind::Unknown,
                            pos,
                            &ctx,
                            "the condition depends on a value that is not known offline",
                        )
                        .into());
                };
                let result = if truth {
                    if matches!(node, Node::With(_)) {
                        self.walk(&value, &b.list, out)
                    } else {
                        self.walk(dot, &b.list, out)
                    }
                } else if let Some(else_list) = &b.else_list {
                    self.walk(dot, else_list, out)
                } else {
                    Ok(())
                };
                self.vars.truncate(mark);
                result?;
            }
            Node::Range(b) => {
                self.step(b.pos)?;
                let mark = self.vars.len();
                let result = self.walk_range(dot, b, out);
                self.vars.truncate(mark);
                result?;
            }
            Node::Break { .. } => return Err(Flow::Break),
            Node::Continue { .. } => return Err(Flow::Continue),
            Node::Template {
                pos, name, pipe, ..
            } => {
                self.step(*pos)?;
                let context = match pipe {
                    Some(p) => format!("{{{{template {} {p}}}}}", q(name)),
                    None => format!("{{{{template {}}}}}", q(name)),
                };
                let Some(tree) = self.lookup(name) else {
                    return Err(self
                        .err(*pos, &context, &format!("template {} not defined", q(name)))
                        .into());
                };
                let data = match pipe {
                    Some(p) => self.eval_pipeline(dot, p)?,
                    None => Slot::invalid(),
                };
                self.call_tree(tree, data, out, Some((*pos, context)))?;
            }
        }
        Ok(())
    }

    /// Runs `tree` with `dot` in a fresh variable scope, one level deeper.
    fn call_tree(
        &mut self,
        tree: Rc<Tree>,
        dot: Slot,
        out: &mut Rendered,
        at: Option<(Pos, String)>,
    ) -> ER<()> {
        if self.depth >= self.opts.max_depth {
            let (pos, context) = at.unwrap_or((0, String::new()));
            return Err(self.error(
                ExecErrorKind::Budget,
                pos,
                &context,
                &format!("exceeded maximum template depth ({})", self.opts.max_depth),
            ));
        }
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".into(), dot.clone())]);
        let saved_tree = std::mem::replace(&mut self.tree, tree.clone());
        self.depth += 1;
        let result = self.walk(&dot, &tree.root, out);
        self.depth -= 1;
        self.tree = saved_tree;
        self.vars = saved_vars;
        match result {
            Err(Flow::Err(e)) => Err(e),
            _ => Ok(()),
        }
    }

    fn print(&mut self, span: std::ops::Range<usize>, value: &Value, out: &mut Rendered) {
        let file = self.tree.file.clone();
        if value.contains_unknown() {
            out.push_unknown(file, span);
        } else if value.is_nil() {
            out.push(
                "<no value>",
                Source::Action {
                    file,
                    span,
                    origin: None,
                },
            );
        } else if let (Kind::String(s), Some(segments)) = (&value.kind, &value.rendered) {
            out.push_rendered(s, segments);
        } else {
            out.push(
                &sprint(std::slice::from_ref(value)),
                Source::Action {
                    file,
                    span,
                    origin: value.origin,
                },
            );
        }
    }

    fn walk_range(
        &mut self,
        dot: &Slot,
        b: &crate::parse::Branch,
        out: &mut Rendered,
    ) -> Result<(), Flow> {
        let value = self.eval_pipeline(dot, &b.pipe)?;
        let (pos, ctx) = pipe_context(&b.pipe);
        // map entries are collected (bounded by the data); lists and ints are indexed,
        // so `range 1000000000` costs nothing before the step budget stops it
        let mut entries: Vec<(Slot, Slot)> = Vec::new();
        let count = match &value.v.kind {
            Kind::List(items) => items.len() as i64,
            Kind::Map(map) => {
                entries.extend(map.iter().map(|(k, v)| {
                    (
                        Slot::plain(Value::string(k.as_str())),
                        Slot::elem(v.clone()),
                    )
                }));
                entries.len() as i64
            }
            Kind::Int(n) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self
                        .err(
                            pos,
                            &ctx,
                            &format!("can't use {} to iterate over more than one variable", n),
                        )
                        .into());
                }
                (*n).max(0)
            }
            Kind::Nil => 0,
            Kind::Unknown => {
                return Err(self
                    .error(
                        ExecErrorKind::Unknown,
                        pos,
                        &ctx,
                        "range over a value that is not known offline",
                    )
                    .into())
            }
            _ => {
                return Err(self
                    .err(
                        pos,
                        &ctx,
                        &format!(
                            "range can't iterate over {}",
                            sprint(std::slice::from_ref(&value.v))
                        ),
                    )
                    .into())
            }
        };
        if count == 0 {
            if let Some(else_list) = &b.else_list {
                return self.walk(dot, else_list, out);
            }
            return Ok(());
        }
        let mut entries = entries.into_iter();
        for i in 0..count {
            let (index, elem) = match &value.v.kind {
                Kind::List(items) => (
                    Slot::plain(Value::int(i)),
                    Slot::elem(items[i as usize].clone()),
                ),
                Kind::Map(_) => entries.next().expect("one entry per iteration"),
                _ => (Slot::plain(Value::int(i)), Slot::plain(Value::int(i))),
            };
            self.step(b.pos)?;
            let decl = &b.pipe.decl;
            if !decl.is_empty() {
                if b.pipe.is_assign {
                    if decl.len() > 1 {
                        self.set_var(&decl[0], index.clone(), pos, &ctx)?;
                        self.set_var(&decl[1], elem.clone(), pos, &ctx)?;
                    } else {
                        self.set_var(&decl[0], elem.clone(), pos, &ctx)?;
                    }
                } else {
                    let n = self.vars.len();
                    self.vars[n - 1].1 = elem.clone();
                    if decl.len() > 1 {
                        self.vars[n - 2].1 = index.clone();
                    }
                }
            }
            let mark = self.vars.len();
            let result = self.walk(&elem, &b.list, out);
            self.vars.truncate(mark);
            match result {
                Ok(()) | Err(Flow::Continue) => {}
                Err(Flow::Break) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn set_var(&mut self, name: &str, value: Slot, pos: Pos, ctx: &str) -> ER<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => Err(self.err(pos, ctx, &format!("undefined variable: {name}"))),
        }
    }

    fn var(&self, name: &str, pos: Pos, ctx: &str) -> ER<Slot> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.err(pos, ctx, &format!("undefined variable: {name}"))),
        }
    }

    fn eval_pipeline(&mut self, dot: &Slot, pipe: &Pipe) -> ER<Slot> {
        let mut value: Option<Slot> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            // Go unwraps interface{} values after each command
            value = Some(Slot::plain(v.v));
        }
        let value = value.unwrap_or_else(Slot::invalid);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone(), pipe.pos, &pipe.to_string())?;
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], has_final: bool) -> ER<()> {
        if args.len() > 1 || has_final {
            let first = &args[0];
            return Err(self.err(
                first.pos(),
                &first.to_string(),
                &format!("can't give argument to non-function {first}"),
            ));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Slot, cmd: &Command, fin: Option<Slot>) -> ER<Slot> {
        self.step(cmd.pos)?;
        let first = &cmd.args[0];
        let has_args = cmd.args.len() > 1 || fin.is_some();
        match first {
            Arg::Field { pos, idents } => {
                return self.field_chain(dot.clone(), idents, has_args, *pos, first)
            }
            Arg::Chain { .. } | Arg::Variable { .. } => {
                if let Arg::Variable { fields, .. } = first {
                    if fields.is_empty() {
                        self.not_a_function(&cmd.args, fin.is_some())?;
                    }
                }
                return self.eval_chain_like(dot, first, has_args);
            }
            Arg::Identifier { pos, name } => return self.eval_function(dot, name, *pos, cmd, fin),
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, fin.is_some())?;
                return self.eval_pipeline(dot, p);
            }
            _ => {}
        }
        self.not_a_function(&cmd.args, fin.is_some())?;
        match first {
            Arg::Nil { pos } => Err(self.err(*pos, "nil", "nil is not a command")),
            _ => self.eval_arg(dot, first),
        }
    }

    fn eval_chain_like(&mut self, dot: &Slot, arg: &Arg, has_args: bool) -> ER<Slot> {
        match arg {
            Arg::Variable { pos, name, fields } => {
                let value = self.var(name, *pos, &arg.to_string())?;
                if fields.is_empty() {
                    return Ok(value);
                }
                self.field_chain(value, fields, has_args, *pos, arg)
            }
            Arg::Chain { pos, node, fields } => {
                if matches!(**node, Arg::Nil { .. }) {
                    return Err(self.err(
                        *pos,
                        &arg.to_string(),
                        &format!("indirection through explicit nil in {arg}"),
                    ));
                }
                let receiver = self.eval_arg(dot, node)?;
                self.field_chain(receiver, fields, has_args, *pos, arg)
            }
            _ => self.eval_arg(dot, arg),
        }
    }

    fn field_chain(
        &mut self,
        mut receiver: Slot,
        fields: &[String],
        has_args: bool,
        pos: Pos,
        node: &Arg,
    ) -> ER<Slot> {
        for (i, name) in fields.iter().enumerate() {
            let last = i + 1 == fields.len();
            receiver = self.field(receiver, name, last && has_args, pos, node)?;
        }
        Ok(receiver)
    }

    fn field(
        &mut self,
        receiver: Slot,
        name: &str,
        has_args: bool,
        pos: Pos,
        node: &Arg,
    ) -> ER<Slot> {
        let ctx = || node.to_string();
        match &receiver.v.kind {
            Kind::Unknown => Ok(receiver),
            Kind::Nil if !receiver.iface => {
                if self.opts.missing_key == MissingKey::Error {
                    return Err(self.err(
                        pos,
                        &ctx(),
                        &format!("nil data; no entry for key {}", q(name)),
                    ));
                }
                Ok(Slot::invalid())
            }
            Kind::Nil => Err(self.err(
                pos,
                &ctx(),
                &format!("nil pointer evaluating interface {{}}.{name}"),
            )),
            Kind::Map(entries) => {
                if has_args {
                    return Err(self.err(
                        pos,
                        &ctx(),
                        &format!("{name} is not a method but has arguments"),
                    ));
                }
                match entries.get(name) {
                    Some(v) => Ok(Slot::elem(v.clone())),
                    None => match self.opts.missing_key {
                        MissingKey::Invalid => Ok(Slot::invalid()),
                        MissingKey::Zero => Ok(Slot::elem(Value::nil())),
                        MissingKey::Error => Err(self.err(
                            pos,
                            &ctx(),
                            &format!("map has no entry for key {}", q(name)),
                        )),
                    },
                }
            }
            _ => Err(self.err(
                pos,
                &ctx(),
                &format!(
                    "can't evaluate field {name} in type {}",
                    receiver.type_name()
                ),
            )),
        }
    }

    fn eval_arg(&mut self, dot: &Slot, arg: &Arg) -> ER<Slot> {
        Ok(match arg {
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => Slot::elem(Value::nil()),
            Arg::Field { pos, idents } => {
                return self.field_chain(dot.clone(), idents, false, *pos, arg)
            }
            Arg::Variable { .. } | Arg::Chain { .. } => {
                return self.eval_chain_like(dot, arg, false)
            }
            Arg::Pipe(p) => return self.eval_pipeline(dot, p),
            Arg::Identifier { pos, name } => {
                let cmd = Command {
                    pos: *pos,
                    args: vec![arg.clone()],
                };
                return self.eval_function(dot, name, *pos, &cmd, None);
            }
            Arg::Bool { value, .. } => Slot::plain(Value::bool(*value)),
            Arg::Number {
                value: Number::Int(i),
                ..
            } => Slot::plain(Value::int(*i)),
            Arg::Number {
                value: Number::Float(f),
                ..
            } => Slot::plain(Value::float(*f)),
            Arg::String { value, .. } => Slot::plain(Value::string(value.as_str())),
        })
    }

    fn eval_function(
        &mut self,
        dot: &Slot,
        name: &str,
        pos: Pos,
        cmd: &Command,
        fin: Option<Slot>,
    ) -> ER<Slot> {
        let custom = self.set.functions().map.get(name).cloned();
        let given = cmd.args.len() - 1 + usize::from(fin.is_some());
        if custom.is_none() {
            let (fixed, variadic) = funcs::arity(name);
            if (variadic && given < fixed) || (!variadic && given != fixed) {
                let want = if variadic {
                    format!("at least {fixed}")
                } else {
                    fixed.to_string()
                };
                return Err(self.err(
                    pos,
                    name,
                    &format!("wrong number of args for {name}: want {want} got {given}"),
                ));
            }
            if name == "and" || name == "or" {
                return self.and_or(dot, name == "or", cmd, fin);
            }
        }
        let mut args = Vec::with_capacity(given);
        for (i, arg) in cmd.args[1..].iter().enumerate() {
            let value = self.eval_arg(dot, arg)?;
            if i == 0 && name == "printf" && custom.is_none() {
                self.check_string_param(arg, &value)?;
            }
            args.push(value.v);
        }
        if let Some(f) = fin {
            if args.is_empty() && name == "printf" && custom.is_none() && f.v.as_str().is_none() {
                return Err(self.err(
                    cmd.pos,
                    &cmd.to_string(),
                    &format!(
                        "wrong type for value; expected string; got {}",
                        f.type_name()
                    ),
                ));
            }
            args.push(f.v);
        }
        let sees_unknown = custom.as_ref().is_some_and(|f| f.sees_unknown);
        if !sees_unknown && args.iter().any(Value::contains_unknown) {
            return Ok(Slot::plain(Value::unknown()));
        }
        let result = match custom {
            Some(f) => {
                let mut ctx = Context { exec: self };
                match (f.call)(&mut ctx, &args) {
                    Ok(v) => Ok(v),
                    Err(FuncError::Message(m)) => Err(m),
                    Err(FuncError::Exec(e)) if e.kind == ExecErrorKind::Go => Err(e.message),
                    Err(FuncError::Exec(e)) => return Err(e),
                }
            }
            None => {
                let first = cmd.args.get(1).map(|a| a.to_string()).unwrap_or_default();
                funcs::call_builtin(name, &args, &first)
            }
        };
        match result {
            Ok(v) => Ok(Slot::plain(v)),
            Err(m) => Err(self.err(
                cmd.pos,
                &cmd.to_string(),
                &format!("error calling {name}: {m}"),
            )),
        }
    }

    fn check_string_param(&self, arg: &Arg, value: &Slot) -> ER<()> {
        if value.v.as_str().is_some() || value.v.is_unknown() {
            return Ok(());
        }
        let msg = match arg {
            Arg::Number { .. } | Arg::Bool { .. } => format!("expected string; found {arg}"),
            _ if value.v.is_nil() => "invalid value; expected string".to_string(),
            _ => format!(
                "wrong type for value; expected string; got {}",
                value.v.go_type()
            ),
        };
        Err(self.err(arg.pos(), &arg.to_string(), &msg))
    }

    /// Short-circuit `and`/`or`: the first deciding argument is the result, as is.
    fn and_or(&mut self, dot: &Slot, is_or: bool, cmd: &Command, fin: Option<Slot>) -> ER<Slot> {
        let mut value = Slot::invalid();
        for arg in &cmd.args[1..] {
            value = self.eval_arg(dot, arg)?;
            match value.v.truth() {
                None => return Ok(Slot::plain(Value::unknown())),
                Some(t) if t == is_or => return Ok(value),
                Some(_) => {}
            }
        }
        if let Some(f) = fin {
            value = f;
        }
        Ok(value)
    }
}

/// Where Go reports an error about a pipeline's value: its last command's single
/// operand, or that command.
fn pipe_context(pipe: &Pipe) -> (Pos, String) {
    match pipe.cmds.last() {
        Some(cmd) if cmd.args.len() == 1 => (cmd.args[0].pos(), cmd.args[0].to_string()),
        Some(cmd) => (cmd.pos, cmd.to_string()),
        None => (pipe.pos, String::new()),
    }
}

/// A set of templates that can call each other, like a Go `*template.Template` with its
/// associated templates.
pub struct Templates {
    name: String,
    trees: HashMap<String, Rc<parser::Tree>>,
    functions: Functions,
    parse_options: ParseOptions,
}

impl Templates {
    /// `name` is the set's own name (Go's name of the root template, which appears in
    /// "no template ... associated with template NAME" errors).
    pub fn new(name: &str, functions: Functions) -> Templates {
        Templates {
            name: name.to_string(),
            trees: HashMap::new(),
            functions,
            parse_options: ParseOptions::default(),
        }
    }

    pub fn with_parse_options(mut self, options: ParseOptions) -> Templates {
        self.parse_options = options;
        self
    }

    pub fn functions(&self) -> &Functions {
        &self.functions
    }

    /// Parses `source` as the template `name` (plus its `define`s and `block`s). As Go's
    /// AddParseTree does, a definition replaces an earlier one of the same name unless it
    /// is empty. On error nothing is added.
    pub fn add_file(&mut self, name: &str, source: &str) -> Result<(), ParseError> {
        let trees = self.parse(name, source)?;
        for tree in trees {
            self.insert(tree);
        }
        Ok(())
    }

    pub(crate) fn parse(&self, name: &str, source: &str) -> Result<Vec<parser::Tree>, ParseError> {
        let has = |f: &str| self.functions.contains(f) || funcs::is_builtin(f);
        parser::parse_file(
            name,
            source,
            &has,
            &parser::ParseLimits {
                max_depth: self.parse_options.max_depth,
            },
        )
    }

    fn insert(&mut self, tree: parser::Tree) {
        if let Some(old) = self.trees.get(&tree.name) {
            if tree.is_empty() && !old.is_empty() {
                return;
            }
        }
        self.trees.insert(tree.name.clone(), Rc::new(tree));
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The names of all templates, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.trees.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Executes the template `name` with `data` as dot.
    pub fn render(
        &self,
        name: &str,
        data: &Value,
        options: &Options,
    ) -> Result<Rendered, ExecError> {
        let mut rendered = execute(self, name, data, options)?;
        if options.remove_no_value {
            rendered.remove_all("<no value>");
        }
        Ok(rendered)
    }

    pub(crate) fn tree(&self, name: &str) -> Option<&Rc<parser::Tree>> {
        self.trees.get(name)
    }

    pub(crate) fn set_name(&self) -> &str {
        &self.name
    }
}
