//! Printing declarations in the canonical layout: one blank line between
//! declarations (none between consecutive one-line purposes, traits or segments
//! without doc comments), two-space indentation in blocks, clauses in the order
//! written, long trait and segment expressions broken before their top-level
//! operators (`and`, `or`, `+`, …).

use super::comments::Comment;
use super::expr::{duration, expr, string};
use crate::syntax::ast::*;
use crate::syntax::lexer;

/// Longest line before a trait or segment expression moves to its own lines.
const WIDTH: usize = 100;

pub struct Printer<'t> {
    text: &'t str,
    /// End offsets of every token that is not a comment, ascending.
    code_ends: Vec<u32>,
    comments: Vec<Comment>,
    next: usize,
    out: String,
}

impl<'t> Printer<'t> {
    pub fn new(text: &'t str, comments: Vec<Comment>) -> Self {
        let code_ends = lexer::lex(text)
            .iter()
            .filter(|t| !t.kind.is_comment())
            .map(|t| t.span.end)
            .collect();
        Printer {
            text,
            code_ends,
            comments,
            next: 0,
            out: String::new(),
        }
    }

    pub fn file(mut self, file: &File) -> String {
        let mut prev: Option<&Item> = None;
        for item in &file.items {
            // A purpose, trait or segment has no line of its own for a comment inside
            // it: such comments go above it, with the comments before it, so that
            // formatting the output again leaves them there.
            let upto = if has_blocks(item) {
                item.span.start
            } else {
                self.code_end(item.span.end)
            };
            if let Some(p) = prev {
                self.out.push('\n');
                if !(one_liner(p) && one_liner(item) && same_kind(p, item))
                    || self.has_comment_before(upto)
                {
                    self.out.push('\n');
                }
            }
            self.leading(upto, "");
            self.doc(&item.doc, "");
            self.item(item);
            let end = self.code_end(item.span.end);
            self.inner_then_trailing(end, "");
            prev = Some(item);
        }
        let rest = self.text.len() as u32 + 1;
        if self.next < self.comments.len() {
            if !self.out.is_empty() {
                self.out.push_str("\n\n");
            }
            self.leading(rest, "");
            if self.out.ends_with('\n') {
                self.out.pop();
            }
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    /// `end` moved back over whitespace, so a span that runs into the next line ends
    /// where its code does.
    fn code_end(&self, end: u32) -> u32 {
        let i = self.code_ends.partition_point(|e| *e <= end);
        i.checked_sub(1)
            .and_then(|i| self.code_ends.get(i))
            .copied()
            .unwrap_or(end)
    }

    fn has_comment_before(&self, pos: u32) -> bool {
        self.comments
            .get(self.next)
            .is_some_and(|c| c.span.start < pos)
    }

    /// Own-line comments that start before `upto`.
    fn leading(&mut self, upto: u32, indent: &str) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= upto {
                break;
            }
            if !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            self.out.push_str(indent);
            self.out.push_str(&c.text);
            self.out.push('\n');
            if self.blank_line_after(c.span.end) {
                self.out.push('\n');
            }
            self.next += 1;
        }
    }

    /// The author left an empty line between `pos` and the next code or comment.
    fn blank_line_after(&self, pos: u32) -> bool {
        let rest = self.text.get(pos as usize..).unwrap_or("");
        let gap = &rest[..rest.len() - rest.trim_start().len()];
        gap.matches('\n').count() >= 2
    }

    /// After an element ending at `end`: the comments inside it, each on its own line,
    /// then the comment trailing it, unless inner comments were printed (the last line
    /// is a comment then, so the trailing one goes on its own line later).
    fn inner_then_trailing(&mut self, end: u32, indent: &str) {
        let before = self.out.len();
        self.leading(end, indent);
        if self.out.len() == before {
            self.trailing(end);
        }
    }

    /// A comment that trails the code ending at `end` on the same line.
    fn trailing(&mut self, end: u32) {
        let Some(c) = self.comments.get(self.next) else {
            return;
        };
        let between = self
            .text
            .get(end as usize..c.span.start as usize)
            .unwrap_or("\n");
        if c.trailing && !between.contains('\n') {
            while self.out.ends_with('\n') {
                self.out.pop();
            }
            self.out.push_str("  ");
            self.out.push_str(&c.text);
            self.next += 1;
        }
    }

