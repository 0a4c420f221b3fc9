package dev.tproxy.socket.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
    /** The same memory as a buffer in native byte order: reads and writes without a JNI call each. */
    final ByteBuffer view = memory.getByteBuffer(0, SIZE).order(ByteOrder.nativeOrder());
    /** The direct buffer this thread used last and its address: a loop reuses a few pooled buffers. */
    private ByteBuffer lastBuffer;
    private long lastBufferAddress;

    private Scratch() {
        memory.clear();
    }

    static Scratch get() {
        return CURRENT.get();
    }

    /** The native address of a direct buffer, without a JNI call when it is the one used last. */
    long addressOf(ByteBuffer direct) {
        if (direct != lastBuffer) {
            lastBufferAddress = Pointer.nativeValue(Native.getDirectBufferPointer(direct));
            lastBuffer = direct;
        }
        return lastBufferAddress;
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
        return view.getInt(VALUE);
    }

    void intValue(int value) {
        view.putInt(VALUE, value);
    }

    void length(int value) {
        view.putInt(LENGTH, value);
    }
}
