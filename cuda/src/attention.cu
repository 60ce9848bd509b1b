// attention.cu — causal multi-head attention with grouped-query heads over a device-resident KV cache.
//
// KV cache layout (one buffer for K, one for V, f32): for a layer, element (slot, pos, kv_head, d) is at
//   base + slot * slot_stride + (pos * n_kv_heads + kv_head) * head_dim + d
// i.e. (seq_len, kv_heads, head_dim) contiguous per sequence slot. CudaBackend allocates
// (layer, slot, seq_len, kv_heads, head_dim) and passes the layer's base with slot_stride = seq_len*kv_dim.
// Query head h reads kv head h / (n_heads / n_kv_heads). Scores are scaled by `scale` (= 1/sqrt(head_dim)).
// head_dim must be 32, 64 or 128 (checked on the host).
//
// kv_append_f32            write new K/V rows (T, kv_dim) into the cache at (slots[t], pos[t]).  grid T, block 128.
// attn_prefill_f32  (v1)   FlashAttention-2-style: a block owns 16 (token, head) query rows of one kv head, so a
//                          K/V tile in shared memory serves every query head of the group; K/V stream through
//                          32-key tiles with an online softmax (running max m, sum l, unnormalised output),
//                          causal by position. Warp = 4 query rows, lane = key within the tile for scores and
//                          head_dim/32 output dims for P*V. CUDA cores, f32.
//                          grid (ceil(T*group/16), n_kv_heads), block 128, static smem ~41 KB at head_dim 128.
// attn_prefill_mma  (v2)   v1 on tensor cores, same parameters and semantics, head_dim 32/64/128: 4 warps x 16 query
//                          rows (64 flat rows per block), 64-key tiles; f32 Q (pre-scaled by scale*log2e), K, V
//                          rounded to f16 while staged in smem; S = QK^T and O += PV on mma.sync m16n8k16 (f32
//                          accumulators), K and V fragments by ldmatrix / ldmatrix.trans, P kept in registers as the
//                          PV A fragment; online softmax (exp2f) in f32. Output within ~3e-4 relative L2 of float64.
//                          grid (ceil(T*group/64), n_kv_heads), block 128, static smem 34816 B (any head_dim).
//                          The host's default (PrefillAttention). On an H100 (gpu-check 20261122-205640-6b45390):
//                          T 512, 32/4 heads, hd 64: 0.022 ms against v1's 0.267 ms; TinyLlama prefill-512 10.95 ms
//                          against 16.3 ms with v1.
// attn_decode_split_f32    flash-decoding: one query per sequence; its keys [0, len) are cut into splits of
//                          `chunk` keys, one block per (split, head, sequence), so even one long sequence fills
//                          the GPU. Inside a block, groups of head_dim/4 lanes each own one key at a time (float4
//                          of K and V per lane: a key row is one coalesced read), online softmax per group, then
//                          groups and warps are merged. Writes the split's (m, l, unnormalised o).
//                          grid (max_splits, n_heads, B), block 128. Empty splits write m = -inf, l = 0.
// attn_decode_merge_f32    out = sum_s e^(m_s - M) o_s / sum_s e^(m_s - M) l_s over the splits (M = max m_s).
//                          grid (n_heads, B), block 128.
// attn_decode_f32 (v2)     split and merge in one launch: the last block of each (head, sequence) to finish merges
//                          (an atomic counter per head and sequence); saves a launch per layer. grid, block as split.
// attn_naive_f32           any head_dim, causal: one block per (query row, head), scores in shared memory.
// attn_masked_f32          any mask (tree verification of speculative / Medusa drafts): attn_naive_f32 with a
//                          visibility bit per (query row, key) from the host; a row that sees nothing gets zeros.
// The split/merge algorithm in Java, tested against naive softmax: dev.minerva.backend.cuda.reference.FlashDecodingReference.
#include "common.cuh"
#include "mma.cuh"   // ldmatrix (+ .trans), mma.sync m16n8k16 (attn_prefill_mma)

#define ATT_HD_MAX 128
#define ATT_ROWS 16      // query rows per prefill block
#define ATT_BC 32        // keys per prefill tile

