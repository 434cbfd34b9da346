package dev.dmjail.config.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dmjail.config.ConfigException;
import dev.dmjail.config.XlConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Issue 4, part 5: property-based fuzzing of the xl.cfg parser over mutations of the corpus
 * (config/src/test/resources/xl-corpus): byte flips, truncation, token splicing between two files,
 * and random KEY=VALUE overrides. Whatever the input, {@link XlConfigLoader#parse} returns a domain
 * or throws {@link ConfigException} with one line {@code FILE:LINE: ...} — never another exception,
 * never a hang (each parse has a 5 s budget), never a host effect (parse() reads no file; a canary
 * path named in the mutations must not come to exist).
 */
class ParserFuzzTest {

    static final Path FILE = Path.of("/fuzz/guest.cfg");
    static final Path CANARY = Path.of("target", "fuzz-canary-must-not-exist").toAbsolutePath();
    static final List<String> CORPUS = load();
    static final ExecutorService EXEC = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "parser-fuzz");
        t.setDaemon(true);
        return t;
    });

    static final List<String> KEYS = List.of("name", "type", "builder", "memory", "maxmem", "vcpus", "maxvcpus", "uuid",
            "kernel", "ramdisk", "cmdline", "extra", "root", "disk", "vif", "serial", "boot", "on_poweroff", "on_reboot",
            "on_crash", "dm_restrict", "device_model_user", "device_model_override", "device_model_version",
            "device_model_args", "device_model_args_hvm", "vnc", "sdl", "dmjail_seccomp", "dmjail_root", "x", "Name",
            "a.b", "", "=", "name name");
    static final List<String> VALUES = List.of("\"g\"", "'g'", "1", "0", "-1", "0x10", "010", "99999999999999999999",
            "[ \"a\", \"b\" ]", "[", "]", "[ ]", "\"", "'", "\"\\x41\"", "\"\\101\"", "\"\\q\"", "\"a\nb\"", "\"\0\"",
            "\"target=" + CANARY + "\"", "[ \"format=raw, vdev=hda, target=" + CANARY + "\" ]", "\"pty\"", "hvm",
            "\"hvm\"", "1.5", "\"" + "x".repeat(5000) + "\"", "[" + "\"a\",".repeat(2000) + "\"a\"]", "\u00e9\u2603", "#",
            "\"a\" \"b\"", ";", "\"\\\\\"", "");

    static List<String> load() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("src", "test", "resources", "xl-corpus"), "*.cfg")) {
            for (Path p : ds) {
                out.add(Files.readString(p, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        out.sort(null);
        return out;
    }

    /** The one property: a domain, or one-line ConfigException FILE:LINE:, within 5 s. */
    static void check(String text, List<String> overrides) {
        Future<?> f = EXEC.submit(() -> {
            try {
                XlConfigLoader.parse(FILE, text, overrides);
            } catch (ConfigException e) {
                String m = e.getMessage();
                assertFalse(m.contains("\n") || m.contains("\r"), "multi-line message: " + m);
                // FILE:LINE: at a line, FILE: without one (a missing key), never FILE:0:
                Matcher mm = Pattern.compile("^" + Pattern.quote(FILE.toString()) + "(:[1-9]\\d*)?: .*", Pattern.DOTALL).matcher(m);
                assertTrue(mm.matches(), "not FILE[:LINE]: " + m);
                assertTrue(e.file() != null && e.line() >= 0 && (e.line() > 0) == (mm.group(1) != null), m);
            }
            return null;
        });
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            fail("the parser hung (> 5 s) on " + describe(text, overrides));
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof AssertionError a) {
                throw new AssertionError(a.getMessage() + " for " + describe(text, overrides), a);
            }
            throw new AssertionError("the parser threw " + c + " for " + describe(text, overrides), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    static String describe(String text, List<String> overrides) {
        String t = text.length() > 300 ? text.substring(0, 300) + "..." : text;
        return "text <<" + t.replace("\n", "\\n") + ">> overrides " + overrides;
    }

    // ---- mutations ----

    @Provide
    Arbitrary<String> corpus() {
        return Arbitraries.of(CORPUS);
    }

    @Property(tries = 2000)
    void byteFlips(@ForAll("corpus") String base, @ForAll("flips") List<int[]> flips) {
        byte[] b = base.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length == 0) return;
        for (int[] fl : flips) {
            b[Math.floorMod(fl[0], b.length)] = (byte) fl[1];
        }
        check(new String(b, StandardCharsets.ISO_8859_1), List.of());
    }

    @Provide
    Arbitrary<List<int[]>> flips() {
        Arbitrary<int[]> one = Combinators.combine(Arbitraries.integers().between(0, 1 << 16),
                Arbitraries.oneOf(Arbitraries.integers().between(0, 255),
                        Arbitraries.of((int) '"', (int) '\'', (int) '[', (int) ']', (int) ',', (int) '=', (int) '\n',
                                (int) '\\', (int) '#', 0, (int) ';', 0xff)))
                .as((pos, val) -> new int[] {pos, val});
        return one.list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 1000)
    void truncation(@ForAll("corpus") String base, @ForAll("fraction") double cut) {
        check(base.substring(0, (int) (base.length() * cut)), List.of());
    }

    @Provide
    Arbitrary<Double> fraction() {
        return Arbitraries.doubles().between(0, 1);
    }

    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"(?:[^\"\\\\\n]|\\\\.)*\"?|'[^'\n]*'?|[A-Za-z0-9_.]+|\\s+|.", Pattern.DOTALL).matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    @Property(tries = 2000)
    void tokenSplicing(@ForAll("corpus") String a, @ForAll("corpus") String b, @ForAll("fraction") double from,
                       @ForAll("fraction") double to, @ForAll("fraction") double at) {
        List<String> ta = tokens(a);
        List<String> tb = tokens(b);
        int i = (int) (tb.size() * Math.min(from, to));
        int j = (int) (tb.size() * Math.max(from, to));
        int k = (int) (ta.size() * at);
        List<String> out = new ArrayList<>(ta.subList(0, k));
        out.addAll(tb.subList(i, j));
        out.addAll(ta.subList(k, ta.size()));
        check(String.join("", out), List.of());
    }

    @Property(tries = 2000)
    void overrides(@ForAll("corpus") String base, @ForAll("override") List<String> ovs) {
        check(base, ovs);
    }

    @Provide
    Arbitrary<List<String>> override() {
        Arbitrary<String> kv = Combinators.combine(Arbitraries.oneOf(Arbitraries.of(KEYS),
                        Arbitraries.strings().ofMaxLength(8)),
                Arbitraries.oneOf(Arbitraries.of(VALUES), Arbitraries.strings().ofMaxLength(12)),
                Arbitraries.of("=", "+=", "", " = ", "=="))
                .as((k, v, op) -> k + op + v);
        return kv.list().ofMinSize(1).ofMaxSize(4);
    }

    @AfterContainer
    static void nothingTouched() {
        assertFalse(Files.exists(CANARY), "the parser created a file it was only told about: " + CANARY);
    }
}
