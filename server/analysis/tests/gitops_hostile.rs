//! Hostile input for the cross-file engine (`gitops::`): the workspace index, the overlay
//! chains, the cross-file findings and the Helm values lint. Each case must come back with
//! bounded output and the findings of the sane part still there: never a panic, a stack
//! overflow, a hang or work that grows with the number of paths through a graph.
//!
//! No case times itself: the work is bounded by the core's deterministic counts
//! (`gitops_ls_analysis::work`): walk visits, renders, parser events.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gitops_ls_analysis::finding::{Finding, Severity};
use gitops_ls_analysis::gitops::{
    agreed_images, base_changes, base_findings, chart_for_source, deployer_entry_at, findings,
    findings_in, helm::values_findings, helm_images, ChartContext, DeployerUsage, HelmValue,
    WorkspaceIndex,
};
use gitops_ls_analysis::work::{measure, Work};

const ROOT: &str = "/r";
/// The most kustomizations one call may enter: a walk enters at most 4,096, and no
/// query walks up from the same manifest more than a few times. Work that grows with the
/// number of builds over a manifest, or with the paths through a graph, goes past it.
const WALK_VISITS_PER_CALL: u64 = 8 * 4096;

/// In-memory files under [`ROOT`].
fn repo(files: impl IntoIterator<Item = (String, String)>) -> HashMap<PathBuf, String> {
    files
        .into_iter()
        .map(|(path, text)| (Path::new(ROOT).join(path), text))
        .collect()
}

fn file(path: &str, text: &str) -> (String, String) {
    (path.to_owned(), text.to_owned())
}

fn path(relative: &str) -> PathBuf {
    Path::new(ROOT).join(relative)
}

/// Runs `f`, failing when its walks enter more than [`WALK_VISITS_PER_CALL`] kustomizations.
fn bounded<T>(what: &str, f: impl FnOnce() -> T) -> T {
    measured(what, f).0
}

/// [`bounded`], with the work `f` did for the case's own bounds.
fn measured<T>(what: &str, f: impl FnOnce() -> T) -> (T, Work) {
    let (out, work) = measure(f);
    assert!(work.walk_visits <= WALK_VISITS_PER_CALL, "{what}: {work:?}");
    (out, work)
}

fn index_of(files: &HashMap<PathBuf, String>) -> WorkspaceIndex {
    bounded("indexing", || {
        let mut index = WorkspaceIndex::build(ROOT, files.keys().cloned(), files);
        index.scan_deployers(files);
        index
    })
}

/// Every cross-file finding at the default severity.
fn all_findings(
    index: &WorkspaceIndex,
    files: &HashMap<PathBuf, String>,
) -> Vec<(PathBuf, Finding)> {
    bounded("findings", || {
        findings(index, files, Path::new(ROOT), &|_, _| Severity::Warning)
    })
}

fn count(found: &[(PathBuf, Finding)], rule: &str) -> usize {
    found.iter().filter(|(_, f)| f.rule == rule).count()
}

/// `(file relative to the root, rule)` of each finding.
fn summary(found: &[(PathBuf, Finding)]) -> Vec<(String, &'static str)> {
    found
        .iter()
        .map(|(file, finding)| {
            let file = file.strip_prefix(ROOT).unwrap_or(file);
            (file.display().to_string(), finding.rule)
        })
        .collect()
}

/// The text at `range`, checking that it is in bounds and on char boundaries.
fn at(text: &str, range: &std::ops::Range<usize>) -> String {
    assert!(
        text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
        "{range:?} is not on char boundaries"
    );
    text.get(range.clone())
        .unwrap_or_else(|| panic!("{range:?} is outside the text ({} bytes)", text.len()))
        .to_owned()
}

/// A Deployment relying on the default policy of `nginx:1.25` (IfNotPresent).
const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
";

/// `images:` turning nginx:1.25 into nginx:latest: IfNotPresent becomes Always.
const TO_LATEST: &str = "images:\n  - name: nginx\n    newTag: latest\n";

fn overlays_of(index: &WorkspaceIndex, manifest: &str) -> Vec<String> {
    let mut overlays: Vec<String> = index
        .chains_for(&path(manifest))
        .iter()
        .map(|chain| {
            let overlay = chain.overlay.strip_prefix(ROOT).unwrap();
            overlay.display().to_string()
        })
        .collect();
    overlays.sort();
    overlays
}

// ---------------------------------------------------------------------------------------
// Cycles

#[test]
fn kustomization_cycle_a_b_a() {
    let files = repo([
        file("a/deploy.yaml", DEPLOYMENT),
        file(
            "a/kustomization.yaml",
            &format!("resources: [deploy.yaml, ../b]\n{TO_LATEST}"),
        ),
        file(
            "b/kustomization.yaml",
            "resources: [../a]\nimages: [{name: nginx, newTag: '2'}]\n",
        ),
    ]);
    let index = index_of(&files);
    assert_eq!(
        overlays_of(&index, "a/deploy.yaml"),
        ["a/kustomization.yaml", "b/kustomization.yaml"]
    );
    for chain in index.chains_for(&path("a/deploy.yaml")) {
        let mut through = chain.through.clone();
        through.sort();
        through.dedup();
        assert_eq!(through.len(), chain.through.len(), "{chain:?}");
    }
    assert_eq!(index.manifests_under(&path("a")), [path("a/deploy.yaml")]);
    assert_eq!(index.manifests_under(&path("b")), [path("a/deploy.yaml")]);
    assert_eq!(
        index.manifests_affected_by(&path("b")),
        [path("a/deploy.yaml")]
    );
    assert_eq!(index.unknown_inputs(&path("a")), None);
    // a's entry turns 1.25 into latest; in b's build b's own entry then turns it into 2.
    let found = all_findings(&index, &files);
    assert_eq!(
        summary(&found),
        [("a/kustomization.yaml".into(), "overlay-changes-policy")]
    );
    let usage = index.entry_usage(&path("b/kustomization.yaml"), &files);
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].rewrites.len(), 1);
    assert_eq!(usage[0].rewrites[0].after, "nginx:2");
}

#[test]
fn kustomization_listing_itself() {
    for itself in [".", "./", "../self", "./.", "../self/"] {
        let files = repo([
            file("self/deploy.yaml", DEPLOYMENT),
            file(
                "self/kustomization.yaml",
                &format!("resources: [deploy.yaml, '{itself}']\n{TO_LATEST}"),
            ),
        ]);
        let index = index_of(&files);
        assert_eq!(
            overlays_of(&index, "self/deploy.yaml"),
            ["self/kustomization.yaml"],
            "{itself}"
        );
        assert_eq!(
            index.manifests_under(&path("self")),
            [path("self/deploy.yaml")]
        );
        assert_eq!(index.unknown_inputs(&path("self")), None, "{itself}");
        let found = all_findings(&index, &files);
        assert_eq!(
            summary(&found),
            [("self/kustomization.yaml".into(), "overlay-changes-policy")],
            "{itself}"
        );
        let text = &files[&path("self/kustomization.yaml")];
        assert_eq!(at(text, &found[0].1.range), "latest");
    }
}

