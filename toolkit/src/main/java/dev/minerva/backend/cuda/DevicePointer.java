package dev.minerva.backend.cuda;

import jcuda.driver.CUdeviceptr;

/** A {@link CUdeviceptr} that can tell its numeric address (JCuda keeps it protected). */
final class DevicePointer extends CUdeviceptr {
    DevicePointer() {}

    private DevicePointer(DevicePointer base, long byteOffset) { super(base, byteOffset); }

    /** The address {@code byteOffset} bytes on, as a pointer of this class. */
    DevicePointer at(long byteOffset) { return new DevicePointer(this, byteOffset); }

    /** The device address this pointer holds (0 before allocation). */
    long address() { return getNativePointer() + getByteOffset(); }
}
