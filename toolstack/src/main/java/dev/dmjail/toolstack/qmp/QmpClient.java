package dev.dmjail.toolstack.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A minimal QMP client (docs/interop/qmp-spec.txt): read the greeting, negotiate capabilities, send
 * commands, skip asynchronous events. Every read has a deadline, so a device model that accepted
 * the connection but hangs cannot hang the toolstack.
 */
public final class QmpClient implements AutoCloseable {


    private final SocketChannel ch;
    private final Selector selector;
    private final QmpLines pending = new QmpLines(MAX_MESSAGE_BYTES);

    private QmpClient(SocketChannel ch) throws IOException {
        this.ch = ch;
        ch.configureBlocking(false);
        this.selector = Selector.open();
        ch.register(selector, SelectionKey.OP_READ);
    }

    /** Connects and completes the qmp_capabilities handshake before {@code deadlineNanos}. */
    public static QmpClient connect(Path socket, long deadlineNanos) throws IOException {
        SocketChannel ch = open(socket, deadlineNanos);
        try {
            QmpClient c = new QmpClient(ch);
            JsonNode greeting = c.readMessage(deadlineNanos);
            if (!greeting.has("QMP")) {
                throw new IOException("not a QMP greeting: " + greeting);
            }
            c.execute("qmp_capabilities", deadlineNanos);
            return c;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * A connected channel, by the deadline. A connect(2) to a UNIX socket blocks, with no timeout, once its
     * listen backlog is full — what a device model that stopped accepting (hung, or serving another client)
     * leaves after a few polls — so the connect is non-blocking and retried until the deadline.
     */
    private static SocketChannel open(Path socket, long deadlineNanos) throws IOException {
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.configureBlocking(false);
                if (ch.connect(UnixDomainSocketAddress.of(socket))) {
                    return ch;
                }
                try (Selector s = Selector.open()) {
                    ch.register(s, SelectionKey.OP_CONNECT);
                    while (!ch.finishConnect()) {
                        long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
                        if (left <= 0) {
                            throw new IOException("QMP: no connection in time");
                        }
                        s.select(left);
                    }
                }
                return ch;
            } catch (IOException e) {
                ch.close();
                // EAGAIN: the backlog is full; anything else (no such socket, refused) is final
                String m = String.valueOf(e.getMessage());
                if (!m.contains("temporarily unavailable") || System.nanoTime() >= deadlineNanos) {
                    throw e.getMessage() != null && m.contains("temporarily unavailable")
                            ? new IOException("QMP: the device model accepts no connection (its backlog is full)") : e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
    }

    /** Runs one command and returns its "return" value; a QMP error becomes an IOException. */
    public JsonNode execute(String command, long deadlineNanos) throws IOException {
        return execute(command, null, deadlineNanos);
    }

    /**
     * Runs one command with {@code arguments} (a JSON object, or null for none) and returns its
     * "return" value; a QMP error becomes an IOException.
     */
    public JsonNode execute(String command, JsonNode arguments, long deadlineNanos) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode msg = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("execute", command);
        if (arguments != null) {
            msg.set("arguments", arguments);
        }
        byte[] req = (dev.dmjail.toolstack.text.JsonTrees.write(msg) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(req);
        while (b.hasRemaining()) {
            if (ch.write(b) == 0) { // the device model reads nothing: wait for room, by the deadline
                if (System.nanoTime() >= deadlineNanos) {
                    throw new IOException("QMP: the device model reads no command");
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
        while (true) {
            JsonNode m = readMessage(deadlineNanos);
            if (m.has("return")) {
                return m.get("return");
            }
            if (m.has("error")) {
                throw new IOException("QMP " + command + ": " + m.get("error"));
            }
            // an event: skip
        }
    }

    private JsonNode readMessage(long deadlineNanos) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        JsonNode m;
        while ((m = pending.take()) == null) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("QMP: no answer in time");
            }
            selector.select(left);
            selector.selectedKeys().clear();
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                throw new IOException("QMP: connection closed by the device model");
            }
            pending.add(buf.array(), 0, n);
        }
        return m;
    }

    /** The answers dmjail reads are a few hundred bytes; QEMU's largest (query-qmp-schema) ~200 KiB. */
    static final int MAX_MESSAGE_BYTES = 1 << 20;

    @Override
    public void close() throws IOException {
        selector.close();
        ch.close();
    }
}
