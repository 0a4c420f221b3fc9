package dev.tproxy.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * native/systemd/tproxy.service as systemd itself rates it ({@code systemd-analyze security --offline=true}, which
 * needs no running systemd): exposure 2.5 or less, notify type, and etc/ checked before start and on reload.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SystemdUnitIT {
    private static final Path UNIT = Lab.projectRoot().resolve("native/systemd/tproxy.service");
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for tproxy\\.service: (\\d+\\.\\d+)");

    @Test
    void exposureIsAtMostTwoAndAHalf() throws IOException, InterruptedException {
        Process analyze = new ProcessBuilder("systemd-analyze", "security", "--offline=true", "--no-pager", UNIT.toString())
            .redirectErrorStream(true).start();
        String out = new String(analyze.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(analyze.waitFor(60, TimeUnit.SECONDS));
        Matcher matcher = EXPOSURE.matcher(out);
        assertTrue(matcher.find(), out);
        double exposure = Double.parseDouble(matcher.group(1));
        assertTrue(exposure <= 2.5, "exposure " + exposure + ":\n" + out);
    }

    @Test
    void notifyTypeAndTheCheckBeforeStartAndOnReload() throws IOException {
        List<String> lines = Files.readAllLines(UNIT);
        assertTrue(lines.contains("Type=notify"), "Type=notify");
        assertTrue(lines.contains("WatchdogSec=30s"), "watchdog");
        assertTrue(lines.contains("ExecStartPre=/opt/tproxy/bin/tproxy --check"), "checked before start");
        assertTrue(lines.contains("ExecReload=/opt/tproxy/bin/restart"), "a reload hands over to a new process (bin/restart checks etc/ first)");
        assertEquals(lines.indexOf("ExecStartPre=/opt/tproxy/bin/tproxy --check") + 1,
            lines.indexOf("ExecStartPre=+/opt/tproxy/native/tproxy-host up"), "the check runs before any rule is installed");
        assertTrue(lines.contains("CapabilityBoundingSet=CAP_NET_RAW"), "CAP_NET_ADMIN only by a drop-in on old kernels");
        assertTrue(lines.contains("ExecStopPost=+/opt/tproxy/native/tproxy-host stopped"), "the fail mode decides what stays after a stop");
    }
}
