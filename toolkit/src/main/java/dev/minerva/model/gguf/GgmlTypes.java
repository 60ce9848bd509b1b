package dev.minerva.model.gguf;

/**
 * Storage geometry (elements per block, bytes per block) of ggml tensor types, including types
 * Minerva cannot compute with, so that every tensor extent in a GGUF file can be validated.
 */
final class GgmlTypes {
    private GgmlTypes() {}

    /** {blockSize, blockBytes} of ggml type {@code id}, or {@code null} if unknown. */
    static int[] geometry(int id) {
        return switch (id) {
            case 0 -> new int[]{1, 4};      // F32
            case 1 -> new int[]{1, 2};      // F16
            case 2 -> new int[]{32, 18};    // Q4_0
            case 3 -> new int[]{32, 20};    // Q4_1
            case 6 -> new int[]{32, 22};    // Q5_0
            case 7 -> new int[]{32, 24};    // Q5_1
            case 8 -> new int[]{32, 34};    // Q8_0
            case 9 -> new int[]{32, 36};    // Q8_1
            case 10 -> new int[]{256, 84};  // Q2_K
            case 11 -> new int[]{256, 110}; // Q3_K
            case 12 -> new int[]{256, 144}; // Q4_K
            case 13 -> new int[]{256, 176}; // Q5_K
            case 14 -> new int[]{256, 210}; // Q6_K
            case 15 -> new int[]{256, 292}; // Q8_K
            case 24 -> new int[]{1, 1};     // I8
            case 25 -> new int[]{1, 2};     // I16
            case 26 -> new int[]{1, 4};     // I32
            case 27 -> new int[]{1, 8};     // I64
            case 28 -> new int[]{1, 8};     // F64
            case 30 -> new int[]{1, 2};     // BF16
            default -> null;
        };
    }
}
