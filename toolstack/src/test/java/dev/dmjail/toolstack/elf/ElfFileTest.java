package dev.dmjail.toolstack.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ELF file a tenant can name (device_model_override) is read from one fd opened with no symlink on the way:
 * swapping the path after the open changes nothing that is read, a symlink swapped in before it is refused, and
 * malformed or hostile headers are a NotElfException, never an exception the planner does not expect nor a hang.
 */
class ElfFileTest {

    @TempDir
    Path tmp;

    private static final Path TRUE = Path.of("/usr/bin/true");
    private static final Path QEMU_IMG = Path.of("/usr/bin/qemu-img");

    @Test
    void theFileReadIsTheOneOpenedEvenWhenThePathIsSwappedAfterTheOpen() throws Exception {
        Path bin = tmp.resolve("qemu");
        Files.copy(QEMU_IMG, bin);
        ElfFile expected = ElfFile.parse(bin);
        SafeFile.Opened o = SafeFile.open(bin.toString(), Sys.O_RDONLY, 0);
        assertTrue(o.ok());
        try {
            // the tenant replaces the file (rename over it: a new inode at the same path) between check and use
            Path other = tmp.resolve("other");
            Files.copy(TRUE, other);
            Files.move(other, bin, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ElfFile read = ElfFile.parse(bin, o.fd());
            assertEquals(expected.identity(), read.identity(), "identity is the opened fd's");
            assertEquals(expected.needed(), read.needed(), "headers come from the opened file");
            assertNotEquals(ElfFile.parse(bin).identity(), read.identity(), "the path now names another file");
            assertNotEquals(ElfFile.parse(bin).needed(), read.needed());
        } finally {
            SafeFile.close(o.fd());
        }
    }

    @Test
    void aSymlinkSwappedInIsRefusedNotFollowed() throws Exception {
        Path bin = tmp.resolve("qemu");
        Files.createSymbolicLink(bin, QEMU_IMG);
        IOException e = assertThrows(IOException.class, () -> ElfFile.parse(bin));
        assertTrue(e.getMessage().contains("symlink"), e.getMessage());
        Path dir = tmp.resolve("dir");
        Files.createSymbolicLink(dir, QEMU_IMG.getParent());
        assertThrows(IOException.class, () -> ElfFile.parse(dir.resolve("qemu-img")), "a symlink in a directory component too");
        // ElfDependencies walks the links itself and opens where they end, so a binary named through one still resolves
        assertEquals(QEMU_IMG, ElfDependencies.resolve(bin).files().get(0));
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThrows(ElfFile.NotElfException.class, () -> ElfFile.parse(fifo));
            assertFalse(ElfFile.isElf64(fifo, -1));
        });
    }

    @Test
    void malformedHeadersAreNotElfNotACrash() throws Exception {
        byte[] good = Files.readAllBytes(TRUE);
        // only the ELF header: the program headers it points at are outside the file
        assertNotElf(Arrays.copyOf(good, 64));
        // program headers at an offset far past the end
        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(32, 1L << 40);
        assertNotElf(b);
        // a program header entry size too small for an Elf64_Phdr
        b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(54, (short) 8);
        assertNotElf(b);
        // a PT_INTERP larger than its bound (first program header made PT_INTERP with a 1 GiB size)
        b = good.clone();
        ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int ph = (int) w.getLong(32);
        w.putInt(ph, ElfFile.PT_INTERP).putLong(ph + 32, 1L << 30);
        assertNotElf(b);
    }

    private void assertNotElf(byte[] content) throws IOException {
        Path f = tmp.resolve("bad-" + System.nanoTime());
        Files.write(f, content);
        ElfFile.NotElfException e = assertThrows(ElfFile.NotElfException.class, () -> ElfFile.parse(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }
}
