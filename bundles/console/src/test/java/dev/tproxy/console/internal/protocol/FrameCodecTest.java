package dev.tproxy.console.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    @Test
    void roundTripsEveryType() throws IOException {
        List<Frame> frames = List.of(Frame.command("lb -s"), Frame.out("ünïcode ✓\n"), Frame.err(""),
            Frame.status(0), Frame.status(1), Frame.status(-7));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Frame frame : frames) {
            FrameCodec.write(bytes, frame);
        }
        assertEquals(frames, readAll(bytes.toByteArray()));
        assertEquals(-7, frames.get(5).status());
        assertEquals("lb -s", frames.get(0).text());
    }

    @Test
    void wireFormatIsTypeLengthPayload() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameCodec.write(bytes, Frame.command("lb"));
        FrameCodec.write(bytes, Frame.status(1));
        assertArrayEquals(new byte[] {'C', 0, 0, 0, 2, 'l', 'b', 'S', 0, 0, 0, 4, 0, 0, 0, 1}, bytes.toByteArray());
    }

    @Test
    void cleanEndBetweenFramesIsNull() throws IOException {
        assertNull(FrameCodec.read(new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void endInsideAFrameIsAnError() {
        assertThrows(EOFException.class, () -> FrameCodec.read(new ByteArrayInputStream(new byte[] {'O', 0, 0})));
        assertThrows(EOFException.class, () -> FrameCodec.read(new ByteArrayInputStream(new byte[] {'O', 0, 0, 0, 3, 'a'})));
    }

    @Test
    void unknownTypeAndOverlongFramesAreRefused() {
        IOException unknown = assertThrows(IOException.class,
            () -> FrameCodec.read(new ByteArrayInputStream(new byte[] {'Z', 0, 0, 0, 0})));
        assertTrue(unknown.getMessage().contains("unknown frame type 0x5a"), unknown.getMessage());
        IOException overlong = assertThrows(IOException.class,
            () -> FrameCodec.read(new ByteArrayInputStream(new byte[] {'O', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff})));
        assertTrue(overlong.getMessage().contains("4294967295"), overlong.getMessage());
        assertThrows(IOException.class,
            () -> FrameCodec.write(new ByteArrayOutputStream(), new Frame(Frame.Type.OUT, new byte[FrameCodec.MAX_PAYLOAD + 1])));
    }

    @Test
    void statusOfAnotherFrameIsAnError() {
        assertThrows(IllegalStateException.class, () -> Frame.out("x").status());
    }

    @Test
    void outputStreamSendsChunksOnFlushAndWhenFull() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        FrameOutputStream out = new FrameOutputStream(Frame.Type.ERR, sink);
        byte[] big = new byte[FrameOutputStream.CHUNK * 2 + 100];
        Arrays.fill(big, (byte) 'x');
        out.write('a');
        out.flush();
        out.flush();
        out.write(big);
        out.close();
        List<Frame> frames = readAll(sink.toByteArray());
        assertEquals(4, frames.size(), frames.toString());
        assertEquals(Frame.err("a"), frames.get(0));
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (Frame frame : frames.subList(1, 4)) {
            assertEquals(Frame.Type.ERR, frame.type());
            assertTrue(frame.payload().length <= FrameOutputStream.CHUNK);
            joined.write(frame.payload());
        }
        assertArrayEquals(big, joined.toByteArray());
    }

    @Test
    void onlyOutputTypesCanBeStreamed() {
        assertThrows(IllegalArgumentException.class, () -> new FrameOutputStream(Frame.Type.STATUS, new ByteArrayOutputStream()));
    }

    private static List<Frame> readAll(byte[] bytes) throws IOException {
        List<Frame> frames = new ArrayList<>();
        InputStream in = new ByteArrayInputStream(bytes);
        for (Frame frame = FrameCodec.read(in); frame != null; frame = FrameCodec.read(in)) {
            frames.add(frame);
        }
        return frames;
    }
}
