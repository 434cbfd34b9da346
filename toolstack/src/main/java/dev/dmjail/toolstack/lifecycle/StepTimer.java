package dev.dmjail.toolstack.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs how long each step of a lifecycle operation took (shown with -v). */
final class StepTimer {
    private static final Logger LOG = LoggerFactory.getLogger(StepTimer.class);
    private final String what;
    private long last = System.nanoTime();

    StepTimer(String what) { this.what = what; }

    void step(String done) {
        long now = System.nanoTime();
        LOG.info("{}: {} in {} ms", what, done, (now - last) / 1_000_000);
        last = now;
    }
}
