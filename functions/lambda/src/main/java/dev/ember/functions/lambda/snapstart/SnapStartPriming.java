package dev.ember.functions.lambda.snapstart;

import dev.ember.functions.lambda.LambdaGateway;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * SnapStart's runtime hooks, as a CRaC resource. Lambda publishes a version by running the init
 * phase once, calling {@link #beforeCheckpoint}, and snapshotting the microVM; every instance of
 * that version starts from the snapshot with {@link #afterRestore}.
 *
 * <ul>
 *   <li>Before the snapshot: each model to prime is asked twice through the function's own door
 *       (the {@link Primer}: the handler's HTTP seam, so routing, decoding, the gateway, the cache
 *       and the pool are all run, and class loading and JIT work land in the snapshot, not in a
 *       user's first request). The first call is a miss computed by the pool (the in-process model
 *       runs a real inference); the second a hit. Then the sockets are closed: Redis, and the
 *       remote pool's kept-alive connections, which would be dead in every restored copy.
 *   <li>After the restore: random draws are re-seeded; Redis reconnects; the pool's connections
 *       open with the first request.
 * </ul>
 *
 * <p>Randomness: hot-key sampling draws from a {@link ReseedableRandom} re-seeded after the
 * restore (a {@code ThreadLocalRandom}'s state would be copied into every instance, and they would
 * all sample the same positions of their request streams). The fill lock's tokens come from {@code
 * UUID.randomUUID()}, whose {@code SecureRandom} (NativePRNG) mixes fresh {@code /dev/urandom}
 * bytes into every draw, and Lambda re-seeds a restored microVM's entropy, so they need nothing.
 *
 * <p>Priming never fails the snapshot: a model that cannot be primed is logged and skipped, and an
 * instance restored from it is correct, only its first request of that model slower.
 */
public final class SnapStartPriming implements Resource {
    private static final System.Logger LOG = System.getLogger(SnapStartPriming.class.getName());
    private static final Duration POOL_TIMEOUT = Duration.ofSeconds(30);

    /** Sends one priming request through the function; returns its outcome for the log (e.g. "200 miss"). */
    @FunctionalInterface
    public interface Primer {
        String prime(PrimingRequest request);
    }

    private final LambdaGateway gateway;
    private final Primer primer;

    public SnapStartPriming(LambdaGateway gateway, Primer primer) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.primer = Objects.requireNonNull(primer, "primer");
    }

    /**
     * Registers the hooks with the global CRaC context. The context holds resources weakly: the
     * caller keeps the returned object (the handler does, for its life).
     */
    public SnapStartPriming register() {
        Core.getGlobalContext().register(this);
        return this;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        long start = System.nanoTime();
        int primed = 0;
        List<PrimingRequest> requests;
        try {
            requests = PrimingRequest.of(gateway, POOL_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list the models to prime: {0}", e.getMessage());
            requests = List.of();
        }
        for (PrimingRequest r : requests) {
            try {
                String first = primer.prime(r);
                String second = primer.prime(r);
                LOG.log(System.Logger.Level.INFO, "primed {0}: {1}, then {2}", r.model(), first, second);
                primed++;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "priming {0} failed: {1}", r.model(), e.toString());
            }
        }
        gateway.suspendConnections();
        LOG.log(
                System.Logger.Level.INFO,
                "before snapshot: primed {0} of {1} models in {2} ms; connections closed",
                primed,
                requests.size(),
                Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        long start = System.nanoTime();
        gateway.reseedRandomness();
        gateway.resumeConnections();
        LOG.log(
                System.Logger.Level.INFO,
                "after restore: re-seeded, reconnected in {0} ms (Redis {1})",
                Duration.ofNanos(System.nanoTime() - start).toMillis(),
                gateway.redisConnected() ? "connected" : "not connected, retrying in the background");
    }
}
