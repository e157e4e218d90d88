//! The occurrence index: every name written in the project's files, with what it
//! denotes and whether it is the declaration. Built from the ASTs and the resolved
//! program's name tables (a salsa query, recomputed when any file changes). It does
//! not report errors: names that resolve to nothing are simply left out.

use std::collections::{HashMap, HashSet};

use super::Symbol;
use crate::db::{parse_file, program, Project};
use crate::hir::Program;
use crate::syntax::ast::{self, Expr, ExprKind, ItemKind, Span, StepKind};

/// A name in the source.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Occurrence {
    pub file: String,
    pub span: Span,
    pub symbol: Symbol,
    /// This occurrence declares the symbol.
    pub is_def: bool,
}

/// All occurrences of a project, sorted by file and position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    /// The occurrences in one file, in source order.
    pub fn in_file<'a>(&'a self, file: &'a str) -> impl Iterator<Item = &'a Occurrence> + 'a {
        let start = self.occurrences.partition_point(|o| o.file.as_str() < file);
        self.occurrences[start..]
            .iter()
            .take_while(move |o| o.file == file)
    }
    /// Every occurrence of one symbol.
    pub fn of<'a>(&'a self, symbol: &'a Symbol) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| &o.symbol == symbol)
    }
}

/// Builds (or returns the cached) index of the project.
#[salsa::tracked(returns(ref))]
pub fn index(db: &dyn salsa::Database, project: Project) -> Index {
    let names = Names::new(program(db, project));
    let mut occurrences = Vec::new();
    for f in project.files(db) {
        let ast = &parse_file(db, *f).ast;
        let mut w = Walker {
            file: f.path(db),
            names: &names,
            out: &mut occurrences,
        };
        w.file(ast);
    }
    occurrences.sort_by(|a, b| (&a.file, a.span.start).cmp(&(&b.file, b.span.start)));
    Index { occurrences }
}

/// The project's declared names by kind.
struct Names {
    events: HashMap<String, HashSet<String>>,
    traits: HashSet<String>,
    segments: HashSet<String>,
}

impl Names {
    fn new(p: &Program) -> Names {
        Names {
            events: p
                .events
                .iter()
                .map(|e| {
                    let fields = e.fields.iter().map(|f| f.name.clone()).collect();
                    (e.name.clone(), fields)
                })
                .collect(),
            traits: p.traits.iter().map(|t| t.name.clone()).collect(),
            segments: p.segments.iter().map(|s| s.name.clone()).collect(),
        }
    }
    /// A bare name in an expression: a trait, a segment or an event.
    fn value(&self, name: &str) -> Option<Symbol> {
        if self.traits.contains(name) {
            Some(Symbol::Trait(name.to_string()))
        } else if self.segments.contains(name) {
            Some(Symbol::Segment(name.to_string()))
        } else if self.events.contains_key(name) {
            Some(Symbol::Event(name.to_string()))
        } else {
            None
        }
    }
    fn has_field(&self, event: &str, field: &str) -> bool {
        self.events.get(event).is_some_and(|f| f.contains(field))
    }
}

struct Walker<'a> {
    file: &'a str,
    names: &'a Names,
    out: &'a mut Vec<Occurrence>,
}

