package dev.ember.functions.knative;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.StatusCodes;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.funqy.runtime.ApplicationException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The one place where failures become HTTP answers: the status from the failure's reason ({@link
 * StatusCodes}), a {@code {"error": "..."}} body, and {@code Retry-After} when the failure says when
 * to come back. Anything else is a bug: logged with its stack, answered 500 without one.
 *
 * <p>Why a Vert.x failure handler: Funqy has no error mapping of its own. A function's failure
 * reaches Vert.x as {@code routingContext.fail(throwable)}, and Funqy's own refusals (unparseable
 * JSON, unknown event type, wrong media type) as {@code fail(status)} with no message; left alone,
 * Quarkus answers both with its generic error page (500 for every function failure). A failure
 * handler on the router sees all of them before Quarkus's, without touching Funqy's dispatch.
 */
@Singleton
public class HttpErrors {
    private static final Logger LOG = Logger.getLogger(HttpErrors.class);
    private static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(1);

    @Inject
    InferenceCodec codec;

    @Inject
    EmberConfig config;

    @ConfigProperty(name = "quarkus.funqy.knative-events.mapping.infer.trigger")
    String inferEventType;

    void install(@Observes Router router) {
        router.route().failureHandler(this::handle);
        router.errorHandler(404, this::handle); // no route at all: answer in the same shape
    }

    static String bodyTooLarge(long limit) {
        return "request body is larger than " + limit
                + " bytes (ember.limits.max-body-bytes): split the request or send fewer elements";
    }

    private void handle(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure == null) {
            refuse(ctx);
            return;
        }
        Optional<InferenceException> typed = InferenceException.find(failure);
        if (typed.isPresent()) {
            InferenceException e = typed.get();
            if (e.reason() == Reason.MODEL_ERROR || e.reason() == Reason.DEVICE_ERROR) {
                LOG.warn(e.getMessage());
            }
            Duration retryAfter = e.retryAfter().orElse(e.reason() == Reason.UNAVAILABLE ? UNAVAILABLE_RETRY : null);
            send(ctx.response(), StatusCodes.of(e.reason()), e.getMessage(), retryAfter);
        } else if (failure instanceof JsonProcessingException e) { // a structured CloudEvent Funqy could not parse
            send(ctx.response(), 400, "malformed JSON: " + e.getOriginalMessage(), null);
        } else if (isStructuredEvent(ctx.request().getHeader("Content-Type"))
                && !(failure instanceof ApplicationException)) {
            // Funqy reads the envelope without checking it: a missing member surfaces as a bare
            // NullPointerException or IllegalArgumentException. Function failures come wrapped.
            LOG.debug("malformed structured CloudEvent", failure);
            send(
                    ctx.response(),
                    400,
                    "malformed CloudEvent: a structured-mode event needs specversion, id, source, type, and data"
                            + " holding the request",
                    null);
        } else {
            LOG.error(
                    "unexpected failure serving " + ctx.request().method() + " "
                            + ctx.request().path(),
                    failure);
            send(
                    ctx.response(),
                    500,
                    "internal error (" + failure.getClass().getSimpleName() + "); see the function's log",
                    null);
        }
    }

    /** A bare {@code fail(status)} from Funqy or Vert.x, answered in words. */
    private void refuse(RoutingContext ctx) {
        int status = ctx.statusCode();
        String contentType = ctx.request().getHeader("Content-Type");
        String message = switch (status) {
            case 400 -> "malformed JSON: the body must be a JSON object";
            case 404 ->
                ctx.request().headers().contains("ce-id") || isStructuredEvent(contentType)
                        ? "no function takes CloudEvents of this type; infer takes '" + inferEventType + "'"
                        : "no function at '" + ctx.request().path() + "': POST /infer, GET /models";
            case 405 -> "method not allowed: POST /infer, GET /models";
            case 406 ->
                "unsupported Content-Type '" + contentType
                        + "': send application/json, or a CloudEvent (binary mode with Content-Type:"
                        + " application/json, or structured mode as application/cloudevents+json)";
            case 409 -> "this CloudEvent matches more than one function";
            case 413 -> bodyTooLarge(config.limits().maxBodyBytes()); // a chunked body over the cap
            default ->
                status >= 400 && status < 600
                        ? HttpResponseStatus.valueOf(status).reasonPhrase()
                        : "internal error";
        };
        // Over the cap is the request's fault like any other bad input: 400, as for a declared length.
        int answered = status == 413 ? 400 : (status >= 400 && status < 600 ? status : 500);
        send(ctx.response(), answered, message, null);
    }

    void send(HttpServerResponse response, int status, String message, Duration retryAfter) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        if (retryAfter != null) {
            // Whole seconds, rounded up: a client told "0" would retry at once.
            long seconds = Math.max(1, retryAfter.plusMillis(999).toSeconds());
            response.putHeader("Retry-After", Long.toString(seconds));
        }
        response.end(Buffer.buffer(codec.encodeError(message)));
    }

    private static boolean isStructuredEvent(String contentType) {
        return contentType != null && contentType.startsWith("application/cloudevents+json");
    }
}
