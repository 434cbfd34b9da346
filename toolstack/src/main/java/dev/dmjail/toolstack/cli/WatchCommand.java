package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DomainWatcher;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail watch}: the host's one watcher (the dmjail-watch systemd unit runs it). */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Run the host's watcher in the foreground (the dmjail-watch systemd unit runs it): it carries out "
                + "the on_poweroff / on_crash actions QEMU cannot (restart, coredump-destroy, coredump-restart; destroy of "
                + "a panicked guest whose on_poweroff keeps it) and cleans up domains whose device model exited as soon "
                + "as it notices. One process for the whole host; domains that need none of this cost it nothing but a "
                + "look at their state file.",
                "create refuses a domain that needs it while it is not running."})
public final class WatchCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--interval", paramLabel = "MS", defaultValue = "500",
            description = "how often to look (default: ${DEFAULT-VALUE} ms)")
    long intervalMillis;

    @Override
    public Integer call() throws DmjailException {
        if (intervalMillis < 50 || intervalMillis > 60_000) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "watch: --interval must be 50..60000 ms");
        }
        Privileges.requireRoot("watch");
        Toolstack ts = main.toolstack();
        try {
            new DomainWatcher(ts.manager(), ts.policy().logDir()).run(intervalMillis);
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "watch: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCodes.OK;
    }
}
