//! Conformance: every (apiVersion, kind) of `tests/fixtures/pod-paths.json` (a copy of the
//! shared spec). For each entry a manifest is synthesized with one container, with its own
//! image, at every listed path; the analysis must find exactly those containers, at exactly
//! those paths. Each manifest is checked as block YAML, as JSON (flow YAML) and inside a
//! `kind: List` (nested once more in a second List).

use std::collections::BTreeSet;

use gitops_ls_analysis::{analyze, Config};
use serde::Deserialize;
use serde_yaml::{Mapping, Value};

const POD_PATHS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/pod-paths.json"
));

#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    #[serde(default)]
    container_list_paths: Vec<String>,
    #[serde(default)]
    single_container_paths: Vec<String>,
    #[serde(default)]
    image_volume_paths: Vec<String>,
    #[serde(default)]
    image_override_paths: Vec<String>,
}

fn entries() -> Vec<Entry> {
    serde_json::from_str(POD_PATHS).expect("pod-paths.json parses")
}

/// Kinds whose `image` is not a Kubernetes container (own pull-policy enum).
const NOT_CONTAINERS: &[&str] = &["ImagePullJob"];

/// The mapping at a dotted `[]`-path below `root`, created on the way
/// (`[]` materializes as a one-element list). Returns the mapping and the
/// path with `[0]` indexes.
fn mapping_at<'a>(root: &'a mut Mapping, path: &str) -> (&'a mut Mapping, String) {
    let mut node = root;
    let mut concrete = Vec::new();
    for segment in path.split('.') {
        let (key, each) = match segment.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (segment, false),
        };
        let key = Value::from(key);
        if each {
            concrete.push(format!("{}[0]", key.as_str().unwrap()));
            let list = node
                .entry(key)
                .or_insert_with(|| Value::Sequence(vec![Value::Mapping(Mapping::new())]));
            node = list.as_sequence_mut().unwrap()[0].as_mapping_mut().unwrap();
        } else {
            concrete.push(key.as_str().unwrap().to_owned());
            let child = node
                .entry(key)
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            node = child.as_mapping_mut().unwrap();
        }
    }
    (node, concrete.join("."))
}

fn container(image: &str, name: &str) -> Mapping {
    let mut c = Mapping::new();
    c.insert("name".into(), name.into());
    c.insert("image".into(), image.into());
    c
}

/// A manifest with a container at every path of `entry`, and the
/// (path, image) pairs the analysis must find.
fn synthesize(entry: &Entry, first_image: &mut usize) -> (Value, BTreeSet<(String, String)>) {
    let mut root = Mapping::new();
    root.insert("apiVersion".into(), entry.api_version.as_str().into());
    root.insert("kind".into(), entry.kind.as_str().into());
    let mut metadata = Mapping::new();
    metadata.insert("name".into(), "synthetic".into());
    root.insert("metadata".into(), Value::Mapping(metadata));
    let mut expected = BTreeSet::new();
    let mut next_image = || {
        *first_image += 1;
        format!("example.com/t/{}:1", *first_image)
    };

    for path in &entry.container_list_paths {
        let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
        let image = next_image();
        let (parent_map, parent_path) = if parent.is_empty() {
            (&mut root, String::new())
        } else {
            mapping_at(&mut root, parent)
        };
        let list = Value::Sequence(vec![Value::Mapping(container(&image, "c"))]);
        assert!(
            parent_map.insert(key.into(), list).is_none(),
            "{path} twice"
        );
        let at = if parent_path.is_empty() {
            format!("{key}[0]")
        } else {
            format!("{parent_path}.{key}[0]")
        };
        expected.insert((at, image));
    }
    for path in &entry.single_container_paths {
        let image = next_image();
        let (mapping, at) = mapping_at(&mut root, path);
        mapping.extend(container(&image, "single"));
        expected.insert((at, image));
    }
    for path in &entry.image_volume_paths {
        let image = next_image();
        let (volume_path, key) = path.rsplit_once('.').unwrap();
        let (volume, at) = mapping_at(&mut root, volume_path);
        volume.insert("name".into(), "v".into());
        let mut source = Mapping::new();
        source.insert("reference".into(), image.as_str().into());
        volume.insert(key.into(), Value::Mapping(source));
        expected.insert((format!("{at}.{key}"), image));
    }
    for path in &entry.image_override_paths {
        // Overrides are not containers, even when shaped like one.
        let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
        let parent_map = if parent.is_empty() {
            &mut root
        } else {
            mapping_at(&mut root, parent).0
        };
        let mut image = container(&next_image(), "nginx");
        image.insert("newTag".into(), "latest".into());
        parent_map.insert(key.into(), Value::Sequence(vec![Value::Mapping(image)]));
    }
    if NOT_CONTAINERS.contains(&entry.kind.as_str()) {
        expected.clear();
    }
    (Value::Mapping(root), expected)
}

