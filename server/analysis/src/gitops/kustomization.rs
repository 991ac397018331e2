//! A `kustomization.yaml` read from its YAML tree: what it includes and its `images:`,
//! with byte ranges for diagnostics and hovers.

use super::kustomize_image::ImageOverride;
use super::patches::{unapplied_edits, UnappliedEdit};
use crate::text::TextRange;
use crate::yaml::{Document, NodeId, YamlFile};

/// The file names kustomize looks for in a directory, in its order of preference.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether a file name is one kustomize reads as a kustomization.
pub fn is_kustomization_file_name(name: &str) -> bool {
    KUSTOMIZATION_FILE_NAMES.contains(&name)
}

/// The parsed parts of a kustomization that decide which images run.
#[derive(Debug, Clone, Default)]
pub struct Kustomization {
    /// `kind: Component`: applied inside the kustomization that lists it, never built alone.
    pub is_component: bool,
    /// `resources:` then the deprecated `bases:`, each a file or a directory.
    pub resources: Vec<Reference>,
    /// `components:`, applied in order after the resources are gathered.
    pub components: Vec<Reference>,
    /// `images:`, applied in order.
    pub images: Vec<ImagesEntry>,
    /// The first field that can add or rewrite containers in ways this model does not follow
    /// (patches, Helm charts, generator plugins, custom field specs…, or a `resources`,
    /// `bases` or `components` that is not a list of paths, which kustomize fails to read): the
    /// build's images are then not fully known.
    pub unmodelled_field: Option<&'static str>,
    /// Patches, replacements and transformers, which may set images or pull policies the
    /// index does not apply (see [`super::patches`]).
    pub unapplied_edits: Vec<UnappliedEdit>,
}

/// Kustomization fields that can bring containers or image fields the index does not see.
const UNMODELLED_FIELDS: [&str; 13] = [
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "replacements",
    "vars",
    "helmCharts",
    "helmChartInflationGenerator",
    "generators",
    "transformers",
    "validators",
    "configurations",
    "crds",
    "openapi",
];

/// The fields kustomize reads as lists of paths. When one is something else (`resources:
/// ../base`, a mapping, an item that is not a string) kustomize fails to read the file, and
/// the index cannot tell what the build gathers: it is reported as the unmodelled field.
pub(crate) const NOT_PATH_LISTS: [&str; 3] = ["resources", "bases", "components"];

/// Which list a [`Reference`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceList {
    Resources,
    Bases,
    Components,
}

/// One path (or URL) in `resources`, `bases` or `components`.
#[derive(Debug, Clone)]
pub struct Reference {
    pub path: String,
    pub range: TextRange,
    pub list: ReferenceList,
}

/// The key and value ranges of one field of an `images:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRange {
    pub key: TextRange,
    pub value: TextRange,
}

/// Where each field of an `images:` entry is written (`None`: not written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImagesEntryFields {
    pub name: Option<FieldRange>,
    pub new_name: Option<FieldRange>,
    pub new_tag: Option<FieldRange>,
    pub digest: Option<FieldRange>,
    pub tag_suffix: Option<FieldRange>,
}

/// One entry of an `images:` list (a kustomization's, a Flux Kustomization's, or an Argo CD
/// `name=new:tag` string), with where it is written.
#[derive(Debug, Clone)]
pub struct ImagesEntry {
    pub image: ImageOverride,
    /// The whole entry (the mapping, or the Argo CD string).
    pub range: TextRange,
    /// Field ranges; all `None` for an Argo CD string.
    pub fields: ImagesEntryFields,
}

impl Kustomization {
    /// Reads the first document of a kustomization file; `None` when it is not a mapping.
    pub fn parse(file: &YamlFile) -> Option<Kustomization> {
        let doc = file.documents.first()?;
        let root = doc.root.filter(|&root| doc.is_mapping(root))?;
        let mut resources = references(doc, root, "resources", ReferenceList::Resources);
        resources.extend(references(doc, root, "bases", ReferenceList::Bases));
        Some(Kustomization {
            is_component: doc.get_str(root, "kind") == Some("Component"),
            resources,
            components: references(doc, root, "components", ReferenceList::Components),
            images: doc
                .get(root, "images")
                .map(|list| images_entries(doc, list))
                .unwrap_or_default(),
            unmodelled_field: UNMODELLED_FIELDS
                .into_iter()
                .find(|field| doc.get(root, field).is_some())
                .or_else(|| {
                    NOT_PATH_LISTS
                        .into_iter()
                        .find(|field| doc.get(root, field).is_some_and(|v| !is_path_list(doc, v)))
                }),
            unapplied_edits: unapplied_edits(doc, root),
        })
    }
}

/// A list of strings, or null (`resources:` with nothing after it).
fn is_path_list(doc: &Document, value: NodeId) -> bool {
    doc.is_null(value)
        || (doc.is_sequence(value)
            && doc
                .items(value)
                .iter()
                .all(|&item| doc.scalar(item).is_some()))
}

