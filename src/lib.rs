//! labc: a compiler for `.lab` files, typed multi-cluster GitOps labs, to Flux YAML trees.
//!
//! The pipeline, one floor per module (see ARCHITECTURE.md, "Layers"): source files (salsa
//! inputs, `db`) -> `syntax` (parse) -> `sema` (item index, resolution, evaluation with
//! type checks, per declaration and cluster) -> `lower` (Flux IR and checks, per cluster
//! and lab) -> `emit` (path -> YAML text) -> `compile` (the driver) -> `cli` (the only
//! I/O). `diag`, `db`, `literal`, `yaml`, `schema` and `stdlib` are below everything.

pub mod cli;
pub mod compile;
pub mod db;
pub mod diag;
pub mod emit;
pub mod flux_import;
pub mod graph;
pub mod literal;
pub mod lower;
pub mod lsp;
pub mod objdiff;
pub mod schema;
pub mod sema;
pub mod stdlib;
pub mod syntax;
pub mod yaml;
