//! `cargo dev deps`: the import loops between the files of each crate.
//!
//! A file depends on the file that *defines* what it names: paths through `use` items and in
//! code (`crate::`, `super::`, `self::`, child modules) are followed through the module tree
//! and through re-exports (`pub use`) to the defining file, so a facade `mod.rs` that only
//! re-exports takes part in no loop. An inherent `impl` of a type defined in another file
//! counts as a dependency of the type's file on the impl's file too: the type's methods live
//! there, and method calls name no path a syntactic walk could follow. Test code
//! (`#[cfg(test)]` items) may use any part of the crate and is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The crates whose files must not form loops, by their root files.
pub const CRATE_ROOTS: [&str; 4] = [
    "server/analysis/src/lib.rs",
    "server/lsp/src/lib.rs",
    "server/cli/src/main.rs",
    "server/dev/src/lib.rs",
];

/// A set of files of one crate that all reach each other through their dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLoop {
    /// Paths relative to the crate's `src/`, sorted.
    pub files: Vec<String>,
    /// The dependencies between them: each file and the files of the loop it depends on.
    pub edges: Vec<(String, Vec<String>)>,
}

impl fmt::Display for ImportLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.files.join(" <-> "))?;
        for (from, to) in &self.edges {
            write!(f, "\n  {from} -> {}", to.join(", "))?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub struct DepsError(pub String);

impl fmt::Display for DepsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One module of the crate: the file it lives in and what that file declares.
struct Module {
    file: usize,
    children: BTreeMap<String, usize>,
    parent: Option<usize>,
    /// Names of items defined in the module's file (types, functions, constants, …).
    items: BTreeSet<String>,
    /// `pub use` re-exports: the exported name and the path it stands for.
    reexports: Vec<(String, Vec<String>)>,
    /// `pub use path::*`.
    glob_reexports: Vec<Vec<String>>,
}

/// The module graph of one crate and its file dependencies.
pub struct CrateGraph {
    src: PathBuf,
    files: Vec<PathBuf>,
    modules: Vec<Module>,
    edges: BTreeSet<(usize, usize)>,
}

impl CrateGraph {
    /// Reads the crate whose root file is `root` (its `lib.rs` or `main.rs`).
    pub fn read(root: &Path) -> Result<CrateGraph, DepsError> {
        let src = root
            .parent()
            .ok_or_else(|| DepsError(format!("{}: no parent folder", root.display())))?
            .to_path_buf();
        let mut graph = CrateGraph {
            src,
            files: Vec::new(),
            modules: Vec::new(),
            edges: BTreeSet::new(),
        };
        let mut parsed = Vec::new();
        graph.load_module(root, None, true, &mut parsed)?;
        for (module, ast) in &parsed {
            let mut visitor = References {
                graph: &graph,
                module: *module,
                imports: private_imports(&ast.items),
                inline_depth: 0,
                found: Vec::new(),
                extended: Vec::new(),
            };
            visitor.visit_file(ast);
            let (found, extended) = (visitor.found, visitor.extended);
            let here = graph.modules[*module].file;
            let edges = found.into_iter().map(|to| (here, to));
            let reverse = extended.into_iter().flat_map(|to| [(here, to), (to, here)]);
            graph
                .edges
                .extend(edges.chain(reverse).filter(|(from, to)| from != to));
        }
        Ok(graph)
    }

    /// Parses `path` as module `parent::name` (or the crate root), then its `mod x;` children.
    fn load_module(
        &mut self,
        path: &Path,
        parent: Option<(usize, String)>,
        owns_folder: bool,
        parsed: &mut Vec<(usize, syn::File)>,
    ) -> Result<usize, DepsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| DepsError(format!("{}: {error}", path.display())))?;
        let ast = syn::parse_file(&text)
            .map_err(|error| DepsError(format!("{}: {error}", path.display())))?;
        let file = self.files.len();
        self.files.push(path.to_path_buf());
        let module = self.modules.len();
        self.modules.push(Module {
            file,
            children: BTreeMap::new(),
            parent: parent.as_ref().map(|(parent, _)| *parent),
            items: BTreeSet::new(),
            reexports: Vec::new(),
            glob_reexports: Vec::new(),
        });
        if let Some((parent, name)) = parent {
            self.modules[parent].children.insert(name, module);
        }
        // Children of `a.rs` live in `a/`, of `a/mod.rs` (and the root) beside it.
        let folder = if owns_folder {
            path.parent().map(Path::to_path_buf)
        } else {
            path.file_stem()
                .map(|stem| path.with_file_name(stem))
                .filter(|_| path.parent().is_some())
        }
        .ok_or_else(|| DepsError(format!("{}: no folder", path.display())))?;
        self.declare_items(module, &ast.items, &folder, parsed)?;
        parsed.push((module, ast));
        Ok(module)
    }

    fn declare_items(
        &mut self,
        module: usize,
        items: &[syn::Item],
        folder: &Path,
        parsed: &mut Vec<(usize, syn::File)>,
    ) -> Result<(), DepsError> {
        for item in items {
            let name = match item {
                syn::Item::Mod(declared) if declared.content.is_none() => {
                    let name = declared.ident.to_string();
                    let flat = folder.join(format!("{name}.rs"));
                    let (path, owns_folder) = if flat.exists() {
                        (flat, false)
                    } else {
                        (folder.join(&name).join("mod.rs"), true)
                    };
                    self.load_module(&path, Some((module, name)), owns_folder, parsed)?;
                    continue;
                }
                syn::Item::Use(used) if !matches!(used.vis, syn::Visibility::Inherited) => {
                    let mut leaves = Vec::new();
                    use_leaves(&used.tree, &mut Vec::new(), &mut leaves);
                    for leaf in leaves {
                        match leaf {
                            UseLeaf::Name { path, name } => {
                                self.modules[module].reexports.push((name, path))
                            }
                            UseLeaf::Glob(path) => self.modules[module].glob_reexports.push(path),
                        }
                    }
                    continue;
                }
                syn::Item::Mod(inline) => Some(&inline.ident),
                syn::Item::Struct(item) => Some(&item.ident),
                syn::Item::Enum(item) => Some(&item.ident),
                syn::Item::Union(item) => Some(&item.ident),
                syn::Item::Fn(item) => Some(&item.sig.ident),
                syn::Item::Const(item) => Some(&item.ident),
                syn::Item::Static(item) => Some(&item.ident),
                syn::Item::Trait(item) => Some(&item.ident),
                syn::Item::Type(item) => Some(&item.ident),
                syn::Item::Macro(item) => item.ident.as_ref(),
                _ => None,
            };
            if let Some(name) = name {
                self.modules[module].items.insert(name.to_string());
            }
        }
        Ok(())
    }

    /// The file that defines what `path` names, read from `module`; `None` for names outside
    /// the crate.
    fn resolve(&self, module: usize, path: &[String]) -> Option<usize> {
        let (start, rest) = match path.first().map(String::as_str)? {
            "crate" => (0, &path[1..]),
            "self" => (module, &path[1..]),
            "super" => {
                let mut at = module;
                let mut rest = path;
                while rest.first().map(String::as_str) == Some("super") {
                    at = self.modules[at].parent?;
                    rest = &rest[1..];
                }
                (at, rest)
            }
            first if self.modules[module].children.contains_key(first) => (module, path),
            _ => return None,
        };
        Some(self.resolve_from(start, rest, 0))
    }

    fn resolve_from(&self, module: usize, path: &[String], depth: usize) -> usize {
        let here = &self.modules[module];
        let Some(first) = path.first() else {
            return here.file;
        };
        if let Some(&child) = here.children.get(first) {
            return self.resolve_from(child, &path[1..], depth);
        }
        if here.items.contains(first) || depth > 16 {
            return here.file;
        }
        let reexported = here
            .reexports
            .iter()
            .find(|(name, _)| name == first)
            .and_then(|(_, target)| self.resolve(module, target))
            .or_else(|| {
                here.glob_reexports.iter().find_map(|glob| {
                    let mut target = glob.clone();
                    target.push(first.clone());
                    let found = self.resolve(module, &target)?;
                    (found != here.file).then_some(found)
                })
            });
        reexported.unwrap_or(here.file)
    }

    /// The loops: sets of two or more files that reach each other (Tarjan's algorithm).
    pub fn loops(&self) -> Vec<ImportLoop> {
        let count = self.files.len();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); count];
        for &(from, to) in &self.edges {
            next[from].push(to);
        }
        let mut finder = Components {
            next: &next,
            index: vec![None; count],
            low: vec![0; count],
            on_stack: vec![false; count],
            stack: Vec::new(),
            counter: 0,
            found: Vec::new(),
        };
        for file in 0..count {
            if finder.index[file].is_none() {
                finder.visit(file);
            }
        }
        let mut loops: Vec<ImportLoop> = finder
            .found
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let mut files: Vec<String> =
                    component.iter().map(|&file| self.relative(file)).collect();
                files.sort();
                let mut edges: Vec<(String, Vec<String>)> = component
                    .iter()
                    .map(|&from| {
                        let mut to: Vec<String> = next[from]
                            .iter()
                            .filter(|to| component.contains(to))
                            .map(|&to| self.relative(to))
                            .collect();
                        to.sort();
                        (self.relative(from), to)
                    })
                    .collect();
                edges.sort();
                ImportLoop { files, edges }
            })
            .collect();
        loops.sort_by(|a, b| a.files.cmp(&b.files));
        loops
    }

    fn relative(&self, file: usize) -> String {
        let path = &self.files[file];
        path.strip_prefix(&self.src)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }
}

