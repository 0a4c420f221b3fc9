package dev.tproxy.shell.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;

/** The real Gogo runtime with the tproxy scope registered, as the console would run a command line. */
final class Shell implements AutoCloseable {
    static final List<String> FUNCTIONS = List.of("connections", "info", "drop", "stats", "listeners", "doctor");

    private final ThreadIOImpl threadIo = new ThreadIOImpl();
    private final CommandProcessorImpl processor;
    private final CommandSession session;

    Shell(Object commands) {
        threadIo.start();
        processor = new CommandProcessorImpl(threadIo);
        FUNCTIONS.forEach(function -> processor.addCommand("tproxy", commands, function));
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream());
    }

    /** The command's result, which the console prints. */
    String run(String line) throws Exception {
        session.put(ExitStatus.VARIABLE, 0);
        return (String) session.execute(line);
    }

    /** The status the last command left for the console (0 unless it printed a result yet failed). */
    int status() {
        return session.get(ExitStatus.VARIABLE) instanceof Integer status ? status : 0;
    }

    @Override
    public void close() {
        session.close();
        processor.stop();
        threadIo.stop();
    }
}
