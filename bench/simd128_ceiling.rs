//! SIMD128 int8 GEMM inner loop on its own (docs/threads.md, "The SIMD128 kernel against the
//! machine's ceiling"): the tile loop of src/kernels/simd128.rs (4 rows x 4 outputs per
//! half-panel, `i32x4.dot_i16x8_s`, 15-bit activations) over a 24 x 768 by 768 x 768 product,
//! and variants of it, so that what limits the kernel can be told apart from the rest of a
//! forward pass. Not part of the crate, not a test: built with rustc alone.
//!
//!   rustc --edition 2021 --target wasm32-unknown-unknown -C target-feature=+simd128 \
//!     -C opt-level=3 -C panic=abort --crate-type cdylib bench/simd128_ceiling.rs -o /tmp/ceiling.wasm
//!   node bench/simd128_ceiling.mjs /tmp/ceiling.wasm 0,1,2,3,5,8,9,12 [SLICE] [DIST]
//!
//! `run(mode)`: 0 main's loop (one int8 load + extend_low/high per group of 4 k); 1 the panel
//! widened to i16 once, tiles read i16 (no extends); 2 activations of a tile interleaved (one
//! pointer instead of four); 3 both; 4 main's loop + the next panel's lines touched (volatile
//! loads) before its tiles, DIST panels ahead; 5 the dot + add pairs alone, operands in
//! registers (the ceiling); 16 main's loop in K-slices of SLICE groups (accumulators kept in
//! memory between slices). + 8: weights cold, a different 768 x 768 matrix of 128 (72 MB) per
//! call, as a forward pass meets them; otherwise the same hot 576 KB. Equal checksums = equal sums.
#![no_std]
#![allow(static_mut_refs)]
use core::arch::wasm32::*;
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const M: usize = 24;
const K: usize = 768;
const N: usize = 768;
const NP: usize = N / 8;
const G: usize = K / 4;
static mut X: [i16; M * K] = [0; M * K];
static mut XI: [i16; M * K] = [0; M * K]; // interleaved [tile][g][4 rows][4 k]
const NMAT: usize = 128;
static mut W: [i8; NMAT * N * K] = [0; NMAT * N * K];
static mut MAT: usize = 0;
static mut ACC: [v128; 6 * 2 * 8] =
    [unsafe { core::mem::transmute::<[u8; 16], v128>([0; 16]) }; 96];
static mut SLICE: usize = 32;
static mut DIST: usize = 1;
#[no_mangle]
pub unsafe extern "C" fn set_dist(s: u32) {
    DIST = s as usize;
}
#[no_mangle]
pub unsafe extern "C" fn set_slice(s: u32) {
    SLICE = s as usize;
}
static mut WIDE: [i16; 8 * K] = [0; 8 * K];
static mut OUT: [i32; M * N] = [0; M * N];

#[no_mangle]
pub unsafe extern "C" fn init(seed: u32) {
    let mut s = seed as u64 | 1;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for v in (*core::ptr::addr_of_mut!(X)).iter_mut() {
        *v = ((rnd() % 32767) as i32 - 16383) as i16;
    }
    for v in (*core::ptr::addr_of_mut!(W)).iter_mut() {
        *v = (rnd() % 256) as u8 as i8;
    }
    for t in 0..M / 4 {
        for g in 0..G {
            for r in 0..4 {
                for j in 0..4 {
                    XI[((t * G + g) * 4 + r) * 4 + j] = X[(t * 4 + r) * K + g * 4 + j];
                }
            }
        }
    }
}

#[inline(always)]
unsafe fn fold(lo: v128, hi: v128) -> v128 {
    i32x4_add(
        i32x4_shuffle::<0, 2, 4, 6>(lo, hi),
        i32x4_shuffle::<1, 3, 5, 7>(lo, hi),
    )
}

#[inline(always)]
unsafe fn store(m0: usize, p: usize, h: usize, lo: &[v128; 4], hi: &[v128; 4]) {
    for r in 0..4 {
        (OUT.as_mut_ptr().add((m0 + r) * N + p * 8 + h * 4) as *mut v128)
            .write_unaligned(fold(lo[r], hi[r]));
    }
}

