//! The driver: runs the whole pipeline for a lab (parse, index, resolve, evaluate, check,
//! lower, emit every cluster) and collects the output files and the diagnostics.

use std::sync::Arc;

use indexmap::{IndexMap, IndexSet};
use salsa::Database as _;

use crate::db::{Db, Lab, LabDb, SourceFile};
use crate::diag::{codes, Diag};
use crate::emit::emit_cluster;
use crate::sema::facts;
use crate::sema::index::{self, item_index};

/// The result of compiling a lab: every output file, relative to the output root.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Output {
    pub files: Files,
}

/// Output files (relative path -> YAML text), in cluster order: each cluster's map as
/// `emit_cluster` made it, shared, not copied. So an edit that re-emits one cluster
/// neither copies nor compares the other clusters' files, and cloning the output (as
/// `labc check` and `build` do) clones one pointer per cluster.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Files {
    clusters: Vec<Arc<IndexMap<String, String>>>,
}

impl Files {
    /// The number of files.
    pub fn len(&self) -> usize {
        self.clusters.iter().map(|c| c.len()).sum()
    }

    /// Whether there is no file.
    pub fn is_empty(&self) -> bool {
        self.clusters.iter().all(|c| c.is_empty())
    }

    /// The text of the file at `path`.
    pub fn get(&self, path: &str) -> Option<&String> {
        self.clusters.iter().find_map(|c| c.get(path))
    }

