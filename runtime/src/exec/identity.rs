//! The identity graph (§8): which profile owns each identifier value, resolution of
//! a message's identifier set to one profile (creating, merging within limits,
//! attaching), and erasure. Profile keys are never reused, so a key always denotes
//! the same profile. Per-profile evaluation state is the executor's, not this
//! module's.

use std::collections::HashMap;

use seg_compiler::ir::schema::IdTypeSchema;

/// A profile slot; stable for the profile's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProfileKey(pub u32);

/// What resolving one message did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub primary: ProfileKey,
    pub created: bool,
    /// Profiles absorbed into the primary, in merge order.
    pub merged: Vec<ProfileKey>,
    pub refused_merges: u32,
    pub skipped_identifiers: u32,
}

#[derive(Debug)]
struct Profile {
    id: String,
    /// Per identifier type, values in attach order.
    values: Vec<Vec<String>>,
}

#[derive(Debug)]
pub struct IdentityGraph {
    types: Vec<IdTypeSchema>,
    owners: HashMap<(usize, String), u32>,
    profiles: Vec<Option<Profile>>,
}

impl IdentityGraph {
    /// `types` sorted strongest first (as in the schema).
    pub fn new(types: &[IdTypeSchema]) -> Self {
        IdentityGraph {
            types: types.to_vec(),
            owners: HashMap::new(),
            profiles: Vec::new(),
        }
    }

    fn profile(&self, k: u32) -> Option<&Profile> {
        self.profiles.get(k as usize).and_then(Option::as_ref)
    }

    fn count(&self, k: u32, ty: usize) -> usize {
        self.profile(k)
            .and_then(|p| p.values.get(ty))
            .map_or(0, Vec::len)
    }

    fn limit(&self, ty: usize) -> usize {
        self.types.get(ty).map_or(0, |t| t.limit as usize)
    }

    /// Resolves a message's identifiers (strongest first; at least one).
    pub fn resolve(&mut self, ids: &[(usize, String)]) -> Resolution {
        let mut owners: Vec<u32> = Vec::new();
        for (ty, v) in ids {
            if let Some(&k) = self.owners.get(&(*ty, v.clone())) {
                if !owners.contains(&k) {
                    owners.push(k);
                }
            }
        }
        let mut res = Resolution {
            primary: ProfileKey(0),
            created: false,
            merged: Vec::new(),
            refused_merges: 0,
            skipped_identifiers: 0,
        };
        let primary = match owners.first() {
            Some(&p) => p,
            None => {
                res.created = true;
                self.create(ids)
            }
        };
        res.primary = ProfileKey(primary);
        for &q in owners.iter().skip(1) {
            if self.fits(primary, q) {
                self.absorb(primary, q);
                res.merged.push(ProfileKey(q));
            } else {
                res.refused_merges += 1;
            }
        }
        for (ty, v) in ids {
            if self.owners.contains_key(&(*ty, v.clone())) {
                continue;
            }
            if self.count(primary, *ty) >= self.limit(*ty) {
                res.skipped_identifiers += 1;
                continue;
            }
            self.attach(primary, *ty, v);
        }
        res
    }

    fn create(&mut self, ids: &[(usize, String)]) -> u32 {
        let id = ids
            .first()
            .and_then(|(ty, v)| self.types.get(*ty).map(|t| format!("{}:{v}", t.name)))
            .unwrap_or_default();
        let key = u32::try_from(self.profiles.len()).unwrap_or(u32::MAX);
        self.profiles.push(Some(Profile {
            id,
            values: vec![Vec::new(); self.types.len()],
        }));
        key
    }

    fn attach(&mut self, k: u32, ty: usize, v: &str) {
        if let Some(list) = self
            .profiles
            .get_mut(k as usize)
            .and_then(Option::as_mut)
            .and_then(|p| p.values.get_mut(ty))
        {
            list.push(v.to_string());
            self.owners.insert((ty, v.to_string()), k);
        }
    }

    /// Would primary ∪ q stay within every type's limit?
    fn fits(&self, primary: u32, q: u32) -> bool {
        (0..self.types.len())
            .all(|ty| self.count(primary, ty) + self.count(q, ty) <= self.limit(ty))
    }

