package dev.tproxy.console.internal.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attached prompt's keys, typed into a real JLine terminal over streams (an xterm, as over ssh). */
class LineEditorTest {
    // What an xterm sends once JLine has put its keypad in application mode (terminfo's kcuu1, kcub1).
    private static final String UP = "\u001bOA";
    private static final String LEFT = "\u001bOD";
    private static final String CTRL_A = "\u0001";
    private static final String CTRL_D = "\u0004";
    private static final String CTRL_R = "\u0012";

    private static LineEditor typing(String keys, Path history) throws IOException {
        ExternalTerminal terminal = new ExternalTerminal("test", "xterm",
                new ByteArrayInputStream(keys.getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(),
                StandardCharsets.UTF_8);
        return new LineEditor(terminal, history);
    }

    @Test
    void arrowsEditTheLineAndUpRecallsThePreviousOne(@TempDir Path dir) throws IOException {
        Path history = dir.resolve("history");
        try (LineEditor editor = typing("tproxy:stat" + LEFT + "u" + "\r" + UP + "\r" + UP + CTRL_A + "x" + "\r" + CTRL_D, history)) {
            assertEquals("tproxy:stau" + "t", editor.readLine("tproxy> "), "Left moves the cursor: 'u' went before the 't'");
            assertEquals("tproxy:staut", editor.readLine("tproxy> "), "Up recalls the previous line");
            assertEquals("xtproxy:staut", editor.readLine("tproxy> "), "Ctrl-A goes to the start of the line");
            assertNull(editor.readLine("tproxy> "), "Ctrl-D on an empty line ends the input");
        }
    }

    @Test
    void historySurvivesTheSessionAndCtrlRFindsIt(@TempDir Path dir) throws IOException {
        Path history = dir.resolve("history");
        try (LineEditor first = typing("tproxy:connections --idle 10m\r" + "tproxy:stats\r" + CTRL_D, history)) {
            assertEquals("tproxy:connections --idle 10m", first.readLine("tproxy> "));
            assertEquals("tproxy:stats", first.readLine("tproxy> "));
            assertNull(first.readLine("tproxy> "), "Ctrl-D on an empty line ends the input");
        }
        assertTrue(Files.readString(history).contains("tproxy:connections --idle 10m"), Files.readString(history));
        try (LineEditor second = typing(UP + UP + "\r" + CTRL_R + "idle" + "\r" + CTRL_D, history)) {
            assertEquals("tproxy:connections --idle 10m", second.readLine("tproxy> "), "the last session's lines, newest first");
            assertEquals("tproxy:connections --idle 10m", second.readLine("tproxy> "), "Ctrl-R searches the history");
        }
    }
}
