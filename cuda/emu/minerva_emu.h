// minerva_emu.h — runs Minerva's CUDA kernels on the CPU, for checking them where no GPU is lent.
//
// The .cu files compile unchanged with g++ (include/ shadows cuda_runtime.h, cuda_fp16.h, cuda_bf16.h and mma.h).
// Every CUDA thread of a block is a fiber (ucontext) on one OS thread; blocks run one after another, so
// `__shared__` is a function-local static. The scheduler runs every ready fiber until it waits, then opens the
// barriers whose participants have all arrived:
//   __syncthreads()      all live (not yet returned) threads of the block;
//   warp collectives     (shuffles, __syncwarp, ldmatrix, mma) the live lanes named in the mask.
// A barrier nobody can open (a __syncthreads in divergent code, a shuffle a lane skips) is reported as a deadlock
// naming the kernel and block. The run order is forward or reverse thread order (emu::Order), so a kernel that
// reads shared memory another thread writes without a barrier gives different results under the two orders:
// tests run both and require bit-identical outputs. Dynamic shared memory starts as NaN bytes each block.
// What it cannot show: a read of static __shared__ memory before any write (it holds the previous block's values),
// performance, memory-model subtleties beyond barrier ordering, or hardware limits
// (registers, shared memory size) — ptxas reports those (cuda/ptxas-report.sh).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cfloat>
#include <climits>
#include <functional>
#include <string>
#include <type_traits>
#include <algorithm>

#define MINERVA_EMU 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

// ------------------------------------------------------------------------------------------------ vector types
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 { unsigned x, y, z; };
struct alignas(8) float2 { float x, y; };
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(8) uint2 { unsigned x, y; };
struct alignas(16) uint4 { unsigned x, y, z, w; };
struct alignas(8) int2 { int x, y; };
struct alignas(16) int4 { int x, y, z, w; };
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }

// ------------------------------------------------------------------------------------------------ f16 / bf16
namespace emu {
inline uint32_t f2u(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
inline float u2f(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
// IEEE binary16, round to nearest even (overflow to inf, subnormals kept).
inline uint16_t float_to_half(float f) {
    const uint32_t u = f2u(f), sign = (u >> 16) & 0x8000u;
    const uint32_t a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) return sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u);
    if (a >= 0x477ff000u) return sign | 0x7c00u;                      // rounds to >= 65520: inf
    if (a < 0x38800000u) {                                            // below 2^-14: subnormal or zero
        const float v = u2f(a) * 16777216.0f;                          // exact: scale by 2^24, round to integer
        return sign | (uint16_t)std::nearbyint(v);
    }
    const uint32_t mant = a & 0x7fffffu, exp = (a >> 23) - 112;
    uint32_t h = (exp << 10) | (mant >> 13);
    const uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
    return sign | h;
}
inline float half_to_float(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0) return u2f(sign) + (sign ? -1.f : 1.f) * (float)mant * 5.9604644775390625e-8f;
    if (exp == 31) return u2f(sign | 0x7f800000u | (mant << 13));
    return u2f(sign | ((exp + 112) << 23) | (mant << 13));
}
inline uint16_t float_to_bf16(float f) {
    const uint32_t u = f2u(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
inline float bf16_to_float(uint16_t b) { return u2f((uint32_t)b << 16); }
}  // namespace emu

struct __half { uint16_t __x; };
struct __half2 { __half x, y; };
struct __nv_bfloat16 { uint16_t __x; };
struct __nv_bfloat162 { __nv_bfloat16 x, y; };
typedef __half half;
inline float __half2float(__half h) { return emu::half_to_float(h.__x); }
inline __half __float2half_rn(float f) { return __half{emu::float_to_half(f)}; }
inline __half __float2half(float f) { return __float2half_rn(f); }
inline float2 __half22float2(__half2 h) { return {__half2float(h.x), __half2float(h.y)}; }
inline float __bfloat162float(__nv_bfloat16 b) { return emu::bf16_to_float(b.__x); }
inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __nv_bfloat16{emu::float_to_bf16(f)}; }
inline __nv_bfloat16 __float2bfloat16(float f) { return __float2bfloat16_rn(f); }

