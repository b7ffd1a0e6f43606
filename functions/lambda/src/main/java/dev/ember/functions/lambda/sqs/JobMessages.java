package dev.ember.functions.lambda.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.ember.functions.core.jobs.Submission;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.codec.RoutedRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What an SQS message means as a job: its body is a v2 request that names its model ({@code
 * "model"}, optional {@code "version"}: what {@code POST /infer} takes), its message attributes the
 * caller's API key ({@code api-key}) and an optional {@code callback} URL for the completion event;
 * its job id is the message id without dashes (SQS message ids are UUIDs: the id {@code SendMessage}
 * answered is the one {@code GET /jobs/{id}} reads), or for any other message id the first 128 bits
 * of its SHA-256, so every delivery of one message is the same job.
 */
public final class JobMessages {
    public static final String API_KEY = "api-key";
    public static final String CALLBACK = "callback";
    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final InferenceCodec codec;

    public JobMessages(InferenceCodec codec) {
        this.codec = codec;
    }

    /** The id of the job a message is (the same for every delivery of it). */
    public static String jobId(String messageId) {
        if (messageId == null || messageId.isEmpty()) {
            throw new IllegalArgumentException("an SQS message without a messageId is not an SQS message");
        }
        if (UUID.matcher(messageId).matches()) {
            return messageId.replace("-", "").toLowerCase(Locale.ROOT);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(messageId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The submission a message carries; a body that is not such a request is a 400 saying what to send. */
    public Submission submission(SQSEvent.SQSMessage m) {
        String body = m.getBody();
        if (body == null || body.isBlank()) {
            throw InferenceException.badInput("the message body is empty: send a v2 request that names its model,"
                    + " {\"model\": \"...\", \"inputs\": [...]}, with the API key in the message attribute '"
                    + API_KEY + "'");
        }
        RoutedRequest routed = codec.decodeRoutedRequest(body.getBytes(StandardCharsets.UTF_8), -1);
        Map<String, SQSEvent.MessageAttribute> attributes =
                m.getMessageAttributes() == null ? Map.of() : m.getMessageAttributes();
        return Submission.job(
                        attribute(attributes, API_KEY).orElse(null), routed.model(), routed.version(), routed.request())
                .withCallback(attribute(attributes, CALLBACK).orElse(null));
    }

    private static Optional<String> attribute(Map<String, SQSEvent.MessageAttribute> attributes, String name) {
        return attributes.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(e -> e.getValue() == null ? null : e.getValue().getStringValue())
                .filter(v -> v != null && !v.isBlank())
                .findFirst();
    }
}
