package dev.ember.functions.core.http;

import dev.ember.functions.core.GatewayAnswer;
import dev.ember.functions.core.cache.HitAnswer;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * Turns the gateway's answer into the 200 reply, each output as JSON or in binary as the request
 * asked. A cache hit sends its entry's bytes ({@link HitAnswer}), encoded on the entry's first hit;
 * only the caller's id is spliced in. Anything else is encoded now: on the calling thread, or on
 * {@code offThread} when JSON text of a large answer would hold up an I/O thread.
 */
final class AnswerReplies {
    private final InferenceCodec codec;
    private final Executor offThread;
    private final int offThreadBytes;

    AnswerReplies(InferenceCodec codec, Executor offThread, int offThreadBytes) {
        this.codec = codec;
        this.offThread = offThread;
        this.offThreadBytes = offThreadBytes;
    }

    CompletableFuture<HttpReply> reply(GatewayAnswer answer, InferenceRequest request) {
        Predicate<String> binary = InferenceCodec.binaryOutputs(request);
        InferenceResponse response = answer.response();
        int binaryOutputs = 0;
        long jsonBytes = 0;
        for (Tensor t : response.outputs()) {
            if (binary.test(t.name())) {
                binaryOutputs++;
            } else {
                jsonBytes += t.byteSize();
            }
        }
        boolean allBinary = binaryOutputs == response.outputs().size();
        boolean uniform = allBinary || binaryOutputs == 0;
        if (answer.hit().isPresent() && uniform) {
            HitAnswer hit = answer.hit().get();
            // Encoded once per entry (on its first hit in either form), then bytes only.
            EncodedBody body = hit.body(allBinary, () -> codec.encodeResponse(hit.response(), binary));
            return CompletableFuture.completedFuture(reply(codec.withResponseId(body, request.id())));
        }
        if (jsonBytes >= offThreadBytes) {
            return CompletableFuture.supplyAsync(() -> reply(codec.encodeResponse(response, binary)), offThread);
        }
        return CompletableFuture.completedFuture(reply(codec.encodeResponse(response, binary)));
    }

    private static HttpReply reply(EncodedBody body) {
        Map<String, String> headers =
                body.binary() ? Map.of(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength())) : Map.of();
        return new HttpReply(200, body.contentType(), headers, body.bytes());
    }
}
