// convert.cu — dtype conversions on the device: activations to f16/bf16 for the tensor-core GEMM,
// and dequantisation of split-layout Q8_0/Q4_0 weights to f16 (prefill reads quantised weights through a
// per-layer f16 scratch: prefill is compute-bound, so one extra pass over the weights costs little).
//
// Split layout ("SoA", what CudaBackend uploads for quantised matrices; a byte permutation of ggml's blocks
// done once on the host, see dev.minerva.backend.cuda.QuantSplit):
//   Q8_0: qs[rows][K] int8 (contiguous, 16-byte loads) + d[rows][K/32] f16
//   Q4_0: qs[rows][K/2] bytes, each 16-byte group = one ggml block's nibbles (low nibble j -> element j,
//         high nibble j -> element j+16, value (q-8)*d) + d[rows][K/32] f16
// Launch: grid-stride, block = 256.
#include "common.cuh"

extern "C" __global__ void f32_to_f16(const float* __restrict__ in, __half* __restrict__ out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = __float2half_rn(in[i]);
}

extern "C" __global__ void f32_to_bf16(const float* __restrict__ in, __nv_bfloat16* __restrict__ out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = __float2bfloat16_rn(in[i]);
}

extern "C" __global__ void f16_to_f32(const __half* __restrict__ in, float* __restrict__ out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = __half2float(in[i]);
}

extern "C" __global__ void bf16_to_f32(const __nv_bfloat16* __restrict__ in, float* __restrict__ out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = __bfloat162float(in[i]);
}

// n = rows*K elements; element e -> row e / K, column e % K.
extern "C" __global__ void dequant_q8_0_split_f16(const int8_t* __restrict__ qs, const __half* __restrict__ d,
                                                  __half* __restrict__ out, long long n) {
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x)
        out[e] = __float2half_rn((float)qs[e] * __half2float(d[e / MINERVA_QK]));
}

extern "C" __global__ void dequant_q4_0_split_f16(const uint8_t* __restrict__ qs, const __half* __restrict__ d,
                                                  __half* __restrict__ out, long long n) {
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        const long long blk = e / MINERVA_QK;
        const int j = (int)(e % MINERVA_QK);
        const uint8_t b = qs[blk * 16 + (j & 15)];
        const int q = j < 16 ? (b & 0x0F) : (b >> 4);
        out[e] = __float2half_rn((float)(q - 8) * __half2float(d[blk]));
    }
}
