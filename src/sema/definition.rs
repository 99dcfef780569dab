//! Definition binding: finding the operator or template a component or `include` names,
//! and binding its arguments to the definition's parameters.

use indexmap::IndexMap;

use crate::diag::codes;
use crate::diag::{did_you_mean, unknown_name_help};
use crate::sema::eval::{Evaluator, FrameOrigins, Origin, Ty, Value};
use crate::sema::index::ItemRef;
use crate::syntax::ast::*;

/// Find an operator or template by name, reporting unknown/unimported/wrong-kind names.
pub fn find_definition(ev: &mut Evaluator, name: &Ident, want: DeclKind) -> Option<ItemRef> {
    if let Some(d) = ev.definition(&ev.module, &name.text) {
        if d.kind == want {
            return Some(d.clone());
        }
        let d = d.clone();
        report_wrong_kind(ev, name, &d, want);
        return None;
    }
    if let Some(d) = ev.index.definition_elsewhere(&name.text).cloned() {
        report_not_imported(ev, name, &d);
        return None;
    }
    report_unknown_definition(ev, name, want);
    None
}

/// E0207: `name` is a definition of another kind than `want` (a template installed, ...).
fn report_wrong_kind(ev: &mut Evaluator, name: &Ident, d: &ItemRef, want: DeclKind) {
    let hint = match want {
        DeclKind::Operator => {
            "operators are installed with `install`; templates with `instance` or `include`"
        }
        _ => "templates are used with `instance` or `include`; operators with `install`",
    };
    let diag = ev
        .error(
            codes::E0207,
            name.span,
            format!(
                "`{}` is {} {}, not {} {}",
                name.text,
                article(d.kind),
                d.kind.keyword(),
                article(want),
                want.keyword()
            ),
        )
        .lbl(format!("expected {} {}", article(want), want.keyword()));
    diag.secondary.push(crate::diag::Label {
        file: d.file,
        span: d.name_span,
        message: format!("`{}` is declared here", name.text),
    });
    diag.help = Some(hint.into());
}

/// E0204: `name` is defined in a module this file does not `use`.
fn report_not_imported(ev: &mut Evaluator, name: &Ident, d: &ItemRef) {
    let module = d.module.clone();
    let db = ev.db;
    let diag = ev
        .error(
            codes::E0204,
            name.span,
            format!(
                "`{}` is defined in module `{module}`, which this file does not use",
                name.text
            ),
        )
        .lbl("not imported");
    diag.secondary.push(crate::diag::Label {
        file: d.file,
        span: d.name_span,
        message: "defined here".into(),
    });
    diag.help = Some(format!("add `use {module}` at the top of this file"));
    diag.fixes.push(crate::diag::Fix {
        title: format!("Add `use {module}`"),
        edits: vec![crate::sema::index::add_use(db, diag.primary.file, &module)],
    });
}

/// E0201: no definition has this name, with the closest visible one as help.
fn report_unknown_definition(ev: &mut Evaluator, name: &Ident, want: DeclKind) {
    let candidates: Vec<String> = ev.visible_definitions(&ev.module);
    let help = did_you_mean(&name.text, candidates.iter().map(String::as_str));
    let d = ev
        .error(
            codes::E0201,
            name.span,
            format!("unknown {} `{}`", want.keyword(), name.text),
        )
        .lbl(format!("no {} with this name", want.keyword()));
    d.help = help;
    d.add_suggested_fix();
}

/// The indefinite article of a declaration kind's keyword.
pub fn article(k: DeclKind) -> &'static str {
    match k {
        DeclKind::Operator | DeclKind::Install | DeclKind::Instance => "an",
        _ => "a",
    }
}

/// The arguments given by name: each argument expression, the span of the whole
/// argument and that of its key.
type GivenArgs<'e> = IndexMap<String, (&'e Expr, Span, Span)>;

/// Bound parameters: their values, and the lab's line each value comes from (see
/// `eval::Origin`), in the same order.
pub struct Bound {
    pub values: IndexMap<String, Value>,
    pub origins: Vec<Option<Origin>>,
}

impl Bound {
    /// Push the parameters as a scope of `ev`.
    pub fn push_onto(self, ev: &mut Evaluator) {
        ev.push_scope_from(self.values, FrameOrigins::Each(self.origins));
    }
}