struct Components<'a> {
    next: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    counter: usize,
    found: Vec<Vec<usize>>,
}

impl Components<'_> {
    // Recursion depth is bounded by the number of files of one crate (a few hundred).
    fn visit(&mut self, file: usize) {
        self.index[file] = Some(self.counter);
        self.low[file] = self.counter;
        self.counter += 1;
        self.stack.push(file);
        self.on_stack[file] = true;
        for &to in &self.next[file] {
            match self.index[to] {
                None => {
                    self.visit(to);
                    self.low[file] = self.low[file].min(self.low[to]);
                }
                Some(index) if self.on_stack[to] => self.low[file] = self.low[file].min(index),
                Some(_) => {}
            }
        }
        if Some(self.low[file]) == self.index[file] {
            let mut component = Vec::new();
            while let Some(top) = self.stack.pop() {
                self.on_stack[top] = false;
                component.push(top);
                if top == file {
                    break;
                }
            }
            self.found.push(component);
        }
    }
}

/// Whether `item` carries `#[cfg(test)]`.
fn is_test_only(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Enum(item) => &item.attrs,
        _ => return false,
    };
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

/// The names the file's own (not re-exported) `use` items bring in.
fn private_imports(items: &[syn::Item]) -> BTreeMap<String, Vec<String>> {
    let mut imports = BTreeMap::new();
    for item in items {
        if let syn::Item::Use(used) = item {
            if matches!(used.vis, syn::Visibility::Inherited) {
                let mut leaves = Vec::new();
                use_leaves(&used.tree, &mut Vec::new(), &mut leaves);
                for leaf in leaves {
                    if let UseLeaf::Name { path, name } = leaf {
                        imports.insert(name, path);
                    }
                }
            }
        }
    }
    imports
}

