// emu.cpp — the fiber scheduler behind minerva_emu.h (see there for the model).
#include "minerva_emu.h"
#include <ucontext.h>
#include <sys/mman.h>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace emu {
namespace {
enum State { READY, WAIT_WARP, WAIT_BLOCK, DONE };
constexpr size_t kStack = 256 * 1024;
}  // namespace

struct Fiber {
    ucontext_t ctx;
    uint3 tid;
    int linear = 0;
    State state = READY;
    unsigned mask = 0;
};

Fiber* cur = nullptr;
dim3 block_idx, block_dim, grid_dim;

namespace {
ucontext_t sched_ctx;
std::vector<Fiber> fibers;                     // the running block's threads
std::vector<char*> stacks;                     // kept from launch to launch
std::vector<unsigned char> slots;              // 32 lanes x kSlotBytes per warp
std::vector<unsigned char> dyn;                // dynamic shared memory
const std::function<void()>* body = nullptr;
Order run_order = Order::Forward;
unsigned long long serial = 0;
const char* kernel_name = "";

void fiber_main() {
    (*body)();
    cur->state = DONE;                          // uc_link returns to the scheduler
}

[[noreturn]] void deadlock() {
    std::fprintf(stderr, "emu: deadlock in %s block (%u,%u,%u): barrier states", kernel_name, block_idx.x, block_idx.y,
                 block_idx.z);
    for (size_t i = 0; i < fibers.size() && i < 64; i++) std::fprintf(stderr, " %zu:%d", i, (int)fibers[i].state);
    std::fprintf(stderr, "\n");
    std::exit(3);
}

// Opens every barrier whose participants have all arrived; false when none could open.
bool release() {
    bool opened = false;
    const int n = (int)fibers.size(), warps = (n + 31) / 32;
    for (int w = 0; w < warps; w++) {
        unsigned exists = 0, waiting = 0, live = 0, mask = 0;
        for (int l = 0; l < 32 && w * 32 + l < n; l++) {
            const Fiber& f = fibers[w * 32 + l];
            exists |= 1u << l;
            if (f.state != DONE) live |= 1u << l;
            if (f.state == WAIT_WARP) { waiting |= 1u << l; mask = f.mask; }
        }
        if (!waiting) continue;
        // the lanes that wait on this mask, once every live lane of the mask is among them
        unsigned group = 0;
        for (int l = 0; l < 32; l++)
            if (((waiting >> l) & 1u) && fibers[w * 32 + l].mask == mask) group |= 1u << l;
        if (mask & exists & ~live) {   // CUDA requires every lane the mask names to reach the collective
            std::fprintf(stderr, "emu: %s block (%u,%u,%u) warp %d: a warp collective with mask %08x, but lanes %08x have returned\n",
                         kernel_name, block_idx.x, block_idx.y, block_idx.z, w, mask, mask & exists & ~live);
            std::exit(3);
        }
        if ((mask & live & ~group) == 0) {
            for (int l = 0; l < 32; l++)
                if ((group >> l) & 1u) fibers[w * 32 + l].state = READY;
            opened = true;
        }
    }
    if (opened) return true;
    bool any = false;
    for (const Fiber& f : fibers) {
        if (f.state == DONE) continue;
        any = true;
        if (f.state != WAIT_BLOCK) return false;
    }
    if (!any) return false;
    for (Fiber& f : fibers)
        if (f.state == WAIT_BLOCK) f.state = READY;
    return true;
}

void yield() { swapcontext(&cur->ctx, &sched_ctx); }

void run_block(size_t dyn_smem) {
    const int n = (int)fibers.size();
    serial++;
    std::memset(dyn.data(), 0xff, dyn_smem);     // NaN floats: reads before writes show up
    for (int i = 0; i < n; i++) {
        Fiber& f = fibers[i];
        f.linear = i;
        f.tid = uint3{(unsigned)(i % block_dim.x), (unsigned)((i / block_dim.x) % block_dim.y),
                      (unsigned)(i / (block_dim.x * block_dim.y))};
        f.state = READY;
        getcontext(&f.ctx);
        f.ctx.uc_stack.ss_sp = stacks[i];
        f.ctx.uc_stack.ss_size = kStack;
        f.ctx.uc_link = &sched_ctx;
        makecontext(&f.ctx, fiber_main, 0);
    }
    for (;;) {
        for (int k = 0; k < n; k++) {
            Fiber& f = fibers[run_order == Order::Forward ? k : n - 1 - k];
            if (f.state != READY) continue;
            cur = &f;
            swapcontext(&sched_ctx, &f.ctx);
        }
        bool done = true;
        for (const Fiber& f : fibers) done = done && f.state == DONE;
        if (done) break;
        if (!release()) deadlock();
    }
    cur = nullptr;
}
}  // namespace

const uint3& thread_idx() { return cur->tid; }
int lane() { return cur->linear & 31; }
int warp() { return cur->linear >> 5; }
int linear() { return cur->linear; }
unsigned long long block_serial() { return serial; }
void sync_block() { cur->state = WAIT_BLOCK; yield(); }
void sync_warp(unsigned mask) { cur->state = WAIT_WARP; cur->mask = mask; yield(); }
bool lane_live(int l) {
    const size_t i = (size_t)(cur->linear & ~31) + l;
    return i < fibers.size() && fibers[i].state != DONE;
}
void* dynamic_smem() { return dyn.data(); }
void* warp_slot(int l) { return slots.data() + ((size_t)warp() * 32 + l) * kSlotBytes; }
void set_order(Order o) { run_order = o; }
Order order() { return run_order; }

void run_grid(const char* name, dim3 grid, dim3 block, size_t dyn_smem, const std::function<void()>& b) {
    const size_t n = (size_t)block.x * block.y * block.z;
    if (n == 0 || n > 1024 || grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535) {
        std::fprintf(stderr, "emu: %s: invalid launch grid (%u,%u,%u) block (%u,%u,%u)\n", name, grid.x, grid.y, grid.z,
                     block.x, block.y, block.z);
        std::exit(3);
    }
    // 48 KB: what a launch gets without cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES), which the host sets only for
    // layer.cu's entries (LayerKernels; the tests keep them under 48 KB); the kernel's static __shared__ (ptxas -v)
    // counts against the same limit and is not seen here
    if (dyn_smem > 48 * 1024) {
        std::fprintf(stderr, "emu: %s: %zu bytes of dynamic shared memory (48 KB without an opt-in)\n", name, dyn_smem);
        std::exit(3);
    }
    kernel_name = name;
    body = &b;
    block_dim = block;
    grid_dim = grid;
    while (stacks.size() < n) {
        void* s = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (s == MAP_FAILED) { std::perror("emu: mmap"); std::exit(3); }
        stacks.push_back((char*)s);
    }
    fibers.assign(n, Fiber{});
    slots.assign(((n + 31) / 32) * 32 * kSlotBytes, 0);
    if (dyn.size() < dyn_smem) dyn.resize(dyn_smem);
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                block_idx = dim3(x, y, z);
                run_block(dyn_smem);
            }
    body = nullptr;
}
}  // namespace emu
