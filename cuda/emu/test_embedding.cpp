// embedding.cu on the emulator, exact: embedding_f32, _f16, _bf16 (every element decoded by an independent
// f16/bf16 decoder, specials included), embedding_q8_0 and embedding_q4_0 (the split layout, packed here from
// ggml blocks by a port of QuantSplit.of), embedding_q8_0_aos (ggml blocks as they are).
// Reference: CpuBackend.embedding = TensorCodec.decode of the token's row (Q8_0: q*d, Q4_0: (q-8)*d with byte j's
// low nibble element j and high nibble element j+16): every value is exact in float, so outputs must match bit
// for bit. Launches as CudaBackend.embedding / CudaDecoder.embed: grid = tokens, block 256, Q8_0 scales at byte
// offset vocab*dim of the same buffer, Q4_0's at vocab*dim/2. _q8_0_aos has no host caller: grid = tokens, block 256.
// Dims below, at and above the block (64, 256, 288, 2048); tokens include 0, vocab-1 and repeats.
#include "embedding.cu"
#include "check.h"

namespace {
using chk::ref::f16_value; using chk::ref::bf16_value;

// Bit-exact comparison (any NaN matches any NaN).
void exact(const std::string& what, const std::vector<float>& got, const std::vector<float>& want) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++) {
        const bool same = (std::isnan(got[i]) && std::isnan(want[i])) || emu::f2u(got[i]) == emu::f2u(want[i]);
        if (!same) { if (!bad) first = i; bad++; }
    }
    std::printf("%-4s %-58s n=%-7zu mismatches %zu  first [%zu] got %.9g want %.9g\n", bad ? "FAIL" : "ok", what.c_str(),
                got.size(), bad, first, got.empty() ? 0.f : got[first], want.empty() ? 0.f : want[first]);
    if (bad || got.size() != want.size()) chk::failures()++;
}

// ggml blocks: Q8_0 = f16 d + 32 int8; Q4_0 = f16 d + 16 nibble bytes. Random bytes, finite scales of both signs.
std::vector<uint8_t> ggml_blocks(size_t nblocks, int block_bytes, uint64_t seed) {
    chk::Rng r(seed);
    std::vector<uint8_t> b(nblocks * block_bytes);
    for (size_t k = 0; k < nblocks; k++) {
        uint8_t* blk = &b[k * block_bytes];
        uint16_t d = chk::f16((r.uniform() < 0.5f ? -1.f : 1.f) * std::ldexp(1.f + r.uniform(), -12 + r.below(14)));
        if (k % 7 == 3) d = (uint16_t)(1 + r.below(1023));     // subnormal scale
        blk[0] = (uint8_t)(d & 0xff);
        blk[1] = (uint8_t)(d >> 8);
        for (int j = 2; j < block_bytes; j++) blk[j] = (uint8_t)r.below(256);
    }
    return b;
}

std::vector<uint8_t> quant_split(const std::vector<uint8_t>& blocks, int block_bytes) {
    std::vector<uint8_t> out(blocks.size());
    chk::quant_split(blocks.data(), blocks.size() / block_bytes, block_bytes, out.data());
    return out;
}

// Row `tok` of a ggml-block table decoded as TensorCodec does (Q8_0Codec / Q4_0Codec.dequantize).
void decode_row(const std::vector<uint8_t>& blocks, bool q4, int tok, int dim, float* out) {
    const int bb = q4 ? MINERVA_Q4_0_BYTES : MINERVA_Q8_0_BYTES, nb = dim / 32;
    for (int b = 0; b < nb; b++) {
        const uint8_t* blk = &blocks[((size_t)tok * nb + b) * bb];
        const float d = (float)f16_value((uint16_t)(blk[0] | blk[1] << 8));
        for (int j = 0; j < 32; j++) {
            const float v = q4 ? (float)(((j < 16 ? blk[2 + j] & 15 : blk[2 + j - 16] >> 4)) - 8) * d
                               : (float)(int8_t)blk[2 + j] * d;
            out[b * 32 + j] = v;
        }
    }
}