enum UseLeaf {
    Name { path: Vec<String>, name: String },
    Glob(Vec<String>),
}

fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, leaves: &mut Vec<UseLeaf>) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            use_leaves(&path.tree, prefix, leaves);
            prefix.pop();
        }
        syn::UseTree::Name(name) => leaves.push(leaf(prefix, &name.ident, &name.ident)),
        syn::UseTree::Rename(rename) => leaves.push(leaf(prefix, &rename.ident, &rename.rename)),
        syn::UseTree::Glob(_) => leaves.push(UseLeaf::Glob(prefix.clone())),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                use_leaves(tree, prefix, leaves);
            }
        }
    }
}

fn leaf(prefix: &[String], ident: &syn::Ident, name: &syn::Ident) -> UseLeaf {
    let mut path = prefix.to_vec();
    // `use a::b::{self}` names the module `a::b` itself.
    if ident != "self" {
        path.push(ident.to_string());
    }
    let name = if name == "self" {
        prefix.last().cloned().unwrap_or_default()
    } else {
        name.to_string()
    };
    UseLeaf::Name { path, name }
}

/// Collects the files one module's file depends on.
struct References<'a> {
    graph: &'a CrateGraph,
    module: usize,
    /// The names this file's own `use` items bring in, and their paths.
    imports: BTreeMap<String, Vec<String>>,
    /// How many inline modules (`mod tests { … }`) the walk is in.
    inline_depth: usize,
    found: Vec<usize>,
    /// Files whose types this file gives inherent methods: they depend on this file.
    extended: Vec<usize>,
}

