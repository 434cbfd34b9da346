package dev.dmjail.toolstack.layer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one of the host's own tools (ip, nft) for a layer: a non-zero exit becomes a {@link LayerException}. */
final class HostTool {

    private HostTool() {}

    /**
     * @param what  how the error names the command
     * @param stdin written to the tool's stdin, or null
     * @return the tool's output (stdout and stderr), at most 64 KiB
     */
    static String run(String layer, String what, List<String> cmd, String stdin) throws LayerException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.US_ASCII));
                }
            }
            String out = new String(p.getInputStream().readNBytes(1 << 16), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new LayerException(layer, what, out.isEmpty() ? "failed" : out);
            }
            return out;
        } catch (IOException e) {
            throw new LayerException(layer, what, e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LayerException(layer, what, "interrupted");
        }
    }
}
