//! Holdout assignment (§10): profile p is held out of segment s iff
//! `u64::from_be_bytes(sha256(s + "/" + p)[0..8]) % 10000 < X·100`.
//!
//! Pure and deterministic; it does not gate membership (a held-out profile is
//! still a member, its changes are only marked).

use sha2::{Digest, Sha256};

/// The bucket 0..10000 of (segment, profile).
pub fn bucket(segment: &str, profile: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(segment.as_bytes());
    h.update(b"/");
    h.update(profile.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 10_000
}

/// `basis_points` is the holdout percentage times 100 (10% → 1000, 2.5% → 250).
pub fn held_out(segment: &str, profile: &str, basis_points: u32) -> bool {
    bucket(segment, profile) < u64::from(basis_points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_reference_vectors() {
        // Computed independently with Python's hashlib.
        assert_eq!(bucket("high_intent", "user_id:u1"), 6274);
        assert_eq!(bucket("vip", "anonymous_id:a9"), 439);
        assert!(held_out("high_intent", "user_id:u1", 6275));
        assert!(!held_out("high_intent", "user_id:u1", 6274));
        assert!(held_out("vip", "anonymous_id:a9", 440));
        assert!(!held_out("vip", "anonymous_id:a9", 250));
    }

    #[test]
    fn bounds_and_share() {
        assert!(!held_out("s", "user_id:u1", 0));
        assert!(held_out("s", "user_id:u1", 10_000));
        let held = (0..10_000)
            .filter(|i| held_out("s", &format!("user_id:u{i}"), 1000))
            .count();
        assert!((800..1200).contains(&held), "{held}");
    }
}