extern "C" __global__ void kv_append_f32(const float* __restrict__ k, const float* __restrict__ v,
                                         float* __restrict__ kcache, float* __restrict__ vcache,
                                         const int* __restrict__ pos, const int* __restrict__ slots,
                                         long long slot_stride, int kv_dim) {
    const int t = blockIdx.x;
    const long long base = slots[t] * slot_stride + (long long)pos[t] * kv_dim;
    for (int i = threadIdx.x; i < kv_dim; i += blockDim.x) {
        kcache[base + i] = k[(long long)t * kv_dim + i];
        vcache[base + i] = v[(long long)t * kv_dim + i];
    }
}

// e^(a - b), with e^(-inf - anything) = 0 (an empty partial contributes nothing, never NaN).
__device__ __forceinline__ float exp_diff(float a, float b) { return a == -INFINITY ? 0.f : expf(a - b); }

// q, out: (T, n_heads, head_dim). New tokens sit at positions pos0 .. pos0+T-1 of sequence `slot`,
// and their K/V are already in the cache.
extern "C" __global__ void __launch_bounds__(128)
attn_prefill_f32(const float* __restrict__ q, const float* __restrict__ kcache, const float* __restrict__ vcache,
                 float* __restrict__ out, int slot, long long slot_stride, int pos0, int T, int n_heads,
                 int n_kv_heads, int head_dim, float scale) {
    __shared__ float ks[ATT_BC][ATT_HD_MAX + 1];   // +1: lane j reads row j -> conflict-free
    __shared__ float vs[ATT_BC][ATT_HD_MAX];
    __shared__ float qs[ATT_ROWS][ATT_HD_MAX];
    const int group = n_heads / n_kv_heads;
    const int kvh = blockIdx.y;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int kv_dim = n_kv_heads * head_dim;
    const int dpl = head_dim / 32;                 // output dims per lane (1, 2 or 4)
    const long long cache0 = slot * slot_stride + (long long)kvh * head_dim;

    // rows of this block: flat f = token * group + g
    const int f0 = blockIdx.x * ATT_ROWS;
    const int total = T * group;
    for (int e = threadIdx.x; e < ATT_ROWS * head_dim; e += blockDim.x) {
        const int r = e / head_dim, d = e % head_dim, f = f0 + r;
        float val = 0.f;
        if (f < total) {
            const int t = f / group, h = kvh * group + f % group;
            val = q[((long long)t * n_heads + h) * head_dim + d];
        }
        qs[r][d] = val;
    }
    const int f_last = min(total, f0 + ATT_ROWS) - 1;
    const int n_keys = pos0 + f_last / group + 1;  // keys visible to the last row of the block

    float m[4], l[4], acc[4][4];
    int qpos[4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        m[i] = -INFINITY; l[i] = 0.f;
        const int f = f0 + warp * 4 + i;
        qpos[i] = f < total ? pos0 + f / group : -1;   // -1: padding row, sees no key
#pragma unroll
        for (int dd = 0; dd < 4; dd++) acc[i][dd] = 0.f;
    }
    __syncthreads();

    for (int j0 = 0; j0 < n_keys; j0 += ATT_BC) {
        for (int e = threadIdx.x; e < ATT_BC * head_dim; e += blockDim.x) {
            const int j = e / head_dim, d = e % head_dim;
            float kv = 0.f, vv = 0.f;
            if (j0 + j < n_keys) {
                const long long off = cache0 + (long long)(j0 + j) * kv_dim + d;
                kv = kcache[off];
                vv = vcache[off];
            }
            ks[j][d] = kv;
            vs[j][d] = vv;
        }
        __syncthreads();
        const int key = j0 + lane;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int r = warp * 4 + i;
            float s = 0.f;
            for (int d = 0; d < head_dim; d++) s += qs[r][d] * ks[lane][d];
            s *= scale;
            const bool visible = key <= qpos[i];        // also false past n_keys (qpos < n_keys) and for padding
            s = visible ? s : -INFINITY;
            const float m_new = fmaxf(m[i], warp_max(s));
            if (m_new == -INFINITY) continue;            // nothing visible yet for this row (warp-uniform)
            const float p = visible ? expf(s - m_new) : 0.f;
            const float corr = exp_diff(m[i], m_new);
            l[i] = l[i] * corr + warp_sum(p);
#pragma unroll
            for (int dd = 0; dd < 4; dd++) acc[i][dd] *= corr;
            for (int j = 0; j < ATT_BC; j++) {
                const float pj = __shfl_sync(0xffffffffu, p, j);
#pragma unroll
                for (int dd = 0; dd < 4; dd++)
                    if (dd < dpl) acc[i][dd] += pj * vs[j][lane + 32 * dd];
            }
            m[i] = m_new;
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int f = f0 + warp * 4 + i;
        if (f >= total) continue;
        const int t = f / group, h = kvh * group + f % group;
        const float inv = 1.0f / l[i];
#pragma unroll
        for (int dd = 0; dd < 4; dd++)
            if (dd < dpl) out[((long long)t * n_heads + h) * head_dim + lane + 32 * dd] = acc[i][dd] * inv;
    }
}

