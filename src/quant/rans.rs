//! Static rANS entropy coder for byte symbols (q4 levels and block exponents).
//!
//! Why an entropy coder: q4's accuracy gates need about 5-bit precision on the sensitive
//! matrices, which a fixed-length code cannot fit in the 70 MB budget; coded by their
//! measured frequencies, fine uniform levels cost 4.05–5.6 bits per weight (docs/architecture.md).
//!
//! Stream layout (little-endian, spec in docs/FORMAT.md):
//! `u32 count`, `u8 lo`, `u8 hi`, `(hi - lo + 1) × u16` frequencies summing to 2^14,
//! `u32 words`, `words × u16` (the first eight are the four final encoder states, each low
//! half first; symbol i belongs to state i % 4).
//! A symbol with frequency 0 cannot occur. Integer arithmetic only, so native and wasm
//! builds write identical bytes.

use crate::error::{Error, Result};

const PROB_BITS: u32 = 14;
const PROB_SCALE: u32 = 1 << PROB_BITS;
/// Lower bound of the normalized state; words are 16 bits.
const STATE_LOW: u32 = 1 << 16;
/// Interleaved coder states (symbol i uses state i % LANES).
const LANES: usize = 4;

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

/// Encodes `symbols` into one self-contained stream (at most `u32::MAX` symbols).
pub fn encode(symbols: &[u8]) -> Result<Vec<u8>> {
    let count = u32::try_from(symbols.len()).map_err(|_| {
        Error::Format(format!(
            "{} values are too many for one stream",
            symbols.len()
        ))
    })?;
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
    // rANS is last-in first-out: encode backwards so the decoder reads forwards. Symbol i
    // goes to state i % LANES: independent states let the decoder overlap their work.
    let mut words: Vec<u16> = Vec::with_capacity(symbols.len() / 3 + 2 * LANES);
    let mut states = [STATE_LOW; LANES];
    for (i, &s) in symbols.iter().enumerate().rev() {
        let x = &mut states[i % LANES];
        let (f, c) = (freq[s as usize], cum[s as usize]);
        // u64: a lone symbol has f = 2^14 and its bound is 2^32.
        let x_max = (((STATE_LOW >> PROB_BITS) as u64) << 16) * f as u64;
        while *x as u64 >= x_max {
            words.push(*x as u16);
            *x >>= 16;
        }
        *x = ((*x / f) << PROB_BITS) + (*x % f) + c;
    }
    for &x in states.iter().rev() {
        words.push((x >> 16) as u16);
        words.push(x as u16);
    }
    words.reverse();

    let present: Vec<usize> = (0..256).filter(|&s| freq[s] > 0).collect();
    let (lo, hi) = (
        present.first().copied().unwrap_or(0),
        present.last().copied().unwrap_or(0),
    );
    let mut out = Vec::with_capacity(10 + 2 * (hi - lo + 1) + 2 * words.len());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&[lo as u8, hi as u8]);
    for &f in &freq[lo..=hi] {
        out.extend_from_slice(&(f as u16).to_le_bytes());
    }
    out.extend_from_slice(&(words.len() as u32).to_le_bytes());
    for w in words {
        out.extend_from_slice(&w.to_le_bytes());
    }
    Ok(out)
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

fn read_word(words: &[u8], i: usize) -> Option<u32> {
    let w = words.get(2 * i..2 * i + 2)?;
    Some(u16::from_le_bytes([w[0], w[1]]) as u32)
}

/// One decoding step of state `x`: the symbol's value, or None when the words run out.
#[inline(always)]
fn step<T: Copy>(
    x: &mut u32,
    slot_step: &[u32],
    slot_value: &[T],
    words: &[u8],
    next: &mut usize,
) -> Option<T> {
    let slot = (*x & (PROB_SCALE - 1)) as usize;
    let e = slot_step[slot];
    // freq · (x >> 14) + (slot − cum) < 2^32 for any x: no overflow even when corrupt.
    *x = (e >> 16) * (*x >> PROB_BITS) + (e & 0xffff);
    if *x < STATE_LOW {
        *x = *x << 16 | read_word(words, *next)?;
        *next += 1;
    }
    Some(slot_value[slot])
}

