package dev.tproxy.shell.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal streaming JSON writer (compact, one line): enough for the shell's output without a dependency.
 * Misuse (a value where a name is due, unbalanced ends) fails fast instead of printing broken JSON.
 */
final class JsonWriter {
    private enum Scope { OBJECT, ARRAY }

    private final StringBuilder out = new StringBuilder();
    private final Deque<Scope> scopes = new ArrayDeque<>();
    private final Deque<Boolean> empty = new ArrayDeque<>();
    private boolean nameWritten;

    JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        push(Scope.OBJECT);
        return this;
    }

    JsonWriter endObject() {
        return end(Scope.OBJECT, '}');
    }

    JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        push(Scope.ARRAY);
        return this;
    }

    JsonWriter endArray() {
        return end(Scope.ARRAY, ']');
    }

    JsonWriter name(String name) {
        if (scopes.peek() != Scope.OBJECT || nameWritten) {
            throw new IllegalStateException("name '" + name + "' outside an object");
        }
        separate();
        string(name);
        out.append(':');
        nameWritten = true;
        return this;
    }

    /** A string, or {@code null}. */
    JsonWriter value(String value) {
        beforeValue();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        return this;
    }

    JsonWriter value(long value) {
        beforeValue();
        out.append(value);
        return this;
    }

    JsonWriter value(boolean value) {
        beforeValue();
        out.append(value);
        return this;
    }

    JsonWriter field(String name, String value) {
        return name(name).value(value);
    }

    JsonWriter field(String name, long value) {
        return name(name).value(value);
    }

    JsonWriter field(String name, boolean value) {
        return name(name).value(value);
    }

    @Override
    public String toString() {
        if (!scopes.isEmpty()) {
            throw new IllegalStateException("unclosed " + scopes.peek());
        }
        return out.toString();
    }

    private void push(Scope scope) {
        scopes.push(scope);
        empty.push(true);
    }

    private JsonWriter end(Scope scope, char close) {
        if (scopes.peek() != scope || nameWritten) {
            throw new IllegalStateException("cannot close " + scope + " here");
        }
        scopes.pop();
        empty.pop();
        out.append(close);
        return this;
    }

    private void beforeValue() {
        Scope scope = scopes.peek();
        if (scope == Scope.OBJECT) {
            if (!nameWritten) {
                throw new IllegalStateException("value without a name in an object");
            }
            nameWritten = false;
        } else if (scope == Scope.ARRAY) {
            separate();
        } else if (out.length() > 0) {
            throw new IllegalStateException("a second top-level value");
        }
    }

    private void separate() {
        if (!empty.pop()) {
            out.append(',');
        }
        empty.push(false);
    }

    private void string(String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
