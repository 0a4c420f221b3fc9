package dev.tproxy.shell.internal;

import org.apache.felix.service.command.CommandSession;

/**
 * A command that prints its result yet did not succeed (a doctor check FAILed, an id to drop does not exist) says
 * so in the session variable {@value #VARIABLE}; the console passes it on as the client's exit status. (A command
 * that is refused throws instead, which the console already turns into status 1.)
 */
final class ExitStatus {
    /** Read and reset by the console bundle around every command line: keep the two in step. */
    static final String VARIABLE = ".tproxy.status";

    private ExitStatus() {}

    static void failed(CommandSession session) {
        session.put(VARIABLE, 1);
    }
}
