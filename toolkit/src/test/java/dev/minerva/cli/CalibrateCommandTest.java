package dev.minerva.cli;

import dev.minerva.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Bad calibrate invocations end with exit code 2 and a message naming what is wrong, before any measurement. */
class CalibrateCommandTest {
    @TempDir Path dir;

    String run(int expectRc, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(expectRc, Main.commandLine().execute(args), err.toString());
        } finally {
            System.setErr(old);
        }
        return err.toString();
    }

    @Test void badInvocations() throws Exception {
        Path model = TestModels.require("stories260K/stories260K.bin");
        Path tok = TestModels.require("stories260K/tok512.bin");
        Path a = Files.writeString(dir.resolve("a.txt"), "Lily had a red ball. She liked to throw it high in the park. ".repeat(40));
        Path b = Files.writeString(dir.resolve("b.txt"), "Tom lived in a little house near the sea. Every morning he went out. ".repeat(40));
        String m = run(2, "calibrate", "--model", model.toString(), "--tokenizer", tok.toString(), "--calib", a.toString(), "--eval", a.toString(),
                "--budget-bits", "6", "--out", dir.toString());
        assertTrue(m.contains("must differ"), m);
        m = run(2, "calibrate", "--model", model.toString(), "--tokenizer", tok.toString(), "--calib", a.toString(), "--eval", b.toString(),
                "--budget-bits", "3", "--formats", "q8_0,q4_0", "--out", dir.toString());
        assertTrue(m.contains("no plan fits 3.000 bits/weight") && m.contains("the smallest is"), m);
        m = run(2, "calibrate", "--model", model.toString(), "--calib", a.toString(), "--eval", b.toString(), "--budget-dppl", "one", "--out", dir.toString());
        assertTrue(m.contains("--budget-dppl"), m);
        m = run(2, "calibrate", "--model", model.toString(), "--calib", a.toString(), "--eval", b.toString(), "--budget-bits", "6",
                "--formats", "q4_0,fp8", "--out", dir.toString());
        assertTrue(m.contains("unknown weight format 'fp8'"), m);
        m = run(2, "calibrate", "--model", dir.resolve("missing.bin").toString(), "--calib", a.toString(), "--eval", b.toString(), "--budget-bits", "6");
        assertTrue(m.contains("missing.bin") && m.contains("no such file"), m);
        assertFalse(Files.exists(dir.resolve("datasets/results/calibration")), "a failed run must record nothing");
    }
}
