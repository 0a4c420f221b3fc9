package dev.tproxy.logfile.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The access log: a file of one line per ended connection ({@code log/access.log}), rotated by size like
 * {@code log/tproxy.log}. The proxy formats the lines on its log thread and hands them over in batches, never from
 * an event loop; each batch is written out before this returns.
 */
@ProviderType
public interface AccessLog {
    /** Appends {@code lines} in order, each followed by a line break, and writes them to the file. */
    void append(List<String> lines);
}
