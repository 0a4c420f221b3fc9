package dev.tproxy.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest {

    @Test
    void nestedValuesWithCommasInTheRightPlaces() {
        String json = new JsonWriter().beginObject().field("a", 1).name("b").beginArray().value("x").value(2)
                .value(true).beginObject().endObject().beginArray().endArray().endArray().field("c", (String) null)
                .endObject().toString();
        assertEquals("{\"a\":1,\"b\":[\"x\",2,true,{},[]],\"c\":null}", json);
        assertEquals(Map.of("a", 1L, "b", List.of("x", 2L, true, Map.of(), List.of())), withoutNulls(Json.object(json)));
    }

    @Test
    void stringsAreEscaped() {
        String tricky = "quote\" backslash\\ newline\n tab\t bell\u0007 separator\u2028 ümlaut [::1]";
        String json = new JsonWriter().beginObject().field("s", tricky).endObject().toString();
        assertEquals(tricky, Json.object(json).get("s"));
    }

    @Test
    void misuseFailsInsteadOfPrintingBrokenJson() {
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().value(1));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().name("x"));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().endArray());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().toString());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().value(1).value(2));
    }

    @Test
    void theTestParserRejectsWhatIsNotJson() {
        for (String bad : List.of("{", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{\"a\":1}x", "\"\u0001\"", "{a:1}")) {
            assertThrows(RuntimeException.class, () -> Json.parse(bad), bad);
        }
    }

    private static Map<String, Object> withoutNulls(Map<String, Object> map) {
        map.values().removeIf(java.util.Objects::isNull);
        return map;
    }
}
