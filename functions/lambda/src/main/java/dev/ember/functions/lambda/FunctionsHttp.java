package dev.ember.functions.lambda;

import dev.ember.functions.core.http.FunctionsApi;
import dev.ember.functions.core.http.HttpCall;
import dev.ember.functions.core.http.HttpHeaders;
import dev.ember.functions.core.http.HttpReply;
import dev.ember.functions.lambda.snapstart.PrimingRequest;
import dev.ember.functions.lambda.snapstart.SnapStartPriming;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.codec.InferenceCodec;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The functions' HTTP endpoints ({@link FunctionsApi}, the same ones the Knative app serves) as the
 * API Gateway handlers call them: synchronously, one call per invocation. Also the function's
 * SnapStart hooks, which prime through this same door before the snapshot.
 */
@Context
public class FunctionsHttp {
    private final FunctionsApi api;
    private final LambdaGateway gateway;
    private final InferenceCodec codec;
    private SnapStartPriming priming; // held: the CRaC context keeps resources weakly

    FunctionsHttp(FunctionsApi api, LambdaGateway gateway, InferenceCodec codec) {
        this.api = api;
        this.gateway = gateway;
        this.codec = codec;
    }

    @PostConstruct
    void registerSnapStartHooks() {
        priming = new SnapStartPriming(gateway, this::prime).register();
    }

    /** The SnapStart hooks this door registered (Lambda calls them; tests may too). */
    public SnapStartPriming snapStartHooks() {
        return priming;
    }

    /**
     * Answers the call {@code event} maps to. A call the event cannot make (a body marked base64
     * that is not) is answered like any bad request; an event that is not an HTTP event at all
     * throws, and Lambda reports the invocation as failed.
     */
    public HttpReply answer(Supplier<HttpCall> event) {
        HttpCall call;
        try {
            call = event.get();
        } catch (InferenceException e) {
            return api.failures().of(e);
        }
        // Bounded: every wait in the gateway is; and the future never fails (failures are replies).
        return api.handle(call).join();
    }

    /** One priming request, as a client would send it: {@code POST /v2/models/{m}/infer}, JSON. */
    private String prime(PrimingRequest r) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/json");
        gateway.settings().primingApiKey().ifPresent(key -> headers.put("Authorization", "Bearer " + key));
        HttpCall call = new HttpCall(
                "POST",
                "/v2/models/" + r.model() + "/infer",
                Map.of(),
                HttpHeaders.of(headers),
                codec.encodeRequest(r.request(), false).bytes());
        HttpReply reply = api.handle(call).join();
        return reply.status() == 200 ? "200" : reply.status() + " " + codec.decodeError(reply.body());
    }
}
