//! Type checking of trait and segment expressions (§4, §5): resolves names, types
//! every node, inserts numeric widenings, reads literals next to decimals exactly,
//! and enforces the `since`, filter and `none` rules. Traits are checked on demand
//! so a trait's type is known wherever it is referenced; a reference to a trait on a
//! cycle (reported by `check::cycles`) types as `{unknown}`, whichever trait of the
//! cycle is checked first.

use foldhash::{HashMap, HashMapExt};

use super::expr::{AggFunc, DecLit, EventSrc, Expr, ExprKind, Helper, Lit, SrcEvent};
use super::resolve::Pending;
use super::types::{widen, Base, Type};
use super::{Catalog, Program};
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{self, BinOp, Span, UnaryOp};

#[derive(Clone, Copy, PartialEq)]
enum State {
    Pending,
    InProgress,
    Done,
}

/// Where an expression is being checked.
#[derive(Clone, Copy)]
struct Cx<'f> {
    file: &'f str,
    /// Inside `E[…]`: the event whose fields bare names denote.
    filter: Option<usize>,
    /// This node may be `since(E)`, because it is compared with a constant duration.
    since_ok: bool,
}

/// Name → index of every declaration kind, so look-ups do not scan.
#[derive(Default)]
struct Names {
    events: HashMap<String, usize>,
    traits: HashMap<String, usize>,
    segments: HashMap<String, usize>,
    attrs: HashMap<String, usize>,
}

impl Names {
    fn of(prog: &Program) -> Names {
        fn index<T>(items: &[T], name: impl Fn(&T) -> &str) -> HashMap<String, usize> {
            let mut m = HashMap::new();
            for (i, it) in items.iter().enumerate() {
                m.entry(name(it).to_string()).or_insert(i);
            }
            m
        }
        Names {
            events: index(&prog.events, |e| &e.name),
            traits: index(&prog.traits, |t| &t.name),
            segments: index(&prog.segments, |s| &s.name),
            attrs: index(&prog.attrs, |a| &a.name),
        }
    }
}

pub(crate) struct Typeck<'p, 'a> {
    names: Names,
    catalog: &'p Catalog,
    /// Traits on a cycle: referenced, they type as `{unknown}`.
    cyclic: Vec<bool>,
    prog: &'p mut Program,
    traits: &'p [(Pending<'a, ast::TraitDecl>, Option<String>)],
    state: Vec<State>,
    diags: &'p mut Vec<Diagnostic>,
}

