package dev.tproxy.socket.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Transparent TCP sockets, epoll, pipes and splice: everything the proxy needs from the kernel, for IPv4 and
 * IPv6. Every handle it returns owns its file descriptors; close it to release them. Failures are
 * {@link NativeException}s that name the call, the errno and what to do about it.
 */
@ProviderType
public interface TransparentSocketService {

    /** Opens a non-blocking listening socket ({@code IP_TRANSPARENT} when asked) and starts listening. */
    ListeningSocket listen(ListenOptions options);

    /**
     * Starts a non-blocking connect. The returned socket is connecting: wait for {@link EpollEvents#OUT} and call
     * {@link StreamSocket#socketError()} if it reports an error.
     */
    StreamSocket connect(ConnectOptions options);

    /** Opens an epoll instance that reports at most {@code maxEvents} ready handles per wait. */
    Epoll openEpoll(int maxEvents);

    /** Opens a pipe for splice and asks the kernel for {@code size} bytes of capacity (F_SETPIPE_SZ). */
    Pipe openPipe(int size);

    /**
     * Maps {@code slots} buffers of {@code slotSize} bytes of anonymous memory, outside the Java heap and its
     * direct-memory limit. A page costs memory only once written; {@link BufferMemory#release} gives a slot's pages
     * back to the kernel.
     */
    BufferMemory openBufferMemory(int slots, int slotSize);

    /** Opens a non-blocking eventfd, used to wake an epoll loop from another thread. */
    EventFd openEventFd();

    /** The process's soft limit of open files (RLIMIT_NOFILE). */
    long openFilesLimit();

    /** How many file descriptors this process has open now (counted in /proc/self/fd). */
    int openFiles();
}
