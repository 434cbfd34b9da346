package dev.dmjail.toolstack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.text.Printable;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail mem-set NAME|DOMID MEM}: xl mem-set through the guest's virtio balloon. */
@Command(name = "mem-set", mixinStandardHelpOptions = true,
        description = {"Set a running domain's memory target, as xl mem-set does: MEM in MiB, or with a suffix b, k, m, "
                + "g, t (xl's units). The guest's balloon driver (virtio-balloon) gives memory back to the host or takes "
                + "it again, up to the memory it was created with; a guest without the driver keeps what it has.",
                "Returns at once, like xl; list shows the target."})
public final class MemSetCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "MEM")
    String mem;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("mem-set");
        long kib = parseKib(mem);
        if (kib <= 0) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "mem-set: invalid memory size: " + Printable.line(mem));
        }
        Toolstack ts = main.toolstack();
        DomainRecord r = DomainTarget.find(ts, "mem-set", domain);
        long maxMib = dev.dmjail.toolstack.lifecycle.DomainSaver.startedMiB(r);
        if (kib > maxMib * 1024) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "mem-set: " + (kib / 1024) + " MiB is more than the "
                    + maxMib + " MiB " + r.name() + " was created with (the balloon can only give back what it took)");
        }
        if (kib < 16 * 1024) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "mem-set: at least 16 MiB (a guest squeezed below that "
                    + "cannot run)");
        }
        JsonNode args = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("value", kib * 1024);
        DomainTarget.qmp(ts, "mem-set", r, "balloon", args);
        try {
            ts.store().<Void, IOException>locked(() -> {
                ts.store().reread(r).ifPresent(cur -> {
                    try {
                        ts.store().write(cur.withMemory(kib / 1024));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                return null;
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DmjailException(ExitCodes.FAILED, "mem-set: the target is set, but recording it failed: " + e.getMessage());
        }
        return ExitCodes.OK;
    }

    /** xl's parse_mem_size_kb: a number with an optional one-letter suffix; none means MiB. -1 when invalid. */
    static long parseKib(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,12})([bkmgtBKMGT]?)").matcher(s);
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "t" -> n << 30;
            case "g" -> n << 20;
            case "", "m" -> n << 10;
            case "k" -> n;
            case "b" -> n >> 10;
            default -> -1;
        };
    }
}
