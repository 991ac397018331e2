//! Random and hostile template texts: parsing and rendering never panic, overflow the
//! stack or run unbounded; every outcome is a Go-style error or output whose segments
//! cover it. Work is bounded by counters (budgets), never by wall-clock time.

use std::collections::BTreeMap;

use gitops_ls_gotemplate::{Functions, Options, Rendered, Templates, Value};

const FRAGMENTS: &[&str] = &[
    "{{",
    "}}",
    "{{- ",
    " -}}",
    "{{/*",
    "*/",
    " ",
    "\n",
    "x",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    "\"a\"",
    "`r`",
    "'c'",
    "1",
    "-2",
    "0x1F",
    "1e3",
    ".5",
    "nil",
    "true",
    ".",
    ".Values",
    ".a",
    ".b",
    "$",
    "$x",
    ":=",
    "=",
    "|",
    "(",
    ")",
    ",",
    "and",
    "or",
    "not",
    "len",
    "index",
    "slice",
    "print",
    "printf",
    "\"%v %d\"",
    "eq",
    "lt",
    "html",
    "js",
    "urlquery",
    "call",
    "include",
    "\"t\"",
    "\"main\"",
    "#",
    "é",
    "\\",
    "\"",
    "`",
    "'",
    "-",
    "0",
    "}",
    "{",
    "$y",
    "range $i, $v := ",
    "{{ define \"t\" }}",
    "{{ end }}",
    "{{ template \"t\" . }}",
    "{{ include \"main\" . }}",
    "{{ range . }}",
    "{{ if . }}",
    "{{ else }}",
    "{{ with .a }}",
    "{{ . }}",
    "((((",
    "))))",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

fn data() -> Value {
    let mut inner = BTreeMap::new();
    inner.insert(
        "b".to_string(),
        Value::list(vec![Value::float(1.0), Value::string("s"), Value::nil()]),
    );
    let mut top = BTreeMap::new();
    top.insert("a".to_string(), Value::map(inner));
    top.insert("Values".to_string(), Value::list(vec![Value::int(3)]));
    Value::map(top)
}

fn functions() -> Functions {
    let mut f = Functions::new();
    f.register("include", |ctx, args| {
        let name = args
            .first()
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        Ok(ctx.render_template(&name, args.get(1).cloned().unwrap_or_else(Value::nil))?)
    });
    f
}

fn check(source: &str, options: &Options) {
    let mut set = Templates::new("fuzz", functions());
    if let Err(e) = set.add_file("main", source) {
        assert!(
            e.to_string().starts_with("template: main:"),
            "{source:?}: {e}"
        );
        return;
    }
    match set.render("main", &data(), options) {
        Ok(r) => assert_covers(&r, source),
        Err(e) => assert!(
            e.message.starts_with("template: "),
            "{source:?}: {}",
            e.message
        ),
    }
}

fn assert_covers(r: &Rendered, source: &str) {
    let mut at = 0;
    for seg in &r.segments {
        assert_eq!(seg.output.start, at, "{source:?}");
        at = seg.output.end;
    }
    assert_eq!(at, r.text.len(), "{source:?}");
}

#[test]
fn random_templates_never_panic_or_run_unbounded() {
    let options = Options {
        max_steps: 20_000,
        max_output: 1 << 16,
        max_depth: 30,
        ..Options::helm()
    };
    let mut rng = Lcg(0x5eed);
    for _ in 0..4000 {
        let len = 1 + rng.next() % 40;
        let source: String = (0..len)
            .map(|_| FRAGMENTS[rng.next() % FRAGMENTS.len()])
            .collect();
        check(&source, &options);
    }
}

#[test]
fn hostile_nesting_is_refused_cleanly() {
    let options = Options::helm();
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    let ifs = format!(
        "{}x{}",
        "{{ if true }}".repeat(5000),
        "{{ end }}".repeat(5000)
    );
    for source in [parens, ifs] {
        let mut set = Templates::new("t", Functions::new());
        let e = set.add_file("main", &source).unwrap_err();
        assert_eq!(e.message, "max expression depth exceeded");
    }
    // within the parse limit, still fine
    check(
        &format!("{}x{}", "{{ if true }}".repeat(90), "{{ end }}".repeat(90)),
        &options,
    );
    // mutual recursion through include and template
    check("{{ define \"a\" }}{{ include \"b\" . }}{{ end }}{{ define \"b\" }}{{ template \"a\" . }}{{ end }}{{ template \"a\" . }}", &options);
}
