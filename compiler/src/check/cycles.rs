//! Cycles among traits and segments (§3.5): E0209.
//!
//! The graph has one node per trait or segment name (its first declaration) and an
//! edge for every reference in its expression. A depth-first search in project order
//! reports one cycle per back edge, so every cycle is broken once each reported one
//! is, and no cycle is reported twice. Events, `any` and unknown names are not nodes.

use foldhash::{HashMap, HashSet};

use super::index::{Definition, ProjectIndex};
use super::walk::{refs, Target};
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::Span;

/// Runs the cycle rule.
pub fn check(ix: &ProjectIndex<'_>, diags: &mut Vec<Diagnostic>) {
    let graph = Graph::new(ix);
    let mut search = Search {
        graph: &graph,
        state: vec![State::New; graph.nodes.len()],
        stack: Vec::new(),
        diags,
    };
    for n in 0..graph.nodes.len() {
        search.visit(n);
    }
}

/// The names of the traits and segments on a cycle.
pub fn on_cycles<'a>(ix: &ProjectIndex<'a>) -> HashSet<&'a str> {
    let graph = Graph::new(ix);
    let edges: Vec<Vec<usize>> = graph
        .edges
        .iter()
        .map(|out| out.iter().map(|e| e.to).collect())
        .collect();
    let on = crate::hir::cyclic::on_cycle(&edges);
    graph
        .nodes
        .iter()
        .zip(on)
        .filter(|(_, on)| *on)
        .map(|(d, _)| d.name().name.as_str())
        .collect()
}

/// An edge: the target node and the span of the reference (in the source's file).
struct Edge {
    to: usize,
    span: Span,
}

struct Graph<'a> {
    nodes: Vec<Definition<'a>>,
    edges: Vec<Vec<Edge>>,
}

impl<'a> Graph<'a> {
    fn new(ix: &ProjectIndex<'a>) -> Self {
        let nodes = ix.definitions();
        let ids: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name().name.as_str(), i))
            .collect();
        let edges = nodes
            .iter()
            .map(|d| {
                let mut out: Vec<Edge> = Vec::new();
                for r in refs(ix, d.expr()) {
                    let Target::Def(t) = r.target else { continue };
                    let Some(&to) = ids.get(t.name().name.as_str()) else {
                        continue;
                    };
                    if out.iter().all(|e| e.to != to) {
                        out.push(Edge { to, span: r.span });
                    }
                }
                out
            })
            .collect();
        Graph { nodes, edges }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    OnStack,
    Done,
}

struct Search<'g, 'a, 'd> {
    graph: &'g Graph<'a>,
    state: Vec<State>,
    /// The current path: (node, span of the reference that leaves it).
    stack: Vec<(usize, Span)>,
    diags: &'d mut Vec<Diagnostic>,
}

impl Search<'_, '_, '_> {
    fn visit(&mut self, n: usize) {
        if self.state.get(n) != Some(&State::New) {
            return;
        }
        self.set(n, State::OnStack);
        let graph = self.graph;
        for edge in graph.edges.get(n).map(Vec::as_slice).unwrap_or_default() {
            self.stack.push((n, edge.span));
            match self.state.get(edge.to) {
                Some(State::New) => self.visit(edge.to),
                Some(State::OnStack) => self.report(edge.to),
                _ => {}
            }
            self.stack.pop();
        }
        self.set(n, State::Done);
    }

    fn set(&mut self, n: usize, state: State) {
        if let Some(s) = self.state.get_mut(n) {
            *s = state;
        }
    }

    /// Reports the cycle closed by an edge back to `start`, which is on the stack.
    fn report(&mut self, start: usize) {
        let Some(pos) = self.stack.iter().position(|(n, _)| *n == start) else {
            return;
        };
        let path = self.stack.get(pos..).unwrap_or_default();
        let nodes = &self.graph.nodes;
        let Some(first) = nodes.get(start) else {
            return;
        };
        let mut names: Vec<&str> = path
            .iter()
            .filter_map(|(n, _)| nodes.get(*n))
            .map(|d| d.name().name.as_str())
            .collect();
        names.push(&first.name().name);
        let shown = names.join(" → ");
        let mut d = Diagnostic::new(codes::CYCLE, format!("traits and segments form a cycle: `{shown}`"), first.file(), first.name_span())
            .with_primary_label(format!("{} `{}` depends on itself", first.kind(), first.name().name))
            .with_help("a trait or segment cannot depend on itself: replace one of these references with the expression it needs");
        for (i, (n, span)) in path.iter().enumerate() {
            let (Some(from), Some(to)) = (nodes.get(*n), names.get(i + 1)) else {
                continue;
            };
            d = d.with_label(
                from.file(),
                *span,
                format!("`{}` uses `{to}`", from.name().name),
            );
        }
        self.diags.push(d);
    }
}
