//! Syntax: the pest grammar's parser, the owned AST it produces, the comments and blank
//! lines around it (trivia), and the formatter.
pub mod ast;
pub mod fmt;
pub mod parse;
pub mod trivia;
