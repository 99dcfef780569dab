//! The driver: runs the whole pipeline for a lab (parse, index, resolve, evaluate, check,
//! lower, emit every cluster) and collects the output files and the diagnostics.

use indexmap::IndexMap;

use crate::db::{Db, Lab, SourceFile};
use crate::diag::{codes, Diag};
use crate::emit::emit_cluster;
use crate::sema::facts;
use crate::sema::index::{self, item_index};

/// The result of compiling a lab: every output file, relative to the output root.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Output {
    pub files: IndexMap<String, String>,
}

/// Report the diagnostics of the queries that a cycle of component headers can reach,
/// which return theirs instead of accumulating them (see `index::parse_checked`).
fn report_declaration_facts(db: &dyn Db, lab: Lab) {
    let index = item_index(db, lab);
    let mut diags: Vec<&crate::diag::Diag> = index.diags.iter().collect();
    for &f in lab.files(db) {
        diags.extend(&index::parse_checked(db, f).1);
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

/// Run the whole pipeline: parse, index, check, evaluate, lower and emit every cluster.
/// Diagnostics are collected with `compile::accumulated::<Diag>`.
#[salsa::tracked(returns(ref))]
pub fn compile(db: &dyn Db, lab: Lab) -> Output {
    let index = item_index(db, lab);
    report_declaration_facts(db, lab);
    for &f in lab.files(db) {
        let ast = index::parse(db, f);
        for (i, d) in ast.decls.iter().enumerate() {
            if d.kind.is_definition() {
                crate::sema::resolve::check_definition(
                    db,
                    lab,
                    index::DeclKey::new(db, f, i as u32),
                );
            }
        }
    }
    for d in crate::sema::lint::warnings(db, lab) {
        d.clone().emit(db);
    }
    facts::lab_value(db, lab);
    crate::lower::lab_checks::lab_checks(db, lab);
    crate::lower::lab_checks::capacity_checks(db, lab);
    let mut files = IndexMap::new();
    for name in index.clusters.keys() {
        files.extend(
            emit_cluster(db, lab, name.clone())
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    Output { files }
}

/// Compile and return the output with the sorted, de-duplicated diagnostics.
pub fn compile_with_diagnostics(db: &dyn Db, lab: Lab) -> (&Output, Vec<Diag>) {
    let out = compile(db, lab);
    let diags: Vec<Diag> = compile::accumulated::<Diag>(db, lab)
        .into_iter()
        .cloned()
        .collect();
    let diags = crate::sema::lint::without_noise(db, lab, diags);
    // Absolute first: the filters and the sort below read the text at a label.
    let diags = diags.into_iter().map(|d| absolute(db, d)).collect();
    let diags = without_lost_declarations(db, diags);
    (out, crate::diag::sort_and_dedup(db, diags))
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
