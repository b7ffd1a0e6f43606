package dev.ember.functions.core;

import dev.ember.functions.core.admission.FrontDoor;
import dev.ember.functions.core.admission.PriorityAdmission;
import dev.ember.functions.core.cache.CacheKey;
import dev.ember.functions.core.cache.CachedEntry;
import dev.ember.functions.core.cache.Coalescer;
import dev.ember.functions.core.cache.HitAnswer;
import dev.ember.functions.core.cache.HotKeys;
import dev.ember.functions.core.cache.ResponseCache;
import dev.ember.functions.core.resilience.ResilientPool;
import dev.ember.functions.core.tenancy.Authenticator;
import dev.ember.functions.core.tenancy.RateLimiter;
import dev.ember.functions.core.tenancy.Tenant;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Protocol;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The functions' whole request path, framework-free: authenticate → rate-limit → look up the
 * model → validate → cache → coalesce → pool → fill → respond, and when the pool cannot answer,
 * the degradation ladder: a configured fallback model, then a stale cached answer, then 503 with
 * Retry-After. Never a hang (every wait is bounded), never a stack trace (failures are {@link
 * InferenceException}s with a reason the edge maps to a status). Build one per process with
 * {@link GatewayAssembly}.
 */
public final class InferenceGateway implements AutoCloseable {
    private final PoolClient pool;
    private final ResilientPool resilientPool;
    private final ModelCatalog catalog;
    private final RequestGuard guard;
    private final FrontDoor frontDoor;
    private final ResponseCache cache;
    private final Coalescer coalescer;
    private final HotKeys hotKeys;
    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final GatewayMetrics metrics;
    private final Clock clock;
    private final AutoCloseable resources;

    InferenceGateway(
            PoolClient pool,
            ResilientPool resilientPool,
            ModelCatalog catalog,
            RequestGuard guard,
            FrontDoor frontDoor,
            ResponseCache cache,
            Coalescer coalescer,
            HotKeys hotKeys,
            Authenticator authenticator,
            RateLimiter rateLimiter,
            GatewayMetrics metrics,
            Clock clock,
            AutoCloseable resources) {
        this.pool = pool;
        this.resilientPool = resilientPool;
        this.catalog = catalog;
        this.guard = guard;
        this.frontDoor = frontDoor;
        this.cache = cache;
        this.coalescer = coalescer;
        this.hotKeys = hotKeys;
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.metrics = metrics;
        this.clock = clock;
        this.resources = resources;
    }

    /**
     * Answers one {@code infer} call. The response's parameters say how: {@code ember.cache}
     * (hit|miss|coalesced|stale), {@code ember.model_version}, {@code ember.queue_ms}, {@code
     * ember.compute_ms}, and {@code ember.fallback} when a fallback model answered.
     */
    public CompletableFuture<InferenceResponse> infer(GatewayRequest call) {
        return answer(call).thenApply(GatewayAnswer::response);
    }

