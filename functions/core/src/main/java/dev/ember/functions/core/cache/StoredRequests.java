package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/** A request kept for recomputation: the v2 binary form, behind the length of its JSON part. */
final class StoredRequests {
    private static final InferenceCodec CODEC = new InferenceCodec();

    private StoredRequests() {}

    static byte[] encode(InferenceRequest request) {
        EncodedBody body = CODEC.encodeRequest(request, true);
        return ByteBuffer.allocate(4 + body.bytes().length)
                .putInt(body.jsonLength())
                .put(body.bytes())
                .array();
    }

    static Optional<InferenceRequest> decode(byte[] stored) {
        try {
            int jsonLength = ByteBuffer.wrap(stored).getInt();
            return Optional.of(CODEC.decodeRequest(Arrays.copyOfRange(stored, 4, stored.length), jsonLength));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
