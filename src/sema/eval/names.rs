//! Names in expressions: locals, `cluster` and `lab`, clusters, pools and components (a
//! component by name, or `via mesh` from another cluster of the mesh).

use super::{ComponentRef, ComponentUse, Context, Evaluator, MeshUse, Value};
use crate::db::Db;
use crate::diag::codes;
use crate::diag::did_you_mean;
use crate::sema::index::{ItemIndex, ItemRef};
use crate::syntax::ast::DeclKind;
use crate::syntax::ast::{Expr, ExprKind, Ident};

impl Evaluator<'_> {
    /// Resolve a variable: locals, `cluster`, `lab`, clusters, pools, components.
    pub(super) fn var(&mut self, id: &Ident, via_mesh: bool) -> Option<Value> {
        if let Some((v, origin)) = self.scopes.get_with_origin(&id.text) {
            let v = v.clone();
            self.note_read(origin);
            if via_mesh {
                if let Value::Component(mut c) = v {
                    c.via_mesh = true;
                    return Some(Value::Component(c));
                }
            }
            return Some(v);
        }
        if matches!(id.text.as_str(), "cluster" | "lab") {
            return self.global(id);
        }
        let declared = self.is_component(&id.text)
            || self.index.clusters.contains_key(&id.text)
            || self.index.pools.contains_key(&id.text);
        if declared && self.context != Context::Component {
            let d = self
                .error(
                    codes::E0209,
                    id.span,
                    format!("`{}` cannot be used here: lab, cluster and pool declarations hold plain values", id.text),
                )
                .lbl("reference to another declaration");
            d.help = Some(
                "write the value itself; components can read `cluster`, `lab`, clusters and pools"
                    .into(),
            );
            return None;
        }
        if self.is_component(&id.text) {
            return self.component_ref(id, via_mesh);
        }
        if self.index.clusters.contains_key(&id.text) {
            return self.env.cluster_value(self.db, self.lab, &id.text);
        }
        if self.index.pools.contains_key(&id.text) {
            return self.env.pool_value(self.db, self.lab, &id.text).cloned();
        }
        let locals = self.scopes.names();
        self.report_unknown_name(id, locals);
        None
    }

    /// `cluster` (the one this component is placed on) and `lab`, where they are known.
    fn global(&mut self, id: &Ident) -> Option<Value> {
        if id.text == "cluster" {
            if let Some(c) = self.cluster.clone() {
                return self.env.cluster_value(self.db, self.lab, &c);
            }
            self.error(
                codes::E0201,
                id.span,
                "`cluster` is only known inside a component placed on a cluster",
            )
            .primary
            .message = "no cluster here".into();
            return None;
        }
        if self.context == Context::Lab {
            self.error(
                codes::E0209,
                id.span,
                "the `lab` declaration cannot refer to itself",
            )
            .lbl("`lab` is being declared here");
            return None;
        }
        self.env.lab_value(self.db, self.lab).cloned()
    }

    /// `x via mesh`: the component `x` on another cluster of this one's mesh.
    pub(super) fn via_mesh(&mut self, inner: &Expr) -> Option<Value> {
        if let ExprKind::Var(id) = &inner.kind {
            return self.var(id, true);
        }
        self.error(
            codes::E0301,
            inner.span,
            "only a component name can be reached `via mesh`",
        )
        .primary
        .message = "not a component name".into();
        None
    }

    /// `lab.x` and `cluster.x`: the field read from the stored record, without copying
    /// the whole record first (each copy is charged to the size budget). `None` when the
    /// fast path does not apply; the ordinary path then reads it (and reports errors).
    pub(super) fn global_field(&mut self, base: &Expr, field: &Ident) -> Option<Value> {
        let ExprKind::Var(id) = &base.kind else {
            return None;
        };
        if self.scopes.get(&id.text).is_some() {
            return None;
        }
        let db = self.db;
        let root = match id.text.as_str() {
            "lab" if self.context != Context::Lab => self.env.lab_value(db, self.lab)?,
            // `mesh_peers` is added by `cluster_value`, not stored.
            "cluster" if field.text != "mesh_peers" => {
                let name = self.cluster.clone()?;
                self.env.cluster_record(db, self.lab, &name)?
            }
            _ => return None,
        };
        match root {
            Value::Record(r) => r.get(&field.text).cloned(),
            _ => None,
        }
    }

    /// E0201 for a name that is neither one of `locals` nor declared in the lab.
    /// Not for the name an `install` with a misspelled operator would have had (`install
    /// proxi` for `proxy`): that install is the one error, and this read fails silently.
    pub fn report_unknown_name(&mut self, id: &Ident, locals: Vec<String>) {
        // An error: reading the whole index here makes only this evaluation depend on
        // every file, which it must to know every name.
        let index = crate::sema::index::item_index(self.db, self.lab);
        let meant = |c: &ItemRef| meant_component_name(self.db, index, c);
        if index.components.iter().any(|c| meant(c) == Some(&id.text)) {
            self.cut = true;
            return;
        }
        let mut candidates = locals;
        candidates.extend(["cluster".to_string(), "lab".to_string()]);
        candidates.extend(index.component_names.keys().cloned());
        candidates.extend(index.clusters.keys().cloned());
        candidates.extend(index.pools.keys().cloned());
        let help = did_you_mean(&id.text, candidates.iter().map(String::as_str));
        let d = self
            .error(codes::E0201, id.span, format!("unknown name `{}`", id.text))
            .lbl("not found in this scope");
        d.help = help;
        d.add_suggested_fix();
    }

    /// A reference to a component by name, checked against the current cluster.
    fn component_ref(&mut self, id: &Ident, via_mesh: bool) -> Option<Value> {
        let here = self.cluster.clone();
        let candidates: &[ItemRef] = self.components_named(&id.text);
        let local = here
            .as_ref()
            .and_then(|h| candidates.iter().find(|c| c.on.contains(h)));
        let target = local.or(candidates.first())?.clone();
        let target_cluster = match (&local, &here) {
            (Some(_), Some(h)) => h.clone(),
            _ => target.on.first().cloned().unwrap_or_default(),
        };
        let same_cluster = local.is_some() || here.is_none();
        // A component placed on an unknown cluster (reported there) was likely meant to
        // be here: whether it can be reached from here is not known.
        if !same_cluster
            && target
                .on
                .iter()
                .any(|c| !self.index.clusters.contains_key(c))
        {
            self.cut = true;
            return None;
        }
        if !same_cluster {
            let here = here.unwrap_or_default();
            if !self.check_reach(id, &target, &here, &target_cluster, via_mesh) {
                return None;
            }
        }
        // Also in the header pass: a component's arguments and namespace may be computed
        // from other components (`namespace = server.namespace`). Headers that refer to
        // each other in a cycle get a fallback (see `component_header`).
        let header = self
            .env
            .component_header(self.db, self.lab, &target, &target_cluster);
        if same_cluster && !via_mesh {
            self.component_uses.push(ComponentUse {
                name: target.name.clone(),
                file: self.file,
                span: id.span,
            });
        } else if !same_cluster {
            self.mesh_uses.push(MeshUse {
                name: target.name.clone(),
                cluster: target_cluster.clone(),
                file: self.file,
                span: id.span,
            });
        }
        Some(Value::Component(ComponentRef {
            name: target.name,
            namespace: header.namespace,
            cluster: target_cluster,
            definition: header.definition,
            via_mesh: via_mesh && !same_cluster,
            args: header.args,
            cyclic: header.cyclic,
            broken: header.broken,
            over_budget: header.over_budget,
        }))
    }

    /// Whether a component `target` on another cluster, `target_cluster`, may be read
    /// from `here`: only `via mesh`, and only within one mesh (E0401 otherwise).
    fn check_reach(
        &mut self,
        id: &Ident,
        target: &ItemRef,
        here: &str,
        target_cluster: &str,
        via_mesh: bool,
    ) -> bool {
        if !via_mesh {
            let share_mesh = self.share_mesh(here, target_cluster);
            let d = self
                .error(
                    codes::E0401,
                    id.span,
                    format!(
                        "`{}` runs on cluster `{target_cluster}`, not on `{here}`",
                        id.text
                    ),
                )
                .lbl(format!("reference from cluster `{here}`"));
            d.secondary.push(crate::diag::Label {
                file: target.file,
                span: target.name_span,
                message: format!("`{}` is placed on `{target_cluster}` here", id.text),
            });
            d.help = Some(if share_mesh {
                format!(
                    "both clusters are in one mesh: write `{} via mesh`",
                    id.text
                )
            } else {
                format!(
                    "put `{here}` and `{target_cluster}` in one mesh (`mesh = \"...\"` on both) and write `{} via mesh`",
                    id.text
                )
            });
            return false;
        }
        if !self.share_mesh(here, target_cluster) {
            self.error(
                codes::E0401,
                id.span,
                format!("clusters `{here}` and `{target_cluster}` are not in one mesh"),
            )
            .help = Some(format!(
                "set the same `mesh = \"...\"` on clusters `{here}` and `{target_cluster}`"
            ));
            return false;
        }
        true
    }

    /// Whether clusters `a` and `b` set the same `mesh`.
    fn share_mesh(&self, a: &str, b: &str) -> bool {
        let mesh = |c: &str| -> Option<String> {
            match self.env.cluster_record(self.db, self.lab, c) {
                Some(Value::Record(r)) => match r.get("mesh") {
                    Some(Value::Str(m)) => Some(m.clone()),
                    _ => None,
                },
                _ => None,
            }
        };
        matches!((mesh(a), mesh(b)), (Some(x), Some(y)) if x == y)
    }
}

