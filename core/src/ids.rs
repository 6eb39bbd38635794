//! Record ids that stay unique when another device's records arrive: the time in
//! milliseconds and 80 random bits (the layout of a ULID), so ids sort by creation and two
//! devices never make the same one. The caller passes the time and the randomness.

use crate::records::Millis;

/// Crockford's base 32: no I, L, O or U, so an id read aloud or copied is not misread.
const DIGITS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in an id: 10 for 48 bits of time, 16 for 80 random bits.
pub const LEN: usize = 26;

/// The id made at `now` from `random` (80 bits from the browser's `crypto`).
pub fn new_id(now: Millis, random: [u8; 10]) -> String {
    // 48 bits of time cover the years 1970 to 10889; an earlier clock counts as 0.
    let time = u128::try_from(now.max(0)).unwrap_or(0) & ((1 << 48) - 1);
    let bits = random
        .iter()
        .fold(time, |acc, byte| (acc << 8) | u128::from(*byte));
    (0..LEN)
        .rev()
        .map(|i| char::from(DIGITS[((bits >> (5 * i)) & 31) as usize]))
        .collect()
}

/// Whether `id` has the shape [`new_id`] gives. Import files are not held to it: any
/// non-empty id that is unique in its store imports.
pub fn is_id(id: &str) -> bool {
    id.len() == LEN && id.bytes().all(|b| DIGITS.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against ids that do not sort by time (the order of versions and threads
    // follows them), or that repeat for different randomness.
    #[test]
    fn ids_sort_by_time_and_differ_by_randomness() {
        let a = new_id(1_700_000_000_000, [0; 10]);
        let b = new_id(1_700_000_000_001, [0; 10]);
        let c = new_id(1_700_000_000_001, [1; 10]);
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_eq!(a.len(), LEN);
        assert!(is_id(&a) && is_id(&c));
        assert_eq!(&a[..10], "01HF7YAT00");
        assert!(!is_id("7") && !is_id(&a.to_lowercase()));
        assert_eq!(
            new_id(-5, [255; 10]),
            format!("0000000000{}", "Z".repeat(16))
        );
    }
}
