package dev.dmjail.toolstack;

/** Polls a condition of the real host until it holds or the time is up (tests of real guests, under TCG). */
public final class Wait {
    private Wait() {}

    /** A condition read from the host (a file, a command's output, QMP). */
    public interface Check {
        boolean holds() throws Exception;
    }

    /** True as soon as {@code c} holds; false if it still does not after {@code seconds}. */
    public static boolean until(int seconds, Check c) throws Exception {
        for (long end = System.nanoTime() + seconds * 1_000_000_000L; System.nanoTime() < end; Thread.sleep(300)) {
            if (c.holds()) {
                return true;
            }
        }
        return c.holds();
    }
}
