package dev.tproxy.shell.internal.doctor;

import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks what the proxy needs from the host, in the order a packet needs it: a listener, forwarding, the TPROXY
 * rule, policy routing, the kernel settings that can drop diverted packets, and the process's own rights.
 */
public final class Doctor {
    private final HostProbe probe;

    public Doctor(HostProbe probe) {
        this.probe = probe;
    }

    public DoctorReport examine(DoctorSettings settings, List<ListenerInfo> listeners) {
        List<ListenerFacts> facts = listeners.stream().map(ListenerFacts::of).toList();
        Set<Integer> families = families(facts);
        List<CheckResult> results = new ArrayList<>(listenerStates(facts));
        results.addAll(new SysctlChecks(probe).run(families.contains(4), families.contains(6)));
        results.addAll(new FirewallChecks(probe).run(settings, facts, families));
        RoutingChecks routing = new RoutingChecks(probe);
        for (int family : families) {
            results.addAll(routing.run(settings, family));
        }
        results.addAll(new ProcessChecks(probe).run(facts));
        return new DoctorReport(results);
    }

    // IPv6 is checked where the kernel has it and some listener (or, with none configured, any) would use it.
    private Set<Integer> families(List<ListenerFacts> listeners) {
        List<ListenerFacts> active = listeners.stream().filter(ListenerFacts::active).toList();
        Set<Integer> families = new TreeSet<>();
        if (active.isEmpty() || active.stream().anyMatch(ListenerFacts::ipv4)) {
            families.add(4);
        }
        boolean kernelHasIpv6 = probe.read("/proc/sys/net/ipv6/conf/all/forwarding").isPresent();
        if (kernelHasIpv6 && (active.isEmpty() || active.stream().anyMatch(ListenerFacts::ipv6))) {
            families.add(6);
        }
        return families;
    }

    private static List<CheckResult> listenerStates(List<ListenerFacts> listeners) {
        if (listeners.isEmpty()) {
            return List.of(CheckResult.warn("listeners", "no listener is configured: nothing receives diverted traffic",
                    "add etc/dev.tproxy.listener-default.config (factory PID dev.tproxy.listener)"));
        }
        List<CheckResult> results = new ArrayList<>();
        for (ListenerFacts listener : listeners) {
            String check = "listener " + listener.name();
            if (listener.state() == ListenerState.RUNNING) {
                results.add(CheckResult.ok(check, "running on " + String.join(", ", listener.bound())));
            } else if (listener.state() == ListenerState.FAILED) {
                results.add(CheckResult.fail(check, "failed: " + (listener.lastError() == null ? "no error recorded"
                        : listener.lastError()), "tproxy:listeners shows its settings; correct them in "
                                + "etc/dev.tproxy.listener-*.config (factory PID dev.tproxy.listener)"));
            }
        }
        return results;
    }
}
