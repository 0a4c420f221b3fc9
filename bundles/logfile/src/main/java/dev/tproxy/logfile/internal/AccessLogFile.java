package dev.tproxy.logfile.internal;

import dev.tproxy.logfile.api.AccessLog;
import java.io.IOException;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * {@link AccessLog} onto {@code log/access.log}, rotated by size ({@link RotatingFile}; settings
 * {@code tproxy.access.log.*}, {@link LogFileSettings#accessLog}). A file that cannot be written is said once in
 * the runtime's log, and once more when it can be written again.
 */
@Component(service = AccessLog.class, configurationPolicy = ConfigurationPolicy.IGNORE, immediate = true)
public final class AccessLogFile implements AccessLog {
    private final RotatingFile file;
    private final Logger logger;
    private boolean failing;

    @Activate
    public AccessLogFile(BundleContext context, @Reference(service = LoggerFactory.class) Logger logger) {
        this(LogFileSettings.accessLog(context::getProperty), logger);
    }

    AccessLogFile(LogFileSettings settings, Logger logger) {
        this.file = new RotatingFile(settings.file(), settings.rotateBytes(), settings.rotateKeep());
        this.logger = logger;
        settings.problems().forEach(problem -> logger.warn("access log: " + problem));
        try {
            file.ensureOpen();   // at start, so the descriptor is there before the first connection, not with it
        } catch (IOException e) {
            cannotWrite(e);
        }
    }

    @Override
    public synchronized void append(List<String> lines) {
        try {
            for (String line : lines) {
                file.append(line);
            }
            file.flush();
            if (failing) {
                failing = false;
                logger.info("access log: " + file.path() + " is written again");
            }
        } catch (IOException e) {
            cannotWrite(e);
        }
    }

    private void cannotWrite(IOException e) {
        if (!failing) {
            failing = true;
            logger.error("access log: cannot write " + file.path() + ": " + e + "; its lines are lost until it can");
        }
    }

    @Deactivate
    synchronized void close() {
        file.close();
    }
}
