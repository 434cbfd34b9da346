package dev.dmjail.toolstack.text;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * dmjail's logging, set up in code (found by logback through META-INF/services) instead of a
 * logback.xml: every command starts logging, and the XML configurator (Joran: its parser, actions and
 * model processors, a few hundred classes) costs start-up time a command as short as `list` notices.
 * Messages go to stderr only (stdout carries the command's result) as {@code dmjail: LEVEL: message},
 * the message as {@link Printable#line} shows it: warnings quote config values and device-model output.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LayoutBase<ILoggingEvent> layout = new LayoutBase<>() {
            @Override
            public String doLayout(ILoggingEvent e) {
                return "dmjail: " + e.getLevel() + ": " + Printable.line(e.getFormattedMessage()) + "\n";
            }
        };
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
