//! The front half of the pipeline as salsa queries: parse, item index, per-declaration ASTs.
//!
//! Every later query reads declarations through `decl_of`, whose result is backdated when
//! a re-parse leaves that declaration unchanged, so an edit re-runs only what reads it.

use std::sync::Arc;

use indexmap::{IndexMap, IndexSet};

use crate::db::{module_name, Db, Lab, SourceFile};
use crate::diag::codes;
use crate::diag::{did_you_mean, Diag};
use crate::syntax::ast::{Decl, DeclKind, FileAst, Span, Stmt, Use};

/// The parse of one file, with its syntax errors as data.
///
/// No query that a cycle of component headers can reach may accumulate diagnostics:
/// salsa panics when the dependencies of a cycle it resolved accumulated any. So the
/// queries on that path (`parse_checked`, `item_index`, and the declaration facts in
/// `sema::facts`) return their diagnostics, and `compile::compile` reports them.
#[salsa::tracked(returns(ref), lru = 0)]
pub fn parse_checked(db: &dyn Db, file: SourceFile) -> Arc<(FileAst, Vec<Diag>)> {
    if file.path(db).starts_with("std/") {
        return stdlib_parse(db, file).clone();
    }
    Arc::new(parse_file(db, file))
}

/// The parse of a stdlib file, shared with its `parse_checked`. A query of its own, which
/// a lean build never drops (see `set_lean`): every cluster's components read the
/// stdlib's definitions, so dropping its trees would parse them again for each cluster.
#[salsa::tracked(returns(ref))]
fn stdlib_parse(db: &dyn Db, file: SourceFile) -> Arc<(FileAst, Vec<Diag>)> {
    Arc::new(parse_file(db, file))
}

/// Parse `file`, its syntax errors as diagnostics.
fn parse_file(db: &dyn Db, file: SourceFile) -> (FileAst, Vec<Diag>) {
    let (ast, errors) = crate::syntax::parse::parse_file(file.text(db));
    let diags = errors
        .into_iter()
        .map(|e| {
            let mut diag = Diag::error(e.code, file, e.span, e.message)
                .label(e.label)
                .help_opt(e.help);
            if let Some(text) = e.fix {
                let title = format!("Replace with {text}");
                diag = diag.fix(crate::diag::Fix::replace(title, file, e.span, text));
            }
            match e.secondary {
                Some((span, label)) => diag.secondary(file, span, label),
                None => diag,
            }
        })
        .collect();
    (ast, diags)
}

/// Whether `file` has syntax errors. A query of its own, so that what only asks this
/// (a check skipped while its file does not parse) is not run again for every edit of
/// the file: the answer stays the same, and salsa backdates it.
#[salsa::tracked(returns(copy))]
pub fn has_syntax_errors(db: &dyn Db, file: SourceFile) -> bool {
    !parse_checked(db, file).1.is_empty()
}

/// The syntax errors of `file` (E01xx), a query of its own for the same reason as
/// `has_syntax_errors`: with the spans of a clean file unchanged, an edit leaves it equal.
#[salsa::tracked(returns(ref))]
pub fn syntax_errors(db: &dyn Db, file: SourceFile) -> Vec<Diag> {
    parse_checked(db, file).1.clone()
}

/// The positions of the definitions (operators, templates, types) among the declarations
/// of `file`: what `compile` checks of every file, without reading its whole syntax tree.
#[salsa::tracked(returns(ref))]
pub fn definition_positions(db: &dyn Db, file: SourceFile) -> Vec<u32> {
    (parse(db, file).decls.iter().enumerate())
        .filter(|(_, d)| d.kind.is_definition())
        .map(|(i, _)| i as u32)
        .collect()
}

/// The syntax tree of one file (its errors are in `parse_checked`).
pub fn parse(db: &dyn Db, file: SourceFile) -> &FileAst {
    &parse_checked(db, file).0
}

/// Where a declaration is: its file, position in the file, kind, name and module.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ItemRef {
    pub file: SourceFile,
    pub index: u32,
    pub kind: DeclKind,
    pub name: String,
    pub name_span: Span,
    pub module: String,
    /// `on` clusters of components and pools.
    pub on: Vec<String>,
}

