// activation.cu — element-wise ops of the Llama MLP and residual stream.
//   silu_mul_f32: out[i] = silu(gate[i]) * up[i],  silu(x) = x / (1 + exp(-x))   (llama2.c: hb = silu(w1 x) * w3 x)
//   add_f32:      out[i] = a[i] + b[i]
// Launch: grid-stride, block = 256, grid = min(ceil((n/4 + 1)/256), 16 x SMs) (CudaBackend.grid); n is any length (float4 body + scalar tail).
// v1 silu_mul_f32 / add_f32: float4 loads and stores (16 bytes per thread), scalar tail.
// v2 silu_mul_f32_h: writes f16 for the tensor-core down projection in prefill.
#include "common.cuh"

__device__ __forceinline__ float silu(float x) { return x / (1.0f + expf(-x)); }

// gate/a and out carry no __restrict__: the host runs both in place (out == gate, out == a).
extern "C" __global__ void silu_mul_f32(const float* gate, const float* __restrict__ up, float* out, long long n) {
    const long long n4 = n / 4;
    const long long stride = (long long)gridDim.x * blockDim.x;
    const float4* g4 = reinterpret_cast<const float4*>(gate);
    const float4* u4 = reinterpret_cast<const float4*>(up);
    float4* o4 = reinterpret_cast<float4*>(out);
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n4; i += stride) {
        const float4 g = g4[i], u = u4[i];
        o4[i] = make_float4(silu(g.x) * u.x, silu(g.y) * u.y, silu(g.z) * u.z, silu(g.w) * u.w);
    }
    for (long long i = n4 * 4 + blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = silu(gate[i]) * up[i];
    }
}

extern "C" __global__ void silu_mul_f32_h(const float* __restrict__ gate, const float* __restrict__ up,
                                          __half* __restrict__ out, long long n) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = __float2half_rn(silu(gate[i]) * up[i]);
    }
}

extern "C" __global__ void add_f32(const float* a, const float* __restrict__ b, float* out, long long n) {
    const long long n4 = n / 4;
    const long long stride = (long long)gridDim.x * blockDim.x;
    const float4* a4 = reinterpret_cast<const float4*>(a);
    const float4* b4 = reinterpret_cast<const float4*>(b);
    float4* o4 = reinterpret_cast<float4*>(out);
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n4; i += stride) {
        const float4 x = a4[i], y = b4[i];
        o4[i] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
    }
    for (long long i = n4 * 4 + blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = a[i] + b[i];
    }
}