    fn absorb(&mut self, primary: u32, q: u32) {
        let Some(absorbed) = self.profiles.get_mut(q as usize).and_then(Option::take) else {
            return;
        };
        for (ty, values) in absorbed.values.into_iter().enumerate() {
            for v in values {
                self.attach(primary, ty, &v);
            }
        }
    }

    /// Erases the profile owning the strongest owned value of `ids`.
    pub fn forget(&mut self, ids: &[(usize, String)]) -> Option<ProfileKey> {
        let k = ids
            .iter()
            .find_map(|(ty, v)| self.owners.get(&(*ty, v.clone())).copied())?;
        let p = self.profiles.get_mut(k as usize).and_then(Option::take)?;
        for (ty, values) in p.values.into_iter().enumerate() {
            for v in values {
                self.owners.remove(&(ty, v));
            }
        }
        Some(ProfileKey(k))
    }

    pub fn profile_id(&self, k: ProfileKey) -> &str {
        self.profile(k.0).map_or("", |p| p.id.as_str())
    }

    /// (type name, values) for every type the profile holds values of.
    pub fn identifiers(&self, k: ProfileKey) -> Vec<(String, Vec<String>)> {
        let Some(p) = self.profile(k.0) else {
            return Vec::new();
        };
        self.types
            .iter()
            .zip(&p.values)
            .filter(|(_, v)| !v.is_empty())
            .map(|(t, v)| (t.name.clone(), v.clone()))
            .collect()
    }

    /// The owner of a stored (normalised, hashed) value of the named type.
    pub fn owner_of(&self, type_name: &str, value: &str) -> Option<ProfileKey> {
        let ty = self.types.iter().position(|t| t.name == type_name)?;
        self.owners
            .get(&(ty, value.to_string()))
            .map(|k| ProfileKey(*k))
    }

    pub fn live_profiles(&self) -> usize {
        self.profiles.iter().filter(|p| p.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seg_compiler::ir::schema::Schema;

    fn ids(list: &[(usize, &str)]) -> Vec<(usize, String)> {
        list.iter().map(|(t, v)| (*t, v.to_string())).collect()
    }

    #[test]
    fn creates_merges_and_keeps_the_primary_id() {
        let mut g = IdentityGraph::new(&Schema::default_identity());
        let a = g.resolve(&ids(&[(1, "a1")]));
        assert!(a.created);
        assert_eq!(g.profile_id(a.primary), "anonymous_id:a1");
        let u = g.resolve(&ids(&[(0, "u1")]));
        let m = g.resolve(&ids(&[(0, "u1"), (1, "a1")]));
        assert_eq!(m.primary, u.primary);
        assert_eq!(m.merged, vec![a.primary]);
        assert_eq!(g.profile_id(m.primary), "user_id:u1");
        assert_eq!(
            g.identifiers(m.primary),
            vec![
                ("user_id".into(), vec!["u1".into()]),
                ("anonymous_id".into(), vec!["a1".into()])
            ]
        );
    }

    #[test]
    fn refuses_merges_over_limits_and_skips_values() {
        let mut g = IdentityGraph::new(&Schema::default_identity());
        let p1 = g.resolve(&ids(&[(0, "u1")])).primary;
        g.resolve(&ids(&[(0, "u2"), (1, "a2")]));
        let r = g.resolve(&ids(&[(0, "u1"), (1, "a2")]));
        assert_eq!((r.primary, r.refused_merges, r.merged.len()), (p1, 1, 0));
        let s = g.resolve(&ids(&[(0, "u3"), (1, "a9")]));
        assert!(s.created);
        let t = g.resolve(&ids(&[(0, "u4"), (1, "a9")]));
        assert_eq!((t.primary, t.skipped_identifiers), (s.primary, 1));
    }

    #[test]
    fn forget_removes_every_value() {
        let mut g = IdentityGraph::new(&Schema::default_identity());
        let p = g.resolve(&ids(&[(0, "u1"), (1, "a1")])).primary;
        assert_eq!(g.forget(&ids(&[(1, "a1")])), Some(p));
        assert_eq!(g.owner_of("user_id", "u1"), None);
        assert!(g.resolve(&ids(&[(0, "u1")])).created);
        assert_eq!(g.forget(&ids(&[(1, "zz")])), None);
    }
}
