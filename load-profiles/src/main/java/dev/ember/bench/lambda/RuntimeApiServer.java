package dev.ember.bench.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The Lambda service's side of the Runtime API (2018-06-01), on loopback: what a runtime — the
 * managed Java runtime's client, or a custom runtime's {@code bootstrap} — polls for work and
 * reports to. {@code GET /runtime/invocation/next} hands out the events given to {@link #invoke}
 * (blocking until there is one, as Lambda does); {@code /invocation/{id}/response} and {@code
 * /error} complete them; {@code /init/error} and SnapStart's {@code /restore/next} and {@code
 * /restore/error} are recorded. Every step is timed on this JVM's clock, so a caller can measure
 * init (process start to the first {@code /next}) and an invocation (event handed out to answer).
 */
public final class RuntimeApiServer implements AutoCloseable {
    private static final String BASE = "/2018-06-01/runtime";

    /** The runtime's answer to one invocation. */
    public record Outcome(boolean error, byte[] body, String errorType, long deliveredNanos, long answeredNanos) {
        /** From the event handed to the runtime to its answer. */
        public double millis() {
            return (answeredNanos - deliveredNanos) / 1e6;
        }
    }

    private record Invocation(String id, byte[] event, CompletableFuture<Outcome> outcome) {}

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<Invocation> pending = new LinkedBlockingQueue<>();
    private final Map<String, Invocation> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Long> delivered = new ConcurrentHashMap<>();
    private final CompletableFuture<Long> firstNext = new CompletableFuture<>();
    private final CompletableFuture<String> initError = new CompletableFuture<>();
    private final CompletableFuture<Long> restoreNext = new CompletableFuture<>();
    private final CompletableFuture<String> restoreError = new CompletableFuture<>();

    private RuntimeApiServer(HttpServer server) {
        this.server = server;
    }

    public static RuntimeApiServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            RuntimeApiServer api = new RuntimeApiServer(server);
            server.createContext(BASE + "/", api::handle);
            server.setExecutor(api.threads); // /next blocks: one thread per waiting runtime
            server.start();
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code AWS_LAMBDA_RUNTIME_API} is set to: {@code host:port}. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Queues an event; the future completes when the runtime answers (or reports an error). */
    public CompletableFuture<Outcome> invoke(byte[] event) {
        Invocation i = new Invocation(UUID.randomUUID().toString(), event, new CompletableFuture<>());
        inFlight.put(i.id(), i);
        pending.add(i);
        return i.outcome();
    }

    /** When the runtime first asked for work ({@link System#nanoTime}): its init is done. */
    public CompletableFuture<Long> firstNext() {
        return firstNext;
    }

    /** The error message a runtime reported instead of finishing init. */
    public CompletableFuture<String> initError() {
        return initError;
    }

    /** When a SnapStart runtime said it was ready for the snapshot (its before-checkpoint hooks ran). */
    public CompletableFuture<Long> restoreNext() {
        return restoreNext;
    }

    public CompletableFuture<String> restoreError() {
        return restoreError;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(BASE.length());
            String method = exchange.getRequestMethod();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (method.equals("GET") && path.equals("/invocation/next")) {
                next(exchange);
            } else if (method.equals("POST") && path.startsWith("/invocation/")) {
                answer(exchange, path.substring("/invocation/".length()), body);
            } else if (method.equals("POST") && path.equals("/init/error")) {
                initError.complete(new String(body, java.nio.charset.StandardCharsets.UTF_8));
                reply(exchange, 202);
            } else if (method.equals("GET") && path.equals("/restore/next")) {
                restoreNext.complete(System.nanoTime());
                reply(exchange, 200); // the snapshot is "taken" and "restored" at once: same process
            } else if (method.equals("POST") && path.equals("/restore/error")) {
                restoreError.complete(new String(body, java.nio.charset.StandardCharsets.UTF_8));
                reply(exchange, 202);
            } else {
                reply(exchange, 404);
            }
        }
    }

    private void next(HttpExchange exchange) throws IOException {
        firstNext.complete(System.nanoTime());
        Invocation i;
        try {
            i = pending.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(exchange, 500);
            return;
        }
        delivered.put(i.id(), System.nanoTime());
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", i.id());
        exchange.getResponseHeaders()
                .add("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 30_000));
        exchange.getResponseHeaders()
                .add("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:ember");
        exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000");
        exchange.sendResponseHeaders(200, i.event().length);
        exchange.getResponseBody().write(i.event());
    }

    private void answer(HttpExchange exchange, String rest, byte[] body) throws IOException {
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        String kind = slash < 0 ? "" : rest.substring(slash + 1);
        Invocation i = inFlight.remove(id);
        if (i == null || !(kind.equals("response") || kind.equals("error"))) {
            reply(exchange, i == null ? 400 : 404);
            return;
        }
        long now = System.nanoTime();
        i.outcome()
                .complete(new Outcome(
                        kind.equals("error"),
                        body,
                        exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type"),
                        delivered.getOrDefault(id, now),
                        now));
        reply(exchange, 202);
    }

    private static void reply(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
