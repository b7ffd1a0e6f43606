package dev.ember.load.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.function.Consumer;

/**
 * Waits for accepted jobs' results by reading {@code GET /jobs/{id}}, oldest first: jobs finish
 * roughly in the order they were queued, so the ones worth asking about are at the head. At most
 * {@code concurrency} reads are open at once, the same job is asked again no sooner than {@code
 * gapNanos} later, and only the first {@code 4 × concurrency} waiting jobs are looked at per pass:
 * a job's result is seen within about one gap and one read of it being stored (a job finishing far
 * ahead of older ones is seen late, which only overstates its latency). Everything runs on the
 * client's event loop ({@code context}), so nothing here is shared between threads.
 */
final class JobWatcher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final int concurrency;
    private final long gapNanos;
    private final long timeoutMs;
    private final LinkedHashSet<Watched> waiting = new LinkedHashSet<>();
    private int reading;

    private static final class Watched {
        final String location;
        final long deadlineNanos;
        final Consumer<Outcome> done;
        long lastAskedNanos;
        boolean asking;

        Watched(String location, long deadlineNanos, Consumer<Outcome> done) {
            this.location = location;
            this.deadlineNanos = deadlineNanos;
            this.done = done;
        }
    }

    JobWatcher(Vertx vertx, HttpClient http, Context context, int concurrency, long gapNanos, long timeoutMs) {
        this.http = http;
        this.concurrency = concurrency;
        this.gapNanos = gapNanos;
        this.timeoutMs = timeoutMs;
        context.runOnContext(v -> vertx.setPeriodic(Math.max(1, gapNanos / 2_000_000), id -> pump()));
    }

    /**
     * Watches the job at {@code location} (a 202's {@code Location}) until it is done ({@code OK}),
     * failed ({@code JOB_FAILED}), unknown ({@code CLIENT_ERROR}) or past {@code deadlineNanos} on
     * {@link System#nanoTime} ({@code TIMEOUT}). Call on the client's context.
     */
    void watch(String location, long deadlineNanos, Consumer<Outcome> done) {
        waiting.add(new Watched(location, deadlineNanos, done));
        pump();
    }

    private void pump() {
        long now = System.nanoTime();
        int looked = 0;
        for (Iterator<Watched> it = waiting.iterator(); it.hasNext() && reading < concurrency; ) {
            Watched w = it.next();
            if (now > w.deadlineNanos && !w.asking) {
                it.remove();
                w.done.accept(Outcome.TIMEOUT);
                continue;
            }
            if (++looked > 4 * concurrency) {
                return;
            }
            if (!w.asking && now - w.lastAskedNanos >= gapNanos) {
                ask(w);
            }
        }
    }

    private void ask(Watched w) {
        w.asking = true;
        w.lastAskedNanos = System.nanoTime();
        reading++;
        http.request(new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setURI(w.location)
                        .setIdleTimeout(timeoutMs))
                .compose(r -> r.send())
                .compose(response -> response.body().map(b -> status(response.statusCode(), b.getBytes())))
                .onComplete(ar -> {
                    reading--;
                    w.asking = false;
                    Outcome o = ar.succeeded() ? ar.result() : null;
                    if (o != null) {
                        waiting.remove(w);
                        w.done.accept(o);
                    }
                    pump();
                });
    }

    /** A finished job's outcome, or null while it is queued or running (or the read failed: asked again). */
    static Outcome status(int httpStatus, byte[] body) {
        if (httpStatus == 404) {
            return Outcome.CLIENT_ERROR;
        }
        if (httpStatus != 200) {
            return null;
        }
        try {
            JsonNode status = JSON.readTree(body).path("status");
            return switch (status.asText()) {
                case "done" -> Outcome.OK;
                case "failed" -> Outcome.JOB_FAILED;
                default -> null;
            };
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** Jobs accepted and not yet seen finished. */
    int waiting() {
        return waiting.size();
    }
}
