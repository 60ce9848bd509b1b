// emu_ptx.h — the PTX instructions of src/mma.cuh (inline asm in gemm.cu's v2/v3 and attention.cu's
// attn_prefill_mma), for the CPU emulator. Semantics from the PTX ISA: cp.async (+ commit_group / wait_group),
// ldmatrix.m8n8.x4.b16 (plain and .trans), mma.m16n8k16.row.col, and mma.cuh's pack_f16x2 (cvt.rn.f16x2.f32).
// cp.async copies land as late as the ISA allows (when the issuing thread's wait_group retires their group), so a
// read of a stage before its wait sees stale data and fails the test.
#pragma once
#include "minerva_emu.h"
#include <deque>
#include <vector>

namespace emu_ptx {
struct Copy { void* dst; const void* src; int bytes; };
struct ThreadCopies { unsigned long long serial = 0; std::vector<Copy> open; std::deque<std::vector<Copy>> groups; };
inline ThreadCopies& copies() {
    static std::vector<ThreadCopies> all(1024);
    ThreadCopies& t = all[emu::linear()];
    if (t.serial != emu::block_serial()) { t = ThreadCopies{}; t.serial = emu::block_serial(); }
    return t;
}
inline void land(const std::vector<Copy>& g) {
    for (const Copy& c : g) {
        if (c.bytes) std::memcpy(c.dst, c.src, 16);
        else std::memset(c.dst, 0, 16);
    }
}
inline uint16_t half_bits(unsigned reg, int hi) { return (uint16_t)(hi ? reg >> 16 : reg & 0xffffu); }
inline float elem(uint16_t b, const __half*) { return emu::half_to_float(b); }
inline float elem(uint16_t b, const __nv_bfloat16*) { return emu::bf16_to_float(b); }
}  // namespace emu_ptx

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool valid) {
    emu_ptx::copies().open.push_back({smem, gmem, valid ? 16 : 0});
}
__device__ __forceinline__ void cp_async_commit() {
    emu_ptx::ThreadCopies& t = emu_ptx::copies();
    t.groups.push_back(std::move(t.open));
    t.open.clear();
}
template <int N> __device__ __forceinline__ void cp_async_wait() {
    emu_ptx::ThreadCopies& t = emu_ptx::copies();
    while ((int)t.groups.size() > N) { emu_ptx::land(t.groups.front()); t.groups.pop_front(); }
}

// Lane l gives the address of row l%8 of matrix l/8; register i of lane l holds row l/4, columns 2(l%4), 2(l%4)+1
// of matrix i.
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], const void* smem) {
    const void* rows[32];
    emu::gather(0xffffffffu, smem, rows);
    const int l = emu::lane();
    for (int i = 0; i < 4; i++) std::memcpy(&r[i], (const char*)rows[8 * i + l / 4] + 4 * (l % 4), 4);
}
// .trans: the same rows are read, but register i of lane l holds column l/4 of matrix i, rows 2(l%4) (low half)
// and 2(l%4)+1 (high half).
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], const void* smem) {
    const void* rows[32];
    emu::gather(0xffffffffu, smem, rows);
    const int l = emu::lane();
    for (int i = 0; i < 4; i++) {
        uint16_t lo, hi;
        std::memcpy(&lo, (const char*)rows[8 * i + 2 * (l % 4)] + 2 * (l / 4), 2);
        std::memcpy(&hi, (const char*)rows[8 * i + 2 * (l % 4) + 1] + 2 * (l / 4), 2);
        r[i] = (unsigned)lo | ((unsigned)hi << 16);
    }
}

__device__ __forceinline__ unsigned pack_f16x2(float lo, float hi) {
    return (unsigned)emu::float_to_half(lo) | ((unsigned)emu::float_to_half(hi) << 16);
}

// D = A (16x16, row) . B (16x8, col) + C. With g = lane/4, t = lane%4: A regs {a0a1, a2a3, a4a5, a6a7} hold
// (g, 2t..2t+1), (g+8, 2t..), (g, 2t+8..), (g+8, 2t+8..); B regs {b0b1, b2b3} hold (k 2t..2t+1, n g), (k 2t+8.., n g);
// C/D {c0..c3} hold (g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1).
template <typename T> struct MmaOp {
    struct Regs { unsigned a[4]; unsigned b[2]; };
    static void run(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
        Regs mine{{a[0], a[1], a[2], a[3]}, {b0, b1}}, all[32];
        emu::gather(0xffffffffu, mine, all);
        auto A = [&](int row, int k) {
            const Regs& r = all[(row % 8) * 4 + (k % 8) / 2];
            return emu_ptx::elem(emu_ptx::half_bits(r.a[(row >= 8 ? 1 : 0) + (k >= 8 ? 2 : 0)], k & 1), (const T*)nullptr);
        };
        auto B = [&](int k, int n) {
            const Regs& r = all[n * 4 + (k % 8) / 2];
            return emu_ptx::elem(emu_ptx::half_bits(r.b[k >= 8 ? 1 : 0], k & 1), (const T*)nullptr);
        };
        const int l = emu::lane(), g = l / 4, t = l % 4;
        for (int e = 0; e < 4; e++) {
            const int row = g + (e >= 2 ? 8 : 0), col = 2 * t + (e & 1);
            double s = c[e];
            for (int k = 0; k < 16; k++) s += (double)A(row, k) * B(k, col);
            c[e] = (float)s;
        }
    }
};
