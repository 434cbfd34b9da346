package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.text.Printable;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.text.ConsoleFilter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One session on a domain's serial socket (QEMU's {@code -chardev socket,server=on}; the launcher
 * bound it 0600 root in the state dir). Guest output goes to stdout — through {@link ConsoleFilter}
 * when stdout is a terminal — and stdin goes to the guest. On a terminal the session is raw
 * ({@link RawTerminal}) and Ctrl-] ends it; otherwise it ends when stdin has ended and the guest
 * has then been quiet for the linger time, so that a script sees the answer to what it sent.
 * It also ends when the guest's side closes (the device model exited or was destroyed).
 * Everything is read in chunks of at most {@value #CHUNK} bytes and written on at once: nothing the
 * guest sends accumulates. One session at a time: QEMU's socket chardev serves one client and lets
 * a second wait in the listen backlog without a word, so the session holds the domain's console
 * lock and a second one is refused.
 */
final class SerialSession {

    static final int CHUNK = 8192;
    /** Ctrl-], telnet's and virsh's escape. */
    static final int ESCAPE = 0x1d;

    private final String name;
    private final DomainPaths paths;
    private final PrintWriter out;
    private final PrintWriter err;
    private final long lingerNanos;
    private volatile long lastActivity = System.nanoTime();

    SerialSession(String name, DomainPaths paths, PrintWriter out, PrintWriter err, long lingerMillis) {
        this.name = name;
        this.paths = paths;
        this.out = out;
        this.err = err;
        this.lingerNanos = lingerMillis * 1_000_000L;
    }

    int run() throws DmjailException {
        try {
            return attach();
        } catch (IOException e) { // the lock file, the socket or stty: one line, no trace
            throw new DmjailException(ExitCodes.FAILED, "console: " + name + ": " + e.getMessage());
        }
    }

    private int attach() throws DmjailException, IOException {
        Path socket = paths.serialSocket();
        String none = "console: " + name + " has no serial console socket (serial = \"none\", or created by an older "
                + "dmjail); dmjail console -r " + name + " shows its console log";
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new DmjailException(ExitCodes.NOT_FOUND, none);
        }
        FileChannel lockFile;
        try {
            lockFile = FileChannel.open(paths.consoleLock(), StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new DmjailException(ExitCodes.NOT_FOUND, none);
        }
        try (lockFile; FileLock lock = tryLock(lockFile); SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new DmjailException(ExitCodes.FAILED, "console: " + name + ": cannot connect to the serial console ("
                        + e.getMessage() + ")");
            }
            boolean terminal = System.console() != null;
            try (RawTerminal raw = terminal ? RawTerminal.enter() : null) {
                if (terminal) {
                    err.print("dmjail: attached to the serial console of " + Printable.line(name) + "; Ctrl-] ends the session\r\n");
                    err.flush();
                }
                Thread input = new Thread(() -> sendInput(ch, terminal), "dmjail-console-input");
                input.setDaemon(true); // blocked in a read of stdin when the guest's side closes
                input.start();
                copyOutput(ch, terminal ? new ConsoleFilter() : null);
            }
            if (terminal) {
                err.println("dmjail: console session of " + Printable.line(name) + " ended");
            }
            return ExitCodes.OK;
        }
    }

    private FileLock tryLock(FileChannel lockFile) throws DmjailException, IOException {
        FileLock l;
        try {
            l = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // this JVM holds it already
        }
        if (l == null) {
            throw new DmjailException(ExitCodes.FAILED, "console: " + name
                    + ": another console session is attached (one at a time; dmjail console -r " + name + " reads the log)");
        }
        return l;
    }

    /** Guest → stdout until the guest's side closes or the input side closes the channel. */
    private void copyOutput(SocketChannel ch, ConsoleFilter filter) {
        ByteBuffer bytes = ByteBuffer.allocate(CHUNK);
        CharBuffer chars = CharBuffer.allocate(CHUNK);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        while (true) {
            int n;
            try {
                n = ch.read(bytes);
            } catch (IOException e) { // closed by the input side (Ctrl-], linger over), or reset
                return;
            }
            if (n < 0) {
                return;
            }
            lastActivity = System.nanoTime();
            bytes.flip();
            utf8.decode(bytes, chars, false); // a sequence split across reads waits in bytes for the rest
            bytes.compact();
            chars.flip();
            out.write(filter != null ? filter.filter(chars) : chars.toString());
            chars.clear();
            out.flush();
            if (out.checkError()) { // stdout went away (a closed pipe)
                return;
            }
        }
    }

    /** stdin → guest; ends the session on Ctrl-] (terminal) or once stdin ended and the guest is quiet. */
    private void sendInput(SocketChannel ch, boolean terminal) {
        InputStream in = System.in;
        byte[] b = new byte[CHUNK];
        try {
            while (true) {
                int n = in.read(b);
                if (n < 0) {
                    break;
                }
                int send = n;
                boolean escape = false;
                for (int i = 0; terminal && i < n; i++) {
                    if (b[i] == ESCAPE) {
                        send = i;
                        escape = true;
                        break;
                    }
                }
                ByteBuffer bb = ByteBuffer.wrap(b, 0, send);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
                if (escape) {
                    return;
                }
            }
            lastActivity = System.nanoTime();
            while (!terminal && System.nanoTime() - lastActivity < lingerNanos) {
                Thread.sleep(20);
            }
        } catch (IOException e) {
            // the guest's side closed: the output side has ended too
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                ch.close(); // wakes the output side's read
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
