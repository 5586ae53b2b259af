#!/bin/sh
# Adds the full tiny-ko model files (f32 source, q8 and q4 quantized; 0.3-0.7 MB each, so
# not committed) to the working corpus of read_model, next to the committed small seeds.
set -eu
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/read_model
cargo run --release --quiet --bin gamjeong -- quantize --model tests/fixtures/tiny-ko --quant q8 --out fuzz/corpus/read_model/tiny-ko-q8
cargo run --release --quiet --bin gamjeong -- quantize --model tests/fixtures/tiny-ko --quant q4 --out fuzz/corpus/read_model/tiny-ko-q4
cp tests/fixtures/tiny-ko/model.safetensors fuzz/corpus/read_model/tiny-ko-f32
# read_pytorch: the full torch.save checkpoints (raw mode, first byte 3) next to its small seeds.
mkdir -p fuzz/corpus/read_pytorch
for d in tiny-ko-pt tiny-ko-pt-f16; do
    { printf '\003'; cat "tests/fixtures/$d/pytorch_model.bin"; } > "fuzz/corpus/read_pytorch/raw-$d"
done
