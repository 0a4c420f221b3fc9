package dev.tproxy.proxy.internal.config;

import dev.tproxy.proxy.api.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The relay engine's configuration, validated: every value usable as it is. */
public record EngineSettings(int eventLoops, long bufferMemory, int pipesPerLoop, int idlePipesPerLoop, Duration gracePeriod) {
    /** Each loop needs a few copy buffers of 64 KiB: 1 MiB per loop at least. */
    public static final long MIN_BUFFER_MEMORY_PER_LOOP = 1 << 20;

    /** Validates every field; the first bad one is reported with its name, its value and what is allowed. */
    public static EngineSettings from(EngineConfig config) {
        return from(config.event_loops(), config.buffer_memory(), config.pipes_per_loop(), config.idle_pipes_per_loop(),
                config.grace_period());
    }

    /** The same from fields as {@link #describe} writes them; a missing field has its default. */
    public static EngineSettings from(Map<String, String> fields) {
        return from(field(fields, "event.loops"), field(fields, "buffer.memory"), field(fields, "pipes.per.loop"),
                field(fields, "idle.pipes.per.loop"), field(fields, "grace.period"));
    }

    private static String field(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value != null) {
            return value;
        }
        try {
            return (String) EngineConfig.class.getMethod(name.replace('.', '_')).getDefaultValue();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("no field " + name, e);
        }
    }

    private static EngineSettings from(String eventLoops, String bufferMemory, String pipesPerLoop, String idlePipesPerLoop,
            String gracePeriod) {
        int loops = Fields.integer("event.loops", eventLoops, 0, 256);
        int effectiveLoops = loops > 0 ? loops : Runtime.getRuntime().availableProcessors();
        long memory = Fields.size("buffer.memory", bufferMemory, effectiveLoops * MIN_BUFFER_MEMORY_PER_LOOP, 16L << 30);
        int pipes = Fields.integer("pipes.per.loop", pipesPerLoop, 0, 1_000_000);
        int idlePipes = Fields.integer("idle.pipes.per.loop", idlePipesPerLoop, 0, 1_000_000);
        if (idlePipes > pipes) {
            throw new ConfigurationError("idle.pipes.per.loop", "must not exceed pipes.per.loop (" + pipes + "), was " + idlePipes);
        }
        Duration grace = Fields.duration("grace.period", gracePeriod, Duration.ofSeconds(1), Duration.ofHours(24));
        return new EngineSettings(effectiveLoops, memory, pipes, idlePipes, grace);
    }

    /** Copy buffers of {@code bufferSize} bytes each loop may use. */
    public int buffersPerLoop(int bufferSize) {
        return (int) Math.min(Integer.MAX_VALUE, bufferMemory / eventLoops / bufferSize);
    }

    /** The settings field by field, as operators write them. */
    public Map<String, String> describe() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("event.loops", String.valueOf(eventLoops));
        fields.put("buffer.memory", Fields.formatSize(bufferMemory));
        fields.put("pipes.per.loop", String.valueOf(pipesPerLoop));
        fields.put("idle.pipes.per.loop", String.valueOf(idlePipesPerLoop));
        fields.put("grace.period", Durations.format(gracePeriod));
        return fields;
    }
}
