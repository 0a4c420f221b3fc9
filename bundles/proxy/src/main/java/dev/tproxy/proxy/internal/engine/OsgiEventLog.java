package dev.tproxy.proxy.internal.engine;

import org.osgi.service.log.Logger;

/** {@link EventLog} onto the OSGi Log Service. */
public final class OsgiEventLog implements EventLog {
    private final Logger logger;

    public OsgiEventLog(Logger logger) {
        this.logger = logger;
    }

    @Override
    public void info(String message) {
        logger.info(message);
    }

    @Override
    public void warn(String message) {
        logger.warn(message);
    }

    @Override
    public void error(String message, Throwable cause) {
        logger.error(message, cause);
    }
}