    /**
     * As {@link #infer}, with how the answer was obtained and, for a cache hit, the entry's encoded
     * bodies. A hit in the near cache completes before this returns, on the caller's thread.
     */
    public CompletableFuture<GatewayAnswer> answer(GatewayRequest call) {
        long start = System.nanoTime();
        CompletableFuture<GatewayAnswer> answer;
        try {
            String model = guard.requireModel(call.model());
            Tenant tenant = admit(call.optionalApiKey(), model);
            answer = rateLimiter
                    .acquire(tenant)
                    .thenCompose(admitted -> catalog.get(model, call.version()))
                    .thenCompose(info -> throughFrontDoor(tenant, info, call.request()));
        } catch (InferenceException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return timed(answer, start);
    }

    /**
     * The front door's priority admission ({@link PriorityAdmission}), before the cache, Redis and
     * the pool: a request of a class the saturated door does not take now is answered 429 at once,
     * so vip keeps a short path. Only synchronous calls pass it; queued jobs have their own
     * backpressure.
     */
    private CompletableFuture<GatewayAnswer> throughFrontDoor(Tenant tenant, ModelInfo info, InferenceRequest request) {
        PriorityAdmission door = frontDoor.of(info.name());
        PriorityClass priority = grantedPriority(request, tenant);
        long start = nanos(clock.instant());
        Optional<PriorityAdmission.Refusal> refused = door.admit(priority, start);
        if (refused.isPresent()) {
            metrics.refusedAtFrontDoor(info.name(), priority);
            Duration retryAfter = refused.get().retryAfter();
            return CompletableFuture.failedFuture(InferenceException.overloaded(
                    "model '" + info.name() + "' is busy: " + refused.get().reason() + "; retry in "
                            + retryAfter.toSeconds() + " s",
                    retryAfter));
        }
        CompletableFuture<GatewayAnswer> served;
        try {
            served = serve(tenant, info, request);
        } catch (RuntimeException e) {
            served = CompletableFuture.failedFuture(e);
        }
        return served.whenComplete((a, e) -> {
            long now = nanos(clock.instant());
            door.finished(now - start, e == null && a.outcome() == CacheOutcome.MISS, now);
        });
    }

    /** The gateway's clock in nanoseconds (the front door's time: a test's clock moves it by hand). */
    private static long nanos(java.time.Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /**
     * Everything {@link #answer} checks before it runs anything, without running it: the key, the
     * tenant's right to the model, its rate limit, the model's existence and the request's
     * validity. The async job engine admits a submission with this, so a request that would fail
     * synchronously with a 4xx fails at submission, never as a queued job. The admission carries the
     * request with its priority capped by the tenant's plan; {@link #answerAdmitted} runs it later.
     */
    public CompletableFuture<Admission> admit(GatewayRequest call) {
        try {
            String model = guard.requireModel(call.model());
            Tenant tenant = admit(call.optionalApiKey(), model);
            return rateLimiter
                    .acquire(tenant)
                    .thenCompose(admitted -> catalog.get(model, call.version()))
                    .thenApply(info -> {
                        guard.validate(call.request(), info);
                        return new Admission(
                                tenant.id(), model, call.version(), withCappedPriority(call.request(), tenant));
                    });
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * As {@link #admit} for the requests of one batch submission to one model: one rate-limit token
     * for the whole batch, each request validated; the first invalid one fails the batch with a 400
     * naming its index.
     */
    public CompletableFuture<List<Admission>> admitBatch(
            String apiKey, String model, String version, List<InferenceRequest> requests) {
        try {
            String name = guard.requireModel(model);
            Tenant tenant = admit(Optional.ofNullable(apiKey).filter(k -> !k.isBlank()), name);
            return rateLimiter
                    .acquire(tenant)
                    .thenCompose(admitted -> catalog.get(name, version))
                    .thenApply(info -> {
                        List<Admission> out = new java.util.ArrayList<>(requests.size());
                        for (int i = 0; i < requests.size(); i++) {
                            try {
                                guard.validate(requests.get(i), info);
                            } catch (InferenceException e) {
                                throw new InferenceException(
                                        e.reason(), "request " + i + " of the batch: " + e.getMessage());
                            }
                            out.add(new Admission(
                                    tenant.id(), name, version, withCappedPriority(requests.get(i), tenant)));
                        }
                        return out;
                    });
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The id of the tenant {@code apiKey} belongs to ({@code anonymous} with authentication off). */
    public String tenantOf(String apiKey) {
        return authenticator
                .authenticate(Optional.ofNullable(apiKey).filter(k -> !k.isBlank()))
                .id();
    }

    /**
     * Answers a request {@link #admit} accepted earlier (a queued job): the same path as {@link
     * #answer} (validation against the current signature, cache, coalescing, the ladder) without
     * authenticating or rate-limiting again; the request's priority is the one granted at admission.
     */
    public CompletableFuture<GatewayAnswer> answerAdmitted(Admission admission) {
        long start = System.nanoTime();
        CompletableFuture<GatewayAnswer> answer;
        try {
            answer = catalog.get(guard.requireModel(admission.model()), admission.version())
                    .thenCompose(info -> serve(Tenant.ANONYMOUS, info, admission.request()));
        } catch (InferenceException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return timed(answer, start);
    }

    /** Counts an answer (or its failure) and how long it took from {@code start}, when it completes. */
    private CompletableFuture<GatewayAnswer> timed(CompletableFuture<GatewayAnswer> answer, long start) {
        return answer.whenComplete((a, e) -> {
            long took = System.nanoTime() - start;
            if (e != null) {
                metrics.failed(e, took);
            } else {
                metrics.answered(a.outcome(), took);
            }
        });
    }

    /**
     * The signature and serving policy of a model (version; null for the one requests without a
     * version get), for a caller who may use it. Known metadata answers without a pool call.
     */
    public CompletableFuture<ModelMetadata> metadata(String apiKey, String model, String version) {
        try {
            String name = guard.requireModel(model);
            admit(Optional.ofNullable(apiKey).filter(k -> !k.isBlank()), name);
            return catalog.get(name, version).thenApply(ModelInfo::metadata);
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Whether the pool can run the model (version) now, for a caller who may use it. */
    public CompletableFuture<Boolean> modelReady(String apiKey, String model, String version) {
        try {
            String name = guard.requireModel(model);
            admit(Optional.ofNullable(apiKey).filter(k -> !k.isBlank()), name);
            return pool.ready(name, version);
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Tenant admit(Optional<String> apiKey, String model) {
        Tenant tenant = authenticator.authenticate(apiKey);
        if (!tenant.mayUse(model)) {
            throw new InferenceException(
                    Reason.FORBIDDEN, "tenant '" + tenant.id() + "' may not use model '" + model + "'");
        }
        return tenant;
    }

    /**
     * The models the pool serves and whether each is ready, as far as the caller may use them: with
     * authentication on, a key is required and only the tenant's models are listed.
     */
    public CompletableFuture<List<ModelStatus>> models(String apiKey) {
        try {
            Tenant tenant =
                    authenticator.authenticate(Optional.ofNullable(apiKey).filter(k -> !k.isBlank()));
            return pool.models()
                    .thenApply(all ->
                            all.stream().filter(m -> tenant.mayUse(m.name())).toList());
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    public CircuitBreaker.State circuitState() {
        return resilientPool.state();
    }

    private CompletableFuture<GatewayAnswer> serve(Tenant tenant, ModelInfo info, InferenceRequest request) {
        guard.validate(request, info);
        if (!info.policy().cacheable()) {
            InferenceRequest forwarded = withCappedPriority(request, tenant);
            return resilientPool
                    .infer(info.name(), info.requestVersion(), forwarded)
                    .thenApply(r -> respond(request, r, CacheOutcome.MISS))
                    .exceptionallyCompose(e -> degrade(e, info, forwarded, request, Optional.empty()));
        }
        CacheKey key = CacheKey.of(info.name(), info.resolvedVersion(), request);
        hotKeys.sample(info.name(), key, request);
        return cache.get(key).thenCompose(entry -> {
            if (entry.isPresent() && entry.get().freshAt(clock.instant())) {
                return CompletableFuture.completedFuture(hit(request, entry.get()));
            }
            InferenceRequest forwarded = withCappedPriority(request, tenant); // only a miss sends it on
            return coalescer
                    .answer(
                            key,
                            info.policy().cache(),
                            () -> resilientPool.infer(info.name(), info.requestVersion(), forwarded),
                            response -> storeUnder(info, key, request, response))
                    .thenApply(a -> respond(request, a.response(), a.outcome()))
                    .exceptionallyCompose(e -> degrade(e, info, forwarded, request, entry));
        });
    }

    /** A fresh entry's answer: made on the entry's first hit, then only the caller's id is added. */
    private static GatewayAnswer hit(InferenceRequest request, CachedEntry entry) {
        HitAnswer hit = entry.hit(r -> respond(request, r, CacheOutcome.HIT).response());
        return new GatewayAnswer(hit.response().withId(request.id()), CacheOutcome.HIT, Optional.of(hit));
    }

    /**
     * The key an answer is cached under: the request's key, unless the pool answered with another
     * version than the catalog knew (it switched versions), then that version's key — and the
     * catalog is told to catch up.
     */
    private CacheKey storeUnder(ModelInfo info, CacheKey key, InferenceRequest request, InferenceResponse response) {
        String computedBy = response.modelVersion();
        if (info.pinned() || computedBy == null || computedBy.equals(info.resolvedVersion())) {
            return key;
        }
        catalog.refresh(info.name());
        return CacheKey.of(info.name(), computedBy, request);
    }

    /**
     * Before a new version of {@code model} takes traffic: computes the {@code count} most requested
     * inputs against it through {@code pool} (which must already answer requests naming {@code
     * version}) and caches the answers, so the switch costs no cache hit rate. Completes with how
     * many were warmed; an input that fails is skipped.
     */
    public CompletableFuture<Integer> warmHotKeys(String model, String version, PoolClient pool, int count) {
        return catalog.get(model, version).thenCompose(info -> {
            if (!info.policy().cacheable()) {
                return CompletableFuture.completedFuture(0);
            }
            return hotKeys.top(model, count).thenCompose(requests -> {
                CompletableFuture<Integer> warmed = CompletableFuture.completedFuture(0);
                for (InferenceRequest r : requests) { // one at a time: the new version is also warming up
                    warmed = warmed.thenCompose(n -> pool.infer(model, version, r)
                            .thenCompose(answer -> cache.put(
                                    CacheKey.of(model, version, r),
                                    answer,
                                    info.policy().cache()))
                            .handle((ok, e) -> e == null ? n + 1 : n));
                }
                return warmed;
            });
        });
    }

    /**
     * The ladder, for failures that say the pool cannot answer now (not for bad input): a
     * fallback model, then the stale entry, then 503 with when to retry — or, when the pool shed
     * the request (overloaded), its own 429 with when to retry.
     */
    private CompletableFuture<GatewayAnswer> degrade(
            Throwable failure,
            ModelInfo info,
            InferenceRequest forwarded,
            InferenceRequest original,
            Optional<CachedEntry> stale) {
        InferenceException f = InferenceException.find(failure)
                .orElseGet(() ->
                        new InferenceException(Reason.MODEL_ERROR, "pool call failed: " + failure, null, failure));
        if (!degradable(f)) {
            return CompletableFuture.failedFuture(f);
        }
        Optional<String> fallback = info.policy().optionalFallback().filter(m -> !m.equals(info.name()));
        if (fallback.isPresent()) {
            String model = fallback.get();
            return resilientPool
                    .infer(model, null, forwarded)
                    .thenApply(r -> {
                        metrics.fallbackUsed(model);
                        return respond(original, r, CacheOutcome.MISS);
                    })
                    .exceptionallyCompose(e -> staleOrUnavailable(f, info, original, stale));
        }
        return staleOrUnavailable(f, info, original, stale);
    }

    private CompletableFuture<GatewayAnswer> staleOrUnavailable(
            InferenceException f, ModelInfo info, InferenceRequest original, Optional<CachedEntry> stale) {
        if (stale.isPresent()) {
            return CompletableFuture.completedFuture(
                    respond(original, stale.get().response(), CacheOutcome.STALE));
        }
        if (f.reason() == Reason.OVERLOADED) { // shed by priority: the client hears 429 and when to come back
            return CompletableFuture.failedFuture(f);
        }
        Duration retryAfter = f.retryAfter().orElse(Duration.ofSeconds(1));
        return CompletableFuture.failedFuture(new InferenceException(
                Reason.UNAVAILABLE,
                "model '" + info.name() + "' cannot answer now and no earlier answer is cached (" + f.getMessage()
                        + "); retry in " + Math.max(1, retryAfter.toSeconds()) + " s",
                retryAfter,
                null));
    }

    private static boolean degradable(InferenceException e) {
        return switch (e.reason()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, OVERLOADED, DEVICE_ERROR -> true;
            default -> false;
        };
    }

    private static InferenceRequest withCappedPriority(InferenceRequest request, Tenant tenant) {
        PriorityClass granted = grantedPriority(request, tenant);
        return request.withParameters(request.parameters().with(Protocol.PRIORITY, granted.wireName()));
    }

    /** The class a request asks for (realtime if none), capped by its tenant's plan. */
    private static PriorityClass grantedPriority(InferenceRequest request, Tenant tenant) {
        PriorityClass requested = request.parameters()
                .string(Protocol.PRIORITY)
                .map(PriorityClass::fromWire)
                .orElse(PriorityClass.REALTIME);
        return tenant.plan().cap(requested);
    }

    private static GatewayAnswer respond(InferenceRequest request, InferenceResponse r, CacheOutcome outcome) {
        boolean computedNow = outcome == CacheOutcome.MISS || outcome == CacheOutcome.COALESCED;
        Map<String, Object> p = new LinkedHashMap<>(8); // one copy per answer: this runs on every cache hit
        p.put(CacheOutcome.PARAMETER, outcome.wireName());
        p.put("ember.model_version", r.modelVersion() == null ? "" : r.modelVersion());
        p.put(Protocol.QUEUE_MS, computedNow ? number(r, Protocol.QUEUE_MS) : 0.0);
        p.put(Protocol.COMPUTE_MS, computedNow ? number(r, Protocol.COMPUTE_MS) : 0.0);
        return GatewayAnswer.computed(
                new InferenceResponse(r.modelName(), r.modelVersion(), request.id(), new Parameters(p), r.outputs()),
                outcome);
    }

    private static double number(InferenceResponse r, String key) {
        Object v = r.parameters().values().get(key);
        return v instanceof Number n ? n.doubleValue() : 0.0;
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            System.getLogger(InferenceGateway.class.getName())
                    .log(System.Logger.Level.WARNING, "closing the gateway failed: {0}", e.toString());
        }
    }
}
