//! Python's `random.Random(seed).sample(...)`, bit for bit: the Mersenne Twister seeded from an
//! integer as CPython seeds it (`init_by_array` over the seed's 32-bit words), `_randbelow` by
//! rejection on `getrandbits`, and `sample`'s two strategies (a shrinking pool for small
//! populations, a set of chosen indices for large ones). lm-evaluation-harness draws its default
//! few-shot examples this way.

/// CPython's `random.Random`.
#[derive(Debug, Clone)]
pub(crate) struct PyRandom {
    state: [u32; 624],
    index: usize,
}

impl PyRandom {
    /// `random.Random(seed)` for a non-negative integer seed.
    pub(crate) fn new(seed: u64) -> Self {
        let mut key = vec![seed as u32];
        if seed >> 32 != 0 {
            key.push((seed >> 32) as u32);
        }
        let mut rng = PyRandom {
            state: [0; 624],
            index: 624,
        };
        rng.init_by_array(&key);
        rng
    }

    fn init_genrand(&mut self, seed: u32) {
        self.state[0] = seed;
        for i in 1..624 {
            let prev = self.state[i - 1];
            self.state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = 624;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            let prev = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                self.state[0] = self.state[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            let prev = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                self.state[0] = self.state[623];
                i = 1;
            }
        }
        self.state[0] = 0x8000_0000;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % 624] & 0x7fff_ffff);
                let mut next = self.state[(k + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    next ^= 0x9908_b0df;
                }
                self.state[k] = next;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `getrandbits(k)` for `k` ≤ 32.
    fn getrandbits(&mut self, k: u32) -> u32 {
        if k == 0 {
            0
        } else {
            self.next_u32() >> (32 - k)
        }
    }

    /// `_randbelow(n)`: uniform in `0..n` (0 for `n` = 0).
    fn randbelow(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let bits = usize::BITS - n.leading_zeros();
        assert!(bits <= 32, "populations beyond 2^32 items are not sampled");
        loop {
            let r = self.getrandbits(bits) as usize;
            if r < n {
                return r;
            }
        }
    }

    /// `sample(range(n), k)`: `k` distinct indices of `0..n`, in draw order.
    pub(crate) fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        assert!(k <= n, "sample larger than population");
        let mut setsize = 21usize;
        if k > 5 {
            // 4 ** ceil(log(3k, 4)), computed as CPython does, in floating point.
            let exponent = ((3 * k) as f64).ln() / 4f64.ln();
            setsize += 4usize.pow(exponent.ceil() as u32);
        }
        if n <= setsize {
            let mut pool: Vec<usize> = (0..n).collect();
            (0..k)
                .map(|i| {
                    let j = self.randbelow(n - i);
                    let chosen = pool[j];
                    pool[j] = pool[n - i - 1];
                    chosen
                })
                .collect()
        } else {
            let mut selected = std::collections::HashSet::new();
            (0..k)
                .map(|_| {
                    let mut j = self.randbelow(n);
                    while selected.contains(&j) {
                        j = self.randbelow(n);
                    }
                    selected.insert(j);
                    j
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by CPython 3.11: `r = random.Random(1234); [r.getrandbits(32) for _ in
    /// range(3)]`, `random.Random(1234).sample(range(10), 4)` and
    /// `random.Random(42).sample(range(1000), 5)`.
    #[test]
    fn agrees_with_cpython() {
        let mut r = PyRandom::new(1234);
        let words: Vec<u32> = (0..3).map(|_| r.next_u32()).collect();
        assert_eq!(words, PYTHON_WORDS_1234);
        assert_eq!(PyRandom::new(1234).sample(10, 4), PYTHON_SAMPLE_1234_10_4);
        assert_eq!(PyRandom::new(42).sample(1000, 5), PYTHON_SAMPLE_42_1000_5);
    }

    const PYTHON_WORDS_1234: [u32; 3] = [4_150_886_329, 3_342_196_574, 1_892_932_127];
    const PYTHON_SAMPLE_1234_10_4: [usize; 4] = [7, 1, 0, 9];
    const PYTHON_SAMPLE_42_1000_5: [usize; 5] = [654, 114, 25, 759, 281];
}
