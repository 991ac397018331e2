//! The entry point: text and configuration in, findings and container facts out.

use crate::config::Config;
use crate::finding::{Finding, Severity};
use crate::image::parse_image_name;
use crate::k8s::{effective_policy, find_containers};
use crate::rules::{ContainerFacts, RuleContext, RULES};
use crate::suppress::Suppressions;
use crate::text::LineIndex;
use crate::yaml::YamlFile;

/// Files larger than this are not analysed (a notice says so): no
/// Kubernetes manifest is this big, and the editor must stay responsive.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub containers: Vec<ContainerFacts>,
    pub file: YamlFile,
    pub lines: LineIndex,
    /// Why the file was not analysed, when it was not.
    pub skipped: Option<String>,
}

impl Analysis {
    /// The container whose mapping contains `offset`, innermost first.
    pub fn container_at(&self, offset: usize) -> Option<&ContainerFacts> {
        self.containers
            .iter()
            .filter(|facts| {
                let doc = &self.file.documents[facts.container.document];
                let span = &doc.node(facts.container.mapping).span;
                span.start <= offset && offset <= span.end
            })
            .min_by_key(|facts| {
                let doc = &self.file.documents[facts.container.document];
                doc.node(facts.container.mapping).span.len()
            })
    }
}

/// Runs every enabled rule over `text`.
pub fn analyze(text: &str, config: &Config) -> Analysis {
    let lines = LineIndex::new(text);
    if text.len() > MAX_FILE_BYTES {
        return Analysis {
            findings: Vec::new(),
            containers: Vec::new(),
            file: YamlFile::parse(""),
            lines,
            skipped: Some(format!(
                "not analysed: the file is {} MiB, larger than the {} MiB limit",
                text.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            )),
        };
    }
    let file = YamlFile::parse(text);
    let containers: Vec<ContainerFacts> = (0..file.documents.len())
        .flat_map(|index| find_containers(text, &lines, &file, index))
        .map(|container| {
            let effective = effective_policy(&container);
            let reference = container
                .image_in_force()
                .filter(|image| !image.templated && !image.is_null)
                .and_then(|image| image.text.as_deref())
                .map(|image| parse_image_name(image).map(|(reference, _)| reference));
            ContainerFacts {
                container,
                effective,
                reference,
            }
        })
        .collect();

    let suppressions = Suppressions::collect(text, &lines, &file);
    let mut findings = Vec::new();
    for rule in RULES {
        let severity = config.severity(rule);
        if severity == Severity::Off {
            continue;
        }
        let ctx = RuleContext {
            text,
            lines: &lines,
            file: &file,
            containers: &containers,
            options: &config.options,
            severity,
        };
        let mut found = Vec::new();
        (rule.check)(&ctx, &mut found);
        findings.extend(
            found
                .into_iter()
                .filter(|finding| finding.severity != Severity::Off)
                .filter(|finding| {
                    let line = lines.line_of(finding.range.start);
                    !suppressions.is_suppressed(line, rule.meta.id)
                }),
        );
    }
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
    });
    Analysis {
        findings,
        containers,
        file,
        lines,
        skipped: None,
    }
}
