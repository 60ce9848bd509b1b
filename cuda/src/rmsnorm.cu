// rmsnorm.cu — RMSNorm, alone and fused with the residual add that precedes it in every Llama layer.
//   out[r][i] = w[i] * x[r][i] / sqrt(mean_i(x[r][i]^2) + eps)      (llama2.c rmsnorm)
// Launch: grid = rows (tokens), block = 256 (any multiple of 32 up to 1024); dynamic smem 0.
// v1 rmsnorm_f32:      one pass for the sum of squares, one to write (x is read twice; rows are L1/L2-resident).
// v2 add_rmsnorm_f32:  residual[r] += delta[r] first, then the norm of the updated residual: saves one
//                      kernel and one full read+write of the residual per layer (decode launches 2 per layer).
// v3 add_rmsnorm_f32_h: as v2 but writes the normalised row as f16, the operand of the tensor-core GEMM (prefill).
#include "rmsnorm.cuh"

extern "C" __global__ void rmsnorm_f32(const float* __restrict__ x, const float* __restrict__ w,
                                       float* __restrict__ out, int dim, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (long long)blockIdx.x * dim;
    float* o = out + (long long)blockIdx.x * dim;
    const float scale = rms_scale(xr, dim, eps, scratch);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = rms_apply(xr[i], w[i], scale);
}

extern "C" __global__ void add_rmsnorm_f32(float* __restrict__ residual, const float* __restrict__ delta,
                                           const float* __restrict__ w, float* __restrict__ out, int dim, float eps) {
    __shared__ float scratch[32];
    float* xr = residual + (long long)blockIdx.x * dim;
    const float* dr = delta + (long long)blockIdx.x * dim;
    float* o = out + (long long)blockIdx.x * dim;
    float ss = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        const float v = xr[i] + dr[i];
        xr[i] = v;                       // each element is owned by one thread: no race with the second loop
        ss += v * v;
    }
    ss = block_sum(ss, scratch);
    const float scale = rsqrtf(ss / dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = w[i] * (scale * xr[i]);
}

extern "C" __global__ void add_rmsnorm_f32_h(float* __restrict__ residual, const float* __restrict__ delta,
                                             const float* __restrict__ w, __half* __restrict__ out, int dim, float eps) {
    __shared__ float scratch[32];
    float* xr = residual + (long long)blockIdx.x * dim;
    const float* dr = delta + (long long)blockIdx.x * dim;
    __half* o = out + (long long)blockIdx.x * dim;
    float ss = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        const float v = xr[i] + dr[i];
        xr[i] = v;
        ss += v * v;
    }
    ss = block_sum(ss, scratch);
    const float scale = rsqrtf(ss / dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = __float2half_rn(w[i] * (scale * xr[i]));
}
