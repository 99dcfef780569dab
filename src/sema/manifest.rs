//! Manifests a component includes: parsing the YAML file (a query per file), converting
//! its documents to values, and checking each is a named, namespaced-right object.

use indexmap::IndexMap;

use super::component_ir::{ComponentOut, Resource};
use super::eval::files::LabFile;
use super::eval::{Evaluator, Value};
use super::kube::{is_rbac_object, rbac_name_problem};
use crate::db::{Db, SourceFile};
use crate::diag::codes;
use crate::syntax::ast::*;

/// The documents of a hand-written manifest (an asset of the lab directory), as values,
/// each with the byte offset it starts at and its number in the file (empty documents
/// counted); or where and why it does not parse.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestDocs {
    pub docs: Vec<(crate::sema::eval::Value, u32, u32)>,
    pub error: Option<(Span, String)>,
}

#[salsa::tracked(returns(ref))]
pub fn manifest_docs(db: &dyn Db, file: SourceFile) -> ManifestDocs {
    use serde::Deserialize as _;
    let text = file.text(db);
    let mut out = ManifestDocs {
        docs: Vec::new(),
        error: None,
    };
    // Document start offsets, to point diagnostics at the right document.
    let mut starts = vec![0u32];
    for (i, _) in text.match_indices("\n---") {
        starts.push(i as u32 + 1);
    }
    for (n, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        match serde_yaml::Value::deserialize(doc) {
            Ok(serde_yaml::Value::Null) => {}
            Ok(v) => {
                let at = starts.get(n).copied();
                out.docs
                    .push((yaml_to_value(&v), at.unwrap_or(0), n as u32));
            }
            Err(e) => {
                let at = e.location().map_or(0, |l| l.index()).min(text.len());
                let end = (at + 1).min(text.len());
                out.error = Some((Span::new(at, end.max(at)), e.to_string()));
                break;
            }
        }
    }
    out
}

/// A parsed YAML value as a language value. Numbers that are not integers keep their
/// text, so they are written back as they were.
fn yaml_to_value(v: &serde_yaml::Value) -> crate::sema::eval::Value {
    use crate::sema::eval::Value;
    match v {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Decimal(n.to_string()),
        },
        serde_yaml::Value::String(s) => Value::Str(s.clone()),
        serde_yaml::Value::Sequence(items) => {
            Value::List(items.iter().map(yaml_to_value).collect())
        }
        serde_yaml::Value::Mapping(m) => Value::Record(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        serde_yaml::Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    (key, yaml_to_value(v))
                })
                .collect(),
        ),
        serde_yaml::Value::Tagged(t) => yaml_to_value(&t.value),
    }
}

/// Add the documents of the manifest file `rel` (relative to the current file's folder)
/// to the component's resources, checking each is a named Kubernetes object.
pub fn include_manifest(
    ev: &mut Evaluator,
    rel: &str,
    path_span: Span,
    span: Span,
    out: &mut ComponentOut,
) {
    let Some((wanted, asset)) = ev.find_lab_file(rel, path_span, LabFile::Manifest) else {
        return;
    };
    let parsed = manifest_docs(ev.db, asset);
    if let Some((at, message)) = &parsed.error {
        ev.diags.push(
            crate::diag::Diag::error(
                codes::E0504,
                asset,
                *at,
                format!("`{wanted}` is not valid YAML: {message}"),
            )
            .label("here")
            .secondary(ev.file, span, "included here"),
        );
        return;
    }
    for (doc, at, n) in &parsed.docs {
        if let Some(mut r) = manifest_resource(ev, doc, *at, &wanted, asset, span) {
            r.manifest = Some((asset, *n));
            out.resources.push(r);
        }
    }
}

/// The object of one document of the manifest `wanted` (starting at byte `at` of
/// `asset`, included at `span`), or `None` after reporting why it is not one (E0504,
/// E0507, E0304).
fn manifest_resource(
    ev: &mut Evaluator,
    doc: &Value,
    at: u32,
    wanted: &str,
    asset: SourceFile,
    span: Span,
) -> Option<Resource> {
    let doc_span = Span::new(at as usize, at as usize + 1);
    let problem = |what: &str| {
        crate::diag::Diag::error(
            codes::E0504,
            asset,
            doc_span,
            format!("a document of `{wanted}` {what}"),
        )
        .label("this document")
        .secondary(ev.file, span, "included here")
    };
    let Value::Record(fields) = doc else {
        ev.diags.push(problem("is not a mapping"));
        return None;
    };
    let (api_version, kind, name, namespace) = match manifest_object(fields) {
        Ok(head) => head,
        Err((code, what, help)) => {
            let mut d = problem(&what).help_opt(help);
            d.code = code;
            ev.diags.push(d);
            return None;
        }
    };
    if let Some(leak) = crate::sema::eval::secrets::leaks(None, doc)
        .into_iter()
        .next()
    {
        let secret_doc = api_version == "v1" && kind == "Secret";
        ev.diags.push(manifest_leak(
            &leak, secret_doc, &name, wanted, asset, doc_span, ev.file, span,
        ));
        return None;
    }
    let mut body = fields.clone();
    body.shift_remove("apiVersion");
    body.shift_remove("kind");
    Some(Resource {
        api_version,
        kind,
        name,
        namespace,
        body: Value::Record(body),
        file: ev.file,
        span,
        manifest: None,
    })
}

