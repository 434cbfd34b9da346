package dev.dmjail.toolstack;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The /init of a guest whose state lives in its memory: it prints "TAG-boot" once, then counts in a
 * shell variable and prints "TAG-tick N" each second on its serial line. After a save/restore or a
 * migration the count goes on from where it was, with no second "TAG-boot", only if the memory came along.
 */
public record CountingGuest(String tag) {

    public String init() {
        return String.join("\n", "#!/bin/sh", "export PATH=/bin", "echo " + boot(),
                "i=0; while true; do i=$((i+1)); echo \"" + tag + "-tick $i\"; busybox sleep 1; done", "");
    }

    /** What the guest prints once, when it boots. */
    public String boot() {
        return tag + "-boot";
    }

    public String tick(int n) {
        return tag + "-tick " + n;
    }

    /** The last count in {@code console}, or -1. */
    public int last(String console) {
        Matcher m = pattern().matcher(console);
        int last = -1;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    /** The first count in {@code console}, or -1. */
    public int first(String console) {
        Matcher m = pattern().matcher(console);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private Pattern pattern() {
        return Pattern.compile(Pattern.quote(tag) + "-tick (\\d+)");
    }
}
