//! The identity graph (§8): which profile owns each identifier value, resolution of
//! a message's identifier set to one profile (creating, merging within limits,
//! attaching), and erasure (§9).
//!
//! Profile keys are never reused, so a key always denotes the same profile (a
//! merged or forgotten profile's key simply stops being live). Per-profile
//! evaluation state, merge records and counters are the executor's, not this
//! module's: it only reports what happened in a [`Resolution`].
//!
//! Values are `CompactString`s: one of up to 24 bytes (anonymous and user ids,
//! in practice) sits inline in its owner-table entry and in the profile's value
//! list, so a lookup compares it without following a pointer to another cache
//! line, and storing it allocates nothing; a longer one (a SHA-256 hex digest)
//! is held on the heap, once in each. Resolving a message looks each of its
//! values up once.

use std::rc::Rc;

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt};

use seg_compiler::ir::schema::IdTypeSchema;

/// A profile slot; stable for the profile's life, never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProfileKey(pub u32);

/// What resolving one message did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The profile the message applies to.
    pub primary: ProfileKey,
    /// The primary was created by this message.
    pub created: bool,
    /// Profiles absorbed into the primary, in merge order (no longer live).
    pub merged: Vec<ProfileKey>,
    /// Merges refused because the union would exceed a limit.
    pub refused_merges: u32,
    /// Unowned values not attached because their type was at its limit.
    pub skipped_identifiers: u32,
}

#[derive(Debug)]
struct Profile {
    /// `TYPE:VALUE` of the strongest identifier at creation; kept after merges.
    id: Rc<str>,
    /// (identifier type, value) in attach order: one list for all types, since
    /// most profiles hold one or two values (a list per type would cost an
    /// allocation per type besides the values').
    values: Vec<(u32, CompactString)>,
}

#[derive(Debug)]
pub struct IdentityGraph {
    types: Vec<IdTypeSchema>,
    /// Per identifier type: value → owning profile.
    owners: Vec<HashMap<CompactString, u32>>,
    profiles: Vec<Option<Profile>>,
    live: usize,
    /// Per value of the message being resolved: its owner before resolution.
    found: Vec<Option<u32>>,
    /// The distinct owners of the message's values, strongest value first.
    distinct: Vec<u32>,
}

impl IdentityGraph {
    /// `types` as in the schema: sorted strongest first; identifier sets passed in
    /// later index into it.
    pub fn new(types: &[IdTypeSchema]) -> Self {
        IdentityGraph {
            types: types.to_vec(),
            owners: vec![HashMap::new(); types.len()],
            profiles: Vec::new(),
            live: 0,
            found: Vec::new(),
            distinct: Vec::new(),
        }
    }

    fn profile(&self, k: u32) -> Option<&Profile> {
        self.profiles.get(k as usize).and_then(Option::as_ref)
    }

    fn owner(&self, ty: usize, value: &str) -> Option<u32> {
        self.owners.get(ty).and_then(|m| m.get(value)).copied()
    }

    fn count(&self, k: u32, ty: usize) -> usize {
        self.profile(k).map_or(0, |p| {
            p.values.iter().filter(|(t, _)| *t as usize == ty).count()
        })
    }

    fn limit(&self, ty: usize) -> usize {
        self.types
            .get(ty)
            .map_or(0, |t| usize::try_from(t.limit).unwrap_or(usize::MAX))
    }

    /// Resolves a message's identifier set `ids` — (type index, normalised value),
    /// strongest first, as the decoder gives it; at least one — following §8
    /// steps 1–5. An empty set creates a profile with an empty id.
    pub fn resolve(&mut self, ids: &[(usize, String)]) -> Resolution {
        self.find_owners(ids);
        let mut res = Resolution {
            primary: ProfileKey(0),
            created: false,
            merged: Vec::new(),
            refused_merges: 0,
            skipped_identifiers: 0,
        };
        let primary = match self.distinct.first() {
            Some(&p) => p,
            None => {
                res.created = true;
                self.create(ids)
            }
        };
        res.primary = ProfileKey(primary);
        let distinct = std::mem::take(&mut self.distinct);
        for &q in distinct.iter().skip(1) {
            if self.fits(primary, q) {
                self.absorb(primary, q);
                res.merged.push(ProfileKey(q));
            } else {
                res.refused_merges += 1;
            }
        }
        self.distinct = distinct;
        // A value unowned before the merges is still unowned: merges move owned
        // values only, and the message holds one value per type.
        let found = std::mem::take(&mut self.found);
        for ((ty, v), owner) in ids.iter().zip(&found) {
            if owner.is_some() {
                continue;
            }
            if self.count(primary, *ty) >= self.limit(*ty) {
                res.skipped_identifiers += 1;
                continue;
            }
            self.attach(primary, *ty, CompactString::from(v.as_str()));
        }
        self.found = found;
        res
    }

    /// Step 1: each value's owner, and the distinct owners in order of the
    /// strongest value each owns.
    fn find_owners(&mut self, ids: &[(usize, String)]) {
        self.found.clear();
        self.distinct.clear();
        for (ty, v) in ids {
            let owner = self.owner(*ty, v);
            self.found.push(owner);
            if let Some(k) = owner.filter(|k| !self.distinct.contains(k)) {
                self.distinct.push(k);
            }
        }
    }