// ---------------------------------------------------------------------------------------------------- prefill v2
// attn_prefill_mma: v1's algorithm on tensor cores. Block = 4 warps, warp w owns flat rows f0+16w .. f0+16w+15
// (f = token * group + g, as in v1, so one K/V tile serves the whole group); 64-key tiles.
//   S = Q K^T: Q's A fragments stay in registers for the whole key loop (loaded once with ldmatrix), K's B fragments
//     come from K rows in smem with plain ldmatrix (a K row is a column of K^T: the "col" operand as it is stored).
//   O += P V: the S accumulators of two adjacent 8-key n-tiles are exactly the A fragment of a 16-key k-chunk, so P
//     never leaves registers; V's B fragments come from V rows with ldmatrix.trans (V is (key, d) = (k, n) row-major).
// Q is scaled by scale*log2(e) while staged, so S comes out in log2 units and the softmax uses exp2f. Inputs are f32,
// so K/V cannot go through cp.async (no conversion in flight): every thread loads float4s, converts and stores
// f16x2 pairs; the tile is single-buffered and the next block on the SM (34 KB smem each) hides the load.
#define AM_ROWS 64   // query rows per block (4 warps x 16)
#define AM_BC 64     // keys per tile

template <int HD>
__device__ __forceinline__ void attn_prefill_mma_body(const float* __restrict__ q, const float* __restrict__ kcache,
                                                      const float* __restrict__ vcache, float* __restrict__ out,
                                                      int slot, long long slot_stride, int pos0, int T, int n_heads,
                                                      int n_kv_heads, float scale, __half* ks, __half* vs) {
    // rows padded by 8 halves: the 8 rows an ldmatrix phase reads start 80/144/272 bytes apart (20/36/68 words), on
    // 8 distinct 4-bank groups -- conflict-free, and 16-byte aligned as ldmatrix needs
    constexpr int LD = HD + 8, KCH = HD / 16, NT = HD / 8, V4 = HD / 4;
    static_assert(AM_ROWS <= AM_BC, "Q is staged in the K buffer");
    const int group = n_heads / n_kv_heads, kvh = blockIdx.y;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t4 = lane & 3;
    const int kv_dim = n_kv_heads * HD;
    const long long cache0 = slot * slot_stride + (long long)kvh * HD;
    const int total = T * group, f0 = blockIdx.x * AM_ROWS;
    const float qscale = scale * 1.4426950408889634f;

    auto store4 = [](__half* dst, float4 v) {
        uint2 w;
        w.x = pack_f16x2(v.x, v.y);
        w.y = pack_f16x2(v.z, v.w);
        *reinterpret_cast<uint2*>(dst) = w;
    };
    for (int e = threadIdx.x; e < AM_ROWS * V4; e += 128) {
        const int r = e / V4, d = (e % V4) * 4, f = f0 + r;
        float4 v = make_float4(0.f, 0.f, 0.f, 0.f);   // padding rows: zeros, so their scores are finite
        if (f < total) {
            const int t = f / group, h = kvh * group + f % group;
            v = *reinterpret_cast<const float4*>(q + ((long long)t * n_heads + h) * HD + d);
            v.x *= qscale; v.y *= qscale; v.z *= qscale; v.w *= qscale;
        }
        store4(ks + r * LD + d, v);
    }
    __syncthreads();
    // A fragments: matrices (rows 0-7, k 0-7), (rows 8-15, k 0-7), (rows 0-7, k 8-15), (rows 8-15, k 8-15)
    unsigned qa[KCH][4];
#pragma unroll
    for (int kc = 0; kc < KCH; kc++) ldmatrix_x4(qa[kc], ks + (warp * 16 + (lane & 15)) * LD + kc * 16 + (lane >> 4) * 8);

    // this thread's rows are warp*16 + g and + 8: C elements 0,1 and 2,3 of every n-tile
    int qpos[2];
#pragma unroll
    for (int i = 0; i < 2; i++) {
        const int f = f0 + warp * 16 + g + 8 * i;
        qpos[i] = f < total ? pos0 + f / group : -1;   // -1: padding row, sees no key
    }
    const int wf0 = f0 + warp * 16;
    const int w_last = min(total, wf0 + 16) - 1;
    // keys this warp can see at all (none for a warp of padding), and below which no row of it needs a mask
    const int w_qmax = wf0 < total ? pos0 + w_last / group : -1;
    const int w_qmin = wf0 + 15 < total ? pos0 + wf0 / group : -1;
    const int n_keys = pos0 + (min(total, f0 + AM_ROWS) - 1) / group + 1;   // keys the block's last row sees

    float o[NT][4], m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};
