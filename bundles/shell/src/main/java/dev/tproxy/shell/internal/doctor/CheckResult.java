package dev.tproxy.shell.internal.doctor;

import java.util.Objects;

/**
 * The outcome of one check.
 *
 * @param status OK, WARN or FAIL
 * @param check what was checked, short (e.g. {@code ip_forward})
 * @param detail what was found, one line
 * @param fix a command that repairs it; null when the status is OK
 */
public record CheckResult(Status status, String check, String detail, String fix) {

    public CheckResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(detail, "detail");
        if (status != Status.OK && (fix == null || fix.isBlank())) {
            throw new IllegalArgumentException(check + ": a " + status + " needs a fix");
        }
    }

    static CheckResult ok(String check, String detail) {
        return new CheckResult(Status.OK, check, detail, null);
    }

    static CheckResult warn(String check, String detail, String fix) {
        return new CheckResult(Status.WARN, check, detail, fix);
    }

    static CheckResult fail(String check, String detail, String fix) {
        return new CheckResult(Status.FAIL, check, detail, fix);
    }
}