/// See the module docs for `mode`.
#[no_mangle]
pub unsafe extern "C" fn run(mode: u32) -> i32 {
    let base = if mode & 8 != 0 {
        MAT = (MAT + 1) % NMAT;
        MAT * N * K
    } else {
        0
    };
    if mode & 16 != 0 {
        return sliced(base);
    }
    let mode = mode & 7;
    if mode >= 5 {
        return ceiling(mode);
    }
    let widened = mode & 1 != 0;
    let inter = mode & 2 != 0;
    for p in 0..NP {
        let panel = W.as_ptr().add(base + p * 8 * K);
        if widened {
            for g in 0..G {
                for h in 0..2 {
                    let wv = (panel.add(g * 32 + h * 16) as *const v128).read_unaligned();
                    let o = WIDE.as_mut_ptr().add((h * G + g) * 16);
                    (o as *mut v128).write_unaligned(i16x8_extend_low_i8x16(wv));
                    (o.add(8) as *mut v128).write_unaligned(i16x8_extend_high_i8x16(wv));
                }
            }
        }
        for t in 0..M / 4 {
            for h in 0..2 {
                let mut lo = [i32x4_splat(0); 4];
                let mut hi = [i32x4_splat(0); 4];
                if inter {
                    let mut xp = XI.as_ptr().add(t * G * 16);
                    if widened {
                        let mut wp = WIDE.as_ptr().add(h * G * 16);
                        for _ in 0..G {
                            let wl = (wp as *const v128).read_unaligned();
                            let wh = (wp.add(8) as *const v128).read_unaligned();
                            for r in 0..4 {
                                let xv =
                                    u64x2_splat((xp.add(r * 4) as *const u64).read_unaligned());
                                lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, xv));
                                hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, xv));
                            }
                            wp = wp.add(16);
                            xp = xp.add(16);
                        }
                    } else {
                        let mut wp = panel.add(h * 16);
                        for _ in 0..G {
                            let wv = (wp as *const v128).read_unaligned();
                            let wl = i16x8_extend_low_i8x16(wv);
                            let wh = i16x8_extend_high_i8x16(wv);
                            for r in 0..4 {
                                let xv =
                                    u64x2_splat((xp.add(r * 4) as *const u64).read_unaligned());
                                lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, xv));
                                hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, xv));
                            }
                            wp = wp.add(32);
                            xp = xp.add(16);
                        }
                    }
                } else if mode & 4 != 0 {
                    let xp: [*const i16; 4] =
                        core::array::from_fn(|r| X.as_ptr().add((t * 4 + r) * K));
                    let mut xo = 0;
                    if t == 0 && h == 0 {
                        let d = DIST;
                        let next = panel.add(d * 8 * K);
                        if p + d < NP {
                            let mut q = next;
                            for _ in 0..8 * K / 64 {
                                core::ptr::read_volatile(q);
                                q = q.add(64);
                            }
                        }
                    }
                    let mut wp = panel.add(h * 16);
                    for _ in 0..G {
                        let wv = (wp as *const v128).read_unaligned();
                        let wl = i16x8_extend_low_i8x16(wv);
                        let wh = i16x8_extend_high_i8x16(wv);
                        for r in 0..4 {
                            let xv = u64x2_splat((xp[r].add(xo) as *const u64).read_unaligned());
                            lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, xv));
                            hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, xv));
                        }
                        wp = wp.add(32);
                        xo += 4;
                    }
                } else {
                    let xp: [*const i16; 4] =
                        core::array::from_fn(|r| X.as_ptr().add((t * 4 + r) * K));
                    let mut xo = 0;
                    if widened {
                        let mut wp = WIDE.as_ptr().add(h * G * 16);
                        for _ in 0..G {
                            let wl = (wp as *const v128).read_unaligned();
                            let wh = (wp.add(8) as *const v128).read_unaligned();
                            for r in 0..4 {
                                let xv =
                                    u64x2_splat((xp[r].add(xo) as *const u64).read_unaligned());
                                lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, xv));
                                hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, xv));
                            }
                            wp = wp.add(16);
                            xo += 4;
                        }
                    } else {
                        let mut wp = panel.add(h * 16);
                        for _ in 0..G {
                            let wv = (wp as *const v128).read_unaligned();
                            let wl = i16x8_extend_low_i8x16(wv);
                            let wh = i16x8_extend_high_i8x16(wv);
                            for r in 0..4 {
                                let xv =
                                    u64x2_splat((xp[r].add(xo) as *const u64).read_unaligned());
                                lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, xv));
                                hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, xv));
                            }
                            wp = wp.add(32);
                            xo += 4;
                        }
                    }
                }
                store(t * 4, p, h, &lo, &hi);
            }
        }
    }
    let mut c = 0i32;
    for (i, v) in OUT.iter().enumerate() {
        c = c.wrapping_add(v.wrapping_mul(i as i32 | 1));
    }
    c
}

