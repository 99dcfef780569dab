//! What the evaluator reads from outside the code it evaluates: the `lab` record,
//! clusters, pools and other components' headers. The declaration queries implement it
//! (`sema::facts::DeclarationEnv`, `sema::component::ComponentEnv`), so the evaluator
//! never names the queries that call it. This is the one place where the pipeline
//! recurses: a query runs the evaluator, which reads other queries through this trait.

use indexmap::IndexMap;

use super::value::Value;
use crate::db::{Db, Lab};
use crate::sema::index::ItemRef;

/// The declarations an evaluation can read, by name.
pub trait Env {
    /// The `lab` record, or `None` if the lab has no valid `lab` declaration.
    fn lab_value<'db>(&self, db: &'db dyn Db, lab: Lab) -> Option<&'db Value>;
    /// The record `cluster` (and a cluster's name) stands for in a component: the
    /// cluster's own record plus `mesh_peers`.
    fn cluster_value(&self, db: &dyn Db, lab: Lab, name: &str) -> Option<Value>;
    /// The cluster's own record as declared (no `mesh_peers`), without a copy.
    fn cluster_record<'db>(&self, db: &'db dyn Db, lab: Lab, name: &str) -> Option<&'db Value>;
    /// A pool's record.
    fn pool_value<'db>(&self, db: &'db dyn Db, lab: Lab, name: &str) -> Option<&'db Value>;
    /// The header of the component `target` placed on `cluster`.
    fn component_header(&self, db: &dyn Db, lab: Lab, target: &ItemRef, cluster: &str) -> Header;
}

/// What other components need to know about a component: its namespace and definition.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Header {
    pub namespace: String,
    pub definition: Option<String>,
    /// The bound settings or parameters of an install or instance (shared: every
    /// reference to the component carries them).
    pub args: std::sync::Arc<IndexMap<String, Value>>,
    /// This header is the fallback of a cycle: `args` are unknown.
    pub cyclic: bool,
    /// The component's own declaration has errors, so some `args` may be missing.
    pub broken: bool,
    /// Its header pass went over the evaluation budget (E0307), or read an argument cut
    /// that way: readers of a missing argument fail silently (one error, not a cascade).
    pub over_budget: bool,
}
