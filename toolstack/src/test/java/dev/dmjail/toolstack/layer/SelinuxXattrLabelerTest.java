package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real labeler on a tmpfs, which stores security.* attributes without SELinux (so the xattr
 * path runs here for real, though no policy enforces the label): set and read back through an
 * O_PATH fd, and a directory swapped for a symlink is refused instead of followed.
 */
class SelinuxXattrLabelerTest {

    @TempDir
    Path tmp;

    @Test
    void labelsTheOpenedFileAndRefusesSymlinksOnThePath() throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("fs"));
        assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "tmpfs", mnt.toString()).inheritIO().start().waitFor());
        try {
            Path img = Files.writeString(mnt.resolve("guest.img"), "disk");
            Path real = Files.createDirectory(mnt.resolve("real"));
            Path victim = Files.writeString(real.resolve("shadow"), "host file");
            Path link = Files.createSymbolicLink(mnt.resolve("d"), real);
            SelinuxXattrLabeler l = new SelinuxXattrLabeler();
            assertEquals(Optional.empty(), l.get(img));
            l.set(img, "system_u:object_r:svirt_image_t:s0:c1,c2");
            assertEquals(Optional.of("system_u:object_r:svirt_image_t:s0:c1,c2"), l.get(img));
            IOException e = assertThrows(IOException.class, () -> l.set(link.resolve("shadow"), "system_u:object_r:svirt_image_t:s0:c1,c2"));
            assertTrue(e.getMessage().contains("a symlink on the path: refused"), e.getMessage());
            assertEquals(Optional.empty(), l.get(victim), "the file behind the symlink was not labelled");
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }
}
