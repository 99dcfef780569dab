//! Where schemas come from: the embedded schema library (`Lab.schemas`,
//! `std/schemas/<name>/<version>.json`) by name and version, one set per file (a library
//! file, or a lab's own schema file through the importer), the choice of a version for a
//! chart version, and the check of a `crds` statement's `schema "X"` where it is
//! evaluated. The lookup for one object is `sema::schemas`, above the components.

use std::hash::Hasher as _;
use std::sync::Arc;

use indexmap::IndexMap;

use super::component_ir::CrdSchema;
pub use super::eval::files::is_schema_path;
use super::eval::files::LabFile;
use super::eval::{Evaluator, Ty, Value};
use crate::db::{Db, Lab, SourceFile};
use crate::diag::{codes, unknown_name_help};
use crate::schema::SchemaSet;
use crate::syntax::ast::Expr;

/// The library name of the core kinds' sets, one per Kubernetes minor version.
pub const KUBERNETES: &str = "kubernetes";

/// The library name of the Flux kinds' sets (the objects labc writes: HelmRelease,
/// Kustomization, the chart sources), one per Flux version; the newest is used.
pub const FLUX: &str = "flux";

/// A schema set, compared by what it was made from (its file and a digest of that file's
/// text), so that the queries returning one are backdated while their source is unchanged.
#[derive(Clone, Debug)]
pub struct SetRef {
    pub set: Arc<SchemaSet>,
    origin: (SourceFile, u64),
}

impl PartialEq for SetRef {
    fn eq(&self, other: &SetRef) -> bool {
        self.origin == other.origin
    }
}

impl Eq for SetRef {}

/// The schema set of one file: a library file in the compact form, or a lab file (CRD
/// YAML, a JSON schema, an OpenAPI document or a compact file) through the importer; or
/// why it is not one.
#[salsa::tracked(returns(ref))]
pub fn schema_file_set(db: &dyn Db, file: SourceFile) -> Result<SetRef, String> {
    let path = file.path(db);
    let text = file.text(db);
    let set = if path.starts_with("std/") {
        SchemaSet::from_compact(text)?
    } else {
        crate::schema::import::import(path, "", path, &[(path.clone(), text.clone())])?
    };
    let mut digest = fnv::FnvHasher::default();
    digest.write(text.as_bytes());
    Ok(SetRef {
        set: Arc::new(set),
        origin: (file, digest.finish()),
    })
}

/// The library by name: each name's versions, oldest first, with their files.
#[salsa::tracked(returns(ref))]
pub fn schema_library(db: &dyn Db, lab: Lab) -> IndexMap<String, Vec<(String, SourceFile)>> {
    let mut out: IndexMap<String, Vec<(String, SourceFile)>> = IndexMap::new();
    for &file in lab.schemas(db) {
        let path = file.path(db);
        let Some(rest) = path.strip_prefix("std/schemas/") else {
            continue;
        };
        let Some((name, version)) = rest.strip_suffix(".json").and_then(|r| r.split_once('/'))
        else {
            continue;
        };
        out.entry(name.to_string())
            .or_default()
            .push((version.to_string(), file));
    }
    for versions in out.values_mut() {
        versions.sort_by_key(|(v, _)| version_key(v));
    }
    out.sort_keys();
    out
}

/// The numbers of a version (`v1.27.1-rc.1` is 1, 27, 1), for ordering and distance.
fn version_key(version: &str) -> Vec<u64> {
    version
        .trim_start_matches('v')
        .split(['.', '-', '+'])
        .map_while(|part| part.parse::<u64>().ok())
        .collect()
}

/// Whether two versions share their major and minor number: what counts as a match
/// between a chart version and a schema version (patch releases keep their CRDs).
fn same_minor(a: &[u64], b: &[u64]) -> bool {
    a.len() >= 2 && b.len() >= 2 && a[..2] == b[..2]
}

/// The version of `versions` (oldest first) for `wanted`: one of the same major.minor
/// (exact, `true`), else the nearest (closest major, then minor, then patch; the newer of
/// two as close); the newest when nothing is wanted.
pub fn pick_version<'v>(
    versions: &'v [(String, SourceFile)],
    wanted: Option<&str>,
) -> Option<(&'v str, SourceFile, bool)> {
    let Some(wanted) = wanted else {
        return versions.last().map(|(v, f)| (v.as_str(), *f, true));
    };
    let want = version_key(wanted);
    if let Some((v, f)) = versions
        .iter()
        .rev()
        .find(|(v, _)| same_minor(&version_key(v), &want))
    {
        return Some((v, *f, true));
    }
    let distance = |v: &str| -> Vec<u64> {
        let have = version_key(v);
        (0..3)
            .map(|i| {
                let (a, b) = (have.get(i).copied(), want.get(i).copied());
                a.unwrap_or(0).abs_diff(b.unwrap_or(0))
            })
            .collect()
    };
    versions
        .iter()
        .rev()
        .min_by_key(|(v, _)| distance(v))
        .map(|(v, f)| (v.as_str(), *f, false))
}

/// Check a `crds` statement's `schema "X"` where it is evaluated: a lab file that exists
/// (E0503) and imports (E0520), or a name of the library (E0520 with the close name).
pub fn check_source(ev: &mut Evaluator, e: &Expr) -> Option<CrdSchema> {
    let Some(Value::Str(source)) = ev.eval(e, &Ty::Str) else {
        return None;
    };
    if is_schema_path(&source) {
        let (wanted, asset) = ev.find_lab_file(&source, e.span, LabFile::Schema)?;
        let problem = match schema_file_set(ev.db, asset) {
            Err(why) => Some(why.clone()),
            Ok(set) if set.set.kinds().is_empty() => {
                Some("it holds no schema of a kind (no CRD, no JSON schema with its kind)".into())
            }
            Ok(_) => None,
        };
        if let Some(why) = problem {
            ev.error(
                codes::E0520,
                e.span,
                format!("`{wanted}` is not a schema file labc can read: {why}"),
            )
            .lbl("not a schema")
            .help = Some(
                "name a CRD YAML file, a JSON schema of one kind, an OpenAPI v3 document or a file `labc import crd` wrote".into(),
            );
            return None;
        }
    } else {
        let library = schema_library(ev.db, ev.lab);
        if !library.contains_key(&source) || source == KUBERNETES || source == FLUX {
            let names = library
                .keys()
                .map(String::as_str)
                .filter(|n| ![KUBERNETES, FLUX].contains(n));
            let help = unknown_name_help(&source, names, |known| {
                crate::diag::listing("the schema library holds", known)
            });
            ev.error(
                codes::E0520,
                e.span,
                format!(
                    "the schema library has no `{}`",
                    crate::diag::shown(&source)
                ),
            )
            .lbl("no such schema")
            .help = help.or_else(|| {
                Some(
                    "name a schema file of the lab (`crds/x.yaml`, ending in .json, .yaml or .yml)"
                        .into(),
                )
            });
            return None;
        }
    }
    Some(CrdSchema {
        source,
        file: ev.file,
        span: e.span,
    })
}
