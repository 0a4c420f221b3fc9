package dev.tproxy.systemd.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The listeners etc/ configures, as Config Admin PIDs: fileinstall turns {@code dev.tproxy.listener-NAME.config}
 * into the factory configuration {@code dev.tproxy.listener~NAME}. Read each time, so a listener file added before
 * READY=1 is waited for too.
 */
final class ListenerFiles {
    private static final Pattern FILE = Pattern.compile("dev\\.tproxy\\.listener-(.+)\\.(cfg|config)");

    private final Path etc;

    ListenerFiles(Path etc) {
        this.etc = etc;
    }

    Set<String> expectedPids() {
        Set<String> pids = new TreeSet<>();
        try (Stream<Path> files = Files.list(etc)) {
            files.forEach(file -> {
                Matcher matcher = FILE.matcher(file.getFileName().toString());
                if (matcher.matches()) {
                    pids.add("dev.tproxy.listener~" + matcher.group(1));
                }
            });
        } catch (IOException e) {
            // no etc/ to read: the listeners the proxy knows of are all there is to wait for
        }
        return pids;
    }
}
