//! A component's override of its definition's chart: `version = "..."` (or
//! `chart.version = "..."`) and `chart = oci(...)` / `helm(...)` among the arguments of an
//! install, instance or `include`, and in a tenant's body. The definition's chart is the
//! default; E0213 when there is no chart to override, E0214 for a value of the wrong kind.

use super::component_ir::{Chart, ComponentOut};
use crate::diag::codes;
use crate::sema::eval::{Evaluator, Ty, Value};
use crate::syntax::ast::*;

/// The chart a `oci(...)` or `helm(...)` value describes, `None` for any other value.
pub fn chart_of(value: &Value) -> Option<Chart> {
    let Value::Record(r) = value else { return None };
    let text = |k: &str| r.get(k).and_then(Value::scalar_text);
    let (source, url, version) = (text("source")?, text("url")?, text("version")?);
    Some(Chart {
        oci: source == "oci",
        url,
        chart: text("chart"),
        version,
    })
}

/// Whether an argument written as `path` overrides the chart rather than binding one of
/// `params`: `chart`, `chart.version`, or `version`, unless the definition declares a
/// setting or parameter of that name (then it is that setting, and the chart's version
/// is written `chart.version`).
fn is_chart_arg(path: &KeyPath, params: &[FieldDecl]) -> bool {
    let declared = |n: &str| params.iter().any(|p| p.name.text == n);
    match path[0].text.as_str() {
        "chart" => !declared("chart"),
        "version" => path.len() == 1 && !declared("version"),
        _ => false,
    }
}

/// Take the chart overrides out of an install's, instance's or include's arguments, so
/// that only the definition's own settings are bound.
pub fn take_chart_args(args: &mut Vec<RecordItem>, params: &[FieldDecl]) -> Vec<RecordItem> {
    let mut taken = Vec::new();
    args.retain(|item| match item {
        RecordItem::Field { path, .. } if is_chart_arg(path, params) => {
            taken.push(item.clone());
            false
        }
        _ => true,
    });
    taken
}

/// Apply chart overrides, in the file that wrote them, to the chart `out` has so far:
/// the whole source first, then the version. `owner` names what installs the chart
/// (the definition, or "this tenant") in messages.
pub fn apply_chart_args(
    ev: &mut Evaluator,
    items: &[RecordItem],
    owner: &str,
    out: &mut ComponentOut,
) {
    let fields = items.iter().filter_map(|it| match it {
        RecordItem::Field { path, value, .. } => Some((path, value)),
        _ => None,
    });
    let (sources, versions): (Vec<_>, Vec<_>) =
        fields.partition(|(p, _)| p.len() == 1 && p[0].text == "chart");
    for (path, value) in sources.into_iter().chain(versions) {
        if out.chart.is_none() {
            no_chart(ev, path, owner);
            return;
        }
        if path.len() == 1 && path[0].text == "chart" {
            set_source(ev, value, out);
        } else if path.len() == 1 || (path.len() == 2 && path[1].text == "version") {
            set_version(ev, value, out);
        } else {
            let d = ev
                .error(
                    codes::E0214,
                    path[1].span,
                    format!(
                        "a chart override sets `chart` or `chart.version`, not `chart.{}`",
                        path[1].text
                    ),
                )
                .lbl("not a part of a chart that can be set");
            d.help = Some(
                "give the whole source: `chart = oci(\"oci://host/path/chart\", \"1.2.3\")`".into(),
            );
        }
    }
}

/// E0213: a chart override where no chart is installed.
fn no_chart(ev: &mut Evaluator, path: &KeyPath, owner: &str) {
    let key: Vec<&str> = path.iter().map(|k| k.text.as_str()).collect();
    let span = path[0].span.to(path[path.len() - 1].span);
    let d = ev
        .error(
            codes::E0213,
            span,
            format!(
                "{owner} installs no chart, so `{}` has nothing to override",
                key.join(".")
            ),
        )
        .lbl("no chart to override");
    d.help = Some(
        "`version` and `chart` override the chart a definition declares (`chart = oci(...)`); \
         without one, set what the definition takes, or install a chart with `chart = ...` \
         in a tenant"
            .into(),
    );
}

/// `chart = oci(...)` / `helm(...)` over the definition's chart.
fn set_source(ev: &mut Evaluator, value: &Expr, out: &mut ComponentOut) {
    let Some(v) = ev.eval(value, &Ty::Any) else {
        return;
    };
    match chart_of(&v) {
        Some(chart) => {
            out.chart = Some(chart);
            out.chart_span = Some((ev.file, value.span));
        }
        None => {
            let d = ev
                .error(
                    codes::E0214,
                    value.span,
                    format!(
                        "a chart is `oci(url, version)` or `helm(url, chart, version)`, found {}",
                        crate::sema::eval::value::with_article(v.type_name())
                    ),
                )
                .lbl("not a chart");
            d.help = Some("write `chart = oci(\"oci://host/path/chart\", \"1.2.3\")` or `chart = helm(\"https://host/path\", \"chart\", \"1.2.3\")`".into());
        }
    }
}

/// `version = "..."`: the chart's version (a tag or a version range Flux accepts), a
/// quoted string so that the lab's tools (Renovate's regex managers) find it.
fn set_version(ev: &mut Evaluator, value: &Expr, out: &mut ComponentOut) {
    let literal = matches!(&value.kind, ExprKind::Str(_));
    let Some(v) = ev.eval(value, &Ty::Any) else {
        return;
    };
    let problem = match &v {
        Value::Str(s) if s.trim().is_empty() => Some("an empty string".to_string()),
        Value::Str(s) if s.chars().any(char::is_whitespace) => Some(format!(
            "`{}`, which contains whitespace",
            crate::diag::shown(s)
        )),
        Value::Str(_) => None,
        other => Some(crate::sema::eval::value::with_article(other.type_name())),
    };
    match problem {
        None => {
            if let (Some(chart), Value::Str(s)) = (out.chart.as_mut(), v) {
                chart.version = s;
                out.version_span = Some((ev.file, value.span));
            }
        }
        Some(found) => {
            let shown = value_text(&v);
            // Quoting is the fix where the number was written as it is shown (`1.5`).
            let at = crate::sema::index::absolute(ev.db, ev.file, value.span).range();
            let written = ev.file.text(ev.db).get(at) == Some(shown.as_str());
            let quote = (written && !shown.is_empty()).then(|| format!("\"{shown}\""));
            let d = ev
                .error(
                    codes::E0214,
                    value.span,
                    format!("a chart version is a non-empty string without spaces, found {found}"),
                )
                .lbl("not a chart version");
            d.help = Some(if literal || shown.is_empty() {
                "write the chart's version or tag in quotes: `version = \"1.2.3\"`".into()
            } else {
                format!("write it in quotes: `version = \"{shown}\"`")
            });
            if let Some(text) = quote {
                let title = format!("Replace with {text}");
                let file = d.primary.file;
                d.fixes
                    .push(crate::diag::Fix::replace(title, file, value.span, text));
            }
        }
    }
}

/// The text of a scalar value for the quoted form a help suggests (empty for others).
fn value_text(v: &Value) -> String {
    match v {
        Value::Str(_) | Value::Record(_) | Value::List(_) | Value::Null => String::new(),
        other => other.scalar_text().unwrap_or_default(),
    }
}
