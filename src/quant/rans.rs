//! Static rANS entropy coder for byte symbols (q4 levels and block exponents).
//!
//! Why an entropy coder: q4's accuracy gates need about 5-bit precision on the sensitive
//! matrices, which a fixed-length code cannot fit in the 70 MB budget; coded by their
//! measured frequencies, fine uniform levels cost 4.05–5.6 bits per weight (bench/q4lab).
//!
//! Stream layout (little-endian, spec in docs/FORMAT.md):
//! `u32 count`, `u8 lo`, `u8 hi`, `(hi - lo + 1) × u16` frequencies summing to 2^14,
//! `u32 words`, `words × u16` (the first two are the final encoder state, low half first).
//! A symbol with frequency 0 cannot occur. Integer arithmetic only, so native and wasm
//! builds write identical bytes.

use crate::error::{Error, Result};

const PROB_BITS: u32 = 14;
const PROB_SCALE: u32 = 1 << PROB_BITS;
/// Lower bound of the normalized state; words are 16 bits.
const STATE_LOW: u32 = 1 << 16;

fn corrupt(what: &str) -> Error {
    Error::Format(format!("entropy-coded tensor is corrupt: {what}"))
}

/// Frequencies summing to [`PROB_SCALE`], every symbol that occurs at least 1.
fn normalize(counts: &[u64; 256]) -> [u32; 256] {
    let total: u64 = counts.iter().sum();
    let mut freq = [0u32; 256];
    if total == 0 {
        freq[0] = PROB_SCALE; // an empty stream still has a valid table
        return freq;
    }
    for (f, &c) in freq.iter_mut().zip(counts) {
        if c > 0 {
            *f = ((c * PROB_SCALE as u64 + total / 2) / total).max(1) as u32;
        }
    }
    // Rounding leaves the sum a little off; the largest frequencies absorb the difference
    // (the smallest relative change). At most 256 symbols, so every present one keeps ≥ 1.
    let mut sum: i64 = freq.iter().map(|&f| f as i64).sum();
    while sum != PROB_SCALE as i64 {
        let top = (0..256)
            .max_by_key(|&s| (freq[s], std::cmp::Reverse(s)))
            .unwrap_or(0);
        if sum < PROB_SCALE as i64 {
            freq[top] += (PROB_SCALE as i64 - sum) as u32;
            sum = PROB_SCALE as i64;
        } else {
            let take = (sum - PROB_SCALE as i64).min(freq[top] as i64 - 1);
            if take == 0 {
                break; // every symbol at 1: impossible with ≤ 256 symbols and a 2^14 scale
            }
            freq[top] -= take as u32;
            sum -= take;
        }
    }
    freq
}