/// Every declaration of the lab (stdlib included), by category.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ItemIndex {
    pub labs: Vec<ItemRef>,
    pub clusters: IndexMap<String, ItemRef>,
    pub pools: IndexMap<String, ItemRef>,
    /// module -> name -> definition (types, operators, templates).
    pub definitions: IndexMap<String, IndexMap<String, ItemRef>>,
    /// Components (installs, instances, tenants) in file order.
    pub components: Vec<ItemRef>,
    /// Component name -> positions in `components` (a name may be placed on several
    /// clusters by several declarations). Name lookups run for every variable.
    pub component_names: IndexMap<String, Vec<usize>>,
    /// Namespace declarations (`namespace media on apps { ... }`), in file order.
    pub namespaces: Vec<ItemRef>,
    /// Every module name, and the modules each module uses.
    pub uses: IndexMap<String, IndexSet<String>>,
    /// Capability kinds named by some `provides` (valid as types).
    pub capability_kinds: IndexSet<String>,
    /// What is wrong with the declarations as a whole (E0202, E0203), reported by
    /// `compile::compile` (see `parse_checked` for why not here).
    pub diags: Vec<Diag>,
}

impl ItemIndex {
    /// Look a definition up from `module`: its own module first, then the modules it uses.
    pub fn definition(&self, module: &str, name: &str) -> Option<&ItemRef> {
        if let Some(d) = self.definitions.get(module).and_then(|m| m.get(name)) {
            return Some(d);
        }
        self.uses
            .get(module)?
            .iter()
            .find_map(|u| self.definitions.get(u).and_then(|m| m.get(name)))
    }

    /// A definition with this name in a module that `module` does not use.
    pub fn definition_elsewhere(&self, name: &str) -> Option<&ItemRef> {
        self.definitions.values().find_map(|m| m.get(name))
    }

    /// All names a definition lookup from `module` could have meant.
    pub fn visible_definitions<'a>(
        &'a self,
        module: &'a str,
    ) -> impl Iterator<Item = &'a str> + 'a {
        let own = self.definitions.get(module).into_iter();
        let used = self
            .uses
            .get(module)
            .into_iter()
            .flat_map(|u| u.iter())
            .filter_map(|u| self.definitions.get(u));
        own.chain(used).flat_map(|m| m.keys().map(String::as_str))
    }

    /// Whether some component has this name.
    pub fn is_component(&self, name: &str) -> bool {
        self.component_names.contains_key(name)
    }

    /// The component declarations with this name.
    pub fn components_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a ItemRef> + 'a {
        self.component_names
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.components[i])
    }

    /// Components placed on `cluster`.
    pub fn components_on<'a>(&'a self, cluster: &'a str) -> impl Iterator<Item = &'a ItemRef> + 'a {
        self.components
            .iter()
            .filter(move |c| c.on.iter().any(|o| o == cluster))
    }
}

fn collect_capabilities(stmts: &[Stmt], out: &mut IndexSet<String>) {
    for s in stmts {
        match s {
            Stmt::Provides { capability, .. } => {
                out.insert(capability.text.clone());
            }
            Stmt::For { body, .. } => collect_capabilities(body, out),
            Stmt::If {
                then, otherwise, ..
            } => {
                collect_capabilities(then, out);
                collect_capabilities(otherwise, out);
            }
            _ => {}
        }
    }
}

/// What one file contributes to the item index: its `use` lines, its declarations (as
/// `ItemRef`s) and the capability kinds its `provides` name.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FileItems {
    pub uses: Vec<Use>,
    pub items: Vec<ItemRef>,
    pub capability_kinds: IndexSet<String>,
}

/// The `FileItems` of one file. A query per file: an edit that leaves the file's names,
/// `on` lists and uses as they were (spans are relative to their declaration) leaves it
/// equal, so `item_index` is not built again.
#[salsa::tracked(returns(ref))]
pub fn file_items(db: &dyn Db, file: SourceFile) -> FileItems {
    let module = module_name(file.path(db));
    let ast = parse(db, file);
    let mut out = FileItems {
        uses: ast.uses.clone(),
        ..FileItems::default()
    };
    for (i, decl) in ast.decls.iter().enumerate() {
        out.items.push(ItemRef {
            file,
            index: i as u32,
            kind: decl.kind,
            name: decl.name.text.clone(),
            name_span: decl.name.span,
            module: module.clone(),
            on: decl.on.iter().map(|o| o.text.clone()).collect(),
        });
        collect_capabilities(&decl.body, &mut out.capability_kinds);
    }
    out
}

