//! The analysis over every `.yaml` / `.yml` file of the shared corpus
//! (`../shared/corpus`, ~8,000 real files; skipped quietly when absent):
//!
//! - no file makes the analysis panic;
//! - every finding's range lies inside the text, on character boundaries;
//! - no `yaml-syntax` finding on a file that a real YAML parser accepts.
//!   The reference is serde_yaml (libyaml). For Helm templates (files with
//!   `{{`) it reads the text with the template actions masked, as the
//!   analysis does: a template whose masked text serde_yaml accepts must not
//!   get a `yaml-syntax` finding either. The test also counts the template
//!   documents whose masked text does not parse (their containers are only
//!   partly found) and lists the Helm files that get `yaml-syntax`.
//!
//! It prints the counts (files, documents, containers, findings per rule)
//! and where the analysis and serde_yaml disagree: the documented agreement.

mod common;

use gitops_ls_analysis::work::{measure, Work};
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use gitops_ls_analysis::yaml::mask_template_actions;
use gitops_ls_analysis::{analyze, Analysis, Config};

/// Whether serde_yaml reads every document of `text`.
fn serde_yaml_accepts(text: &str) -> Result<(), String> {
    for document in serde_yaml::Deserializer::from_str(text) {
        if let Err(error) = <serde_yaml::Value as serde::Deserialize>::deserialize(document) {
            return Err(error.to_string());
        }
    }
    Ok(())
}

/// The findings of `rule`, as `line N: message`.
fn findings_of(analysis: &Analysis, rule: &str) -> Vec<String> {
    analysis
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            format!(
                "line {}: {}",
                analysis.lines.line_of(f.range.start) + 1,
                f.message
            )
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    files: usize,
    not_utf8: usize,
    documents: usize,
    containers: usize,
    findings: BTreeMap<&'static str, usize>,
    panics: Vec<String>,
    bad_ranges: Vec<String>,
    /// Plain YAML files serde_yaml accepts and the analysis calls broken.
    false_syntax_errors: Vec<String>,
    plain_files: usize,
    /// Plain YAML files serde_yaml rejects, and of those, how many the
    /// analysis reports too.
    serde_rejects: Vec<String>,
    both_reject: usize,
    helm_files: usize,
    helm_documents: usize,
    /// Helm template documents that still do not parse after masking.
    helm_unparsed: Vec<String>,
    helm_syntax_findings: Vec<String>,
    bytes: u64,
    work: Work,
    /// The file with the most parser events and key comparisons per byte.
    busiest: (f64, String),
}

fn analyse_file(name: &str, text: &str, tally: &mut Tally) {
    let (result, work) =
        measure(|| panic::catch_unwind(AssertUnwindSafe(|| analyze(text, &Config::default()))));
    tally.bytes += text.len() as u64;
    tally.work.yaml_events += work.yaml_events;
    tally.work.key_comparisons += work.key_comparisons;
    tally.work.template_bytes += work.template_bytes;
    let per_byte = (work.yaml_events + work.key_comparisons) as f64 / text.len().max(1) as f64;
    if per_byte > tally.busiest.0 {
        tally.busiest = (per_byte, name.to_owned());
    }
    let analysis = match result {
        Ok(analysis) => analysis,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            tally.panics.push(format!("{name}: {message}"));
            return;
        }
    };
    tally.documents += analysis.file.documents.len();
    tally.containers += analysis.containers.len();
    for finding in &analysis.findings {
        *tally.findings.entry(finding.rule).or_default() += 1;
        if text.get(finding.range.clone()).is_none() {
            tally
                .bad_ranges
                .push(format!("{name}: {} at {:?}", finding.rule, finding.range));
        }
    }

    let errors = findings_of(&analysis, "yaml-syntax");
    let is_helm = text.contains("{{");
    let reference = serde_yaml_accepts(&mask_template_actions(text).text);
    if is_helm {
        tally.helm_files += 1;
        for doc in &analysis.file.documents {
            if !text[doc.span.clone()].contains("{{") {
                continue;
            }
            tally.helm_documents += 1;
            if let Some(error) = &doc.error {
                let line = analysis.lines.line_of(error.offset) + 1;
                tally
                    .helm_unparsed
                    .push(format!("{name}:{line}: {}", error.message));
            }
        }
        if !errors.is_empty() {
            let serde = match &reference {
                Ok(()) => "serde_yaml accepts the masked text".to_owned(),
                Err(reason) => format!("serde_yaml: {reason}"),
            };
            tally
                .helm_syntax_findings
                .push(format!("{name}: {} | {serde}", errors.join("; ")));
        }
    } else {
        tally.plain_files += 1;
    }
    match reference {
        Ok(()) => {
            if !errors.is_empty() {
                tally
                    .false_syntax_errors
                    .push(format!("{name}: {}", errors.join("; ")));
            }
        }
        Err(_) if is_helm => {}
        Err(reason) => {
            // serde_yaml also rejects repeated keys, which are duplicate-key.
            let ours = [errors, findings_of(&analysis, "duplicate-key")].concat();
            if !ours.is_empty() {
                tally.both_reject += 1;
            }
            let ours = ours.first().map_or("nothing", String::as_str);
            tally
                .serde_rejects
                .push(format!("{name}: serde_yaml: {reason} | ours: {ours}"));
        }
    }
}

fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

fn print_list(title: &str, items: &[String], limit: usize) {
    println!("{title}: {}", items.len());
    for item in items.iter().take(limit) {
        println!("    {item}");
    }
    if items.len() > limit {
        println!("    … and {} more", items.len() - limit);
    }
}

#[test]
fn corpus_analyses_without_panics_or_false_syntax_errors() {
    let Some(dir) = common::corpus_dir() else {
        println!("corpus: no corpus at ../shared/corpus, 0 files checked");
        return;
    };
    // A panic is caught and reported per file; keep the default hook quiet.
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut tally = Tally::default();
    for path in common::yaml_files(&dir) {
        tally.files += 1;
        let name = relative(&path, &dir);
        match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => analyse_file(&name, &text, &mut tally),
            _ => tally.not_utf8 += 1,
        }
    }
    panic::set_hook(default_hook);

    println!("corpus: {}", dir.display());
    println!(
        "files {} ({} not UTF-8, skipped), documents {}, containers {}",
        tally.files, tally.not_utf8, tally.documents, tally.containers
    );
    println!(
        "work for {} bytes: {:?}; most per byte: {:.2} in {}",
        tally.bytes, tally.work, tally.busiest.0, tally.busiest.1
    );
    println!("findings by rule:");
    for (rule, count) in &tally.findings {
        println!("    {rule:<24} {count}");
    }
    println!(
        "plain YAML files: {}; serde_yaml accepts {}, and the analysis reports yaml-syntax on {} of them",
        tally.plain_files,
        tally.plain_files - tally.serde_rejects.len(),
        tally.false_syntax_errors.len()
    );
    println!(
        "serde_yaml rejects {} plain files; the analysis reports yaml-syntax or duplicate-key \
         on {} of them",
        tally.serde_rejects.len(),
        tally.both_reject
    );
    print_list("  serde_yaml rejects", &tally.serde_rejects, 40);
    println!(
        "Helm templates: {} files, {} documents with template actions",
        tally.helm_files, tally.helm_documents
    );
    print_list(
        "  template documents that do not parse after masking",
        &tally.helm_unparsed,
        40,
    );
    print_list(
        "  Helm templates with yaml-syntax",
        &tally.helm_syntax_findings,
        40,
    );

    print_list("panics", &tally.panics, 20);
    print_list("ranges outside the text", &tally.bad_ranges, 20);
    print_list(
        "yaml-syntax on files serde_yaml accepts (masked, for templates)",
        &tally.false_syntax_errors,
        40,
    );
    assert!(tally.panics.is_empty(), "the analysis panicked");
    assert!(tally.bad_ranges.is_empty(), "ranges outside the text");
    assert!(
        tally.false_syntax_errors.is_empty(),
        "yaml-syntax on valid YAML"
    );
    // Linear in the corpus: it takes 0.04 parser events and 0.014 key comparisons per
    // byte, and the lexer reads each template byte about once.
    let work = tally.work;
    assert!(work.yaml_events <= tally.bytes / 2, "{work:?}");
    assert!(work.key_comparisons <= tally.bytes / 2, "{work:?}");
    assert!(work.template_bytes <= 2 * tally.bytes, "{work:?}");
}
