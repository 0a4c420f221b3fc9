package dev.tproxy.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;

class ForegroundConsoleTest {
    private final List<String> ran = new ArrayList<>();
    private final CommandSession session = Fakes.processor((line, out) -> {
        ran.add(line);
        if (line.equals("boom")) {
            throw new IllegalStateException("it broke");
        }
        out.println("ran " + line);
        return null;
    }).createSession(new ByteArrayInputStream(new byte[0]), System.out, System.err);

    @Test
    void runsEachLineUntilExitAndAFailureIsOneLineThatDoesNotEndIt() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Iterator<String> typed = List.of("lb", "  ", "boom", " tproxy:stats ", "exit", "never").iterator();
        ForegroundConsole.loop(prompt -> typed.hasNext() ? typed.next() : null, session, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(List.of("lb", "boom", "tproxy:stats"), ran);
        assertEquals("it broke\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theEndOfInputEndsIt() {
        Iterator<String> typed = List.of("lb").iterator();
        ForegroundConsole.loop(prompt -> typed.hasNext() ? typed.next() : null, session, System.out, System.err);
        assertEquals(List.of("lb"), ran);
    }
}
