package dev.dmjail.toolstack.text;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * dmjail's logging: the SLF4J provider (found through META-INF/services, or named by bin/dmjail's
 * {@code -Dslf4j.provider}) that writes each message to stderr as {@code dmjail: LEVEL: message}, the
 * message as {@link Printable#line} shows it (warnings quote config values and device-model output);
 * stdout carries the command's result. One level for the whole CLI ({@code -q}, {@code -v}, {@code -vv}).
 * It replaced logback, whose initialisation (its context, status manager, configurator lookup, appender
 * and encoder) was ~30 ms of every cold command (issue 14); the CLI used none of logback's features
 * beyond that one stderr line.
 */
public final class StderrLogging implements SLF4JServiceProvider {

    private static volatile int threshold = Level.WARN.toInt();
    /** In-process listeners (a bench in the toolstack's JVM): logger name → what it is given. */
    private static final Map<String, Listener> LISTENERS = new ConcurrentHashMap<>();

    private record Listener(Consumer<String> messages, boolean alsoStderr) {}

    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, Stderr::new);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    /** Messages at {@code level} and above are written; the rest are not even formatted. */
    public static void setLevel(Level level) {
        threshold = level.toInt();
    }

    /**
     * Also gives the formatted messages of logger {@code name} at INFO and above to {@code messages}
     * (and, unless {@code alsoStderr} is false, writes them as any other): for code that runs the
     * toolstack in its own JVM and wants its step timings (bench/run's CreateBench).
     */
    public static void listen(String name, Consumer<String> messages, boolean alsoStderr) {
        LISTENERS.put(name, new Listener(messages, alsoStderr));
    }

    @Override public ILoggerFactory getLoggerFactory() { return factory; }
    @Override public IMarkerFactory getMarkerFactory() { return markers; }
    @Override public MDCAdapter getMDCAdapter() { return mdc; }
    @Override public String getRequestedApiVersion() { return "2.0.99"; }
    @Override public void initialize() {}

    private static final class Stderr extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        Stderr(String name) { this.name = name; }

        private boolean on(Level l) {
            return l.toInt() >= threshold || l.toInt() >= Level.INFO.toInt() && LISTENERS.containsKey(name);
        }

        @Override public boolean isTraceEnabled() { return on(Level.TRACE); }
        @Override public boolean isDebugEnabled() { return on(Level.DEBUG); }
        @Override public boolean isInfoEnabled() { return on(Level.INFO); }
        @Override public boolean isWarnEnabled() { return on(Level.WARN); }
        @Override public boolean isErrorEnabled() { return on(Level.ERROR); }

        @Override protected String getFullyQualifiedCallerName() { return null; }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            String msg = MessageFormatter.basicArrayFormat(pattern, args);
            Listener l = level.toInt() >= Level.INFO.toInt() ? LISTENERS.get(name) : null;
            if (l != null) {
                l.messages().accept(msg);
            }
            if (level.toInt() >= threshold && (l == null || l.alsoStderr())) {
                System.err.print("dmjail: " + level + ": " + Printable.line(msg) + "\n");
            }
        }
    }
}
