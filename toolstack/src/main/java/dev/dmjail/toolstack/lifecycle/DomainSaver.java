package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Saves a running domain's device-model state into a new file ({@link SaveImage}), as libvirt's
 * {@code virsh save} does: the guest is stopped, QEMU migrates ({@code migrate fd:}) into a pipe the
 * toolstack drains into the file ({@link PipeToFile}: bounded, never the file itself to QEMU), and a
 * trailer with the domain's config follows. On any failure the partial file is removed and the guest resumed.
 */
public final class DomainSaver {
    /** Device state beyond guest RAM (QEMU's sections, video memory, ROMs): generous. */
    static final long SLACK_BYTES = 512L << 20;
    private static final String FD_NAME = "dmjail-save";

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
        long bound = stateBound(r);
        boolean done = false;
        try (PipeToFile out = PipeToFile.create(file)) {
            FaultPoint.hit("save.file-created");
            try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), deadline)) {
                q.execute(QmpFdSession.command("stop"), -1); // a consistent image, not a live one
                long n = streamOut(q, out.pipe(), out::append, bound, deadline);
                SaveImage.writeTrailer(out.fd(), new SaveImage.Trailer(r.name(), configFile, config, n));
                out.keep();
                done = true;
                if (resume) {
                    q.execute(QmpFdSession.command("cont"), -1);
                }
                return n;
            }
        } finally {
            if (!done) {
                resumeQuietly(paths); // the guest as it was
            }
        }
    }

    /**
     * QEMU's migration stream, out through {@code pipe} into {@code sink}: at full speed, to an fd
     * handed over QMP ({@code migrate fd:NAME}), at most {@code bound} bytes, until QEMU reports it
     * completed. A guest that runs meanwhile is migrated live (QEMU stops it for the last pass and
     * leaves it in "postmigrate"). Returns the stream's bytes.
     */
    static long streamOut(QmpFdSession q, DeviceModelPipe pipe, DeviceModelPipe.Sink sink, long bound, long deadline)
            throws IOException {
        ObjectNode speed = QmpFdSession.command("migrate-set-parameters");
        speed.putObject("arguments").put("max-bandwidth", Long.MAX_VALUE >> 8); // QEMU's default is 32 MiB/s
        q.execute(speed, -1);
        pipe.handTo(q, FD_NAME);
        ObjectNode migrate = QmpFdSession.command("migrate");
        migrate.putObject("arguments").put("uri", "fd:" + FD_NAME);
        q.execute(migrate, -1);
        long n = pipe.drain(bound, deadline, sink);
        String status = waitForEnd(q, deadline);
        if (!status.equals("completed")) {
            throw new IOException("QEMU's migration ended " + status);
        }
        return n;
    }

    /** {@code cont} on the domain's device model, whatever it answers: after a failed save or migration. */
    static void resumeQuietly(DomainPaths paths) {
        try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), System.nanoTime() + 3_000_000_000L)) {
            q.execute(QmpFdSession.command("cont"), -1);
        } catch (IOException e) {
            // the device model is gone or hung: the caller reports the first failure
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

    /** The most a device model may send of its state (save) or its guest's memory (a core): RAM plus slack. */
    static long stateBound(DomainRecord r) {
        return (startedMiB(r) << 20) + SLACK_BYTES;
    }

    /** The memory the device model was started with (its -m; mem-set lowers only the balloon target). */
    public static long startedMiB(DomainRecord r) {
        JsonNode argv = r.plan().path("argv");
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).asText().equals("-m")) {
                return Long.parseLong(argv.get(i + 1).asText());
            }
        }
        return r.memoryMiB();
    }

    /** The xl config to store: the file the domain was created from, a restored domain's saved config, or a migrated one's. */
    public static String configOf(DomainRecord r) throws IOException {
        for (String key : new String[] {DomainManager.RECEIVED_CONFIG, DomainManager.CREATED_CONFIG}) {
            JsonNode stored = r.plan() == null ? null : r.plan().get(key);
            if (stored != null && stored.isTextual()) {
                return stored.asText(); // as migrated here, or as created (overrides included)
            }
        }
        // a domain created by a dmjail that did not store it: the file as it is now
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