/// Components that list each other (and themselves) in `components:`, and a component
/// whose `resources:` lists the kustomization that includes it.
#[test]
fn component_cycles() {
    let component = |components: &str, tag: &str| {
        format!(
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents: [{components}]\nimages: [{{name: nginx, newTag: '{tag}'}}]\n"
        )
    };
    let files = repo([
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        file(
            "app/kustomization.yaml",
            "resources: [../base]\ncomponents: [../c1, ../self-listed, ../back]\n",
        ),
        // c1 → c2 → c1.
        file("c1/kustomization.yaml", &component("../c2", "c1")),
        file("c2/kustomization.yaml", &component("../c1", "c2")),
        // A component listing itself.
        file("self-listed/kustomization.yaml", &component(".", "self")),
        // A component listing, as a resource, the kustomization that lists it.
        (
            "back/kustomization.yaml".into(),
            "kind: Component\nresources: [../app]\nimages: [{name: nginx, newTag: latest}]\n"
                .into(),
        ),
    ]);
    let index = index_of(&files);
    let chains = bounded("chains", || index.chains_for(&path("base/deploy.yaml")));
    let overlays: Vec<_> = chains
        .iter()
        .map(|c| c.overlay.strip_prefix(ROOT).unwrap().display().to_string())
        .collect();
    // Components are never built alone; app appears once per path that reaches it.
    assert!(overlays.len() <= 4, "{overlays:?}");
    assert!(overlays.contains(&"app/kustomization.yaml".to_owned()));
    assert!(overlays.contains(&"base/kustomization.yaml".to_owned()));
    let app = chains
        .iter()
        .find(|c| c.overlay == path("app/kustomization.yaml") && c.through.len() == 2)
        .expect("app through base");
    // c1's components first (c2, whose c1 is skipped), then c1, self-listed once, back.
    let tags: Vec<String> = app
        .entries
        .iter()
        .map(|e| e.image.entry.new_tag.clone())
        .collect();
    assert_eq!(tags, ["c2", "c1", "self", "latest"]);
    for dir in ["c1", "c2", "self-listed", "back"] {
        assert_eq!(
            index.manifests_affected_by(&path(dir)),
            [path("base/deploy.yaml")],
            "{dir}"
        );
        assert_eq!(index.unknown_inputs(&path(dir)), None, "{dir}");
    }
    let found = all_findings(&index, &files);
    // `back`'s newTag: latest is the last step for app's build: the default changes.
    assert_eq!(
        summary(&found),
        [("back/kustomization.yaml".into(), "overlay-changes-policy")]
    );
    let usage = index.entry_usage(&path("c1/kustomization.yaml"), &files);
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].rewrites.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Large include graphs

#[test]
fn a_thousand_overlays_over_one_base() {
    let mut list = vec![
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
    ];
    for i in 0..1_000 {
        list.push(file(
            &format!("overlays/o{i:04}/kustomization.yaml"),
            &format!("resources: [../../base]\n{TO_LATEST}"),
        ));
    }
    let files = repo(list);
    let index = index_of(&files);
    let chains = bounded("chains", || index.chains_for(&path("base/deploy.yaml")));
    // Capped at MAX_CHAINS: the base's own build and the first 255 overlays.
    assert_eq!(chains.len(), 256);
    assert_eq!(chains[0].overlay, path("base/kustomization.yaml"));
    assert!(chains[1..]
        .iter()
        .all(|c| c.is_root && c.through.len() == 2));
    let (found, work) = measured("findings", || {
        findings(&index, &files, Path::new(ROOT), &|_, _| Severity::Warning)
    });
    // One walk up from the base for the policy changes and one for the unused entries,
    // not one per overlay (that was 1,001 walks of 256 builds).
    assert!(work.walk_visits <= 2 * 256, "{work:?}");
    assert_eq!(count(&found, "overlay-changes-policy"), 255);
    assert!(found
        .iter()
        .all(|(file, _)| file < &path("overlays/o0255/kustomization.yaml")));
    // The overlays past the cap are not followed, and not called unused either.
    assert_eq!(count(&found, "unused-image-entry"), 0);
    let text = &files[&path("overlays/o0000/kustomization.yaml")];
    assert_eq!(at(text, &found[0].1.range), "latest");
    let in_first = bounded("findings_in", || {
        findings_in(
            &index,
            &files,
            Path::new(ROOT),
            &path("overlays/o0000/kustomization.yaml"),
            &|_, _| Severity::Warning,
        )
    });
    assert_eq!(in_first.len(), 1);
    let changes = bounded("base_changes", || {
        base_changes(
            &index,
            Path::new(ROOT),
            &path("base/deploy.yaml"),
            DEPLOYMENT,
            &files,
        )
    });
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].builds.len(), 255);
    let base = base_findings(DEPLOYMENT, &changes, Severity::Warning);
    assert_eq!(base.len(), 1);
    assert_eq!(base[0].related.len(), 255);
    assert_eq!(at(DEPLOYMENT, &base[0].range), "nginx:1.25");
    let agreed = agreed_images(&index, &path("base/deploy.yaml"), DEPLOYMENT, &files);
    assert_eq!(agreed.len(), 1);
    assert_eq!(agreed[0].image, "nginx:latest");
    assert_eq!(agreed[0].builds, 255);
}

#[test]
fn two_hundred_overlays_deep() {
    let mut list = vec![
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        file(
            "l000/kustomization.yaml",
            &format!("resources: [../base]\n{TO_LATEST}"),
        ),
    ];
    for i in 1..200 {
        list.push(file(
            &format!("l{i:03}/kustomization.yaml"),
            &format!(
                "resources: [../l{:03}]\nimages: [{{name: nginx, newTag: latest}}]\n",
                i - 1
            ),
        ));
    }
    let files = repo(list);
    let index = index_of(&files);
    let chains = bounded("chains", || index.chains_for(&path("base/deploy.yaml")));
    // Cut at MAX_DEPTH: the base and the 31 lowest levels.
    assert_eq!(chains.len(), 32);
    assert_eq!(chains.last().unwrap().through.len(), 32);
    assert_eq!(
        index.manifests_under(&path("l199")),
        [path("base/deploy.yaml")]
    );
    // The levels past the cut are not followed: their entries are not called unused.
    let cut = index.unknown_inputs(&path("l199")).expect("a reason");
    assert!(cut.contains("too many or nested too deep"), "{cut}");
    let found = all_findings(&index, &files);
    // l000 changes the default; the levels above keep `latest` (no change of their own).
    assert_eq!(
        summary(&found),
        [("l000/kustomization.yaml".into(), "overlay-changes-policy")]
    );
}

/// A chain far deeper than any repository: the recursive walks must not overflow.
#[test]
fn twenty_thousand_overlays_deep() {
    let mut list = vec![
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        file(
            "l0/kustomization.yaml",
            &format!("resources: [../base]\n{TO_LATEST}"),
        ),
    ];
    for i in 1..20_000 {
        list.push(file(
            &format!("l{i}/kustomization.yaml"),
            &format!("resources: [../l{}]\n", i - 1),
        ));
    }
    let files = repo(list);
    let index = index_of(&files);
    assert_eq!(index.chains_for(&path("base/deploy.yaml")).len(), 32);
    let top = path("l19999");
    assert_eq!(
        bounded("manifests_under", || index.manifests_under(&top)),
        [path("base/deploy.yaml")]
    );
    assert_eq!(
        bounded("manifests_affected_by", || index
            .manifests_affected_by(&top)),
        [path("base/deploy.yaml")]
    );
    let cut = bounded("unknown_inputs", || index.unknown_inputs(&top)).expect("a reason");
    assert!(cut.contains("too many or nested too deep"), "{cut}");
    // The whole workspace: every kustomization of the chain gathers the base, one walk.
    let everything = all_findings(&index, &files);
    assert_eq!(
        summary(&everything),
        [("l0/kustomization.yaml".into(), "overlay-changes-policy")]
    );
    let in_file = |file: &str| {
        bounded("findings_in", || {
            findings_in(&index, &files, Path::new(ROOT), &path(file), &|_, _| {
                Severity::Warning
            })
        })
    };
    let found = in_file("l0/kustomization.yaml");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, "overlay-changes-policy");
    assert!(in_file("l19999/kustomization.yaml").is_empty());
}