impl Walker<'_> {
    fn push(&mut self, span: Span, symbol: Symbol, is_def: bool) {
        self.out.push(Occurrence {
            file: self.file.to_string(),
            span,
            symbol,
            is_def,
        });
    }
    fn def(&mut self, id: &ast::Ident, symbol: fn(String) -> Symbol) {
        self.push(id.span, symbol(id.name.clone()), true);
    }
    fn reference(&mut self, id: &ast::Ident, symbol: fn(String) -> Symbol) {
        self.push(id.span, symbol(id.name.clone()), false);
    }
    fn field(&mut self, event: &str, id: &ast::Ident, is_def: bool) {
        let symbol = Symbol::Field {
            event: event.to_string(),
            field: id.name.clone(),
        };
        self.push(id.span, symbol, is_def);
    }

    fn file(&mut self, file: &ast::File) {
        for item in &file.items {
            self.item(&item.kind);
        }
    }

    fn item(&mut self, kind: &ItemKind) {
        match kind {
            ItemKind::Event(e) => {
                self.def(&e.name, Symbol::Event);
                for p in &e.purposes {
                    self.reference(p, Symbol::Purpose);
                }
                for f in &e.fields {
                    self.field(&e.name.name, &f.name, true);
                }
            }
            ItemKind::Identity(b) => {
                for line in &b.lines {
                    self.def(&line.name, Symbol::IdType);
                }
            }
            ItemKind::Purpose(p) => self.def(&p.name, Symbol::Purpose),
            ItemKind::Profile(p) => {
                for a in &p.attrs {
                    self.def(&a.name, Symbol::Attr);
                }
            }
            ItemKind::Trait(t) => {
                self.def(&t.name, Symbol::Trait);
                self.expr(&t.expr, None);
            }
            ItemKind::Segment(s) => {
                self.def(&s.name, Symbol::Segment);
                for c in &s.clauses {
                    if let ast::SegmentClause::For(p, _) = c {
                        self.reference(p, Symbol::Purpose);
                    }
                }
                self.expr(&s.expr, None);
            }
            ItemKind::Test(t) => {
                for step in &t.steps {
                    self.step(&step.kind);
                }
            }
        }
    }

    fn ids(&mut self, ids: &[ast::IdValue]) {
        for id in ids {
            self.reference(&id.id_type, Symbol::IdType);
        }
    }

    fn step(&mut self, kind: &StepKind) {
        match kind {
            StepKind::Track { ids, event, fields } => {
                self.ids(ids);
                self.reference(event, Symbol::Event);
                for f in fields {
                    self.field(&event.name, &f.name, false);
                }
            }
            StepKind::Identify { ids, attrs } => {
                self.ids(ids);
                for a in attrs {
                    self.reference(&a.name, Symbol::Attr);
                }
            }
            StepKind::Consent { ids, .. } | StepKind::Forget { ids } => self.ids(ids),
            StepKind::ExpectMember { id, segment, .. } => {
                self.ids(std::slice::from_ref(id));
                self.reference(segment, Symbol::Segment);
            }
            StepKind::ExpectTrait { id, name, .. } => {
                self.ids(std::slice::from_ref(id));
                if let Some(sym) = self.names.value(&name.name) {
                    self.push(name.span, sym, false);
                }
            }
        }
    }

    /// `filter`: the event whose fields bare names denote (inside `E[…]`).
    fn expr(&mut self, e: &Expr, filter: Option<&str>) {
        match &e.kind {
            ExprKind::Name(id) => self.name(id, filter),
            ExprKind::ProfileAttr(id) => self.reference(id, Symbol::Attr),
            ExprKind::Filter { base, pred } => {
                self.expr(base, filter);
                let ev = event_of(base, self.names);
                self.expr(pred, ev.as_deref());
            }
            ExprKind::Field { base, field } => {
                self.expr(base, filter);
                if let Some(ev) = event_of(base, self.names) {
                    self.field(&ev, field, false);
                }
            }
            ExprKind::Call { func, args } => {
                self.reference(func, Symbol::Function);
                for a in args {
                    self.expr(a, filter);
                }
            }
            ExprKind::Seq { a, b, .. } => {
                self.expr(a, filter);
                self.expr(b, filter);
            }
            ExprKind::Unary { expr, .. } | ExprKind::Paren(expr) => self.expr(expr, filter),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, filter);
                self.expr(rhs, filter);
            }
            ExprKind::In { expr, items } => {
                self.expr(expr, filter);
                for i in items {
                    self.expr(i, filter);
                }
            }
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Duration(_) => {}
        }
    }

    fn name(&mut self, id: &ast::Ident, filter: Option<&str>) {
        if let Some(ev) = filter {
            if self.names.has_field(ev, &id.name) {
                self.field(ev, id, false);
                return;
            }
        }
        if let Some(sym) = self.names.value(&id.name) {
            self.push(id.span, sym, false);
        }
    }
}

/// The declared event an event reference (`E`, `E[…]`, `(E)`) reads, if it is one.
fn event_of(e: &Expr, names: &Names) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) if names.events.contains_key(&id.name) => Some(id.name.clone()),
        ExprKind::Filter { base, .. } | ExprKind::Paren(base) => event_of(base, names),
        _ => None,
    }
}
