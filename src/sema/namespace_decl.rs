//! Namespace declarations (`namespace media on apps { labels = { ... } }`), evaluated
//! against their schema: the name (E0422), labels and annotations (E0423), `prune`.
//!
//! A declaration reads nothing but `lab` (like a pool), so evaluating one never waits for
//! a component, and the namespaces of a cluster are known before its components are
//! lowered. Lowering gives each declared or used namespace its own Kustomization.

use indexmap::IndexMap;

use super::eval::{Context, Evaluator, Value};
use super::facts::{eval_schema_body, unknown_cluster, DeclarationEnv, Schema};
use super::index::{self, item_index};
use super::kube::SYSTEM_NAMESPACES;
use crate::db::{Db, Lab, SourceFile};
use crate::diag::{codes, Diag};
use crate::literal::{check_k8s_name, NameRule};
use crate::syntax::ast::{Expr, ExprKind, RecordItem, Span, Stmt};

/// The fields of a namespace declaration.
const NAMESPACE_SCHEMA: Schema = &[
    ("labels", "map<string>", false),
    ("annotations", "map<string>", false),
    ("prune", "bool", false),
];

/// The marker by which Flux's kustomize-controller leaves an object in place when its
/// Kustomization no longer has it (Flux reads it as a label or an annotation; labc writes
/// the annotation).
pub const PRUNE_MARKER: &str = "kustomize.toolkit.fluxcd.io/prune";

/// One evaluated namespace declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceDecl {
    pub name: String,
    /// The clusters it is declared on.
    pub on: Vec<String>,
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
    /// Whether Flux may delete the Namespace once nothing declares it (default: no).
    pub prune: bool,
    pub file: SourceFile,
    pub name_span: Span,
}

/// The lab's valid namespace declarations, in file order (a declaration with errors is
/// left out: its errors say why, and its namespace falls back to automatic creation).
pub fn namespace_decls(db: &dyn Db, lab: Lab) -> &Vec<NamespaceDecl> {
    &namespace_decls_checked(db, lab).0
}

/// `namespace_decls` with the declarations' diagnostics, which `compile::compile` reports
/// (like the other declaration facts, see `index::parse_checked`).
#[salsa::tracked(returns(ref))]
pub fn namespace_decls_checked(db: &dyn Db, lab: Lab) -> (Vec<NamespaceDecl>, Vec<Diag>) {
    let index = item_index(db, lab);
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for item in &index.namespaces {
        let decl = index::decl(db, item);
        let mut ev = Evaluator::new(db, &DeclarationEnv, lab, item.file, None);
        ev.context = Context::Core;
        let (fields, _) = eval_schema_body(&mut ev, decl, NAMESPACE_SCHEMA, false, &mut Vec::new());
        check_name(&mut ev, &item.name, item.name_span);
        for on in &decl.on {
            if !index.clusters.contains_key(&on.text) {
                unknown_cluster(&mut ev, on, index.clusters.keys().map(String::as_str));
            }
        }
        let labels = string_map(fields.get("labels"));
        let annotations = string_map(fields.get("annotations"));
        let written = |field: &str| {
            decl.body.iter().find_map(|s| match s {
                Stmt::Assign { path, value, .. } if path.len() == 1 && path[0].text == field => {
                    Some(value)
                }
                _ => None,
            })
        };
        let at = |field| Written {
            expr: written(field),
            fallback: item.name_span,
        };
        check_metadata(&mut ev, &labels, true, at("labels"));
        check_metadata(&mut ev, &annotations, false, at("annotations"));
        let ok = ev.diags.is_empty();
        diags.append(&mut ev.diags);
        if ok {
            out.push(NamespaceDecl {
                name: item.name.clone(),
                on: item.on.clone(),
                labels,
                annotations,
                prune: matches!(fields.get("prune"), Some(Value::Bool(true))),
                file: item.file,
                name_span: item.name_span,
            });
        }
    }
    (out, diags)
}

/// A `map<string>` field as text keys and values.
fn string_map(v: Option<&Value>) -> IndexMap<String, String> {
    let Some(Value::Record(r)) = v else {
        return IndexMap::new();
    };
    r.iter()
        .filter_map(|(k, v)| v.scalar_text().map(|t| (k.clone(), t)))
        .collect()
}

