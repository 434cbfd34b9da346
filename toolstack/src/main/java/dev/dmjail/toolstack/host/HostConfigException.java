package dev.dmjail.toolstack.host;

/** A bad host config: the message is one line, {@code FILE:LINE: KEY: what is wrong}. */
public class HostConfigException extends Exception {
    public HostConfigException(String message) { super(message); }
}
