package dev.tproxy.shell.internal.doctor;

/**
 * How a command ended.
 *
 * @param exitCode its exit status, or {@link #NOT_RUN} when it could not start or timed out
 * @param stdout what it printed
 * @param stderr its error output, or why it did not run
 */
public record ExecResult(int exitCode, String stdout, String stderr) {
    public static final int NOT_RUN = -1;

    public static ExecResult notRun(String reason) {
        return new ExecResult(NOT_RUN, "", reason);
    }

    public static ExecResult success(String stdout) {
        return new ExecResult(0, stdout, "");
    }

    public boolean ok() {
        return exitCode == 0;
    }

    /** The first line of the error output, or the exit status: one line for a report. */
    public String problem() {
        String first = stderr == null ? "" : stderr.strip().lines().findFirst().orElse("");
        return first.isEmpty() ? "exit status " + exitCode : first;
    }
}
