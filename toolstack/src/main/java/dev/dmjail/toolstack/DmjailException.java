package dev.dmjail.toolstack;

/** A failure the CLI reports as one line with the exit code of its kind ({@link ExitCodes}). */
public class DmjailException extends Exception {
    private final int exitCode;

    public DmjailException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }

    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
