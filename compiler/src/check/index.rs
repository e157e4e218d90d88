//! A read-only index of a project's declarations: names → declaration, with the file
//! each one lives in.
//!
//! Events, purposes, traits and segments share one namespace (§1). When a name is
//! declared twice the index keeps the first declaration in project order (the order
//! of the `files` slice, then source order) and records nothing else: duplicates are
//! reported by name resolution (E0202), never here. Identity and profile blocks have
//! no names and are kept in project order.
//!
//! This module reports no diagnostics and does no IO; it is shared by the `check`
//! rules and may be used by any other stage that works on the AST.

use foldhash::{HashMap, HashMapExt};

use crate::syntax::ast::{self, ItemKind, Span};

/// One declaration of kind `T`, with the file (relative path) it is declared in.
#[derive(Debug)]
pub struct Decl<'a, T> {
    /// Relative path of the file, as passed to the checker.
    pub file: &'a str,
    /// The whole item (doc comment, item span).
    pub item: &'a ast::Item,
    /// The declaration itself.
    pub decl: &'a T,
}

impl<T> Clone for Decl<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Decl<'_, T> {}

/// What a name in the shared namespace denotes.
#[derive(Clone, Copy, Debug)]
pub enum Named<'a> {
    Event(Decl<'a, ast::EventDecl>),
    Purpose(Decl<'a, ast::PurposeDecl>),
    Trait(Decl<'a, ast::TraitDecl>),
    Segment(Decl<'a, ast::SegmentDecl>),
}

/// Declarations of one kind in project order, with a name lookup (first one wins).
#[derive(Debug)]
pub struct Table<'a, T> {
    items: Vec<Decl<'a, T>>,
    by_name: HashMap<&'a str, usize>,
}

impl<T> Default for Table<'_, T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }
}

impl<'a, T> Table<'a, T> {
    fn push(&mut self, name: &'a str, decl: Decl<'a, T>) {
        self.by_name.entry(name).or_insert(self.items.len());
        self.items.push(decl);
    }
    /// The first declaration with this name.
    pub fn get(&self, name: &str) -> Option<Decl<'a, T>> {
        self.by_name
            .get(name)
            .and_then(|&i| self.items.get(i))
            .copied()
    }
    /// Every declaration in project order, duplicates included.
    pub fn iter(&self) -> impl Iterator<Item = Decl<'a, T>> + '_ {
        self.items.iter().copied()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// True when `decl` is the declaration this table resolves its name to (not a
    /// later duplicate).
    pub fn is_canonical(&self, name: &str, decl: &T) -> bool {
        self.get(name).is_some_and(|d| std::ptr::eq(d.decl, decl))
    }
}

/// Every declaration of a project.
#[derive(Debug, Default)]
pub struct ProjectIndex<'a> {
    pub events: Table<'a, ast::EventDecl>,
    pub purposes: Table<'a, ast::PurposeDecl>,
    pub traits: Table<'a, ast::TraitDecl>,
    pub segments: Table<'a, ast::SegmentDecl>,
    /// Every `identity` block (a valid project has at most one).
    pub identity: Vec<Decl<'a, ast::IdentityBlock>>,
    /// Every `profile` block.
    pub profiles: Vec<Decl<'a, ast::ProfileBlock>>,
    /// Every `test` block.
    pub tests: Vec<Decl<'a, ast::TestDecl>>,
    /// Every trait and segment in project order, duplicates included.
    defs: Vec<Definition<'a>>,
    /// Name → kind of its first declaration, across the shared namespace.
    names: HashMap<&'a str, NameKind>,
}

#[derive(Clone, Copy, Debug)]
enum NameKind {
    Event,
    Purpose,
    Trait,
    Segment,
}

impl<'a> ProjectIndex<'a> {
    /// Indexes `files`, given as (relative path, AST) pairs.
    pub fn new(files: &[(&'a str, &'a ast::File)]) -> Self {
        let mut ix = ProjectIndex::default();
        for &(file, ast) in files {
            for item in &ast.items {
                ix.add(file, item);
            }
        }
        ix
    }

