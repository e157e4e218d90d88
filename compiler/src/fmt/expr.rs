//! Printing expressions on one line, exactly as parsed: parentheses the author wrote
//! are kept, none are added (the tree already encodes precedence).

use crate::syntax::ast::{DurationLit, Expr, ExprKind, UnaryOp};

pub fn expr(e: &Expr) -> String {
    let mut s = String::new();
    write(e, &mut s);
    s
}

fn write(e: &Expr, s: &mut String) {
    match &e.kind {
        ExprKind::Int(t) | ExprKind::Float(t) => s.push_str(t),
        ExprKind::Str(v) => s.push_str(&string(v)),
        ExprKind::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        ExprKind::None => s.push_str("none"),
        ExprKind::Duration(d) => s.push_str(&d.text),
        ExprKind::Name(id) => s.push_str(&id.name),
        ExprKind::ProfileAttr(id) => {
            s.push_str("profile.");
            s.push_str(&id.name);
        }
        ExprKind::Filter { base, pred } => {
            write(base, s);
            s.push('[');
            write(pred, s);
            s.push(']');
        }
        ExprKind::Field { base, field } => {
            write(base, s);
            s.push('.');
            s.push_str(&field.name);
        }
        ExprKind::Call { func, args } => {
            s.push_str(&func.name);
            s.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write(a, s);
            }
            s.push(')');
        }
        ExprKind::Seq {
            a,
            b,
            negated,
            within,
        } => {
            write(a, s);
            s.push_str(if *negated { " then not " } else { " then " });
            write(b, s);
            s.push_str(" within ");
            s.push_str(&duration(within));
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } => {
            s.push_str("not ");
            write(expr, s);
        }
        ExprKind::Unary {
            op: UnaryOp::Neg,
            expr,
        } => {
            s.push('-');
            write(expr, s);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            write(lhs, s);
            s.push(' ');
            s.push_str(op.symbol());
            s.push(' ');
            write(rhs, s);
        }
        ExprKind::In { expr, items } => {
            write(expr, s);
            s.push_str(" in [");
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write(it, s);
            }
            s.push(']');
        }
        ExprKind::Paren(inner) => {
            s.push('(');
            write(inner, s);
            s.push(')');
        }
    }
}

pub fn duration(d: &DurationLit) -> String {
    d.text.clone()
}

/// A string literal with canonical escapes.
pub fn string(v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => s.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}