/// mode 4: the same number of dot+add pairs with operands in registers (no loads);
/// mode 5: dots only with 8 independent accumulators through xor (no adds... still one op)
#[inline(never)]
unsafe fn ceiling(mode: u32) -> i32 {
    let steps = NP * (M / 4) * 2 * G;
    let w0 = (X.as_ptr() as *const v128).read_unaligned();
    let w1 = (X.as_ptr().add(8) as *const v128).read_unaligned();
    let x: [v128; 4] =
        core::array::from_fn(|r| (X.as_ptr().add(16 + 8 * r) as *const v128).read_unaligned());
    let mut lo = [i32x4_splat(0); 4];
    let mut hi = [i32x4_splat(0); 4];
    let mut wl = w0;
    let mut wh = w1;
    for _ in 0..steps {
        for r in 0..4 {
            lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, x[r]));
            hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, x[r]));
        }
        if mode == 5 {
            wl = i16x8_add(wl, wh);
            wh = i16x8_sub(wh, wl);
        }
    }
    let mut c = i32x4_splat(0);
    for r in 0..4 {
        c = i32x4_add(c, i32x4_add(lo[r], hi[r]));
    }
    i32x4_extract_lane::<0>(c)
}

#[inline(never)]
unsafe fn sliced(base: usize) -> i32 {
    let sl = SLICE;
    for p in 0..NP {
        let panel = W.as_ptr().add(base + p * 8 * K);
        let mut g0 = 0;
        while g0 < G {
            let gn = sl.min(G - g0);
            for t in 0..M / 4 {
                let xp: [*const i16; 4] =
                    core::array::from_fn(|r| X.as_ptr().add((t * 4 + r) * K + g0 * 4));
                for h in 0..2 {
                    let a = ACC.as_mut_ptr().add((t * 2 + h) * 8);
                    let (mut lo, mut hi) = if g0 == 0 {
                        ([i32x4_splat(0); 4], [i32x4_splat(0); 4])
                    } else {
                        (
                            core::array::from_fn(|r| *a.add(r)),
                            core::array::from_fn(|r| *a.add(4 + r)),
                        )
                    };
                    let mut wp = panel.add(g0 * 32 + h * 16);
                    let mut xo = 0;
                    for _ in 0..gn {
                        let wv = (wp as *const v128).read_unaligned();
                        let wl = i16x8_extend_low_i8x16(wv);
                        let wh = i16x8_extend_high_i8x16(wv);
                        for r in 0..4 {
                            let xv = u64x2_splat((xp[r].add(xo) as *const u64).read_unaligned());
                            lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, xv));
                            hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, xv));
                        }
                        wp = wp.add(32);
                        xo += 4;
                    }
                    if g0 + gn == G {
                        store(t * 4, p, h, &lo, &hi);
                    } else {
                        for r in 0..4 {
                            *a.add(r) = lo[r];
                            *a.add(4 + r) = hi[r];
                        }
                    }
                }
            }
            g0 += gn;
        }
    }
    let mut c = 0i32;
    for (i, v) in OUT.iter().enumerate() {
        c = c.wrapping_add(v.wrapping_mul(i as i32 | 1));
    }
    c
}
