//! Identity graph tests: §8 steps 1–5 and §9 erasure.

use seg_compiler::ir::schema::{IdTypeSchema, Schema};

use super::*;

const USER: usize = 0;
const EMAIL: usize = 1;
const ANON: usize = 2;

fn ids(list: &[(usize, &str)]) -> Vec<(usize, String)> {
    list.iter().map(|(t, v)| (*t, v.to_string())).collect()
}

/// user_id limit 1, email limit 2, anonymous_id limit 3.
fn three_types() -> Vec<IdTypeSchema> {
    let ty = |name: &str, priority, limit| IdTypeSchema {
        name: name.into(),
        paths: vec![],
        normalize: vec![],
        hash_sha256: false,
        priority,
        limit,
    };
    vec![
        ty("user_id", 1, 1),
        ty("email", 2, 2),
        ty("anonymous_id", 3, 3),
    ]
}

#[test]
fn creates_a_profile_named_by_its_strongest_identifier() {
    let mut g = IdentityGraph::new(&three_types());
    let r = g.resolve(&ids(&[(EMAIL, "e1"), (ANON, "a1")]));
    assert!(r.created);
    assert_eq!(
        (r.merged.len(), r.refused_merges, r.skipped_identifiers),
        (0, 0, 0)
    );
    assert_eq!(g.profile_id(r.primary), "email:e1");
    assert_eq!(
        g.identifiers(r.primary),
        vec![
            ("email".into(), vec!["e1".into()]),
            ("anonymous_id".into(), vec!["a1".into()])
        ]
    );
    let again = g.resolve(&ids(&[(ANON, "a1")]));
    assert_eq!((again.primary, again.created), (r.primary, false));
    assert_eq!(g.live_profiles(), 1);
}

#[test]
fn merges_into_the_owner_of_the_strongest_value() {
    let mut g = IdentityGraph::new(&Schema::default_identity());
    let a = g.resolve(&ids(&[(1, "a1")]));
    let u = g.resolve(&ids(&[(0, "u1")]));
    assert_eq!(g.live_profiles(), 2);
    let m = g.resolve(&ids(&[(0, "u1"), (1, "a1")]));
    assert_eq!((m.primary, m.created), (u.primary, false));
    assert_eq!(m.merged, vec![a.primary]);
    assert_eq!(g.profile_id(m.primary), "user_id:u1");
    assert!(!g.is_live(a.primary));
    assert_eq!(g.profile_id(a.primary), "");
    assert_eq!(g.live_profiles(), 1);
    assert_eq!(g.profiles().collect::<Vec<_>>(), vec![u.primary]);
    assert_eq!(g.owner_of("anonymous_id", "a1"), Some(u.primary));
    assert_eq!(
        g.identifiers(m.primary),
        vec![
            ("user_id".into(), vec!["u1".into()]),
            ("anonymous_id".into(), vec!["a1".into()])
        ]
    );
}

#[test]
fn the_owner_keeps_its_id_when_a_stronger_value_attaches() {
    let mut g = IdentityGraph::new(&Schema::default_identity());
    let a = g.resolve(&ids(&[(1, "a1")]));
    let r = g.resolve(&ids(&[(0, "u1"), (1, "a1")]));
    assert_eq!(
        (r.primary, r.created, r.merged.len()),
        (a.primary, false, 0)
    );
    assert_eq!(g.profile_id(r.primary), "anonymous_id:a1");
    assert_eq!(g.owner_of("user_id", "u1"), Some(a.primary));
}

#[test]
fn refuses_a_merge_over_a_limit_and_ignores_those_values() {
    let mut g = IdentityGraph::new(&Schema::default_identity());
    let p1 = g.resolve(&ids(&[(0, "u1"), (1, "a1")])).primary;
    let p2 = g.resolve(&ids(&[(0, "u2"), (1, "a2")])).primary;
    let r = g.resolve(&ids(&[(0, "u1"), (1, "a2")]));
    assert_eq!(r.primary, p1);
    assert_eq!(
        (r.refused_merges, r.merged.len(), r.skipped_identifiers),
        (1, 0, 0)
    );
    assert_eq!(
        g.owner_of("anonymous_id", "a2"),
        Some(p2),
        "a2 stays with p2"
    );
    assert_eq!(g.resolve(&ids(&[(1, "a2")])).primary, p2);
    assert_eq!(g.live_profiles(), 2);
}

#[test]
fn skips_and_counts_unowned_values_of_a_full_type() {
    let mut g = IdentityGraph::new(&Schema::default_identity());
    let s = g.resolve(&ids(&[(0, "u3"), (1, "a9")]));
    let t = g.resolve(&ids(&[(0, "u4"), (1, "a9")]));
    assert_eq!(
        (t.primary, t.skipped_identifiers, t.created),
        (s.primary, 1, false)
    );
    assert_eq!(g.owner_of("user_id", "u4"), None);
    // The skipped value later starts its own profile.
    assert!(g.resolve(&ids(&[(0, "u4")])).created);
}

