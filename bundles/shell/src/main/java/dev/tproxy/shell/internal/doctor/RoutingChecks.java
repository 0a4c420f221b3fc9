package dev.tproxy.shell.internal.doctor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Policy routing for diverted packets: {@code ip rule ... fwmark M lookup T} and, in table T, a
 * {@code local default dev lo} route that delivers them to the transparent socket.
 */
final class RoutingChecks {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern RULE = Pattern.compile("fwmark (0x[0-9a-fA-F]+|\\d+)(?:/(0x[0-9a-fA-F]+|\\d+))? lookup (\\S+)");
    private static final Pattern LOCAL_DEFAULT = Pattern.compile("^local (default|0\\.0\\.0\\.0/0|::/0) dev lo\\b");

    private final HostProbe probe;

    RoutingChecks(HostProbe probe) {
        this.probe = probe;
    }

    List<CheckResult> run(DoctorSettings settings, int family) {
        List<CheckResult> results = new ArrayList<>();
        results.add(rule(settings, family));
        results.add(route(settings, family));
        return results;
    }

    private CheckResult rule(DoctorSettings settings, int family) {
        String check = "IPv" + family + " fwmark rule";
        String wanted = "fwmark " + settings.mark() + " lookup " + settings.table();
        String fix = "ip -" + family + " rule add " + wanted;
        // -N prints table numbers instead of names from rt_tables; older ip lacks it.
        ExecResult rules = probe.run(TIMEOUT, "ip", "-N", "-" + family, "rule", "show");
        if (!rules.ok()) {
            rules = probe.run(TIMEOUT, "ip", "-" + family, "rule", "show");
        }
        if (!rules.ok()) {
            return CheckResult.warn(check, "cannot list the rules: " + rules.problem(), "ip -" + family + " rule show");
        }
        List<String> others = new ArrayList<>();
        for (String line : rules.stdout().split("\n")) {
            Matcher matcher = RULE.matcher(line);
            if (!matcher.find()) {
                continue;
            }
            boolean fullMask = matcher.group(2) == null || number(matcher.group(2)) == 0xffff_ffffL;
            if (fullMask && number(matcher.group(1)) == settings.mark()
                    && matcher.group(3).equals(String.valueOf(settings.table()))) {
                return CheckResult.ok(check, line.strip().replaceAll("\\s+", " "));
            }
            others.add(matcher.group());
        }
        String found = others.isEmpty() ? "" : " (found " + String.join(", ", others) + "; if that is yours, run "
                + "tproxy:doctor with --mark and --table)";
        return CheckResult.fail(check, "no rule sends fwmark " + settings.mark() + " to table " + settings.table()
                + ": diverted packets are forwarded instead of delivered to the proxy" + found, fix);
    }

    private CheckResult route(DoctorSettings settings, int family) {
        String any = family == 4 ? "0.0.0.0/0" : "::/0";
        String check = "IPv" + family + " local route";
        String fix = "ip -" + family + " route add local " + any + " dev lo table " + settings.table();
        ExecResult routes = probe.run(TIMEOUT, "ip", "-" + family, "route", "show", "table", String.valueOf(settings.table()));
        if (routes.exitCode() == ExecResult.NOT_RUN) {
            return CheckResult.warn(check, "cannot list table " + settings.table() + ": " + routes.problem(),
                    "ip -" + family + " route show table " + settings.table());
        }
        // A table that does not exist yet makes ip fail ("FIB table does not exist"): that is a missing route too.
        if (routes.ok()) {
            for (String line : routes.stdout().split("\n")) {
                if (LOCAL_DEFAULT.matcher(line.strip()).find()) {
                    return CheckResult.ok(check, "table " + settings.table() + ": " + line.strip().replaceAll("\\s+", " "));
                }
            }
        }
        return CheckResult.fail(check, "table " + settings.table() + " has no `local " + any + " dev lo` route: "
                + "diverted packets are not delivered locally", fix);
    }

    private static long number(String text) {
        return text.startsWith("0x") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
    }
}