    fn doc(&mut self, doc: &Option<String>, indent: &str) {
        let Some(doc) = doc else { return };
        for line in doc.split('\n') {
            self.out.push_str(indent);
            if line.is_empty() {
                self.out.push_str("///\n");
            } else {
                self.out.push_str("/// ");
                self.out.push_str(line);
                self.out.push('\n');
            }
        }
    }

    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Event(e) => self.event(e, item.span),
            ItemKind::Identity(b) => self.identity(b, item.span),
            ItemKind::Purpose(p) => self.out.push_str(&purpose(p)),
            ItemKind::Profile(p) => {
                self.out.push_str("profile {");
                self.block(
                    p.attrs.iter().map(|a| (a.span, field(a))).collect(),
                    item.span.end,
                );
            }
            ItemKind::Trait(t) => self.binding(format!("trait {}", t.name.name), &t.expr),
            ItemKind::Segment(s) => self.binding(segment_head(s), &s.expr),
            ItemKind::Test(t) => {
                self.out
                    .push_str(&format!("test {} {{", string(&t.name.value)));
                self.block(
                    t.steps.iter().map(|s| (s.span, step(s))).collect(),
                    item.span.end,
                );
            }
        }
    }

    fn event(&mut self, e: &EventDecl, span: Span) {
        let mut head = format!("event {}", e.name.name);
        if let Some(w) = &e.wire {
            head.push_str(&format!(" = {}", string(&w.value)));
        }
        if !e.purposes.is_empty() {
            let names: Vec<&str> = e.purposes.iter().map(|p| p.name.as_str()).collect();
            head.push_str(&format!(" for {}", names.join(", ")));
        }
        if let Some(r) = &e.retain {
            head.push_str(&format!(" retain {}", duration(r)));
        }
        head.push_str(" {");
        self.out.push_str(&head);
        self.block(
            e.fields.iter().map(|f| (f.span, field(f))).collect(),
            span.end,
        );
    }

    fn identity(&mut self, b: &IdentityBlock, span: Span) {
        self.out.push_str("identity {");
        self.block(
            b.lines.iter().map(|l| (l.span, identity_line(l))).collect(),
            span.end,
        );
    }

    /// `{` already printed: one element per line, then `}`.
    fn block(&mut self, elems: Vec<(Span, String)>, end: u32) {
        if elems.is_empty() && !self.has_comment_before(end) {
            self.out.push('}');
            return;
        }
        self.out.push('\n');
        for (span, text) in elems {
            self.leading(span.start, "  ");
            self.out.push_str("  ");
            self.out.push_str(&text);
            self.out.push('\n');
            let end = self.code_end(span.end);
            self.inner_then_trailing(end, "  ");
            if !self.out.ends_with('\n') {
                self.out.push('\n');
            }
        }
        self.leading(end.saturating_sub(1), "  ");
        self.out.push('}');
    }

    /// `head = expr`, broken over lines when too long.
    fn binding(&mut self, head: String, e: &Expr) {
        let one = expr(e);
        if head.len() + 3 + one.len() <= WIDTH {
            self.out.push_str(&format!("{head} = {one}"));
            return;
        }
        self.out.push_str(&format!("{head} =\n"));
        if one.len() + 2 <= WIDTH {
            self.out.push_str("  ");
            self.out.push_str(&one);
            return;
        }
        let parts = chain(e);
        for (i, (op, part)) in parts.iter().enumerate() {
            self.out.push_str("  ");
            if let Some(op) = op {
                self.out.push_str(op);
                self.out.push(' ');
            }
            self.out.push_str(&expr(part));
            if i + 1 < parts.len() {
                self.out.push('\n');
            }
        }
    }
}

/// The top-level chain of operators of one precedence (`a and b and c`,
/// `a + b - c`) as (operator before, operand) pairs.
fn chain(e: &Expr) -> Vec<(Option<&'static str>, &Expr)> {
    let mut out = Vec::new();
    match &e.kind {
        ExprKind::Binary { op, .. } => collect_chain(e, op.precedence(), &mut out),
        _ => out.push((None, e)),
    }
    out
}

fn collect_chain<'e>(e: &'e Expr, prec: u8, out: &mut Vec<(Option<&'static str>, &'e Expr)>) {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs } if op.precedence() == prec => {
            collect_chain(lhs, prec, out);
            out.push((Some(op.symbol()), rhs));
        }
        _ => out.push((None, e)),
    }
}

