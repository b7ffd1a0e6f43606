package dev.ember.functions.core.http;

import dev.ember.functions.core.GatewayAnswer;
import dev.ember.functions.core.cache.HitAnswer;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * Turns the gateway's answer into the 200 reply, each output as JSON or in binary as the request
 * asked. A cache hit sends its entry's bytes ({@link HitAnswer}), encoded on the entry's first hit;
 * only the caller's id is spliced in. Anything else is encoded now: on the calling thread, or on
 * {@code offThread} when JSON text of a large answer would hold up an I/O thread.
 */
public final class AnswerReplies {
    private final InferenceCodec codec;
    private final Executor offThread;
    private final int offThreadBytes;

    public AnswerReplies(InferenceCodec codec, Executor offThread, int offThreadBytes) {
        this.codec = codec;
        this.offThread = offThread;
        this.offThreadBytes = offThreadBytes;
    }

    /** The 200 reply, each output as JSON or in binary as {@code request} asked. */
    public CompletableFuture<HttpReply> reply(GatewayAnswer answer, InferenceRequest request) {
        Predicate<String> binary = InferenceCodec.binaryOutputs(request);
        Optional<EncodedBody> kept = kept(answer, request, binary);
        if (kept.isPresent()) {
            return CompletableFuture.completedFuture(reply(kept.get()));
        }
        long jsonBytes = 0;
        for (Tensor t : answer.response().outputs()) {
            jsonBytes += binary.test(t.name()) ? 0 : t.byteSize();
        }
        if (jsonBytes >= offThreadBytes) {
            return CompletableFuture.supplyAsync(
                    () -> reply(codec.encodeResponse(answer.response(), binary)), offThread);
        }
        return CompletableFuture.completedFuture(reply(codec.encodeResponse(answer.response(), binary)));
    }

    /** The answer's body, encoded now unless it is a hit's kept body (for a door that writes bodies itself). */
    public EncodedBody body(GatewayAnswer answer, InferenceRequest request, Predicate<String> binary) {
        return kept(answer, request, binary).orElseGet(() -> codec.encodeResponse(answer.response(), binary));
    }

    /**
     * A hit's body as its entry keeps it (encoded on the entry's first hit in this form), with the
     * caller's id spliced in; empty when the answer is not a hit or mixes binary and JSON outputs.
     */
    private Optional<EncodedBody> kept(GatewayAnswer answer, InferenceRequest request, Predicate<String> binary) {
        if (answer.hit().isEmpty()) {
            return Optional.empty();
        }
        HitAnswer hit = answer.hit().get();
        int binaryOutputs = 0;
        for (Tensor t : hit.response().outputs()) {
            binaryOutputs += binary.test(t.name()) ? 1 : 0;
        }
        boolean allBinary = binaryOutputs == hit.response().outputs().size();
        if (!allBinary && binaryOutputs > 0) {
            return Optional.empty();
        }
        EncodedBody body = hit.body(allBinary, () -> codec.encodeResponse(hit.response(), binary));
        return Optional.of(codec.withResponseId(body, request.id()));
    }

    private static HttpReply reply(EncodedBody body) {
        Map<String, String> headers =
                body.binary() ? Map.of(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength())) : Map.of();
        return new HttpReply(200, body.contentType(), headers, body.bytes());
    }
}
