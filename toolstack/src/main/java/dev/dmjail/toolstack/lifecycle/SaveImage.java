package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * dmjail's save file: QEMU's migration stream from offset 0 (so the restoring device model reads it
 * from the start of the file it is handed, {@code -incoming fd:N}; QEMU stops at its own end-of-stream
 * section), then a trailer the toolstack writes and reads: a JSON object (format, the domain's name and
 * xl config text, the stream's length), its length as 8 bytes big-endian, and a 16-byte magic. The
 * trailer is read from the end, bounded ({@link #MAX_TRAILER_BYTES}); nothing of the stream is read by
 * the privileged side.
 */
public final class SaveImage {
    static final byte[] MAGIC = "dmjail-save-v1\n\0".getBytes(StandardCharsets.US_ASCII);
    static final int MAX_TRAILER_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the trailer holds. */
    public record Trailer(String name, String configFile, String config, long streamBytes) {}

    private SaveImage() {}

    /** Appends the trailer at the file's current offset (right after the stream). */
    static void writeTrailer(int fd, Trailer t) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("format", "dmjail-save").put("version", 1).put("name", t.name())
                .put("configFile", t.configFile()).put("config", t.config()).put("streamBytes", t.streamBytes());
        byte[] json = JSON.writeValueAsBytes(o);
        if (json.length > MAX_TRAILER_BYTES) {
            throw new IOException("the domain's config is too large to save (" + json.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate(json.length + 8 + MAGIC.length);
        b.put(json).putLong(json.length).put(MAGIC);
        writeAll(fd, b.array());
    }

    static void writeAll(int fd, byte[] data) throws IOException {
        QmpFdSession.LibC c = QmpFdSession.libc();
        int off = 0;
        while (off < data.length) {
            byte[] rest = off == 0 ? data : Arrays.copyOfRange(data, off, data.length);
            long n = c.write(fd, rest, rest.length);
            if (n <= 0) {
                throw new IOException("write: " + c.strerror(jnr.ffi.Runtime.getRuntime(c).getLastError()));
            }
            off += (int) n;
        }
    }

    /** Reads and checks the trailer of the file open at {@code fd} (of {@code size} bytes). */
    static Trailer readTrailer(int fd, long size, String label) throws IOException {
        QmpFdSession.LibC c = QmpFdSession.libc();
        int tail = 8 + MAGIC.length;
        if (size < tail) {
            throw new IOException(label + " is not a dmjail save file (too short)");
        }
        byte[] end = new byte[tail];
        if (c.pread(fd, end, tail, size - tail) != tail) {
            throw new IOException(label + ": cannot read its trailer");
        }
        if (!Arrays.equals(Arrays.copyOfRange(end, 8, tail), MAGIC)) {
            throw new IOException(label + " is not a dmjail save file (no dmjail-save-v1 trailer)");
        }
        long len = ByteBuffer.wrap(end, 0, 8).getLong();
        if (len <= 0 || len > MAX_TRAILER_BYTES || len > size - tail) {
            throw new IOException(label + ": its trailer's length is out of bounds (" + len + ")");
        }
        byte[] json = new byte[(int) len];
        if (c.pread(fd, json, len, size - tail - len) != len) {
            throw new IOException(label + ": cannot read its trailer");
        }
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException(label + ": its trailer is not JSON");
        }
        if (!"dmjail-save".equals(o.path("format").asText()) || o.path("version").asInt() != 1
                || !o.path("config").isTextual() || !o.path("name").isTextual()) {
            throw new IOException(label + ": its trailer is not a version 1 dmjail save trailer");
        }
        long stream = o.path("streamBytes").asLong(-1);
        if (stream < 0 || stream != size - tail - len) {
            throw new IOException(label + ": the saved stream is " + (size - tail - len) + " bytes, its trailer says "
                    + stream + " (truncated or appended to)");
        }
        return new Trailer(o.get("name").asText(), o.path("configFile").asText(""), o.get("config").asText(), stream);
    }

    /** An opened save file: its fd (O_RDONLY, no symlink on the way), its identity and its trailer. */
    public record Opened(int fd, String identity, Trailer trailer) implements AutoCloseable {
        @Override
        public void close() {
            SafeFile.close(fd);
        }
    }

    /** Opens {@code path} (canonical) and reads its trailer. */
    public static Opened open(String path) throws IOException {
        SafeFile.Opened o = SafeFile.open(path, Sys.O_RDONLY, 0);
        if (!o.ok()) {
            throw new IOException("cannot open " + path + ": " + Sys.strerror(o.errno())
                    + (o.errno() == Sys.ELOOP ? " (a symlink on the path)" : ""));
        }
        try {
            SafeFile.Stat st = SafeFile.fstat(o.fd());
            if (st == null || !st.regular()) {
                throw new IOException(path + " is not a regular file");
            }
            return new Opened(o.fd(), st.identity(), readTrailer(o.fd(), st.size(), path));
        } catch (IOException | RuntimeException e) {
            SafeFile.close(o.fd());
            throw e;
        }
    }
}
