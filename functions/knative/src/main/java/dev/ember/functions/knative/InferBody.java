package dev.ember.functions.knative;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.TreeTraversingParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The {@code infer} function's input as Funqy hands it over, still undecoded: Ember's codec, not
 * Jackson data binding, turns it into tensors, straight into bytes and once.
 *
 * <p>Funqy reads a function's input with Jackson from one of two places, and {@link Reader} treats
 * them differently:
 *
 * <ul>
 *   <li>a parser over the HTTP body itself (plain JSON POST, binary-mode CloudEvent): the reader
 *       takes nothing from it and answers {@link #HTTP_BODY}; the function decodes the body the
 *       request carried. Jackson has only looked at the first token (leaving the rest unread is
 *       allowed while {@code FAIL_ON_TRAILING_TOKENS} is off, as in Funqy's mapper), so a large
 *       tensor is parsed once, by the codec.
 *   <li>a tree (structured-mode CloudEvent, whose envelope Funqy has already parsed into one): the
 *       reader writes the event's {@code data} back to JSON for the codec. Structured mode costs
 *       that extra pass; binary mode, what Knative brokers deliver by default, does not.
 * </ul>
 *
 * @param json the request JSON, or null when it is the HTTP body
 */
@JsonDeserialize(using = InferBody.Reader.class)
public record InferBody(byte[] json) {
    /** The data is the HTTP request body. */
    static final InferBody HTTP_BODY = new InferBody(null);

    public static final class Reader extends StdDeserializer<InferBody> {
        private static final long serialVersionUID = 1L;
        private static final JsonFactory JSON = new JsonFactory();

        public Reader() {
            super(InferBody.class);
        }

        @Override
        public InferBody deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!(p instanceof TreeTraversingParser)) {
                return HTTP_BODY;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.copyCurrentStructure(p); // numbers were parsed into the tree already: written, not re-read
            }
            return new InferBody(out.toByteArray());
        }
    }
}
