package dev.ember.functions.knative;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.Objects;

/**
 * A JSON value Ember's codec has already written; Funqy's Jackson writes it out as it is, as the
 * HTTP body, the binary-mode event's data, or the structured-mode event's {@code data} member.
 */
@JsonSerialize(using = EncodedJson.Writer.class)
public record EncodedJson(String json) {
    public EncodedJson {
        Objects.requireNonNull(json, "json");
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