#pragma unroll
    for (int dt = 0; dt < NT; dt++)
#pragma unroll
        for (int e = 0; e < 4; e++) o[dt][e] = 0.f;

    for (int j0 = 0; j0 < n_keys; j0 += AM_BC) {
        __syncthreads();   // every warp is done with the previous tile (on the first, with Q in ks)
#pragma unroll 4
        for (int e = threadIdx.x; e < AM_BC * V4; e += 128) {
            const int j = e / V4, d = (e % V4) * 4;
            // keys past n_keys are zeros, never NaN: their p is 0, and 0 * NaN in P V would still poison O
            float4 kv = make_float4(0.f, 0.f, 0.f, 0.f), vv = kv;
            if (j0 + j < n_keys) {
                const long long off = cache0 + (long long)(j0 + j) * kv_dim + d;
                kv = *reinterpret_cast<const float4*>(kcache + off);
                vv = *reinterpret_cast<const float4*>(vcache + off);
            }
            store4(ks + j * LD + d, kv);
            store4(vs + j * LD + d, vv);
        }
        __syncthreads();
        if (j0 > w_qmax) continue;   // warp-uniform: the causal frontier of every row of this warp is behind us

        // S (16 x 64) = Q K^T: n-tile jt is keys j0+8jt..; one ldmatrix.x4 gives b0, b1 of two n-tiles:
        // matrices (keys 0-7, d 0-7), (keys 0-7, d 8-15), (keys 8-15, d 0-7), (keys 8-15, d 8-15)
        float s[AM_BC / 8][4];
#pragma unroll
        for (int jt = 0; jt < AM_BC / 8; jt++)
#pragma unroll
            for (int e = 0; e < 4; e++) s[jt][e] = 0.f;
#pragma unroll
        for (int kc = 0; kc < KCH; kc++)
#pragma unroll
            for (int j2 = 0; j2 < AM_BC / 16; j2++) {
                unsigned r[4];
                ldmatrix_x4(r, ks + (j2 * 16 + (lane & 7) + (lane >> 4) * 8) * LD + kc * 16 + ((lane >> 3) & 1) * 8);
                MmaOp<__half>::run(s[2 * j2], qa[kc], r[0], r[1]);
                MmaOp<__half>::run(s[2 * j2 + 1], qa[kc], r[2], r[3]);
            }
        if (j0 + AM_BC - 1 > w_qmin) {   // some key of the tile lies past some row's position (or past n_keys)
#pragma unroll
            for (int jt = 0; jt < AM_BC / 8; jt++)
#pragma unroll
                for (int e = 0; e < 4; e++)
                    if (j0 + jt * 8 + 2 * t4 + (e & 1) > qpos[e >> 1]) s[jt][e] = -INFINITY;
        }

        // online softmax: a row lives in the 4 lanes of a quad (same g), so its max and sum are quad reductions
        float mx[2] = {m[0], m[1]};
#pragma unroll
        for (int jt = 0; jt < AM_BC / 8; jt++) {
            mx[0] = fmaxf(mx[0], fmaxf(s[jt][0], s[jt][1]));
            mx[1] = fmaxf(mx[1], fmaxf(s[jt][2], s[jt][3]));
        }
        float base[2];
#pragma unroll
        for (int i = 0; i < 2; i++) {
            mx[i] = fmaxf(mx[i], __shfl_xor_sync(0xffffffffu, mx[i], 1));
            mx[i] = fmaxf(mx[i], __shfl_xor_sync(0xffffffffu, mx[i], 2));
            // a row that has seen no key yet keeps m = -inf: subtract 0 instead, so p = exp2(-inf) = 0, never NaN
            base[i] = mx[i] == -INFINITY ? 0.f : mx[i];
            const float corr = exp2f(m[i] - base[i]);   // 0 while m was -inf (l and O are 0 then anyway)
            m[i] = mx[i];
            l[i] *= corr;
#pragma unroll
            for (int dt = 0; dt < NT; dt++) { o[dt][2 * i] *= corr; o[dt][2 * i + 1] *= corr; }
        }
        // P as A fragments: n-tile 2kc gives a0a1 (row g) and a2a3 (row g+8), n-tile 2kc+1 gives a4a5 and a6a7
        unsigned pa[AM_BC / 16][4];
#pragma unroll
        for (int jt = 0; jt < AM_BC / 8; jt++) {
            const float p0 = exp2f(s[jt][0] - base[0]), p1 = exp2f(s[jt][1] - base[0]);
            const float p2 = exp2f(s[jt][2] - base[1]), p3 = exp2f(s[jt][3] - base[1]);
            l[0] += p0 + p1;   // this lane's columns only; the quad is summed once, at the end
            l[1] += p2 + p3;
            pa[jt >> 1][(jt & 1) * 2] = pack_f16x2(p0, p1);
            pa[jt >> 1][(jt & 1) * 2 + 1] = pack_f16x2(p2, p3);
        }
        // O (16 x HD) += P V: one ldmatrix.x4.trans gives b0, b1 of two 8-dim n-tiles:
        // matrices (keys 0-7, d 0-7), (keys 8-15, d 0-7), (keys 0-7, d 8-15), (keys 8-15, d 8-15)
#pragma unroll
        for (int kc = 0; kc < AM_BC / 16; kc++)
#pragma unroll
            for (int d2 = 0; d2 < NT / 2; d2++) {
                unsigned r[4];
                ldmatrix_x4_trans(r, vs + (kc * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * LD + d2 * 16 + (lane >> 4) * 8);
                MmaOp<__half>::run(o[2 * d2], pa[kc], r[0], r[1]);
                MmaOp<__half>::run(o[2 * d2 + 1], pa[kc], r[2], r[3]);
            }
    }

#pragma unroll
    for (int i = 0; i < 2; i++) {
        l[i] += __shfl_xor_sync(0xffffffffu, l[i], 1);
        l[i] += __shfl_xor_sync(0xffffffffu, l[i], 2);
        const int f = f0 + warp * 16 + g + 8 * i;
        if (f >= total) continue;   // padding rows are never written
        const int t = f / group, h = kvh * group + f % group;
        const float inv = 1.0f / l[i];   // > 0: a row always sees its own position
        float* dst = out + ((long long)t * n_heads + h) * HD + 2 * t4;
#pragma unroll
        for (int dt = 0; dt < NT; dt++)
            *reinterpret_cast<float2*>(dst + 8 * dt) = make_float2(o[dt][2 * i] * inv, o[dt][2 * i + 1] * inv);
    }
}

