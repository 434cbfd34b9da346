package dev.dmjail.toolstack.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** dmjail's SLF4J provider: one escaped line per message on stderr, at the CLI's one level. */
class StderrLoggingTest {

    private static String logged(Runnable r) {
        PrintStream was = System.err;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setErr(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(was);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void oneEscapedLinePerMessageAtTheLevelSet() {
        Logger log = LoggerFactory.getLogger("dev.dmjail.test.StderrLoggingTest");
        assertTrue(log.getClass().getName().startsWith(StderrLogging.class.getName()), log.getClass().getName());
        try {
            StderrLogging.setLevel(Level.WARN);
            assertEquals("dmjail: WARN: vdev \\x1b[31mhda: 2 of 3\n", logged(() -> {
                log.info("not shown");
                log.warn("vdev {}: {} of {}", "\u001b[31mhda", 2, 3);
            }));
            assertEquals("", logged(() -> log.debug("no")));
            StderrLogging.setLevel(Level.DEBUG);
            assertTrue(log.isDebugEnabled());
            assertEquals("dmjail: DEBUG: a\\x0ab\ndmjail: ERROR: e\n", logged(() -> {
                log.debug("a\nb");
                log.error("e", new RuntimeException("the layout never printed throwables"));
            }));
            StderrLogging.setLevel(Level.ERROR);
            assertEquals("", logged(() -> log.warn("quiet")));
        } finally {
            StderrLogging.setLevel(Level.WARN);
        }
    }

    @Test
    void aListenerGetsItsLoggersInfoLines() {
        List<String> got = new ArrayList<>();
        StderrLogging.listen("dev.dmjail.test.Listened", got::add, false);
        Logger log = LoggerFactory.getLogger("dev.dmjail.test.Listened");
        assertEquals("", logged(() -> {
            log.info("create {}: planned in {} ms", "x", 20);
            log.debug("below INFO: not given");
        }));
        assertEquals(List.of("create x: planned in 20 ms"), got);
    }
}
