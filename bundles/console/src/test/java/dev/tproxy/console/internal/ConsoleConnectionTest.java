package dev.tproxy.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tproxy.console.internal.protocol.Frame;
import dev.tproxy.console.internal.protocol.FrameCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleConnectionTest {
    private final ConsoleConnection connection = new ConsoleConnection(Fakes.processor((line, out) -> {
        switch (line) {
            case "lb" -> {
                out.println("START LEVEL 1");
                return null;
            }
            case "value" -> {
                return 42;
            }
            case "boom" -> throw new IllegalStateException("it broke\n  because\r\nof reasons");
            case "npe" -> throw new NullPointerException();
            case "report-with-a-fail" -> {
                out.println("FAIL  something");
                Fakes.VARIABLES.get().put(ConsoleConnection.STATUS_VARIABLE, 1);
                return null;
            }
            default -> throw new IllegalArgumentException("Command not found: " + line);
        }
    }), Fakes.logger());

    @Test
    void outputThenStatusZero() throws IOException {
        assertEquals(List.of(Frame.out("START LEVEL 1\n"), Frame.status(0)), converse("lb"));
    }

    @Test
    void resultIsFormattedLikeGosh() throws IOException {
        assertEquals(List.of(Frame.out("formatted:42\n"), Frame.status(0)), converse("value"));
    }

    @Test
    void failureIsOneErrorLineAndStatusOne() throws IOException {
        assertEquals(List.of(Frame.err("it broke because of reasons\n"), Frame.status(1)), converse("boom"));
        assertEquals(List.of(Frame.err("NullPointerException\n"), Frame.status(1)), converse("npe"));
    }

    @Test
    void aCommandThatPrintsYetFailsSetsTheStatusForThatLineOnly() throws IOException {
        assertEquals(List.of(Frame.out("FAIL  something\n"), Frame.status(1), Frame.out("START LEVEL 1\n"), Frame.status(0)),
                converse("report-with-a-fail", "lb"));
    }

    @Test
    void emptyCommandIsAProbe() throws IOException {
        assertEquals(List.of(Frame.status(0)), converse(""));
    }

    @Test
    void severalCommandsOnOneConnectionAndExitEndsIt() throws IOException {
        assertEquals(List.of(Frame.out("START LEVEL 1\n"), Frame.status(0), Frame.err("Command not found: x\n"),
            Frame.status(1)), converse("lb", "x", "exit", "lb"));
    }

    private List<Frame> converse(String... commands) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        for (String command : commands) {
            FrameCodec.write(request, Frame.command(command));
        }
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        connection.serve(new ByteArrayInputStream(request.toByteArray()), reply, 1);
        List<Frame> frames = new ArrayList<>();
        InputStream in = new ByteArrayInputStream(reply.toByteArray());
        for (Frame frame = FrameCodec.read(in); frame != null; frame = FrameCodec.read(in)) {
            frames.add(frame);
        }
        return frames;
    }
}
