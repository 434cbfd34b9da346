package dev.dmjail.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: reads an xl.cfg file plus command-line overrides ({@code xl create guest.cfg memory=512}),
 * parses them with the xl grammar and builds the domain. Either a complete result or a
 * {@link ConfigException}; never a partial result.
 */
public final class XlConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(XlConfigLoader.class);

    private XlConfigLoader() { }

    public static ParsedDomain load(Path file, List<String> overrides) throws ConfigException {
        return load(file, overrides, HostFacts.thisHost());
    }

    /** As {@link #load(Path, List)}, with the host facts xl would get from libxl (the parity test's fake host). */
    public static ParsedDomain load(Path file, List<String> overrides, HostFacts facts) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, null, "unable to open configuration file: No such file or directory");
        } catch (IOException e) {
            throw new ConfigException(file, 0, null, "unable to read configuration file: " + e.getMessage());
        }
        return parse(file, text, overrides, facts);
    }

    /**
     * One xl disk spec (xl-disk-configuration(5)) as xl block-attach reads its arguments; the message of
     * the exception is xl's.
     */
    public static DiskSpec parseDiskSpec(String spec) throws IllegalArgumentException {
        try {
            return DiskSpecParser.parse(spec);
        } catch (DiskSpecParser.DiskError e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** One xl vif spec (xl-network-configuration(5)) as xl network-attach reads it, as vif {@code devid}. */
    public static VifSpec parseVifSpec(String spec, int devid, List<String> warnings) throws IllegalArgumentException {
        try {
            List<String> ignored = new java.util.ArrayList<>();
            VifSpec v = VifSpecParser.parse(spec, devid, warnings, ignored);
            if (!ignored.isEmpty()) {
                throw new IllegalArgumentException(ignored.get(0)); // xl would attach without it; refused
            }
            return v;
        } catch (VifSpecParser.VifError e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** Same as {@link #load} for text already in memory; {@code file} is used in messages. */
    public static ParsedDomain parse(Path file, String text, List<String> overrides) throws ConfigException {
        return parse(file, text, overrides, HostFacts.thisHost());
    }

    /** As {@link #parse(Path, String, List)}, with the given host facts. */
    public static ParsedDomain parse(Path file, String text, List<String> overrides, HostFacts facts) throws ConfigException {
        List<String> ovs = overrides == null ? List.of() : overrides;
        for (String o : ovs) {
            // xl create takes an argument as an override only if it contains '='
            if (o.indexOf('=') < 0) {
                throw new ConfigException(file, 0, null, "command-line override `" + o + "' is not KEY=VALUE");
            }
        }
        XlConfig raw = XlParser.parse(file, text, ovs);
        ParsedDomain parsed = DomainBuilder.build(raw, facts);
        for (String w : parsed.warnings()) LOG.debug("{}", w); // callers report warnings themselves
        return parsed;
    }
}
