//! Weight quantization schemes and the per-tensor arithmetic shared by the quantizer (CLI
//! and browser) and the loader. Symmetric, round-half-away-from-zero (`f32::round`).

use half::f16;

/// K-block of the q4 scheme: one f16 scale per 32 consecutive inputs of a row.
pub const Q4_BLOCK: usize = 32;
const Q8_MAX: f32 = 127.0;
const Q4_MAX: f32 = 7.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// int8 weights, one f32 scale per output row.
    Q8,
    /// 4-bit weights packed two per byte, one f16 scale per row and 32-input block;
    /// the pooler and classifier stay q8.
    Q4,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Q8 => "q8",
            Scheme::Q4 => "q4",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "q8" => Some(Scheme::Q8),
            "q4" => Some(Scheme::Q4),
            _ => None,
        }
    }
}

/// How one source tensor is stored in a quantized file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Copied unchanged (biases, LayerNorm, position and token-type embeddings).
    Keep,
    Q8,
    Q4,
    /// Not needed for inference (pre-training heads, `position_ids` buffers).
    Drop,
}

/// The storage of tensor `name` with `shape` under `scheme`. Only 2-D float matrices
/// of the encoder, pooler, classifier and word embeddings are quantized.
pub fn storage_for(scheme: Scheme, name: &str, shape: &[usize]) -> Storage {
    if name.starts_with("cls.") || name.ends_with("position_ids") {
        return Storage::Drop;
    }
    const MATRICES: [&str; 6] = [
        "query.weight",
        "key.weight",
        "value.weight",
        "dense.weight",
        "classifier.weight",
        "word_embeddings.weight",
    ];
    if shape.len() != 2 || !MATRICES.iter().any(|m| name.ends_with(m)) {
        return Storage::Keep;
    }
    // Small heads decide the label directly, so 4-bit error there is not worth its bytes.
    let head = name.starts_with("classifier.") || name.contains("pooler.");
    match scheme {
        Scheme::Q4 if !head && shape[1].is_multiple_of(Q4_BLOCK) => Storage::Q4,
        _ => Storage::Q8,
    }
}

/// `[n][k]` f32 → int8 `[n][k]` with a per-row scale. The scale is the one, among
/// `absmax / d` for `d` from 127 up to 127·1.25, with the least squared error of the row: rows
/// with a few large weights lose a little on those by clipping and gain resolution on all
/// others.
pub fn quantize_q8(w: &[f32], n: usize, k: usize) -> (Vec<i8>, Vec<f32>) {
    let mut q = vec![0i8; n * k];
    let mut scales = vec![0f32; n];
    for (row, (qr, s)) in w
        .chunks_exact(k)
        .zip(q.chunks_exact_mut(k).zip(&mut scales))
    {
        let absmax = row.iter().fold(0f32, |m, x| m.max(x.abs()));
        let mut best = (f32::INFINITY, 0f32);
        for step in 0..=Q8_SEARCH_STEPS {
            let d = Q8_MAX * (1.0 + 0.25 * step as f32 / Q8_SEARCH_STEPS as f32);
            let scale = absmax / d;
            let err = quantize_block_q8(row, scale, qr);
            if err < best.0 {
                best = (err, scale);
            }
        }
        *s = best.1;
        quantize_block_q8(row, best.1, qr);
    }
    (q, scales)
}

/// Scale candidates of [`quantize_q8`] beyond `absmax / 127`.
const Q8_SEARCH_STEPS: usize = 8;

fn quantize_block_q8(row: &[f32], scale: f32, q: &mut [i8]) -> f32 {
    quantize_at(row, scale, -Q8_MAX, Q8_MAX, q)
}

/// Quantizes `block` at `scale` into `q` (rounding half away from zero, clamped to
/// `lo..=hi`); returns the squared error.
fn quantize_at(block: &[f32], scale: f32, lo: f32, hi: f32, q: &mut [i8]) -> f32 {
    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    let mut err = 0.0;
    for (x, y) in block.iter().zip(q.iter_mut()) {
        *y = (x * inv).round().clamp(lo, hi) as i8;
        let e = x - *y as f32 * scale;
        err += e * e;
    }
    err
}

/// `[n][k]` f32 → 4-bit `[n][k/2]` bytes (even input in the low nibble, value + 8) and
/// f16 scales `[n][k/32]`. Each block's scale is the one, among `absmax / d` for a few
/// divisors `d` around 7, with the least squared error: with only 16 levels, clipping
/// the largest weight a little often buys precision for the other 31.
pub fn quantize_q4(w: &[f32], n: usize, k: usize) -> (Vec<u8>, Vec<f16>) {
    let blocks = k / Q4_BLOCK;
    let mut packed = vec![0u8; n * k / 2];
    let mut scales = vec![f16::ZERO; n * blocks];
    let mut q = [0i8; Q4_BLOCK];
    for (b, (block, out)) in w
        .chunks_exact(Q4_BLOCK)
        .zip(packed.chunks_exact_mut(Q4_BLOCK / 2))
        .enumerate()
    {
        let absmax = block.iter().fold(0f32, |m, x| m.max(x.abs()));
        let mut best = (f32::INFINITY, f16::ZERO);
        for step in 0..=16 {
            let d = Q4_MAX + 0.125 * step as f32;
            // Quantize against the scale as stored, so dequantization sees the same value.
            let scale = f16::from_f32(absmax / d);
            let err = quantize_block_q4(block, scale.to_f32(), &mut q);
            if err < best.0 {
                best = (err, scale);
            }
        }
        scales[b] = best.1;
        quantize_block_q4(block, best.1.to_f32(), &mut q);
        for (pair, byte) in q.chunks_exact(2).zip(out) {
            *byte = ((pair[0] + 8) as u8) | (((pair[1] + 8) as u8) << 4);
        }
    }
    (packed, scales)
}