fn one_liner(item: &Item) -> bool {
    item.doc.is_none()
        && matches!(
            item.kind,
            ItemKind::Purpose(_) | ItemKind::Trait(_) | ItemKind::Segment(_)
        )
}

/// Declarations printed with one element per line, where comments can stay.
fn has_blocks(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Event(_) | ItemKind::Identity(_) | ItemKind::Profile(_) | ItemKind::Test(_)
    )
}

fn same_kind(a: &Item, b: &Item) -> bool {
    std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind)
}

fn field(f: &FieldDecl) -> String {
    let mut s = format!("{}: {}", f.name.name, f.ty.base.keyword());
    if f.ty.optional {
        s.push('?');
    }
    if f.pii {
        s.push_str(" pii");
    }
    s
}

fn purpose(p: &PurposeDecl) -> String {
    let clauses: Vec<String> = p
        .clauses
        .iter()
        .map(|c| match c {
            PurposeClause::Basis(Basis::Consent, _) => "basis consent".to_string(),
            PurposeClause::Basis(Basis::LegitimateInterest, _) => {
                "basis legitimate_interest".to_string()
            }
            PurposeClause::Category(s, _) => format!("category {}", string(&s.value)),
        })
        .collect();
    if clauses.is_empty() {
        format!("purpose {} {{}}", p.name.name)
    } else {
        format!("purpose {} {{ {} }}", p.name.name, clauses.join(" "))
    }
}

fn identity_line(l: &IdentityLine) -> String {
    let paths: Vec<String> = l
        .paths
        .iter()
        .map(|p| {
            p.segments
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    let mut s = format!("{} = {}", l.name.name, paths.join(" | "));
    for c in &l.clauses {
        s.push(' ');
        match &c.kind {
            IdClauseKind::Normalize(ns) => {
                let names: Vec<&str> = ns.iter().map(|n| n.name.as_str()).collect();
                s.push_str(&format!("normalize({})", names.join(", ")));
            }
            IdClauseKind::Hash(h) => s.push_str(&format!("hash({})", h.name)),
            IdClauseKind::Priority(n) => s.push_str(&format!("priority {}", n.text)),
            IdClauseKind::Limit(n) => s.push_str(&format!("limit {}", n.text)),
        }
    }
    s
}

fn segment_head(s: &SegmentDecl) -> String {
    let mut head = format!("segment {}", s.name.name);
    for c in &s.clauses {
        match c {
            SegmentClause::For(p, _) => head.push_str(&format!(" for {}", p.name)),
            SegmentClause::Holdout(p, _) => head.push_str(&format!(" holdout {}%", p.text)),
        }
    }
    head
}

fn ids(ids: &[IdValue]) -> String {
    ids.iter()
        .map(|i| format!("{} {}", i.id_type.name, string(&i.value.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn values(fields: &[FieldValue]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|f| format!("{}: {}", f.name.name, expr(&f.value)))
        .collect();
    if parts.is_empty() {
        "{}".into()
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}

fn step(s: &TestStep) -> String {
    let body = match &s.kind {
        StepKind::Track {
            ids: i,
            event,
            fields,
        } => {
            let mut t = format!("{} {}", ids(i), event.name);
            if !fields.is_empty() {
                t.push(' ');
                t.push_str(&values(fields));
            }
            t
        }
        StepKind::Identify { ids: i, attrs } => format!("{} identify {}", ids(i), values(attrs)),
        StepKind::Consent { ids: i, decisions } => {
            let parts: Vec<String> = decisions
                .iter()
                .map(|(c, b)| format!("{}: {b}", string(&c.value)))
                .collect();
            let body = if parts.is_empty() {
                "{}".to_string()
            } else {
                format!("{{ {} }}", parts.join(", "))
            };
            format!("{} consent {body}", ids(i))
        }
        StepKind::Forget { ids: i } => format!("{} forget", ids(i)),
        StepKind::ExpectMember {
            id,
            negated,
            segment,
        } => {
            format!(
                "expect {} {}in {}",
                ids(std::slice::from_ref(id)),
                if *negated { "not " } else { "" },
                segment.name
            )
        }
        StepKind::ExpectTrait { id, name, value } => {
            format!(
                "expect {} {} == {}",
                ids(std::slice::from_ref(id)),
                name.name,
                expr(value)
            )
        }
    };
    format!("at {} {body}", s.at.text)
}
