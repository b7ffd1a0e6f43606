package dev.ember.load.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ember.load.profile.LoadProfile;
import dev.ember.load.profile.ProfileReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The generator against a real HTTP server on loopback that answers at once, except that it stalls
 * for one second once, 0.5 s into the run. Measured from due times, every request due during the
 * stall is late by up to a second; a closed-loop client would have waited with its next request
 * and seen one slow answer.
 */
class OpenLoopRunnerIT {
    private HttpServer server;
    private ExecutorService threads;
    private final AtomicBoolean stalled = new AtomicBoolean();
    private final AtomicInteger served = new AtomicInteger();
    private volatile long startNanos;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1000);
        threads = Executors.newSingleThreadExecutor(); // one thread: a stall holds everything behind it
        server.setExecutor(threads);
        server.createContext("/infer", exchange -> {
            exchange.getRequestBody().readAllBytes();
            served.incrementAndGet();
            if (System.nanoTime() - startNanos > 500_000_000L && stalled.compareAndSet(false, true)) {
                sleep(1000);
            }
            byte[] body = "{}".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/shed", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Retry-After", "1");
            exchange.sendResponseHeaders(429, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        threads.shutdownNow();
    }

    @Test
    void aStalledServerShowsInTheLatencyOfEveryRequestItDelayed() {
        LoadProfile p = ProfileReader.parse(
                "stall",
                "arrivals: constant\nrate: [{seconds: 2, rps: 100}]\nmix: [{name: a, model: m, inputs: [{name: x,"
                        + " datatype: FP32, shape: [1, 4]}]}]\nbounds: {request_timeout_ms: 10000, drain_seconds: 2}\n");
        Schedule schedule = Schedule.of(p, 0);
        Recording r;
        try (OpenLoopRunner runner = new OpenLoopRunner(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), p.bounds())) {
            startNanos = System.nanoTime();
            r = runner.run(schedule, p.mix(), 1, progress -> {});
        }
        assertThat(r.count(Outcome.OK)).isEqualTo(200);
        assertThat(served.get()).isEqualTo(200);
        long late = 0;
        long max = 0;
        for (int i = 0; i < r.size(); i++) {
            long ms = r.latencyNanos(i) / 1_000_000;
            max = Math.max(max, ms);
            if (ms >= 300) {
                late++;
            }
        }
        // ~100 requests were due during the stall; those due in its first 0.7 s waited ≥ 300 ms.
        assertThat(late).isGreaterThanOrEqualTo(50);
        assertThat(max).isGreaterThanOrEqualTo(900);
        assertThat(stalled).isTrue();
    }

    @Test
    void shedAnswersAreCountedWithTheirRetryAfter() {
        LoadProfile p = ProfileReader.parse(
                "shed",
                "arrivals: constant\nrate: [{seconds: 1, rps: 20}]\nmix: [{name: a, model: m, door: v2, inputs: [{name:"
                        + " x, datatype: FP32, shape: [1, 4]}]}]\n");
        server.createContext("/v2/models/m/infer", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Retry-After", "2");
            exchange.sendResponseHeaders(429, -1);
            exchange.close();
        });
        try (OpenLoopRunner runner = new OpenLoopRunner(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), p.bounds())) {
            Recording r = runner.run(Schedule.of(p, 0), p.mix(), 1, progress -> {});
            assertThat(r.count(Outcome.SHED)).isEqualTo(20);
        }
    }

    @Test
    void aScheduleThatEndsInSilenceRunsToItsPlannedEnd() {
        LoadProfile p = ProfileReader.parse(
                "night",
                "arrivals: constant\nrate: [{seconds: 0.5, rps: 20}, {seconds: 1.5, rps: 0, phase: night}]\nmix: [{name:"
                        + " a, model: m, inputs: [{name: x, datatype: FP32, shape: [1, 4]}]}]\n");
        long began = System.nanoTime();
        try (OpenLoopRunner runner = new OpenLoopRunner(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), p.bounds())) {
            startNanos = System.nanoTime() + 60_000_000_000L; // no stall in this one
            Recording r = runner.run(Schedule.of(p, 0), p.mix(), 1, progress -> {});
            assertThat(r.count(Outcome.OK)).isEqualTo(10);
        }
        // the last answer came within ~0.5 s; the night is part of the run all the same
        assertThat((System.nanoTime() - began) / 1_000_000).isGreaterThanOrEqualTo(2000);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
