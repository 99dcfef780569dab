//! The schema check of one component on one cluster (`check_schemas`, a query per
//! component and cluster, so an edit of one tenant re-checks that tenant): every object it
//! emits (resource bodies, manifest documents) validated against the schema of its
//! apiVersion and kind there (`sema::schemas::schema_for`), each problem reported at the
//! span that wrote the field (E0509-E0519); and E0608 when the CRDs it installs are
//! checked against another version of their schemas than its chart's.

use crate::db::{Db, Lab, SourceFile};
use crate::diag::{codes, Diag};
use crate::schema::{Problem, Seg, What};
use crate::sema::component::{eval_component, CompKey};
use crate::sema::component_ir::{ComponentIr, Resource};
use crate::sema::index;
use crate::sema::schemas::{self, schema_for, Lookup};
use crate::syntax::ast::{Decl, RecordItem, ResourceStmt, Span, Stmt};

/// Check the objects of the component `key` against their schemas on its cluster. A
/// component with errors of its own (poisoned) is not checked: its objects are not
/// written, and what is wrong with them may follow from the first error.
#[salsa::tracked]
pub fn check_schemas<'db>(db: &'db dyn Db, key: CompKey<'db>) {
    let Some(ir) = eval_component(db, key).as_ref() else {
        return;
    };
    // A file with syntax errors lost part of what it says: what is missing from its
    // objects is not a mistake of its own (one mistake, one error).
    if !ir.ok || index::has_syntax_errors(db, *key.file(db)) {
        return;
    }
    let lab = *key.lab(db);
    let cluster = key.cluster(db);
    warn_nearest_versions(db, lab, ir);
    check_helm_release(db, lab, cluster, ir);
    let decl = index::decl_of(db, index::DeclKey::new(db, *key.file(db), *key.index(db)));
    for (i, r) in ir.out.resources.iter().enumerate() {
        let lookup = schema_for(
            db,
            lab,
            cluster.clone(),
            r.api_version.clone(),
            r.kind.clone(),
        );
        let place = Place {
            ir,
            index: i,
            resource: r,
            component: decl.as_ref(),
        };
        match lookup {
            Lookup::Unknown => {}
            Lookup::NotServed { served } => report_not_served(db, &place, cluster, served),
            Lookup::Found { set, root } => {
                let problems = crate::schema::validate::validate(&set.set, *root, &r.body);
                for p in first_of_each_field(problems) {
                    report(db, &place, &p);
                }
            }
        }
    }
}

/// The problems worth reporting: not the root's `apiVersion`, `kind` and `metadata`
/// (labc writes them), and none under a field already reported (one mistake, one error).
fn first_of_each_field(problems: Vec<Problem>) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    let mut reported: Vec<Vec<Seg>> = Vec::new();
    for p in problems {
        let written_by_labc = p.path.is_empty()
            && matches!(&p.what, What::Missing { field } if ["apiVersion", "kind", "metadata"].contains(&field.as_str()));
        if written_by_labc || reported.iter().any(|q| p.path.starts_with(q)) {
            continue;
        }
        // A missing field or a set of exclusive ones is about the object's other fields:
        // what is wrong inside its fields is still reported.
        match &p.what {
            What::Missing { field } => {
                let mut at = p.path.clone();
                at.push(Seg::Key(field.clone()));
                reported.push(at);
            }
            What::Exclusive { .. } => {}
            _ => reported.push(p.path.clone()),
        }
        out.push(p);
    }
    out
}

/// One object of a component, and the component's declaration (for its `patch`es).
struct Place<'a> {
    ir: &'a ComponentIr,
    index: usize,
    resource: &'a Resource,
    component: Option<&'a Decl>,
}

/// The statement `resource` that wrote `r` (its kind and name span), in its declaration.
fn resource_stmt<'db>(db: &'db dyn Db, r: &Resource) -> Option<&'db ResourceStmt> {
    let at = (r.span.anchor as usize).checked_sub(1)?;
    let decl = index::decl_of(db, index::DeclKey::new(db, r.file, at as u32)).as_ref()?;
    find_resource(&decl.body, r.span)
}