/// E0422: a declared namespace must be a DNS-1123 label that labc may create: not one of
/// the namespaces Kubernetes and Flux's bootstrap make themselves.
fn check_name(ev: &mut Evaluator, name: &str, span: Span) {
    if SYSTEM_NAMESPACES.contains(&name) {
        ev.error(
            codes::E0422,
            span,
            format!(
                "namespace `{name}` cannot be declared: the cluster or Flux's bootstrap creates it"
            ),
        )
        .lbl("created outside the lab")
        .help = Some(format!(
            "remove the declaration; components may still put objects in `{name}`"
        ));
    } else if let Err(err) = check_k8s_name(name, NameRule::Label) {
        let d = ev
            .error(codes::E0422, span, err.message)
            .lbl("not a valid namespace name");
        d.notes.push(
            "a namespace name is a DNS-1123 label: lowercase letters, digits and `-`, at most 63 characters"
                .into(),
        );
        d.help = err.help;
    }
}

/// Where a `labels` or `annotations` field is written, to point at the entry at fault.
struct Written<'a> {
    expr: Option<&'a Expr>,
    /// The declaration's name, when the field is not written as one assignment.
    fallback: Span,
}

impl Written<'_> {
    /// The span of the entry `key` in a record literal (its key, or its value), else the
    /// whole field's value (a record computed by an expression), else the fallback.
    fn entry(&self, key: &str, at_value: bool) -> Span {
        let Some(expr) = self.expr else {
            return self.fallback;
        };
        let ExprKind::Record { items, .. } = &expr.kind else {
            return expr.span;
        };
        items
            .iter()
            .find_map(|i| match i {
                RecordItem::Field { path, value, .. } if path.len() == 1 && path[0].text == key => {
                    Some(if at_value { value.span } else { path[0].span })
                }
                _ => None,
            })
            .unwrap_or(expr.span)
    }
}

/// E0423: label and annotation keys must be Kubernetes qualified names, label values
/// valid label values, and the prune marker is `prune`'s to write.
fn check_metadata(
    ev: &mut Evaluator,
    entries: &IndexMap<String, String>,
    labels: bool,
    at: Written,
) {
    let what = if labels { "label" } else { "annotation" };
    for (key, value) in entries {
        let problem = if key == PRUNE_MARKER {
            Some((
                format!("the {what} `{key}` is written by labc from `prune`"),
                "remove it and write `prune = false` (the default) or `prune = true` instead"
                    .to_string(),
                false,
            ))
        } else if let Some(why) = qualified_name_problem(key) {
            Some((
                format!("`{key}` is not a valid {what} key: {why}"),
                "a key is a name of at most 63 letters, digits, `-`, `_` and `.`, optionally after a DNS prefix and `/` (`example.com/team`)".to_string(),
                false,
            ))
        } else if labels {
            label_value_problem(value).map(|why| {
                (
                    format!("`{value}` is not a valid value for label `{key}`: {why}"),
                    "a label value is empty or at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit; put longer text in an annotation".to_string(),
                    true,
                )
            })
        } else {
            None
        };
        if let Some((message, help, at_value)) = problem {
            let label = if key == PRUNE_MARKER {
                "labc writes this from `prune`".to_string()
            } else if at_value {
                "not a valid label value".to_string()
            } else {
                format!("not a valid {what} key")
            };
            ev.error(codes::E0423, at.entry(key, at_value), message)
                .lbl(label)
                .help = Some(help);
        }
    }
}

/// Why `key` is not a qualified name (`[prefix/]name`), or `None`.
fn qualified_name_problem(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() || check_k8s_name(p, NameRule::Subdomain).is_err() {
            return Some("its prefix is not a DNS subdomain");
        }
    }
    name_part_problem(name)
}

/// Why `value` is not a label value, or `None` (an empty value is valid).
fn label_value_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        return None;
    }
    name_part_problem(value)
}

/// The rule shared by a qualified name's name part and a label value.
fn name_part_problem(s: &str) -> Option<&'static str> {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    if s.is_empty() {
        Some("it is empty")
    } else if s.len() > 63 {
        Some("it is longer than 63 characters")
    } else if !s.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.')) {
        Some("it has a character other than letters, digits, `-`, `_` and `.`")
    } else if !s.starts_with(alnum) || !s.ends_with(alnum) {
        Some("it does not start and end with a letter or digit")
    } else {
        None
    }
}