impl References<'_> {
    fn add(&mut self, path: &[String]) {
        let supers = path
            .iter()
            .take_while(|segment| *segment == "super")
            .count();
        let within_file = supers.min(self.inline_depth);
        let path = if within_file == 0 {
            path.to_vec()
        } else if supers == within_file {
            std::iter::once("self".to_string())
                .chain(path[supers..].iter().cloned())
                .collect()
        } else {
            path[within_file..].to_vec()
        };
        if let Some(file) = self.graph.resolve(self.module, &path) {
            self.found.push(file);
        }
    }
}

impl<'ast> Visit<'ast> for References<'_> {
    fn visit_item_use(&mut self, used: &'ast syn::ItemUse) {
        // A re-export is a facade, not a dependency of the file it sits in.
        if !matches!(used.vis, syn::Visibility::Inherited) {
            return;
        }
        let mut leaves = Vec::new();
        use_leaves(&used.tree, &mut Vec::new(), &mut leaves);
        for leaf in leaves {
            match leaf {
                UseLeaf::Name { path, .. } | UseLeaf::Glob(path) => self.add(&path),
            }
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        self.add(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !is_test_only(item) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        // Inline modules (`mod tests { … }`) are part of this file: their first `super::`
        // steps stay in it.
        if module.content.is_some() {
            self.inline_depth += 1;
            syn::visit::visit_item_mod(self, module);
            self.inline_depth -= 1;
        }
    }

    fn visit_item_impl(&mut self, block: &'ast syn::ItemImpl) {
        if block.trait_.is_none() {
            if let syn::Type::Path(self_type) = &*block.self_ty {
                let segments: Vec<String> = self_type
                    .path
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect();
                let named = match &segments[..] {
                    [bare] => self.imports.get(bare).cloned(),
                    _ => Some(segments),
                };
                if let Some(defined_in) =
                    named.and_then(|path| self.graph.resolve(self.module, &path))
                {
                    self.extended.push(defined_in);
                }
            }
        }
        syn::visit::visit_item_impl(self, block);
    }
}

/// The loops of every crate in [`CRATE_ROOTS`], per crate root.
pub fn workspace_loops(root: &Path) -> Result<Vec<(String, Vec<ImportLoop>)>, DepsError> {
    CRATE_ROOTS
        .iter()
        .map(|crate_root| {
            let graph = CrateGraph::read(&root.join(crate_root))?;
            Ok((crate_root.to_string(), graph.loops()))
        })
        .collect()
}
