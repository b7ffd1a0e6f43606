package dev.ember.functions.knative;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Locale;

/**
 * Refuses what Funqy would read in vain or answer badly. Before the body is read: a declared
 * {@code Content-Length} over {@code ember.limits.max-body-bytes} (400 saying so, where Quarkus's
 * own check answers 413 with an empty body; a chunked body over the cap is cut off by Quarkus's body
 * handler, whose 413 {@link HttpErrors} words the same way). Once it is read: an empty POST, and a
 * binary-mode CloudEvent whose data is not JSON (Funqy fails on both with a 500).
 */
@Singleton
public class RequestGate {
    /** Where Funqy serves: CloudEvents at the root, plain calls at each function's name. */
    static final List<String> FUNCTION_PATHS = List.of("/", "/infer", "/models");

    @Inject
    EmberConfig config;

    @Inject
    HttpErrors errors;

    void install(@Observes Router router) {
        for (String path : FUNCTION_PATHS) {
            // Around Quarkus's body handler (ROUTE_ORDER_BODY_HANDLER), before Funqy's route.
            router.route(path).order(RouteConstants.ROUTE_ORDER_BODY_HANDLER - 1).handler(this::beforeBody);
            router.route(path).order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(this::afterBody);
        }
    }

    private void beforeBody(RoutingContext ctx) {
        long limit = config.limits().maxBodyBytes();
        if (contentLength(ctx.request()) > limit) {
            // The body stays unread, so the connection cannot carry another request: close it.
            ctx.response().putHeader("Connection", "close");
            ctx.response().endHandler(v -> ctx.request().connection().close());
            errors.send(ctx.response(), 400, HttpErrors.bodyTooLarge(limit), null);
            return;
        }
        ctx.next();
    }

    private void afterBody(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Buffer body = ctx.body().buffer();
        boolean empty = body == null || body.length() == 0;
        boolean binaryEvent = request.headers().contains("ce-id");
        if (binaryEvent && !empty && !isJson(request.getHeader("Content-Type"))) {
            errors.send(
                    ctx.response(),
                    400,
                    "a binary-mode CloudEvent must carry JSON data: send it with Content-Type: application/json",
                    null);
        } else if (!binaryEvent && empty && request.method() == HttpMethod.POST) {
            errors.send(
                    ctx.response(),
                    400,
                    "request body is empty: POST /infer takes a JSON object with \"model\" and \"inputs\";"
                            + " GET /models lists the models",
                    null);
        } else {
            ctx.next();
        }
    }

    private static long contentLength(HttpServerRequest request) {
        String value = request.getHeader("Content-Length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1; // not ours to judge: the HTTP codec refuses it
        }
    }

    private static boolean isJson(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
    }
}
