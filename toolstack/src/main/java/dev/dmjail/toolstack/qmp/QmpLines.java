package dev.dmjail.toolstack.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes a device model sent on QMP, cut into its newline-ended JSON messages, with a bound: the
 * device model writes QMP, and a line without end must not cost the toolstack its heap. Each byte is
 * scanned for the newline once.
 */
final class QmpLines {
    private final int maxMessageBytes;
    private byte[] buf = new byte[4096];
    private int len;
    private int scanned;

    QmpLines(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Adds what was read; a message longer than the bound is an IOException. */
    void add(byte[] b, int off, int n) throws IOException {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
        System.arraycopy(b, off, buf, len, n);
        len += n;
        if (newline() < 0 && len > maxMessageBytes) {
            throw new IOException("QMP: the device model sent a message longer than " + maxMessageBytes + " bytes");
        }
    }

    /** The next whole message, or null when none has been received whole yet. */
    JsonNode take() throws IOException {
        int nl = newline();
        if (nl < 0) {
            return null;
        }
        String line = new String(buf, 0, nl, StandardCharsets.UTF_8);
        System.arraycopy(buf, nl + 1, buf, 0, len - nl - 1);
        len -= nl + 1;
        scanned = 0;
        return dev.dmjail.toolstack.text.JsonTrees.parse(line); // no ObjectMapper: list and audit ask QMP from a cold CLI
    }

    /** The index of the first newline, or -1 (the bytes scanned without one are not scanned again). */
    private int newline() {
        for (int i = scanned; i < len; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        scanned = len;
        return -1;
    }
}
