//! Provenance, Unknown values, budgets and Go builtins Helm hides (slice).

use std::collections::BTreeMap;

use gitops_ls_gotemplate::{
    ExecErrorKind, FuncError, Functions, Options, Origin, Rendered, Source, Templates, Value,
};

fn origin(start: usize) -> Origin {
    Origin {
        source: 7,
        start,
        end: start + 1,
    }
}

fn values() -> Value {
    let mut m = BTreeMap::new();
    m.insert(
        "image".to_string(),
        Value::string("nginx").with_origin(origin(10)),
    );
    m.insert(
        "tag".to_string(),
        Value::string("1.25").with_origin(origin(20)),
    );
    let mut inner = BTreeMap::new();
    inner.insert("k".to_string(), Value::string("v").with_origin(origin(30)));
    m.insert("m".to_string(), Value::map(inner));
    m.insert(
        "list".to_string(),
        Value::list(vec![Value::float(1.0).with_origin(origin(40))]),
    );
    let mut top = BTreeMap::new();
    top.insert("Values".to_string(), Value::map(m));
    Value::map(top)
}

fn functions() -> Functions {
    let mut f = Functions::new();
    f.register("include", |ctx, args| {
        let name = args[0].as_str().ok_or("name")?.to_string();
        ctx.render_template(&name, args.get(1).cloned().unwrap_or_else(Value::nil))
            .map_err(FuncError::from)
    });
    f.register("random", |_, _| Ok(Value::unknown()));
    f.register("tpl", |ctx, args| {
        let source = args[0]
            .as_str()
            .ok_or("tpl: text must be a string")?
            .to_string();
        ctx.render_source("values.yaml", &source, args[1].clone())
            .map_err(FuncError::from)
    });
    f
}

fn render(
    files: &[(&str, &str)],
    main: &str,
    options: &Options,
) -> Result<Rendered, gitops_ls_gotemplate::ExecError> {
    let mut set = Templates::new("test", functions());
    for (name, source) in files {
        set.add_file(name, source).unwrap();
    }
    set.render(main, &values(), options)
}

/// Segments are in order, contiguous and cover the whole output.
fn assert_covers(r: &Rendered) {
    let mut at = 0;
    for seg in &r.segments {
        assert_eq!(seg.output.start, at, "{:?}", r.segments);
        at = seg.output.end;
    }
    assert_eq!(at, r.text.len());
}

#[test]
fn every_output_byte_has_a_source() {
    let main = "image: {{ .Values.image }}:{{ .Values.tag }}\n{{- include \"h\" . }}";
    let helper = "{{ define \"h\" }} x={{ .Values.m.k }}{{ end }}";
    let r = render(
        &[("main", main), ("helper", helper)],
        "main",
        &Options::helm(),
    )
    .unwrap();
    assert_eq!(r.text, "image: nginx:1.25 x=v");
    assert_covers(&r);
    let text_of = |i: usize| r.text[r.segments[i].output.clone()].to_string();
    assert_eq!(text_of(0), "image: ");
    assert_eq!(
        r.segments[0].source,
        Source::Text {
            file: "main".into(),
            span: 0..7
        }
    );
    assert_eq!(
        r.segments[1].source,
        Source::Action {
            file: "main".into(),
            span: 7..26,
            origin: Some(origin(10))
        }
    );
    assert_eq!(&main[7..26], "{{ .Values.image }}");
    assert_eq!(text_of(3), "1.25");
    // the included text points into the helper: its literal " x=" and its action
    assert_eq!(text_of(4), " x=");
    let Source::Text { file, span } = &r.segments[4].source else {
        panic!("{:?}", r.segments[4])
    };
    assert_eq!((&**file, &helper[span.clone()]), ("helper", " x="));
    let Source::Action {
        file,
        span,
        origin: o,
    } = &r.segments[5].source
    else {
        panic!()
    };
    assert_eq!(
        (&**file, &helper[span.clone()], *o),
        ("helper", "{{ .Values.m.k }}", Some(origin(30)))
    );
}