/// Each level's two kustomizations include both of the level below: 2^30 paths.
#[test]
fn diamond_of_thirty_levels() {
    let mut list = vec![
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
    ];
    for level in 0..30 {
        for side in ["a", "b"] {
            let resources = if level == 0 {
                "../base".to_owned()
            } else {
                format!("../d{}a, ../d{}b", level - 1, level - 1)
            };
            let images = if level == 0 && side == "a" {
                TO_LATEST
            } else {
                ""
            };
            list.push(file(
                &format!("d{level}{side}/kustomization.yaml"),
                &format!("resources: [{resources}]\n{images}"),
            ));
        }
    }
    let files = repo(list);
    let index = index_of(&files);
    let chains = bounded("chains", || index.chains_for(&path("base/deploy.yaml")));
    assert_eq!(chains.len(), 256);
    assert_eq!(
        bounded("manifests_under", || index.manifests_under(&path("d29a"))),
        [path("base/deploy.yaml")]
    );
    let cut = index.unknown_inputs(&path("d29b")).expect("a reason");
    assert!(cut.contains("too many or nested too deep"), "{cut}");
    let found = all_findings(&index, &files);
    assert_eq!(
        summary(&found),
        [("d0a/kustomization.yaml".into(), "overlay-changes-policy")]
    );
    let usage = bounded("entry_usage", || {
        index.entry_usage(&path("d0a/kustomization.yaml"), &files)
    });
    assert_eq!(usage[0].rewrites.len(), 1);
}

/// The same diamond made of components: no chain is ever emitted for a component, so the
/// chain cap alone does not bound the walk.
#[test]
fn diamond_of_thirty_component_levels() {
    let mut list = vec![
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        file(
            "top/kustomization.yaml",
            &format!("resources: [../base]\ncomponents: [../c29a, ../c29b]\n{TO_LATEST}"),
        ),
    ];
    for level in 0..30 {
        for side in ["a", "b"] {
            let components = if level == 0 {
                String::new()
            } else {
                format!("../c{}a, ../c{}b", level - 1, level - 1)
            };
            // The bottom component also holds a manifest, reached through 2^29 paths.
            let resources = if level == 0 && side == "a" {
                "[deploy.yaml]"
            } else {
                "[]"
            };
            list.push(file(
                &format!("c{level}{side}/kustomization.yaml"),
                &format!(
                    "kind: Component\nresources: {resources}\ncomponents: [{components}]\nimages: [{{name: redis, newTag: '{level}'}}]\n"
                ),
            ));
        }
    }
    list.push(file("c0a/deploy.yaml", DEPLOYMENT));
    let files = repo(list);
    let index = index_of(&files);
    // The walk stops after MAX_VISITS (4096) kustomizations: the base's build by top is
    // still there, with its own entry last, but its component entries are cut short.
    let chains = bounded("chains", || index.chains_for(&path("base/deploy.yaml")));
    let overlays: Vec<_> = chains.iter().map(|c| c.overlay.clone()).collect();
    assert_eq!(
        overlays,
        [
            path("base/kustomization.yaml"),
            path("top/kustomization.yaml")
        ]
    );
    let top = &chains[1];
    assert!(top.entries.len() < 4096, "{} entries", top.entries.len());
    assert_eq!(top.entries.last().unwrap().image.entry.new_tag, "latest");
    // Reached through 2^29 paths of components: the walk gives up within its budget.
    let chains = bounded("chains", || index.chains_for(&path("c0a/deploy.yaml")));
    assert!(chains.len() <= 256);
    assert!(chains.iter().all(|c| c.entries.len() < 4096));
    let mut affected = bounded("manifests_affected_by", || {
        index.manifests_affected_by(&path("c0b"))
    });
    affected.sort();
    assert_eq!(
        affected,
        [path("base/deploy.yaml"), path("c0a/deploy.yaml")]
    );
    for dir in ["top", "c0b", "c29a"] {
        let cut = index.unknown_inputs(&path(dir)).expect("a reason");
        assert!(cut.contains("too many or nested too deep"), "{cut}");
    }
    let found = all_findings(&index, &files);
    assert_eq!(
        summary(&found),
        [("top/kustomization.yaml".into(), "overlay-changes-policy")]
    );
    let text = &files[&path("top/kustomization.yaml")];
    assert_eq!(at(text, &found[0].1.range), "latest");
}

// ---------------------------------------------------------------------------------------
// Hostile `images:` entries

#[test]
fn ten_thousand_images_entries() {
    // 10,000 entries that match nothing, then one that changes the default.
    let entries = |indent: &str| {
        let mut list: String = (0..10_000)
            .map(|i| format!("{indent}- name: app{i}\n{indent}  newTag: v{i}\n"))
            .collect();
        list.push_str(&format!(
            "{indent}- name: nginx\n{indent}  newTag: latest\n"
        ));
        list
    };
    let overlay = format!("resources: [../base]\nimages:\n{}", entries("  "));
    let files = repo([
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        ("overlay/kustomization.yaml".into(), overlay.clone()),
        // The same list as Flux overrides of the overlay (each replaces its namesake).
        (
            "flux.yaml".into(),
            format!(
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: web}}\nspec:\n  path: ./overlay\n  images:\n{}",
                entries("    ")
            ),
        ),
    ]);
    let index = index_of(&files);
    assert_eq!(
        index.deployers_in(&path("flux.yaml"))[0].images.len(),
        10_001
    );
    let chains = bounded("chains", || index.chains_for(&path("base/deploy.yaml")));
    assert_eq!(chains.len(), 3);
    assert!(chains[1..].iter().all(|c| c.entries.len() == 10_001));
    let found = all_findings(&index, &files);
    // The nginx entry changes the default, in the overlay and through Flux; every app
    // entry matches nothing.
    assert_eq!(count(&found, "overlay-changes-policy"), 2);
    assert_eq!(count(&found, "unused-image-entry"), 10_000);
    let text = &files[&path("overlay/kustomization.yaml")];
    let first_unused = found
        .iter()
        .find(|(_, f)| f.rule == "unused-image-entry")
        .unwrap();
    assert_eq!(at(text, &first_unused.1.range), "app0");
    let usage = bounded("entry_usage", || {
        index.entry_usage(&path("overlay/kustomization.yaml"), &files)
    });
    assert_eq!(usage.len(), 10_001);
    assert_eq!(usage[10_000].rewrites.len(), 1);
}

