//! Semantic tokens: the compiler's token classes (logos lexer + name resolution)
//! encoded as LSP relative tokens in the negotiated encoding. The legend is fixed.

use seg_compiler::ide::{self, TokenClass};
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend,
};

use crate::workspace::Snapshot;

const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::COMMENT,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::EVENT,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::CLASS,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::FUNCTION,
];

const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DOCUMENTATION,
    SemanticTokenModifier::DEFAULT_LIBRARY,
    SemanticTokenModifier::READONLY,
];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// Index into `TYPES` and modifier bits of a class.
fn classify(class: TokenClass) -> (u32, u32) {
    match class {
        TokenClass::Keyword => (0, 0),
        TokenClass::Comment => (1, 0),
        TokenClass::DocComment => (1, 0b10),
        TokenClass::String => (2, 0),
        TokenClass::Number => (3, 0),
        TokenClass::Operator => (4, 0),
        TokenClass::Event => (5, 0),
        TokenClass::Field => (6, 0),
        TokenClass::Attr => (6, 0b1000),
        TokenClass::Trait => (7, 0),
        TokenClass::Segment => (8, 0),
        TokenClass::Purpose => (9, 0),
        TokenClass::IdType => (10, 0),
        TokenClass::Function => (11, 0b100),
        TokenClass::Name => (7, 0),
    }
}

/// The encoded tokens of one project file.
pub fn encode(snap: &Snapshot, rel: &str) -> Vec<SemanticToken> {
    let (Some(file), Some(text)) = (snap.file(rel), snap.text(rel)) else {
        return Vec::new();
    };
    let ix = snap.line_index(text);
    let mut out = Vec::new();
    let (mut prev_line, mut prev_col) = (0u32, 0u32);
    for (span, class, is_def) in ide::semantic_tokens(&snap.db, snap.project, file) {
        let start = ix.position(span.start as usize);
        let Some(piece) = text.get(span.range()) else {
            continue;
        };
        if piece.contains('\n') {
            continue;
        }
        let (ty, mut mods) = classify(class);
        if is_def {
            mods |= 1;
        }
        let delta_line = start.line - prev_line;
        let delta_start = if delta_line == 0 {
            start.character - prev_col
        } else {
            start.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: snap.encoding.len(piece),
            token_type: ty,
            token_modifiers_bitset: mods,
        });
        (prev_line, prev_col) = (start.line, start.character);
    }
    out
}
