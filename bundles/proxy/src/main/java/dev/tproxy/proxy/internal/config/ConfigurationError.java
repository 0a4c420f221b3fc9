package dev.tproxy.proxy.internal.config;

/** A configuration value that cannot be used; the message starts with the field's name. */
public final class ConfigurationError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public ConfigurationError(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
