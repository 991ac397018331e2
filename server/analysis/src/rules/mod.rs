//! The rules. One file per rule, each with its id, default severity, family,
//! phase, documentation, options and tests; [`RULES`] lists them all and is the
//! only list: `gitops-ls rules`, the configuration parser, and the files
//! `cargo dev generate` writes (README table, VS Code settings, JSON Schema)
//! derive from it.
//!
//! Rule ids are a public interface: users write them in `.gitops-ls.yaml`,
//! in `# gitops-ls-ignore:` comments and in annotations.

mod allowed_registries;
mod always_with_digest;
mod duplicate_key;
mod helm_values_empty_tag;
mod helm_values_pull_policy;
mod if_not_present_latest;
mod implicit_pull_policy;
mod invalid_image;
mod invalid_pull_policy;
mod kustomize_image_entry;
mod latest_tag;
mod latest_with_digest;
mod never_pull_policy;
mod overlay_changes_policy;
mod require_digest;
mod require_pull_policy;
mod unused_image_entry;
mod yaml_syntax;

use crate::finding::{ContainerLabel, Finding, Fix, Severity};
use crate::image::{ImageReference, PullPolicy};
use crate::k8s::{Container, EffectivePolicy, Field};
use crate::text::{LineIndex, TextRange};
use crate::yaml::YamlFile;

/// Static facts about a rule: everything the command line, the README table, the
/// editor settings and the configuration schema say about it comes from here.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub default_severity: Severity,
    pub family: Family,
    pub phase: Phase,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// Why it matters, in a few sentences (`gitops-ls explain`).
    pub rationale: &'static str,
    /// When it fires, in detail: the README's rules table (Markdown, one line).
    pub docs: &'static str,
    /// Options the rule takes in `.gitops-ls.yaml` besides `severity`.
    pub options: &'static [RuleOption],
}

/// What a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Yaml,
    PullPolicy,
    ImageReference,
    Kustomize,
    Helm,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Yaml => "yaml",
            Family::PullPolicy => "pull-policy",
            Family::ImageReference => "image-reference",
            Family::Kustomize => "kustomize",
            Family::Helm => "helm",
        }
    }
}

/// What a rule needs to see, and so where it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// One file at a time: [`crate::analyze`].
    Document,
    /// The kustomizations and GitOps objects of the workspace: [`crate::gitops`].
    Workspace,
    /// A Helm chart's values and templates: [`crate::gitops`].
    Chart,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Document => "document",
            Phase::Workspace => "workspace",
            Phase::Chart => "chart",
        }
    }

    /// Whether the rule needs other files than the one it reports on: then its
    /// findings come from [`crate::gitops`], never from [`crate::analyze`].
    pub fn is_cross_file(self) -> bool {
        self != Phase::Document
    }
}

/// An option of a rule's mapping form in `.gitops-ls.yaml`.
#[derive(Debug)]
pub struct RuleOption {
    pub name: &'static str,
    pub value: OptionValue,
    /// The configuration is rejected when the rule is on and the option is empty.
    pub required_when_on: bool,
    /// What the option means (a phrase, no final period).
    pub description: &'static str,
}

/// The JSON (YAML) type of an option.
#[derive(Debug)]
pub enum OptionValue {
    /// A list of arbitrary strings.
    StringList,
    /// A list of strings, each one of these values.
    EnumList(&'static [AllowedValue]),
}

/// One value of an [`OptionValue::EnumList`].
#[derive(Debug)]
pub struct AllowedValue {
    pub value: &'static str,
    pub description: &'static str,
}

/// Whether the rule's findings come from [`crate::gitops`] (see [`Phase::is_cross_file`]).
pub fn is_cross_file(id: &str) -> bool {
    rule(id).is_some_and(|rule| rule.meta.phase.is_cross_file())
}

pub type CheckFn = fn(&RuleContext, &mut Vec<Finding>);

#[derive(Debug)]
pub struct Rule {
    pub meta: RuleMeta,
    pub check: CheckFn,
}

/// Every rule, in the order they are documented.
pub static RULES: [&Rule; 18] = [
    &yaml_syntax::RULE,
    &duplicate_key::RULE,
    &invalid_pull_policy::RULE,
    &invalid_image::RULE,
    &implicit_pull_policy::RULE,
    &latest_tag::RULE,
    &if_not_present_latest::RULE,
    &never_pull_policy::RULE,
    &latest_with_digest::RULE,
    &always_with_digest::RULE,
    &require_pull_policy::RULE,
    &require_digest::RULE,
    &allowed_registries::RULE,
    &kustomize_image_entry::RULE,
    &overlay_changes_policy::RULE,
    &unused_image_entry::RULE,
    &helm_values_pull_policy::RULE,
    &helm_values_empty_tag::RULE,
];

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.meta.id == id)
}