/// Build the index of all declarations from every file's `file_items`, and report
/// duplicates and unknown modules.
#[salsa::tracked(returns(ref))]
pub fn item_index(db: &dyn Db, lab: Lab) -> ItemIndex {
    let mut index = ItemIndex::default();
    let mut duplicates: Vec<(ItemRef, ItemRef)> = Vec::new();
    for &file in lab.files(db) {
        let module = module_name(file.path(db));
        index.uses.entry(module.clone()).or_default();
        index.definitions.entry(module.clone()).or_default();
    }
    for &file in lab.files(db) {
        let module = module_name(file.path(db));
        let items = file_items(db, file);
        add_uses(&mut index, file, &module, &items.uses);
        index
            .capability_kinds
            .extend(items.capability_kinds.iter().cloned());
        for item in &items.items {
            add_item(&mut index, item.clone(), &mut duplicates);
        }
    }
    for (first, second) in duplicates {
        index.diags.push(duplicate_diag(&first, &second));
    }
    index
}

/// The modules `file` (of `module`) uses, into `index.uses`; E0203 for one that is not
/// a module of the lab.
fn add_uses(index: &mut ItemIndex, file: SourceFile, module: &str, uses: &[Use]) {
    for u in uses {
        if index.uses.contains_key(&u.path.text) {
            index
                .uses
                .get_mut(module)
                .expect("module registered")
                .insert(u.path.text.clone());
        } else {
            let known: Vec<&str> = index.uses.keys().map(String::as_str).collect();
            let d = Diag::error(
                codes::E0203,
                file,
                u.path.span,
                format!("there is no module `{}`", u.path.text),
            )
            .label("unknown module")
            .help_opt(did_you_mean(&u.path.text, known))
            .fix_suggested();
            index.diags.push(d);
        }
    }
}

/// A declaration into its category of the index; one whose name is taken goes into
/// `duplicates`, after the declaration that took it.
fn add_item(index: &mut ItemIndex, item: ItemRef, duplicates: &mut Vec<(ItemRef, ItemRef)>) {
    let slot = match item.kind {
        DeclKind::Lab => {
            if let Some(first) = index.labs.first() {
                duplicates.push((first.clone(), item.clone()));
            }
            index.labs.push(item);
            return;
        }
        DeclKind::Cluster => index.clusters.entry(item.name.clone()),
        DeclKind::Pool => index.pools.entry(item.name.clone()),
        DeclKind::Type | DeclKind::Operator | DeclKind::Template => index
            .definitions
            .get_mut(&item.module)
            .expect("module registered")
            .entry(item.name.clone()),
        DeclKind::Install | DeclKind::Instance | DeclKind::Tenant => {
            return add_component(index, item, duplicates)
        }
        DeclKind::Namespace => return add_namespace(index, item),
        // Pins are read by `sema::pins`; several blocks may pin different definitions.
        DeclKind::Pins => return,
    };
    match slot {
        indexmap::map::Entry::Occupied(e) => duplicates.push((e.get().clone(), item)),
        indexmap::map::Entry::Vacant(v) => {
            v.insert(item);
        }
    }
}

/// A component into the index. Components must be unique per cluster, not globally.
/// Only the earlier components of the same name are compared (a scan of all components
/// here made the index quadratic in their number).
fn add_component(index: &mut ItemIndex, item: ItemRef, duplicates: &mut Vec<(ItemRef, ItemRef)>) {
    let same_name = index.component_names.get(&item.name).into_iter().flatten();
    for &j in same_name {
        let other = &index.components[j];
        if other.on.iter().any(|o| item.on.contains(o)) {
            duplicates.push((other.clone(), item.clone()));
        }
    }
    index
        .component_names
        .entry(item.name.clone())
        .or_default()
        .push(index.components.len());
    index.components.push(item);
}

/// A namespace declaration into the index; E0215 for a cluster it names that an earlier
/// declaration of the same namespace already names (or that it names twice itself).
fn add_namespace(index: &mut ItemIndex, item: ItemRef) {
    for (i, cluster) in item.on.iter().enumerate() {
        let earlier = index
            .namespaces
            .iter()
            .find(|n| n.name == item.name && n.on.contains(cluster))
            .map(|n| (n.file, n.name_span));
        let repeated = item.on[..i].contains(cluster);
        if earlier.is_none() && !repeated {
            continue;
        }
        let d = Diag::error(
            codes::E0215,
            item.file,
            item.name_span,
            format!(
                "namespace `{}` is declared twice on cluster `{cluster}`",
                item.name
            ),
        )
        .label("declared again here")
        .help(format!(
            "keep one declaration of `{}` on `{cluster}` and put its labels and annotations together there",
            item.name
        ));
        let d = match earlier {
            Some((file, span)) => d.secondary(file, span, "first declared here"),
            None => d.note(format!("`{cluster}` is named twice after `on`")),
        };
        index.diags.push(d);
    }
    index.namespaces.push(item);
}

