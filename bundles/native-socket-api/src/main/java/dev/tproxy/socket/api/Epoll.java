package dev.tproxy.socket.api;

/**
 * An epoll instance. Handles are registered with an event mask from {@link EpollEvents} and a 64-bit token
 * that {@link #readyToken(int)} gives back. {@link #await(int)} reuses preallocated memory: no allocation per
 * wait. One thread waits; registration may come from any thread.
 */
public interface Epoll extends NativeHandle {

    void register(NativeHandle handle, int events, long token);

    /** Removes a handle; harmless if it was never registered or is already closed. */
    void unregister(NativeHandle handle);

    /**
     * Waits for ready handles.
     *
     * @param timeoutMillis -1 to wait without limit, 0 to poll
     * @return how many are ready (0 on timeout or signal); read them with {@link #readyEvents(int)} and
     *         {@link #readyToken(int)}, index 0 to count-1
     */
    int await(int timeoutMillis);

    int readyEvents(int index);

    long readyToken(int index);
}
