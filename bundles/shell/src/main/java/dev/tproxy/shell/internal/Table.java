package dev.tproxy.shell.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Aligned text columns under a header line: two spaces between columns, numbers right-aligned, no trailing
 * blanks, so that scripts can split on whitespace and people can read it.
 */
final class Table {
    private final String[] headers;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = headers.clone();
        this.rightAligned = new boolean[headers.length];
    }

    /** Right-aligns these columns, counted from 0 (counts and sizes). */
    Table right(int... columns) {
        for (int column : columns) {
            rightAligned[column] = true;
        }
        return this;
    }

    Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.length + " columns");
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
        }
        rows.add(row);
        return this;
    }

    String render() {
        int[] widths = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            widths[i] = headers[i].length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        line(text, headers, widths);
        for (String[] row : rows) {
            text.append('\n');
            line(text, row, widths);
        }
        return text.toString();
    }

    private void line(StringBuilder text, String[] cells, int[] widths) {
        int start = text.length();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                text.append("  ");
            }
            String padding = " ".repeat(widths[i] - cells[i].length());
            text.append(rightAligned[i] ? padding + cells[i] : cells[i] + padding);
        }
        int end = text.length();
        while (end > start && text.charAt(end - 1) == ' ') {
            end--;
        }
        text.setLength(end);
    }
}
