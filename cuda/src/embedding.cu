// embedding.cu — token embedding gather: out[t][:] = table[tokens[t]][:] as float32.
// Launch: grid = n_tokens, block = 256; each block copies one row. Tokens are validated on the host
// (0 <= token < vocab); the kernel clamps nothing, so a bad id would read out of bounds.
// v1 embedding_f32 / _f16 / _bf16 / _q8_0_aos: one element per thread iteration (rows are short: dim <= 8192).
// v2 embedding_q8_0 / _q4_0: the split layout CudaBackend uploads (QuantSplit), so a tied table serves both the
//    gather and the classifier GEMV from one copy.
#include "common.cuh"

extern "C" __global__ void embedding_f32(const float* __restrict__ table, const int* __restrict__ tokens,
                                         float* __restrict__ out, int dim) {
    const long long row = (long long)tokens[blockIdx.x] * dim;
    float* o = out + (long long)blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = table[row + i];
}

extern "C" __global__ void embedding_f16(const __half* __restrict__ table, const int* __restrict__ tokens,
                                         float* __restrict__ out, int dim) {
    const long long row = (long long)tokens[blockIdx.x] * dim;
    float* o = out + (long long)blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = __half2float(table[row + i]);
}

extern "C" __global__ void embedding_bf16(const __nv_bfloat16* __restrict__ table, const int* __restrict__ tokens,
                                          float* __restrict__ out, int dim) {
    const long long row = (long long)tokens[blockIdx.x] * dim;
    float* o = out + (long long)blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = __bfloat162float(table[row + i]);
}

// Q8_0 in ggml's block layout (array of 34-byte blocks: f16 scale d, then 32 int8 q; value = q * d). dim % 32 == 0.
extern "C" __global__ void embedding_q8_0_aos(const uint8_t* __restrict__ table, const int* __restrict__ tokens,
                                          float* __restrict__ out, int dim) {
    const int nblocks = dim / MINERVA_QK;
    const uint8_t* row = table + (long long)tokens[blockIdx.x] * nblocks * MINERVA_Q8_0_BYTES;
    float* o = out + (long long)blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        const uint8_t* blk = row + (i / MINERVA_QK) * MINERVA_Q8_0_BYTES;
        const float d = __half2float(*reinterpret_cast<const __half*>(blk));  // 2-byte aligned
        o[i] = d * (float)(int8_t)blk[2 + (i % MINERVA_QK)];
    }
}

// Split layout: qs (vocab, dim) int8 then d (vocab, dim/32) f16 in one buffer (d at byte offset vocab*dim).
extern "C" __global__ void embedding_q8_0(const int8_t* __restrict__ qs, const __half* __restrict__ d,
                                          const int* __restrict__ tokens, float* __restrict__ out, int dim) {
    const long long row = (long long)tokens[blockIdx.x];
    float* o = out + (long long)blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x)
        o[i] = (float)qs[row * dim + i] * __half2float(d[row * (dim / MINERVA_QK) + i / MINERVA_QK]);
}

// Split layout: qs (vocab, dim/2) bytes, 16 per block in ggml nibble order, then d (vocab, dim/32) f16.
extern "C" __global__ void embedding_q4_0(const uint8_t* __restrict__ qs, const __half* __restrict__ d,
                                          const int* __restrict__ tokens, float* __restrict__ out, int dim) {
    const long long row = (long long)tokens[blockIdx.x];
    float* o = out + (long long)blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        const long long blk = row * (dim / MINERVA_QK) + i / MINERVA_QK;
        const int j = i % MINERVA_QK;
        const uint8_t b = qs[blk * 16 + (j & 15)];
        const int q = j < 16 ? (b & 0x0F) : (b >> 4);
        o[i] = (float)(q - 8) * __half2float(d[blk]);
    }
}
