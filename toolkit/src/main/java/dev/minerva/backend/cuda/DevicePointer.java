package dev.minerva.backend.cuda;

import jcuda.driver.CUdeviceptr;

/** A {@link CUdeviceptr} that can tell its numeric address (JCuda keeps it protected). */
final class DevicePointer extends CUdeviceptr {
    /** The device address this pointer holds (0 before allocation). */
    long address() { return getNativePointer() + getByteOffset(); }
}