    /// Whether there is a file at `path`.
    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Every (path, text), in output order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.clusters.iter().flat_map(|c| c.iter())
    }

    /// Every path, in output order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.iter().map(|(k, _)| k)
    }

    /// Every text, in output order.
    pub fn values(&self) -> impl Iterator<Item = &String> {
        self.iter().map(|(_, v)| v)
    }

    /// The files as one map (a copy of every path and text).
    pub fn to_map(&self) -> IndexMap<String, String> {
        self.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl From<IndexMap<String, String>> for Files {
    /// Files given as one map (a tree written by hand, as in tests).
    fn from(files: IndexMap<String, String>) -> Files {
        Files {
            clusters: vec![Arc::new(files)],
        }
    }
}

impl std::ops::Index<&str> for Files {
    type Output = String;
    fn index(&self, path: &str) -> &String {
        self.get(path)
            .unwrap_or_else(|| panic!("no output file {path}"))
    }
}

impl std::ops::Index<&String> for Files {
    type Output = String;
    fn index(&self, path: &String) -> &String {
        &self[path.as_str()]
    }
}

impl<'a> IntoIterator for &'a Files {
    type Item = (&'a String, &'a String);
    type IntoIter = Box<dyn Iterator<Item = (&'a String, &'a String)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Report the diagnostics of the queries that a cycle of component headers can reach,
/// which return theirs instead of accumulating them (see `index::parse_checked`).
fn report_declaration_facts(db: &dyn Db, lab: Lab) {
    let index = item_index(db, lab);
    let mut diags: Vec<&crate::diag::Diag> = index.diags.iter().collect();
    for &f in lab.files(db) {
        diags.extend(index::syntax_errors(db, f));
    }
    if !index.labs.is_empty() {
        diags.extend(&facts::lab_facts_checked(db, lab).1);
    }
    for name in index.clusters.keys() {
        diags.extend(&facts::cluster_facts_checked(db, lab, name.clone()).1);
    }
    for name in index.pools.keys() {
        diags.extend(&facts::pool_value_checked(db, lab, name.clone()).1);
    }
    diags.extend(&crate::sema::namespace_decl::namespace_decls_checked(db, lab).1);
    diags.extend(&crate::sema::pins::lab_pins_checked(db, lab).1);
    diags.extend(crate::sema::pins::unused_pins(db, lab));
    for d in diags {
        d.clone().emit(db);
    }
}

/// Every check of the lab, without emitting YAML: parse, index, resolve, evaluate, the
/// whole-lab checks and each cluster's lowering. `labc check` needs no more, so it never
/// builds the output's bytes. Diagnostics are collected with `check_lab::accumulated`.
#[salsa::tracked(returns(copy))]
pub fn check_lab(db: &dyn Db, lab: Lab) {
    let index = item_index(db, lab);
    report_declaration_facts(db, lab);
    for &f in lab.files(db) {
        for &i in index::definition_positions(db, f) {
            crate::sema::resolve::check_definition(db, lab, index::DeclKey::new(db, f, i));
        }
    }
    for d in crate::sema::lint::warnings(db, lab) {
        d.clone().emit(db);
    }
    facts::lab_value(db, lab);
    crate::lower::lab_checks::lab_checks(db, lab);
    crate::lower::lab_checks::capacity_checks(db, lab);
    for name in index.clusters.keys() {
        crate::lower::cluster_checked(db, lab, name.clone());
    }
}

/// Run the whole pipeline: every check (`check_lab`), then emit every cluster.
/// Diagnostics are collected with `compile::accumulated::<Diag>`.
#[salsa::tracked(returns(ref))]
pub fn compile(db: &dyn Db, lab: Lab) -> Output {
    check_lab(db, lab);
    let clusters = (item_index(db, lab).clusters.keys())
        .map(|name| emit_cluster(db, lab, name.clone()).clone())
        .collect();
    Output {
        files: Files { clusters },
    }
}

/// Compile and return the output with the sorted, de-duplicated diagnostics.
pub fn compile_with_diagnostics(db: &dyn Db, lab: Lab) -> (&Output, Vec<Diag>) {
    let out = compile(db, lab);
    let diags: Vec<Diag> = compile::accumulated::<Diag>(db, lab)
        .into_iter()
        .cloned()
        .collect();
    (out, finish(db, lab, diags))
}

/// Check the lab without building its output: the diagnostics of `compile_with_diagnostics`
/// (emission reports none), sorted and de-duplicated.
pub fn check_with_diagnostics(db: &dyn Db, lab: Lab) -> Vec<Diag> {
    check_lab(db, lab);
    let diags: Vec<Diag> = check_lab::accumulated::<Diag>(db, lab)
        .into_iter()
        .cloned()
        .collect();
    finish(db, lab, diags)
}

/// The accumulated diagnostics as they are shown: without the noise, every label absolute,
/// without what a syntax error explains, sorted and de-duplicated.
fn finish(db: &dyn Db, lab: Lab, diags: Vec<Diag>) -> Vec<Diag> {
    let diags = crate::sema::lint::without_noise(db, lab, diags);
    // Absolute first: the filters and the sort below read the text at a label.
    let diags = diags.into_iter().map(|d| absolute(db, d)).collect();
    let diags = without_lost_declarations(db, diags);
    crate::diag::sort_and_dedup(db, diags)
}

/// The stack of each thread of `build_clusters`, as the binary's compiler thread has
/// (see `main.rs`): only touched pages are committed.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// What `build_clusters` hands each cluster's files (relative path -> YAML text) to.
pub type WriteCluster<'a, E> = dyn Fn(&IndexMap<String, String>) -> Result<(), E> + Sync + 'a;

/// Check the lab and hand each cluster's files to `write` as soon as they are emitted,
/// without keeping them: the lean cold path of `labc build`. `threads` clusters at a time
/// are lowered, emitted and written, each on a thread of its own with a clone of the
/// database; after each such group the values of their evaluations and IR are dropped
/// (`lower::set_lean`), so memory holds about one group's, not the whole output's. The
/// files handed over are those of `compile` (byte for byte, whatever `threads` is), one
/// map per cluster in cluster order; returned are each cluster's paths (in that order) and
/// the diagnostics of `compile_with_diagnostics`. `write` is called for every cluster,
/// errors or not (its files are only written once the caller has seen the diagnostics);
/// its first error stops the build.
pub fn build_clusters<E: Send>(
    db: &mut LabDb,
    lab: Lab,
    threads: usize,
    write: &WriteCluster<'_, E>,
) -> Result<(Vec<Vec<String>>, Vec<Diag>), E> {
    crate::lower::set_lean(db, true);
    index_files(db, lab);
    let clusters: Vec<String> = item_index(db, lab).clusters.keys().cloned().collect();
    let mut paths = Vec::with_capacity(clusters.len());
    for group in clusters.chunks(threads.max(1)) {
        for done in emit_group(db, lab, group, write) {
            paths.push(done?);
        }
        db.trigger_lru_eviction();
    }
    crate::lower::set_lean(db, false);
    Ok((paths, check_with_diagnostics(db, lab)))
}

/// The per-file queries that `item_index` and the whole-lab checks read, run a step of
/// files at a time with the syntax trees dropped after each step: their small results
/// stay, the trees go (a cluster's files are parsed again when its components are
/// evaluated), so the lab's trees are never all in memory.
fn index_files(db: &mut LabDb, lab: Lab) {
    let files = lab.files(db).clone();
    for step in files.chunks(index::LEAN_FILES) {
        for &f in step {
            index::file_items(db, f);
            index::syntax_errors(db, f);
            index::has_syntax_errors(db, f);
            index::definition_positions(db, f);
        }
        db.trigger_lru_eviction();
    }
}

/// What the whole-lab checks read of the files of `cluster`'s components (their
/// warnings, the definitions they name), run while their syntax trees are in memory for
/// the cluster's evaluation.
fn lint_files_of(db: &dyn Db, lab: Lab, cluster: &str) {
    let mut seen: IndexSet<SourceFile> = IndexSet::new();
    for item in index::component_items_on(db, lab, cluster.to_string()) {
        if seen.insert(item.file) {
            crate::sema::lint::file_lint(db, lab, item.file);
            crate::sema::pins::definitions_named_in(db, lab, item.file);
        }
    }
}

/// Check, emit and write the clusters of `group`, each on a thread with a clone of `db`
/// (the first on this one); each cluster's paths, in `group`'s order.
fn emit_group<E: Send>(
    db: &LabDb,
    lab: Lab,
    group: &[String],
    write: &WriteCluster<'_, E>,
) -> Vec<Result<Vec<String>, E>> {
    let one = |db: &LabDb, cluster: &String| {
        crate::lower::cluster_checked(db, lab, cluster.clone());
        lint_files_of(db, lab, cluster);
        let files = crate::emit::cluster_files(db, lab, cluster.clone());
        write(&files).map(|()| files.into_keys().collect())
    };
    let Some((first, rest)) = group.split_first() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = rest
            .iter()
            .map(|cluster| {
                let db = db.clone();
                std::thread::Builder::new()
                    .stack_size(STACK_BYTES)
                    .spawn_scoped(scope, move || one(&db, cluster))
            })
            .collect();
        let mut done = vec![one(db, first)];
        for t in others {
            // A thread that cannot start runs its cluster here; one that panicked
            // passes its panic on, as the sequential build would.
            done.push(match t {
                Ok(t) => t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(_) => one(db, &rest[done.len() - 1]),
            });
        }
        done
    })
}

