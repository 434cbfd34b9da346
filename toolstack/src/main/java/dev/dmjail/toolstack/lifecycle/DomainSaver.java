package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.launcher.sys.SafeFile;
import dev.dmjail.launcher.sys.Sys;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Saves a running domain's device-model state into a new file ({@link SaveImage}), as libvirt's
 * {@code virsh save} does: the guest is stopped, QEMU migrates into a pipe the toolstack reads
 * ({@code getfd} + {@code migrate fd:}), and the toolstack writes the file. Not the file itself to
 * QEMU: the device model's RLIMIT_FSIZE and its empty root stay as they are, and what it sends is
 * bounded (guest memory plus {@link #SLACK_BYTES}), so a compromised device model cannot fill the host's
 * disk. On any failure the partial file is removed and the guest resumed.
 */
public final class DomainSaver {
    /** Device state beyond guest RAM (QEMU's sections, video memory, ROMs): generous. */
    static final long SLACK_BYTES = 512L << 20;
    private static final String FD_NAME = "dmjail-save";
    private static final int O_CLOEXEC = 02000000;

    private DomainSaver() {}

    /**
     * @param file    the new save file (must not exist; created 0600, no symlink on the way)
     * @param config  the xl config text stored in the trailer
     * @param resume  resume the guest afterwards (save -c / -p keep the domain; else the caller destroys it)
     * @return the bytes of QEMU's stream
     */
    public static long save(DomainRecord r, DomainPaths paths, Path file, String configFile, String config,
                            boolean resume, long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        long bound = (startedMiB(r) << 20) + SLACK_BYTES;
        SafeFile.Opened out = SafeFile.open(file.toString(), Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL, 0600);
        if (!out.ok()) {
            throw new IOException("cannot create " + file + ": " + Sys.strerror(out.errno())
                    + (out.errno() == Sys.EEXIST ? " (dmjail never overwrites a file)" : ""));
        }
        boolean done = false;
        QmpFdSession.LibC c = QmpFdSession.libc();
        FaultPoint.hit("save.file-created");
        int[] pipe = {-1, -1};
        try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), deadline)) {
            if (!SafeFile.clearNonBlock(out.fd())) {
                throw new IOException("fcntl " + file);
            }
            if (c.pipe2(pipe, O_CLOEXEC) != 0) {
                throw new IOException("pipe2: " + c.strerror(jnr.ffi.Runtime.getRuntime(c).getLastError()));
            }
            q.execute(QmpFdSession.command("stop"), -1); // a consistent image, not a live one
            ObjectNode speed = QmpFdSession.command("migrate-set-parameters");
            speed.putObject("arguments").put("max-bandwidth", Long.MAX_VALUE >> 8); // QEMU's default is 32 MiB/s
            q.execute(speed, -1);
            ObjectNode getfd = QmpFdSession.command("getfd");
            getfd.putObject("arguments").put("fdname", FD_NAME);
            q.execute(getfd, pipe[1]);
            c.close(pipe[1]);
            pipe[1] = -1;
            ObjectNode migrate = QmpFdSession.command("migrate");
            migrate.putObject("arguments").put("uri", "fd:" + FD_NAME);
            q.execute(migrate, -1);
            long n = copy(c, pipe[0], out.fd(), bound, deadline, file);
            String status = waitForEnd(q, deadline);
            if (!status.equals("completed")) {
                throw new IOException("QEMU's migration ended " + status);
            }
            SaveImage.writeTrailer(out.fd(), new SaveImage.Trailer(r.name(), configFile, config, n));
            if (c.fsync(out.fd()) != 0) {
                throw new IOException("fsync " + file);
            }
            done = true;
            if (resume) {
                q.execute(QmpFdSession.command("cont"), -1);
            }
            return n;
        } finally {
            if (pipe[0] >= 0) c.close(pipe[0]);
            if (pipe[1] >= 0) c.close(pipe[1]);
            SafeFile.close(out.fd());
            if (!done) {
                Files.deleteIfExists(file);
                try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), System.nanoTime() + 3_000_000_000L)) {
                    q.execute(QmpFdSession.command("cont"), -1); // the guest as it was
                } catch (IOException e) {
                    // the device model is gone or hung: the caller reports the first failure
                }
            }
        }
    }

    /** Copies the pipe into the file until QEMU closes its end; at most {@code bound} bytes, by the deadline. */
    static long copy(QmpFdSession.LibC c, int from, int to, long bound, long deadline, Path file)
            throws IOException {
        byte[] buf = new byte[1 << 20];
        long total = 0;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("the device model did not finish writing its state in time");
            }
            byte[] pfd = new byte[8];
            pfd[0] = (byte) from;
            pfd[1] = (byte) (from >> 8);
            pfd[2] = (byte) (from >> 16);
            pfd[3] = (byte) (from >> 24);
            pfd[4] = 1; // POLLIN (POLLHUP comes with it at the end)
            if (c.poll(pfd, 1, (int) Math.min(left, 1000)) <= 0) {
                continue;
            }
            long n = c.read(from, buf, buf.length);
            if (n == 0) {
                return total;
            }
            if (n < 0) {
                throw new IOException("reading the device model's state: " + c.strerror(jnr.ffi.Runtime.getRuntime(c).getLastError()));
            }
            total += n;
            if (total > bound) {
                throw new IOException("the device model sent more than " + bound + " bytes of state (guest memory plus "
                        + (SLACK_BYTES >> 20) + " MiB); refused");
            }
            SaveImage.writeAll(to, n == buf.length ? buf : java.util.Arrays.copyOf(buf, (int) n));
        }
    }

    /** query-migrate until it is no longer active: "completed", or "failed (…)" / "cancelled". */
    private static String waitForEnd(QmpFdSession q, long deadline) throws IOException {
        while (System.nanoTime() < deadline) {
            JsonNode m = q.execute(QmpFdSession.command("query-migrate"), -1);
            String s = m.path("status").asText("");
            if (s.equals("completed") || s.equals("cancelled")) {
                return s;
            }
            if (s.equals("failed")) {
                return "failed (" + dev.dmjail.toolstack.text.Printable.line(m.path("error-desc").asText("")) + ")";
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        throw new IOException("QEMU's migration did not end in time");
    }

    /** The memory the device model was started with (its -m; mem-set lowers only the balloon target). */
    static long startedMiB(DomainRecord r) {
        JsonNode argv = r.plan().path("argv");
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).asText().equals("-m")) {
                return Long.parseLong(argv.get(i + 1).asText());
            }
        }
        return r.memoryMiB();
    }

    /** The xl config to store: the file the domain was created from, or a restored domain's saved config. */
    public static String configOf(DomainRecord r) throws IOException {
        try (SaveImage.Opened img = SaveImage.open(r.config())) {
            return img.trailer().config();
        } catch (IOException notASaveFile) {
            try {
                return new String(SafeFile.readRegularFile(r.config(), 1 << 20), StandardCharsets.UTF_8);
            } catch (SafeFile.Refused e) {
                throw new IOException("cannot read the domain's config " + r.config() + ": " + e.getMessage()
                        + " (give the config to save as its last argument)");
            }
        }
    }
}