/// E0202: `second` is declared with the name of `first`.
fn duplicate_diag(first: &ItemRef, second: &ItemRef) -> Diag {
    let what = second.kind.keyword();
    Diag::error(
        codes::E0202,
        second.file,
        second.name_span,
        format!("{what} `{}` is declared twice", second.name),
    )
    .label("declared again here")
    .secondary(first.file, first.name_span, "first declared here")
    .help("rename one of them or remove the duplicate")
}

/// One declaration, by file and position.
#[salsa::interned(debug)]
pub struct DeclKey<'db> {
    pub file: SourceFile,
    pub index: u32,
}

/// The AST of one declaration. Backdated when a re-parse leaves it equal, so queries
/// that read it do not re-run.
#[salsa::tracked(returns(ref), lru = 0)]
pub fn decl_of<'db>(db: &'db dyn Db, key: DeclKey<'db>) -> Option<Decl> {
    parse(db, *key.file(db))
        .decls
        .get(*key.index(db) as usize)
        .cloned()
}

/// Make the memos of syntax trees (`parse_checked`) and of declarations' copies
/// (`decl_of`) droppable, or keep them all (the default); see `lower::set_lean`. What
/// stays after an eviction is the last used: a few steps' trees (the lean build runs the
/// per-file queries `LEAN_FILES` at a time), so that a file every cluster reads (the one
/// declaring the clusters) stays parsed, and enough declarations for the definitions
/// every cluster's components read, so none is copied again for each cluster. The
/// stdlib's trees are never dropped (`stdlib_parse`).
pub fn set_lean(db: &mut dyn Db, lean: bool) {
    parse_checked::set_lru_capacity(db, if lean { 256 } else { 0 });
    decl_of::set_lru_capacity(db, if lean { 2048 } else { 0 });
}

/// How many files the lean build runs the per-file queries of between two evictions.
pub const LEAN_FILES: usize = 64;

/// The head of a declaration: the definition it names (`install x`, `instance y = x`) and
/// the clusters after `on`, as written (with their spans).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DeclHead {
    pub definition: Option<crate::syntax::ast::Ident>,
    pub on: Vec<crate::syntax::ast::Ident>,
}

/// The `DeclHead` of one declaration. A query of its own, so that the whole-lab checks
/// that read only this (E0414) are not run again for an edit of the declaration's body.
#[salsa::tracked(returns(ref))]
pub fn decl_head<'db>(db: &'db dyn Db, key: DeclKey<'db>) -> DeclHead {
    decl_of(db, key)
        .as_ref()
        .map(|d| DeclHead {
            definition: d.definition.clone(),
            on: d.on.clone(),
        })
        .unwrap_or_default()
}

/// `span` of `file` as an absolute byte range: spans inside a declaration are relative
/// to its start (see `diag::span`), and only this needs the file's declaration offsets.
pub fn absolute(db: &dyn Db, file: SourceFile, span: Span) -> Span {
    if span.is_absolute() {
        return span;
    }
    span.absolute(&parse(db, file).decl_starts)
}

/// Convenience: the declaration an index entry points at.
pub fn decl<'db>(db: &'db dyn Db, item: &ItemRef) -> &'db Decl {
    let key = DeclKey::new(db, item.file, item.index);
    decl_of(db, key)
        .as_ref()
        .expect("index entries point at parsed declarations")
}

/// What an evaluation reads of the index (`Evaluator::index`): clusters, pools, the
/// definitions and uses of the modules that declare definitions, and capability kinds.
///
/// Not the components, and not the modules that declare none (a tenant file's): every
/// component evaluation reads this, so it must stay equal when a tenant file is added,
/// removed or edited. Then salsa backdates it and no other component is evaluated again.
/// Components are looked up by name (`components_named`) and the uses of other modules
/// by module (`module_uses`), each a query of its own that compares equal unless that
/// name or module changed.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DeclIndex {
    pub labs: Vec<ItemRef>,
    pub clusters: IndexMap<String, ItemRef>,
    pub pools: IndexMap<String, ItemRef>,
    /// module -> name -> definition, for modules that declare at least one.
    pub definitions: IndexMap<String, IndexMap<String, ItemRef>>,
    /// The modules each module of `definitions` uses.
    pub uses: IndexMap<String, IndexSet<String>>,
    pub capability_kinds: IndexSet<String>,
}

