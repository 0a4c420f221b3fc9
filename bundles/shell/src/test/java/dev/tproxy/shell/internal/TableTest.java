package dev.tproxy.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columnsAreAlignedNumbersRightAndNoLineEndsInBlanks() {
        String text = new Table("ID", "NAME", "BYTES", "NOTE").right(0, 2)
                .row(7, "default", "1.2 MiB", null)
                .row(1234, "x", "0 B", "long note")
                .render();
        assertEquals("  ID  NAME       BYTES  NOTE\n"
                + "   7  default  1.2 MiB  -\n"
                + "1234  x            0 B  long note", text);
    }

    @Test
    void aRowMustFillEveryColumn() {
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("only one"));
    }
}