/// Encodes `symbols` into one self-contained stream.
pub fn encode(symbols: &[u8]) -> Vec<u8> {
    let mut counts = [0u64; 256];
    for &s in symbols {
        counts[s as usize] += 1;
    }
    let freq = normalize(&counts);
    let mut cum = [0u32; 256];
    let mut acc = 0;
    for (c, &f) in cum.iter_mut().zip(&freq) {
        *c = acc;
        acc += f;
    }
    // rANS is last-in first-out: encode backwards so the decoder reads forwards.
    let mut words: Vec<u16> = Vec::with_capacity(symbols.len() / 3 + 2);
    let mut x = STATE_LOW;
    for &s in symbols.iter().rev() {
        let (f, c) = (freq[s as usize], cum[s as usize]);
        // u64: a lone symbol has f = 2^14 and its bound is 2^32.
        let x_max = (((STATE_LOW >> PROB_BITS) as u64) << 16) * f as u64;
        while x as u64 >= x_max {
            words.push(x as u16);
            x >>= 16;
        }
        x = ((x / f) << PROB_BITS) + (x % f) + c;
    }
    words.push((x >> 16) as u16);
    words.push(x as u16);
    words.reverse();

    let present: Vec<usize> = (0..256).filter(|&s| freq[s] > 0).collect();
    let (lo, hi) = (
        present.first().copied().unwrap_or(0),
        present.last().copied().unwrap_or(0),
    );
    let mut out = Vec::with_capacity(10 + 2 * (hi - lo + 1) + 2 * words.len());
    out.extend_from_slice(&(symbols.len() as u32).to_le_bytes());
    out.extend_from_slice(&[lo as u8, hi as u8]);
    for &f in &freq[lo..=hi] {
        out.extend_from_slice(&(f as u16).to_le_bytes());
    }
    out.extend_from_slice(&(words.len() as u32).to_le_bytes());
    for w in words {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out
}

/// A forward reader over the stream's bytes that reports truncation instead of panicking.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| corrupt(&format!("truncated in its {what}")))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Decodes a stream of exactly `expected` symbols, calling `put(i, symbol)` for each.
/// Every inconsistency (truncation, a bad table, leftover or missing words, a final state
/// other than the encoder's start) is an error, never a panic.
pub fn decode(bytes: &[u8], expected: usize, mut put: impl FnMut(usize, u8)) -> Result<()> {
    let mut r = Reader { bytes, at: 0 };
    let count = r.u32("symbol count")? as usize;
    if count != expected {
        return Err(corrupt(&format!(
            "it holds {count} symbols, the tensor needs {expected}"
        )));
    }
    let range = r.take(2, "symbol range")?;
    let (lo, hi) = (range[0] as usize, range[1] as usize);
    if lo > hi {
        return Err(corrupt("its symbol range is reversed"));
    }
    let mut freq = [0u32; 256];
    let mut cum = [0u32; 256];
    let mut acc = 0u32;
    for s in lo..=hi {
        freq[s] = r.u16("frequency table")? as u32;
        cum[s] = acc;
        acc += freq[s];
    }
    if acc != PROB_SCALE {
        return Err(corrupt("its frequencies do not sum to 2^14"));
    }
    let mut slot_symbol = vec![0u8; PROB_SCALE as usize];
    for s in lo..=hi {
        let (c, f) = (cum[s] as usize, freq[s] as usize);
        slot_symbol[c..c + f].fill(s as u8);
    }
    let n_words = r.u32("word count")? as usize;
    let words = r.take(n_words.saturating_mul(2), "words")?;
    if r.at != bytes.len() {
        return Err(corrupt("bytes follow its last word"));
    }
    if n_words < 2 {
        return Err(corrupt("it has no initial state"));
    }
    let word = |i: usize| u16::from_le_bytes([words[2 * i], words[2 * i + 1]]) as u32;
    let mut x = word(0) | (word(1) << 16);
    let mut next = 2;
    for i in 0..count {
        let slot = x & (PROB_SCALE - 1);
        let s = slot_symbol[slot as usize];
        let (f, c) = (freq[s as usize], cum[s as usize]);
        // f ≥ 1 here: slot lies in [c, c + f) of the symbol the table assigns it to.
        x = f * (x >> PROB_BITS) + slot - c;
        if x < STATE_LOW {
            if next >= n_words {
                return Err(corrupt("its words end early"));
            }
            x = (x << 16) | word(next);
            next += 1;
        }
        put(i, s);
    }
    if next != n_words || x != STATE_LOW {
        return Err(corrupt("its final state does not match"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(symbols: &[u8]) -> Vec<u8> {
        let bytes = encode(symbols);
        let mut back = vec![0u8; symbols.len()];
        decode(&bytes, symbols.len(), |i, s| back[i] = s).unwrap();
        assert_eq!(back, symbols);
        bytes
    }

    fn skewed(n: usize, seed: u32) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                // Roughly geometric around 0, offset by 128 as q4 levels are.
                let mag = (s % 1024).leading_zeros() as i32 - 22;
                (128 + if s & (1 << 20) != 0 { mag } else { -mag }) as u8
            })
            .collect()
    }

    #[test]
    fn round_trips() {
        roundtrip(&[]);
        roundtrip(&[7]);
        roundtrip(&[0; 1000]);
        roundtrip(&(0..=255).collect::<Vec<u8>>());
        let data = skewed(100_000, 9);
        let bytes = roundtrip(&data);
        // Close to the empirical entropy (the table costs a few bytes).
        let mut counts = [0f64; 256];
        data.iter().for_each(|&s| counts[s as usize] += 1.0);
        let n = data.len() as f64;
        let entropy: f64 = counts
            .iter()
            .filter(|&&c| c > 0.0)
            .map(|&c| -c * (c / n).log2())
            .sum();
        let bits = 8.0 * bytes.len() as f64;
        assert!(
            bits < entropy * 1.01 + 600.0,
            "{bits} bits vs entropy {entropy}"
        );
    }

    #[test]
    fn every_corruption_is_an_error_not_a_panic() {
        let data = skewed(5_000, 3);
        let bytes = encode(&data);
        assert!(decode(&bytes, data.len() + 1, |_, _| {}).is_err());
        for cut in [0, 3, 5, 9, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                decode(&bytes[..cut], data.len(), |_, _| {}).is_err(),
                "{cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, data.len(), |_, _| {}).is_err());
        // Flipping any byte either fails or changes nothing (it must never panic); a flip
        // in the words almost always breaks the final-state check.
        let mut detected = 0;
        for at in (0..bytes.len()).step_by(7) {
            let mut b = bytes.clone();
            b[at] ^= 0x5a;
            let mut back = vec![0u8; data.len()];
            match decode(&b, data.len(), |i, s| back[i] = s) {
                Err(_) => detected += 1,
                Ok(()) => assert_eq!(back, data, "a flip at {at} decoded to other data"),
            }
        }
        assert!(detected > bytes.len() / 7 * 9 / 10, "{detected}");
    }
}
