//! labc: a compiler for `.lab` files, typed multi-cluster GitOps labs, to Flux YAML trees.
//!
//! The pipeline (see ARCHITECTURE.md): source files (salsa inputs) -> `index::parse` ->
//! `index::item_index` -> `model` (evaluation with type checks, per declaration and
//! cluster) -> `lower::cluster_ir` (Flux IR, per cluster) -> `emit::emit_cluster`
//! (path -> YAML text). Only the CLI (`main.rs`, `cli`) touches the file system.

pub mod cli;
pub mod compile;
pub mod db;
pub mod diag;
pub mod emit;
pub mod literal;
pub mod lower;
pub mod sema;
pub mod stdlib;
pub mod syntax;
pub mod yaml;
