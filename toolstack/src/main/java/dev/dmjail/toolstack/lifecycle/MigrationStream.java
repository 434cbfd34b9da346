package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The wire protocol between {@code dmjail migrate} and {@code dmjail migrate-receive}, shaped as xl's
 * (tools/xl/xl_migrate.c), with one message more: the receiver's device model must be up, confined and
 * audited before the sender sends a byte of its state.
 * <pre>
 *   receiver: BANNER
 *   sender:   HEADER (magic, length, JSON: the domain's name and xl config, like the save format)
 *   receiver: CONFINED           (dmjail's: NAME--incoming runs confined, its audit passed)
 *   sender:   frames of QEMU's stream (4-byte big-endian length 1..1 MiB, then the bytes), length 0 ends
 *   receiver: READY              (xl's migrate_receiver_ready: the state is loaded, the guest paused)
 *   sender:   GO                 (xl's migrate_permission_to_go, after renaming its domain away)
 *   receiver: REPORT, one byte   (0: the domain is started under its name; else its copy is destroyed
 *                                 and GO follows: the sender may have its domain back)
 * </pre>
 * Every read is of a fixed or bounded size: what the other side sends is never read without a bound.
 */
public final class MigrationStream {
    static final byte[] BANNER = ascii("dmjail migration receiver ready, send binary domain data.\n");
    static final byte[] CONFINED = ascii("domain confined and audited, send its state\0");
    static final byte[] READY = ascii("domain received, ready to unpause\0");
    static final byte[] GO = ascii("domain is yours, you are cleared to unpause\0");
    static final byte[] REPORT = ascii("my copy unpause results are as follows\0");
    private static final byte[] MAGIC = ascii("dmjail-migrate-v1\n");
    static final int MAX_HEADER_BYTES = 1 << 20;
    static final int MAX_FRAME_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the header holds: the domain's name, the path of its config on the sending host, the config. */
    public record Header(String name, String configFile, String config) {}

    /** One direction of bytes each way, with reads bounded by a deadline. */
    public interface Channel {
        /** Reads exactly {@code len} bytes into the start of {@code b}; {@code what} names them in the error. */
        void readFully(byte[] b, int len, String what) throws IOException;

        default void readFully(byte[] b, String what) throws IOException {
            readFully(b, b.length, what);
        }

        void write(byte[] b, int off, int len) throws IOException;

        default void write(byte[] b) throws IOException {
            write(b, 0, b.length);
        }

        void flush() throws IOException;
    }

    private MigrationStream() {}

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends one of the fixed messages. */
    static void send(Channel c, byte[] message) throws IOException {
        c.write(message);
        c.flush();
    }

    /** Reads one of the fixed messages: exactly its bytes, or a one-line error naming it. */
    static void expect(Channel c, byte[] message, String what) throws IOException {
        byte[] got = new byte[message.length];
        c.readFully(got, what);
        if (!Arrays.equals(got, message)) {
            throw new IOException("the migration stream held something else than the " + what);
        }
    }

    static void writeHeader(Channel c, Header h) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("name", h.name()).put("configFile", h.configFile()).put("config", h.config());
        byte[] json = JSON.writeValueAsBytes(o);
        if (json.length > MAX_HEADER_BYTES) {
            throw new IOException("the domain's config is too large to migrate (" + json.length + " bytes)");
        }
        c.write(MAGIC);
        c.write(ByteBuffer.allocate(4).putInt(json.length).array());
        c.write(json);
        c.flush();
    }

    static Header readHeader(Channel c) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        c.readFully(magic, "header");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("the migration stream does not start with a dmjail-migrate-v1 header");
        }
        byte[] len = new byte[4];
        c.readFully(len, "header");
        int n = ByteBuffer.wrap(len).getInt();
        if (n <= 0 || n > MAX_HEADER_BYTES) {
            throw new IOException("the migration header's length is out of bounds (" + n + ")");
        }
        byte[] json = new byte[n];
        c.readFully(json, "header");
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("the migration header is not JSON");
        }
        if (!o.path("name").isTextual() || !o.path("config").isTextual()) {
            throw new IOException("the migration header holds no domain name and config");
        }
        return new Header(o.get("name").asText(), o.path("configFile").asText(""), o.get("config").asText());
    }

    /** A frame of QEMU's stream (n > 0), or the end of it (n == 0). */
    static void writeFrame(Channel c, byte[] buf, int n) throws IOException {
        c.write(ByteBuffer.allocate(4).putInt(n).array());
        if (n > 0) {
            c.write(buf, 0, n);
        } else {
            c.flush();
        }
    }

    /** What one frame said: its length, its bytes in {@code buf}; 0 at the end of the stream. */
    static int readFrame(Channel c, byte[] buf) throws IOException {
        byte[] len = new byte[4];
        c.readFully(len, "device model state");
        int n = ByteBuffer.wrap(len).getInt();
        if (n < 0 || n > Math.min(MAX_FRAME_BYTES, buf.length)) {
            throw new IOException("a frame of the migration stream is out of bounds (" + n + " bytes)");
        }
        if (n > 0) {
            c.readFully(buf, n, "device model state");
        }
        return n;
    }

    /** The sender's side of a transport process: its stdout and stdin (bounded by a watchdog that kills it). */
    static Channel of(InputStream in, OutputStream out) {
        return new Channel() {
            @Override
            public void readFully(byte[] b, int len, String what) throws IOException {
                int off = 0;
                while (off < len) {
                    int r = in.read(b, off, len - off);
                    if (r < 0) {
                        throw new IOException("the migration receiver ended the stream before the " + what);
                    }
                    off += r;
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw stopped(e);
                }
            }

            @Override
            public void flush() throws IOException {
                try {
                    out.flush();
                } catch (IOException e) {
                    throw stopped(e);
                }
            }

            private IOException stopped(IOException e) {
                return new IOException("the migration receiver stopped reading the stream (" + e.getMessage() + ")");
            }
        };
    }

    /** The receiver's side: its own stdin and stdout, every read by {@code deadlineNanos} (poll). */
    public static Channel ofStdio(long deadlineNanos) {
        QmpFdSession.LibC c = QmpFdSession.libc();
        return new Channel() {
            private final byte[] chunk = new byte[1 << 16];

            @Override
            public void readFully(byte[] b, int len, String what) throws IOException {
                int off = 0;
                while (off < len) {
                    long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        throw new IOException("the migration sender did not send the " + what + " in time");
                    }
                    byte[] pfd = {0, 0, 0, 0, 1, 0, 0, 0}; // fd 0, POLLIN
                    if (c.poll(pfd, 1, (int) Math.min(left, 1000)) <= 0) {
                        continue;
                    }
                    long r = c.read(0, chunk, Math.min(chunk.length, len - off));
                    if (r == 0) {
                        throw new IOException("the migration sender ended the stream before the " + what);
                    }
                    if (r < 0) {
                        throw new IOException("reading the migration stream: "
                                + c.strerror(jnr.ffi.Runtime.getRuntime(c).getLastError()));
                    }
                    System.arraycopy(chunk, 0, b, off, (int) r);
                    off += (int) r;
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                SaveImage.writeAll(1, off == 0 && len == b.length ? b : Arrays.copyOfRange(b, off, off + len));
            }

            @Override
            public void flush() {
                // written straight to fd 1
            }
        };
    }
}
