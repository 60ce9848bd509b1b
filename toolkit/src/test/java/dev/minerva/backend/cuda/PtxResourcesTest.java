package dev.minerva.backend.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The kernels compiled into the jar: every .cu has PTX for sm_80 and sm_90 (when nvcc exists on this
 * machine) and each declares the entry points the Java side launches.
 */
class PtxResourcesTest {

    /** Entry points the backend and gpu-check launch, by file. */
    static final Map<String, List<String>> EXPECTED = Map.ofEntries(
            Map.entry("copy", List.of("copy_f32", "copy_f32x4")),
            Map.entry("embedding", List.of("embedding_f32", "embedding_f16", "embedding_bf16", "embedding_q8_0", "embedding_q4_0", "embedding_q8_0_aos")),
            Map.entry("rmsnorm", List.of("rmsnorm_f32", "add_rmsnorm_f32", "add_rmsnorm_f32_h")),
            Map.entry("rope", List.of("rope_f32", "rope_kv_append_f32", "rope_freq_f32", "rope_freq_kv_append_f32")),
            Map.entry("activation", List.of("silu_mul_f32", "silu_mul_f32_h", "add_f32")),
            Map.entry("convert", List.of("f32_to_f16", "f32_to_bf16", "f16_to_f32", "bf16_to_f32", "dequant_q8_0_split_f16", "dequant_q4_0_split_f16")),
            Map.entry("sample", List.of("argmax_f32", "sample_topkp_f32", "rng_advance", "decode_advance")),
            Map.entry("gemv", gemvEntries()),
            Map.entry("layer", layerEntries()),
            Map.entry("gemm", List.of("gemm_f16_wmma", "gemm_bf16_wmma", "gemm_f16_mma", "gemm_bf16_mma", "gemm_f16_mma64", "gemm_bf16_mma64")),
            Map.entry("attention", List.of("kv_append_f32", "attn_prefill_f32", "attn_prefill_mma", "attn_decode_split_f32", "attn_decode_merge_f32", "attn_decode_f32", "attn_naive_f32", "attn_masked_f32")));

    static List<String> gemvEntries() {
        List<String> e = new ArrayList<>(List.of("splitk_reduce_f32", "gemv_f32", "gemv_f32_generic", "gemv_f16_generic", "gemv_bf16_generic"));
        for (String d : List.of("f16", "bf16", "q8_0", "q4_0", "q8_0_aos", "q4_0_aos"))
            for (int nb : new int[]{1, 2, 4, 8, 16, 32}) e.add("gemv_" + d + "_nb" + nb);
        for (String d : List.of("f16", "bf16", "q8_0", "q4_0"))
            for (int nb : new int[]{1, 2, 4, 8}) {
                for (String v : List.of("", "_v4")) { e.add("gemv3_" + d + v + "_nb" + nb); e.add("gemv_swiglu_" + d + v + "_nb" + nb); }
                e.add("gemv_" + d + "_v4_nb" + nb);
            }
        e.add("quantize_q8_f32");
        for (int nb : new int[]{1, 2, 4, 8})
            for (String f : List.of("gemv", "gemv3", "gemv_swiglu")) for (String d : List.of("q8_0", "q4_0")) e.add(f + "_" + d + "_dp4a_nb" + nb);
        return e;
    }

    static List<String> layerEntries() {
        List<String> e = new ArrayList<>();
        for (String f : List.of("qkv_rope", "swiglu_norm", "residual", "norm_gemv"))
            for (String d : List.of("f16", "bf16", "q8_0", "q4_0"))
                for (int nb : new int[]{1, 2, 4, 8}) e.add(f + "_" + d + "_nb" + nb);
        return e;
    }

    static boolean nvccPresent() {
        if (Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) return true;
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvcc"))) return true;
        return false;
    }

    @Test
    void everyKernelFileIsListed() {
        assertEquals(EXPECTED.keySet(), new java.util.HashSet<>(PtxResources.FILES), "PtxResources.FILES vs the expected kernel files");
    }

    @Test
    void ptxPresentWithExpectedEntries() {
        if (!nvccPresent()) {
            Assumptions.assumeTrue(PtxResources.present(), "nvcc absent and no PTX in the build: nothing to check");
        }
        assertTrue(PtxResources.present(), "nvcc exists on this machine but the PTX resources are missing from the class path");
        for (String file : PtxResources.FILES) {
            for (int sm : PtxResources.TARGETS) {
                String ptx = PtxResources.text(file, sm);
                assertNotNull(ptx, PtxResources.resource(file, sm));
                assertTrue(ptx.contains(".target sm_" + sm), PtxResources.resource(file, sm) + " does not target sm_" + sm);
                List<String> entries = PtxResources.entries(ptx);
                for (String want : EXPECTED.get(file)) {
                    assertTrue(entries.contains(want), PtxResources.resource(file, sm) + " lacks .entry " + want + "; has " + entries);
                }
            }
        }
    }

    @Test
    void loadIsNulTerminated() {
        Assumptions.assumeTrue(PtxResources.present(), "no PTX in this build");
        byte[] z = PtxResources.loadNulTerminated("copy", 90);
        assertEquals(0, z[z.length - 1]);
        assertEquals(PtxResources.text("copy", 90).length() + 1, z.length);
    }

    @Test
    void entryParserReadsPtxSyntax() {
        String ptx = ".version 9.0\n.target sm_90\n.visible .entry gemv_f16_nb1(\n\t.param .u64 a\n)\n{ }\n"
                + ".visible .entry add_f32(\n)\n// .entry not_a_call\n";
        assertEquals(List.of("gemv_f16_nb1", "add_f32"), PtxResources.entries(ptx));
    }

    @Test
    void targetByComputeCapability() {
        assertEquals(80, PtxResources.targetFor(8, 0));
        assertEquals(80, PtxResources.targetFor(8, 9));
        assertEquals(90, PtxResources.targetFor(9, 0));
        assertEquals(90, PtxResources.targetFor(10, 0));
        assertThrows(IllegalArgumentException.class, () -> PtxResources.targetFor(7, 5));
    }
}