/// The operator that `install`, whose operator is unknown, not an operator or not
/// imported, was most likely meant to install: the one of that name in another module,
/// or the closest operator name (the typo's did-you-mean). Its CRDs and its name are
/// what the lab was written against, so their absence is no error of its own.
pub fn meant_operator<'i>(
    db: &dyn Db,
    index: &'i ItemIndex,
    install: &ItemRef,
) -> Option<&'i ItemRef> {
    if install.kind != DeclKind::Install {
        return None;
    }
    let def = crate::sema::index::decl(db, install).definition.as_ref()?;
    let operators = || {
        index
            .definitions
            .values()
            .flat_map(|m| m.values())
            .filter(|d| d.kind == DeclKind::Operator)
    };
    match index.definition(&install.module, &def.text) {
        Some(d) if d.kind == DeclKind::Operator => return None,
        _ => {}
    }
    if let Some(d) = operators().find(|d| d.name == def.text) {
        return Some(d);
    }
    let name = crate::diag::suggest::closest(&def.text, operators().map(|d| d.name.as_str()))?;
    operators().find(|d| d.name == name)
}

/// The name `install` would have had with the operator it was meant to install, when it
/// is named after its operator (no `as`) and that operator is misspelled.
fn meant_component_name<'i>(
    db: &dyn Db,
    index: &'i ItemIndex,
    install: &ItemRef,
) -> Option<&'i String> {
    let def = crate::sema::index::decl(db, install).definition.as_ref()?;
    if def.text != install.name {
        return None;
    }
    meant_operator(db, index, install).map(|op| &op.name)
}
