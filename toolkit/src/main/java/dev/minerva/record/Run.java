package dev.minerva.record;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Provenance of one study run, written as {@code run.json} next to its results.
 *
 * @param id          {@code <yyyyMMdd-HHmmss>-<7 hex>} (UTC start time + hash of study, config, start)
 * @param study       study name, e.g. {@code roofline}
 * @param start       ISO-8601 start instant
 * @param end         ISO-8601 end instant, {@code null} while running
 * @param git         commit and dirty flag of {@link Locations#root()}
 * @param machine     JDK, OS, CPU, cores, GPU
 * @param backend     compute backend ({@code cpu}, {@code cuda}, or {@code none} for analytic studies)
 * @param modelFile   model file path, or {@code null}
 * @param modelSha256 sha256 of the model file, or {@code null}
 * @param seed        random seed
 * @param config      the full study configuration as JSON
 */
public record Run(String id, String study, String start, String end, GitState git, Machine machine, String backend,
                  String modelFile, String modelSha256, long seed, JsonNode config) {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    public Run {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(study, "study");
        if (!study.matches("[a-z0-9][a-z0-9._-]*")) throw new IllegalArgumentException("study name '" + study + "' must match [a-z0-9][a-z0-9._-]*");
    }

    /**
     * Starts a run now: probes git (in {@code root}) and the machine, hashes the model file.
     *
     * @param config any record, map or bean; serialised with Jackson
     * @param modelFile the model used, or {@code null}
     */
    public static Run begin(String study, Object config, long seed, String backend, Path modelFile, Path root) {
        Instant now = Instant.now();
        JsonNode cfg = Json.MAPPER.valueToTree(config);
        String sha = modelFile == null ? null : sha256(modelFile);
        String hash = sha256Hex((study + "\n" + cfg + "\n" + now + "\n" + ProcessHandle.current().pid() + "\n" + System.nanoTime())
                .getBytes(StandardCharsets.UTF_8)).substring(0, 7);
        return new Run(ID_TIME.format(now) + "-" + hash, study, now.toString(), null, GitState.probe(root), Machine.probe(),
                backend, modelFile == null ? null : modelFile.toAbsolutePath().toString(), sha, seed, cfg);
    }

    /**
     * This run with its git state replaced: a run on a machine whose checkout cannot tell what the code was built
     * from (the lent GPU machine gets a copy of the tree whose {@code .git} is older than the carried jars) records
     * the commit the jars were built from instead.
     */
    public Run withGit(GitState git) {
        return new Run(id, study, start, end, git, machine, backend, modelFile, modelSha256, seed, config);
    }

    /** This run with its end time set to now. */
    public Run finish() {
        return new Run(id, study, start, Instant.now().toString(), git, machine, backend, modelFile, modelSha256, seed, config);
    }

    /** The config read back as {@code type}. */
    public <T> T config(Class<T> type) {
        try {
            return Json.MAPPER.treeToValue(config, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("run " + id + ": config does not match " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise run " + id, e);
        }
    }

    /** Reads a {@code run.json}. @throws IOException naming the file when it is missing or malformed */
    public static Run read(Path runJson) throws IOException {
        try {
            return Json.MAPPER.readValue(runJson.toFile(), Run.class);
        } catch (IOException | RuntimeException e) {
            throw new IOException(runJson + ": not a valid run.json: " + e.getMessage(), e);
        }
    }

    /** Lower-case hex sha256 of a file's content, streamed. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot hash model file " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
