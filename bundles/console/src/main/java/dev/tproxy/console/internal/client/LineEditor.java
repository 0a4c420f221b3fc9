package dev.tproxy.console.internal.client;

import java.io.IOException;
import java.nio.file.Path;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The attached client's prompt on a terminal: line editing (arrows, Home/End, Ctrl-A/E/K/U/W), history kept
 * across sessions in a file, Ctrl-R to search it (JLine). Loaded only when bin/client attaches to a terminal with
 * lib/jline.jar on its class path; scripts and pipes get plain lines.
 */
public final class LineEditor implements AutoCloseable {
    private final Terminal terminal;
    private final LineReader reader;

    public LineEditor(Terminal terminal, Path history) {
        this.terminal = terminal;
        this.reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("tproxy")
                .variable(LineReader.HISTORY_FILE, history)
                .variable(LineReader.HISTORY_FILE_SIZE, 1000)
                .option(LineReader.Option.HISTORY_IGNORE_DUPS, true)
                // Gogo's syntax is not JLine's: take the line as typed (no ! expansion, no escapes eaten).
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
    }

    /** On this process's terminal. */
    public static LineEditor onSystemTerminal(Path history) throws IOException {
        // JLine finds its terminal providers through the context class loader: in OSGi that must be JLine's own,
        // or it falls back to a dumb terminal without line editing.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(TerminalBuilder.class.getClassLoader());
        try {
            return new LineEditor(TerminalBuilder.builder().system(true).build(), history);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The next line, or null at end of input (Ctrl-D on an empty line); Ctrl-C abandons the line being typed. */
    public String readLine(String prompt) {
        while (true) {
            try {
                return reader.readLine(prompt);
            } catch (UserInterruptException e) {
                // Ctrl-C: a fresh prompt, as a shell gives.
            } catch (EndOfFileException e) {
                return null;
            }
        }
    }

    @Override
    public void close() throws IOException {
        reader.getHistory().save();
        terminal.close();
    }
}
