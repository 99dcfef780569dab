//! E0606 (a warning): an instance, install or include that leaves a capability-typed
//! parameter (or setting) at its default, in a lab definition whose body never reads
//! that parameter. A default of a capability type is checked like an argument, so it
//! makes the component depend on the provider of that capability (see the language's
//! "Capability types"); when the body never uses the value, the dependency (a
//! `dependsOn`, or E0402 on a cluster without the provider) serves nothing. Found from
//! the syntax: the names a definition's body reads come from `lint`'s walk, so a name
//! also used for something else only hides a warning, never makes a wrong one. The
//! stdlib's definitions are not the user's to fix and are skipped.

use indexmap::IndexSet;

use crate::db::{module_name, Db, Lab, SourceFile};
use crate::diag::{codes, Diag};
use crate::sema::index;
use crate::syntax::ast::*;

/// The capability kind a written type names (through `?`), if it is one.
fn capability_of<'t>(t: &'t TypeExpr, kinds: &IndexSet<String>) -> Option<&'t str> {
    match t {
        TypeExpr::Named(id) if kinds.contains(&id.text) => Some(&id.text),
        TypeExpr::Optional(inner, _) => capability_of(inner, kinds),
        _ => None,
    }
}

/// The lab's own definition (not the stdlib's) of one of `kinds` that `target`, written
/// in `file`, names, with its declaration and its settings or parameters.
pub(super) fn lab_definition_called<'db>(
    db: &'db dyn Db,
    lab: Lab,
    file: SourceFile,
    target: &Ident,
    kinds: &[DeclKind],
) -> Option<(&'db index::ItemRef, &'db Decl, Vec<&'db FieldDecl>)> {
    let module = module_name(file.path(db));
    let uses = index::module_uses(db, lab, module.clone());
    let def = index::decl_index(db, lab)
        .definition_with(&module, uses, &target.text)
        .filter(|d| kinds.contains(&d.kind) && !d.file.path(db).starts_with("std/"))?;
    let decl = index::decl(db, def);
    let params: Vec<&FieldDecl> = if def.kind == DeclKind::Operator {
        decl.settings().collect()
    } else {
        decl.params.iter().collect()
    };
    Some((def, decl, params))
}

/// E0606 for each capability default of the definition `target` (of one of `kinds`)
/// that the call in `file` at `target`'s span leaves unset (`given`: the names it sets)
/// and the definition never reads (`names_in`: the names a declaration reads).
pub(super) fn unused_capability_defaults(
    db: &dyn Db,
    lab: Lab,
    file: SourceFile,
    (target, kinds): (&Ident, &[DeclKind]),
    given: &[&str],
    names_in: impl Fn(&Decl) -> IndexSet<String>,
) -> Vec<Diag> {
    let index = index::decl_index(db, lab);
    let Some((def, decl, params)) = lab_definition_called(db, lab, file, target, kinds)
        .filter(|(def, _, _)| def.kind != DeclKind::Type)
    else {
        return Vec::new();
    };
    let mut read: Option<IndexSet<String>> = None;
    let mut out = Vec::new();
    for p in params {
        let (Some(default), Some(kind)) =
            (&p.default, capability_of(&p.ty, &index.capability_kinds))
        else {
            continue;
        };
        if given.contains(&p.name.text.as_str()) || matches!(default.kind, ExprKind::Null) {
            continue;
        }
        // A parameter's declaration names its type and default, never itself.
        let read = read.get_or_insert_with(|| names_in(decl));
        if read.contains(&p.name.text) {
            continue;
        }
        out.push(
            Diag::warning(
                codes::E0606,
                file,
                target.span,
                format!(
                    "the default of `{p}` makes this use of `{d}` depend on a `{kind}` provider, but `{d}` never uses `{p}`",
                    p = p.name.text,
                    d = def.name
                ),
            )
            .label(format!("leaves `{}` at its default", p.name.text))
            .secondary(def.file, default.span, format!("this default names a `{kind}`"))
            .note("a capability default is checked like an argument: the component waits for its provider (or fails where there is none)")
            .help(format!(
                "use `{}` in `{}`, or remove the parameter (or its default)",
                p.name.text, def.name
            )),
        );
    }
    out
}
