package dev.ember.functions.core.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The process's one Redis connection (Lettuce, thread-safe, shared by every caller), with the
 * behaviour an inference gateway needs when Redis goes away: commands fail at once instead of
 * queueing while disconnected, every command has a short timeout, and the connection comes back
 * by itself. If Redis is down when the process starts, connecting is retried in the background;
 * until then {@link #commands()} is empty and callers bypass Redis.
 *
 * <p>Keys are strings and values bytes ({@code RedisCodec.of(StringCodec.UTF8,
 * ByteArrayCodec.INSTANCE)}); typed values are encoded by their owners.
 */
public final class RedisLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisLink.class.getName());
    public static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final ClientResources resources;
    private final RedisClient client;
    private final String url;
    private final ScheduledExecutorService reconnector;
    private final AtomicBoolean downLogged = new AtomicBoolean();
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile boolean closed;
    private boolean suspended; // guarded by this

    private RedisLink(String url, Duration commandTimeout) {
        this.url = url;
        RedisURI uri = RedisURI.create(url);
        // Lettuce's default backoff grows to 30 s between reconnects; the cache should be back
        // within a second of Redis.
        this.resources = ClientResources.builder()
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofMillis(500))
                        .keepAlive(true)
                        .build())
                .build());
        this.reconnector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ember-redis-connect");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects to {@code url} ({@code redis://host:port[/db]}); never throws for an unreachable
     * server: it keeps trying in the background.
     */
    public static RedisLink open(String url, Duration commandTimeout) {
        RedisLink link = new RedisLink(url, commandTimeout);
        link.tryConnect();
        return link;
    }

    /** Connects once, now, and fails if Redis does not answer. */
    public static RedisLink openOrFail(String url, Duration commandTimeout) {
        RedisLink link = new RedisLink(url, commandTimeout);
        try {
            link.connection = link.client.connect(CODEC);
            return link;
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** The shared async commands, if connected at least once (Lettuce reconnects after that). */
    public Optional<RedisAsyncCommands<String, byte[]>> commands() {
        StatefulRedisConnection<String, byte[]> c = connection;
        return c == null ? Optional.empty() : Optional.of(c.async());
    }

    public boolean isOpen() {
        StatefulRedisConnection<String, byte[]> c = connection;
        return c != null && c.isOpen();
    }

    public String url() {
        return url;
    }

    /** For callers that bypass Redis on failure: logs the first failure, and the recovery. */
    public void reportFailure(Throwable e) {
        if (downLogged.compareAndSet(false, true)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Redis at {0} failed ({1}); serving without it until it is back",
                    url,
                    e.toString());
        }
    }

    public void reportSuccess() {
        if (downLogged.compareAndSet(true, false)) {
            LOG.log(System.Logger.Level.INFO, "Redis at {0} is back", url);
        }
    }

    /**
     * Closes the connection and keeps it closed until {@link #resume}: callers bypass Redis
     * meanwhile. For a process about to be frozen and copied (a Lambda SnapStart snapshot, a CRaC
     * checkpoint): a socket in the image would be stale in every copy restored from it.
     */
    public void suspend() {
        StatefulRedisConnection<String, byte[]> c;
        synchronized (this) {
            suspended = true;
            c = connection;
            connection = null;
        }
        if (c != null) {
            c.close();
        }
    }

    /** Connects again after {@link #suspend}, now; if Redis does not answer, keeps trying in the background. */
    public void resume() {
        synchronized (this) {
            if (!suspended) {
                return;
            }
            suspended = false;
        }
        tryConnect();
    }

    private void tryConnect() {
        synchronized (this) {
            if (closed || suspended || connection != null) {
                return;
            }
        }
        try {
            StatefulRedisConnection<String, byte[]> c = client.connect(CODEC);
            boolean keep;
            synchronized (this) {
                keep = !closed && !suspended && connection == null;
                if (keep) {
                    connection = c;
                }
            }
            if (!keep) {
                c.close(); // suspended or closed while connecting
                return;
            }
            reportSuccess();
        } catch (RuntimeException e) {
            reportFailure(e);
            reconnector.schedule(this::tryConnect, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        closed = true;
        reconnector.shutdownNow();
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
