package dev.tproxy.socket.api;

/**
 * A failed system call: which call, on what, the errno and a hint, e.g.
 * {@code setsockopt(IP_TRANSPARENT): EPERM (Operation not permitted) — needs CAP_NET_RAW (Linux ≥ 5.17) or CAP_NET_ADMIN}.
 */
public class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public NativeException(String call, int errno, String message) {
        super(message);
        this.call = call;
        this.errno = errno;
    }

    /** The call that failed, e.g. {@code connect} or {@code setsockopt(IP_TRANSPARENT)}. */
    public String call() {
        return call;
    }

    /** The errno (see {@link Errno}). */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code ECONNRESET}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
