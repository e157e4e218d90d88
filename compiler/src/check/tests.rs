//! Unit tests of the rules on hand-built ASTs (the data-driven tests with real
//! `.seg` files are in `tests/check_rules.rs`).

use super::check_project;
use super::declarations::holdout_basis_points;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::*;

/// Builds AST nodes with distinct spans.
#[derive(Default)]
struct B {
    next: u32,
}

impl B {
    fn sp(&mut self) -> Span {
        self.next += 10;
        Span {
            start: self.next,
            end: self.next + 5,
        }
    }
    fn id(&mut self, n: &str) -> Ident {
        Ident {
            name: n.to_string(),
            span: self.sp(),
        }
    }
    fn ex(&mut self, kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: self.sp(),
        }
    }
    fn name(&mut self, n: &str) -> Expr {
        let id = self.id(n);
        self.ex(ExprKind::Name(id))
    }
    fn int(&mut self, t: &str) -> Expr {
        self.ex(ExprKind::Int(t.to_string()))
    }
    fn dur(&mut self, ms: i64) -> Expr {
        let d = self.dlit(ms);
        self.ex(ExprKind::Duration(d))
    }
    fn dlit(&mut self, ms: i64) -> DurationLit {
        DurationLit {
            ms,
            text: super::walk::format_duration(ms),
            span: self.sp(),
        }
    }
    fn field(&mut self, e: &str, f: &str) -> Expr {
        let base = Box::new(self.name(e));
        let field = self.id(f);
        self.ex(ExprKind::Field { base, field })
    }
    fn call(&mut self, f: &str, args: Vec<Expr>) -> Expr {
        let func = self.id(f);
        self.ex(ExprKind::Call { func, args })
    }
    fn bin(&mut self, op: BinOp, l: Expr, r: Expr) -> Expr {
        self.ex(ExprKind::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        })
    }
    fn seq(&mut self, a: &str, b: &str, negated: bool, ms: i64) -> Expr {
        let (a, b) = (Box::new(self.name(a)), Box::new(self.name(b)));
        let within = self.dlit(ms);
        self.ex(ExprKind::Seq {
            a,
            b,
            negated,
            within,
        })
    }
    fn item(&mut self, kind: ItemKind) -> Item {
        Item {
            doc: None,
            kind,
            span: self.sp(),
        }
    }
    fn event(
        &mut self,
        n: &str,
        purposes: &[&str],
        retain: Option<i64>,
        fields: &[(&str, bool)],
    ) -> Item {
        let name = self.id(n);
        let purposes = purposes.iter().map(|p| self.id(p)).collect();
        let retain = retain.map(|ms| self.dlit(ms));
        let fields = fields
            .iter()
            .map(|(f, pii)| {
                let name = self.id(f);
                let ty = TypeExpr {
                    base: BaseType::String,
                    optional: false,
                    span: self.sp(),
                };
                FieldDecl {
                    name,
                    ty,
                    pii: *pii,
                    span: self.sp(),
                }
            })
            .collect();
        self.item(ItemKind::Event(EventDecl {
            name,
            wire: None,
            purposes,
            retain,
            fields,
        }))
    }
    fn purpose(&mut self, n: &str) -> Item {
        let name = self.id(n);
        let clauses = vec![PurposeClause::Basis(Basis::Consent, self.sp())];
        self.item(ItemKind::Purpose(PurposeDecl { name, clauses }))
    }
    fn trait_(&mut self, n: &str, expr: Expr) -> Item {
        let name = self.id(n);
        self.item(ItemKind::Trait(TraitDecl { name, expr }))
    }
    fn segment(&mut self, n: &str, purpose: Option<&str>, expr: Expr) -> Item {
        let name = self.id(n);
        let clauses = purpose
            .map(|p| SegmentClause::For(self.id(p), self.sp()))
            .into_iter()
            .collect();
        self.item(ItemKind::Segment(SegmentDecl {
            name,
            clauses,
            expr,
        }))
    }
}

fn run(items: Vec<Item>) -> Vec<Diagnostic> {
    check_project(&[("p.seg", &File { items })])
}

fn codes(d: &[Diagnostic]) -> Vec<&str> {
    d.iter().map(|d| d.code).collect()
}

#[test]
fn cycle_is_reported_once_with_its_path() {
    let mut b = B::default();
    let (eb, ea) = (b.name("b"), b.name("a"));
    let items = vec![b.trait_("a", eb), b.trait_("b", ea)];
    let d = run(items);
    assert_eq!(codes(&d), ["E0209"]);
    assert_eq!(
        d[0].message,
        "traits and segments form a cycle: `a → b → a`"
    );
    assert_eq!(d[0].labels.len(), 2);
}

