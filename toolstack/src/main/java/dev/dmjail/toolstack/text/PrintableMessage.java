package dev.dmjail.toolstack.text;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * logback's {@code %safemsg}: the log message as {@link Printable#line} shows it. Warnings quote
 * config values and device-model output, and they go to the admin's terminal like every message.
 */
public final class PrintableMessage extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return Printable.line(event.getFormattedMessage());
    }
}