fn references(doc: &Document, root: NodeId, key: &str, list: ReferenceList) -> Vec<Reference> {
    let Some(sequence) = doc.get(root, key) else {
        return Vec::new();
    };
    doc.items(sequence)
        .iter()
        .filter_map(|&item| {
            let path = doc.scalar(item)?.trim();
            (!path.is_empty()).then(|| Reference {
                path: path.to_owned(),
                range: doc.node(item).span.clone(),
                list,
            })
        })
        .collect()
}

/// The mapping entries of an `images:` list (kustomize and Flux share the field names).
/// Items that are not mappings are skipped; a field that is not a scalar counts as unset.
pub(crate) fn images_entries(doc: &Document, list: NodeId) -> Vec<ImagesEntry> {
    doc.items(list)
        .iter()
        .filter(|&&item| doc.is_mapping(item))
        .map(|&item| {
            let mut image = ImageOverride::default();
            let mut fields = ImagesEntryFields::default();
            for entry in doc.entries(item) {
                let (Some(key), Some(value)) = (doc.scalar(entry.key), doc.scalar(entry.value))
                else {
                    continue;
                };
                let (slot, range) = match key {
                    "name" => (&mut image.name, &mut fields.name),
                    "newName" => (&mut image.new_name, &mut fields.new_name),
                    "newTag" => (&mut image.new_tag, &mut fields.new_tag),
                    "digest" => (&mut image.digest, &mut fields.digest),
                    "tagSuffix" => (&mut image.tag_suffix, &mut fields.tag_suffix),
                    _ => continue,
                };
                *slot = if doc.is_null(entry.value) {
                    String::new()
                } else {
                    value.to_owned()
                };
                *range = Some(FieldRange {
                    key: doc.node(entry.key).span.clone(),
                    value: doc.node(entry.value).span.clone(),
                });
            }
            ImagesEntry {
                image,
                range: doc.node(item).span.clone(),
                fields,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
  - extra.yaml
bases: [../legacy]
components:
  - ../../components/registry
images:
  - name: nginx
    newTag: \"1.27\"
  - name: app
    newName: registry.local/app
    digest: sha256:abc
    tagSuffix: ~
  - not-a-mapping
";

    #[test]
    fn reads_references_and_images_with_ranges() {
        let k = Kustomization::parse(&YamlFile::parse(TEXT)).expect("a mapping");
        assert!(!k.is_component);
        let paths: Vec<_> = k.resources.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["../../base", "extra.yaml", "../legacy"]);
        assert_eq!(k.resources[2].list, ReferenceList::Bases);
        assert_eq!(
            &TEXT[k.components[0].range.clone()],
            "../../components/registry"
        );
        assert_eq!(k.images.len(), 2);
        assert_eq!(k.images[0].image.new_tag, "1.27");
        let new_tag = k.images[0].fields.new_tag.as_ref().unwrap();
        assert_eq!(&TEXT[new_tag.key.clone()], "newTag");
        assert_eq!(&TEXT[new_tag.value.clone()], "\"1.27\"");
        assert_eq!(k.images[1].image.digest, "sha256:abc");
        assert_eq!(k.images[1].image.tag_suffix, "");
        assert!(k.images[1].fields.tag_suffix.is_some());
        assert!(TEXT[k.images[1].range.clone()].starts_with("name: app"));
    }

    #[test]
    fn path_lists_that_are_not_lists_are_unmodelled() {
        let unmodelled = |text: &str| {
            Kustomization::parse(&YamlFile::parse(text))
                .expect("a mapping")
                .unmodelled_field
        };
        assert_eq!(unmodelled("resources: ../base\n"), Some("resources"));
        assert_eq!(unmodelled("resources: {a: ../base}\n"), Some("resources"));
        assert_eq!(unmodelled("resources: [[../base]]\n"), Some("resources"));
        assert_eq!(unmodelled("bases: [{path: x}]\n"), Some("bases"));
        assert_eq!(unmodelled("components: 3\n"), Some("components"));
        // A field kustomize does not follow comes first.
        assert_eq!(unmodelled("resources: x\npatches: []\n"), Some("patches"));
        assert_eq!(unmodelled("resources:\ncomponents: [a, '', ~]\n"), None);
        assert_eq!(unmodelled("resources: &r [a]\nbases: *r\n"), None);
    }

    #[test]
    fn components_and_non_mappings() {
        let k = Kustomization::parse(&YamlFile::parse("kind: Component\nimages: 3\n")).unwrap();
        assert!(k.is_component && k.images.is_empty());
        assert!(Kustomization::parse(&YamlFile::parse("- a\n")).is_none());
        assert!(Kustomization::parse(&YamlFile::parse("")).is_none());
    }
}