#[test]
fn self_reference_is_a_cycle() {
    let mut b = B::default();
    let (x, one) = (b.name("t"), b.int("1"));
    let e = b.bin(BinOp::Add, x, one);
    let d = run(vec![b.trait_("t", e)]);
    assert_eq!(d[0].message, "traits and segments form a cycle: `t → t`");
}

#[test]
fn purpose_violation_through_a_trait_points_at_the_trait_reference() {
    let mut b = B::default();
    let mut items = vec![b.purpose("analytics"), b.purpose("ads")];
    items.push(b.event("signed_up", &["analytics"], None, &[]));
    let arg = b.name("signed_up");
    let count = b.call("count", vec![arg]);
    items.push(b.trait_("signups", count));
    let r = b.name("signups");
    let ExprKind::Name(ident) = &r.kind else {
        unreachable!()
    };
    let reference = ident.span;
    let (zero, cmp_l) = (b.int("0"), r);
    let cmp = b.bin(BinOp::Gt, cmp_l, zero);
    items.push(b.segment("s", Some("ads"), cmp));
    let d = run(items);
    assert_eq!(codes(&d), ["E0401"]);
    assert_eq!(d[0].location.span, reference);
    assert!(
        d[0].message.contains("(through `signups`)"),
        "{}",
        d[0].message
    );
    // segment purpose, event purposes, the hop inside the trait
    assert_eq!(d[0].labels.len(), 3);
}

#[test]
fn no_purpose_rules_without_purposes() {
    let mut b = B::default();
    let e = b.event("e", &[], None, &[]);
    let t = b.ex(ExprKind::Bool(true));
    let s = b.segment("s", None, t);
    assert!(run(vec![e, s]).is_empty());
}

#[test]
fn missing_purposes_are_reported() {
    let mut b = B::default();
    let (p, e) = (b.purpose("analytics"), b.event("e", &[], None, &[]));
    let t = b.ex(ExprKind::Bool(true));
    let s = b.segment("s", None, t);
    assert_eq!(codes(&run(vec![p, e, s])), ["E0402", "E0403"]);
}

#[test]
fn pii_leaks_through_coalesce_and_traits_but_not_count() {
    let mut b = B::default();
    let ev = b.event("e", &[], None, &[("email", true)]);
    let f = b.field("e", "email");
    let last = b.call("last", vec![f]);
    let dflt = b.ex(ExprKind::Str(String::new()));
    let value = b.bin(BinOp::Coalesce, last, dflt);
    let t1 = b.trait_("mail", value);
    let r = b.name("mail");
    let t2 = b.trait_("again", r);
    let f = b.field("e", "email");
    let distinct = b.call("distinct", vec![f]);
    let t3 = b.trait_("n", distinct);
    let d = run(vec![ev, t1, t2, t3]);
    assert_eq!(codes(&d), ["E0404", "E0404"]);
}

#[test]
fn windows_are_checked_against_retention() {
    let mut b = B::default();
    let ev = b.event("e", &[], Some(86_400_000), &[]);
    let (arg, w) = (b.name("e"), b.dur(2 * 86_400_000));
    let too_long = b.call("count", vec![arg, w]);
    let (arg, w) = (b.name("any"), b.dur(0));
    let zero = b.call("count", vec![arg, w]);
    let sum = b.bin(BinOp::Add, too_long, zero);
    let t = b.trait_("t", sum);
    let d = run(vec![ev, t]);
    assert_eq!(codes(&d), ["E0501", "E0502"]);
}

#[test]
fn absence_with_shorter_lived_b_warns() {
    let mut b = B::default();
    let a = b.event("a", &[], Some(30 * 86_400_000), &[]);
    let ev_b = b.event("b", &[], Some(86_400_000), &[]);
    let s = b.seq("a", "b", true, 60_000);
    let seg = b.segment("s", None, s);
    let d = run(vec![a, ev_b, seg]);
    assert_eq!(codes(&d), ["W0501"]);
    assert!(!d[0].is_error());
}

#[test]
fn holdout_percentages() {
    assert_eq!(holdout_basis_points("10%"), Some(1000));
    assert_eq!(holdout_basis_points("2.5%"), Some(250));
    assert_eq!(holdout_basis_points("99.99"), Some(9999));
    assert_eq!(holdout_basis_points("2.555%"), None);
    assert_eq!(holdout_basis_points("2.%"), None);
    assert_eq!(holdout_basis_points(".5%"), None);
}