// Same parameters and semantics as attn_prefill_f32; head_dim 32, 64 or 128.
extern "C" __global__ void __launch_bounds__(128)
attn_prefill_mma(const float* __restrict__ q, const float* __restrict__ kcache, const float* __restrict__ vcache,
                 float* __restrict__ out, int slot, long long slot_stride, int pos0, int T, int n_heads,
                 int n_kv_heads, int head_dim, float scale) {
    // declared here, not in the templated body: each instantiation would otherwise get its own copy
    __shared__ __align__(16) __half ks[AM_BC * (ATT_HD_MAX + 8)];
    __shared__ __align__(16) __half vs[AM_BC * (ATT_HD_MAX + 8)];
    switch (head_dim) {
        case 32: attn_prefill_mma_body<32>(q, kcache, vcache, out, slot, slot_stride, pos0, T, n_heads, n_kv_heads, scale, ks, vs); break;
        case 64: attn_prefill_mma_body<64>(q, kcache, vcache, out, slot, slot_stride, pos0, T, n_heads, n_kv_heads, scale, ks, vs); break;
        case 128: attn_prefill_mma_body<128>(q, kcache, vcache, out, slot, slot_stride, pos0, T, n_heads, n_kv_heads, scale, ks, vs); break;
        default: break;   // the host sends other head sizes to attn_naive_f32
    }
}