#[test]
fn catastrophic_regex_names() {
    let names = [
        // Exponential for a backtracking engine.
        "(a+)+$".to_owned(),
        "(a|a)*b".to_owned(),
        "(.*a){20}".to_owned(),
        // Too big to compile within the size limit, and invalid in Go.
        "(a{1000}){1000}".to_owned(),
        "((((a{100}){100}){100}){100})".to_owned(),
        ".{1000}".repeat(50),
        // Deep groups, a 100 kB name.
        "(".repeat(5_000) + "nginx" + &")".repeat(5_000),
        "a".repeat(100_000),
        // Not a regex at all.
        "[".to_owned(),
        "\\".to_owned(),
    ];
    let mut overlay = String::from("resources: [../base]\nimages:\n");
    for name in &names {
        overlay.push_str(&format!(
            "  - name: '{}'\n    newTag: latest\n",
            name.replace('\'', "''")
        ));
    }
    overlay.push_str("  - name: ngin.\n    newTag: latest\n");
    // An image these names are tried against, 1 MB of `a`s with a tag.
    let long_image = format!("{}:1", "a".repeat(1_000_000));
    let deployment = format!(
        "{DEPLOYMENT}        - name: long\n          image: {long_image}\n        - name: many-a\n          image: {}b\n",
        "a".repeat(30)
    );
    let files = repo([
        ("base/deploy.yaml".into(), deployment.clone()),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        ("overlay/kustomization.yaml".into(), overlay.clone()),
    ]);
    let index = index_of(&files);
    let (chains, images) = bounded("effective images", || {
        index.effective_images(&path("base/deploy.yaml"), &deployment, &files)
    });
    assert_eq!(chains.len(), 2);
    let overlay_images: Vec<(&str, &str)> = images
        .iter()
        .filter(|i| i.chain == 1)
        .map(|i| (i.container_name.as_deref().unwrap(), i.image.as_str()))
        .collect();
    // `ngin.` matches nginx (`.` is any character); `(.*a){20}` matches the 1 MB image and
    // `(a|a)*b` the `aaa…b` one, in linear time.
    let tails: Vec<(&str, &str)> = overlay_images
        .iter()
        .map(|(name, image)| (*name, &image[image.len().saturating_sub(12)..]))
        .collect();
    assert_eq!(
        tails,
        [
            ("web", "nginx:latest"),
            ("long", "aaaaa:latest"),
            ("many-a", "aaaab:latest")
        ]
    );
    let found = all_findings(&index, &files);
    assert_eq!(count(&found, "overlay-changes-policy"), 1);
    // The names Go rejects or that match no image are reported unused, on their name.
    let unused: Vec<String> = found
        .iter()
        .filter(|(_, f)| f.rule == "unused-image-entry")
        .map(|(_, f)| at(&overlay, &f.range).chars().take(16).collect())
        .collect();
    assert_eq!(
        unused,
        [
            "'(a+)+$'",
            "'(a{1000}){1000}",
            "'((((a{100}){100",
            "'.{1000}.{1000}.",
            "'(((((((((((((((",
            "'aaaaaaaaaaaaaaa",
            "'['",
            "'\\'",
        ]
    );
}

/// A "billion laughs" list: `levels` levels of 10 aliases to the level below.
fn laughs(levels: usize) -> String {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..levels {
        let previous = format!("*a{}", level - 1);
        text.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            [previous.as_str(); 10].join(", ")
        ));
    }
    text
}

#[test]
fn alias_bombs() {
    let bomb = laughs(30);
    let kustomization = format!(
        "{bomb}resources: *a29\ncomponents: *a29\nbases: [*a29, ../base]\nimages:\n  - &e {{name: nginx, newTag: latest}}\n  - *e\n  - *a29\n  - {{name: *a29, newTag: *a29}}\n"
    );
    let argo = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: web}}\nx: &x\n{}spec:\n  source:\n    path: overlay\n    kustomize:\n      images: [*a29, 'nginx:2', *a29]\n  sources: *a29\n",
        bomb.lines().map(|l| format!("  {l}\n")).collect::<String>()
    );
    let values = format!(
        "{bomb}image:\n  repository: *a29\n  pullPolicy: always\n  tag: *a29\nref: &img {{repository: nginx, pullPolicy: never}}\nother:\n  <<: [*img, *img, *img]\n"
    );
    let chart = format!("{bomb}apiVersion: v2\nname: web\nversion: *a29\nappVersion: *a29\n");
    let template = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.other.repository }}:{{ .Chart.AppVersion }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n        - name: merged\n          image: \"{{ .Values.image.repository }}\"\n          imagePullPolicy: {{ .Values.other.pullPolicy }}\n";
    let files = repo([
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        ("overlay/kustomization.yaml".into(), kustomization.clone()),
        ("apps/argo.yaml".into(), argo.clone()),
        ("chart/values.yaml".into(), values.clone()),
        ("chart/Chart.yaml".into(), chart),
        file("chart/templates/deployment.yaml", template),
    ]);
    let index = index_of(&files);
    let parsed = index
        .kustomization(&path("overlay/kustomization.yaml"))
        .expect("parsed");
    // Aliases are not expanded: a list of aliases to lists holds no path.
    assert_eq!(parsed.resources.len(), 1);
    assert!(parsed.components.is_empty());
    assert_eq!(parsed.images.len(), 3, "{:?}", parsed.images);
    assert_eq!(
        index.deployers_in(&path("apps/argo.yaml"))[0].images.len(),
        1
    );
    let chains = bounded("chains", || index.chains_for(&path("base/deploy.yaml")));
    assert_eq!(chains.len(), 3);
    let found = all_findings(&index, &files);
    // The first entry changes the default in the overlay's build; the alias `*e` to it,
    // in the Argo CD build (where `nginx:2` merged into the first one). Both are reported
    // on the `latest` the alias points at. The entry whose name is an alias to a list
    // has no name, but `resources: *a29` is no list of paths (kustomize fails on it), so
    // the build is not fully known and no entry is called unused.
    let reported: Vec<(&str, String)> = found
        .iter()
        .map(|(_, f)| (f.rule, at(&kustomization, &f.range)))
        .collect();
    assert_eq!(
        reported,
        [
            ("overlay-changes-policy", "latest".to_owned()),
            ("overlay-changes-policy", "latest".to_owned()),
        ]
    );
    let reason = index.unknown_inputs(&path("overlay")).expect("a reason");
    assert!(reason.ends_with("has a `resources` that is not a list of paths"));
    assert!(found[1].1.message.contains("through Application web"));
    let at_argo = deployer_entry_at(&argo, argo.find("'nginx:2'").unwrap()).expect("entry");
    let usage = bounded("deployer usage", || {
        index.deployer_entry_usage(&path("apps/argo.yaml"), &at_argo, &files)
    });
    assert!(matches!(usage, DeployerUsage::Resolved { ref rewrites, .. } if rewrites.len() == 1));

    // values.yaml: `always` is reported on its value; an alias to a list is no image.
    let chart_files: Vec<PathBuf> = files.keys().cloned().collect();
    let helm = bounded("values findings", || {
        values_findings(&path("chart"), &chart_files, &files, &|_| Severity::Error)
    });
    let rules: Vec<(&str, String)> = helm
        .iter()
        .map(|f| (f.rule, at(&values, &f.range)))
        .collect();
    // `never` comes through three merges of the same anchor: reported once, on the anchor.
    assert_eq!(
        rules,
        [
            ("helm-values-pull-policy", "always".to_owned()),
            ("helm-values-pull-policy", "never".to_owned())
        ]
    );
    assert_eq!(helm[1].range.start, values.find("never").unwrap());
    let context = ChartContext::new(
        Some(&values),
        files.get(&path("chart/Chart.yaml")).map(String::as_str),
    );
    let images = helm_images(template, &context);
    assert_eq!(images.len(), 2);
    assert!(matches!(images[1].image, HelmValue::Unknown(_)));
}

