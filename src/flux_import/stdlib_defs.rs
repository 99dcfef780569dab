//! The stdlib's operators as the importer sees them: the chart each installs (repository,
//! chart name, version) and the settings its `values` block writes unchanged
//! (`key = setting`), with the key path, the setting's type and its default. Read from the
//! stdlib's syntax trees, not evaluated: an import that matches a chart can then read a
//! setting back from the repository's values at that key. Settings written through an
//! expression, an `if` or a `for` are not read back; what they write is left to the
//! build that checks each install (`stdlib_match.rs`).

use std::sync::OnceLock;

use serde_yaml::Value;

use super::stdlib_crds::literal;
use crate::syntax::ast::{Decl, DeclKind, Expr, ExprKind, FieldDecl, RecordItem, Stmt, TypeExpr};
use crate::syntax::parse::parse_file;

/// A stdlib operator with a literal chart.
#[derive(Debug)]
pub struct StdDef {
    /// The module it is in: `use std.<module>`.
    pub module: String,
    pub name: String,
    /// An OCI chart's URL without its last segment, or a Helm repository's URL.
    pub repository: String,
    pub chart: String,
    pub version: String,
    pub bindings: Vec<Binding>,
}

/// A setting the operator's `values` write as it is, at `path`.
#[derive(Debug)]
pub struct Binding {
    pub setting: String,
    /// The type's name (`int`, `quantity`, `list`, `map`), without its `?`.
    pub ty: String,
    /// The default, when it is a literal.
    pub default: Option<Value>,
    pub path: Vec<String>,
}

/// Every stdlib operator with a literal chart, in stdlib order.
pub fn defs() -> &'static [StdDef] {
    static DEFS: OnceLock<Vec<StdDef>> = OnceLock::new();
    DEFS.get_or_init(|| {
        let mut out = Vec::new();
        for (file, text) in crate::stdlib::FILES {
            let module = file.trim_end_matches(".lab");
            let ast = parse_file(text).0;
            for decl in ast.decls.iter().filter(|d| d.kind == DeclKind::Operator) {
                if let Some(def) = def_of(module, decl) {
                    out.push(def);
                }
            }
        }
        out
    })
}

/// The operator whose chart is `chart` from `repository`: the only one, or among several
/// (app-template serves many) the one named like the component (`names`).
pub fn find(repository: &str, chart: &str, names: &[String]) -> Option<&'static StdDef> {
    let repository = repository.trim_end_matches('/');
    let all: Vec<&StdDef> = defs()
        .iter()
        .filter(|d| d.repository == repository && d.chart == chart)
        .collect();
    match all.as_slice() {
        [one] => Some(one),
        _ => all.into_iter().find(|d| names.contains(&d.name)),
    }
}

fn def_of(module: &str, decl: &Decl) -> Option<StdDef> {
    let (repository, chart, version) = decl.body.iter().find_map(|stmt| match stmt {
        Stmt::Assign { path, value, .. } if path.len() == 1 && path[0].text == "chart" => {
            chart_call(value)
        }
        _ => None,
    })?;
    let settings: Vec<&FieldDecl> = decl.settings().collect();
    let mut bindings = Vec::new();
    for stmt in &decl.body {
        if let Stmt::Assign { path, value, .. } = stmt {
            if path[0].text == "values" {
                let prefix = path[1..].iter().map(|i| i.text.clone()).collect();
                collect(prefix, value, &settings, &mut bindings);
            }
        }
    }
    Some(StdDef {
        module: module.to_string(),
        name: decl.name.text.clone(),
        repository,
        chart,
        version,
        bindings,
    })
}

/// `oci("oci://host/path/chart", "v")` or `helm("url", "chart", "v")` with literals.
fn chart_call(value: &Expr) -> Option<(String, String, String)> {
    let ExprKind::Call { func, args } = &value.kind else {
        return None;
    };
    let arg = |i: usize| args.get(i).and_then(|a| literal(&a.value.kind));
    match func.text.as_str() {
        "oci" => {
            let url = arg(0)?;
            let (repository, chart) = url.trim_end_matches('/').rsplit_once('/')?;
            Some((repository.to_string(), chart.to_string(), arg(1)?))
        }
        "helm" => Some((arg(0)?.trim_end_matches('/').to_string(), arg(1)?, arg(2)?)),
        _ => None,
    }
}

/// The bindings under `prefix` of a values expression: records walked key by key, a bare
/// setting name recorded; everything else (expressions, `if`, `for`) left out.
fn collect(prefix: Vec<String>, value: &Expr, settings: &[&FieldDecl], out: &mut Vec<Binding>) {
    match &value.kind {
        ExprKind::Record { items, .. } => {
            for item in items {
                if let RecordItem::Field { path, value, .. } = item {
                    let mut at = prefix.clone();
                    at.extend(path.iter().map(|i| i.text.clone()));
                    collect(at, value, settings, out);
                }
            }
        }
        ExprKind::Var(id) => {
            let Some(field) = settings.iter().find(|f| f.name.text == id.text) else {
                return;
            };
            if prefix.is_empty() {
                return;
            }
            out.push(Binding {
                setting: id.text.clone(),
                ty: type_name(&field.ty),
                default: field.default.as_ref().and_then(literal_value),
                path: prefix,
            });
        }
        _ => {}
    }
}

fn type_name(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(i) => i.text.clone(),
        TypeExpr::List(..) => "list".into(),
        TypeExpr::Map(..) => "map".into(),
        TypeExpr::Optional(inner, _) => type_name(inner),
    }
}

/// A literal default as the YAML value it writes (units as their text).
fn literal_value(e: &Expr) -> Option<Value> {
    Some(match &e.kind {
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Null => Value::Null,
        ExprKind::Int(i) => Value::Number((*i).into()),
        ExprKind::Unit(u) | ExprKind::Ip(u) | ExprKind::Cidr(u) => Value::String(u.clone()),
        ExprKind::Str(_) => Value::String(literal(&e.kind)?),
        ExprKind::List(items) => {
            Value::Sequence(items.iter().map(literal_value).collect::<Option<_>>()?)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stdlib_operators_bind_their_settings() {
        let reloader =
            super::find("oci://ghcr.io/stakater/charts", "reloader", &[]).expect("reloader");
        assert_eq!(reloader.module, "reloader");
        let replicas = reloader
            .bindings
            .iter()
            .find(|b| b.setting == "replicas")
            .expect("replicas is bound");
        assert_eq!(replicas.path, ["reloader", "deployment", "replicas"]);
        assert_eq!(replicas.ty, "int");
        assert_eq!(replicas.default, Some(2.into()));
        // A setting written through an expression (`enableHA = replicas > 1`) is not a binding.
        assert!(!reloader
            .bindings
            .iter()
            .any(|b| b.path.last().is_some_and(|k| k == "enableHA")));
        assert!(super::find("https://charts.rook.io/release/", "rook-ceph", &[]).is_some());
        assert!(super::find("oci://example.invalid/charts", "reloader", &[]).is_none());
        // app-template is the chart of several operators: only a component's name picks one.
        let app = "oci://ghcr.io/bjw-s-labs/helm";
        assert!(super::find(app, "app-template", &["linkding".into()]).is_none());
        let named = super::find(app, "app-template", &["cloudflared".into()]);
        assert_eq!(named.map(|d| d.name.as_str()), Some("cloudflared"));
    }
}
