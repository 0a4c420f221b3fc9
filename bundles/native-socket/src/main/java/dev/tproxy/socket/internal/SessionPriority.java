package dev.tproxy.socket.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.tproxy.socket.api.Errno;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The CPU priority of a process's session against other sessions: its autogroup's nice, sched(7) "The autogroup
 * feature" ({@code /proc/PID/autogroup}). With autogroups on (the kernel's default, and the case of a systemd
 * service whose cgroup has no cpu controller), the scheduler shares the CPU between sessions first, then between
 * the threads of each: a thread's nice counts against its own session's threads only. bin/restart starts the new
 * runtime in a session of its own, so between the two runtimes of a restart only their autogroups' nice decides.
 * Unlike a thread's nice, it goes back down to 0 without privilege (not twice within 0.1 s: {@code EAGAIN}).
 * Changed only for a process that leads its session: a runtime run in a shell's foreground shares the shell's
 * session, whose priority is not the runtime's to change.
 */
final class SessionPriority {
    /** The kernel takes one change every 0.1 s (any process's, unless CAP_SYS_ADMIN): 5 s of tries. */
    private static final int RETRIES = 50;

    private SessionPriority() {}

    /** Whether process {@code pid} leads its session (stat's field 6 is its pid); false when it ended. */
    static boolean leadsSession(long pid) {
        return ProcStat.field(Path.of("/proc", Long.toString(pid), "stat"), 6).filter(Long.toString(pid)::equals).isPresent();
    }

    /** The nice of {@code pid}'s autogroup ("/autogroup-25 nice 0"); empty without autogroups or that process. */
    static OptionalInt niceOf(long pid) {
        try {
            String[] words = Files.readString(file(pid)).trim().split(" ");
            return words.length == 3 && words[1].equals("nice") ? OptionalInt.of(Integer.parseInt(words[2])) : OptionalInt.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * Gives the session that {@code pid} leads the priority {@code nice}, trying again for up to 5 s while the
     * kernel refuses a change so soon after another one (any process's).
     *
     * @return false when {@code pid} does not lead its session or its autogroup has {@code nice} already
     * @throws IOException when the kernel refuses (a negative nice without the privilege, no autogroups built in)
     */
    static boolean set(long pid, int nice) throws IOException {
        if (!leadsSession(pid) || niceOf(pid).equals(OptionalInt.of(nice))) {
            return false;
        }
        byte[] value = Integer.toString(nice).getBytes(StandardCharsets.US_ASCII);
        try (Memory path = new Memory(64); Memory text = new Memory(value.length)) {
            path.setString(0, file(pid).toString(), StandardCharsets.US_ASCII.name());
            text.write(0, value, 0, value.length);
            for (int attempt = 1; ; attempt++) {
                int errno = write(path, text, value.length);
                if (errno == 0) {
                    return true;
                }
                if (errno != Errno.EAGAIN || attempt == RETRIES) {
                    throw new IOException("the priority of process " + pid + "'s session (nice " + nice + " into " + file(pid)
                            + "): " + Errors.of("open and write", errno).getMessage());
                }
                sleep();
            }
        }
    }

    /** One open, write, close: 0, or the errno of the step that failed. */
    private static int write(Memory path, Memory text, int length) {
        int fd = LibC.open(Pointer.nativeValue(path), Linux.O_WRONLY | Linux.O_CLOEXEC);
        if (fd < 0) {
            return Errors.errno();
        }
        int errno = LibC.write(fd, Pointer.nativeValue(text), length) == length ? 0 : Errors.errno();
        LibC.close(fd);
        return errno;
    }

    /** {@link #set} for this process, on a thread of its own: the caller does not wait for the kernel's 0.1 s. */
    static CompletableFuture<Boolean> setLater(int nice) {
        long self = ProcessHandle.current().pid();
        return CompletableFuture.supplyAsync(() -> {
            try {
                return set(self, nice);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, task -> {
            Thread thread = new Thread(task, "tproxy-session-priority");
            thread.setDaemon(true);
            thread.start();
        });
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Path file(long pid) {
        return Path.of("/proc", Long.toString(pid), "autogroup");
    }
}
