package dev.tproxy.socket.internal;

import com.sun.jna.Pointer;
import dev.tproxy.socket.api.BufferMemory;
import dev.tproxy.socket.api.ClosedHandleException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@link BufferMemory} as one anonymous private mapping (mmap), sliced into slots. */
final class JnaBufferMemory implements BufferMemory {
    private static final long MAP_FAILED = -1;

    private final long address;
    private final long length;
    private final int slots;
    private final int slotSize;
    private final ByteBuffer[] views;
    private boolean closed;

    private JnaBufferMemory(long address, int slots, int slotSize) {
        this.address = address;
        this.length = (long) slots * slotSize;
        this.slots = slots;
        this.slotSize = slotSize;
        this.views = new ByteBuffer[slots];
    }

    static JnaBufferMemory map(int slots, int slotSize) {
        if (slots < 1 || slotSize < 1 || slotSize % 4096 != 0) {
            throw new IllegalArgumentException("slots must be positive and slotSize a positive multiple of 4096: " + slots + " x " + slotSize);
        }
        long address = LibC.mmap(0, (long) slots * slotSize, Linux.PROT_READ | Linux.PROT_WRITE,
                Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0);
        if (address == MAP_FAILED) {
            throw Errors.lastError("mmap(" + slots + " x " + slotSize + " bytes)");
        }
        return new JnaBufferMemory(address, slots, slotSize);
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int slotSize() {
        return slotSize;
    }

    @Override
    public ByteBuffer slot(int index) {
        check(index);
        ByteBuffer view = views[index];
        if (view == null) {
            view = new Pointer(address + (long) index * slotSize).getByteBuffer(0, slotSize).order(ByteOrder.BIG_ENDIAN);
            views[index] = view;
        }
        return view.clear();
    }

    @Override
    public void release(int index) {
        check(index);
        if (LibC.madvise(address + (long) index * slotSize, slotSize, Linux.MADV_DONTNEED) != 0) {
            throw Errors.lastError("madvise(MADV_DONTNEED)");
        }
    }

    private void check(int index) {
        if (closed) {
            throw new ClosedHandleException("buffer memory");
        }
        if (index < 0 || index >= slots) {
            throw new IndexOutOfBoundsException("slot " + index + " of " + slots);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.munmap(address, length);
        }
    }
}
