//! The lab's chart pins: `pins { definition = oci(...) }` blocks of lab files (by
//! convention `versions.lab`, written by `labc pin`), which replace the chart a
//! definition declares for the whole lab. A component's own override (`version`,
//! `chart`) still wins. E0218 for a pin of a definition that installs no chart, E0219
//! for a definition pinned twice, E0214 for a value that is not a chart, and the
//! warning E0607 for a pin of a definition no component of the lab reaches.

use indexmap::{IndexMap, IndexSet};

use super::chart_overrides::chart_of;
use super::component_ir::Chart;
use super::facts::DeclarationEnv;
use super::index::{self, item_index, ItemIndex, ItemRef};
use crate::db::{Db, Lab, SourceFile};
use crate::diag::{codes, Diag};
use crate::sema::eval::{Context, Evaluator, Ty};
use crate::syntax::ast::{Decl, DeclKind, Expr, Span, Stmt};

/// One pin: the chart, and where the lab wrote it (the value's span).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pin {
    pub chart: Chart,
    pub file: SourceFile,
    pub span: Span,
}

/// A pin as written, before evaluation: its name, value and places.
struct Written<'a> {
    file: SourceFile,
    name: &'a str,
    name_span: Span,
    value: &'a Expr,
}

/// Whether statements set the chart themselves (`chart = ...`, in any branch): what a
/// pin can replace. A definition that only includes one that does is not pinned itself.
pub fn sets_chart(body: &[Stmt]) -> bool {
    body.iter().any(|s| match s {
        Stmt::Assign { path, .. } => path.len() == 1 && path[0].text == "chart",
        Stmt::For { body, .. } => sets_chart(body),
        Stmt::If {
            then, otherwise, ..
        } => sets_chart(then) || sets_chart(otherwise),
        _ => false,
    })
}

/// Every operator and template of the lab (stdlib included) that sets a chart, by name,
/// in index order (the stdlib first).
pub fn chart_definitions<'a>(
    db: &'a dyn Db,
    index: &'a ItemIndex,
) -> IndexMap<&'a str, &'a ItemRef> {
    let mut out = IndexMap::new();
    for defs in index.definitions.values() {
        for (name, item) in defs {
            let kind_ok = matches!(item.kind, DeclKind::Operator | DeclKind::Template);
            if kind_ok && sets_chart(&index::decl(db, item).body) {
                out.entry(name.as_str()).or_insert(item);
            }
        }
    }
    out
}

/// The pins of the lab by definition name, with the diagnostics of the `pins` blocks
/// (returned, not accumulated: `eval_component` reads this query, see
/// `index::parse_checked`).
#[salsa::tracked(returns(ref))]
pub fn lab_pins_checked(db: &dyn Db, lab: Lab) -> (IndexMap<String, Pin>, Vec<Diag>) {
    let index = item_index(db, lab);
    let charted = chart_definitions(db, index);
    let mut diags = pins_block_diags(db, lab);
    let mut seen: IndexMap<&str, (SourceFile, Span)> = IndexMap::new();
    let mut pins = IndexMap::new();
    for w in written(db, lab) {
        if let Some(&(file, span)) = seen.get(w.name) {
            diags.push(pinned_twice(&w, file, span));
            continue;
        }
        seen.insert(w.name, (w.file, w.name_span));
        if !charted.contains_key(w.name) {
            diags.push(not_a_chart_definition(db, &w, index, &charted));
            continue;
        }
        let mut ev = Evaluator::new(db, &DeclarationEnv, lab, w.file, None);
        ev.context = Context::Lab;
        let value = ev.eval(w.value, &Ty::Any);
        diags.append(&mut ev.diags);
        match value.as_ref().and_then(chart_of) {
            Some(chart) => {
                let pin = Pin {
                    chart,
                    file: w.file,
                    span: w.value.span,
                };
                pins.insert(w.name.to_string(), pin);
            }
            None if value.is_some() => {
                let current = declared_chart(db, charted[w.name]);
                diags.push(not_a_chart(&w, current));
            }
            None => {}
        }
    }
    (pins, diags)
}

