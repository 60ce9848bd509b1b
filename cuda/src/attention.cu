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
//                          head_dim/32 output dims for P*V. CUDA cores, f32 (tensor-core version: future work).
//                          grid (ceil(T*group/16), n_kv_heads), block 128, static smem ~41 KB at head_dim 128.
// attn_decode_split_f32    flash-decoding: one query per sequence; its keys [0, len) are cut into splits of
//                          `chunk` keys, one block per (split, head, sequence), so even one long sequence fills
//                          the GPU. Inside a block, groups of head_dim/4 lanes each own one key at a time (float4
//                          of K and V per lane: a key row is one coalesced read), online softmax per group, then
//                          groups and warps are merged. Writes the split's (m, l, unnormalised o).
//                          grid (max_splits, n_heads, B), block 128. Empty splits write m = -inf, l = 0.
// attn_decode_merge_f32    out = sum_s e^(m_s - M) o_s / sum_s e^(m_s - M) l_s over the splits (M = max m_s).
//                          grid (n_heads, B), block 128.
// attn_naive_f32           any head_dim, causal: one block per (query row, head), scores in shared memory.
// attn_masked_f32          any mask (tree verification of speculative / Medusa drafts): attn_naive_f32 with a
//                          visibility bit per (query row, key) from the host; a row that sees nothing gets zeros.
// The split/merge algorithm in Java, tested against naive softmax: dev.minerva.backend.cuda.reference.FlashDecodingReference.
#include "common.cuh"

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

// q: (B, n_heads, head_dim); lens[b] = number of keys of sequence b (its position + 1).
// partial_o: (B, n_heads, max_splits, head_dim); partial_ml: (B, n_heads, max_splits, 2) = (m, l).
extern "C" __global__ void __launch_bounds__(128)
attn_decode_split_f32(const float* __restrict__ q, const float* __restrict__ kcache, const float* __restrict__ vcache,
                      const int* __restrict__ slots, const int* __restrict__ lens, long long slot_stride,
                      int n_heads, int n_kv_heads, int head_dim, float scale, int chunk,
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

// out: (B, n_heads, head_dim).
extern "C" __global__ void attn_decode_merge_f32(const float* __restrict__ partial_o, const float* __restrict__ partial_ml,
                                                 float* __restrict__ out, int n_heads, int head_dim, int max_splits) {
    const int h = blockIdx.x, b = blockIdx.y;
    const long long p0 = ((long long)b * n_heads + h) * max_splits;
    float M = -INFINITY;
    for (int s = 0; s < max_splits; s++) M = fmaxf(M, partial_ml[2 * (p0 + s)]);
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float num = 0.f, den = 0.f;
        for (int s = 0; s < max_splits; s++) {
            const float a = exp_diff(partial_ml[2 * (p0 + s)], M);
            num += a * partial_o[(p0 + s) * head_dim + d];
            den += a * partial_ml[2 * (p0 + s) + 1];
        }
        out[((long long)b * n_heads + h) * head_dim + d] = num / den;
    }
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