fn find_resource(stmts: &[Stmt], span: Span) -> Option<&ResourceStmt> {
    stmts.iter().find_map(|s| match s {
        Stmt::Resource(res) if res.kind.span.to(res.name.span) == span => Some(&**res),
        Stmt::For { body, .. } => find_resource(body, span),
        Stmt::If {
            then, otherwise, ..
        } => find_resource(then, span).or_else(|| find_resource(otherwise, span)),
        _ => None,
    })
}

/// The span among `items` that wrote `path`, if one did: the key when `key` and the
/// path's last step is a key written there (an unknown field is its name), else the value.
fn written_at(items: &[RecordItem], path: &[Seg], key: bool) -> Option<Span> {
    // Later items win: they override earlier ones.
    for item in items.iter().rev() {
        let found = match item {
            RecordItem::Field {
                path: kp, value, ..
            } => {
                let prefix = kp.len() <= path.len()
                    && kp
                        .iter()
                        .zip(path)
                        .all(|(k, s)| matches!(s, Seg::Key(t) if *t == k.text));
                let covers = kp.len() > path.len()
                    && kp
                        .iter()
                        .zip(path)
                        .all(|(k, s)| matches!(s, Seg::Key(t) if *t == k.text));
                if covers {
                    // `spec.replicas = 1` writes the object `spec`: its key names it.
                    path.len().checked_sub(1).map(|i| kp[i].span)
                } else if !prefix {
                    None
                } else if kp.len() == path.len() && key {
                    kp.last().map(|k| k.span)
                } else {
                    Some(descend(value, &path[kp.len()..], key))
                }
            }
            RecordItem::For { body, .. } => written_at(body, path, key),
            RecordItem::If {
                then, otherwise, ..
            } => written_at(then, path, key).or_else(|| written_at(otherwise, path, key)),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The span inside the expression `e` that wrote `rest` of it, else `e`'s own.
fn descend(e: &crate::syntax::ast::Expr, rest: &[Seg], key: bool) -> Span {
    use crate::syntax::ast::ExprKind;
    let Some(first) = rest.first() else {
        return e.span;
    };
    match (&e.kind, first) {
        (ExprKind::Record { items, .. }, Seg::Key(_)) => {
            written_at(items, rest, key).unwrap_or(e.span)
        }
        (ExprKind::List(elems), Seg::Index(i)) => match elems.get(*i) {
            Some(el) => descend(el, &rest[1..], key),
            None => e.span,
        },
        (ExprKind::ListComp { body, .. }, Seg::Index(_)) => descend(body, &rest[1..], key),
        _ => e.span,
    }
}

/// A `patch` of the component's own declaration that wrote `path` of the object.
fn patched_at(place: &Place, path: &[Seg], key: bool) -> Option<Span> {
    let r = place.resource;
    patches(&place.component?.body)
        .into_iter()
        .filter(|p| p.kind.text == r.kind && p.name.as_plain_str().as_deref() == Some(&r.name))
        .rev()
        .find_map(|p| written_at(&p.body, path, key))
}

fn patches(stmts: &[Stmt]) -> Vec<&crate::syntax::ast::PatchStmt> {
    let mut out = Vec::new();
    for s in stmts {
        match s {
            Stmt::Patch(p) => out.push(&**p),
            Stmt::For { body, .. } => out.extend(patches(body)),
            Stmt::If {
                then, otherwise, ..
            } => {
                out.extend(patches(then));
                out.extend(patches(otherwise));
            }
            _ => {}
        }
    }
    out
}

/// Where a problem at `path` of the object is reported: the primary (file, span), and a
/// secondary label (the stdlib's line, or the `manifest` statement) when there is one.
type Located = ((SourceFile, Span), Option<(SourceFile, Span, String)>);

fn locate(db: &dyn Db, place: &Place, path: &[Seg], key: bool) -> Located {
    let (ir, r) = (place.ir, place.resource);
    if let Some(span) = patched_at(place, path, key) {
        return ((ir.file, span), None);
    }
    if let Some((asset, doc)) = r.manifest {
        let lines = crate::sema::manifest_lines::manifest_lines(db, asset, doc);
        let at = crate::sema::manifest_lines::nearest(lines, path).unwrap_or(Span::new(0, 0));
        return (
            (asset, at),
            Some((r.file, r.span, "included here".to_string())),
        );
    }
    let stmt = resource_stmt(db, r);
    let written = match stmt {
        // The root itself (an apiVersion not served): the apiVersion the statement wrote.
        Some(res) if path.is_empty() => res.api_version.span,
        Some(res) => written_at(&res.body, path, key).unwrap_or(r.span),
        None => r.span,
    };
    if r.file.path(db).starts_with("std/") {
        let site = ir.out.resource_site(place.index, r);
        let note = format!("{} `{}` is written here", r.kind, r.name);
        return (site, Some((r.file, written, note)));
    }
    ((r.file, written), None)
}

/// The words of one problem: (code, message, label, help).
fn words(r: &Resource, p: &Problem) -> (&'static str, String, String, Option<String>) {
    let at = crate::schema::path_text(&p.path);
    let kind = format!("`{}` `{}`", r.api_version, r.kind);
    match &p.what {
        What::UnknownField { field, known } => {
            let help =
                crate::diag::unknown_name_help(field, known.iter().map(String::as_str), |k| {
                    let shown: Vec<&str> = k.iter().take(12).copied().collect();
                    crate::diag::listing("the fields here are", &shown)
                });
            (
                codes::E0509,
                format!("{kind} has no field `{at}`"),
                "unknown field".into(),
                help,
            )
        }
        What::WrongType { expected, found } => {
            // A nullable field's `null` is no help to one who wrote another type.
            let names: Vec<&str> = expected
                .iter()
                .filter(|t| expected.len() == 1 || **t != crate::schema::Type::Null)
                .map(|t| t.name())
                .collect();
            (
                codes::E0510,
                format!(
                    "`{at}` of {kind} is {}, not {}",
                    article(found.name()),
                    names
                        .iter()
                        .map(|n| article(n))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                format!(
                    "expected {}",
                    names
                        .iter()
                        .map(|n| article(n))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                None,
            )
        }
        What::NotInEnum { allowed } => {
            let values: Vec<String> = allowed
                .iter()
                .map(|v| v.trim_matches('"').to_string())
                .collect();
            let written = value_text(r, &p.path);
            let help =
                crate::diag::unknown_name_help(&written, values.iter().map(String::as_str), |v| {
                    crate::diag::listing("the allowed values are", v)
                });
            (
                codes::E0511,
                format!(
                    "`{}` is not a value `{at}` of {kind} accepts",
                    crate::diag::shown(&written)
                ),
                "not an allowed value".into(),
                help,
            )
        }
        What::BadFormat { format, reason } => (
            codes::E0512,
            format!("`{at}` of {kind} is not a valid {format}: {reason}"),
            format!("not a {format}"),
            None,
        ),
        What::Pattern { pattern } => (
            codes::E0513,
            format!("`{at}` of {kind} does not match the pattern `{pattern}`"),
            "does not match".into(),
            None,
        ),
        What::Missing { field } => {
            let full = if at.is_empty() {
                field.clone()
            } else {
                format!("{at}.{field}")
            };
            (
                codes::E0514,
                format!("{kind} needs `{full}`"),
                format!("`{field}` is missing here"),
                Some(format!("set `{full}`")),
            )
        }
        What::Exclusive {
            fields,
            set,
            one_required,
        } => exclusive_words(&kind, &at, fields, set, *one_required),
        What::Alternatives { count, matched } => (
            codes::E0516,
            if *matched == 0 {
                format!("`{at}` of {kind} matches none of the {count} forms its schema allows")
            } else {
                format!("`{at}` of {kind} matches {matched} of the {count} forms its schema allows, where exactly one may match")
            },
            "matches no single form".into(),
            None,
        ),
        What::OutOfRange {
            what,
            found,
            min,
            max,
        } => {
            let bounds = match (min, max) {
                (Some(a), Some(b)) => format!("between {a} and {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => "within bounds".into(),
            };
            (
                codes::E0517,
                format!(
                    "`{at}` of {kind} is out of range: its {what} is {found}, and must be {bounds}"
                ),
                format!("{what} {found}"),
                None,
            )
        }
        What::Duplicate { key } => (
            codes::E0518,
            format!(
                "`{at}` of {kind} holds `{}` twice",
                crate::diag::shown(&serde_json::from_str::<String>(key).unwrap_or(key.clone()))
            ),
            "a duplicate item".into(),
            Some("remove one of the two items".into()),
        ),
    }
}

/// E0515's words: two fields set where one may be, or none where one must be.
fn exclusive_words(
    kind: &str,
    at: &str,
    fields: &[String],
    set: &[String],
    one_required: bool,
) -> (&'static str, String, String, Option<String>) {
    let quoted = |names: &[String]| -> String {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let place = if at.is_empty() {
        String::new()
    } else {
        format!(" of `{at}`")
    };
    if set.len() > 1 {
        let (last, rest) = set.split_last().unwrap_or((&set[0], &[]));
        (
            codes::E0515,
            format!(
                "{} and `{last}`{place} exclude each other in {kind}",
                quoted(rest)
            ),
            "set together".into(),
            Some(format!("set only one of {}", quoted(set))),
        )
    } else {
        let how = if one_required { "exactly one" } else { "one" };
        (
            codes::E0515,
            format!("{kind} needs {how} of {}{place}", quoted(fields)),
            "none of them is set".into(),
            Some(format!("set one of {}", quoted(fields))),
        )
    }
}

/// "an object", "a string".
fn article(noun: &str) -> String {
    crate::sema::eval::value::with_article(noun)
}

/// The value at `path` of the object, as text (for a did-you-mean over enum values).
fn value_text(r: &Resource, path: &[Seg]) -> String {
    use crate::schema::Instance as _;
    let mut v = &r.body;
    for seg in path {
        let next = match seg {
            Seg::Key(k) => v.field(k),
            Seg::Index(i) => v.items().get(*i).copied(),
        };
        match next {
            Some(n) => v = n,
            None => return String::new(),
        }
    }
    v.as_str().map(|s| s.into_owned()).unwrap_or_default()
}

/// One problem as a diagnostic at the span that wrote the field. An unknown field, a
/// pair of exclusive fields, points at the field itself; a missing one at its object.
fn report(db: &dyn Db, place: &Place, p: &Problem) {
    let (code, message, label, help) = words(place.resource, p);
    let mut path = p.path.clone();
    if let What::Exclusive { set, .. } = &p.what {
        if let Some(second) = set.get(1) {
            path.push(Seg::Key(second.clone()));
        }
    }
    let key = matches!(p.what, What::UnknownField { .. } | What::Exclusive { .. });
    let ((file, span), secondary) = locate(db, place, &path, key);
    let mut d = Diag::error(code, file, span, message)
        .label(label)
        .help_opt(help);
    if let What::Exclusive { set, .. } = &p.what {
        if let (Some(first), true) = (set.first(), set.len() > 1) {
            let mut other = p.path.clone();
            other.push(Seg::Key(first.clone()));
            let ((f, s), _) = locate(db, place, &other, true);
            if (f, s) != (file, span) {
                d = d.secondary(f, s, format!("`{first}` is set here"));
            }
        }
    }
    if let Some((f, s, note)) = secondary {
        d = d.secondary(f, s, note);
    }
    d.emit(db);
}

/// E0519: the kind's schema is known on this cluster, at other versions only.
fn report_not_served(db: &dyn Db, place: &Place, cluster: &str, served: &[String]) {
    let r = place.resource;
    let group = schemas::group_of(&r.api_version);
    let full: Vec<String> = served
        .iter()
        .map(|v| {
            if group.is_empty() {
                v.clone()
            } else {
                format!("{group}/{v}")
            }
        })
        .collect();
    let help =
        crate::diag::unknown_name_help(&r.api_version, full.iter().map(String::as_str), |v| {
            crate::diag::listing("it is served as", v)
        });
    let ((file, span), secondary) = locate(db, place, &[], false);
    let mut d = Diag::error(
        codes::E0519,
        file,
        span,
        format!(
            "`{}` is not served as `{}` on cluster `{cluster}`",
            r.kind, r.api_version
        ),
    )
    .label("apiVersion not served")
    .help_opt(help);
    d.notes
        .push(format!("served versions: {}", full.join(", ")));
    if let Some((f, s, note)) = secondary {
        d = d.secondary(f, s, note);
    }
    d.emit(db);
}

/// The HelmRelease labc writes for a component with a chart, against the Flux schemas
/// when the library has them: what is wrong there comes from the `flux { release { } }`
/// settings, the component's (else the lab's), which the error points at.
fn check_helm_release(db: &dyn Db, lab: Lab, cluster: &str, ir: &ComponentIr) {
    let Some(chart) = &ir.out.chart else { return };
    const API: &str = "helm.toolkit.fluxcd.io/v2";
    let Lookup::Found { set, root } = schema_for(
        db,
        lab,
        cluster.to_string(),
        API.into(),
        "HelmRelease".into(),
    ) else {
        return;
    };
    let Some(header) = super::ir::cluster_header(db, lab, cluster) else {
        return;
    };
    let doc = super::flux::helm_release(ir, chart, &header.interval, &header.flux, false);
    let site = [&ir.out.flux, &header.flux]
        .into_iter()
        .find_map(|f| f.sites.get("release").copied())
        .unwrap_or((ir.file, ir.name_span));
    let object = Resource {
        api_version: API.into(),
        kind: "HelmRelease".into(),
        name: ir.name.clone(),
        namespace: Some(ir.namespace.clone()),
        body: crate::sema::eval::Value::Null,
        file: site.0,
        span: site.1,
        manifest: None,
    };
    for p in first_of_each_field(crate::schema::validate::validate(&set.set, *root, &doc)) {
        let (code, message, label, help) = words(&object, &p);
        Diag::error(code, site.0, site.1, message)
            .label(label)
            .help_opt(help)
            .note(format!("in the HelmRelease labc writes for `{}`", ir.name))
            .emit(db);
    }
}

/// E0608: the component installs CRDs whose library schema has no version of its chart's
/// major.minor; they are checked against the nearest one, which this says, at the line
/// that sets the chart (or its version).
fn warn_nearest_versions(db: &dyn Db, lab: Lab, ir: &ComponentIr) {
    let Some(chart) = &ir.out.chart else { return };
    let mut seen: Vec<&str> = Vec::new();
    for crd in &ir.out.crds {
        let Some(schema) = &crd.schema else { continue };
        if schemas::is_schema_path(&schema.source) || seen.contains(&schema.source.as_str()) {
            continue;
        }
        seen.push(&schema.source);
        let Some((used, _, exact)) =
            schemas::library_version(db, lab, &schema.source, Some(&chart.version))
        else {
            continue;
        };
        if exact {
            continue;
        }
        let (file, span) = ir
            .out
            .version_span
            .or(ir.out.chart_span)
            .unwrap_or((ir.file, ir.name_span));
        Diag::warning(
            codes::E0608,
            file,
            span,
            format!(
                "labc has no `{}` schemas of chart version {}; `{}`'s objects of those kinds are checked against version {used}",
                schema.source, chart.version, ir.name
            ),
        )
        .label(format!("chart version {}", chart.version))
        .secondary(schema.file, schema.span, "the schemas named here")
        .help("pin a chart version labc has schemas of, or add the CRDs of this version with `crds ... schema \"crds/x.yaml\"`")
        .emit(db);
    }
}
