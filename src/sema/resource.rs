//! Resource statements: evaluating `resource` into an object (with its kind and
//! apiVersion checked) and the amounts of `capacity` and `consumes`.

use indexmap::IndexMap;

use crate::diag::codes;
use crate::sema::component_ir::Resource;
use crate::sema::eval::{Evaluator, Ty, Value};
use crate::syntax::ast::*;

/// An amount of capacity: a count or a quantity.
pub fn eval_amount(ev: &mut Evaluator, e: &Expr) -> Option<Value> {
    match ev.eval(e, &Ty::Any)? {
        v @ (Value::Int(_) | Value::Bytes(_)) => Some(v),
        Value::Unit(s) => match crate::literal::parse_bytes(&s) {
            Ok(b) => Some(Value::Bytes(b)),
            Err(err) => {
                ev.error(codes::E0302, e.span, err.message)
                    .lbl("not a quantity");
                None
            }
        },
        other => {
            ev.error(
                codes::E0301,
                e.span,
                format!(
                    "expected a count or a quantity, found {}",
                    crate::sema::eval::value::with_article(other.type_name())
                ),
            )
            .lbl("not an amount");
            None
        }
    }
}

/// Check a resource's kind and apiVersion, which name its output file and identity;
/// `false` after reporting what is wrong.
fn check_resource_type(ev: &mut Evaluator, r: &ResourceStmt, api_version: &str) -> bool {
    use crate::diag::shown;
    let kind = &r.kind.text;
    if let Some(reason) = crate::sema::kube::kind_problem(kind) {
        ev.error(
            codes::E0505,
            r.kind.span,
            format!("`{}` is not a valid kind: {reason}", shown(kind)),
        )
        .lbl("not a Kubernetes kind")
        .help =
            Some("a kind is an ASCII letter, then ASCII letters and digits (`ConfigMap`)".into());
        return false;
    }
    if let Some(reason) = crate::sema::kube::api_version_problem(api_version) {
        let d = ev
            .error(
                codes::E0506,
                r.api_version.span,
                format!(
                    "`{}` is not a valid API version: {reason}",
                    shown(api_version)
                ),
            )
            .lbl("not an API version");
        d.help = Some("an API version is `group/version` (`apps/v1`) or `version` (`v1`)".into());
        return false;
    }
    if let Some(retired) = crate::sema::kube::retired_api(api_version, kind) {
        if let crate::sema::kube::Retirement::Removed(_) = retired.retirement {
            let (message, help) = crate::sema::kube::retired_api_words(retired, kind);
            let d = ev
                .error(codes::E0419, r.api_version.span, message)
                .lbl("not served by the API server");
            d.help = Some(help);
            return false;
        }
    }
    if crate::sema::kube::is_kustomize_config(api_version) {
        let d = ev
            .error(
                codes::E0507,
                r.api_version.span.to(r.kind.span),
                format!(
                    "`{api_version}` `{kind}` is kustomize configuration, not a Kubernetes object"
                ),
            )
            .lbl("not an object labc can write");
        d.help = Some("labc writes the kustomization.yaml of every folder itself; declare the objects it would list".into());
        return false;
    }
    true
}

/// A `resource` statement's object, or `None` after reporting what is wrong.
pub fn eval_resource(ev: &mut Evaluator, r: &ResourceStmt) -> Option<Resource> {
    let api_version = match ev.eval(&r.api_version, &Ty::Str)? {
        Value::Str(s) => s,
        _ => return None,
    };
    if !check_resource_type(ev, r, &api_version) {
        return None;
    }
    let name = match ev.eval(&r.name, &Ty::Name)? {
        Value::Str(s) => s,
        _ => return None,
    };
    // `in null` means the component's namespace (so templates can take an optional one).
    let namespace = match &r.namespace {
        Some(ns) => match ev.eval(ns, &Ty::Optional(Box::new(Ty::Name)))? {
            Value::Str(s) => Some(s),
            _ => None,
        },
        None => None,
    };
    let mut body = Value::Record(IndexMap::new());
    ev.record_items(&r.body, &mut body)?;
    let span = r.kind.span.to(r.name.span);
    ev.report_leaks(Some((&api_version, &r.kind.text)), &body, &r.body, span);
    ev.check_core_fields((&api_version, &r.kind.text), &body, &r.body, span);
    Some(Resource {
        api_version,
        kind: r.kind.text.clone(),
        name,
        namespace,
        body,
        file: ev.file,
        // Kind and name: what a diagnostic about the object should underline.
        span: r.kind.span.to(r.name.span),
        manifest: None,
    })
}