/// The pins of the lab (their diagnostics are in `lab_pins_checked`).
pub fn lab_pins(db: &dyn Db, lab: Lab) -> &IndexMap<String, Pin> {
    &lab_pins_checked(db, lab).0
}

/// Every `name = value` of the lab files' `pins` blocks, in file order. Other
/// statements are E0208 in `written_in`.
fn written(db: &dyn Db, lab: Lab) -> Vec<Written<'_>> {
    let mut out = Vec::new();
    for (file, decl) in pins_blocks(db, lab) {
        for s in &decl.body {
            if let Stmt::Assign { path, value, .. } = s {
                if path.len() == 1 {
                    out.push(Written {
                        file,
                        name: &path[0].text,
                        name_span: path[0].span,
                        value,
                    });
                }
            }
        }
    }
    out
}

/// The `pins` blocks of the lab's own files (never the stdlib's), in file order. Found
/// through `file_items` and read with `decl_of`, so an edit elsewhere in a file does not
/// re-run what reads the pins.
fn pins_blocks(db: &dyn Db, lab: Lab) -> impl Iterator<Item = (SourceFile, &Decl)> {
    lab.files(db)
        .iter()
        .filter(move |&&file| !crate::sema::lint::is_stdlib(db, file))
        .flat_map(move |&file| {
            (index::file_items(db, file).items.iter())
                .filter(|item| item.kind == DeclKind::Pins)
                .map(move |item| (file, index::decl(db, item)))
        })
}

/// E0208: what a `pins` block cannot hold (a pin is `definition = chart`, one name).
fn pins_block_diags(db: &dyn Db, lab: Lab) -> Vec<Diag> {
    let mut out = Vec::new();
    for (file, decl) in pins_blocks(db, lab) {
        for s in &decl.body {
            let span = match s {
                Stmt::Assign { path, .. } if path.len() == 1 => continue,
                Stmt::Assign { path, .. } => path[1].span.to(path[path.len() - 1].span),
                other => other.span(),
            };
            out.push(
                Diag::error(
                    codes::E0208,
                    file,
                    span,
                    "a `pins` block takes only pins: `definition = oci(...)` or `helm(...)`",
                )
                .label("not a pin")
                .help(
                    "pin the whole chart, one definition a line: \
                     `name = oci(\"oci://host/path/chart\", \"1.2.3\")`; \
                     a chart's version alone is `version = ...` on a component",
                ),
            );
        }
    }
    out
}

/// E0219: the definition is pinned again.
fn pinned_twice(w: &Written, first_file: SourceFile, first: Span) -> Diag {
    Diag::error(
        codes::E0219,
        w.file,
        w.name_span,
        format!("`{}` is pinned twice", w.name),
    )
    .label("pinned again here")
    .secondary(first_file, first, "first pinned here")
    .help("keep one pin per definition: remove this one, or the first")
}

/// E0218: no definition of that name sets a chart.
fn not_a_chart_definition(
    db: &dyn Db,
    w: &Written,
    index: &ItemIndex,
    charted: &IndexMap<&str, &ItemRef>,
) -> Diag {
    let names: Vec<&str> = charted.keys().copied().collect();
    let def = index.definition_elsewhere(w.name);
    // A definition whose chart comes from a template it includes: that one is the pin.
    let mut included = None;
    if let Some(d) = def {
        includes(&index::decl(db, d).body, &mut |t| {
            if included.is_none() && charted.contains_key(t) {
                included = Some(t.to_string());
            }
        });
    }
    if let Some(t) = included {
        return Diag::error(
            codes::E0218,
            w.file,
            w.name_span,
            format!(
                "`{}` installs no chart of its own, so it has no chart to pin",
                w.name
            ),
        )
        .label("no chart to pin")
        .help(format!(
            "its chart is the one of `{t}`, which it includes: pin `{t}` instead"
        ));
    }
    let message = if def.is_some() {
        format!(
            "`{}` installs no chart of its own, so it has no chart to pin",
            w.name
        )
    } else {
        format!("there is no definition `{}` to pin", w.name)
    };
    let help = crate::diag::unknown_name_help(w.name, names.iter().copied(), |_| {
        Some(
            "a pin names an operator or template that sets `chart = ...` (`labc pin LAB-DIR` \
             writes one for each the lab uses)"
                .into(),
        )
    });
    Diag::error(codes::E0218, w.file, w.name_span, message)
        .label("no chart to pin")
        .help_opt(help)
}