/// What identifies a manifest document as an object: (apiVersion, kind, name, namespace),
/// each checked like its counterpart in a `resource` statement, since they become file
/// names and object identities. Or what is wrong, as (code, "has ...", help).
type ObjectHead = (String, String, String, Option<String>);

fn manifest_object(
    fields: &IndexMap<String, Value>,
) -> Result<ObjectHead, (&'static str, String, Option<String>)> {
    use crate::literal::{check_k8s_name, NameRule};
    let bad = |what: String, help: Option<&str>| (codes::E0504, what, help.map(String::from));
    let text = |v: Option<&Value>| match v {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let meta = match fields.get("metadata") {
        Some(Value::Record(m)) => Some(m),
        _ => None,
    };
    let (Some(api_version), Some(kind), Some(name)) = (
        text(fields.get("apiVersion")),
        text(fields.get("kind")),
        meta.and_then(|m| text(m.get("name"))),
    ) else {
        return Err(bad(
            "needs `apiVersion`, `kind` and `metadata.name`".into(),
            None,
        ));
    };
    if let Some(reason) = crate::sema::kube::kind_problem(&kind) {
        return Err(bad(
            invalid_field("kind", &kind, &reason),
            Some("a kind is an ASCII letter, then ASCII letters and digits (`ConfigMap`)"),
        ));
    }
    if let Some(reason) = crate::sema::kube::api_version_problem(&api_version) {
        return Err(bad(
            invalid_field("apiVersion", &api_version, &reason),
            Some("an apiVersion is `group/version` (`apps/v1`) or `version` (`v1`)"),
        ));
    }
    if let Some(retired) = crate::sema::kube::retired_api(&api_version, &kind) {
        if let crate::sema::kube::Retirement::Removed(v) = retired.retirement {
            let (_, help) = crate::sema::kube::retired_api_words(retired, &kind);
            let what = format!("is `{api_version}` `{kind}`, removed in Kubernetes {v}");
            return Err((codes::E0419, what, Some(help)));
        }
    }
    if crate::sema::kube::is_kustomize_config(&api_version) {
        return Err((
            codes::E0507,
            format!("is a `{api_version}` `{kind}`: kustomize configuration, not a Kubernetes object"),
            Some("labc writes the kustomization.yaml of every folder itself; declare the objects it would list".into()),
        ));
    }
    if is_rbac_object(&api_version, &kind) {
        if let Some(reason) = rbac_name_problem(&name) {
            return Err(bad(
                invalid_field("name", &name, &reason),
                Some("an RBAC object's name may hold any character except `/` and `%` (`system:metrics-reader`)"),
            ));
        }
    } else if let Err(err) = check_k8s_name(&name, NameRule::Subdomain) {
        return Err(bad(format!("has an invalid name: {}", err.message), None));
    }
    let namespace = match meta.and_then(|m| m.get("namespace")) {
        None => None,
        Some(Value::Str(ns)) => match check_k8s_name(ns, NameRule::Label) {
            Ok(()) => Some(ns.clone()),
            Err(err) => {
                let what = format!("has an invalid namespace: {}", err.message);
                return Err((codes::E0504, what, err.help));
            }
        },
        Some(other) => {
            return Err(bad(
                format!(
                    "has a `metadata.namespace` that is {}, not a string",
                    crate::sema::eval::value::with_article(other.type_name())
                ),
                None,
            ))
        }
    };
    Ok((api_version, kind, name, namespace))
}

/// "has an invalid kind `a/b`: it contains `/`...", or "has an empty kind".
fn invalid_field(field: &str, value: &str, reason: &str) -> String {
    if value.is_empty() {
        format!("has an empty {field}")
    } else {
        format!(
            "has an invalid {field} `{}`: {reason}",
            crate::diag::shown(value)
        )
    }
}

/// E0304 for the first plaintext secret of a manifest document (one document, one error).
#[allow(clippy::too_many_arguments)]
fn manifest_leak(
    leak: &crate::sema::eval::secrets::Leak,
    secret_doc: bool,
    name: &str,
    wanted: &str,
    asset: SourceFile,
    doc_span: Span,
    file: SourceFile,
    span: Span,
) -> crate::diag::Diag {
    use crate::sema::eval::secrets::{Rule, Seg};
    let top_secret_data = secret_doc
        && matches!(leak.rule, Rule::Key | Rule::SecretData)
        && matches!(leak.path.first(), Some(Seg::Key(k)) if k == "data" || k == "stringData");
    let d = if top_secret_data {
        crate::diag::Diag::error(codes::E0304, asset, doc_span, format!("the Secret `{name}` in `{wanted}` holds its values in plaintext"))
            .help("keep the values in the secret store and create the Secret from it (a template with a `secret` parameter)")
    } else {
        let mut d = crate::diag::Diag::error(
            codes::E0304,
            asset,
            doc_span,
            format!("{}, in `{name}` of `{wanted}`", leak.message()),
        )
        .note(format!("at `{}`", leak.path_text()))
        .help(leak.help());
        d.notes.extend(leak.note());
        d
    };
    d.label("this document")
        .secondary(file, span, "included here")
}