void run(int vocab, int dim, const std::vector<int>& tokens) {
    const int T = (int)tokens.size();
    const std::string tag = " vocab " + std::to_string(vocab) + " dim " + std::to_string(dim) + " T" + std::to_string(T);
    const size_t n = (size_t)vocab * dim;
    std::vector<float> want((size_t)T * dim);
    auto launch_out = [&](const std::string& name, auto body) {
        return chk::both_orders(name + tag, chk::poisoned((size_t)T * dim), body);
    };

    const auto f32 = chk::random(n, 31, 4.f);
    for (int t = 0; t < T; t++) std::memcpy(&want[(size_t)t * dim], &f32[(size_t)tokens[t] * dim], 4 * dim);
    exact("embedding_f32" + tag, launch_out("embedding_f32", [&](std::vector<float>& o) {
        emu::launch("embedding_f32", embedding_f32, dim3(T), dim3(256), 0, f32.data(), tokens.data(), o.data(), dim);
    }), want);

    // random 16-bit patterns: NaN, inf, subnormals (1/32 of f16 patterns each) and -0 all occur in the rows read
    std::vector<uint16_t> bits(n);
    chk::Rng r(32);
    for (size_t i = 0; i < n; i++) bits[i] = (uint16_t)r.next();
    std::vector<__half> h(n);
    std::vector<__nv_bfloat16> bf(n);
    for (size_t i = 0; i < n; i++) { h[i].__x = bits[i]; bf[i].__x = bits[i]; }
    for (int t = 0; t < T; t++)
        for (int i = 0; i < dim; i++) want[(size_t)t * dim + i] = (float)f16_value(bits[(size_t)tokens[t] * dim + i]);
    exact("embedding_f16" + tag, launch_out("embedding_f16", [&](std::vector<float>& o) {
        emu::launch("embedding_f16", embedding_f16, dim3(T), dim3(256), 0, h.data(), tokens.data(), o.data(), dim);
    }), want);
    for (int t = 0; t < T; t++)
        for (int i = 0; i < dim; i++) want[(size_t)t * dim + i] = (float)bf16_value(bits[(size_t)tokens[t] * dim + i]);
    exact("embedding_bf16" + tag, launch_out("embedding_bf16", [&](std::vector<float>& o) {
        emu::launch("embedding_bf16", embedding_bf16, dim3(T), dim3(256), 0, bf.data(), tokens.data(), o.data(), dim);
    }), want);

    for (bool q4 : {false, true}) {
        const int bb = q4 ? MINERVA_Q4_0_BYTES : MINERVA_Q8_0_BYTES;
        const auto blocks = ggml_blocks(n / 32, bb, q4 ? 34 : 33);
        const auto split = quant_split(blocks, bb);
        for (int t = 0; t < T; t++) decode_row(blocks, q4, tokens[t], dim, &want[(size_t)t * dim]);
        const size_t scales_at = q4 ? n / 2 : n;     // CudaBackend: ptr(table, vocab*dim) / ptr(table, vocab*dim/2)
        if (!q4) {
            exact("embedding_q8_0 (split layout)" + tag, launch_out("embedding_q8_0", [&](std::vector<float>& o) {
                emu::launch("embedding_q8_0", embedding_q8_0, dim3(T), dim3(256), 0, (const int8_t*)split.data(),
                            (const __half*)(split.data() + scales_at), tokens.data(), o.data(), dim);
            }), want);
            exact("embedding_q8_0_aos (ggml blocks)" + tag, launch_out("embedding_q8_0_aos", [&](std::vector<float>& o) {
                emu::launch("embedding_q8_0_aos", embedding_q8_0_aos, dim3(T), dim3(256), 0, blocks.data(), tokens.data(), o.data(), dim);
            }), want);
        } else {
            exact("embedding_q4_0 (split layout)" + tag, launch_out("embedding_q4_0", [&](std::vector<float>& o) {
                emu::launch("embedding_q4_0", embedding_q4_0, dim3(T), dim3(256), 0, split.data(),
                            (const __half*)(split.data() + scales_at), tokens.data(), o.data(), dim);
            }), want);
        }
    }
}
}  // namespace

int main() {
    run(512, 64, {0, 511, 7, 7, 300});          // stories260K: fewer elements than threads
    run(37, 256, {36, 0});
    run(300, 288, {1, 299, 0, 150, 1});          // stories15M width: a second pass of the block
    run(33, 2048, {32, 5, 0});                   // TinyLlama width
    run(2, 96, {1});
    return chk::summary("embedding");
}
