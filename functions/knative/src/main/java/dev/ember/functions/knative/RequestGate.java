package dev.ember.functions.knative;

import dev.ember.functions.core.http.FunctionsApi;
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
 * {@code Content-Length} over {@code ember.limits.max-body-bytes} (413 saying so, where Quarkus's
 * own check answers 413 with an empty body; a chunked body over the cap is cut off by Quarkus's body
 * handler, whose 413 {@link HttpErrors} words the same way). Once it is read: a binary-mode
 * CloudEvent whose data is not JSON, an empty {@code POST /infer}, and a method a function is not
 * called with (Funqy answers these with a 500 or a misleading 406).
 */
@Singleton
public class RequestGate {
    /** Where Funqy serves: CloudEvents at the root, plain calls at each function's name. */
    static final List<String> FUNCTION_PATHS = List.of("/", "/infer", "/submit", "/result", "/models", "/live");
    /** Functions that take no input, called with GET. */
    private static final List<String> NO_INPUT = List.of("/models", "/live");

    @Inject
    FunctionsApi api;

    @Inject
    HttpErrors errors;

    void install(@Observes Router router) {
        for (String path : FUNCTION_PATHS) {
            // Either side of Quarkus's body handler; Funqy's routes come after both.
            router.route(path)
                    .order(RouteConstants.ROUTE_ORDER_BODY_HANDLER - 1)
                    .handler(this::beforeBody);
            router.route(path)
                    .order(RouteConstants.ROUTE_ORDER_BODY_HANDLER + 1)
                    .handler(this::afterBody);
        }
    }

    private void beforeBody(RoutingContext ctx) {
        if (api.bodyLimit().exceededBy(ApiRoute.declaredLength(ctx.request()))) {
            // The body stays unread, so the connection cannot carry another request: close it.
            ctx.response().putHeader("Connection", "close");
            ctx.response().endHandler(v -> ctx.request().connection().close());
            ReplyWriter.write(ctx.response(), api.failures().of(api.bodyLimit().failure()));
            return;
        }
        ctx.next();
    }

    private void afterBody(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Buffer body = ctx.body().buffer();
        boolean empty = body == null || body.length() == 0;
        String refusal = null;
        int status = 400;
        if (request.headers().contains("ce-id")) {
            if (!empty && !isJson(request.getHeader("Content-Type"))) {
                refusal = "a binary-mode CloudEvent must carry JSON data: send it with Content-Type: application/json";
            }
        } else if (request.path().equals("/infer")) {
            if (request.method() != HttpMethod.POST) {
                status = 405;
                refusal = "infer is called with POST /infer and the request as JSON";
            } else if (empty) {
                refusal = "request body is empty: POST /infer takes a JSON object with \"model\" and \"inputs\"";
            }
        } else if (NO_INPUT.contains(request.path()) && request.method() != HttpMethod.GET) {
            status = 405; // Funqy fails on a POST with a body to a function that takes none
            refusal = request.path().substring(1) + " is called with GET " + request.path();
        }
        if (refusal == null) {
            ctx.next();
        } else {
            errors.send(ctx, status, refusal);
        }
    }

    private static boolean isJson(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
    }
}