// q: (B, n_heads, head_dim); lens[b] = number of keys of sequence b (its position + 1).
// partial_o: (B, n_heads, max_splits, head_dim); partial_ml: (B, n_heads, max_splits, 2) = (m, l).
__device__ __forceinline__ void attn_decode_split_body(const float* __restrict__ q, const float* __restrict__ kcache,
                                                       const float* __restrict__ vcache, const int* __restrict__ slots,
                                                       const int* __restrict__ lens, long long slot_stride, int n_heads,
                                                       int n_kv_heads, int head_dim, float scale, int chunk,
                                                       float* __restrict__ partial_o, float* __restrict__ partial_ml) {
    __shared__ float wm[4], wl[4];
    __shared__ float4 wo[4][ATT_HD_MAX / 4];
    const int split = blockIdx.x, h = blockIdx.y, b = blockIdx.z, max_splits = gridDim.x;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int L = head_dim / 4;                    // lanes per key: 8, 16 or 32
    const int groups_per_warp = 32 / L;
    const int n_groups = 4 * groups_per_warp;
    const int li = lane % L;                       // this lane's float4 within the key row
    const int group = n_heads / n_kv_heads, kvh = h / group, kv_dim = n_kv_heads * head_dim;
    const int len = lens[b];
    const int k0 = split * chunk, k1 = min(len, k0 + chunk);

    const float4 q4 = reinterpret_cast<const float4*>(q + ((long long)b * n_heads + h) * head_dim)[li];
    const float* kb = kcache + slots[b] * slot_stride + (long long)kvh * head_dim;
    const float* vb = vcache + slots[b] * slot_stride + (long long)kvh * head_dim;

    float m = -INFINITY, l = 0.f;
    float4 o = make_float4(0.f, 0.f, 0.f, 0.f);
    // The loop bound is warp-uniform (every lane takes part in the shuffles); each lane group takes key
    // jb + its group index and skips the update past the end of the split.
    for (int jb = k0 + warp * groups_per_warp; jb < k1; jb += n_groups) {
        const int j = jb + lane / L;
        const bool valid = j < k1;
        float4 k4 = make_float4(0.f, 0.f, 0.f, 0.f), v4 = k4;
        if (valid) {
            k4 = reinterpret_cast<const float4*>(kb + (long long)j * kv_dim)[li];
            v4 = reinterpret_cast<const float4*>(vb + (long long)j * kv_dim)[li];
        }
        float s = q4.x * k4.x + q4.y * k4.y + q4.z * k4.z + q4.w * k4.w;
        for (int off = L / 2; off > 0; off >>= 1) s += __shfl_xor_sync(0xffffffffu, s, off, L);
        if (valid) {
            s *= scale;
            const float m_new = fmaxf(m, s);
            const float corr = exp_diff(m, m_new), p = expf(s - m_new);
            l = l * corr + p;
            o.x = o.x * corr + p * v4.x; o.y = o.y * corr + p * v4.y;
            o.z = o.z * corr + p * v4.z; o.w = o.w * corr + p * v4.w;
            m = m_new;
        }
    }
    // merge the lane groups of this warp (xor over the group bits of the lane id)
    for (int off = L; off < 32; off <<= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, off);
        const float l2 = __shfl_xor_sync(0xffffffffu, l, off);
        float4 o2;
        o2.x = __shfl_xor_sync(0xffffffffu, o.x, off); o2.y = __shfl_xor_sync(0xffffffffu, o.y, off);
        o2.z = __shfl_xor_sync(0xffffffffu, o.z, off); o2.w = __shfl_xor_sync(0xffffffffu, o.w, off);
        const float mm = fmaxf(m, m2);
        const float a = exp_diff(m, mm), c = exp_diff(m2, mm);
        l = l * a + l2 * c;
        o.x = o.x * a + o2.x * c; o.y = o.y * a + o2.y * c; o.z = o.z * a + o2.z * c; o.w = o.w * a + o2.w * c;
        m = mm;
    }
    if (lane < L) { wo[warp][li] = o; if (lane == 0) { wm[warp] = m; wl[warp] = l; } }
    __syncthreads();
    // merge the 4 warps; threads 0..L-1 each own one float4 of the output
    const long long pidx = ((long long)b * n_heads + h) * max_splits + split;
    if (threadIdx.x < L) {
        float M = fmaxf(fmaxf(wm[0], wm[1]), fmaxf(wm[2], wm[3]));
        float lt = 0.f;
        float4 ot = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll
        for (int w = 0; w < 4; w++) {
            const float a = M == -INFINITY ? 0.f : exp_diff(wm[w], M);
            lt += wl[w] * a;
            const float4 ow = wo[w][threadIdx.x];
            ot.x += ow.x * a; ot.y += ow.y * a; ot.z += ow.z * a; ot.w += ow.w * a;
        }
        reinterpret_cast<float4*>(partial_o + pidx * head_dim)[threadIdx.x] = ot;
        if (threadIdx.x == 0) { partial_ml[2 * pidx] = M; partial_ml[2 * pidx + 1] = lt; }
    }
}

