/** The access log file, for the proxy's per-connection lines. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.tproxy.logfile.api;