impl<'p, 'a> Typeck<'p, 'a> {
    pub(crate) fn new(
        prog: &'p mut Program,
        traits: &'p [(Pending<'a, ast::TraitDecl>, Option<String>)],
        catalog: &'p Catalog,
        diags: &'p mut Vec<Diagnostic>,
    ) -> Self {
        let state = vec![State::Pending; traits.len()];
        let names = Names::of(prog);
        Typeck {
            names,
            catalog,
            cyclic: Vec::new(),
            prog,
            traits,
            state,
            diags,
        }
    }

    pub(crate) fn check_all(
        &mut self,
        segments: &[(Pending<'a, ast::SegmentDecl>, Option<String>)],
    ) {
        self.find_cycles(segments);
        for i in 0..self.traits.len() {
            self.trait_type(i);
        }
        for (i, (p, _)) in segments.iter().enumerate() {
            let cx = Cx {
                file: p.file,
                filter: None,
                since_ok: false,
            };
            let e = self.expr(&p.decl.expr, cx);
            if !matches!(e.ty.base, Base::Bool | Base::Error) {
                self.diags.push(
                    Diagnostic::new(
                        codes::NOT_BOOL_SEGMENT,
                        format!(
                            "segment `{}` must be a boolean expression, found `{}`",
                            p.decl.name.name, e.ty
                        ),
                        p.file,
                        p.decl.expr.span,
                    )
                    .with_primary_label(format!("this is `{}`", e.ty))
                    .with_help("compare the value, e.g. `… > 0`, or make it a `trait`"),
                );
            }
            if let Some(seg) = self.prog.segments.get_mut(i) {
                seg.expr = e;
            }
        }
    }

    fn find_cycles(&mut self, segments: &[(Pending<'a, ast::SegmentDecl>, Option<String>)]) {
        let traits: Vec<&ast::Expr> = self.traits.iter().map(|(p, _)| &p.decl.expr).collect();
        let segs: Vec<&ast::Expr> = segments.iter().map(|(p, _)| &p.decl.expr).collect();
        let names = &self.names;
        self.cyclic = super::cyclic::traits_on_cycles(&traits, &segs, |n| {
            names
                .traits
                .get(n)
                .copied()
                .or_else(|| names.segments.get(n).map(|j| traits.len() + j))
        });
    }

    /// The type of trait `i` where it is referenced, checking it first if needed.
    fn trait_type(&mut self, i: usize) -> Type {
        let ty = self.checked_trait_type(i);
        if self.cyclic.get(i) == Some(&true) {
            return Type::ERROR;
        }
        ty
    }

    fn checked_trait_type(&mut self, i: usize) -> Type {
        match self.state.get(i) {
            Some(State::Done) => return self.prog.traits.get(i).map_or(Type::ERROR, |t| t.ty),
            Some(State::InProgress) | None => return Type::ERROR,
            Some(State::Pending) => {}
        }
        self.state[i] = State::InProgress;
        let Some((p, _)) = self.traits.get(i) else {
            return Type::ERROR;
        };
        let cx = Cx {
            file: p.file,
            filter: None,
            since_ok: false,
        };
        let e = self.expr(&p.decl.expr, cx);
        let ty = e.ty;
        if let Some(t) = self.prog.traits.get_mut(i) {
            t.ty = ty;
            t.expr = e;
        }
        self.state[i] = State::Done;
        ty
    }

    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn expr(&mut self, e: &ast::Expr, cx: Cx<'_>) -> Expr {
        let span = e.span;
        let node = |kind, ty| Expr { kind, ty, span };
        match &e.kind {
            ast::ExprKind::Int(text) => {
                match text.parse::<i64>() {
                    Ok(v) => node(ExprKind::Lit(Lit::Int(v)), Type::INT),
                    Err(_) => {
                        self.err(
                        Diagnostic::new(codes::BAD_NUMBER, format!("integer `{text}` does not fit in `int`"), cx.file, span)
                            .with_help("integers are 64-bit; use a decimal operand for larger exact numbers"),
                    );
                        Expr::error(span)
                    }
                }
            }
            ast::ExprKind::Float(text) => {
                let v: f64 = text.parse().unwrap_or(f64::NAN);
                node(
                    ExprKind::Lit(Lit::Float(v.to_bits())),
                    Type::new(Base::Float),
                )
            }
            ast::ExprKind::Str(s) => {
                node(ExprKind::Lit(Lit::Str(s.clone())), Type::new(Base::String))
            }
            ast::ExprKind::Bool(b) => node(ExprKind::Lit(Lit::Bool(*b)), Type::BOOL),
            ast::ExprKind::None => node(ExprKind::Lit(Lit::None), Type::opt(Base::Error)),
            ast::ExprKind::Duration(d) => node(
                ExprKind::Lit(Lit::Duration(d.ms)),
                Type::new(Base::Duration),
            ),
            ast::ExprKind::Paren(inner) => {
                let mut x = self.expr(inner, cx);
                x.span = span;
                x
            }
            ast::ExprKind::Name(id) => self.name(id, span, cx),
            ast::ExprKind::ProfileAttr(id) => self.profile_attr(id, span, cx),
            ast::ExprKind::Filter { .. } | ast::ExprKind::Field { .. } => {
                self.err(
                    Diagnostic::new(
                        codes::EVENT_AS_VALUE,
                        "an event reference is not a value",
                        cx.file,
                        span,
                    )
                    .with_primary_label("event reference")
                    .with_help(
                        "aggregate it, e.g. `count(…)`, `sum(….field, 30d)` or `last(….field)`",
                    ),
                );
                Expr::error(span)
            }
            ast::ExprKind::Call { func, args } => self.call(func, args, span, cx),
            ast::ExprKind::Seq {
                a,
                b,
                negated,
                within,
            } => {
                if self.no_aggregate_in_filter(cx, span, "a sequence") {
                    return Expr::error(span);
                }
                let a = self.event_src(a, cx);
                let b = self.event_src(b, cx);
                match (a, b) {
                    (Some(a), Some(b)) => node(
                        ExprKind::Seq {
                            a,
                            b,
                            within: within.ms,
                            negated: *negated,
                        },
                        Type::BOOL,
                    ),
                    _ => Expr::error(span),
                }
            }
            ast::ExprKind::Unary { op, expr } => self.unary(*op, expr, span, cx),
            ast::ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, span, cx),
            ast::ExprKind::In { expr, items } => self.in_list(expr, items, span, cx),
        }
    }

    fn name(&mut self, id: &ast::Ident, span: Span, cx: Cx<'_>) -> Expr {
        let n = id.name.as_str();
        if let Some(ev) = cx.filter {
            if let Some(event) = self.prog.events.get(ev) {
                if let Some(fi) = event.field(n) {
                    let f = &event.fields[fi];
                    let ty = Type {
                        base: Base::from_value_type(f.ty),
                        optional: f.optional,
                    };
                    return Expr {
                        kind: ExprKind::Field(fi),
                        ty,
                        span,
                    };
                }
                let is_decl = self.names.traits.get(n).copied().is_some()
                    || self.names.segments.get(n).copied().is_some();
                let d = if is_decl {
                    Diagnostic::new(codes::BAD_FILTER, format!("`{n}` cannot be used inside an event filter"), cx.file, span)
                        .with_primary_label("a trait or segment")
                        .with_help("a filter may use only the event's own fields, literals, operators and string helpers; combine the condition outside the filter")
                } else {
                    let fields: Vec<String> = event
                        .fields
                        .iter()
                        .map(|f| format!("`{}`", f.name))
                        .collect();
                    Diagnostic::new(
                        codes::UNKNOWN_FIELD,
                        format!("event `{}` has no field `{n}`", event.name),
                        cx.file,
                        span,
                    )
                    .with_primary_label("unknown field")
                    .with_help(format!(
                        "fields of `{}`: {}",
                        event.name,
                        fields.join(", ")
                    ))
                };
                self.err(d);
            }
            return Expr::error(span);
        }
        if let Some(i) = self.names.traits.get(n).copied() {
            let ty = self.trait_type(i);
            return Expr {
                kind: ExprKind::Trait(i),
                ty,
                span,
            };
        }
        if let Some(i) = self.names.segments.get(n).copied() {
            return Expr {
                kind: ExprKind::Segment(i),
                ty: Type::BOOL,
                span,
            };
        }
        let d = if n == "any" || self.names.events.get(n).copied().is_some() {
            Diagnostic::new(
                codes::EVENT_AS_VALUE,
                format!("event `{n}` is not a value"),
                cx.file,
                span,
            )
            .with_primary_label("event reference")
            .with_help(format!("count it instead: `count({n}) > 0`"))
        } else {
            Diagnostic::new(
                codes::UNKNOWN_NAME,
                format!("unknown name `{n}`"),
                cx.file,
                span,
            )
            .with_primary_label("not a trait or segment")
            .with_help(self.suggest(n))
        };
        self.err(d);
        Expr::error(span)
    }

    fn suggest(&self, n: &str) -> String {
        let names = self.catalog.traits.iter().chain(&self.catalog.segments);
        let best = names
            .min_by_key(|c| edit_distance(c, n))
            .filter(|c| edit_distance(c, n) <= 2);
        match best {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("declare it: `trait {n} = …` or `segment {n} = …`"),
        }
    }

    fn profile_attr(&mut self, id: &ast::Ident, span: Span, cx: Cx<'_>) -> Expr {
        if cx.filter.is_some() {
            self.err(
                Diagnostic::new(codes::BAD_FILTER, "`profile` attributes cannot be used inside an event filter", cx.file, span)
                    .with_help("combine the condition outside the filter: `count(e[…]) > 0 and profile.x == …`"),
            );
            return Expr::error(span);
        }
        match self.names.attrs.get(id.name.as_str()).copied() {
            Some(i) => {
                let base = self
                    .prog
                    .attrs
                    .get(i)
                    .map_or(Base::Error, |a| Base::from_value_type(a.ty));
                Expr {
                    kind: ExprKind::Attr(i),
                    ty: Type::opt(base),
                    span,
                }
            }
            None => {
                self.err(
                    Diagnostic::new(
                        codes::UNKNOWN_ATTR,
                        format!("unknown profile attribute `{}`", id.name),
                        cx.file,
                        id.span,
                    )
                    .with_primary_label("not declared in a `profile` block")
                    .with_help(format!("declare it: `profile {{ {}: string }}`", id.name)),
                );
                Expr::error(span)
            }
        }
    }

    fn no_aggregate_in_filter(&mut self, cx: Cx<'_>, span: Span, what: &str) -> bool {
        if cx.filter.is_none() {
            return false;
        }
        self.err(
            Diagnostic::new(codes::BAD_FILTER, format!("{what} cannot be used inside an event filter"), cx.file, span)
                .with_help("a filter may use only the event's own fields, literals, operators and string helpers"),
        );
        true
    }

    /// `E`, `E[pred]` or `any`.
    fn event_src(&mut self, e: &ast::Expr, cx: Cx<'_>) -> Option<EventSrc> {
        match &e.kind {
            ast::ExprKind::Paren(inner) => self.event_src(inner, cx),
            ast::ExprKind::Name(id) if id.name == "any" => Some(EventSrc {
                events: (0..self.prog.events.len())
                    .map(|event| SrcEvent {
                        event,
                        filter: None,
                    })
                    .collect(),
                is_any: true,
                span: e.span,
            }),
            ast::ExprKind::Name(id) => {
                let event = self.event_named(id, cx)?;
                Some(EventSrc {
                    events: vec![SrcEvent {
                        event,
                        filter: None,
                    }],
                    is_any: false,
                    span: e.span,
                })
            }
            ast::ExprKind::Filter { base, pred } => {
                if let ast::ExprKind::Name(id) = &base.kind {
                    if id.name == "any" {
                        self.err(
                            Diagnostic::new(
                                codes::BAD_FILTER,
                                "`any` cannot be filtered",
                                cx.file,
                                e.span,
                            )
                            .with_help("filter a named event: `count(viewed_product[…], 7d)`"),
                        );
                        return None;
                    }
                    let event = self.event_named(id, cx)?;
                    let fcx = Cx {
                        file: cx.file,
                        filter: Some(event),
                        since_ok: false,
                    };
                    let p = self.expr(pred, fcx);
                    self.expect_bool(&p, cx.file, "an event filter");
                    return Some(EventSrc {
                        events: vec![SrcEvent {
                            event,
                            filter: Some(Box::new(p)),
                        }],
                        is_any: false,
                        span: e.span,
                    });
                }
                self.not_an_event(e, cx)
            }
            _ => self.not_an_event(e, cx),
        }
    }

    fn not_an_event(&mut self, e: &ast::Expr, cx: Cx<'_>) -> Option<EventSrc> {
        self.err(
            Diagnostic::new(codes::BAD_ARGUMENTS, "expected an event reference", cx.file, e.span)
                .with_primary_label("not an event")
                .with_help("write an event name, `any`, or a filtered event such as `purchased[currency == \"EUR\"]`"),
        );
        None
    }

    fn event_named(&mut self, id: &ast::Ident, cx: Cx<'_>) -> Option<usize> {
        let found = self.names.events.get(id.name.as_str()).copied();
        if found.is_none() {
            let best = self
                .catalog
                .events
                .iter()
                .min_by_key(|c| edit_distance(c, &id.name))
                .filter(|c| edit_distance(c, &id.name) <= 2);
            let help = match best {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("declare it: `event {} {{ … }}`", id.name),
            };
            self.err(
                Diagnostic::new(
                    codes::UNKNOWN_EVENT,
                    format!("unknown event `{}`", id.name),
                    cx.file,
                    id.span,
                )
                .with_primary_label("not a declared event")
                .with_help(help),
            );
        }
        found
    }

    /// `E.f` / `E[pred].f`: the source and the field index.
    fn event_field(&mut self, e: &ast::Expr, cx: Cx<'_>) -> Option<(EventSrc, usize, Type)> {
        let ast::ExprKind::Field { base, field } = &e.kind else {
            self.err(
                Diagnostic::new(
                    codes::BAD_ARGUMENTS,
                    "expected an event field such as `purchased.revenue`",
                    cx.file,
                    e.span,
                )
                .with_primary_label("not an event field"),
            );
            return None;
        };
        if matches!(&base.kind, ast::ExprKind::Name(id) if id.name == "any") {
            self.err(
                Diagnostic::new(codes::BAD_FILTER, "`any` has no fields", cx.file, e.span)
                    .with_help("read the field of a named event: `last(viewed_product.category)`"),
            );
            return None;
        }
        let src = self.event_src(base, cx)?;
        let ev = src.events.first()?.event;
        let event = self.prog.events.get(ev)?;
        match event.field(&field.name) {
            Some(fi) => {
                let f = &event.fields[fi];
                let ty = Type {
                    base: Base::from_value_type(f.ty),
                    optional: f.optional,
                };
                Some((src, fi, ty))
            }
            None => {
                let fields: Vec<String> = event
                    .fields
                    .iter()
                    .map(|f| format!("`{}`", f.name))
                    .collect();
                let d = Diagnostic::new(
                    codes::UNKNOWN_FIELD,
                    format!("event `{}` has no field `{}`", event.name, field.name),
                    cx.file,
                    field.span,
                )
                .with_primary_label("unknown field")
                .with_help(format!(
                    "fields of `{}`: {}",
                    event.name,
                    fields.join(", ")
                ));
                self.err(d);
                None
            }
        }
    }

    fn window(&mut self, e: Option<&ast::Expr>, cx: Cx<'_>) -> Result<Option<i64>, ()> {
        let Some(e) = e else { return Ok(None) };
        match const_duration(e) {
            Some(ms) => Ok(Some(ms)),
            None => {
                self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENTS,
                        "a window must be a constant duration",
                        cx.file,
                        e.span,
                    )
                    .with_primary_label("not a constant duration")
                    .with_help("write a duration literal such as `30m`, `7d` or `1h30m`"),
                );
                Err(())
            }
        }
    }

    fn call(&mut self, func: &ast::Ident, args: &[ast::Expr], span: Span, cx: Cx<'_>) -> Expr {
        let name = func.name.as_str();
        if let Some(h) = helper(name) {
            return self.helper_call(h, func, args, span, cx);
        }
        let is_since = name == "since";
        let Some(agg) =
            AggFunc::from_name(name).or(if is_since { Some(AggFunc::Last) } else { None })
        else {
            self.err(
                Diagnostic::new(codes::UNKNOWN_FUNCTION, format!("unknown function `{name}`"), cx.file, func.span)
                    .with_primary_label("not a function")
                    .with_help("functions: count, sum, avg, min, max, distinct, first, last, most_frequent, since, starts_with, contains, lower"),
            );
            return Expr::error(span);
        };
        if self.no_aggregate_in_filter(cx, span, &format!("`{name}`")) {
            return Expr::error(span);
        }
        let max_args = if is_since { 1 } else { 2 };
        if args.is_empty() || args.len() > max_args {
            let usage = if is_since {
                "since(E)".to_string()
            } else if agg == AggFunc::Count {
                "count(E) or count(E, 30d)".to_string()
            } else {
                format!("{name}(E.field) or {name}(E.field, 30d)")
            };
            self.err(
                Diagnostic::new(
                    codes::BAD_ARGUMENTS,
                    format!(
                        "`{name}` takes {} argument{}",
                        if is_since { "one" } else { "one or two" },
                        if is_since { "" } else { "s" }
                    ),
                    cx.file,
                    span,
                )
                .with_help(format!("write `{usage}`")),
            );
            return Expr::error(span);
        }
        let Ok(window) = self.window(args.get(1), cx) else {
            return Expr::error(span);
        };
        if is_since {
            return self.since(&args[0], span, cx);
        }
        if agg == AggFunc::Count {
            return self.count(&args[0], window, span, cx);
        }
        let Some((src, field, fty)) = self.event_field(&args[0], cx) else {
            return Expr::error(span);
        };
        let Some(ty) = self.agg_type(agg, fty, args[0].span, cx) else {
            return Expr::error(span);
        };
        Expr {
            kind: ExprKind::Agg {
                func: agg,
                src,
                field: Some(field),
                window,
            },
            ty,
            span,
        }
    }

    fn since(&mut self, arg: &ast::Expr, span: Span, cx: Cx<'_>) -> Expr {
        if !cx.since_ok {
            self.err(
                Diagnostic::new(codes::SINCE_NOT_CONST, "`since` may only be compared with a constant duration", cx.file, span)
                    .with_primary_label("used here")
                    .with_help("compare it directly, e.g. `since(signed_up) < 7d`, or through `??`: `(since(e) ?? 30d) >= 7d`"),
            );
            return Expr::error(span);
        }
        match self.event_src(arg, cx) {
            Some(src) => Expr {
                kind: ExprKind::Since(src),
                ty: Type::opt(Base::Duration),
                span,
            },
            None => Expr::error(span),
        }
    }

    fn count(&mut self, arg: &ast::Expr, window: Option<i64>, span: Span, cx: Cx<'_>) -> Expr {
        if let ast::ExprKind::Seq {
            a,
            b,
            negated,
            within,
        } = &arg.kind
        {
            if *negated {
                self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENTS,
                        "an absence cannot be counted",
                        cx.file,
                        arg.span,
                    )
                    .with_help("count positive sequences only: `count(a then b within 1h, 30d)`"),
                );
                return Expr::error(span);
            }
            let (Some(a), Some(b)) = (self.event_src(a, cx), self.event_src(b, cx)) else {
                return Expr::error(span);
            };
            return Expr {
                kind: ExprKind::SeqCount {
                    a,
                    b,
                    within: within.ms,
                    window,
                },
                ty: Type::INT,
                span,
            };
        }
        match self.event_src(arg, cx) {
            Some(src) => Expr {
                kind: ExprKind::Agg {
                    func: AggFunc::Count,
                    src,
                    field: None,
                    window,
                },
                ty: Type::INT,
                span,
            },
            None => Expr::error(span),
        }
    }

    fn agg_type(&mut self, agg: AggFunc, fty: Type, span: Span, cx: Cx<'_>) -> Option<Type> {
        let b = fty.base;
        let numeric = matches!(b, Base::Int | Base::Float | Base::Decimal);
        let ordered = numeric || matches!(b, Base::String | Base::Duration | Base::Timestamp);
        let ok = match agg {
            AggFunc::Sum => numeric || b == Base::Duration,
            AggFunc::Avg => numeric,
            AggFunc::Min | AggFunc::Max => ordered,
            _ => true,
        };
        if !ok {
            let wants = match agg {
                AggFunc::Sum => "a number or duration",
                AggFunc::Avg => "a number",
                _ => "an ordered value (number, string, duration or timestamp)",
            };
            self.err(
                Diagnostic::new(
                    codes::BAD_FIELD_TYPE,
                    format!(
                        "`{}` needs {wants}, but this field is `{}`",
                        agg.name(),
                        Type::new(b)
                    ),
                    cx.file,
                    span,
                )
                .with_primary_label(format!("`{}` field", Type::new(b)))
                .with_help(
                    "use `count`, `distinct`, `first`, `last` or `most_frequent` for this field",
                ),
            );
            return None;
        }
        Some(match agg {
            AggFunc::Sum => Type::new(b),
            AggFunc::Avg => Type::opt(Base::Float),
            AggFunc::Distinct | AggFunc::Count => Type::INT,
            _ => Type::opt(b),
        })
    }

    fn helper_call(
        &mut self,
        h: Helper,
        func: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        cx: Cx<'_>,
    ) -> Expr {
        let arity = if h == Helper::Lower { 1 } else { 2 };
        if args.len() != arity {
            self.err(
                Diagnostic::new(
                    codes::BAD_ARGUMENTS,
                    format!(
                        "`{}` takes {arity} argument{}",
                        func.name,
                        if arity == 1 { "" } else { "s" }
                    ),
                    cx.file,
                    span,
                )
                .with_help(if arity == 1 {
                    "write `lower(s)`"
                } else {
                    "write e.g. `starts_with(s, \"x\")`"
                }),
            );
            return Expr::error(span);
        }
        let sub = Cx {
            since_ok: false,
            ..cx
        };
        let typed: Vec<Expr> = args.iter().map(|a| self.expr(a, sub)).collect();
        for a in &typed {
            if !matches!(a.ty.base, Base::String | Base::Error) {
                self.mismatch(cx.file, a.span, Type::new(Base::String), a.ty);
            }
        }
        let optional = typed.first().is_some_and(|a| a.ty.optional);
        let ty = if h == Helper::Lower {
            Type {
                base: Base::String,
                optional,
            }
        } else {
            Type::BOOL
        };
        Expr {
            kind: ExprKind::Helper {
                func: h,
                args: typed,
            },
            ty,
            span,
        }
    }

    fn mismatch(&mut self, file: &str, span: Span, expected: Type, found: Type) {
        if found.is_error() || expected.is_error() {
            return;
        }
        self.err(
            Diagnostic::new(
                codes::TYPE_MISMATCH,
                format!("expected `{}`, found `{}`", expected.base.name(), found),
                file,
                span,
            )
            .with_primary_label(format!("this is `{found}`")),
        );
    }

    fn expect_bool(&mut self, e: &Expr, file: &str, what: &str) {
        if !matches!(e.ty.base, Base::Bool | Base::Error) {
            self.err(
                Diagnostic::new(
                    codes::TYPE_MISMATCH,
                    format!("{what} must be `bool`, found `{}`", e.ty),
                    file,
                    e.span,
                )
                .with_primary_label(format!("this is `{}`", e.ty)),
            );
        }
    }

    fn unary(&mut self, op: UnaryOp, inner: &ast::Expr, span: Span, cx: Cx<'_>) -> Expr {
        let sub = Cx {
            since_ok: false,
            ..cx
        };
        let x = self.expr(inner, sub);
        match op {
            UnaryOp::Not => {
                self.expect_bool(&x, cx.file, "the operand of `not`");
                Expr {
                    kind: ExprKind::Not(Box::new(x)),
                    ty: Type::BOOL,
                    span,
                }
            }
            UnaryOp::Neg => {
                if !(x.ty.is_numeric() || x.ty.base == Base::Duration) {
                    self.err(
                        Diagnostic::new(
                            codes::TYPE_MISMATCH,
                            format!("cannot negate `{}`", x.ty),
                            cx.file,
                            span,
                        )
                        .with_primary_label(format!("this is `{}`", x.ty)),
                    );
                    return Expr::error(span);
                }
                let ty = x.ty;
                Expr {
                    kind: ExprKind::Neg(Box::new(x)),
                    ty,
                    span,
                }
            }
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        cx: Cx<'_>,
    ) -> Expr {
        let sub = Cx {
            since_ok: false,
            ..cx
        };
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.expr(lhs, sub);
                let r = self.expr(rhs, sub);
                self.expect_bool(
                    &l,
                    cx.file,
                    &format!("the left operand of `{}`", op.symbol()),
                );
                self.expect_bool(
                    &r,
                    cx.file,
                    &format!("the right operand of `{}`", op.symbol()),
                );
                Expr {
                    kind: ExprKind::Binary {
                        op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                        operand: Base::Bool,
                    },
                    ty: Type::BOOL,
                    span,
                }
            }
            _ if op.is_comparison() => self.comparison(op, lhs, rhs, span, cx),
            BinOp::Coalesce => {
                let l = self.expr(
                    lhs,
                    Cx {
                        since_ok: cx.since_ok,
                        ..sub
                    },
                );
                let r = self.expr(rhs, sub);
                self.arith_like(op, l, r, lhs, rhs, span, cx)
            }
            _ => {
                let l = self.expr(lhs, sub);
                let r = self.expr(rhs, sub);
                self.arith_like(op, l, r, lhs, rhs, span, cx)
            }
        }
    }

    fn comparison(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        cx: Cx<'_>,
    ) -> Expr {
        for side in [lhs, rhs] {
            if matches!(strip_parens(side).kind, ast::ExprKind::None) {
                self.err(
                    Diagnostic::new(codes::COMPARE_NONE, "cannot compare with `none`", cx.file, side.span)
                        .with_primary_label("`none` here")
                        .with_help("a comparison with none is always false; supply a default with `??`, e.g. `(x ?? 0) > 3`"),
                );
                return Expr {
                    kind: ExprKind::Error,
                    ty: Type::BOOL,
                    span,
                };
            }
        }
        let since_l = is_since_form(lhs) && const_duration(rhs).is_some();
        let since_r = is_since_form(rhs) && const_duration(lhs).is_some();
        let l = self.expr(
            lhs,
            Cx {
                since_ok: since_l,
                ..cx
            },
        );
        let r = self.expr(
            rhs,
            Cx {
                since_ok: since_r,
                ..cx
            },
        );
        let (l, r, operand) = match self.unify(op, l, r, lhs, rhs, cx) {
            Some(x) => x,
            None => {
                return Expr {
                    kind: ExprKind::Error,
                    ty: Type::BOOL,
                    span,
                }
            }
        };
        if matches!(operand, Base::Bool) && !matches!(op, BinOp::Eq | BinOp::Ne) {
            self.err(
                Diagnostic::new(
                    codes::TYPE_MISMATCH,
                    format!("`bool` values cannot be ordered with `{}`", op.symbol()),
                    cx.file,
                    span,
                )
                .with_help("use `==` or `!=`"),
            );
        }
        let maybe_none = (l.ty.optional && !since_l) || (r.ty.optional && !since_r);
        if maybe_none {
            let side = if l.ty.optional { &l } else { &r };
            self.err(
                Diagnostic::new(
                    codes::MAYBE_NONE,
                    format!(
                        "this comparison is false whenever {} is none",
                        snippet_kind(side)
                    ),
                    cx.file,
                    span,
                )
                .with_label(cx.file, side.span, format!("this is `{}`", side.ty))
                .with_help(
                    "supply a default with `??`, e.g. `(x ?? 0) > 3`, to make the intent explicit",
                ),
            );
        }
        Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
                operand,
            },
            ty: Type::BOOL,
            span,
        }
    }

    /// Brings two operands of a comparison or `??` to one base type.
    fn unify(
        &mut self,
        op: BinOp,
        l: Expr,
        r: Expr,
        la: &ast::Expr,
        ra: &ast::Expr,
        cx: Cx<'_>,
    ) -> Option<(Expr, Expr, Base)> {
        let (l, r) = self.decimal_literals(l, r, la, ra, cx);
        if l.ty.is_error() || r.ty.is_error() {
            let base = if l.ty.is_error() {
                r.ty.base
            } else {
                l.ty.base
            };
            return Some((l, r, base));
        }
        let numeric = l.ty.is_numeric() && r.ty.is_numeric();
        let base = if numeric {
            widen(l.ty.base, r.ty.base)
        } else if l.ty.base == r.ty.base {
            Some(l.ty.base)
        } else {
            None
        };
        let Some(base) = base else {
            self.err(operand_mismatch(op, &l, &r, cx.file, l.span.to(r.span)));
            return None;
        };
        Some((convert(l, base), convert(r, base), base))
    }

    /// A numeric literal directly beside a decimal operand is read as an exact decimal.
    fn decimal_literals(
        &mut self,
        l: Expr,
        r: Expr,
        la: &ast::Expr,
        ra: &ast::Expr,
        cx: Cx<'_>,
    ) -> (Expr, Expr) {
        let l2 = if r.ty.base == Base::Decimal {
            self.as_decimal(l, la, cx)
        } else {
            l
        };
        let r2 = if l2.ty.base == Base::Decimal {
            self.as_decimal(r, ra, cx)
        } else {
            r
        };
        (l2, r2)
    }

    fn as_decimal(&mut self, e: Expr, a: &ast::Expr, cx: Cx<'_>) -> Expr {
        let Some(text) = literal_text(a) else {
            return e;
        };
        match DecLit::parse(&text) {
            Some(d) => Expr {
                kind: ExprKind::Lit(Lit::Decimal(d)),
                ty: Type::new(Base::Decimal),
                span: e.span,
            },
            None => {
                self.err(
                    Diagnostic::new(
                        codes::DECIMAL_LITERAL,
                        format!("`{text}` does not fit a decimal"),
                        cx.file,
                        a.span,
                    )
                    .with_help("decimals hold at most 28 significant digits and 28 decimal places"),
                );
                Expr::error(e.span)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn arith_like(
        &mut self,
        op: BinOp,
        l: Expr,
        r: Expr,
        la: &ast::Expr,
        ra: &ast::Expr,
        span: Span,
        cx: Cx<'_>,
    ) -> Expr {
        let (l, r) = self.decimal_literals(l, r, la, ra, cx);
        if l.ty.is_error() || r.ty.is_error() {
            return Expr::error(span);
        }
        let result = arith_result(op, l.ty.base, r.ty.base);
        let Some((operand, base, conv)) = result else {
            self.err(operand_mismatch(op, &l, &r, cx.file, span).with_help(arith_help(op)));
            return Expr::error(span);
        };
        let optional = match op {
            BinOp::Coalesce => r.ty.optional,
            BinOp::Div | BinOp::Rem => true,
            _ => l.ty.optional || r.ty.optional,
        };
        let (l, r) = if conv {
            (convert(l, operand), convert(r, operand))
        } else {
            (l, r)
        };
        Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
                operand,
            },
            ty: Type { base, optional },
            span,
        }
    }

    fn in_list(
        &mut self,
        subject: &ast::Expr,
        items: &[ast::Expr],
        span: Span,
        cx: Cx<'_>,
    ) -> Expr {
        let sub = Cx {
            since_ok: false,
            ..cx
        };
        let mut s = self.expr(subject, sub);
        let mut typed = Vec::new();
        for item in items {
            let mut it = self.expr(item, sub);
            if s.ty.base == Base::Decimal {
                it = self.as_decimal(it, item, cx);
            }
            typed.push(it);
        }
        let mut base = s.ty.base;
        for it in &typed {
            let w = if s.ty.is_numeric() && it.ty.is_numeric() {
                widen(base, it.ty.base)
            } else if it.ty.base == base || it.ty.is_error() || base == Base::Error {
                Some(if base == Base::Error {
                    it.ty.base
                } else {
                    base
                })
            } else {
                None
            };
            match w {
                Some(b) => base = b,
                None => {
                    self.mismatch(cx.file, it.span, Type::new(s.ty.base), it.ty);
                    return Expr {
                        kind: ExprKind::Error,
                        ty: Type::BOOL,
                        span,
                    };
                }
            }
        }
        if s.ty.optional {
            self.err(
                Diagnostic::new(
                    codes::MAYBE_NONE,
                    "this `in` test is false whenever its subject is none",
                    cx.file,
                    span,
                )
                .with_label(cx.file, s.span, format!("this is `{}`", s.ty))
                .with_help("supply a default with `??`"),
            );
        }
        if base != Base::Error {
            s = convert(s, base);
            typed = typed.into_iter().map(|t| convert(t, base)).collect();
        }
        Expr {
            kind: ExprKind::In {
                expr: Box::new(s),
                items: typed,
            },
            ty: Type::BOOL,
            span,
        }
    }
}

