package dev.tproxy.socket.api;

import java.nio.ByteBuffer;

/**
 * Buffers of native memory in equal slots, mapped once and owned by one thread. A slot's pages cost memory only
 * once written, and {@link #release} gives them back to the kernel, so a budget of buffers costs what is in use.
 */
public interface BufferMemory extends AutoCloseable {

    int slots();

    int slotSize();

    /** Slot {@code index} as a direct buffer (position 0, limit {@link #slotSize}). */
    ByteBuffer slot(int index);

    /** Gives slot {@code index}'s pages back to the kernel (MADV_DONTNEED); it reads as zeros when used again. */
    void release(int index);

    /** Unmaps the memory; every slot's buffer is invalid afterwards. */
    @Override
    void close();
}