#[test]
fn origins_survive_variables_index_with_and_or() {
    let main = "{{ $m := .Values.m }}{{ index $m \"k\" }}|{{ with .Values.list }}{{ index . 0 }}{{ end }}|{{ or .Values.nope .Values.tag }}|{{ range .Values.list }}{{ . }}{{ end }}";
    let r = render(&[("main", main)], "main", &Options::helm()).unwrap();
    assert_eq!(r.text, "v|1|1.25|1");
    let origins: Vec<Option<Origin>> = r
        .segments
        .iter()
        .filter_map(|s| match &s.source {
            Source::Action { origin, .. } => Some(*origin),
            _ => None,
        })
        .collect();
    assert_eq!(
        origins,
        vec![
            Some(origin(30)),
            Some(origin(40)),
            Some(origin(20)),
            Some(origin(40))
        ]
    );
    // a value made by a function is new: no origin
    let r = render(
        &[("main", "{{ printf \"%s\" .Values.tag }}")],
        "main",
        &Options::helm(),
    )
    .unwrap();
    assert!(matches!(
        r.segments[0].source,
        Source::Action { origin: None, .. }
    ));
}

#[test]
fn removing_no_value_keeps_segments_exact() {
    let main = "a{{ .Values.nope }}b<no value>c";
    let r = render(&[("main", main)], "main", &Options::helm()).unwrap();
    assert_eq!(r.text, "abc");
    assert_covers(&r);
    let spans: Vec<_> = r
        .segments
        .iter()
        .map(|s| match &s.source {
            Source::Text { span, .. } => &main[span.clone()],
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(spans, vec!["a", "b", "c"]);
    // Go's own default keeps it
    let r = render(&[("main", main)], "main", &Options::go()).unwrap();
    assert_eq!(r.text, "a<no value>b<no value>c");
}

#[test]
fn unknown_values_propagate_and_are_never_guessed() {
    let r = render(
        &[(
            "main",
            "x={{ random }}|{{ printf \"%s-%s\" random .Values.tag }}|{{ random | len }}",
        )],
        "main",
        &Options::helm(),
    )
    .unwrap();
    assert_eq!(r.text, "x=||");
    assert!(r.has_unknown());
    let unknown = r
        .segments
        .iter()
        .filter(|s| matches!(s.source, Source::Unknown { .. }))
        .count();
    assert_eq!(unknown, 3);
    assert_covers(&r);
    for decision in [
        "{{ if random }}a{{ end }}",
        "{{ range random }}a{{ end }}",
        "{{ with (random).x }}a{{ end }}",
    ] {
        let e = render(&[("main", decision)], "main", &Options::helm()).unwrap_err();
        assert_eq!(e.kind, ExecErrorKind::Unknown, "{decision}");
    }
    // and/or decide on known arguments before reaching an unknown one
    let r = render(
        &[("main", "{{ and false random }}|{{ or .Values.tag random }}")],
        "main",
        &Options::helm(),
    )
    .unwrap();
    assert_eq!(r.text, "false|1.25");
}

#[test]
fn self_recursion_stops_at_the_depth_budget() {
    let main = "{{ define \"loop\" }}x{{ template \"loop\" . }}{{ end }}{{ template \"loop\" . }}";
    let e = render(&[("main", main)], "main", &Options::helm()).unwrap_err();
    assert_eq!(e.kind, ExecErrorKind::Budget);
    assert!(
        e.message.ends_with("exceeded maximum template depth (100)"),
        "{}",
        e.message
    );
    let through_include =
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}";
    let e = render(&[("main", through_include)], "main", &Options::helm()).unwrap_err();
    assert_eq!(e.kind, ExecErrorKind::Budget, "{}", e.message);
}

#[test]
fn step_and_output_budgets() {
    let options = Options {
        max_steps: 10_000,
        ..Options::helm()
    };
    let e = render(
        &[("main", "{{ range 1000000000 }}{{ end }}")],
        "main",
        &options,
    )
    .unwrap_err();
    assert_eq!(e.kind, ExecErrorKind::Budget);
    assert!(
        e.message.contains("10000 evaluation steps"),
        "{}",
        e.message
    );
    let options = Options {
        max_output: 1000,
        ..Options::helm()
    };
    let e = render(
        &[("main", "{{ range 100000 }}xxxxxxxxxx{{ end }}")],
        "main",
        &options,
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("output exceeds the budget of 1000 bytes"),
        "{}",
        e.message
    );
}

#[test]
fn go_builtin_slice() {
    let cases = [
        ("{{ slice \"hello\" 1 3 }}|{{ slice \"hello\" 2 }}|{{ slice .Values.list 0 1 }}|{{ slice .Values.list }}", Ok("el|llo|[1]|[1]")),
        ("{{ slice .Values.list 1 0 }}", Err("error calling slice: invalid slice index: 1 > 0")),
        ("{{ slice .Values.list 0 2 }}", Err("error calling slice: index out of range: 2")),
        ("{{ slice \"ab\" 0 1 2 }}", Err("error calling slice: cannot 3-index slice a string")),
        ("{{ slice .Values.m 0 }}", Err("error calling slice: can't slice item of type map[string]interface {}")),
        ("{{ slice .Values.nope 0 }}", Err("error calling slice: slice of untyped nil")),
    ];
    for (template, want) in cases {
        let got = render(&[("main", template)], "main", &Options::go())
            .map(|r| r.text)
            .map_err(|e| e.message);
        match want {
            Ok(text) => assert_eq!(got.as_deref(), Ok(text), "{template}"),
            Err(suffix) => assert!(
                got.as_ref().is_err_and(|m| m.ends_with(suffix)),
                "{template}: {got:?}"
            ),
        }
    }
}

#[test]
fn missing_key_modes() {
    let get = |options: Options| {
        render(
            &[("main", "[{{ .Values.nope }}][{{ .Values.nope.x }}]")],
            "main",
            &options,
        )
        .map(|r| r.text)
        .map_err(|e| e.message)
    };
    assert_eq!(
        get(Options::go()).as_deref(),
        Ok("[<no value>][<no value>]")
    );
    assert!(get(Options::helm())
        .unwrap_err()
        .ends_with("nil pointer evaluating interface {}.x"));
    let strict = Options {
        missing_key: gitops_ls_gotemplate::MissingKey::Error,
        ..Options::go()
    };
    assert!(get(strict)
        .unwrap_err()
        .ends_with("map has no entry for key \"nope\""));
}

#[test]
fn tpl_style_rendering_of_a_text_known_at_run_time() {
    let main = "{{ define \"h\" }}H{{ end }}[{{ tpl \"{{ define \\\"in\\\" }}I{{ end }}{{ .Values.tag }}-{{ template \\\"in\\\" }}{{ include \\\"h\\\" . }}\" . }}]";
    let r = render(&[("main", main)], "main", &Options::helm()).unwrap();
    assert_eq!(r.text, "[1.25-IH]");
    assert_covers(&r);
    // the value printed inside the text keeps its origin; the text's own literal points
    // into the text under the name given
    let inner = r.segments.iter().find(|s| matches!(&s.source, Source::Action { file, origin: Some(_), .. } if &**file == "values.yaml"));
    assert!(inner.is_some(), "{:?}", r.segments);
    // its defines do not outlive it
    let after = "{{ tpl \"{{ define \\\"in\\\" }}I{{ end }}\" . }}{{ template \"in\" }}";
    let e = render(&[("main", after)], "main", &Options::helm()).unwrap_err();
    assert!(
        e.message.ends_with("template \"in\" not defined"),
        "{}",
        e.message
    );
    // a parse error in the text is Go's, wrapped as the function's error
    let e = render(
        &[("main", "{{ tpl \"{{ if }}\" . }}")],
        "main",
        &Options::helm(),
    )
    .unwrap_err();
    assert!(
        e.message
            .ends_with("error calling tpl: template: values.yaml:1: missing value for if"),
        "{}",
        e.message
    );
}