/// E0301 for a binary operator whose operand types do not fit, labelling both.
fn operand_mismatch(op: BinOp, l: &Expr, r: &Expr, file: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        codes::TYPE_MISMATCH,
        format!(
            "`{}` cannot be applied to `{}` and `{}`",
            op.symbol(),
            l.ty,
            r.ty
        ),
        file,
        span,
    )
    .with_label(file, l.span, format!("this is `{}`", l.ty))
    .with_label(file, r.span, format!("this is `{}`", r.ty))
}

fn helper(name: &str) -> Option<Helper> {
    Some(match name {
        "starts_with" => Helper::StartsWith,
        "contains" => Helper::Contains,
        "lower" => Helper::Lower,
        _ => return None,
    })
}

/// (operand type, result base, whether operands are converted to the operand type).
fn arith_result(op: BinOp, l: Base, r: Base) -> Option<(Base, Base, bool)> {
    use Base::*;
    let numeric = |b| matches!(b, Int | Float | Decimal);
    match op {
        BinOp::Coalesce => {
            if l == r {
                Some((l, l, false))
            } else if numeric(l) && numeric(r) {
                widen(l, r).map(|w| (w, w, true))
            } else {
                None
            }
        }
        BinOp::Div if numeric(l) && numeric(r) => Some((Float, Float, true)),
        _ if numeric(l) && numeric(r) => widen(l, r).map(|w| (w, w, true)),
        BinOp::Add | BinOp::Sub if l == Duration && r == Duration => {
            Some((Duration, Duration, false))
        }
        BinOp::Add | BinOp::Sub if l == Timestamp && r == Duration => {
            Some((Timestamp, Timestamp, false))
        }
        BinOp::Sub if l == Timestamp && r == Timestamp => Some((Timestamp, Duration, false)),
        BinOp::Mul if (l == Duration && r == Int) || (l == Int && r == Duration) => {
            Some((Duration, Duration, false))
        }
        _ => None,
    }
}

