package dev.tproxy.socket.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A non-blocking connected TCP socket. Transfers return a byte count, {@link IoStatus#END_OF_STREAM} or
 * {@link IoStatus#WOULD_BLOCK}; errors such as ECONNRESET or EPIPE are {@link NativeException}s.
 */
public interface StreamSocket extends NativeHandle {

    /**
     * The socket's pending error (SO_ERROR), cleared by reading it: after a non-blocking connect reported in error,
     * why the connect failed.
     *
     * @return 0 when there is none, otherwise the errno (see {@link Errno})
     */
    int socketError();

    /** Moves up to {@code maxBytes} from this socket's receive queue into {@code pipe}, without copying. */
    long spliceTo(Pipe pipe, long maxBytes);

    /** Reads into the direct buffer's remaining space (copy path, used when no pipe is available). */
    long read(ByteBuffer direct);

    /** Writes the direct buffer's remaining bytes (copy path). */
    long write(ByteBuffer direct);

    /**
     * Copies into the direct buffer's remaining space what {@link #read} would read, but leaves it queued in the
     * socket (MSG_PEEK); {@link #discard} then takes what was passed on. Nothing waits in user space meanwhile.
     */
    long peek(ByteBuffer direct);

    /** Takes {@code bytes} (at most what is queued) off the receive queue without copying them (MSG_TRUNC). */
    long discard(long bytes);

    /** Sends FIN: no more bytes will be written; the other direction keeps flowing. */
    void shutdownOutput();

    /** Closes with SO_LINGER 0 so the peer receives RST instead of FIN. */
    void resetAndClose();

    /** TCP_NODELAY: send small writes at once (relayed bytes must not wait for Nagle). */
    void setNoDelay(boolean on);

    /**
     * TCP_QUICKACK on: sends an ACK the kernel is holding back at once (the handshake's, after
     * {@link ConnectOptions#withAckOnFirstData()}) and acknowledges promptly from then on. Best effort: never
     * throws (a broken socket fails its next read or write instead).
     */
    void sendPendingAck();

    /** Bytes in the receive queue not yet read (FIONREAD / SIOCINQ). */
    int receiveQueued();

    /** Bytes in the send queue not yet acknowledged by the peer (SIOCOUTQ). */
    int sendQueued();

    InetSocketAddress localAddress();

    InetSocketAddress remoteAddress();
}
