package dev.ember.functions.knative;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ember.functions.core.http.FunctionsApi;
import dev.ember.pool.api.InferenceException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.funqy.runtime.ApplicationException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Failures of the Funqy functions as HTTP answers, through the functions' one mapping ({@link
 * dev.ember.functions.core.http.FailureReplies}): the status from the failure's reason, a {@code
 * {"error": "..."}} body, {@code Retry-After} when the failure says when to come back.
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

    @Inject
    FunctionsApi api;

    @ConfigProperty(name = "quarkus.funqy.knative-events.mapping.infer.trigger")
    String inferEventType;

    void install(@Observes Router router) {
        router.route().failureHandler(this::handle);
        router.errorHandler(404, this::handle); // no route at all: answer in the same shape
    }

    private void handle(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure == null) {
            refuse(ctx);
        } else if (InferenceException.find(failure).isPresent()) {
            ReplyWriter.write(ctx.response(), api.failures().of(failure));
        } else if (failure instanceof JsonProcessingException e) { // a structured CloudEvent Funqy could not parse
            send(ctx, 400, "malformed JSON: " + e.getOriginalMessage());
        } else if (isStructuredEvent(ctx.request().getHeader("Content-Type"))
                && !(failure instanceof ApplicationException)) {
            // Funqy reads the envelope without checking it: a missing member surfaces as a bare
            // NullPointerException or IllegalArgumentException. Function failures come wrapped.
            LOG.debug("malformed structured CloudEvent", failure);
            send(
                    ctx,
                    400,
                    "malformed CloudEvent: a structured-mode event needs specversion, id, source, type, and data"
                            + " holding the request");
        } else {
            ReplyWriter.write(ctx.response(), api.failures().of(failure)); // a bug: logged, 500
        }
    }

    /** A bare {@code fail(status)} from Funqy or Vert.x, answered in words. */
    private void refuse(RoutingContext ctx) {
        int status = ctx.statusCode();
        if (status == 413) { // a chunked body over the cap, cut off by Quarkus's body handler
            ReplyWriter.write(ctx.response(), api.failures().of(api.bodyLimit().failure()));
            return;
        }
        String contentType = ctx.request().getHeader("Content-Type");
        String message = switch (status) {
            case 400 -> "malformed JSON: the body must be a JSON object";
            case 404 ->
                ctx.request().headers().contains("ce-id") || isStructuredEvent(contentType)
                        ? "no function takes CloudEvents of this type; infer takes '" + inferEventType + "'"
                        : "no function at '" + ctx.request().path() + "': POST /infer, GET /models, or the v2"
                                + " protocol under /v2";
            case 405 -> "method not allowed: POST /infer, GET /models";
            case 406 ->
                "unsupported Content-Type '" + contentType
                        + "': send application/json, or a CloudEvent (binary mode with Content-Type:"
                        + " application/json, or structured mode as application/cloudevents+json)";
            case 409 -> "this CloudEvent matches more than one function";
            default ->
                status >= 400 && status < 600
                        ? HttpResponseStatus.valueOf(status).reasonPhrase()
                        : "internal error";
        };
        send(ctx, status >= 400 && status < 600 ? status : 500, message);
    }

    void send(RoutingContext ctx, int status, String message) {
        ReplyWriter.write(ctx.response(), api.failures().of(status, message, null));
    }

    private static boolean isStructuredEvent(String contentType) {
        return contentType != null && contentType.startsWith("application/cloudevents+json");
    }
}
