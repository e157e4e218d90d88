//! Surface syntax: the AST, the pest parser (grammar in `grammar/seg.pest`) and the
//! logos lexer used for comments, formatting and semantic tokens.
pub mod ast;
pub mod lexer;
pub mod parser;
