//! Meaning: the item index, name resolution, the evaluator and the declaration facts and
//! components it computes, per declaration and cluster.

pub mod component;
pub mod eval;
pub mod index;
pub mod resolve;