/// Options of the configurable rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOptions {
    /// `require-pull-policy`: the values allowed.
    pub allowed_pull_policies: Vec<PullPolicy>,
    /// `allowed-registries`: allowed prefixes of the normalized image name.
    pub allowed_registries: Vec<String>,
}

/// A container with what the analysis worked out about it.
#[derive(Debug, Clone)]
pub struct ContainerFacts {
    pub container: Container,
    pub effective: EffectivePolicy,
    /// The parsed image in force, when it is a plain (non-templated) string.
    pub reference: Option<Result<ImageReference, String>>,
}

impl ContainerFacts {
    /// The image reference, when it parses.
    pub fn valid_reference(&self) -> Option<&ImageReference> {
        self.reference.as_ref().and_then(|r| r.as_ref().ok())
    }

    /// The image as written (in force: own or inherited).
    pub fn image_text(&self) -> Option<&str> {
        self.container
            .image_in_force()
            .and_then(|field| field.text.as_deref())
    }

    /// Whether the container runs images with the API-server semantics: not
    /// a step/container template and not an object without a policy field.
    pub fn runs_image(&self) -> bool {
        use crate::k8s::ContainerRole::{StepAction, Template};
        !matches!(self.container.role, Template | StepAction)
    }

    pub fn label(&self) -> ContainerLabel {
        ContainerLabel {
            name: self.container.display_name().map(str::to_owned),
            path: self.container.path.clone(),
            object: self.container.object.label(),
        }
    }

    /// Where to report something about the container as a whole: its own
    /// `name` value, else its first key.
    pub fn anchor_range(&self, file: &YamlFile) -> TextRange {
        let c = &self.container;
        if let Some(name) = c
            .name
            .as_ref()
            .filter(|n| n.own && !n.value_range.is_empty())
        {
            return name.value_range.clone();
        }
        let doc = &file.documents[c.document];
        doc.entries(c.mapping)
            .first()
            .map(|entry| doc.node(entry.key).span.clone())
            .unwrap_or_else(|| doc.node(c.mapping).span.clone())
    }
}

/// What a rule sees.
pub struct RuleContext<'a> {
    pub text: &'a str,
    pub lines: &'a LineIndex,
    pub file: &'a YamlFile,
    pub containers: &'a [ContainerFacts],
    pub options: &'a RuleOptions,
    /// The configured severity of the rule being run.
    pub severity: Severity,
}

