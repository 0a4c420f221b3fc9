package dev.tproxy.metrics.internal;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The process's own families, under the names Prometheus client libraries use, read from /proc/self. */
final class ProcessMetrics {
    private static final long PAGE_SIZE = 4096;
    private static final double CLOCK_TICKS = 100;   // USER_HZ: 100 on Linux x86-64 and aarch64

    private ProcessMetrics() {}

    static void write(PrometheusText out) {
        String[] stat = stat();
        if (stat != null) {
            out.family("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
            out.sample("process_cpu_seconds_total", (Long.parseLong(stat[13]) + Long.parseLong(stat[14])) / CLOCK_TICKS);
            out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
            out.sample("process_resident_memory_bytes", Long.parseLong(stat[23]) * PAGE_SIZE);
            out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
            out.sample("process_virtual_memory_bytes", Long.parseLong(stat[22]));
        }
        out.family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.");
        out.sample("process_start_time_seconds", ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0);
        out.family("process_open_fds", "gauge", "Open file descriptors.");
        out.sample("process_open_fds", openFds());
        long maxFds = maxFds();
        if (maxFds > 0) {
            out.family("process_max_fds", "gauge", "The open-files limit.");
            out.sample("process_max_fds", maxFds);
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        out.family("jvm_memory_used_bytes", "gauge", "Java memory in use, by area.");
        out.sample("jvm_memory_used_bytes", heap.getUsed(), "area", "heap");
        out.sample("jvm_memory_used_bytes", ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed(), "area", "nonheap");
        out.family("jvm_memory_max_bytes", "gauge", "The most Java memory an area can use (-1: no limit).");
        out.sample("jvm_memory_max_bytes", heap.getMax(), "area", "heap");
        out.family("jvm_buffer_pool_used_bytes", "gauge", "Memory of the JVM's buffer pools in use (direct: NIO direct buffers).");
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            out.sample("jvm_buffer_pool_used_bytes", pool.getMemoryUsed(), "pool", pool.getName());
        }
    }

    /** /proc/self/stat's fields after the command name (which may hold spaces), numbered as in proc(5) from 0. */
    private static String[] stat() {
        try {
            String text = Files.readString(Path.of("/proc/self/stat"));
            String[] rest = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
            String[] fields = new String[rest.length + 2];
            System.arraycopy(rest, 0, fields, 2, rest.length);
            return fields;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long maxFds() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no limit to report
        }
        return -1;
    }
}
