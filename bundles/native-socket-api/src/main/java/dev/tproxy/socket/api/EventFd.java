package dev.tproxy.socket.api;

/** A non-blocking eventfd: {@link #signal()} from any thread makes it readable; {@link #drain()} resets it. */
public interface EventFd extends NativeHandle {

    void signal();

    void drain();
}