/// 10,000 levels of `[`, `{k: ` and `- `, and 2,000 levels of indented mappings (as deep
/// as the 32 MiB the callers' file sources read allow… with room to spare), as a value.
fn deep_values() -> Vec<(&'static str, String)> {
    let indented: String = (0..2_000)
        .map(|depth| format!("{}k{depth}:\n", " ".repeat(depth + 2)))
        .collect();
    vec![
        ("brackets", "[".repeat(10_000) + &"]".repeat(10_000)),
        ("unclosed brackets", "[".repeat(10_000)),
        ("flow mappings", "{k: ".repeat(10_000) + &"}".repeat(10_000)),
        ("dashes", format!("\n    {}x", "- ".repeat(10_000))),
        ("block mappings", format!("\n{indented}")),
    ]
}

#[test]
fn deep_nesting_in_each_kind_of_file() {
    let template = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n";
    for (shape, deep) in deep_values() {
        let files = repo([
            file("base/deploy.yaml", DEPLOYMENT),
            file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
            (
                "overlay/kustomization.yaml".into(),
                format!("resources: [../base]\n{TO_LATEST}patchesDeep: {deep}\n"),
            ),
            (
                "deep/kustomization.yaml".into(),
                format!("resources: {deep}\nimages: {deep}\n"),
            ),
            (
                "apps/argo.yaml".into(),
                format!(
                    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: web}}\nspec:\n  source:\n    path: overlay\n    kustomize:\n      images: {deep}\n"
                ),
            ),
            (
                "apps/flux.yaml".into(),
                format!(
                    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: web}}\nspec:\n  path: ./overlay\n  images:\n    - {{name: nginx, newTag: '1.27'}}\n  deep: {deep}\n"
                ),
            ),
            (
                "chart/values.yaml".into(),
                format!("image:\n  repository: nginx\n  pullPolicy: always\n  tag: \"\"\ndeep: {deep}\n"),
            ),
            ("chart/Chart.yaml".into(), format!("appVersion: '1.0'\ndeep: {deep}\n")),
            file("chart/templates/deployment.yaml", template),
            (
                "chart/templates/deep.yaml".into(),
                format!("image: {{{{ .Values.x }}}}\ndeep: {deep}\n"),
            ),
        ]);
        let index = index_of(&files);
        let chains = bounded("chains", || index.chains_for(&path("base/deploy.yaml")));
        assert!(chains.len() <= 4, "{shape}");
        // The deep value is beside the fields that matter (even unclosed: the tree keeps
        // what parsed before the error), so the sane part is still found.
        let found = all_findings(&index, &files);
        assert_eq!(
            summary(&found),
            [(
                "overlay/kustomization.yaml".into(),
                "overlay-changes-policy"
            )],
            "{shape}"
        );
        let deep = index.kustomization(&path("deep/kustomization.yaml"));
        assert!(deep.is_some_and(|k| k.resources.is_empty() && k.images.is_empty()));
        assert_eq!(
            index.deployers_in(&path("apps/argo.yaml")).len(),
            1,
            "{shape}"
        );
        assert_eq!(
            index.deployers_in(&path("apps/flux.yaml")).len(),
            1,
            "{shape}"
        );
        let chart_files: Vec<PathBuf> = files.keys().cloned().collect();
        let helm = bounded("values findings", || {
            values_findings(&path("chart"), &chart_files, &files, &|_| Severity::Error)
        });
        let values_text = &files[&path("chart/values.yaml")];
        let reported: Vec<String> = helm.iter().map(|f| at(values_text, &f.range)).collect();
        assert_eq!(reported, ["always", "\"\""], "{shape}");
    }
}

// ---------------------------------------------------------------------------------------
// Encodings and line breaks

/// `text` with CRLF line breaks and a UTF-8 byte order mark.
fn crlf_bom(text: &str) -> String {
    format!("\u{feff}{}", text.replace('\n', "\r\n"))
}

#[test]
fn crlf_bom_and_non_ascii_keep_exact_ranges() {
    let deployment = crlf_bom(
        "# Déploiement 😀\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: café}\nspec:\n  template:\n    spec:\n      containers:\n        - name: é😀\n          image: nginx:1.25 # « version »\n",
    );
    let overlay = crlf_bom(
        "# Surcharge — été 😀\nresources: [../base]\nimages:\n  - name: \"😀app\" # ne correspond à rien\n    newTag: \"v1\"\n  - name: nginx # ☃\n    newTag: latest # ☃\n",
    );
    let argo = crlf_bom(
        "# Application « web » 😀\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: wéb}\nspec:\n  source:\n    path: overlay\n    kustomize:\n      images: ['nginx=reg/nginx:2', 'nginx:latest'] # « ngïnx »\n",
    );
    let files = repo([
        ("base/deploy.yaml".into(), deployment.clone()),
        (
            "base/kustomization.yaml".into(),
            crlf_bom("resources: [deploy.yaml] # ✓\n"),
        ),
        ("overlay/kustomization.yaml".into(), overlay.clone()),
        ("apps/argo.yaml".into(), argo.clone()),
    ]);
    let index = index_of(&files);
    let found = all_findings(&index, &files);
    let texts: HashMap<PathBuf, &String> = files.iter().map(|(p, t)| (p.clone(), t)).collect();
    let reported: Vec<(String, &str, String)> = found
        .iter()
        .map(|(file, f)| {
            let short = file.strip_prefix(ROOT).unwrap().display().to_string();
            (short, f.rule, at(texts[file], &f.range))
        })
        .collect();
    assert_eq!(
        reported,
        [
            (
                "apps/argo.yaml".to_owned(),
                "overlay-changes-policy",
                "'nginx:latest'".to_owned()
            ),
            (
                "overlay/kustomization.yaml".to_owned(),
                "unused-image-entry",
                "\"😀app\"".to_owned()
            ),
            (
                "overlay/kustomization.yaml".to_owned(),
                "overlay-changes-policy",
                "latest".to_owned()
            ),
        ]
    );
    // The related location is the base container's image.
    for (_, finding) in found
        .iter()
        .filter(|(_, f)| f.rule == "overlay-changes-policy")
    {
        assert_eq!(finding.related.len(), 1);
        assert_eq!(at(&deployment, &finding.related[0].range), "nginx:1.25");
        assert!(
            finding.message.contains("container é😀"),
            "{}",
            finding.message
        );
    }
    // The base side, for the editor.
    let changes = base_changes(
        &index,
        Path::new(ROOT),
        &path("base/deploy.yaml"),
        &deployment,
        &files,
    );
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].builds.len(), 2);
    for build in &changes[0].builds {
        let text = texts[&build.entry_file];
        let expected = if build.entry_file.ends_with("argo.yaml") {
            "'nginx:latest'"
        } else {
            "latest"
        };
        assert_eq!(at(text, &build.entry_range), expected);
    }
    let base = base_findings(&deployment, &changes, Severity::Warning);
    assert_eq!(base.len(), 1);
    assert_eq!(at(&deployment, &base[0].range), "nginx:1.25");
    // A suppression comment on a CRLF line still counts.
    let suppressed = deployment.replace(
        "# « version »",
        "# gitops-ls-ignore: overlay-changes-policy",
    );
    let changes = base_changes(
        &index,
        Path::new(ROOT),
        &path("base/deploy.yaml"),
        &suppressed,
        &files,
    );
    assert!(base_findings(&suppressed, &changes, Severity::Warning).is_empty());
    let agreed = agreed_images(&index, &path("base/deploy.yaml"), &deployment, &files);
    assert_eq!(
        agreed.len(),
        0,
        "the overlay and Argo CD deploy different images"
    );
    // The Argo CD override under a position, on either side of the multibyte text.
    let offset = argo.find("reg/nginx").unwrap();
    let entry = deployer_entry_at(&argo, offset).expect("an entry");
    assert_eq!(at(&argo, &entry.range), "'nginx=reg/nginx:2'");
    assert!(deployer_entry_at(&argo, argo.find("ngïnx").unwrap()).is_none());
    let usage = index.deployer_entry_usage(&path("apps/argo.yaml"), &entry, &files);
    let DeployerUsage::Resolved {
        rewrites,
        superseded_by,
        ..
    } = usage
    else {
        panic!("{usage:?}");
    };
    // `nginx:latest` replaces it in the merged list: it rewrites nothing.
    assert!(rewrites.is_empty());
    assert_eq!(superseded_by, Some(1));
}