#[test]
fn merges_in_order_of_the_strongest_owned_value_and_rechecks_limits() {
    let mut g = IdentityGraph::new(&three_types());
    let p = g.resolve(&ids(&[(USER, "u1"), (ANON, "a1")])).primary;
    let q_email = g.resolve(&ids(&[(EMAIL, "e1"), (ANON, "a2")])).primary;
    assert_eq!(
        g.resolve(&ids(&[(EMAIL, "e1"), (ANON, "a3")])).primary,
        q_email
    );
    let q_anon = g.resolve(&ids(&[(ANON, "a4")])).primary;
    // p owns u1 (strongest): primary. q_email (owner of e1) merges first; p then
    // holds 3 anonymous ids (the limit), so q_anon (a4) is refused.
    let r = g.resolve(&ids(&[(USER, "u1"), (EMAIL, "e1"), (ANON, "a4")]));
    assert_eq!(r.primary, p);
    assert_eq!(r.merged, vec![q_email]);
    assert_eq!((r.refused_merges, r.skipped_identifiers), (1, 0));
    assert_eq!(g.owner_of("anonymous_id", "a4"), Some(q_anon));
    assert_eq!(
        g.identifiers(p),
        vec![
            ("user_id".into(), vec!["u1".into()]),
            ("email".into(), vec!["e1".into()]),
            (
                "anonymous_id".into(),
                vec!["a1".into(), "a2".into(), "a3".into()]
            ),
        ]
    );
    // The strongest value (u9) has no owner: the owner of a4 is the primary.
    let r2 = g.resolve(&ids(&[(USER, "u9"), (ANON, "a4")]));
    assert_eq!((r2.primary, r2.created), (q_anon, false));
    assert_eq!(g.owner_of("user_id", "u9"), Some(q_anon));
    // Two user ids cannot be united.
    let r3 = g.resolve(&ids(&[(EMAIL, "e1"), (ANON, "a4")]));
    assert_eq!((r3.primary, r3.refused_merges), (p, 1));
    assert!(g.is_live(q_anon));
}

#[test]
fn merged_profiles_keep_every_value_and_a_chain_of_merges_works() {
    let mut g = IdentityGraph::new(&three_types());
    let a = g.resolve(&ids(&[(ANON, "a1")])).primary;
    let b = g.resolve(&ids(&[(ANON, "a2")])).primary;
    let c = g.resolve(&ids(&[(EMAIL, "e1")])).primary;
    let r = g.resolve(&ids(&[(EMAIL, "e1"), (ANON, "a2")]));
    assert_eq!((r.primary, r.merged.clone()), (c, vec![b]));
    let r = g.resolve(&ids(&[(USER, "u1"), (ANON, "a1")]));
    assert_eq!((r.primary, r.merged.clone()), (a, vec![]));
    let r = g.resolve(&ids(&[(USER, "u1"), (EMAIL, "e1")]));
    assert_eq!((r.primary, r.merged.clone()), (a, vec![c]));
    assert_eq!(g.profile_id(a), "anonymous_id:a1");
    assert_eq!(
        g.identifiers(a),
        vec![
            ("user_id".into(), vec!["u1".into()]),
            ("email".into(), vec!["e1".into()]),
            ("anonymous_id".into(), vec!["a1".into(), "a2".into()]),
        ]
    );
    assert_eq!(g.live_profiles(), 1);
}

#[test]
fn forget_erases_the_owner_of_the_strongest_owned_value() {
    let mut g = IdentityGraph::new(&Schema::default_identity());
    let p = g.resolve(&ids(&[(0, "u1"), (1, "a1")])).primary;
    let other = g.resolve(&ids(&[(1, "a2")])).primary;
    // u7 is owned by nobody: the strongest *owned* value decides.
    assert_eq!(g.forget(&ids(&[(0, "u7"), (1, "a1")])), Some(p));
    assert_eq!(g.owner_of("user_id", "u1"), None);
    assert_eq!(g.owner_of("anonymous_id", "a1"), None);
    assert!(!g.is_live(p));
    assert_eq!(g.live_profiles(), 1);
    assert_eq!(g.forget(&ids(&[(1, "zz")])), None);
    assert_eq!(g.forget(&[]), None);
    let again = g.resolve(&ids(&[(0, "u1")]));
    assert!(again.created);
    assert_ne!(again.primary, p, "keys are not reused");
    assert_eq!(g.profile_id(again.primary), "user_id:u1");
    assert!(g.is_live(other));
}
