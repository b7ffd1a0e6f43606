package dev.ember.functions.core.jobs;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CloudEvents sink on loopback for tests: records every binary-mode event POSTed to it (type,
 * subject, data) and answers 202, or 503 while {@link #down} is set, counting the refusals.
 */
public final class LoopbackSink implements AutoCloseable {
    /** One event as received. */
    public record Received(String id, String type, String subject, String source, String contentType, byte[] data) {}

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> bySubject = new ConcurrentHashMap<>();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean down;

    public LoopbackSink() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (down) {
                refused.incrementAndGet();
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            var h = exchange.getRequestHeaders();
            Received r = new Received(
                    h.getFirst("ce-id"),
                    h.getFirst("ce-type"),
                    h.getFirst("ce-subject"),
                    h.getFirst("ce-source"),
                    h.getFirst("Content-Type"),
                    body);
            received.add(r);
            if (r.subject() != null) {
                bySubject.computeIfAbsent(r.subject(), s -> new AtomicInteger()).incrementAndGet();
            }
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        server.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/events");
    }

    public void down(boolean down) {
        this.down = down;
    }

    public int refused() {
        return refused.get();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Distinct subjects (job ids) received at least once. */
    public int distinctSubjects() {
        return bySubject.size();
    }

    public boolean got(String subject) {
        return bySubject.containsKey(subject);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