extern "C" __global__ void __launch_bounds__(128)
attn_decode_split_f32(const float* __restrict__ q, const float* __restrict__ kcache, const float* __restrict__ vcache,
                      const int* __restrict__ slots, const int* __restrict__ lens, long long slot_stride,
                      int n_heads, int n_kv_heads, int head_dim, float scale, int chunk,
                      float* __restrict__ partial_o, float* __restrict__ partial_ml) {
    attn_decode_split_body(q, kcache, vcache, slots, lens, slot_stride, n_heads, n_kv_heads, head_dim, scale, chunk,
                           partial_o, partial_ml);
}

// out (B, n_heads, head_dim) for head h of sequence b from its max_splits partials. CG: read the partials past L1
// (__ldcg), as a block must when other blocks of the same launch wrote them.
template <bool CG>
__device__ __forceinline__ float attn_ld(const float* p) {
    if constexpr (CG) return __ldcg(p);
    else return *p;
}
template <bool CG>
__device__ __forceinline__ void attn_decode_merge_body(const float* __restrict__ partial_o, const float* __restrict__ partial_ml,
                                                       float* __restrict__ out, int n_heads, int head_dim, int max_splits,
                                                       int h, int b) {
    const long long p0 = ((long long)b * n_heads + h) * max_splits;
    float M = -INFINITY;
    for (int s = 0; s < max_splits; s++) M = fmaxf(M, attn_ld<CG>(&partial_ml[2 * (p0 + s)]));
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float num = 0.f, den = 0.f;
        for (int s = 0; s < max_splits; s++) {
            const float a = exp_diff(attn_ld<CG>(&partial_ml[2 * (p0 + s)]), M);
            num += a * attn_ld<CG>(&partial_o[(p0 + s) * head_dim + d]);
            den += a * attn_ld<CG>(&partial_ml[2 * (p0 + s) + 1]);
        }
        out[((long long)b * n_heads + h) * head_dim + d] = num / den;
    }
}

// out: (B, n_heads, head_dim).
extern "C" __global__ void attn_decode_merge_f32(const float* __restrict__ partial_o, const float* __restrict__ partial_ml,
                                                 float* __restrict__ out, int n_heads, int head_dim, int max_splits) {
    attn_decode_merge_body<false>(partial_o, partial_ml, out, n_heads, head_dim, max_splits, blockIdx.x, blockIdx.y);
}

// attn_decode_split_f32 and attn_decode_merge_f32 in one launch (CudaDecoder's lean step): each block writes its
// split's partials, then counts itself in counters[b * n_heads + h]; the block that arrives last for its (head,
// sequence) merges, after every other block's partials are visible (each writer fences before it is counted), and
// sets the counter back to 0 for the next launch (graph replays included). counters: (B, n_heads) u32, zero before
// the first launch. Grid and block as attn_decode_split_f32.
extern "C" __global__ void __launch_bounds__(128)
attn_decode_f32(const float* __restrict__ q, const float* __restrict__ kcache, const float* __restrict__ vcache,
                const int* __restrict__ slots, const int* __restrict__ lens, long long slot_stride, int n_heads,
                int n_kv_heads, int head_dim, float scale, int chunk, float* __restrict__ partial_o,
                float* __restrict__ partial_ml, float* __restrict__ out, unsigned* __restrict__ counters) {
    __shared__ bool last;
    pdl_wait();   // q and the cache rows come from the kernel before (the lean step may launch this one early)
    pdl_launch_dependents();
    attn_decode_split_body(q, kcache, vcache, slots, lens, slot_stride, n_heads, n_kv_heads, head_dim, scale, chunk,
                           partial_o, partial_ml);
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
        unsigned* c = counters + (long long)blockIdx.z * n_heads + blockIdx.y;
        last = atomicAdd(c, 1u) == gridDim.x - 1;
        if (last) *c = 0u;
    }
    __syncthreads();
    if (last) attn_decode_merge_body<true>(partial_o, partial_ml, out, n_heads, head_dim, gridDim.x, blockIdx.y, blockIdx.z);
}

