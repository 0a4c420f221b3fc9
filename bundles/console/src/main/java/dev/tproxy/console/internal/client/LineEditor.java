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
final class LineEditor implements AutoCloseable {
    private final Terminal terminal;
    private final LineReader reader;

    LineEditor(Terminal terminal, Path history) {
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
    static LineEditor onSystemTerminal(Path history) throws IOException {
        return new LineEditor(TerminalBuilder.builder().system(true).build(), history);
    }

    /** The next line, or null at end of input (Ctrl-D on an empty line); Ctrl-C abandons the line being typed. */
    String readLine(String prompt) {
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
