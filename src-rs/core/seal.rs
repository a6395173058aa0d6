//! SipHash-2-4, the keyed hash that seals descriptors: a clone carries the hash of its numbers
//! under the arena's secret key, which only the processes that map the arena know, so a
//! descriptor that was not handed out by the library (made up, or a real one altered) is
//! refused before anything it names is read.

/// SipHash-2-4 of `words` (as their little-endian bytes) under `key`.
pub fn siphash(key: [u64; 2], words: &[u32]) -> u64 {
    let mut v = [
        key[0] ^ 0x736f_6d65_7073_6575,
        key[1] ^ 0x646f_7261_6e64_6f6d,
        key[0] ^ 0x6c79_6765_6e65_7261,
        key[1] ^ 0x7465_6462_7974_6573,
    ];
    let len = words.len() * 4;
    let mut chunks = words.chunks_exact(2);
    for pair in &mut chunks {
        compress(&mut v, pair[0] as u64 | (pair[1] as u64) << 32, 2);
    }
    let tail = chunks.remainder().first().map_or(0, |&w| w as u64);
    compress(&mut v, tail | ((len as u64 & 0xff) << 56), 2);
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

fn compress(v: &mut [u64; 4], m: u64, rounds: usize) {
    v[3] ^= m;
    for _ in 0..rounds {
        round(v);
    }
    v[0] ^= m;
}

fn round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_vectors() {
        // The reference implementation's key 00 01 .. 0f; messages 00 01 02 .. of length 0, 8
        // and 4 bytes.
        let key = [0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908];
        assert_eq!(siphash(key, &[]), 0x726f_db47_dd0e_0e31);
        assert_eq!(
            siphash(key, &[0x0302_0100, 0x0706_0504]),
            0x93f5_f579_9a93_2462
        );
        assert_eq!(siphash(key, &[0x0302_0100]), 0xcf27_94e0_2771_87b7);
    }
}
