// Shadows the CUDA header of that name when kernels are compiled for the CPU emulator.
#pragma once
#include "../minerva_emu.h"