/// Bind arguments (evaluated in the caller's file) to parameters (declared in `def`).
pub fn bind_params(
    ev: &mut Evaluator,
    params: &[FieldDecl],
    def: &ItemRef,
    args: &[RecordItem],
    call_site: &Ident,
) -> Option<Bound> {
    let (given, mut ok) = given_args(ev, params, def, args, call_site);
    let mut bound = Bound {
        values: IndexMap::new(),
        origins: Vec::new(),
    };
    for p in params {
        let ty = ev.in_file(def.file, |ev| ev.resolve_type(&p.ty));
        let (v, origin) = match given.get(&p.name.text) {
            Some((e, span, key)) => {
                let (v, reads) = ev.reading(|ev| eval_argument(ev, e, &ty, p, def));
                (v, ev.argument_origin(*span, *key, reads))
            }
            // After a bad argument, defaults that may refer to it are not evaluated, so
            // one mistake gives one diagnostic.
            None if !ok => (None, None),
            // A default passes on what it read (`owner: name = database`).
            None => ev.reading(|ev| default_value(ev, p, &ty, def, &bound, call_site)),
        };
        match v {
            Some(v) => {
                bound.values.insert(p.name.text.clone(), v);
                bound.origins.push(origin);
            }
            None => ok = false,
        }
    }
    ok.then_some(bound)
}

/// The arguments by name, each checked to be `name = value` for a parameter of `def`;
/// `false` with them when one is not (it is reported and left out).
fn given_args<'e>(
    ev: &mut Evaluator,
    params: &[FieldDecl],
    def: &ItemRef,
    args: &'e [RecordItem],
    call_site: &Ident,
) -> (GivenArgs<'e>, bool) {
    let mut ok = true;
    let mut given: GivenArgs<'e> = IndexMap::new();
    for a in args {
        let RecordItem::Field { path, value, span } = a else {
            ev.error(
                codes::E0208,
                call_site.span,
                "arguments are `name = value` pairs",
            )
            .lbl("not an argument");
            ok = false;
            continue;
        };
        let key = &path[0];
        if path.len() > 1 {
            ev.error(
                codes::E0205,
                key.span,
                "arguments are single names, not paths",
            )
            .help = Some(format!("write `{} = {{ ... }}`", key.text));
            ok = false;
            continue;
        }
        if !params.iter().any(|p| p.name.text == key.text) {
            report_unknown_parameter(ev, params, def, key);
            ok = false;
            continue;
        }
        given.insert(key.text.clone(), (value, *span, key.span));
    }
    (given, ok)
}

/// E0205: `def` has no parameter `key`, with the closest one or the list of them as help.
fn report_unknown_parameter(ev: &mut Evaluator, params: &[FieldDecl], def: &ItemRef, key: &Ident) {
    let names = params.iter().map(|p| p.name.text.as_str());
    let help = unknown_name_help(&key.text, names, |names| {
        Some(if names.is_empty() {
            format!("`{}` takes no arguments", def.name)
        } else {
            format!("`{}` takes: {}", def.name, names.join(", "))
        })
    });
    let d = ev
        .error(
            codes::E0205,
            key.span,
            format!("`{}` has no parameter `{}`", def.name, key.text),
        )
        .lbl("unknown parameter");
    d.secondary.push(crate::diag::Label {
        file: def.file,
        span: def.name_span,
        message: format!("`{}` is defined here", def.name),
    });
    d.help = help;
    d.add_suggested_fix();
}

/// The value of an argument given for parameter `p` of type `ty`.
fn eval_argument(
    ev: &mut Evaluator,
    e: &Expr,
    ty: &Ty,
    p: &FieldDecl,
    def: &ItemRef,
) -> Option<Value> {
    let v = ev.eval(e, ty);
    if v.is_none() {
        // Point at the parameter's declaration too, when the type is the issue.
        if let Some(last) = ev.diags.last_mut() {
            if last.code == codes::E0301 && last.secondary.is_empty() {
                last.secondary.push(crate::diag::Label {
                    file: def.file,
                    span: p.ty.span(),
                    message: format!("`{}` is declared as {ty} here", p.name.text),
                });
            }
        }
    }
    v
}

/// The value of parameter `p` when no argument is given: its default, `null` for an
/// optional one, or E0206.
fn default_value(
    ev: &mut Evaluator,
    p: &FieldDecl,
    ty: &Ty,
    def: &ItemRef,
    bound: &Bound,
    call_site: &Ident,
) -> Option<Value> {
    match &p.default {
        // Defaults may refer to earlier parameters (`owner: name = database`).
        Some(d) => {
            let origins = FrameOrigins::Each(bound.origins.clone());
            ev.push_scope_from(bound.values.clone(), origins);
            let v = ev.in_file(def.file, |ev| ev.eval(d, ty));
            ev.pop_scope();
            v
        }
        None if matches!(ty, Ty::Optional(_)) => Some(Value::Null),
        None => {
            let d = ev
                .error(
                    codes::E0206,
                    call_site.span,
                    format!("`{}` needs a value for `{}`", def.name, p.name.text),
                )
                .lbl(format!("`{}` is missing", p.name.text));
            d.secondary.push(crate::diag::Label {
                file: def.file,
                span: p.span,
                message: "declared here without a default".into(),
            });
            None
        }
    }
}
