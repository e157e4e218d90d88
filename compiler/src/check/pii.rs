//! PII may not leave the runtime (§9): E0404 when a trait's value — shown in
//! snapshots — can carry the value of a `pii` event field or profile attribute.
//!
//! A value flows out of `first last min max most_frequent sum avg (E.f, …)`, a
//! `pii` profile attribute, and through `??`, arithmetic, unary minus, `lower(…)`,
//! parentheses and references to other traits. `count`, `distinct`, `since`,
//! comparisons, `in`, boolean operators, sequences, segments and filters yield no
//! field value and never leak. Segments only output membership and are not
//! checked. Unknown names and fields are skipped, and so are references to traits
//! on a cycle (E0209): what they carry would depend on where the cycle is entered.

use foldhash::{HashMap, HashMapExt, HashSet};

use super::index::{Definition, ProjectIndex};
use super::walk::{event_source, resolve, Target};
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, Span, UnaryOp};

/// Aggregates whose result is (or, over one event, equals) a field value.
const VALUE_AGGREGATES: &[&str] = &["first", "last", "min", "max", "most_frequent", "sum", "avg"];

/// Runs the PII rule over every trait.
pub fn check(ix: &ProjectIndex<'_>, diags: &mut Vec<Diagnostic>) {
    let mut cx = Cx {
        ix,
        memo: HashMap::new(),
        cyclic: super::cycles::on_cycles(ix),
    };
    for t in ix.traits.iter() {
        for leak in cx.leaks(t.file, &t.decl.expr) {
            diags.push(report(&t.decl.name.name, t.file, leak));
        }
    }
}

/// A `pii` declaration whose value can flow out.
#[derive(Clone, Copy)]
struct Source<'a> {
    /// `event.field` or `profile.attr`.
    owner: &'a str,
    field: &'a ast::FieldDecl,
    file: &'a str,
}

/// Where a trait's value picks up a `pii` value.
#[derive(Clone, Copy)]
struct Leak<'a> {
    /// In the trait's own expression.
    span: Span,
    source: Source<'a>,
    /// The trait referenced at `span` that carries the value, and the place in it
    /// (file, span) where the value originates.
    via: Option<(&'a str, &'a str, Span)>,
}

struct Cx<'i, 'a> {
    ix: &'i ProjectIndex<'a>,
    /// Trait name → its first leak (None while being computed or when clean).
    memo: HashMap<&'a str, Option<Leak<'a>>>,
    /// Traits and segments on a cycle.
    cyclic: HashSet<&'a str>,
}

impl<'a> Cx<'_, 'a> {
    /// Every place where `e`'s value can carry a `pii` value.
    fn leaks(&mut self, file: &'a str, e: &'a Expr) -> Vec<Leak<'a>> {
        match &e.kind {
            ExprKind::Paren(inner)
            | ExprKind::Unary {
                op: UnaryOp::Neg,
                expr: inner,
            } => self.leaks(file, inner),
            ExprKind::Binary { op, lhs, rhs } if carries_value(*op) => {
                let mut out = self.leaks(file, lhs);
                out.extend(self.leaks(file, rhs));
                out
            }
            ExprKind::Call { func, args } => self.call_leaks(file, &func.name, args),
            ExprKind::ProfileAttr(id) => self.attr_leak(id).into_iter().collect(),
            ExprKind::Name(id) => self.trait_leak(id).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    fn call_leaks(&mut self, file: &'a str, func: &str, args: &'a [Expr]) -> Vec<Leak<'a>> {
        let Some(arg) = args.first() else {
            return Vec::new();
        };
        if func == "lower" {
            return self.leaks(file, arg);
        }
        if !VALUE_AGGREGATES.contains(&func) {
            return Vec::new();
        }
        self.field_source(arg)
            .map(|source| Leak {
                span: arg.span,
                source,
                via: None,
            })
            .into_iter()
            .collect()
    }

    /// The `pii` field read by `E.f` / `E[…].f`, if it is one.
    fn field_source(&self, arg: &'a Expr) -> Option<Source<'a>> {
        let ExprKind::Field { field, .. } = &arg.kind else {
            return None;
        };
        let (Target::Event(ev), _) = event_source(self.ix, arg)? else {
            return None;
        };
        let decl = ev
            .decl
            .fields
            .iter()
            .find(|f| f.name.name == field.name && f.pii)?;
        Some(Source {
            owner: &ev.decl.name.name,
            field: decl,
            file: ev.file,
        })
    }

    fn attr_leak(&self, id: &'a ast::Ident) -> Option<Leak<'a>> {
        let (file, attr) = self.ix.attr(&id.name)?;
        attr.pii.then_some(Leak {
            span: id.span,
            source: Source {
                owner: "profile",
                field: attr,
                file,
            },
            via: None,
        })
    }

    /// A reference to a trait whose value carries a `pii` value.
    fn trait_leak(&mut self, id: &'a ast::Ident) -> Option<Leak<'a>> {
        let Some(Target::Def(Definition::Trait(t))) = resolve(self.ix, id) else {
            return None;
        };
        let name: &'a str = &t.decl.name.name;
        if self.cyclic.contains(name) {
            return None;
        }
        let inner = match self.memo.get(name) {
            Some(done) => *done,
            None => {
                self.memo.insert(name, None);
                let found = self.leaks(t.file, &t.decl.expr).into_iter().next();
                self.memo.insert(name, found);
                found
            }
        }?;
        let origin = match inner.via {
            Some((_, file, span)) => (name, file, span),
            None => (name, t.file, inner.span),
        };
        Some(Leak {
            span: id.span,
            source: inner.source,
            via: Some(origin),
        })
    }
}

/// Operators whose result carries an operand's value.
fn carries_value(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Coalesce | BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem
    )
}

fn report(trait_name: &str, file: &str, leak: Leak<'_>) -> Diagnostic {
    let src = leak.source;
    let what = format!("{}.{}", src.owner, src.field.name.name);
    let mut d = Diagnostic::new(
        codes::PII_OUTPUT,
        format!("trait `{trait_name}` would output the value of `{what}`, which is personal data"),
        file,
        leak.span,
    );
    d = match leak.via {
        Some((t, origin_file, origin)) => d
            .with_primary_label(format!("`{t}` carries the value of `{what}`"))
            .with_label(origin_file, origin, format!("`{what}` is read here")),
        None => d.with_primary_label(format!("the value of `{what}` flows into the trait")),
    };
    d.with_label(src.file, src.field.span, "declared `pii` here").with_help(format!(
        "trait values are shown in snapshots: use `{}` only in filters, comparisons or segments, or output `count(…)` or `distinct(…)` instead",
        src.field.name.name
    ))
}
