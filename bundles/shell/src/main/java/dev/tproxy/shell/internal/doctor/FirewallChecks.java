package dev.tproxy.shell.internal.doctor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Whether nftables or iptables diverts traffic to each listener's port, with the mark the fwmark rule expects. */
final class FirewallChecks {
    private final HostProbe probe;

    FirewallChecks(HostProbe probe) {
        this.probe = probe;
    }

    List<CheckResult> run(DoctorSettings settings, List<ListenerFacts> listeners, Set<Integer> families) {
        // iptables-nft rules show up in nft only as "xt target TPROXY", without the port: read both.
        Map<String, ExecResult> sources = new LinkedHashMap<>();
        sources.put("nft", probe.run(RoutingChecks.TIMEOUT, "nft", "list", "ruleset"));
        sources.put("iptables-save", probe.run(RoutingChecks.TIMEOUT, "iptables-save"));
        sources.put("ip6tables-save", probe.run(RoutingChecks.TIMEOUT, "ip6tables-save"));
        List<String> read = sources.entrySet().stream().filter(e -> e.getValue().ok()).map(Map.Entry::getKey).toList();
        if (read.isEmpty()) {
            String problems = sources.entrySet().stream().map(e -> e.getValue().problem())
                    .collect(Collectors.joining("; "));
            return List.of(CheckResult.warn("TPROXY rules", "cannot read the firewall (" + problems + ")",
                    "native/tproxy-host status"));
        }
        TproxyRules rules = TproxyRules.parse(text(sources.get("nft")), text(sources.get("iptables-save")),
                text(sources.get("ip6tables-save")));
        String via = "read: " + String.join(", ", read);
        List<CheckResult> results = new ArrayList<>();
        for (ListenerFacts listener : listeners) {
            if (listener.active() && listener.port() > 0) {
                results.add(diverted(settings, listener, families, rules, via));
            }
        }
        List<Integer> diverted = listeners.stream().filter(l -> l.active() && l.port() > 0)
                .flatMap(l -> wanted(l, families).stream()).distinct().sorted()
                .filter(f -> listeners.stream().anyMatch(l -> rules.diverts(f, l.port()))).toList();
        if (!diverted.isEmpty()) {
            int port = listeners.stream().filter(l -> l.active() && l.port() > 0).findFirst().orElseThrow().port();
            results.add(failMode(settings, port, diverted, rules));
        }
        List<ListenerFacts> spoofing = listeners.stream().filter(l -> l.active() && l.clientSource() && l.port() > 0).toList();
        if (!spoofing.isEmpty()) {
            results.add(replies(settings, spoofing, families, rules, via));
        }
        return results;
    }

    private static CheckResult diverted(DoctorSettings settings, ListenerFacts listener, Set<Integer> families,
            TproxyRules rules, String via) {
        String check = "TPROXY to :" + listener.port();
        String fix = "native/tproxy-host up --port " + listener.port() + settings.hostScriptOptions();
        List<String> missing = new ArrayList<>();
        List<String> wrongMark = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        for (int family : wanted(listener, families)) {
            Set<Long> marks = rules.marks(family, listener.port());
            if (!rules.diverts(family, listener.port())) {
                missing.add("IPv" + family);
            } else if (!marks.contains(settings.mark())) {
                wrongMark.add("IPv" + family + " sets " + describe(marks));
            } else {
                fine.add("IPv" + family);
            }
        }
        if (!missing.isEmpty()) {
            return CheckResult.fail(check, "no " + String.join(" or ", missing) + " rule diverts traffic to listener '"
                    + listener.name() + "' on :" + listener.port() + " (" + via + ")", fix);
        }
        if (!wrongMark.isEmpty()) {
            return CheckResult.fail(check, "the rule for :" + listener.port() + " (" + String.join("; ", wrongMark)
                    + ") does not set fwmark " + settings.mark() + ", which the ip rule expects", fix);
        }
        return CheckResult.ok(check, String.join(", ", fine) + " diverted to listener '" + listener.name()
                + "' with mark " + settings.mark() + " (" + via + ")");
    }

    // Without it, the replies to an upstream connection that uses the client's address are forwarded to the
    // client instead of delivered to the proxy, and the upstream connect times out (docs/design.md, "Data path").
    private static CheckResult replies(DoctorSettings settings, List<ListenerFacts> spoofing, Set<Integer> families,
            TproxyRules rules, String via) {
        String check = "socket rule";
        List<Integer> needed = spoofing.stream().flatMap(l -> wanted(l, families).stream()).distinct().sorted().toList();
        List<String> missing = needed.stream().filter(f -> !rules.marksReplies(f)).map(f -> "IPv" + f).toList();
        String fix = "native/tproxy-host up --port " + spoofing.get(0).port() + settings.hostScriptOptions();
        if (missing.isEmpty()) {
            List<String> takingSyns = needed.stream().filter(rules::socketRuleTakesSyns).map(f -> "IPv" + f).toList();
            if (!takingSyns.isEmpty()) {
                return CheckResult.warn(check, "the " + String.join(" and ", takingSyns) + " `socket transparent` rule "
                        + "also takes SYNs: a client that reuses the ports of a proxied connection still in TIME_WAIT "
                        + "has its SYN answered by that TIME_WAIT socket and retransmits it (leave SYNs to the TPROXY "
                        + "rule: nft `tcp flags != syn / syn,ack`, iptables `! --syn`)", fix);
            }
            return CheckResult.ok(check, "replies to spoofed upstream sockets are marked (" + via + ")");
        }
        return CheckResult.fail(check, "no " + String.join(" or ", missing) + " `socket transparent` rule marks replies "
                + "to the proxy's upstream sockets: upstream connects with the client's address time out", fix);
    }

    /** What a diverted SYN meets while no listener takes it: the proxy stopped, starting, or its port wrong. */
    private static CheckResult failMode(DoctorSettings settings, int port, List<Integer> diverted, TproxyRules rules) {
        String check = "fail mode";
        List<String> open = diverted.stream().filter(f -> rules.refusalWithoutListener(f) == null).map(f -> "IPv" + f).toList();
        if (!open.isEmpty()) {
            return CheckResult.warn(check, "open for " + String.join(" and ", open) + ": while no transparent listener "
                    + "takes a diverted SYN (the proxy stopped or starting), the flow passes to its destination unproxied",
                    "native/tproxy-host up --port " + port + " --fail closed" + settings.hostScriptOptions());
        }
        String how = diverted.stream().map(f -> "IPv" + f + " " + rules.refusalWithoutListener(f))
                .collect(Collectors.joining(", "));
        return CheckResult.ok(check, "closed: while no transparent listener takes a diverted SYN, it is refused (" + how + ")");
    }

    private static List<Integer> wanted(ListenerFacts listener, Set<Integer> families) {
        List<Integer> wanted = new ArrayList<>();
        if (listener.ipv4() && families.contains(4)) {
            wanted.add(4);
        }
        if (listener.ipv6() && families.contains(6)) {
            wanted.add(6);
        }
        return wanted;
    }

    private static String describe(Set<Long> marks) {
        return marks.stream().map(m -> m == TproxyRules.NO_MARK ? "no mark" : "mark 0x" + Long.toHexString(m))
                .collect(Collectors.joining(" and "));
    }

    private static String text(ExecResult result) {
        return result.ok() ? result.stdout() : null;
    }
}