#[test]
fn helm_values_with_crlf_bom_and_non_ascii() {
    let values = crlf_bom(
        "# Valeurs « par défaut » 😀\nimage:\n  repository: nginx # ☃\n  pullPolicy: \"always\" # « toujours »\n  tag: \"\" # vide 😀\ncafé: é\n",
    );
    let template = crlf_bom(
        "# Modèle 😀\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.café }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: wéb\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n",
    );
    let files = repo([
        ("chart/values.yaml".into(), values.clone()),
        (
            "chart/Chart.yaml".into(),
            crlf_bom("name: wéb\nappVersion: \"1.0-é\"\n"),
        ),
        ("chart/templates/deployment.yaml".into(), template.clone()),
    ]);
    let chart_files: Vec<PathBuf> = files.keys().cloned().collect();
    let found = values_findings(&path("chart"), &chart_files, &files, &|_| Severity::Error);
    let reported: Vec<(&str, String)> = found
        .iter()
        .map(|f| (f.rule, at(&values, &f.range)))
        .collect();
    assert_eq!(
        reported,
        [
            ("helm-values-pull-policy", "\"always\"".to_owned()),
            ("helm-values-empty-tag", "\"\"".to_owned()),
        ]
    );
    for finding in &found {
        let related = &finding.related[0];
        let expected = match finding.rule {
            "helm-values-pull-policy" => "{{ .Values.image.pullPolicy }}",
            _ => "\"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"",
        };
        assert_eq!(at(&template, &related.range), expected);
    }
    // The fixes keep the quoting and the CRLF line breaks.
    let fixed = gitops_ls_analysis::apply_edits(
        &values,
        &found
            .iter()
            .flat_map(|f| f.fixes.iter().flat_map(|fix| fix.edits.clone()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        fixed,
        crlf_bom(
            "# Valeurs « par défaut » 😀\nimage:\n  repository: nginx # ☃\n  pullPolicy: \"Always\" # « toujours »\n  tag: \"1.0-é\" # vide 😀\ncafé: é\n"
        )
    );
    let chart = ChartContext::new(Some(&fixed), Some("appVersion: \"1.0-é\"\n"));
    let images = helm_images(&template, &chart);
    assert_eq!(
        images[0].image,
        HelmValue::Resolved {
            value: Some("nginx:1.0-é".into()),
            uses: match &images[0].image {
                HelmValue::Resolved { uses, .. } => uses.clone(),
                _ => unreachable!(),
            }
        }
    );
}

// ---------------------------------------------------------------------------------------
// Paths

/// An overlay of the base with the nginx entry, plus `resources` as given.
fn overlay_with(resources: &str) -> HashMap<PathBuf, String> {
    repo([
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        (
            "overlay/kustomization.yaml".into(),
            format!("{resources}\n{TO_LATEST}"),
        ),
    ])
}

#[test]
fn references_that_lead_nowhere_are_unknown_inputs() {
    let cases = [
        ("resources: ['../../../../../etc']", "../../../../../etc"),
        ("resources: [../../r/base, /etc/passwd]", "/etc/passwd"),
        ("resources: ['..\\base']", "..\\base"),
        ("resources: ['C:\\r\\base']", "C:\\r\\base"),
        (
            "resources: ['https://github.com/o/r//base?ref=v1']",
            "https://github.com/o/r//base?ref=v1",
        ),
        (
            "resources: ['github.com/o/r/base?ref=v1']",
            "github.com/o/r/base?ref=v1",
        ),
        (
            "resources: ['git@github.com:o/r.git//base']",
            "git@github.com:o/r.git//base",
        ),
        ("resources: ['file:///r/base']", "file:///r/base"),
        ("components: ['../base/deploy.yaml']", "../base/deploy.yaml"),
        ("resources: [~]", "~"),
    ];
    for (resources, listed) in cases {
        let files = overlay_with(resources);
        let index = index_of(&files);
        let reason = index.unknown_inputs(&path("overlay"));
        assert_eq!(
            reason,
            Some(format!("{ROOT}/overlay/kustomization.yaml lists {listed}")),
            "{resources}"
        );
        // Nothing follows, nothing is claimed unused.
        let found = all_findings(&index, &files);
        let expected: &[(String, &str)] = if resources.contains("../../r/base") {
            &[(
                "overlay/kustomization.yaml".into(),
                "overlay-changes-policy",
            )]
        } else {
            &[]
        };
        assert_eq!(summary(&found), expected, "{resources}");
    }
}

#[test]
fn references_that_resolve_however_written() {
    for resources in [
        "resources: [/r/base]",
        "resources: ['/r/overlay/../base/']",
        "resources: [./../base/.]",
        "bases: [../base]\nresources: [../base]",
        "resources: ['', '  ', ../base]",
    ] {
        let files = overlay_with(resources);
        let index = index_of(&files);
        assert_eq!(index.unknown_inputs(&path("overlay")), None, "{resources}");
        assert_eq!(
            index.manifests_under(&path("overlay")),
            [path("base/deploy.yaml")],
            "{resources}"
        );
        let found = all_findings(&index, &files);
        assert_eq!(
            summary(&found),
            [(
                "overlay/kustomization.yaml".into(),
                "overlay-changes-policy"
            )],
            "{resources}"
        );
    }
}

/// `resources:` (or `components:`) that is not a list: kustomize fails on it, so the
/// index cannot say what the build holds.
#[test]
fn resources_that_are_not_a_list() {
    for (resources, field) in [
        ("resources: ../base", "resources"),
        ("resources: {base: ../base}", "resources"),
        ("resources: [[../base]]", "resources"),
        ("resources: [{path: ../base}]", "resources"),
        ("resources: 3", "resources"),
        ("bases: ../base", "bases"),
        ("resources: [../base]\ncomponents: ../comp", "components"),
    ] {
        let files = overlay_with(resources);
        let index = index_of(&files);
        assert_eq!(
            index.unknown_inputs(&path("overlay")),
            Some(format!(
                "{ROOT}/overlay/kustomization.yaml has a `{field}` that is not a list of paths"
            )),
            "{resources}"
        );
        // The entry is not called unused; the readable part of the list is still followed.
        let found = all_findings(&index, &files);
        let expected: &[(String, &str)] = if field == "components" {
            &[(
                "overlay/kustomization.yaml".into(),
                "overlay-changes-policy",
            )]
        } else {
            &[]
        };
        assert_eq!(summary(&found), expected, "{resources}");
    }
}

// ---------------------------------------------------------------------------------------
// Helm

const CHART_YAML: &str = "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.16.0\"\n";

/// The `helm create` container: image from repository + tag, policy from values.
const SCAFFOLD_CONTAINER: &str = "        - name: web\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n";

fn deployment_template(containers: &str) -> String {
    format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ include \"web.fullname\" . }}}}\nspec:\n  template:\n    spec:\n      containers:\n{containers}")
}

/// The Helm values findings of a chart of `values`, `Chart.yaml` and templates, as
/// `(rule, text of the range)`.
fn chart_findings(values: &str, templates: &[(&str, String)]) -> Vec<(&'static str, String)> {
    let mut list = vec![
        file("chart/values.yaml", values),
        file("chart/Chart.yaml", CHART_YAML),
    ];
    list.extend(
        templates
            .iter()
            .map(|(name, text)| (format!("chart/templates/{name}"), text.clone())),
    );
    let files = repo(list);
    let chart_files: Vec<PathBuf> = files.keys().cloned().collect();
    let found = bounded("values findings", || {
        values_findings(&path("chart"), &chart_files, &files, &|_| Severity::Error)
    });
    found
        .iter()
        .map(|f| (f.rule, at(values, &f.range)))
        .collect()
}

#[test]
fn values_that_are_not_a_mapping() {
    let template = deployment_template(SCAFFOLD_CONTAINER);
    for values in [
        "- image\n- always\n",
        "always\n",
        "\"\"\n",
        "~\n",
        "",
        "--- \n...\n",
        "image: always\n",
        "image: [repository, pullPolicy]\n",
        "image: {repository: [nginx], pullPolicy: {always: true}, tag: {}}\n",
        "---\nimage: {pullPolicy: always}\n---\nimage: {pullPolicy: never}\n",
    ] {
        let found = chart_findings(values, &[("deployment.yaml", template.clone())]);
        // Nothing is a value the templates can use, except in the first document of the
        // last one (Helm reads only that one): the policy, and the tag it lacks.
        let expected: &[(&str, String)] = if values.starts_with("---\n") {
            &[
                ("helm-values-empty-tag", "image".to_owned()),
                ("helm-values-pull-policy", "always".to_owned()),
            ]
        } else {
            &[]
        };
        assert_eq!(found, expected, "{values:?}");
    }
}

#[test]
fn five_thousand_containers_in_one_template() {
    let template = deployment_template(&SCAFFOLD_CONTAINER.repeat(5_000));
    let values = "image:\n  repository: nginx\n  pullPolicy: always\n  tag: \"\"\n";
    let (found, work) =
        measure(|| chart_findings(values, &[("deployment.yaml", template.clone())]));
    assert_eq!(
        found,
        [
            ("helm-values-pull-policy", "always".to_owned()),
            ("helm-values-empty-tag", "\"\"".to_owned()),
        ]
    );
    // Linear in the containers: each of the two faulty values is probed with a few
    // re-renders of each container's two templated values (8 renders a container), and
    // the template is lexed and parsed once per probe, not once per container.
    assert!(work.renders <= 8 * 5_000, "{work:?}");
    assert!(
        work.template_bytes <= 10 * template.len() as u64,
        "{work:?}"
    );
    assert!(work.yaml_events <= template.len() as u64, "{work:?}");
    // Every container is a user of both values (one related location each).
    let chart = ChartContext::new(Some(values), Some(CHART_YAML));
    let (images, work) = measure(|| helm_images(&template, &chart));
    assert!(work.renders <= 2 * 5_000, "{work:?}");
    assert_eq!(images.len(), 5_000);
    assert!(images
        .iter()
        .all(|image| image.image == images[0].image && image.policy == images[0].policy));
}

#[test]
fn broken_template_actions() {
    let cases = [
        // Unterminated actions: on the image line, and one swallowing the rest of the file.
        // (The action runs on into the next line: no policy key is left, and Helm fails.)
        ("          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n", vec![]),
        ("          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy\n", vec![("helm-values-empty-tag", "\"\"")]),
        ("          {{ if\n          image: nginx\n", vec![]),
        // Comments: whole-line, inside the value, and unterminated.
        ("          {{/* image: nginx */}}\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n", vec![("helm-values-pull-policy", "always"), ("helm-values-empty-tag", "\"\"")]),
        ("          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}{{/* no tag */}}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n", vec![("helm-values-pull-policy", "always"), ("helm-values-empty-tag", "\"\"")]),
        // A `-}}` trims text after the value (here the line break): the policy is not
        // rendered alone, so it is unknown and nothing is blamed on it.
        ("          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}{{- /* trimmed */ -}}\n", vec![("helm-values-empty-tag", "\"\"")]),
        // A comment holding `}}`: Go ends it at `*/}}`, and so does the model.
        ("          {{/* image: {{ .Values.image.tag }} */}}\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n", vec![("helm-values-pull-policy", "always"), ("helm-values-empty-tag", "\"\"")]),
        ("          image: \"{{ .Values.image.repository }}{{/* unterminated }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n", vec![("helm-values-pull-policy", "always")]),
        // Only openers, and stray closers.
        ("          image: {{{{{{{{{{{{\n", vec![]),
        ("          image: }}}}\n          imagePullPolicy: {{ .Values.image.pullPolicy }} }}\n", vec![]),
    ];
    let values = "image:\n  repository: nginx\n  pullPolicy: always\n  tag: \"\"\n";
    for (container, expected) in cases {
        let template = deployment_template(&format!("        - name: web\n{container}"));
        let found = chart_findings(values, &[("deployment.yaml", template.clone())]);
        let expected: Vec<(&str, String)> = expected
            .into_iter()
            .map(|(rule, text)| (rule, text.to_owned()))
            .collect();
        assert_eq!(found, expected, "{container}");
        let chart = ChartContext::new(Some(values), Some(CHART_YAML));
        assert!(helm_images(&template, &chart).len() <= 1);
    }
    // An unterminated `if` before the container runs on to the next `}}`: an `if` whose
    // condition is not understood, so the container may not render: quiet.
    let template = format!(
        "{{{{- if .Values.x \n{}",
        deployment_template(SCAFFOLD_CONTAINER)
    );
    assert!(chart_findings(values, &[("deployment.yaml", template)]).is_empty());
    // The same `if` closed, on a value that is set: both findings.
    let template = deployment_template(&format!(
        "{{{{- if .Values.image.repository }}}}\n{SCAFFOLD_CONTAINER}{{{{- end }}}}\n"
    ));
    assert_eq!(
        chart_findings(values, &[("deployment.yaml", template)]).len(),
        2
    );
}

#[test]
fn a_one_megabyte_value() {
    let big = "x".repeat(1 << 20);
    let template = deployment_template(SCAFFOLD_CONTAINER);
    let cases = [
        // A 1 MB repository (an invalid image, but not an empty tag), a 1 MB policy.
        (
            format!("image:\n  repository: {big}\n  pullPolicy: Always\n  tag: \"\"\n"),
            vec!["helm-values-empty-tag"],
        ),
        (
            format!("image:\n  repository: nginx\n  pullPolicy: \"{big}\"\n  tag: '1'\n"),
            vec!["helm-values-pull-policy"],
        ),
        (
            format!("image:\n  repository: nginx\n  pullPolicy: always\n  tag: |\n    {big}\n"),
            vec!["helm-values-pull-policy"],
        ),
        // A 1 MB comment beside the values.
        (
            format!("# {big}\nimage: {{repository: nginx, pullPolicy: always, tag: ''}}\n"),
            vec!["helm-values-pull-policy", "helm-values-empty-tag"],
        ),
        // A 1 MB key: over YAML's 1024 characters for a plain key, values.yaml does not
        // parse (Helm fails too), so nothing is blamed on it.
        (
            format!("{big}: 1\nimage: {{repository: nginx, pullPolicy: always, tag: ''}}\n"),
            vec![],
        ),
    ];
    for (values, expected) in cases {
        let found = chart_findings(&values, &[("deployment.yaml", template.clone())]);
        let rules: Vec<&str> = found.iter().map(|(rule, _)| *rule).collect();
        assert_eq!(rules, expected);
        for (rule, text) in &found {
            if *rule == "helm-values-pull-policy" {
                assert!(text == "always" || text.len() > 1 << 20, "{}", &text[..20]);
            }
        }
    }
    // A 1 MB string in the template itself.
    let template = deployment_template(&format!(
        "        - name: web\n          image: \"{{{{ .Values.image.repository }}}}:{big}\"\n          imagePullPolicy: {{{{ .Values.image.pullPolicy }}}}\n"
    ));
    let values = "image: {repository: nginx, pullPolicy: always}\n";
    let found = chart_findings(values, &[("deployment.yaml", template)]);
    assert_eq!(found, [("helm-values-pull-policy", "always".to_owned())]);
}

// ---------------------------------------------------------------------------------------
// Edits

#[test]
fn edits_to_garbage_cycles_and_back() {
    let overlay = format!("resources: [../base]\n{TO_LATEST}");
    let mut files = repo([
        file("base/deploy.yaml", DEPLOYMENT),
        file("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        ("overlay/kustomization.yaml".into(), overlay.clone()),
    ]);
    let mut index = index_of(&files);
    let overlay_file = path("overlay/kustomization.yaml");
    let garbage = [
        "- a list\n- at the root\n".to_owned(),
        "just a scalar\n".to_owned(),
        String::new(),
        "\u{feff}".to_owned(),
        "{{{{{{{{\n".repeat(1_000),
        "[".repeat(10_000),
        "resources: [., ../overlay, ./, ../base, ../base/deploy.yaml]\n".to_owned(),
        format!("{}resources: *a29\nimages: *a29\n", laughs(30)),
        "\0\0\0".to_owned(),
        "resources: [../base]\nimages:\n  - name: nginx\n    newTag: latest\n---\n[".to_owned(),
    ];
    for text in &garbage {
        files.insert(overlay_file.clone(), text.clone());
        bounded("update", || index.update_file(&overlay_file, Some(text)));
        // At most: the base's build, the overlay through the base and directly.
        let chains = index.chains_for(&path("base/deploy.yaml"));
        assert!(chains.len() <= 3, "{text:.40}");
        let found = all_findings(&index, &files);
        // Only the multi-document kustomization (its first document counts) keeps the
        // entry.
        let expected = usize::from(text.ends_with("---\n["));
        assert_eq!(
            count(&found, "overlay-changes-policy"),
            expected,
            "{text:.40}"
        );
        assert_eq!(count(&found, "unused-image-entry"), 0, "{text:.40}");
        let in_overlay = findings_in(&index, &files, Path::new(ROOT), &overlay_file, &|_, _| {
            Severity::Warning
        });
        assert_eq!(in_overlay.len(), expected, "{text:.40}");
    }
    // The base deleted, then the overlay back: the build has a missing resource.
    files.remove(&path("base/kustomization.yaml"));
    index.update_file(&path("base/kustomization.yaml"), None);
    files.insert(overlay_file.clone(), overlay.clone());
    index.update_file(&overlay_file, Some(&overlay));
    assert_eq!(
        index.unknown_inputs(&path("overlay")).as_deref(),
        Some("/r/overlay/kustomization.yaml lists ../base")
    );
    assert!(all_findings(&index, &files).is_empty());
    // Restored: the finding is back, on the entry's tag.
    let base = "resources: [deploy.yaml]\n";
    files.insert(path("base/kustomization.yaml"), base.into());
    index.update_file(&path("base/kustomization.yaml"), Some(base));
    let found = all_findings(&index, &files);
    assert_eq!(
        summary(&found),
        [(
            "overlay/kustomization.yaml".into(),
            "overlay-changes-policy"
        )]
    );
    assert_eq!(at(&overlay, &found[0].1.range), "latest");
    // Files the index does not know, and files that are not kustomizations.
    for other in [
        "nowhere/kustomization.yaml",
        "base/deploy.yaml",
        "",
        "/",
        "../x",
    ] {
        let found = findings_in(
            &index,
            &files,
            Path::new(ROOT),
            Path::new(other),
            &|_, _| Severity::Warning,
        );
        assert!(found.is_empty(), "{other}");
        assert!(index.chains_for(Path::new(other)).len() <= 1);
        assert!(index.entry_usage(Path::new(other), &files).is_empty());
    }
}

/// One file with thousands of Argo CD Applications rendering the same chart with values of
/// their own (as an ApplicationSet's output might be committed): the index shares one
/// parse of the file among them, and each renders its own values.
#[test]
fn thousands_of_applications_with_helm_values() {
    const APPS: usize = 2_000;
    let mut apps = String::new();
    for i in 0..APPS {
        apps.push_str(&format!(
            "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: app{i}}}\nspec:\n  source:\n    path: chart\n    helm:\n      valuesObject: {{image: {{tag: \"1.{i}\"}}}}\n      parameters: [{{name: '{}x', value: deep}}]\n",
            "a.".repeat(i % 100)
        ));
    }
    let template = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: \"nginx:{{ .Values.image.tag }}\"\n";
    let files = repo([
        file("chart/Chart.yaml", "name: c\n"),
        file("chart/values.yaml", "image: {tag: latest}\n"),
        file("chart/templates/pod.yaml", template),
        file("apps/all.yaml", &apps),
    ]);
    let index = index_of(&files);
    let chart = path("chart");
    let sources = bounded("helm_sources_of", || index.helm_sources_of(&chart));
    assert_eq!(sources.len(), APPS);
    let values = ChartContext::load(&chart, &files);
    let rendered = bounded("render every application", || {
        sources
            .iter()
            .map(|(_, found)| {
                let (context, _) = chart_for_source(&values, &chart, found, &files);
                match &helm_images(template, &context)[0].image {
                    HelmValue::Resolved { value, .. } => value.clone().unwrap_or_default(),
                    other => panic!("{other:?}"),
                }
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(rendered[0], "nginx:1.0");
    assert_eq!(rendered[APPS - 1], format!("nginx:1.{}", APPS - 1));
    // Parameters nested past the depth this model follows are listed as not applied.
    let deepest = sources
        .iter()
        .find(|(_, f)| f.name.as_deref() == Some("app99"));
    let (_, not_applied) = chart_for_source(&values, &chart, deepest.unwrap().1, &files);
    assert_eq!(not_applied, [format!("parameters: {}x", "a.".repeat(99))]);
}