/// E0214: a pin's value that is not a chart. The help shows the chart the definition
/// declares, when it is written plainly (`current`).
fn not_a_chart(w: &Written, current: Option<String>) -> Diag {
    let example = current.unwrap_or_else(|| "oci(\"oci://host/path/chart\", \"1.2.3\")".into());
    Diag::error(
        codes::E0214,
        w.file,
        w.value.span,
        "a pin is a chart: `oci(url, version)` or `helm(url, chart, version)`",
    )
    .label("not a chart")
    .help(format!(
        "write the whole chart, as the definition does: `{} = {example}`",
        w.name
    ))
}

/// The text of a definition's first `chart = ...` when it is a plain `oci`/`helm` call.
fn declared_chart(db: &dyn Db, item: &ItemRef) -> Option<String> {
    let e = first_chart(&index::decl(db, item).body).filter(|e| is_literal_chart(e))?;
    let span = index::absolute(db, item.file, e.span);
    item.file.text(db).get(span.range()).map(str::to_string)
}

/// E0607 (a warning): pins of definitions that no component of the lab reaches, by its
/// definition or an `include` (in any branch). Quiet while a file has syntax errors (a
/// lost component may have been the user) or a pin is wrong. A query of its own, apart
/// from `lab_pins_checked`: it reads every component, and components read the pins.
#[salsa::tracked(returns(ref))]
pub fn unused_pins(db: &dyn Db, lab: Lab) -> Vec<Diag> {
    let (pins, pin_diags) = lab_pins_checked(db, lab);
    if !pin_diags.is_empty()
        || lab
            .files(db)
            .iter()
            .any(|&f| index::has_syntax_errors(db, f))
    {
        return Vec::new();
    }
    let used = used_definitions(db, lab);
    let mut out = Vec::new();
    for w in written(db, lab) {
        if !pins.contains_key(w.name) || used.contains(w.name) {
            continue;
        }
        out.push(
            Diag::warning(
                codes::E0607,
                w.file,
                w.name_span,
                format!(
                    "`{}` is pinned, but no component of the lab uses it",
                    w.name
                ),
            )
            .label("pin of an unused definition")
            .help(
                "remove the pin (or install what it pins); `labc pin --check LAB-DIR` lists \
                 the pins the lab needs",
            ),
        );
    }
    out
}

/// The names of the definitions the lab's components reach: their own definitions and,
/// through `include`, every template those include, in any branch.
pub fn used_definitions(db: &dyn Db, lab: Lab) -> IndexSet<String> {
    let mut todo: Vec<&ItemRef> = Vec::new();
    for &file in lab.files(db) {
        todo.extend(definitions_named_in(db, lab, file));
    }
    let mut seen: IndexSet<String> = IndexSet::new();
    while let Some(item) = todo.pop() {
        if !seen.insert(item.name.clone()) {
            continue;
        }
        includes(&index::decl(db, item).body, &mut |t| {
            if let Some(d) = visible_definition(db, lab, &item.module, t) {
                todo.push(d);
            }
        });
    }
    seen
}

/// The definitions the components of `file` name: their own and those they include. A
/// query per file, so that an edit re-reads only its file, and it reads the definitions
/// through `decl_index`, which a tenant file added or removed leaves equal.
#[salsa::tracked(returns(ref))]
pub fn definitions_named_in(db: &dyn Db, lab: Lab, file: SourceFile) -> Vec<ItemRef> {
    let module = crate::db::module_name(file.path(db));
    let mut out: Vec<ItemRef> = Vec::new();
    for decl in &index::parse(db, file).decls {
        if !decl.kind.is_component() {
            continue;
        }
        let mut named: Vec<String> = decl.definition.iter().map(|d| d.text.clone()).collect();
        includes(&decl.body, &mut |t| named.push(t.to_string()));
        out.extend(
            (named.iter())
                .filter_map(|name| visible_definition(db, lab, &module, name))
                .cloned(),
        );
    }
    out
}

