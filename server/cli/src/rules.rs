//! `gitops-ls rules` and `gitops-ls explain RULE`.

use std::process::ExitCode;

use gitops_ls_analysis::rules::{rule, RULES};

use crate::EXIT_ERROR;

pub fn list() -> ExitCode {
    let width = RULES.iter().map(|r| r.meta.id.len()).max().unwrap_or(0);
    for rule in RULES {
        let meta = &rule.meta;
        println!(
            "{:width$}  {:7}  {}",
            meta.id,
            meta.default_severity.as_str(),
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
        "{}  (default severity: {})\n",
        meta.id, meta.default_severity
    );
    println!("{}\n", meta.summary);
    println!("{}\n", meta.rationale);
    if !meta.options.is_empty() {
        println!("Options in .gitops-ls.yaml: {}\n", meta.options);
    }
    println!(
        "Suppress with `# gitops-ls-ignore: {}` on the line or the line above, or the \
         annotation `gitops-ls.io/ignore: \"{}\"` on the object or its pod template.",
        meta.id, meta.id
    );
    ExitCode::SUCCESS
}