    fn create(&mut self, ids: &[(usize, String)]) -> u32 {
        let id = ids
            .first()
            .and_then(|(ty, v)| self.types.get(*ty).map(|t| format!("{}:{v}", t.name)))
            .unwrap_or_default()
            .into();
        let key = u32::try_from(self.profiles.len()).unwrap_or(u32::MAX);
        self.profiles.push(Some(Profile {
            id,
            values: Vec::new(),
        }));
        self.live += 1;
        key
    }

    /// Gives an unowned value to profile `k`.
    fn attach(&mut self, k: u32, ty: usize, v: CompactString) {
        let key = v.clone();
        if self.push_value(k, ty, v) {
            if let Some(owners) = self.owners.get_mut(ty) {
                owners.insert(key, k);
            }
        }
    }

    /// Appends a value to profile `k`'s list; false when `k` is not live.
    fn push_value(&mut self, k: u32, ty: usize, v: CompactString) -> bool {
        let list = self
            .profiles
            .get_mut(k as usize)
            .and_then(Option::as_mut)
            .map(|p| &mut p.values);
        let (Some(list), Ok(tag)) = (list, u32::try_from(ty)) else {
            return false;
        };
        // Most profiles keep one value: room for exactly one first.
        if list.capacity() == 0 {
            list.reserve_exact(1);
        }
        list.push((tag, v));
        true
    }

    /// Would primary ∪ q stay within every type's limit? (Values are owned by one
    /// profile each, so the union's size is the sum.)
    fn fits(&self, primary: u32, q: u32) -> bool {
        (0..self.types.len())
            .all(|ty| self.count(primary, ty) + self.count(q, ty) <= self.limit(ty))
    }

    /// Moves every value of `q` to `primary` (after the primary's own, in q's
    /// attach order) and ends `q`.
    fn absorb(&mut self, primary: u32, q: u32) {
        let Some(absorbed) = self.profiles.get_mut(q as usize).and_then(Option::take) else {
            return;
        };
        self.live -= 1;
        if self.profile(primary).is_none() {
            return;
        }
        // Each type's values keep their order, after the primary's own; their
        // owner-table entries are re-pointed, not copied.
        for (ty, v) in absorbed.values {
            let entry = self.owners.get_mut(ty as usize).and_then(|o| o.get_mut(&v));
            if let Some(owner) = entry {
                *owner = primary;
            }
            self.push_value(primary, ty as usize, v);
        }
    }

    /// Erases the profile owning the strongest owned value of `ids` (§9): every
    /// graph entry of it is removed and its key stops being live. None (nothing
    /// happens) when no value is owned.
    pub fn forget(&mut self, ids: &[(usize, String)]) -> Option<ProfileKey> {
        let k = ids.iter().find_map(|(ty, v)| self.owner(*ty, v))?;
        let p = self.profiles.get_mut(k as usize).and_then(Option::take)?;
        self.live -= 1;
        for (ty, v) in p.values {
            if let Some(owners) = self.owners.get_mut(ty as usize) {
                owners.remove(&v);
            }
        }
        Some(ProfileKey(k))
    }

    /// `TYPE:VALUE` id of a live profile ("" for a key that is not live).
    pub fn profile_id(&self, k: ProfileKey) -> &str {
        self.profile(k.0).map_or("", |p| &p.id)
    }

    /// The shared `TYPE:VALUE` id of a live profile ("" for a key that is not
    /// live).
    pub fn shared_profile_id(&self, k: ProfileKey) -> Rc<str> {
        self.profile(k.0)
            .map_or_else(|| Rc::from(""), |p| Rc::clone(&p.id))
    }

    pub fn is_live(&self, k: ProfileKey) -> bool {
        self.profile(k.0).is_some()
    }

    /// (type name, values in attach order) for every type the profile holds values
    /// of, strongest type first — the snapshot's `identifiers` object.
    pub fn identifiers(&self, k: ProfileKey) -> Vec<(String, Vec<String>)> {
        let Some(p) = self.profile(k.0) else {
            return Vec::new();
        };
        let of_type = |ty: usize| -> Vec<String> {
            let mine = p.values.iter().filter(|(t, _)| *t as usize == ty);
            mine.map(|(_, v)| v.to_string()).collect()
        };
        let types = self.types.iter().enumerate();
        types
            .map(|(ty, t)| (t.name.clone(), of_type(ty)))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    /// The owner of a stored (normalised, hashed) value of the named type.
    pub fn owner_of(&self, type_name: &str, value: &str) -> Option<ProfileKey> {
        let ty = self.types.iter().position(|t| t.name == type_name)?;
        self.owner(ty, value).map(ProfileKey)
    }

    /// Number of live profiles.
    pub fn live_profiles(&self) -> usize {
        self.live
    }

    /// Keys of the live profiles, in creation order.
    pub fn profiles(&self) -> impl Iterator<Item = ProfileKey> + '_ {
        self.profiles
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_some())
            .filter_map(|(k, _)| u32::try_from(k).ok().map(ProfileKey))
    }
}

#[cfg(test)]
mod tests;
