//! `gitops-ls rules` and `gitops-ls explain RULE`.

use std::process::ExitCode;

use gitops_ls_analysis::rules::{rule, OptionValue, RuleOption, RULES};

use crate::EXIT_ERROR;

pub fn list() -> ExitCode {
    let width = RULES.iter().map(|r| r.meta.id.len()).max().unwrap_or(0);
    for rule in RULES {
        let meta = &rule.meta;
        println!(
            "{:width$}  {:7}  {:15}  {:9}  {}",
            meta.id,
            meta.default_severity.as_str(),
            meta.family.as_str(),
            meta.phase.as_str(),
            meta.summary
        );
    }
    ExitCode::SUCCESS
}

pub fn explain(id: &str) -> ExitCode {
    let Some(rule) = rule(id) else {
        let known: Vec<&str> = RULES.iter().map(|r| r.meta.id).collect();
        eprintln!(
            "gitops-ls: unknown rule `{id}`; known rules: {}",
            known.join(", ")
        );
        return ExitCode::from(EXIT_ERROR);
    };
    let meta = &rule.meta;
    println!(
        "{}  (default severity: {}; family: {}; runs per {})\n",
        meta.id,
        meta.default_severity,
        meta.family.as_str(),
        meta.phase.as_str()
    );
    println!("{}\n", meta.summary);
    println!("{}\n", meta.rationale);
    if !meta.options.is_empty() {
        println!("Options in .gitops-ls.yaml (with `severity`, in the rule's mapping):");
        for option in meta.options {
            println!("  {}", describe_option(option));
        }
        println!();
    }
    println!(
        "Suppress with `# gitops-ls-ignore: {}` on the line or the line above, or the \
         annotation `gitops-ls.io/ignore: \"{}\"` on the object or its pod template.",
        meta.id, meta.id
    );
    ExitCode::SUCCESS
}

/// `allowed: a list of Always, IfNotPresent, Never (required when the rule is on): …`
fn describe_option(option: &RuleOption) -> String {
    let kind = match &option.value {
        OptionValue::StringList => "a list of strings".to_owned(),
        OptionValue::EnumList(values) => {
            let names: Vec<&str> = values.iter().map(|v| v.value).collect();
            format!("a list of {}", names.join(", "))
        }
    };
    let required = if option.required_when_on {
        " (required when the rule is on)"
    } else {
        ""
    };
    format!("{}: {kind}{required}: {}", option.name, option.description)
}