fn found(text: &str) -> BTreeSet<(String, String)> {
    let analysis = analyze(text, &Config::default());
    assert!(
        !analysis.findings.iter().any(|f| f.rule == "yaml-syntax"),
        "{text}"
    );
    analysis
        .containers
        .iter()
        .map(|facts| {
            let image = facts.image_text().unwrap_or("<none>").to_owned();
            (facts.container.path.clone(), image)
        })
        .collect()
}

fn prefixed(prefix: &str, set: &BTreeSet<(String, String)>) -> BTreeSet<(String, String)> {
    set.iter()
        .map(|(path, image)| (format!("{prefix}{path}"), image.clone()))
        .collect()
}

#[test]
fn every_kind_finds_exactly_its_containers() {
    let entries = entries();
    assert!(entries.len() >= 60, "{} entries", entries.len());
    let mut image_counter = 0;
    let mut failures = Vec::new();
    let mut list_items = Vec::new();
    let mut list_expected = BTreeSet::new();
    let mut checked = 0;
    for entry in &entries {
        if entry.kind == "List" {
            continue;
        }
        let (manifest, expected) = synthesize(entry, &mut image_counter);
        let no_containers = entry.container_list_paths.is_empty()
            && entry.single_container_paths.is_empty()
            && entry.image_volume_paths.is_empty();
        if no_containers || NOT_CONTAINERS.contains(&entry.kind.as_str()) {
            assert!(expected.is_empty(), "{} {}", entry.api_version, entry.kind);
        }
        let block = serde_yaml::to_string(&manifest).unwrap();
        let flow = serde_json::to_string_pretty(&manifest).unwrap();
        for (style, text) in [("block", &block), ("json", &flow)] {
            let got = found(text);
            if got != expected {
                failures.push(format!(
                    "{} {} ({style}):\n  missing {:?}\n  unexpected {:?}\n{text}",
                    entry.api_version,
                    entry.kind,
                    expected.difference(&got).collect::<Vec<_>>(),
                    got.difference(&expected).collect::<Vec<_>>(),
                ));
            }
        }
        list_expected.extend(prefixed(
            &format!("items[{}].", list_items.len()),
            &expected,
        ));
        list_items.push(manifest);
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    // `kind: List` recurses into items[], applying each item's own paths,
    // also when the List is itself an item of a List.
    let list = |items: Vec<Value>| {
        let mut list = Mapping::new();
        list.insert("apiVersion".into(), "v1".into());
        list.insert("kind".into(), "List".into());
        list.insert("items".into(), Value::Sequence(items));
        Value::Mapping(list)
    };
    let single_list = list(list_items);
    let got = found(&serde_yaml::to_string(&single_list).unwrap());
    assert_eq!(got, list_expected, "kind: List");
    let nested = list(vec![list(vec![]), single_list]);
    let got = found(&serde_yaml::to_string(&nested).unwrap());
    assert_eq!(got, prefixed("items[1].", &list_expected), "nested List");
    println!(
        "checked {checked} kinds, {} containers",
        list_expected.len()
    );
}

#[test]
fn image_pull_job_and_override_kinds_have_no_containers() {
    for (api_version, kind) in [
        ("apps.kruise.io/v1alpha1", "ImagePullJob"),
        ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        ("argoproj.io/v1alpha1", "Application"),
        ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
    ] {
        let entry = entries()
            .into_iter()
            .find(|e| e.api_version == api_version && e.kind == kind)
            .unwrap_or_else(|| panic!("{api_version} {kind} is in pod-paths.json"));
        let (mut manifest, _) = synthesize(&entry, &mut 0);
        let root = manifest.as_mapping_mut().unwrap();
        // Container-shaped data, even where a PodSpec would be, is not a container.
        let (spec, _) = mapping_at(root, "spec");
        spec.insert("image".into(), "nginx".into());
        spec.insert("imagePullPolicy".into(), "always".into());
        let (pod_spec, _) = mapping_at(root, "spec.template.spec");
        let list = Value::Sequence(vec![Value::Mapping(container("nginx", "a"))]);
        pod_spec.insert("containers".into(), list);
        let text = serde_yaml::to_string(&manifest).unwrap();
        let analysis = analyze(&text, &Config::default());
        assert!(analysis.containers.is_empty(), "{kind}:\n{text}");
        assert!(
            analysis.findings.is_empty(),
            "{kind}: {:#?}",
            analysis.findings
        );
    }
}

#[test]
fn data_that_looks_like_a_container_is_not_linted() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  image: nginx\n  spec: |\n    containers: [{image: nginx}]\n---\napiVersion: v1\nkind: ConfigMap\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx\n";
    let analysis = analyze(text, &Config::default());
    assert!(analysis.containers.is_empty());
    assert!(analysis.findings.is_empty(), "{:#?}", analysis.findings);
}
