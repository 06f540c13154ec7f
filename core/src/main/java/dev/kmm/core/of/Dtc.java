package dev.kmm.core.of;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Compiles {@code .dts} sources with the device tree compiler, {@code dtc}, run as a subprocess. */
public final class Dtc {
    /** What callers see when dtc is missing. */
    public static final String NOT_INSTALLED = "dtc (device-tree-compiler) is not installed: install it "
            + "(apt-get install device-tree-compiler) or pass a compiled .dtb";

    private static final long TIMEOUT_SECONDS = 60;

    private Dtc() {
    }

    /** The {@code dtc} executable on {@code PATH}, if any. */
    public static Optional<Path> find() {
        return find(System.getenv("PATH"));
    }

    /** The {@code dtc} executable in the directories of a {@code PATH}-style list. */
    static Optional<Path> find(String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "dtc");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code dtc} is on {@code PATH}. */
    public static boolean isAvailable() {
        return find().isPresent();
    }

    /**
     * Runs {@code dtc -I dts -O dtb} on {@code dts} and returns the blob.
     *
     * @throws IOException with {@link #NOT_INSTALLED} when dtc is missing, or with dtc's own diagnostics
     *                     when it fails or runs longer than a minute
     */
    public static byte[] compile(Path dts) throws IOException {
        return compile(dts, System.getenv("PATH"));
    }

    /** {@link #compile(Path)} looking for dtc in {@code path} only. */
    static byte[] compile(Path dts, String path) throws IOException {
        Path dtc = find(path).orElseThrow(() -> new IOException(NOT_INSTALLED));
        Path out = Files.createTempFile("kmm-dtc", ".dtb");
        Path err = Files.createTempFile("kmm-dtc", ".err");
        try {
            Process p = new ProcessBuilder(dtc.toString(), "-I", "dts", "-O", "dtb", "-o", out.toString(),
                    dts.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(err.toFile())
                    .start();
            boolean done;
            try {
                done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while dtc compiled " + dts, e);
            }
            if (!done) {
                p.destroyForcibly();
                throw new IOException("dtc did not finish compiling " + dts + " within " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("dtc failed (exit " + p.exitValue() + ") on " + dts + ": "
                        + Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            if (Files.size(out) > Fdt.MAX_BLOB_SIZE) {
                throw new IOException("dtc wrote a blob above " + (Fdt.MAX_BLOB_SIZE >> 20) + " MiB for " + dts);
            }
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
