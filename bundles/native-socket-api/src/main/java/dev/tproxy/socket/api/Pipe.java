package dev.tproxy.socket.api;

/** A kernel pipe used as the buffer between two sockets for splice. Owns both of its descriptors. */
public interface Pipe extends NativeHandle {

    /** Moves up to {@code maxBytes} from this pipe into {@code socket}, without copying. */
    long spliceTo(StreamSocket socket, long maxBytes);

    /** The capacity the kernel granted (F_GETPIPE_SZ). */
    int capacity();

    /** Bytes currently in the pipe (FIONREAD on its read end). */
    int buffered();
}