    fn add(&mut self, file: &'a str, item: &'a ast::Item) {
        match &item.kind {
            ItemKind::Event(d) => {
                self.name(&d.name, NameKind::Event);
                self.events.push(
                    &d.name.name,
                    Decl {
                        file,
                        item,
                        decl: d,
                    },
                );
            }
            ItemKind::Purpose(d) => {
                self.name(&d.name, NameKind::Purpose);
                self.purposes.push(
                    &d.name.name,
                    Decl {
                        file,
                        item,
                        decl: d,
                    },
                );
            }
            ItemKind::Trait(d) => {
                self.name(&d.name, NameKind::Trait);
                self.traits.push(
                    &d.name.name,
                    Decl {
                        file,
                        item,
                        decl: d,
                    },
                );
                self.defs.push(Definition::Trait(Decl {
                    file,
                    item,
                    decl: d,
                }));
            }
            ItemKind::Segment(d) => {
                self.name(&d.name, NameKind::Segment);
                self.segments.push(
                    &d.name.name,
                    Decl {
                        file,
                        item,
                        decl: d,
                    },
                );
                self.defs.push(Definition::Segment(Decl {
                    file,
                    item,
                    decl: d,
                }));
            }
            ItemKind::Identity(d) => self.identity.push(Decl {
                file,
                item,
                decl: d,
            }),
            ItemKind::Profile(d) => self.profiles.push(Decl {
                file,
                item,
                decl: d,
            }),
            ItemKind::Test(d) => self.tests.push(Decl {
                file,
                item,
                decl: d,
            }),
        }
    }

    fn name(&mut self, id: &'a ast::Ident, kind: NameKind) {
        self.names.entry(&id.name).or_insert(kind);
    }

    /// What `name` denotes in the shared namespace (its first declaration).
    pub fn lookup(&self, name: &str) -> Option<Named<'a>> {
        match self.names.get(name)? {
            NameKind::Event => self.events.get(name).map(Named::Event),
            NameKind::Purpose => self.purposes.get(name).map(Named::Purpose),
            NameKind::Trait => self.traits.get(name).map(Named::Trait),
            NameKind::Segment => self.segments.get(name).map(Named::Segment),
        }
    }

    /// The event named `name`, if that name denotes an event.
    pub fn event(&self, name: &str) -> Option<Decl<'a, ast::EventDecl>> {
        match self.lookup(name)? {
            Named::Event(d) => Some(d),
            _ => None,
        }
    }

    /// The purpose named `name`, if that name denotes a purpose.
    pub fn purpose(&self, name: &str) -> Option<Decl<'a, ast::PurposeDecl>> {
        match self.lookup(name)? {
            Named::Purpose(d) => Some(d),
            _ => None,
        }
    }

    /// A profile attribute by name (first declaration across all profile blocks),
    /// with the file it is declared in.
    pub fn attr(&self, name: &str) -> Option<(&'a str, &'a ast::FieldDecl)> {
        self.profiles.iter().find_map(|p| {
            p.decl
                .attrs
                .iter()
                .find(|a| a.name.name == name)
                .map(|a| (p.file, a))
        })
    }
}

/// A trait or a segment: the declarations whose expressions may refer to each other.
#[derive(Clone, Copy, Debug)]
pub enum Definition<'a> {
    Trait(Decl<'a, ast::TraitDecl>),
    Segment(Decl<'a, ast::SegmentDecl>),
}

impl<'a> Definition<'a> {
    pub fn name(&self) -> &'a ast::Ident {
        match self {
            Definition::Trait(d) => &d.decl.name,
            Definition::Segment(d) => &d.decl.name,
        }
    }
    pub fn expr(&self) -> &'a ast::Expr {
        match self {
            Definition::Trait(d) => &d.decl.expr,
            Definition::Segment(d) => &d.decl.expr,
        }
    }
    pub fn file(&self) -> &'a str {
        match self {
            Definition::Trait(d) => d.file,
            Definition::Segment(d) => d.file,
        }
    }
    /// `trait` or `segment`.
    pub fn kind(&self) -> &'static str {
        match self {
            Definition::Trait(_) => "trait",
            Definition::Segment(_) => "segment",
        }
    }
    /// The span of the declared name.
    pub fn name_span(&self) -> Span {
        self.name().span
    }
}

impl<'a> ProjectIndex<'a> {
    /// The trait or segment `name` denotes, if any.
    pub fn definition(&self, name: &str) -> Option<Definition<'a>> {
        match self.lookup(name)? {
            Named::Trait(d) => Some(Definition::Trait(d)),
            Named::Segment(d) => Some(Definition::Segment(d)),
            _ => None,
        }
    }

    /// Every canonical trait and segment (the first declaration of its name), in
    /// project order.
    pub fn definitions(&self) -> Vec<Definition<'a>> {
        self.defs
            .iter()
            .filter(|d| {
                self.definition(&d.name().name)
                    .is_some_and(|c| std::ptr::eq(c.name(), d.name()))
            })
            .copied()
            .collect()
    }
}
