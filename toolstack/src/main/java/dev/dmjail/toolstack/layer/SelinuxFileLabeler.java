package dev.dmjail.toolstack.layer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads and sets a file's SELinux label (the security.selinux xattr, as lgetfilecon/lsetfilecon do). */
public interface SelinuxFileLabeler {
    Optional<String> get(Path file) throws IOException;

    void set(Path file, String label) throws IOException;
}
