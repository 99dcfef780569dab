//! Syntax: the pest grammar's parser and the owned AST it produces.
pub mod ast;
pub mod parse;
