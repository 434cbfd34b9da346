package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Reads and atomically writes the install manifest (JSON, mode 0644, directory created 0755). */
public final class ManifestStore {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Path path;

    public ManifestStore(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    public Optional<InstallManifest> read() throws IOException {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(path.toFile(), InstallManifest.class));
        } catch (IOException e) {
            throw new IOException("unreadable install manifest " + path + ": " + e.getMessage(), e);
        }
    }

    public void write(InstallManifest manifest) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        AtomicFileWriter.replace(path, (JSON.writeValueAsString(manifest) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), 0644);
    }

    public void delete() throws IOException {
        Files.deleteIfExists(path);
    }
}