fn arith_help(op: BinOp) -> &'static str {
    match op {
        BinOp::Mul => "a duration may be multiplied by an `int` only",
        BinOp::Coalesce => "both sides of `??` must have the same type",
        _ => "arithmetic needs numbers (int, decimal, float) or durations",
    }
}

fn convert(e: Expr, to: Base) -> Expr {
    if e.ty.base == to || e.ty.is_error() || to == Base::Error {
        return e;
    }
    if let ExprKind::Lit(Lit::None) = e.kind {
        return Expr {
            ty: Type::opt(to),
            ..e
        };
    }
    let ty = Type {
        base: to,
        optional: e.ty.optional,
    };
    let span = e.span;
    Expr {
        kind: ExprKind::Convert {
            to,
            expr: Box::new(e),
        },
        ty,
        span,
    }
}

fn strip_parens(e: &ast::Expr) -> &ast::Expr {
    match &e.kind {
        ast::ExprKind::Paren(inner) => strip_parens(inner),
        _ => e,
    }
}

/// `since(E)` or `(since(E) ?? CONST)`, through parentheses.
fn is_since_form(e: &ast::Expr) -> bool {
    match &strip_parens(e).kind {
        ast::ExprKind::Call { func, .. } => func.name == "since",
        ast::ExprKind::Binary {
            op: BinOp::Coalesce,
            lhs,
            rhs,
        } => {
            matches!(&strip_parens(lhs).kind, ast::ExprKind::Call { func, .. } if func.name == "since")
                && const_duration(rhs).is_some()
        }
        _ => false,
    }
}

