package dev.tproxy.socket.internal;

import com.sun.jna.Native;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.NativeException;

/** Turns errno into a {@link NativeException} that says what failed, why, and what would fix it. */
final class Errors {
    static final String CAPABILITY_HINT = "needs CAP_NET_RAW (Linux >= 5.17) or CAP_NET_ADMIN";

    private Errors() {}

    static int errno() {
        return Native.getLastError();
    }

    /** The exception for the errno the last call left. */
    static NativeException lastError(String call) {
        return of(call, errno());
    }

    static NativeException of(String call, int errno) {
        StringBuilder message = new StringBuilder(call).append(": ").append(Errno.name(errno))
                .append(" (").append(describe(errno)).append(')');
        String hint = hint(call, errno);
        if (hint != null) {
            message.append(" - ").append(hint);
        }
        return new NativeException(call, errno, message.toString());
    }

    static String describe(int errno) {
        String text = LibC.strerror(errno);
        return text == null ? "unknown error" : text;
    }

    static String hint(String call, int errno) {
        boolean privileged = call.contains("TRANSPARENT") || call.contains("SO_MARK");
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> privileged ? CAPABILITY_HINT : null;
            case Errno.EMFILE -> "this process is out of file descriptors (RLIMIT_NOFILE)";
            case Errno.ENFILE -> "the system-wide file table is full (fs.file-max)";
            case Errno.EADDRINUSE -> call.startsWith("bind") ? "another socket is bound to this address and port" : null;
            case Errno.EADDRNOTAVAIL -> call.startsWith("bind") ? "the address is not configured on this host (or needs IP_TRANSPARENT)" : null;
            case Errno.EAFNOSUPPORT -> "the address family is disabled on this host (IPv6 off?)";
            default -> null;
        };
    }
}
