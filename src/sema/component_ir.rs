//! What evaluating a component gives: its chart, values, resources, health checks,
//! capabilities, capacity and CRDs (`ComponentIr`), the input of lowering.

use indexmap::IndexMap;

use super::eval::{AddressUse, CapabilityUse, ComponentUse, MeshUse, Value};
use crate::db::SourceFile;
use crate::syntax::ast::DeclKind;
use crate::syntax::ast::Span;

/// A chart source, as `oci(...)` or `helm(...)` describe it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Chart {
    pub oci: bool,
    pub url: String,
    /// The chart name in a Helm repository (`None` for OCI, where the URL names it).
    pub chart: Option<String>,
    pub version: String,
}

/// A health check Flux should wait for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HealthCheck {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// A resource a component creates, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub body: Value,
    pub file: SourceFile,
    pub span: Span,
    /// For a document of a manifest file: that file and the document's number in it
    /// (empty documents counted; `file` and `span` are then the `manifest` statement's).
    pub manifest: Option<(SourceFile, u32)>,
}

/// A countable resource a component offers: `capacity connections = 200`.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    pub kind: String,
    pub amount: Value,
    pub file: SourceFile,
    pub span: Span,
}

/// A use of another component's capacity: `consumes connections of server = 60`.
#[derive(Clone, Debug, PartialEq)]
pub struct Consumption {
    pub kind: String,
    pub provider: crate::sema::eval::ComponentRef,
    pub amount: Value,
    pub file: SourceFile,
    pub span: Span,
}

/// A CRD an operator installs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Crd {
    pub api_version: String,
    pub kind: String,
    pub cluster_scoped: bool,
    /// Where its schema comes from (`crds ... schema "X"`), when the statement says.
    pub schema: Option<CrdSchema>,
}

/// The `schema "X"` of a `crds` statement: a lab file (`.json`, `.yaml`, `.yml`, relative
/// to `file`) or a name of the embedded schema library, and where it is written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CrdSchema {
    pub source: String,
    pub file: SourceFile,
    pub span: Span,
}

/// The evaluated component on one cluster: the input of lowering.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ComponentOut {
    pub namespace: Option<String>,
    /// Label -> (value, where it is set).
    pub namespace_labels: IndexMap<String, (String, SourceFile, Span)>,
    /// The bound arguments of an install or instance.
    pub args: IndexMap<String, Value>,
    pub chart: Option<Chart>,
    pub chart_span: Option<(SourceFile, Span)>,
    /// Where a component's `version` override is written, when it has one.
    pub version_span: Option<(SourceFile, Span)>,
    pub values: Option<Value>,
    /// Value paths the definition writes straight from a typed setting (path ->
    /// setting), which a `values` override may not write (E0211).
    pub typed_paths: IndexMap<Vec<String>, String>,
    pub health: Vec<HealthCheck>,
    pub timeout: Option<crate::literal::Duration>,
    /// The `flux { ... }` settings of the definition and the component, merged in order.
    pub flux: super::flux_settings::FluxSettings,
    pub provides: Vec<(String, String, SourceFile, Span)>,
    pub crds: Vec<Crd>,
    pub capacities: Vec<Capacity>,
    pub consumptions: Vec<Consumption>,
    pub resources: Vec<Resource>,
    /// For a resource (by its index in `resources`) declared in the stdlib, the lab's
    /// line that asked for it: the instance, install or outermost `include`.
    pub resource_sites: IndexMap<usize, (SourceFile, Span)>,
    pub component_uses: Vec<ComponentUse>,
    /// The components `depends_on` names (each checked to be on the cluster).
    pub depends_on: Vec<ComponentUse>,
    pub capability_uses: Vec<CapabilityUse>,
    /// References `x via mesh` to components on other clusters.
    pub mesh_uses: Vec<MeshUse>,
    pub address_uses: Vec<AddressUse>,
}

impl ComponentOut {
    /// Where diagnostics about `r`, the resource `i` of this component, point: the lab's
    /// line that asked for it when it is declared in the stdlib, else the resource.
    pub fn resource_site(&self, i: usize, r: &Resource) -> (SourceFile, Span) {
        self.resource_sites
            .get(&i)
            .copied()
            .unwrap_or((r.file, r.span))
    }
}

/// A component evaluated on one cluster (diagnostics are accumulated).
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentIr {
    pub name: String,
    pub kind: DeclKind,
    pub file: SourceFile,
    pub name_span: Span,
    pub namespace: String,
    pub out: ComponentOut,
    pub ok: bool,
}
