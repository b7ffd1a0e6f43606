package dev.ember.load.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ember.load.profile.LoadProfile;
import dev.ember.load.profile.ProfileReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The async door against a loopback server speaking the functions' job protocol: a submission with
 * {@code Prefer: respond-async} is answered 202 with {@code Location: /jobs/{id}}, and the job reads
 * {@code queued} until 300 ms after it was accepted, then {@code done} (every fifth {@code failed}).
 * A request's latency runs to its result, not to the 202.
 */
class AsyncDoorIT {
    private static final long JOB_MS = 300;

    private HttpServer server;
    private ExecutorService threads;
    private final Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger withoutPrefer = new AtomicInteger();
    private final AtomicInteger reads = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1000);
        threads = Executors.newFixedThreadPool(4);
        server.setExecutor(threads);
        server.createContext("/v2/models/m/infer", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (!"respond-async".equals(exchange.getRequestHeaders().getFirst("Prefer"))) {
                withoutPrefer.incrementAndGet();
            }
            String id = Integer.toString(ids.incrementAndGet());
            acceptedAt.put(id, System.nanoTime());
            exchange.getResponseHeaders().add("Location", "/jobs/" + id);
            byte[] body = ("{\"id\":\"" + id + "\",\"status\":\"queued\"}").getBytes();
            exchange.sendResponseHeaders(202, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/jobs/", exchange -> {
            reads.incrementAndGet();
            String id = exchange.getRequestURI().getPath().substring("/jobs/".length());
            Long at = acceptedAt.get(id);
            if (at == null) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            boolean finished = System.nanoTime() - at > JOB_MS * 1_000_000;
            String status = !finished ? "queued" : Integer.parseInt(id) % 5 == 0 ? "failed" : "done";
            byte[] body = ("{\"id\":\"" + id + "\",\"status\":\"" + status + "\",\"model\":\"m\"}").getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
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
    void aJobEndsWhenItsResultIsReadAndFailedJobsAreCountedApart() {
        LoadProfile p = ProfileReader.parse(
                "burst",
                "arrivals: constant\nrate: [{seconds: 0.5, rps: 400}]\nmix: [{name: a, model: m, door: v2-async,"
                        + " inputs: [{name: x, datatype: FP32, shape: [1, 4]}]}]\n"
                        + "bounds: {request_timeout_ms: 10000, drain_seconds: 2}\n");
        Recording r;
        try (OpenLoopRunner runner = new OpenLoopRunner(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), p.bounds())) {
            r = runner.run(Schedule.of(p, 0), p.mix(), 1, progress -> {});
        }

        assertThat(r.size()).isEqualTo(200);
        assertThat(withoutPrefer).hasValue(0);
        assertThat(r.count(Outcome.OK)).isEqualTo(160);
        assertThat(r.count(Outcome.JOB_FAILED)).isEqualTo(40);
        long min = Long.MAX_VALUE;
        for (int i = 0; i < r.size(); i++) {
            min = Math.min(min, r.latencyNanos(i) / 1_000_000);
        }
        assertThat(min).as("no job is over before its result exists").isGreaterThanOrEqualTo(JOB_MS);
        // read oldest first, each no more than once per 50 ms: far fewer reads than a poll of every job
        assertThat(reads.get()).isLessThanOrEqualTo(200 * (int) (JOB_MS / 50 + 3));
    }

    @Test
    void theJobStatusIsReadFromItsRecord() {
        assertThat(JobWatcher.status(200, "{\"id\":\"a\",\"status\":\"done\",\"response\":{}}".getBytes()))
                .isEqualTo(Outcome.OK);
        assertThat(JobWatcher.status(200, "{\"id\":\"a\",\"status\":\"failed\"}".getBytes()))
                .isEqualTo(Outcome.JOB_FAILED);
        assertThat(JobWatcher.status(200, "{\"id\":\"a\",\"status\":\"running\"}".getBytes()))
                .isNull();
        assertThat(JobWatcher.status(404, new byte[0])).isEqualTo(Outcome.CLIENT_ERROR);
        assertThat(JobWatcher.status(503, new byte[0])).as("asked again").isNull();
    }
}
