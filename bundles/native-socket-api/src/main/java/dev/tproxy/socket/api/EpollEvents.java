package dev.tproxy.socket.api;

/** epoll event bits (Linux ABI, the same on x86-64 and aarch64; checked against the C headers in a test). */
public final class EpollEvents {
    public static final int IN = 0x001;
    /** Urgent data (TCP's urgent pointer) is queued: read it inline, by copying (splice stops at the mark). */
    public static final int PRI = 0x002;
    public static final int OUT = 0x004;
    public static final int ERR = 0x008;
    public static final int HUP = 0x010;
    public static final int RDHUP = 0x2000;
    /** Wake only one of several epoll instances waiting on the same descriptor (listeners shared by loops). */
    public static final int EXCLUSIVE = 1 << 28;
    /** Edge-triggered: report a change once; the reader must drain until WOULD_BLOCK. */
    public static final int EDGE_TRIGGERED = 1 << 31;

    private EpollEvents() {}
}
