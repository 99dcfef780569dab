//! Which chart ships which API groups, as the stdlib's operators say (`chart = ...` and
//! `crds "group/version"` in one `operator` block): the importer gives a custom resource's
//! CRDs to the component installing that chart, so labc orders the users after it and
//! does not take the kinds for ones the bootstrap installs. Read from the stdlib's syntax
//! trees (`syntax::parse`), not evaluated: the chart and the groups are literals there.

use crate::syntax::ast::{Decl, DeclKind, ExprKind, FileAst, Stmt, StrPart};
use crate::syntax::parse::parse_file;

/// (API group, chart name) for every `crds` statement of a stdlib operator.
pub fn group_charts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for ast in stdlib_asts() {
        for decl in ast.decls.iter().filter(|d| d.kind == DeclKind::Operator) {
            let Some(chart) = chart_of(decl) else {
                continue;
            };
            walk(&decl.body, &mut |stmt| {
                if let Stmt::Crds { api_version, .. } = stmt {
                    let group = literal(&api_version.kind)
                        .and_then(|api| api.rsplit_once('/').map(|(g, _)| g.to_string()));
                    if let Some(group) = group.filter(|g| !g.is_empty()) {
                        out.push((group, chart.clone()));
                    }
                }
            });
        }
    }
    out
}

/// Custom resource kinds that are cluster-scoped: the stdlib's `crds ... { cluster Kind }`,
/// and every kind whose CRD says `scope: Cluster` in the embedded schema library (which
/// also covers kinds a bootstrap installs, such as the Gateway API's GatewayClass).
pub fn cluster_kinds() -> &'static [String] {
    static KINDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| {
        let mut out: Vec<String> = Vec::new();
        for (_, text) in crate::stdlib::SCHEMAS {
            let Ok(set) = crate::schema::model::SchemaSet::from_compact(text) else {
                continue;
            };
            for k in set.kind_entries() {
                if k.scope.as_deref() == Some("Cluster") && !out.contains(&k.kind) {
                    out.push(k.kind.clone());
                }
            }
        }
        for ast in stdlib_asts() {
            for decl in &ast.decls {
                walk(&decl.body, &mut |stmt| {
                    if let Stmt::Crds { kinds, .. } = stmt {
                        for k in kinds.iter().filter(|k| k.cluster_scoped) {
                            if !out.contains(&k.kind.text) {
                                out.push(k.kind.text.clone());
                            }
                        }
                    }
                });
            }
        }
        out
    })
}

/// The syntax tree of every stdlib file (the embedded stdlib parses without errors; a
/// file that did not would only contribute what parsed).
fn stdlib_asts() -> impl Iterator<Item = FileAst> {
    crate::stdlib::FILES
        .iter()
        .map(|(_, text)| parse_file(text).0)
}

/// Every statement of a body, also those inside `if` and `for` blocks.
fn walk<'a>(body: &'a [Stmt], visit: &mut dyn FnMut(&'a Stmt)) {
    for stmt in body {
        visit(stmt);
        match stmt {
            Stmt::If {
                then, otherwise, ..
            } => {
                walk(then, visit);
                walk(otherwise, visit);
            }
            Stmt::For { body, .. } => walk(body, visit),
            _ => {}
        }
    }
}

/// The chart's name in the operator's `chart = oci("oci://host/path/name", ...)` or
/// `chart = helm("url", "name", ...)`.
fn chart_of(decl: &Decl) -> Option<String> {
    decl.body.iter().find_map(|stmt| match stmt {
        Stmt::Assign { path, value, .. } if path.len() == 1 && path[0].text == "chart" => {
            let ExprKind::Call { func, args } = &value.kind else {
                return None;
            };
            let arg = |i: usize| args.get(i).and_then(|a| literal(&a.value.kind));
            match func.text.as_str() {
                "oci" => arg(0).and_then(|url| url.rsplit('/').next().map(str::to_string)),
                "helm" => arg(1),
                _ => None,
            }
        }
        _ => None,
    })
}

/// A string literal without interpolation.
pub(super) fn literal(expr: &ExprKind) -> Option<String> {
    match expr {
        ExprKind::Str(parts) => parts
            .iter()
            .map(|p| match p {
                StrPart::Text(t) => Some(t.as_str()),
                StrPart::Interp(_) => None,
            })
            .collect::<Option<String>>(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stdlib_names_its_shippers() {
        let pairs = super::group_charts();
        let has = |g: &str, c: &str| pairs.iter().any(|(a, b)| a == g && b == c);
        assert!(has("postgresql.cnpg.io", "cloudnative-pg"), "{pairs:?}");
        assert!(
            has("kafka.strimzi.io", "strimzi-kafka-operator"),
            "{pairs:?}"
        );
        assert!(has("external-secrets.io", "external-secrets"), "{pairs:?}");
        let kinds = super::cluster_kinds();
        assert!(
            kinds.iter().any(|k| k == "CiliumLoadBalancerIPPool"),
            "{kinds:?}"
        );
        assert!(kinds.iter().any(|k| k == "ClusterSecretStore"), "{kinds:?}");
        assert!(kinds.iter().any(|k| k == "GatewayClass"), "{kinds:?}");
        assert!(!kinds.iter().any(|k| k == "ExternalSecret"), "{kinds:?}");
    }
}
