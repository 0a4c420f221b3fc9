package dev.tproxy.itests.lab;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Enters a named network namespace on a dedicated thread. setns(CLONE_NEWNET) changes only the calling thread,
 * so the rest of the JVM stays where it was, and threads that thread starts inherit the namespace.
 */
final class Netns {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    static {
        Native.register("c");
    }

    private static native int open(String path, int flags) throws LastErrorException;

    private static native int setns(int fd, int nstype) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    private Netns() {}

    static <T> T call(String namespace, Callable<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                enter(namespace);
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "netns-" + namespace);
        thread.setDaemon(true);
        thread.start();
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Moves the calling thread into {@code namespace}; only call on a thread made for that. */
    static void enter(String namespace) {
        int fd = open("/run/netns/" + namespace, O_RDONLY | O_CLOEXEC);
        try {
            setns(fd, CLONE_NEWNET);
        } finally {
            close(fd);
        }
    }
}