/// Decodes a stream into `out` (exactly `out.len()` symbols), each symbol `s` written as
/// `value(s)`. Every inconsistency (truncation, a bad table, leftover or missing words, a
/// final state other than the encoder's start) is an error, never a panic.
pub fn decode<T: Copy + Default>(
    bytes: &[u8],
    out: &mut [T],
    value: impl Fn(u8) -> T,
) -> Result<()> {
    let mut r = Reader { bytes, at: 0 };
    let count = r.u32("symbol count")? as usize;
    if count != out.len() {
        return Err(corrupt(&format!(
            "it holds {count} symbols, the tensor needs {}",
            out.len()
        )));
    }
    let range = r.take(2, "symbol range")?;
    let (lo, hi) = (range[0] as usize, range[1] as usize);
    if lo > hi {
        return Err(corrupt("its symbol range is reversed"));
    }
    // Per slot: the symbol's value, and its frequency and offset in its range packed in one
    // word, so a step costs two independent loads.
    let mut slot_value = vec![T::default(); PROB_SCALE as usize];
    let mut slot_step = vec![0u32; PROB_SCALE as usize];
    let mut cum = 0usize;
    for s in lo..=hi {
        let f = r.u16("frequency table")? as usize;
        if cum + f > PROB_SCALE as usize {
            return Err(corrupt("its frequencies do not sum to 2^14"));
        }
        slot_value[cum..cum + f].fill(value(s as u8));
        for (j, e) in slot_step[cum..cum + f].iter_mut().enumerate() {
            *e = (f as u32) << 16 | j as u32;
        }
        cum += f;
    }
    if cum != PROB_SCALE as usize {
        return Err(corrupt("its frequencies do not sum to 2^14"));
    }
    let n_words = r.u32("word count")? as usize;
    let words = r.take(n_words.saturating_mul(2), "words")?;
    if r.at != bytes.len() {
        return Err(corrupt("bytes follow its last word"));
    }
    if n_words < 2 * LANES {
        return Err(corrupt("it has no initial states"));
    }
    let mut states = [0u32; LANES];
    for (j, x) in states.iter_mut().enumerate() {
        *x = read_word(words, 2 * j).unwrap_or(0) | read_word(words, 2 * j + 1).unwrap_or(0) << 16;
    }
    let mut next = 2 * LANES;
    let ended = || corrupt("its words end early");
    let mut chunks = out.chunks_exact_mut(LANES);
    for chunk in &mut chunks {
        for (x, o) in states.iter_mut().zip(chunk) {
            *o = step(x, &slot_step, &slot_value, words, &mut next).ok_or_else(ended)?;
        }
    }
    for (x, o) in states.iter_mut().zip(chunks.into_remainder()) {
        *o = step(x, &slot_step, &slot_value, words, &mut next).ok_or_else(ended)?;
    }
    if next != n_words || states.iter().any(|&x| x != STATE_LOW) {
        return Err(corrupt("its final state does not match"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(symbols: &[u8]) -> Vec<u8> {
        let bytes = encode(symbols).unwrap();
        let mut back = vec![0u8; symbols.len()];
        decode(&bytes, &mut back, |s| s).unwrap();
        assert_eq!(back, symbols);
        bytes
    }

    fn skewed(n: usize, seed: u32) -> Vec<u8> {
        crate::quant::xorshift(seed)
            .take(n)
            .map(|s| {
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
        roundtrip(&skewed(1003, 4)); // a partial last round of the four states
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
        let bytes = encode(&data).unwrap();
        let mut back = vec![0u8; data.len()];
        assert!(decode(&bytes, &mut vec![0u8; data.len() + 1], |s| s).is_err());
        for cut in [0, 3, 5, 9, 17, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut], &mut back, |s| s).is_err(), "{cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, &mut back, |s| s).is_err());
        // Flipping any byte either fails or changes nothing (it must never panic); a flip
        // in the words almost always breaks the final-state check.
        let mut detected = 0;
        for at in (0..bytes.len()).step_by(7) {
            let mut b = bytes.clone();
            b[at] ^= 0x5a;
            let mut back = vec![0u8; data.len()];
            match decode(&b, &mut back, |s| s) {
                Err(_) => detected += 1,
                Ok(()) => assert_eq!(back, data, "a flip at {at} decoded to other data"),
            }
        }
        assert!(detected > bytes.len() / 7 * 9 / 10, "{detected}");
    }
}
