//! Which traits lie on a cycle of traits and segments: the graph of the cycle rule
//! (E0209, one edge per name outside filter predicates), with names resolved as
//! type checking resolves them. Type checking gives every reference to such a trait
//! the type `{unknown}` whatever order the traits are checked in, so any part of a
//! project that holds a trait and everything it uses types that trait exactly as the
//! whole project does. Reports nothing: the cycle itself is `check::cycles`'s.

use crate::check::walk;
use crate::syntax::ast::{Expr, ExprKind};

/// `traits` and `segments` are the declarations' expressions; `node` resolves a
/// name to a node (traits first, then segments, numbered after the traits).
/// Returns, for every trait, whether it lies on a cycle.
pub(crate) fn traits_on_cycles(
    traits: &[&Expr],
    segments: &[&Expr],
    node: impl Fn(&str) -> Option<usize>,
) -> Vec<bool> {
    let edges: Vec<Vec<usize>> = traits
        .iter()
        .chain(segments)
        .map(|e| {
            let mut out = Vec::new();
            walk::visit(e, &mut |n| {
                if let ExprKind::Name(id) = &n.kind {
                    out.extend(node(&id.name));
                }
                true
            });
            out
        })
        .collect();
    let mut on = on_cycle(&edges);
    on.truncate(traits.len());
    on
}

/// Tarjan's strongly connected components, iteratively: a node is on a cycle when
/// its component has more than one node or it has an edge to itself.
pub(crate) fn on_cycle(edges: &[Vec<usize>]) -> Vec<bool> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut result = vec![false; n];
    let mut next = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut calls = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(top) = calls.last_mut() {
            let v = top.0;
            let edge = edges[v].get(top.1).copied();
            top.1 += 1;
            match edge {
                Some(w) if index[w] == UNSEEN => {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                }
                Some(w) => {
                    result[v] |= w == v;
                    if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                }
                None => {
                    calls.pop();
                    if let Some(&(u, _)) = calls.last() {
                        low[u] = low[u].min(low[v]);
                    }
                    if low[v] == index[v] {
                        let mut component = Vec::new();
                        while let Some(w) = stack.pop() {
                            on_stack[w] = false;
                            component.push(w);
                            if w == v {
                                break;
                            }
                        }
                        if component.len() > 1 {
                            component.into_iter().for_each(|w| result[w] = true);
                        }
                    }
                }
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::on_cycle;

    #[test]
    fn marks_components_and_self_loops() {
        // 0 → 1 → 2 → 1, 3 → 3, 4 → 0
        let edges = vec![vec![1], vec![2], vec![1], vec![3], vec![0]];
        assert_eq!(on_cycle(&edges), vec![false, true, true, true, false]);
    }

    #[test]
    fn a_chain_has_no_cycle() {
        let edges: Vec<Vec<usize>> = (0..10_000).map(|i| vec![i + 1]).chain([vec![]]).collect();
        assert!(on_cycle(&edges).iter().all(|c| !c));
    }
}