/// The value of a constant duration: a literal, its negation, or `+`/`-` of such.
pub fn const_duration(e: &ast::Expr) -> Option<i64> {
    match &e.kind {
        ast::ExprKind::Duration(d) => Some(d.ms),
        ast::ExprKind::Paren(inner) => const_duration(inner),
        ast::ExprKind::Unary {
            op: UnaryOp::Neg,
            expr,
        } => const_duration(expr).map(|v| -v),
        ast::ExprKind::Binary {
            op: BinOp::Add,
            lhs,
            rhs,
        } => const_duration(lhs)?.checked_add(const_duration(rhs)?),
        ast::ExprKind::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
        } => const_duration(lhs)?.checked_sub(const_duration(rhs)?),
        _ => None,
    }
}

/// The text of a numeric literal or `-literal` (no parentheses), for exact reading.
fn literal_text(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        ast::ExprKind::Int(t) | ast::ExprKind::Float(t) => Some(t.clone()),
        ast::ExprKind::Unary {
            op: UnaryOp::Neg,
            expr,
        } => match &expr.kind {
            ast::ExprKind::Int(t) | ast::ExprKind::Float(t) => Some(format!("-{t}")),
            _ => None,
        },
        _ => None,
    }
}

fn snippet_kind(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Attr(_) => "the profile attribute",
        ExprKind::Agg { .. } => "the aggregate",
        ExprKind::Trait(_) => "the trait",
        ExprKind::Since(_) => "since",
        _ => "the operand",
    }
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            let v = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}
