//! Test support for the `helm-values-*` rules: a one-template chart in memory, linted
//! under a configuration.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::values_findings;
use crate::config::Config;
use crate::finding::Finding;

/// The findings of `rule` for the chart `/c` made of `chart_yaml`, `values` and the one
/// template `templates/pod.yaml`, at the severities the configuration `config` sets.
pub(crate) fn rule_findings(
    rule: &str,
    chart_yaml: &str,
    template: &str,
    values: &str,
    config: &str,
) -> Vec<Finding> {
    let files: HashMap<PathBuf, String> = [
        ("/c/Chart.yaml", chart_yaml),
        ("/c/values.yaml", values),
        ("/c/templates/pod.yaml", template),
    ]
    .into_iter()
    .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
    .collect();
    let config = Config::from_yaml(config).unwrap();
    let template_files = vec![PathBuf::from("/c/templates/pod.yaml")];
    values_findings(Path::new("/c"), &template_files, &files, &|id| {
        config.severity(crate::rules::rule(id).expect("a registered rule"))
    })
    .into_iter()
    .filter(|f| f.rule == rule)
    .collect()
}