impl RuleContext<'_> {
    pub fn finding(
        &self,
        rule: &Rule,
        range: TextRange,
        message: String,
        facts: Option<&ContainerFacts>,
        fixes: Vec<Fix>,
    ) -> Finding {
        // The `gitops-ls.io/ignore` annotation turns the rule off for this
        // container; the analysis drops findings that are off.
        let ignored = facts.is_some_and(|facts| {
            let ignored = &facts.container.ignored_rules;
            ignored.iter().any(|id| id == rule.meta.id || id == "all")
        });
        Finding {
            rule: rule.meta.id,
            severity: if ignored {
                Severity::Off
            } else {
                self.severity
            },
            message,
            range,
            container: facts.map(ContainerFacts::label),
            fixes,
            related: Vec::new(),
        }
    }

    /// The document of a container.
    pub fn document(&self, facts: &ContainerFacts) -> &crate::yaml::Document {
        &self.file.documents[facts.container.document]
    }

    /// The policy field written on this container itself, when it holds a
    /// plain value (not null, not a template).
    pub fn own_policy<'c>(&self, facts: &'c ContainerFacts) -> Option<&'c Field> {
        facts
            .container
            .policy
            .as_ref()
            .filter(|field| !field.templated && !field.is_null && field.text.is_some())
    }

    /// The image field of the container itself, when it is a plain value.
    pub fn own_image<'c>(&self, facts: &'c ContainerFacts) -> Option<&'c Field> {
        facts
            .container
            .image
            .as_ref()
            .filter(|field| !field.templated)
    }

    /// A fix that makes `policy` the container's explicit pull policy.
    pub fn policy_fix(
        &self,
        facts: &ContainerFacts,
        policy: PullPolicy,
        safe: bool,
    ) -> Option<Fix> {
        crate::fix::set_policy(
            self.text,
            self.lines,
            self.document(facts),
            facts,
            policy,
            safe,
        )
    }

    /// Containers whose own image is a plain value that parses: the
    /// container, its image field and the parsed reference.
    pub fn parsed_images(
        &self,
    ) -> impl Iterator<Item = (&ContainerFacts, &Field, &ImageReference)> + '_ {
        self.containers.iter().filter_map(|facts| {
            let field = self.own_image(facts)?;
            Some((facts, field, facts.valid_reference()?))
        })
    }

    /// `imagePullPolicy` (or `pullPolicy` for an image volume).
    pub fn policy_key(&self, facts: &ContainerFacts) -> &'static str {
        facts.container.role.keys().1
    }
}

/// Reports every container whose own policy is `written` and for which
/// `applies` holds, at the policy value, suggesting `instead` (a change of
/// behaviour, so never a safe fix).
pub fn report_written_policy(
    ctx: &RuleContext,
    rule: &Rule,
    out: &mut Vec<Finding>,
    (written, instead): (PullPolicy, PullPolicy),
    applies: impl Fn(&ContainerFacts) -> bool,
    message: &str,
) {
    for facts in ctx.containers {
        let Some(policy) = ctx.own_policy(facts) else {
            continue;
        };
        if policy.text.as_deref() != Some(written.as_str()) || !applies(facts) {
            continue;
        }
        let fixes = ctx.policy_fix(facts, instead, false).into_iter().collect();
        let range = policy.value_range.clone();
        out.push(ctx.finding(rule, range, message.to_owned(), Some(facts), fixes));
    }
}

/// A `latest` tag, or no tag and no digest (read as `:latest`).
pub fn is_latest_without_digest(reference: &ImageReference) -> bool {
    reference.digest.is_none() && reference.tag.as_deref().is_none_or(|tag| tag == "latest")
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::config::Config;
    use crate::finding::{apply_edits, Finding};

    /// Findings of one rule, with the rule switched on at its default
    /// severity (or `error` when it is off by default).
    pub fn findings(text: &str, rule: &str) -> Vec<Finding> {
        findings_with(text, rule, "")
    }

    /// Like [`findings`], with extra YAML for the rule's config entry.
    pub fn findings_with(text: &str, rule: &str, options: &str) -> Vec<Finding> {
        let config_text = if options.is_empty() {
            format!("rules:\n  {rule}: error\n")
        } else {
            format!("rules:\n  {rule}:\n    severity: error\n{options}")
        };
        let config = Config::from_yaml(&config_text).expect("test config");
        crate::analyze(text, &config)
            .findings
            .into_iter()
            .filter(|finding| finding.rule == rule)
            .collect()
    }

    /// The text after applying the first fix of the only finding.
    pub fn fixed(text: &str, rule: &str) -> String {
        let found = findings(text, rule);
        assert_eq!(found.len(), 1, "{found:#?}");
        apply_edits(text, &found[0].fixes[0].edits)
    }

    /// What `range` covers in `text`.
    pub fn covered<'t>(text: &'t str, finding: &Finding) -> &'t str {
        &text[finding.range.clone()]
    }
}
