package dev.tproxy.console.internal.protocol;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Wire format of the tproxy console protocol (version 1), spoken over the runtime's Unix-domain socket.
 *
 * <p>Every message is a frame: one type byte, a 4-byte big-endian payload length, then the payload.
 * <pre>
 *   frame   := type:u8  length:u32be  payload[length]
 *   type    := 'C' COMMAND  client → runtime   a command line, UTF-8, no line terminator
 *            | 'O' OUT      runtime → client   a chunk of standard output, UTF-8
 *            | 'E' ERR      runtime → client   a chunk of standard error, UTF-8
 *            | 'S' STATUS   runtime → client   exit status, 4-byte big-endian int; ends the reply
 * </pre>
 * A conversation is strictly request/reply: the client sends one COMMAND, the runtime answers with any number of
 * OUT/ERR frames and exactly one STATUS (0: the command returned, 1: it threw, and then one ERR frame holds the
 * exception's message as one line). The client may then send the next COMMAND on the same connection (one
 * {@code CommandSession} per connection, so session variables persist) or close it. An empty command answers
 * STATUS 0 with no output (a liveness probe); the command {@code exit} closes the connection without a reply.
 * An unknown frame type or an over-long frame is a protocol error: the receiver closes the connection.
 */
public final class FrameCodec {
    /** Largest payload accepted from a peer; output is sent in chunks far below this. */
    public static final int MAX_PAYLOAD = 1 << 20;

    private FrameCodec() {}

    public static void write(OutputStream out, Frame frame) throws IOException {
        byte[] payload = frame.payload();
        if (payload.length > MAX_PAYLOAD) {
            throw new IOException("frame payload of " + payload.length + " bytes exceeds " + MAX_PAYLOAD);
        }
        byte[] header = {
            frame.type().code(),
            (byte) (payload.length >>> 24), (byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length
        };
        out.write(header);
        out.write(payload);
        out.flush();
    }

    /**
     * Reads the next frame.
     *
     * @return the frame, or {@code null} when the stream ends cleanly between frames
     * @throws EOFException when the stream ends inside a frame
     * @throws IOException on an unknown type or a payload longer than {@link #MAX_PAYLOAD}
     */
    public static Frame read(InputStream in) throws IOException {
        int code = in.read();
        if (code < 0) {
            return null;
        }
        Frame.Type type = Frame.Type.of((byte) code);
        if (type == null) {
            throw new IOException("console protocol error: unknown frame type 0x" + Integer.toHexString(code));
        }
        DataInputStream data = new DataInputStream(in);
        int length = data.readInt();
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IOException("console protocol error: frame length " + Integer.toUnsignedString(length)
                + " exceeds " + MAX_PAYLOAD);
        }
        byte[] payload = new byte[length];
        data.readFully(payload);
        return new Frame(type, payload);
    }
}