/// `d` with every label's span absolute in its file. Spans inside a declaration are
/// relative to its start, so that queries of declarations an edit only moved are
/// backdated (see `diag::span`); here, after every query, they get their place.
fn absolute(db: &dyn Db, mut d: Diag) -> Diag {
    for label in std::iter::once(&mut d.primary).chain(&mut d.secondary) {
        label.span = index::absolute(db, label.file, label.span);
    }
    for edit in d.fixes.iter_mut().flat_map(|f| &mut f.edits) {
        edit.span = index::absolute(db, edit.file, edit.span);
    }
    d
}

/// Drop what a syntax error explains: a declaration that does not parse is missing from
/// the lab, so a name unknown elsewhere that its file's text mentions (E0201), and the
/// CRDs and capabilities it may have installed or provided (E0403, E0402), are not
/// mistakes of their own. They are reported once the syntax is fixed, if still wrong.
fn without_lost_declarations(db: &dyn Db, mut diags: Vec<Diag>) -> Vec<Diag> {
    let mut broken: Vec<SourceFile> = Vec::new();
    for d in &diags {
        if d.code.starts_with("E01") && !broken.contains(&d.primary.file) {
            broken.push(d.primary.file);
        }
    }
    if broken.is_empty() {
        return diags;
    }
    let mentioned = |name: &str| broken.iter().any(|f| mentions(f.text(db), name));
    diags.retain(|d| match d.code {
        codes::E0402 | codes::E0403 => false,
        codes::E0201 => d
            .primary
            .file
            .text(db)
            .get(d.primary.span.range())
            .is_none_or(|name| name.is_empty() || !mentioned(name)),
        _ => true,
    });
    diags
}

/// Whether `text` holds `name` as a whole word (not inside a longer name).
fn mentions(text: &str, name: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}
