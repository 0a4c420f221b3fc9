package dev.tproxy.shell.internal.doctor;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Kernel settings the data path depends on: forwarding, reverse-path filtering, early demux. */
final class SysctlChecks {
    private static final String CONF = "/proc/sys/net/ipv4/conf";

    private final HostProbe probe;

    SysctlChecks(HostProbe probe) {
        this.probe = probe;
    }

    List<CheckResult> run(boolean ipv4, boolean ipv6) {
        List<CheckResult> results = new ArrayList<>();
        if (ipv4) {
            results.add(forwarding("net.ipv4.ip_forward", "IPv4", true));
        }
        if (ipv6) {
            results.add(forwarding("net.ipv6.conf.all.forwarding", "IPv6", false));
        }
        List<String> validMark = interfacesWith("src_valid_mark", "1");
        results.add(acceptLocal(validMark));
        results.add(reversePath(validMark));
        results.add(earlyDemux());
        return results;
    }

    private CheckResult forwarding(String sysctl, String family, boolean required) {
        String check = family + " forwarding";
        Optional<String> value = sysctl(sysctl);
        if (value.isEmpty()) {
            return CheckResult.warn(check, sysctl + " cannot be read", "cat " + path(sysctl));
        }
        if (value.get().equals("1")) {
            return CheckResult.ok(check, sysctl + " = 1");
        }
        String detail = sysctl + " = " + value.get() + ": the router does not forward " + family
                + ", so no " + family + " flow reaches the proxy";
        String fix = "sysctl -w " + sysctl + "=1";
        return required ? CheckResult.fail(check, detail, fix) : CheckResult.warn(check, detail, fix);
    }

    // src_valid_mark=1 makes the reverse-path check of a diverted SYN use the TPROXY mark; it then finds the
    // `local default` route and the kernel drops the SYN as a martian unless accept_local=1 (native/README.md).
    private CheckResult acceptLocal(List<String> validMark) {
        String check = "src_valid_mark";
        if (validMark.isEmpty()) {
            return CheckResult.ok(check, "src_valid_mark = 0 on every interface");
        }
        Optional<String> acceptLocal = sysctl("net.ipv4.conf.all.accept_local");
        String on = "src_valid_mark = 1 on " + String.join(", ", validMark);
        if (acceptLocal.filter("1"::equals).isPresent()) {
            return CheckResult.ok(check, on + ", net.ipv4.conf.all.accept_local = 1");
        }
        return CheckResult.fail(check, on + " and net.ipv4.conf.all.accept_local = " + acceptLocal.orElse("?")
                + ": diverted SYNs are dropped as martians", "sysctl -w net.ipv4.conf.all.accept_local=1");
    }

    // The effective rp_filter of an interface is max(conf.all, conf.<if>); strict (1) only hurts TPROXY when
    // src_valid_mark is in effect, since the local route's device is lo.
    private CheckResult reversePath(List<String> validMark) {
        String check = "rp_filter";
        String all = sysctl("net.ipv4.conf.all.rp_filter").orElse("?");
        List<String> strict = all.equals("2") ? List.of() : all.equals("1") ? List.of("all") : interfacesWith("rp_filter", "1");
        if (validMark.isEmpty()) {
            return CheckResult.ok(check, "net.ipv4.conf.all.rp_filter = " + all + " (no effect on diverted flows while src_valid_mark = 0)");
        }
        if (strict.isEmpty()) {
            return CheckResult.ok(check, "no interface filters strictly (net.ipv4.conf.all.rp_filter = " + all + ")");
        }
        return CheckResult.fail(check, "strict reverse-path filter on " + String.join(", ", strict)
                + " with src_valid_mark = 1: diverted SYNs are dropped", "sysctl -w net.ipv4.conf.all.rp_filter=2");
    }

    // After the proxy stopped intercepting a port, its connections' TIME_WAIT sockets capture forwarded packets of
    // new flows reusing those ports, and ip_forward() drops them. The proposed ip_forward_accept_local knob would
    // fix that; where the kernel lacks it, early demux off does (what native/tproxy-host sets).
    private CheckResult earlyDemux() {
        String check = "early demux";
        Optional<String> acceptLocal = sysctl("net.ipv4.ip_forward_accept_local");
        if (acceptLocal.isPresent()) {
            return acceptLocal.get().equals("1") ? CheckResult.ok(check, "net.ipv4.ip_forward_accept_local = 1")
                    : CheckResult.warn(check, "net.ipv4.ip_forward_accept_local = " + acceptLocal.get()
                            + ": forwarded packets that match a lingering local socket are dropped",
                            "sysctl -w net.ipv4.ip_forward_accept_local=1");
        }
        Optional<String> demux = sysctl("net.ipv4.tcp_early_demux");
        if (demux.isEmpty() || demux.get().equals("0")) {
            return CheckResult.ok(check, "net.ipv4.tcp_early_demux = " + demux.orElse("absent"));
        }
        return CheckResult.warn(check, "net.ipv4.tcp_early_demux = " + demux.get() + " (and no ip_forward_accept_local "
                + "in this kernel): after the proxy stops intercepting a port, flows reusing its TIME_WAIT ports hang",
                "sysctl -w net.ipv4.tcp_early_demux=0");
    }

    private List<String> interfacesWith(String setting, String value) {
        List<String> matching = new ArrayList<>();
        for (String name : probe.list(CONF)) {
            if (!name.equals("default") && probe.read(CONF + "/" + name + "/" + setting).map(String::strip)
                    .filter(value::equals).isPresent()) {
                matching.add(name);
            }
        }
        return matching;
    }

    private Optional<String> sysctl(String name) {
        return probe.read(path(name)).map(String::strip);
    }

    private static String path(String sysctl) {
        return "/proc/sys/" + sysctl.replace('.', '/');
    }
}
