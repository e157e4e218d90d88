//! Span-free outlines: what each file declares and which names its declarations
//! use, and the project-wide view built from them.
//!
//! Outlines carry no spans, literals or doc comments, so editing inside an
//! expression (or moving text around) leaves them equal and salsa backdates them:
//! the queries that read only outlines are not re-run. Outlines never decide a
//! diagnostic themselves; they only tell which declarations a file's check needs and
//! whether the project-wide rules have anything to look at.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::hir::Catalog;
use crate::syntax::ast::{self, ExprKind, ItemKind, StepKind};

/// The kind of a top-level item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemClass {
    Event,
    Purpose,
    Trait,
    Segment,
    Identity,
    Profile,
    Test,
}

/// One top-level item of a file, without positions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OutlineItem {
    pub class: ItemClass,
    /// The declared name; empty for blocks and tests.
    pub name: String,
    /// An event's wire name (its own name when it declares none).
    pub wire: Option<String>,
    /// Every bare name used by a trait's or segment's expression (filter
    /// predicates included), and the events, traits and segments a test names.
    pub uses: Vec<String>,
}

/// The items of one file, in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FileOutline {
    pub items: Vec<OutlineItem>,
}

impl FileOutline {
    pub fn of(file: &ast::File) -> FileOutline {
        FileOutline {
            items: file.items.iter().map(outline_item).collect(),
        }
    }
}

fn outline_item(item: &ast::Item) -> OutlineItem {
    let mut uses = Vec::new();
    let (class, wire) = match &item.kind {
        ItemKind::Event(e) => (
            ItemClass::Event,
            Some(e.wire.as_ref().map_or(&e.name.name, |w| &w.value).clone()),
        ),
        ItemKind::Purpose(_) => (ItemClass::Purpose, None),
        ItemKind::Identity(_) => (ItemClass::Identity, None),
        ItemKind::Profile(_) => (ItemClass::Profile, None),
        ItemKind::Trait(t) => {
            names_in(&t.expr, &mut uses);
            (ItemClass::Trait, None)
        }
        ItemKind::Segment(s) => {
            names_in(&s.expr, &mut uses);
            (ItemClass::Segment, None)
        }
        ItemKind::Test(t) => {
            t.steps.iter().for_each(|s| step_names(&s.kind, &mut uses));
            (ItemClass::Test, None)
        }
    };
    let mut seen = HashSet::new();
    uses.retain(|n| seen.insert(n.clone()));
    OutlineItem {
        class,
        name: item.name().map(|n| n.name.clone()).unwrap_or_default(),
        wire,
        uses,
    }
}

/// Every `Name` node of `e`, anywhere in it.
fn names_in(e: &ast::Expr, out: &mut Vec<String>) {
    if let ExprKind::Name(id) = &e.kind {
        out.push(id.name.clone());
    }
    e.children().into_iter().for_each(|c| names_in(c, out));
}

fn step_names(step: &StepKind, out: &mut Vec<String>) {
    match step {
        StepKind::Track { event, .. } => out.push(event.name.clone()),
        StepKind::ExpectMember { segment, .. } => out.push(segment.name.clone()),
        StepKind::ExpectTrait { name, .. } => out.push(name.name.clone()),
        _ => {}
    }
}

/// An item of the project: file (position in the project's file list) and item
/// (position in that file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemRef {
    pub file: u32,
    pub item: u32,
}

/// The project-wide view of the outlines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectOutline {
    /// Every declaration of each name, in project order.
    pub decls: HashMap<String, Vec<ItemRef>>,
    /// Every event, in project order (what `any` stands for).
    pub events: Vec<ItemRef>,
    /// Purposes, profile blocks and identity blocks: every file's check sees them.
    pub shared: Vec<ItemRef>,
    /// Names in project order, for suggestions and lists in diagnostics.
    pub catalog: Catalog,
    /// True when a name is declared twice, two events share a wire name, or the
    /// traits and segments may form a cycle: the project-wide rules must run.
    pub needs_global_rules: bool,
}

impl ProjectOutline {
    pub fn new(files: &[&FileOutline]) -> ProjectOutline {
        let mut out = ProjectOutline::default();
        for (f, outline) in files.iter().enumerate() {
            for (i, item) in outline.items.iter().enumerate() {
                let at = ItemRef {
                    file: index(f),
                    item: index(i),
                };
                out.add(at, item);
            }
        }
        out.needs_global_rules =
            out.decls.values().any(|d| d.len() > 1) || shares_wire(files) || may_cycle(files);
        out
    }

    fn add(&mut self, at: ItemRef, item: &OutlineItem) {
        if !item.name.is_empty() {
            self.decls.entry(item.name.clone()).or_default().push(at);
        }
        match item.class {
            ItemClass::Event => {
                self.events.push(at);
                self.catalog.events.push(item.name.clone());
            }
            ItemClass::Trait => self.catalog.traits.push(item.name.clone()),
            ItemClass::Segment => self.catalog.segments.push(item.name.clone()),
            ItemClass::Purpose | ItemClass::Profile | ItemClass::Identity => self.shared.push(at),
            ItemClass::Test => {}
        }
    }
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn shares_wire(files: &[&FileOutline]) -> bool {
    let mut seen = HashSet::new();
    files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|i| i.wire.as_deref())
        .any(|w| !seen.insert(w))
}

/// Whether the graph of traits and segments, with an edge for every name their
/// expressions use, has a cycle. Over-approximates the cycle rule's graph.
fn may_cycle(files: &[&FileOutline]) -> bool {
    let defs: Vec<&OutlineItem> = files
        .iter()
        .flat_map(|f| &f.items)
        .filter(|i| matches!(i.class, ItemClass::Trait | ItemClass::Segment))
        .collect();
    let mut id: HashMap<&str, usize> = HashMap::with_capacity(defs.len());
    for (n, d) in defs.iter().enumerate() {
        id.entry(d.name.as_str()).or_insert(n);
    }
    let edges: Vec<Vec<usize>> = defs
        .iter()
        .map(|d| {
            d.uses
                .iter()
                .filter_map(|u| id.get(u.as_str()).copied())
                .collect()
        })
        .collect();
    crate::hir::cyclic::on_cycle(&edges).contains(&true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parser;

    fn outline(files: &[&str]) -> ProjectOutline {
        let parsed: Vec<FileOutline> = files
            .iter()
            .map(|t| FileOutline::of(&parser::parse(t, "t.seg").0))
            .collect();
        ProjectOutline::new(&parsed.iter().collect::<Vec<_>>())
    }

    #[test]
    fn project_wide_rules_are_called_for_by_cycles_duplicates_and_wire_names() {
        let event = "event e { x: int }\n";
        assert!(!outline(&[event, "trait a = b + 1\ntrait b = count(e)\n"]).needs_global_rules);
        assert!(outline(&[event, "trait a = b + 1\n", "trait b = a * 2\n"]).needs_global_rules);
        assert!(outline(&[event, "segment s = s\n"]).needs_global_rules);
        assert!(outline(&[event, "trait e = 1\n"]).needs_global_rules);
        assert!(outline(&[event, "event f = \"e\" { x: int }\n"]).needs_global_rules);
    }
}
