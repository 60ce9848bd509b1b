// copy.cu — device-to-device copy, the yardstick for "% of achievable memory bandwidth".
// v1 copy_f32:     one float per thread, grid-stride loop.
// v2 copy_f32x4:   16-byte vector loads/stores (float4), grid-stride; n4 = n / 4 elements of float4.
#include <cuda_runtime.h>

extern "C" __global__ void copy_f32(const float* __restrict__ src, float* __restrict__ dst, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        dst[i] = src[i];
    }
}

extern "C" __global__ void copy_f32x4(const float4* __restrict__ src, float4* __restrict__ dst, long long n4) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n4; i += (long long)gridDim.x * blockDim.x) {
        dst[i] = src[i];
    }
}
