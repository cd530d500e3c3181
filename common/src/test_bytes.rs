//! Test-only bytes (behind `test-support`): noise that deflate cannot
//! shrink, for wheels and bodies that must take a while to send or unpack.

/// `len` bytes that do not compress (xorshift), the same for the same `seed`.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