impl DeclIndex {
    /// Look a definition up from `module`, which uses `uses`: its own module first, then
    /// the modules it uses.
    pub fn definition_with(
        &self,
        module: &str,
        uses: &IndexSet<String>,
        name: &str,
    ) -> Option<&ItemRef> {
        if let Some(d) = self.definitions.get(module).and_then(|m| m.get(name)) {
            return Some(d);
        }
        uses.iter()
            .find_map(|u| self.definitions.get(u).and_then(|m| m.get(name)))
    }

    /// A definition with this name in any module.
    pub fn definition_elsewhere(&self, name: &str) -> Option<&ItemRef> {
        self.definitions.values().find_map(|m| m.get(name))
    }

    /// All names a definition lookup from `module` (using `uses`) could have meant.
    pub fn visible_definitions_with<'a>(
        &'a self,
        module: &'a str,
        uses: &'a IndexSet<String>,
    ) -> impl Iterator<Item = &'a str> + 'a {
        let own = self.definitions.get(module).into_iter();
        let used = uses.iter().filter_map(|u| self.definitions.get(u));
        own.chain(used).flat_map(|m| m.keys().map(String::as_str))
    }
}

/// The part of `item_index` that evaluations read (see `DeclIndex`).
#[salsa::tracked(returns(ref))]
pub fn decl_index(db: &dyn Db, lab: Lab) -> DeclIndex {
    let index = item_index(db, lab);
    let definitions: IndexMap<String, IndexMap<String, ItemRef>> = index
        .definitions
        .iter()
        .filter(|(_, defs)| !defs.is_empty())
        .map(|(m, defs)| (m.clone(), defs.clone()))
        .collect();
    let uses = definitions
        .keys()
        .map(|m| (m.clone(), index.uses.get(m).cloned().unwrap_or_default()))
        .collect();
    DeclIndex {
        labs: index.labs.clone(),
        clusters: index.clusters.clone(),
        pools: index.pools.clone(),
        definitions,
        uses,
        capability_kinds: index.capability_kinds.clone(),
    }
}

/// The modules `module` uses (empty for a module of no file). A query per module, so
/// that a new file changes only its own.
#[salsa::tracked(returns(ref))]
pub fn module_uses(db: &dyn Db, lab: Lab, module: String) -> IndexSet<String> {
    item_index(db, lab)
        .uses
        .get(&module)
        .cloned()
        .unwrap_or_default()
}

/// Whether `module` is a module of the lab (a file's), with or without definitions.
#[salsa::tracked(returns(copy))]
pub fn is_module(db: &dyn Db, lab: Lab, module: String) -> bool {
    item_index(db, lab).uses.contains_key(&module)
}

/// The component declarations named `name`, in file order. A query per name, so that a
/// new component changes only the lookups of its own name.
#[salsa::tracked(returns(ref))]
pub fn components_named(db: &dyn Db, lab: Lab, name: String) -> Vec<ItemRef> {
    item_index(db, lab)
        .components_named(&name)
        .cloned()
        .collect()
}

/// The component declarations placed on `cluster`, in file order. A query per cluster,
/// so that a tenant added on one cluster leaves the others' lowering untouched.
#[salsa::tracked(returns(ref))]
pub fn component_items_on(db: &dyn Db, lab: Lab, cluster: String) -> Vec<ItemRef> {
    item_index(db, lab)
        .components_on(&cluster)
        .cloned()
        .collect()
}

/// Whether some component is placed on a cluster the lab does not declare (E0201). A
/// query of its own: what reads it (every cluster's namespaces) stays equal when a
/// tenant file on a known cluster is added or removed.
#[salsa::tracked(returns(copy))]
pub fn components_misplaced(db: &dyn Db, lab: Lab) -> bool {
    let index = item_index(db, lab);
    index
        .components
        .iter()
        .any(|c| c.on.iter().any(|o| !index.clusters.contains_key(o)))
}

/// The edit that adds `use module` to `file`: after its last `use` line, else as a line of
/// its own at the top (a quick fix's edit; `use` spans are absolute).
pub fn add_use(db: &dyn Db, file: SourceFile, module: &str) -> crate::diag::Edit {
    let (at, text) = match parse(db, file).uses.last() {
        Some(last) => (last.path.span.end as usize, format!("\nuse {module}")),
        None => (0, format!("use {module}\n")),
    };
    crate::diag::Edit {
        file,
        span: Span::new(at, at),
        text,
    }
}
