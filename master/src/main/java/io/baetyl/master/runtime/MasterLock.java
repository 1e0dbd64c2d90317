package io.baetyl.master.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One master per working dir. A second {@code baetyl start} on the same dir (a hand-run start while systemd's master
 * runs) would recover the first one's instances as a crashed master's orphans, stopping them, take over its API
 * socket and start a second hub on the same data files. So a start first takes an exclusive lock on
 * {@code var/run/baetyl.pid} and writes its PID there; the kernel drops the lock when the process ends, however it
 * ends, so a file left by a {@code kill -9} does not block the next start.
 */
public final class MasterLock implements AutoCloseable {
    /** Relative to the working dir, next to the API socket's default place. */
    public static final String FILE = "var/run/baetyl.pid";

    private final FileChannel channel;
    private final FileLock lock;

    private MasterLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Another master holds the working dir; {@code pid} is what its PID file says, or null when unreadable. */
    public static final class HeldException extends Exception {
        private final String pid;

        HeldException(Path file, String pid) {
            super("another master is running in this working dir (pid " + (pid == null ? "unknown" : pid) + ", "
                    + file + "); stop it first (systemctl stop baetyl, or kill -TERM "
                    + (pid == null ? "<pid>" : pid) + ")");
            this.pid = pid;
        }

        public String pid() {
            return pid;
        }
    }

    /**
     * Takes the lock for {@code workDir} and writes this process's PID into the file.
     *
     * @return the lock, or null when the file system has no locks (the start goes on unguarded, as Baetyl's)
     * @throws HeldException when another live master holds it
     * @throws IOException when the file cannot be created or written
     */
    public static MasterLock acquire(Path workDir) throws HeldException, IOException {
        Path file = workDir.resolve(FILE);
        Files.createDirectories(file.getParent());
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it already
        } catch (IOException e) {
            // e.g. ENOLCK on a file system without POSIX locks: not a reason to refuse a start that Baetyl allows
            ch.close();
            return null;
        }
        if (lock == null) {
            String pid = readPid(ch);
            ch.close();
            throw new HeldException(file, pid);
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new MasterLock(ch, lock);
    }

    /** The first line of the file, if it is a number; a PID file is short, so 32 bytes are enough. */
    private static String readPid(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            return s.matches("[0-9]{1,10}") ? s : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Releases the lock; the file stays (a PID file of a stopped master, overwritten by the next start). */
    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }
}
