package dev.tproxy.socket.api;

import org.osgi.annotation.versioning.ProviderType;

/** Lowers a thread's CPU priority, which the JDK cannot do: for work that must yield the CPU to the event loops. */
@ProviderType
public interface ThreadPriorities {
    /**
     * The calling thread gets the lowest priority, nice 19 (on Linux a thread's own setting): while a thread of
     * normal priority wants its core, it gets about 1.5 % of it. Nothing else of the process changes.
     *
     * @throws NativeException when the kernel refuses (e.g. a seccomp filter)
     */
    void lowerCallingThread();
}
