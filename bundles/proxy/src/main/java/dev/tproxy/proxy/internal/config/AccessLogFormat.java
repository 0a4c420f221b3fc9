package dev.tproxy.proxy.internal.config;

/** How a connection's access-log line is written (listener field {@code log.format}). */
public enum AccessLogFormat {
    /** {@code TIME connection ID closed: listener=… client=… … reason=…}: for people, grep and awk. */
    TEXT,
    /** One JSON object per line: for log shippers (Vector, Fluent Bit, Loki's promtail, jq). */
    JSON
}