fn quantize_block_q4(block: &[f32], scale: f32, q: &mut [i8]) -> f32 {
    quantize_at(block, scale, -8.0, Q4_MAX, q)
}

/// 4-bit packed → int8 values in `-8..=7`, same `[n][k]` order.
pub fn unpack_q4(packed: &[u8]) -> Vec<i8> {
    packed
        .iter()
        .flat_map(|&b| [(b & 0x0f) as i8 - 8, (b >> 4) as i8 - 8])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32 - 0.5) * 0.2
            })
            .collect()
    }

    #[test]
    fn q8_error_is_at_most_half_a_step() {
        let (n, k) = (7, 96);
        let w = pseudo_random(n * k, 1);
        let (q, s) = quantize_q8(&w, n, k);
        for (i, x) in w.iter().enumerate() {
            let back = q[i] as f32 * s[i / k];
            assert!(
                (back - x).abs() <= s[i / k] * 0.5 + 1e-7,
                "{i}: {x} vs {back}"
            );
        }
        assert!(q.iter().any(|&v| v.abs() == 127), "full range used");
    }

    #[test]
    fn q4_error_is_bounded() {
        let (n, k) = (5, 64);
        let w = pseudo_random(n * k, 2);
        let (p, s) = quantize_q4(&w, n, k);
        let q = unpack_q4(&p);
        assert_eq!(q.len(), n * k);
        for (i, x) in w.iter().enumerate() {
            let scale = s[i / Q4_BLOCK].to_f32();
            let back = q[i] as f32 * scale;
            // The chosen scale may clip the block's largest weight by up to 2.3 steps.
            assert!((back - x).abs() <= scale * 2.3 + 1e-6, "{i}: {x} vs {back}");
            assert!((-8..=7).contains(&q[i]));
        }
    }

    #[test]
    fn q4_scale_search_never_loses_to_absmax_over_7() {
        let (n, k) = (16, 256);
        let w = pseudo_random(n * k, 3);
        let (p, s) = quantize_q4(&w, n, k);
        let q = unpack_q4(&p);
        let mut q_plain = [0i8; Q4_BLOCK];
        let (mut searched, mut plain) = (0f32, 0f32);
        for (b, block) in w.chunks_exact(Q4_BLOCK).enumerate() {
            let absmax = block.iter().fold(0f32, |m, x| m.max(x.abs()));
            plain += quantize_block_q4(block, f16::from_f32(absmax / 7.0).to_f32(), &mut q_plain);
            let scale = s[b].to_f32();
            searched += block
                .iter()
                .zip(&q[b * Q4_BLOCK..])
                .map(|(x, &v)| (x - v as f32 * scale).powi(2))
                .sum::<f32>();
        }
        assert!(searched <= plain, "{searched} > {plain}");
        assert!(
            searched < 0.9 * plain,
            "the search should help on Gaussian-like data: {searched} vs {plain}"
        );
    }

    #[test]
    fn zero_rows_stay_zero() {
        let (q, s) = quantize_q8(&[0.0; 8], 2, 4);
        assert!(q.iter().all(|&v| v == 0) && s == [0.0, 0.0]);
        let (p, s) = quantize_q4(&[0.0; 32], 1, 32);
        assert!(unpack_q4(&p).iter().all(|&v| v == 0) && s[0] == f16::ZERO);
    }

    #[test]
    fn storage_rules() {
        use Storage::*;
        let m = [768, 768];
        assert_eq!(
            storage_for(
                Scheme::Q8,
                "bert.encoder.layer.0.attention.self.query.weight",
                &m
            ),
            Q8
        );
        assert_eq!(
            storage_for(
                Scheme::Q4,
                "bert.encoder.layer.0.attention.self.query.weight",
                &m
            ),
            Q4
        );
        assert_eq!(storage_for(Scheme::Q4, "bert.pooler.dense.weight", &m), Q8);
        assert_eq!(storage_for(Scheme::Q4, "classifier.weight", &[60, 768]), Q8);
        assert_eq!(
            storage_for(
                Scheme::Q4,
                "embeddings.word_embeddings.weight",
                &[30522, 384]
            ),
            Q4
        );
        assert_eq!(storage_for(Scheme::Q4, "x.dense.weight", &[10, 40]), Q8);
        assert_eq!(
            storage_for(Scheme::Q8, "bert.embeddings.position_embeddings.weight", &m),
            Keep
        );
        assert_eq!(
            storage_for(Scheme::Q8, "bert.encoder.layer.0.output.dense.bias", &[768]),
            Keep
        );
        assert_eq!(
            storage_for(Scheme::Q8, "bert.embeddings.LayerNorm.weight", &[768]),
            Keep
        );
        assert_eq!(
            storage_for(Scheme::Q8, "embeddings.position_ids", &[1, 512]),
            Drop
        );
        assert_eq!(
            storage_for(Scheme::Q8, "cls.predictions.decoder.weight", &m),
            Drop
        );
    }
}
