// common.cuh — small helpers shared by Minerva's kernels: warp/block reductions, float <-> half/bf16,
// ggml block constants and an order-preserving float <-> uint mapping (used by the device sampler).
// Kept tiny on purpose: every kernel file should read on its own.
#pragma once
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

#define MINERVA_QK 32          // elements per ggml Q8_0 / Q4_0 block
#define MINERVA_Q8_0_BYTES 34  // f16 scale + 32 int8
#define MINERVA_Q4_0_BYTES 18  // f16 scale + 16 bytes of nibbles (low: elements 0..15, high: 16..31)

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the whole block; every thread gets the result. `scratch` needs 32 floats.
// Reduction order is fixed (lane tree, then warp tree), so results are deterministic run to run.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();                       // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < nwarps ? scratch[lane] : 0.f;
    return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < nwarps ? scratch[lane] : -INFINITY;
    return warp_max(v);
}

__device__ __forceinline__ float bf16_to_f32(__nv_bfloat16 h) { return __bfloat162float(h); }
__device__ __forceinline__ float f16_to_f32(__half h) { return __half2float(h); }

// Order-preserving map float -> uint32 (a < b  <=>  key(a) < key(b) for non-NaN floats).
__device__ __forceinline__ uint32_t float_key(float f) {
    uint32_t u = __float_as_uint(f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
__device__ __forceinline__ float key_float(uint32_t k) {
    return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}

// L2 prefetch hint for [p, p + bytes): one prefetch.L2 per 128-byte line, the lines spread over the block's threads.
// It returns nothing and cannot fault (the hardware may drop it). On the emulator it does nothing but tell
// emu::on_prefetch, where a test has set it, which range thread 0 asked for.
__device__ __forceinline__ void prefetch_l2(const void* p, long long bytes) {
#if defined(MINERVA_EMU)
    if (emu::on_prefetch && threadIdx.x == 0) emu::on_prefetch(p, bytes);
#elif defined(__CUDA_ARCH__)
    const char* c = static_cast<const char*>(p);
    const char* line = c - (reinterpret_cast<uintptr_t>(c) & 127);
    for (const char* a = line + 128LL * threadIdx.x; a < c + bytes; a += 128LL * blockDim.x) asm volatile("prefetch.L2 [%0];" ::"l"(a));
#endif
}

// Programmatic dependent launch (sm_90+; ProgrammaticLaunch on the host): a kernel launched with the PDL attribute may
// start while the kernel before it in the stream is still running. pdl_wait() returns once that kernel has finished
// and its writes are visible, so a PDL-launched kernel calls it before reading anything an earlier kernel wrote;
// pdl_launch_dependents() lets the next kernel start launching (once every block of this one has called it or exited).
// Both do nothing in a normal launch, below sm_90 and on the emulator.
__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void pdl_launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" :::);
#endif
}
