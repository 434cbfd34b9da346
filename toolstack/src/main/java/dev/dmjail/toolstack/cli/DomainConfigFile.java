package dev.dmjail.toolstack.cli;

import dev.dmjail.config.ConfigException;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.sys.SafeFile;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a domain config that a tenant may have written: a regular file of bounded size, opened
 * without blocking (a FIFO in its place would hang {@code create -n} forever, and /dev/zero would
 * exhaust the heap), decoded as strict UTF-8, then parsed as xl parses it.
 */
final class DomainConfigFile {
    /** xl configs are a few KiB; 1 MiB is far past any real one. */
    static final long MAX_BYTES = 1 << 20;

    private DomainConfigFile() {}

    static ParsedDomain load(Path file, List<String> overrides) throws ConfigException {
        byte[] bytes;
        try {
            bytes = SafeFile.readRegularFile(file.toAbsolutePath().toString(), MAX_BYTES);
        } catch (SafeFile.Refused e) {
            String why = e.getMessage();
            throw new ConfigException(file, 0, null, (why.startsWith("No such file") ? "unable to open" : "unable to read")
                    + " configuration file: " + why);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, 0, null, "unable to read configuration file: it is not valid UTF-8");
        }
        return XlConfigLoader.parse(file, text, overrides);
    }
}
