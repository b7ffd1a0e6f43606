package dev.ember.functions.core.jobs;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * A job's completion event as an HTTP request, written by the CloudEvents SDK in binary mode:
 * {@code ce-id} and {@code ce-subject} are the job id (a receiver dedupes on them: delivery is at
 * least once), {@code ce-type} {@code dev.ember.inference.completed} with the v2 response as data,
 * or {@code dev.ember.inference.failed} with {@code {"id": ..., "error": ...}}.
 */
final class CompletionEvents {
    static final URI SOURCE = URI.create("/ember/jobs");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Clock clock;

    CompletionEvents(Clock clock) {
        this.clock = clock;
    }

    CloudEvent event(String jobId, String type, byte[] data) {
        return CloudEventBuilder.v1()
                .withId(jobId)
                .withSource(SOURCE)
                .withType(type)
                .withSubject(jobId)
                .withTime(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))
                .withDataContentType("application/json")
                .withData(data)
                .build();
    }

    HttpRequest request(URI sink, CloudEvent event) {
        HttpRequest.Builder request = HttpRequest.newBuilder(sink).timeout(TIMEOUT);
        byte[][] body = {new byte[0]};
        HttpMessageFactory.createWriter(request::header, bytes -> body[0] = bytes)
                .writeBinary(event);
        return request.POST(HttpRequest.BodyPublishers.ofByteArray(body[0])).build();
    }

    /** The data of a failed event. */
    static byte[] failure(String jobId, String reason) {
        return ("{\"id\":" + quote(jobId) + ",\"error\":" + quote(reason) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
