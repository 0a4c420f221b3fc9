package dev.tproxy.console.internal.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Turns a byte stream (a command's standard output or error) into OUT or ERR frames: bytes are buffered and
 * sent as one frame on {@link #flush()} or when the buffer is full. Several of these may share one socket
 * (gogo pipelines write from their own threads), so frames are written under the sink's lock.
 */
public final class FrameOutputStream extends OutputStream {
    static final int CHUNK = 8192;

    private final Frame.Type type;
    private final OutputStream sink;
    private final byte[] buffer = new byte[CHUNK];
    private int count;

    public FrameOutputStream(Frame.Type type, OutputStream sink) {
        if (type != Frame.Type.OUT && type != Frame.Type.ERR) {
            throw new IllegalArgumentException("only OUT or ERR can be streamed: " + type);
        }
        this.type = type;
        this.sink = sink;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        if (count == buffer.length) {
            flush();
        }
        buffer[count++] = (byte) b;
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            if (count == buffer.length) {
                flush();
            }
            int n = Math.min(length, buffer.length - count);
            System.arraycopy(bytes, offset, buffer, count, n);
            count += n;
            offset += n;
            length -= n;
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (count == 0) {
            return;
        }
        Frame frame = new Frame(type, Arrays.copyOf(buffer, count));
        count = 0;
        synchronized (sink) {
            FrameCodec.write(sink, frame);
        }
    }

    @Override
    public void close() throws IOException {
        flush();
    }
}
