package dev.ember.bench;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A lean load generator, like wrk: the request is encoded once (binary tensors both ways) and
 * replayed; answers are checked for status 200 and read, not decoded. It measures the server, not
 * a client's codec, while sharing the machine's cores with it.
 */
final class HttpLoad implements AutoCloseable {
    private final Vertx[] vertxes;
    // One client per event loop; requests start on their client's own event loop: issued from
    // other threads, Vert.x 4.5.25 now and then lost a response (see HttpPoolClient).
    private final HttpClient[] clients;
    private final io.vertx.core.Context[] contexts;
    private final AtomicInteger next = new AtomicInteger();
    private final URI base;

    HttpLoad(URI base, int connections) {
        this(base, connections, 1);
    }

    /**
     * @param eventLoops client I/O threads, each with its share of the connections: one is enough
     *     for small bodies; 4.9 MB images at hundreds per second need several
     */
    HttpLoad(URI base, int connections, int eventLoops) {
        this.base = base;
        this.vertxes = new Vertx[eventLoops];
        this.clients = new HttpClient[eventLoops];
        this.contexts = new io.vertx.core.Context[eventLoops];
        // One Vert.x of one event loop per client: a context asked for from this thread would be
        // the same sticky one each time, so separate instances are the plain way to N loops.
        for (int i = 0; i < eventLoops; i++) {
            Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
            vertxes[i] = vertx;
            clients[i] = vertx.createHttpClient(
                    new HttpClientOptions()
                            .setDefaultHost(base.getHost())
                            .setDefaultPort(base.getPort())
                            .setKeepAlive(true)
                            .setTcpNoDelay(true),
                    new PoolOptions().setHttp1MaxSize((connections + eventLoops - 1) / eventLoops));
            contexts[i] = vertx.getOrCreateContext();
        }
    }

    /** A call that POSTs {@code request} to {@code path}, pre-encoded. */
    Call post(String path, InferenceRequest request) {
        EncodedBody body = new InferenceCodec()
                .encodeRequest(request.withParameters(Parameters.of(Protocol.BINARY_DATA_OUTPUT, true)), true);
        Buffer bytes = Buffer.buffer(body.bytes());
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setURI(path)
                .putHeader("Content-Type", body.contentType())
                .putHeader(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()))
                .setTimeout(60_000);
        return () -> exchange(options, bytes);
    }

    /** A call that POSTs a JSON body as it is. */
    Call postJson(String path, byte[] json) {
        return postJson(path, () -> json);
    }

    /** A call that POSTs a fresh JSON body each time (e.g. unique inputs, to measure misses). */
    Call postJson(String path, java.util.function.Supplier<byte[]> json) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setURI(path)
                .putHeader("Content-Type", "application/json")
                .setTimeout(60_000);
        return () -> exchange(options, Buffer.buffer(json.get()));
    }

    /** A call that GETs {@code path}. */
    Call get(String path) {
        RequestOptions options =
                new RequestOptions().setMethod(HttpMethod.GET).setURI(path).setTimeout(60_000);
        return () -> exchange(options, null);
    }

    private CompletableFuture<Void> exchange(RequestOptions options, Buffer body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        int i = Math.floorMod(next.getAndIncrement(), clients.length);
        HttpClient http = clients[i];
        contexts[i].runOnContext(v -> http.request(options)
                .compose(r -> body == null ? r.send() : r.send(body))
                .compose(response -> response.body()
                        .compose(b -> response.statusCode() == 200
                                ? Future.succeededFuture()
                                : Future.failedFuture(response.statusCode() + " " + b)))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(ar.cause());
                    }
                }));
        return done;
    }

    /** One request-answer exchange. */
    interface Call {
        CompletableFuture<?> send();
    }

    ClosedLoopLoad.Result run(Call call, int clients, Duration warmup, Duration measure) throws InterruptedException {
        return ClosedLoopLoad.run(clients, warmup, measure, call::send);
    }

    URI base() {
        return base;
    }

    @Override
    public void close() {
        for (Vertx v : vertxes) {
            v.close();
        }
    }
}
