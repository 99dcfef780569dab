//! Meaning: the item index, name resolution, the evaluator, and what it computes per
//! declaration and cluster (declaration facts, components and their IR, manifests),
//! checked against Kubernetes core knowledge (`kube`).

pub mod bootstrap;
pub mod chart_overrides;
pub mod component;
pub mod component_ir;
pub mod definition;
pub mod depends_on;
pub mod eval;
pub mod facts;
pub mod flux_cel;
pub mod flux_settings;
pub mod index;
pub mod kube;
pub mod layout;
pub mod lint;
pub mod manifest;
pub mod manifest_lines;
pub mod namespace_decl;
pub mod overrides;
pub mod pins;
pub mod resolve;
pub mod resource;
pub mod schema_sources;
pub mod schemas;
mod unused_defaults;