/// The definition `name` as `module` sees it: its own, else one of a module it uses.
fn visible_definition<'db>(
    db: &'db dyn Db,
    lab: Lab,
    module: &str,
    name: &str,
) -> Option<&'db ItemRef> {
    let uses = index::module_uses(db, lab, module.to_string());
    index::decl_index(db, lab).definition_with(module, uses, name)
}

/// Call `f` with the template name of every `include` of `body`, in any branch.
fn includes(body: &[Stmt], f: &mut dyn FnMut(&str)) {
    for s in body {
        match s {
            Stmt::Include { template, .. } => f(&template.text),
            Stmt::For { body, .. } => includes(body, f),
            Stmt::If {
                then, otherwise, ..
            } => {
                includes(then, f);
                includes(otherwise, f);
            }
            _ => {}
        }
    }
}

/// After a definition's body ran: when the body set the chart (`chart_span` moved off
/// `before`) and the lab pins that definition, the pin replaces it. Component overrides
/// are applied after this, so they still win.
pub fn apply_pin(
    ev: &Evaluator,
    def: &ItemRef,
    before: Option<(SourceFile, Span)>,
    out: &mut super::component_ir::ComponentOut,
) {
    if out.chart.is_none() || out.chart_span == before {
        return;
    }
    if let Some(pin) = lab_pins(ev.db, ev.lab).get(&def.name) {
        out.chart = Some(pin.chart.clone());
        out.chart_span = Some((pin.file, pin.span));
    }
}

/// What `labc pin` writes for one definition: its name and the stdlib's chart as written
/// there (`oci("...", "1.2.3")`), or why it cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StdPin {
    Chart {
        name: String,
        text: String,
    },
    /// The stdlib computes the chart (not a call of `oci`/`helm` on plain strings).
    Computed {
        name: String,
    },
}

/// The stdlib definitions the lab uses that set a chart and that no `pins` block of the
/// lab pins yet, sorted by name: what `labc pin` adds.
pub fn missing_std_pins(db: &dyn Db, lab: Lab) -> Vec<StdPin> {
    let index = item_index(db, lab);
    let pinned: IndexSet<&str> = written(db, lab).iter().map(|w| w.name).collect();
    let charted = chart_definitions(db, index);
    let mut used: Vec<String> = used_definitions(db, lab).into_iter().collect();
    used.sort();
    let mut out = Vec::new();
    for name in used {
        let Some(item) = charted.get(name.as_str()) else {
            continue;
        };
        if !crate::sema::lint::is_stdlib(db, item.file) || pinned.contains(name.as_str()) {
            continue;
        }
        match declared_chart(db, item) {
            Some(text) => out.push(StdPin::Chart { name, text }),
            None => out.push(StdPin::Computed { name }),
        }
    }
    out
}

/// The value of the first `chart = ...` of a body, in any branch.
fn first_chart(body: &[Stmt]) -> Option<&Expr> {
    body.iter().find_map(|s| match s {
        Stmt::Assign { path, value, .. } if path.len() == 1 && path[0].text == "chart" => {
            Some(value)
        }
        Stmt::For { body, .. } => first_chart(body),
        Stmt::If {
            then, otherwise, ..
        } => first_chart(then).or_else(|| first_chart(otherwise)),
        _ => None,
    })
}

/// `oci(...)` or `helm(...)` on plain strings only: a pin Renovate can read and bump, and
/// whose text means the same in the lab as in the stdlib.
fn is_literal_chart(e: &Expr) -> bool {
    match &e.kind {
        crate::syntax::ast::ExprKind::Call { func, args } => {
            matches!(func.text.as_str(), "oci" | "helm")
                && args
                    .iter()
                    .all(|a| a.name.is_none() && a.value.as_plain_str().is_some())
        }
        _ => false,
    }
}
