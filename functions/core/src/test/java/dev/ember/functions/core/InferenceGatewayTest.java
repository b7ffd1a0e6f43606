package dev.ember.functions.core;

import static dev.ember.functions.core.FakePool.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.functions.core.tenancy.Authenticator;
import dev.ember.functions.core.tenancy.Plan;
import dev.ember.functions.core.tenancy.RateLimiter;
import dev.ember.functions.core.tenancy.Tenant;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.config.CachePolicy;
import dev.ember.pool.api.config.ModelPolicy;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InferenceGatewayTest {
    private final FakePool pool = new FakePool().model("doubler");
    private final MutableClock clock = new MutableClock();
    private InferenceGateway gateway = gateway(Authenticator.OFF, RateLimiter.NONE, GatewayConfig.DEFAULTS);

    @AfterEach
    void close() {
        gateway.close();
    }

    private InferenceGateway gateway(Authenticator auth, RateLimiter limiter, GatewayConfig config) {
        return GatewayAssembly.builder()
                .pool(pool)
                .authenticator(auth)
                .rateLimiter(limiter)
                .config(config)
                .clock(clock)
                .build();
    }

    private InferenceResponse infer(String model, InferenceRequest request) throws Exception {
        return gateway.infer(new GatewayRequest(null, model, null, request)).get(5, TimeUnit.SECONDS);
    }

    private static String cacheOutcome(InferenceResponse r) {
        return (String) r.parameters().values().get(CacheOutcome.PARAMETER);
    }

    @Test
    void admittingChecksEverythingAndRunsNothingUntilAnsweredAdmitted() throws Exception {
        Admission a = gateway.admit(new GatewayRequest(
                        null, "doubler", null, request(1, 2).withParameters(Parameters.of(Protocol.PRIORITY, "async"))))
                .get(5, TimeUnit.SECONDS);
        assertThat(pool.calls("doubler")).isZero();
        assertThat(a.tenantId()).isEqualTo("anonymous");
        assertThat(a.request().parameters().string(Protocol.PRIORITY)).contains("async");

        InferenceResponse r = gateway.answerAdmitted(a).get(5, TimeUnit.SECONDS).response();
        assertThat(r.output("y").orElseThrow().toFloats()).containsExactly(2f, 4f);
        assertThat(pool.calls("doubler")).isEqualTo(1);

        InferenceRequest wrongShape = InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3}, 1, 2, 3));
        assertThatThrownBy(() -> gateway.admit(new GatewayRequest(null, "doubler", null, wrongShape))
                        .get(5, TimeUnit.SECONDS))
                .satisfies(
                        e -> assertThat(InferenceException.find(e).orElseThrow().reason())
                                .isEqualTo(InferenceException.Reason.BAD_INPUT));
        assertThatThrownBy(() -> gateway.admitBatch(null, "doubler", null, List.of(request(1, 2), wrongShape))
                        .get(5, TimeUnit.SECONDS))
                .hasMessageContaining("request 1 of the batch");
        assertThat(pool.calls("doubler")).isEqualTo(1);
    }

    @Test
    void aRepeatedRequestIsAnsweredFromTheCacheWithoutThePool() throws Exception {
        InferenceResponse first = infer("doubler", request(1, 2));
        InferenceResponse second = infer("doubler", request(1, 2));

        assertThat(cacheOutcome(first)).isEqualTo("miss");
        assertThat(cacheOutcome(second)).isEqualTo("hit");
        assertThat(second.output("y").orElseThrow().toFloats()).containsExactly(2f, 4f);
        assertThat(second.parameters().values()).containsEntry(Protocol.COMPUTE_MS, 0.0);
        assertThat(first.parameters().values()).containsEntry(Protocol.COMPUTE_MS, 1.5);
        assertThat(first.parameters().values()).containsEntry("ember.model_version", "1");
        assertThat(pool.calls("doubler")).isEqualTo(1);
    }

    @Test
    void theSameTensorsWrittenDifferentlyShareOneCacheEntry() throws Exception {
        InferenceCodec codec = new InferenceCodec();
        InferenceRequest ints = codec.decodeRequest(bytes("""
                {"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [[1, 2], [3, 4]]}]}"""), -1);
        InferenceRequest floats = codec.decodeRequest(bytes("""
                {"inputs": [{"name": "x", "datatype": "FP32", "data": [1.0, 2.0, 3.0, 4.0], "shape": [2, 2]}],
                 "outputs": [{"name": "y", "parameters": {"binary_data": true}}]}"""), -1);
        infer("doubler", ints);
        InferenceResponse second = infer("doubler", floats.withOutputs(List.of()));
        assertThat(cacheOutcome(second)).isEqualTo("hit");
        assertThat(pool.calls("doubler")).isEqualTo(1);
    }

    @Test
    void oneHundredIdenticalConcurrentMissesMakeOnePoolCall() throws Exception {
        CompletableFuture<Void> release = pool.hold();
        List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(gateway.infer(new GatewayRequest(null, "doubler", null, request(7, 8))));
        }
        release.complete(null);
        Map<String, Long> outcomes = new java.util.HashMap<>();
        for (CompletableFuture<InferenceResponse> c : calls) {
            InferenceResponse r = c.get(5, TimeUnit.SECONDS);
            assertThat(r.output("y").orElseThrow().toFloats()).containsExactly(14f, 16f);
            outcomes.merge(cacheOutcome(r), 1L, Long::sum);
        }
        assertThat(pool.calls("doubler")).isEqualTo(1);
        assertThat(outcomes).containsEntry("miss", 1L).containsEntry("coalesced", 99L);
    }

    @Test
    void aNonDeterministicModelIsNeitherCachedNorCoalesced() throws Exception {
        pool.model("sampler", new ModelPolicy(false, CachePolicy.DEFAULT, null, 8));
        infer("sampler", request(1, 2));
        InferenceResponse again = infer("sampler", request(1, 2));
        assertThat(cacheOutcome(again)).isEqualTo("miss");
        assertThat(pool.calls("sampler")).isEqualTo(2);
    }

    @Test
    void failuresAreNeverCached() throws Exception {
        pool.failWith("doubler", () -> new InferenceException(Reason.MODEL_ERROR, "model failed"));
        assertThat(reasonOf(gateway.infer(new GatewayRequest(null, "doubler", null, request(1, 1)))))
                .isEqualTo(Reason.MODEL_ERROR);
        pool.heal("doubler");
        assertThat(cacheOutcome(infer("doubler", request(1, 1)))).isEqualTo("miss");
    }

    @Test
    void whenThePoolCannotAnswerAStaleAnswerIsServedAndSaysSo() throws Exception {
        pool.model("short", new ModelPolicy(true, FakePool.cache(Duration.ofSeconds(1), Duration.ofHours(1)), null, 8));
        infer("short", request(3, 4));
        clock.advance(Duration.ofSeconds(5)); // no longer fresh
        pool.failWith("short", () -> InferenceException.unavailable("pool is down"));

        InferenceResponse stale = infer("short", request(3, 4));

        assertThat(cacheOutcome(stale)).isEqualTo("stale");
        assertThat(stale.output("y").orElseThrow().toFloats()).containsExactly(6f, 8f);
    }

    @Test
    void withNothingCachedTheAnswerIs503WithRetryAfterNotAHang() throws Exception {
        pool.failWith(
                "doubler",
                () -> new InferenceException(Reason.UNAVAILABLE, "pool restarting", Duration.ofSeconds(4), null));
        CompletableFuture<InferenceResponse> f =
                gateway.infer(new GatewayRequest(null, "doubler", null, request(5, 5)));
        InferenceException e = failureOf(f);
        assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(4));
        assertThat(e.getMessage()).contains("no earlier answer is cached").contains("pool restarting");
    }

    @Test
    void aRequestThePoolShedsStaysA429WithThePoolsRetryAfter() throws Exception {
        pool.failWith("doubler", () -> InferenceException.overloaded("queue full", Duration.ofSeconds(4)));
        InferenceException e = failureOf(gateway.infer(new GatewayRequest(null, "doubler", null, request(5, 6))));
        assertThat(e.reason()).isEqualTo(Reason.OVERLOADED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(4));
        assertThat(e.getMessage()).contains("queue full");
    }

    @Test
    void aConfiguredFallbackModelAnswersBeforeAnyStaleEntry() throws Exception {
        pool.model("big", new ModelPolicy(true, FakePool.cache(Duration.ofSeconds(1), Duration.ofHours(1)), "small", 8))
                .model("small");
        infer("big", request(1, 1));
        clock.advance(Duration.ofSeconds(5));
        pool.failWith("big", () -> new InferenceException(Reason.DEVICE_ERROR, "GPU lost"));

        InferenceResponse r = infer("big", request(1, 1));

        assertThat(cacheOutcome(r)).isEqualTo("miss");
        assertThat(r.modelName()).isEqualTo("small");
        assertThat(pool.calls("small")).isEqualTo(1);
    }

    @Test
    void badInputIsReportedAsSuchEvenWhenAStaleAnswerExists() throws Exception {
        pool.model("short", new ModelPolicy(true, FakePool.cache(Duration.ofSeconds(1), Duration.ofHours(1)), null, 8));
        infer("short", request(1, 1));
        clock.advance(Duration.ofSeconds(5));
        pool.failWith("short", () -> InferenceException.badInput("the worker rejects this"));
        assertThat(failureOf(gateway.infer(new GatewayRequest(null, "short", null, request(1, 1))))
                        .reason())
                .isEqualTo(Reason.BAD_INPUT);
    }

    @Test
    void requestsAreValidatedAgainstTheSignatureBeforeThePoolIsCalled() {
        InferenceRequest wrong = InferenceRequest.of(Tensor.ofFloats("z", new long[] {1, 2}, 1, 2));
        InferenceRequest tooMany = request(new float[2 * 9]); // 9 rows, max_batch_size 8
        InferenceException unknownInput = failureOf(gateway.infer(new GatewayRequest(null, "doubler", null, wrong)));
        InferenceException rows = failureOf(gateway.infer(new GatewayRequest(null, "doubler", null, tooMany)));
        InferenceException noModel = failureOf(gateway.infer(new GatewayRequest(null, null, null, request(1, 1))));
        InferenceException unknownModel =
                failureOf(gateway.infer(new GatewayRequest(null, "nope", null, request(1, 1))));

        assertThat(unknownInput.getMessage()).contains("unknown input 'z'");
        assertThat(rows.getMessage()).contains("9 rows").contains("at most 8");
        assertThat(noModel.getMessage()).contains("names no model");
        assertThat(unknownModel.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(pool.calls("doubler")).isZero();
    }

    @Test
    void aTenantsPriorityIsCappedByItsPlan() throws Exception {
        Tenant free = new Tenant("free-co", new Plan("free", 10, 10, PriorityClass.BATCH), Set.of());
        gateway.close();
        gateway = gateway(key -> free, RateLimiter.NONE, GatewayConfig.DEFAULTS);
        InferenceRequest asksForVip = request(2, 2).withParameters(Parameters.of(Protocol.PRIORITY, "vip"));
        infer("doubler", asksForVip);
        assertThat(pool.received().get(0).parameters().string(Protocol.PRIORITY))
                .contains("batch");
    }

    @Test
    void aTenantCanBeForbiddenAModelAndRateLimitedBeforeThePool() {
        Tenant limited = new Tenant("acme", new Plan("pro", 10, 10, PriorityClass.REALTIME), Set.of("other"));
        gateway.close();
        gateway = gateway(
                key -> limited,
                tenant -> CompletableFuture.failedFuture(
                        new InferenceException(Reason.RATE_LIMITED, "over the plan", Duration.ofSeconds(2), null)),
                GatewayConfig.DEFAULTS);
        assertThat(failureOf(gateway.infer(new GatewayRequest("k", "doubler", null, request(1, 1))))
                        .reason())
                .isEqualTo(Reason.FORBIDDEN);
        pool.model("other");
        InferenceException limitedOut = failureOf(gateway.infer(new GatewayRequest("k", "other", null, request(1, 1))));
        assertThat(limitedOut.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(limitedOut.retryAfter()).contains(Duration.ofSeconds(2));
        assertThat(pool.calls("other")).isZero();
    }

    @Test
    void theCircuitOpensAfterRepeatedFailuresAndThenFailsFast() throws Exception {
        gateway.close();
        gateway = gateway(
                Authenticator.OFF, RateLimiter.NONE, GatewayConfig.DEFAULTS.withBreaker(50, 4, Duration.ofSeconds(30)));
        pool.model("sick", new ModelPolicy(false, CachePolicy.DEFAULT, null, 8));
        pool.failWith("sick", () -> new InferenceException(Reason.DEADLINE_EXCEEDED, "too slow"));
        for (int i = 0; i < 4; i++) {
            failureOf(gateway.infer(new GatewayRequest(null, "sick", null, request(i, i))));
        }
        int callsWhenOpened = pool.calls("sick");

        InferenceException fast = failureOf(gateway.infer(new GatewayRequest(null, "sick", null, request(9, 9))));

        assertThat(gateway.circuitState().name()).isEqualTo("OPEN");
        assertThat(fast.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(fast.getMessage()).contains("circuit open");
        assertThat(fast.retryAfter()).contains(Duration.ofSeconds(30));
        assertThat(pool.calls("sick")).isEqualTo(callsWhenOpened);
    }

    @Test
    void overloadDoesNotOpenTheCircuit() {
        gateway.close();
        gateway = gateway(
                Authenticator.OFF, RateLimiter.NONE, GatewayConfig.DEFAULTS.withBreaker(50, 4, Duration.ofSeconds(30)));
        pool.model("busy", new ModelPolicy(false, CachePolicy.DEFAULT, null, 8));
        pool.failWith("busy", () -> InferenceException.overloaded("queue full", Duration.ofSeconds(1)));
        for (int i = 0; i < 10; i++) {
            failureOf(gateway.infer(new GatewayRequest(null, "busy", null, request(i, i))));
        }
        assertThat(gateway.circuitState().name()).isEqualTo("CLOSED");
    }

    /**
     * The test's clock moves: answers of 3 ms set the floor, then 40 held requests answer after
     * 300 ms (100× the floor), and the next burst, behind a vip request, finds the front door's limit
     * at 0.9 × 40: realtime past it is refused with 429 before the pool sees it, vip still goes
     * through.
     */
    @Test
    void aSaturatedFrontDoorRefusesRealtimeAtOnceAndStillAdmitsVip() throws Exception {
        pool.model("door", new ModelPolicy(false, CachePolicy.DEFAULT, null, 8));
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 20; i++) {
                CompletableFuture<Void> release = pool.hold();
                CompletableFuture<InferenceResponse> f =
                        gateway.infer(new GatewayRequest(null, "door", null, request(i, i)));
                clock.advance(Duration.ofMillis(3));
                release.complete(null);
                f.get(5, TimeUnit.SECONDS);
            }
            clock.advance(Duration.ofMillis(500));
        }
        CompletableFuture<Void> release = pool.hold();
        List<CompletableFuture<InferenceResponse>> slow = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            slow.add(gateway.infer(new GatewayRequest(null, "door", null, request(i, i))));
        }
        clock.advance(Duration.ofMillis(300));
        release.complete(null);
        for (CompletableFuture<InferenceResponse> f : slow) {
            f.get(5, TimeUnit.SECONDS);
        }
        clock.advance(Duration.ofMillis(300)); // the congested interval closes on the next arrival
        pool.hold();
        int callsBefore = pool.calls("door");
        CompletableFuture<InferenceResponse> firstVip = gateway.infer(new GatewayRequest(
                null, "door", null, request(1, 1).withParameters(Parameters.of(Protocol.PRIORITY, "vip"))));
        List<CompletableFuture<InferenceResponse>> burst = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            burst.add(gateway.infer(new GatewayRequest(null, "door", null, request(i, i))));
        }
        InferenceException refused = failureOf(burst.get(39));
        assertThat(refused.reason()).isEqualTo(Reason.OVERLOADED);
        assertThat(refused.retryAfter()).isPresent();
        assertThat(refused.getMessage())
                .startsWith("model 'door' is busy: 36 requests are in flight")
                .contains("over 2× the fastest (3.0 ms), realtime requests are admitted below 36; retry in ");
        assertThat(pool.calls("door") - callsBefore).isEqualTo(36); // the vip and 35 realtime
        assertThat(firstVip).isNotDone();
        CompletableFuture<InferenceResponse> vip = gateway.infer(new GatewayRequest(
                null, "door", null, request(1, 1).withParameters(Parameters.of(Protocol.PRIORITY, "vip"))));
        assertThat(pool.calls("door") - callsBefore).isEqualTo(37);
        assertThat(vip).isNotDone(); // held by the pool like the others, not refused
    }

    @Test
    void aPoolThatCannotBeReachedIsRetriedAndTheAnswerArrives() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        pool.model("flaky", new ModelPolicy(false, CachePolicy.DEFAULT, null, 8));
        pool.failWith(
                "flaky",
                () -> new InferenceException(
                        Reason.UNAVAILABLE, "refused", null, new ConnectException("Connection refused")));
        CompletableFuture<InferenceResponse> f = gateway.infer(new GatewayRequest(null, "flaky", null, request(1, 2)));
        // The first attempt was refused; the pool comes back before the retry (25 ms later).
        pool.heal("flaky");
        assertThat(f.get(5, TimeUnit.SECONDS).output("y").orElseThrow().toFloats())
                .containsExactly(2f, 4f);
        assertThat(pool.calls("flaky")).isGreaterThanOrEqualTo(2);
        attempts.set(pool.calls("flaky"));
        assertThat(attempts.get()).isLessThanOrEqualTo(3);
    }

    @Test
    void modelsListsThePools() throws Exception {
        assertThat(gateway.models(null).get(5, TimeUnit.SECONDS).stream()
                        .map(m -> m.name())
                        .collect(Collectors.toList()))
                .contains("doubler");
    }

    @Test
    void withAuthenticationModelsNeedsAKeyAndListsOnlyTheTenantsModels() throws Exception {
        pool.model("secret");
        var onlyDoubler = new dev.ember.functions.core.tenancy.Tenant(
                "acme", dev.ember.functions.core.tenancy.Plan.UNLIMITED, java.util.Set.of("doubler"));
        Authenticator keys = key -> key.filter("ek_acme"::equals)
                .map(k -> onlyDoubler)
                .orElseThrow(() -> new InferenceException(Reason.UNAUTHENTICATED, "missing API key"));
        InferenceGateway guarded = gateway(keys, RateLimiter.NONE, GatewayConfig.DEFAULTS);
        assertThat(reasonOf(guarded.models(null))).isEqualTo(Reason.UNAUTHENTICATED);
        assertThat(guarded.models("ek_acme").get(5, TimeUnit.SECONDS))
                .extracting(m -> m.name())
                .containsExactly("doubler");
        assertThat(gateway.models(null).get(5, TimeUnit.SECONDS))
                .extracting(m -> m.name())
                .contains("doubler", "secret");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Reason reasonOf(CompletableFuture<?> f) {
        return failureOf(f).reason();
    }

    private static InferenceException failureOf(CompletableFuture<?> f) {
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return InferenceException.find(e).orElseThrow(() -> new AssertionError("untyped failure", e));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }
}
