package dev.ember.functions.knative;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A JSON value Ember's codec writes; Funqy's Jackson writes it out as it is, as the HTTP body, the
 * binary-mode event's data, or the structured-mode event's {@code data} member. The codec runs
 * when Funqy serializes, which it does on its worker threads: a function can complete on an I/O
 * thread without encoding there and without a hop of its own to a worker.
 */
@JsonSerialize(using = EncodedJson.Writer.class)
public final class EncodedJson {
    private final Supplier<String> json;

    private EncodedJson(Supplier<String> json) {
        this.json = Objects.requireNonNull(json, "json");
    }

    /** JSON written when it is serialized. */
    public static EncodedJson later(Supplier<String> json) {
        return new EncodedJson(json);
    }

    /** The JSON text (encodes it, each call). */
    public String json() {
        return json.get();
    }

    public static final class Writer extends StdSerializer<EncodedJson> {
        private static final long serialVersionUID = 1L;

        public Writer() {
            super(EncodedJson.class);
        }

        @Override
        public void serialize(EncodedJson value, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeRawValue(value.json());
        }
    }
}
