package dev.tproxy.console.internal.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** One message of the console protocol: a type and its payload. See {@link FrameCodec} for the wire format. */
public record Frame(Type type, byte[] payload) {

    /** What a frame carries; the byte is its code on the wire. */
    public enum Type {
        /** Client to runtime: one command line, UTF-8. */
        COMMAND('C'),
        /** Runtime to client: bytes the command wrote to standard output (and its formatted result). */
        OUT('O'),
        /** Runtime to client: bytes for standard error (the one-line message of a failed command). */
        ERR('E'),
        /** Runtime to client: the command's exit status as a 4-byte big-endian int; ends the reply. */
        STATUS('S');

        private final byte code;

        Type(char code) {
            this.code = (byte) code;
        }

        public byte code() {
            return code;
        }

        static Type of(byte code) {
            for (Type type : values()) {
                if (type.code == code) {
                    return type;
                }
            }
            return null;
        }
    }

    public Frame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
    }

    public static Frame command(String line) {
        return new Frame(Type.COMMAND, line.getBytes(StandardCharsets.UTF_8));
    }

    public static Frame out(String text) {
        return new Frame(Type.OUT, text.getBytes(StandardCharsets.UTF_8));
    }

    public static Frame err(String text) {
        return new Frame(Type.ERR, text.getBytes(StandardCharsets.UTF_8));
    }

    public static Frame status(int status) {
        return new Frame(Type.STATUS, ByteBuffer.allocate(4).putInt(status).array());
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The exit status of a {@link Type#STATUS} frame. */
    public int status() {
        if (type != Type.STATUS || payload.length != 4) {
            throw new IllegalStateException("not a status frame: " + this);
        }
        return ByteBuffer.wrap(payload).getInt();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Frame frame && type == frame.type && Arrays.equals(payload, frame.payload);
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return type + "[" + payload.length + " bytes]";
    }
}
