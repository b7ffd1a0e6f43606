package dev.ember.functions.core.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ember.functions.core.jobs.BatchView;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.JobView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The async doors' answers, in JSON: a submission's receipt ({@code 202}, {@code Location}), a
 * job's status with its v2 response or the reason it failed, a batch's progress and a page of its
 * jobs. A stored response is spliced in as it was stored, not decoded again.
 */
public final class JobReplies {
    private static final JsonFactory JSON = new JsonFactory();

    private JobReplies() {}

    public static String location(String id) {
        return "/jobs/" + id;
    }

    /** {@code 202 Accepted}, {@code Location: /jobs/{id}}, {@code {"id": ..., "status": "queued"}}. */
    public static HttpReply accepted(JobEngine.Receipt receipt, String status) {
        return new HttpReply(
                202, "application/json", Map.of("Location", location(receipt.id())), receipt(receipt, status));
    }

    public static byte[] receipt(JobEngine.Receipt r, String status) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("id", r.id());
            g.writeStringField("status", status);
            if (r.batch()) {
                g.writeNumberField("total", r.jobs());
            }
            if (r.duplicate()) {
                g.writeBooleanField("duplicate", true);
            }
            g.writeEndObject();
        });
    }

    public static byte[] job(JobView v) {
        return write(g -> writeJob(g, v));
    }

    public static byte[] batch(BatchView b, int limit) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("id", b.id());
            g.writeStringField("status", b.finished() ? "done" : "running");
            g.writeNumberField("total", b.total());
            g.writeNumberField("done", b.done());
            g.writeNumberField("failed", b.failed());
            g.writeNumberField("offset", b.offset());
            g.writeArrayFieldStart("jobs");
            for (JobView v : b.jobs()) {
                writeJob(g, v);
            }
            g.writeEndArray();
            long next = (long) b.offset() + limit;
            if (next < b.total()) {
                g.writeStringField("next", location(b.id()) + "?offset=" + next + "&limit=" + limit);
            }
            g.writeEndObject();
        });
    }

    private static void writeJob(JsonGenerator g, JobView v) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", v.id());
        g.writeStringField("status", v.status().wireName());
        if (v.model() != null) {
            g.writeStringField("model", v.model());
        }
        g.writeNumberField("attempts", v.attempts());
        g.writeNumberField("submitted_ms", v.submittedMillis());
        if (v.finishedMillis().isPresent()) {
            g.writeNumberField("finished_ms", v.finishedMillis().get());
        }
        if (v.status() == JobView.Status.DONE && v.response().isPresent()) {
            g.writeFieldName("response");
            g.writeRawValue(new String(v.response().get(), StandardCharsets.UTF_8));
        }
        if (v.error().isPresent()) {
            g.writeStringField(
                    v.status() == JobView.Status.FAILED ? "error" : "last_error",
                    v.error().get());
        }
        g.writeEndObject();
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
