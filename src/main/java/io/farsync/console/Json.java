package io.farsync.console;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.javalin.json.JavalinJackson;
import java.time.Duration;
import java.time.Instant;

/** The JSON both web apps speak: snake_case-free record names, instants and durations as ISO-8601 strings. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule("farsync-time").addSerializer(Instant.class, ToStringSerializer.instance)
                    .addSerializer(Duration.class, ToStringSerializer.instance))
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    static JavalinJackson javalin() {
        return new JavalinJackson(MAPPER, false);
    }
}