// ------------------------------------------------------------------------------------------------ math
inline float __uint_as_float(unsigned u) { return emu::u2f(u); }
inline unsigned __float_as_uint(float f) { return emu::f2u(f); }
inline float __int_as_float(int i) { return emu::u2f((uint32_t)i); }
inline int __float_as_int(float f) { return (int)emu::f2u(f); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __sinf(float x) { return std::sin(x); }
inline float __cosf(float x) { return std::cos(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float x) { return x < 0.f ? 0.f : (x > 1.f ? 1.f : x); }
// CUDA's integer and float min/max overloads
template <class A, class B> inline std::common_type_t<A, B> min(A a, B b) { return b < a ? b : a; }
template <class A, class B> inline std::common_type_t<A, B> max(A a, B b) { return a < b ? b : a; }

// ------------------------------------------------------------------------------------------------ execution model
namespace emu {
enum class Order { Forward, Reverse };
struct Fiber;
extern Fiber* cur;
extern dim3 block_idx, block_dim, grid_dim;
const uint3& thread_idx();
int lane();
int warp();
int linear();            // the thread's index in its block
unsigned long long block_serial();   // changes with every block run
void sync_block();
void sync_warp(unsigned mask);
bool lane_live(int lane);
void* dynamic_smem();
void* warp_slot(int lane);           // 64 bytes per lane of the current warp
constexpr int kSlotBytes = 64;
void set_order(Order o);
Order order();
void run_grid(const char* name, dim3 grid, dim3 block, size_t dyn_smem, const std::function<void()>& body);
// Set by a test to see the ranges kernels ask prefetch_l2 (common.cuh) for; unset, prefetches are ignored.
inline std::function<void(const void*, long long)> on_prefetch;

template <class... P, class... A>
void launch(const char* name, void (*kernel)(P...), dim3 grid, dim3 block, size_t dyn_smem, A... args) {
    static_assert(sizeof...(P) == sizeof...(A), "argument count differs from the kernel's parameters");
    std::function<void()> body = [=]() { kernel(static_cast<P>(args)...); };
    run_grid(name, grid, block, dyn_smem, body);
}

// Every lane in `mask` puts `v`, then reads lane `src`'s (its own value where src is out of range or returned).
template <class T>
T exchange(unsigned mask, T v, int src, bool valid) {
    static_assert(sizeof(T) <= kSlotBytes && std::is_trivially_copyable<T>::value, "shuffle type");
    std::memcpy(warp_slot(lane()), &v, sizeof(T));
    sync_warp(mask);
    T r = v;
    if (valid && src >= 0 && src < 32 && lane_live(src) && ((mask >> src) & 1u)) std::memcpy(&r, warp_slot(src), sizeof(T));
    sync_warp(mask);
    return r;
}
// All 32 lanes' values (lanes that returned give T{}); a warp-collective step.
template <class T>
void gather(unsigned mask, const T& v, T (&all)[32]) {
    static_assert(sizeof(T) <= kSlotBytes && std::is_trivially_copyable<T>::value, "gather type");
    std::memcpy(warp_slot(lane()), &v, sizeof(T));
    sync_warp(mask);
    for (int l = 0; l < 32; l++) {
        if (lane_live(l) && ((mask >> l) & 1u)) std::memcpy(&all[l], warp_slot(l), sizeof(T));
        else all[l] = T{};
    }
    sync_warp(mask);
}
}  // namespace emu

#define threadIdx (emu::thread_idx())
#define blockIdx (emu::block_idx)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)
#define warpSize 32

inline void __syncthreads() { emu::sync_block(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { emu::sync_warp(mask); }
template <class T> T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    const int l = emu::lane();
    return emu::exchange(mask, v, (l / width) * width + (src % width), true);
}
template <class T> T __shfl_xor_sync(unsigned mask, T v, int m, int width = 32) {
    const int l = emu::lane(), s = l ^ m;
    return emu::exchange(mask, v, s, s / width == l / width);
}
template <class T> T __shfl_up_sync(unsigned mask, T v, unsigned d, int width = 32) {
    const int l = emu::lane();
    return emu::exchange(mask, v, l - (int)d, (l % width) >= (int)d);
}
template <class T> T __shfl_down_sync(unsigned mask, T v, unsigned d, int width = 32) {
    const int l = emu::lane();
    return emu::exchange(mask, v, l + (int)d, (l % width) + (int)d < width);
}
// Fibers switch only at barriers, so a read-modify-write is already atomic.
template <class T> T atomicAdd(T* p, T v) { T o = *p; *p = o + v; return o; }
template <class T> T atomicMax(T* p, T v) { T o = *p; *p = std::max(o, v); return o; }
template <class T> T atomicMin(T* p, T v) { T o = *p; *p = std::min(o, v); return o; }
template <class T> T __ldg(const T* p) { return *p; }
template <class T> T __ldcs(const T* p) { return *p; }   // cache hints mean nothing here
template <class T> T __ldcg(const T* p) { return *p; }
// Blocks run one after another: every earlier block's writes are already visible to a later one.
inline void __threadfence() {}
// per-byte a - b, each byte wrapping on its own (no borrow into the next), as the PTX vsub4
inline unsigned __vsub4(unsigned a, unsigned b) {
    unsigned r = 0;
    for (int i = 0; i < 4; i++) r |= (((a >> (8 * i)) - (b >> (8 * i))) & 0xffu) << (8 * i);
    return r;
}
// four signed byte products added to c, as the PTX dp4a.s32.s32
inline int __dp4a(int a, int b, int c) {
    for (int i = 0; i < 4; i++) c += (int)(int8_t)(a >> (8 * i)) * (int)(int8_t)(b >> (8 * i));
    return c;
}
