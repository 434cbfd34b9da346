package dev.dmjail.toolstack.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QmpLinesTest {

    private static void add(QmpLines l, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        l.add(b, 0, b.length);
    }

    @Test
    void messagesSplitAndJoinedAcrossReadsComeOutWholeAndInOrder() throws IOException {
        QmpLines l = new QmpLines(1024);
        add(l, "{\"a\":");
        assertNull(l.take());
        add(l, "1}\n{\"b\":2}\n{\"c\"");
        assertEquals(1, l.take().path("a").asInt());
        assertEquals(2, l.take().path("b").asInt());
        assertNull(l.take());
        add(l, ":3}\n");
        assertEquals(3, l.take().path("c").asInt());
        assertNull(l.take());
    }

    @Test
    void aLineWithoutEndPastTheBoundIsRefused() throws IOException {
        QmpLines l = new QmpLines(100);
        add(l, "x".repeat(90));
        IOException e = assertThrows(IOException.class, () -> add(l, "x".repeat(20)));
        assertTrue(e.getMessage().contains("longer than 100 bytes"), e.getMessage());
    }

    @Test
    void manyWholeMessagesTogetherMayExceedTheBoundOfOne() throws IOException {
        QmpLines l = new QmpLines(100);
        add(l, "{\"n\":1}\n".repeat(40)); // 320 bytes, each message small
        for (int i = 0; i < 40; i++) {
            assertEquals(1, l.take().path("n").asInt());
        }
        assertNull(l.take());
    }
}
