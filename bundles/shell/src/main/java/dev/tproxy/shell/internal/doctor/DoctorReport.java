package dev.tproxy.shell.internal.doctor;

import java.util.List;

/** Every check's result, in the order they ran. */
public record DoctorReport(List<CheckResult> results) {

    public DoctorReport {
        results = List.copyOf(results);
    }

    public long count(Status status) {
        return results.stream().filter(result -> result.status() == status).count();
    }

    /** The worst status of any check (OK when there are none). */
    public Status worst() {
        return results.stream().map(CheckResult::status).max(Enum::compareTo).orElse(Status.OK);
    }
}
