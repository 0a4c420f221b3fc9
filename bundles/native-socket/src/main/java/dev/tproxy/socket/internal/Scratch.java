package dev.tproxy.socket.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Per-thread native scratch memory for syscall arguments (sockaddrs, lengths, option values), so that calls
 * on event-loop threads allocate nothing. Valid only until the same thread's next call into this bundle.
 */
final class Scratch {
    static final int SOCKADDR = 0;
    static final int LENGTH = 128;
    static final int VALUE = 136;
    static final int SIZE = 256;

    private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    final Memory memory = new Memory(SIZE);
    final long address = Pointer.nativeValue(memory);

    private Scratch() {
        memory.clear();
    }

    static Scratch get() {
        return CURRENT.get();
    }

    long sockaddr() {
        return address + SOCKADDR;
    }

    long length() {
        return address + LENGTH;
    }

    long value() {
        return address + VALUE;
    }

    int intValue() {
        return memory.getInt(VALUE);
    }

    void intValue(int value) {
        memory.setInt(VALUE, value);
    }

    void length(int value) {
        memory.setInt(LENGTH, value);
    }

    int lengthValue() {
        return memory.getInt(LENGTH);
    }
}