// The naive kernels: one block per (query row, head); scores of the keys in dynamic shared memory (4 * n_keys
// bytes, n_keys <= 12288), two passes (max, then exp-sum), then thread d accumulates output dim d. Keys the
// `visible` functor rejects take no part in the max or the sum; a row that sees no key gets zeros.
struct AllKeys {
    __device__ __forceinline__ bool operator()(int) const { return true; }
};
struct MaskedKeys {   // row r's key j at bit j%32 of bits[r * words_per_row + j/32]
    const unsigned* row_bits;
    __device__ __forceinline__ bool operator()(int j) const { return (row_bits[j >> 5] >> (j & 31)) & 1u; }
};

template <typename Visible>
__device__ __forceinline__ void attn_naive_body(const float* __restrict__ q, const float* __restrict__ kcache,
                                                const float* __restrict__ vcache, float* __restrict__ out, int n_keys,
                                                Visible visible, int n_heads, int n_kv_heads, int head_dim, float scale) {
    extern __shared__ float sc[];
    __shared__ float scratch[32];
    const int r = blockIdx.x, h = blockIdx.y;
    const int kvh = h / (n_heads / n_kv_heads), kv_dim = n_kv_heads * head_dim;
    const float* qr = q + ((long long)r * n_heads + h) * head_dim;
    float mx = -INFINITY;
    for (int j = threadIdx.x; j < n_keys; j += blockDim.x) {
        float s = -INFINITY;
        if (visible(j)) {
            const float* kr = kcache + (long long)j * kv_dim + kvh * head_dim;
            s = 0.f;
            for (int d = 0; d < head_dim; d++) s += qr[d] * kr[d];
            s *= scale;
        }
        sc[j] = s;
        mx = fmaxf(mx, s);
    }
    mx = block_max(mx, scratch);
    float sum = 0.f;
    for (int j = threadIdx.x; j < n_keys; j += blockDim.x) {
        const float e = sc[j] == -INFINITY ? 0.f : expf(sc[j] - mx);   // never -inf - -inf
        sc[j] = e;
        sum += e;
    }
    sum = block_sum(sum, scratch);   // its barriers also publish sc[]
    const float inv = sum > 0.f ? 1.0f / sum : 0.f;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float o = 0.f;
        for (int j = 0; j < n_keys; j++) if (sc[j] != 0.f) o += sc[j] * vcache[(long long)j * kv_dim + kvh * head_dim + d];
        out[((long long)r * n_heads + h) * head_dim + d] = o * inv;
    }
}

// Any head_dim (e.g. stories260K's 8), causal: the correctness path.
// q, out: rows (T, n_heads*head_dim) starting at the given pointers; query row r sees keys [0, pos0 + r].
// grid (rows, n_heads), block 128, dynamic smem 4 * (pos0 + rows) bytes.
extern "C" __global__ void __launch_bounds__(128)
attn_naive_f32(const float* __restrict__ q, const float* __restrict__ kcache, const float* __restrict__ vcache,
               float* __restrict__ out, int pos0, int n_heads, int n_kv_heads, int head_dim, float scale) {
    attn_naive_body(q, kcache, vcache, out, pos0 + blockIdx.x + 1, AllKeys{}, n_heads, n_kv_heads, head_dim, scale);
}

// Any mask (tree verification): the visible keys of query row r given as bits, key j at bit j%32 of
// bits[r * words_per_row + j/32] (CudaBackend packs them from AttentionMask.visible).
// grid (rows, n_heads), block 128, dynamic smem 4 * kv_len bytes (kv_len <= 12288).
extern "C" __global__ void __launch_bounds__(128)
attn_masked_f32(const float* __restrict__ q, const float* __restrict__ kcache, const float* __restrict__ vcache,
                float* __restrict__ out, const unsigned* __restrict__ bits, int words_per_row, int kv_len,
                int n_heads, int n_kv_heads, int head_dim, float scale) {
    attn_naive_body(q, kcache, vcache, out, kv_len, MaskedKeys{bits + (long long)blockIdx.x * words_per_row},
                    n_heads, n_kv_heads, head_dim, scale);
}
