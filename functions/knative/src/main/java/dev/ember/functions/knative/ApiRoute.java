package dev.ember.functions.knative;

import dev.ember.functions.core.http.BodyLimit;
import dev.ember.functions.core.http.FunctionsApi;
import dev.ember.functions.core.http.HttpCall;
import dev.ember.functions.core.http.HttpReply;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The Vert.x adapter of {@link FunctionsApi} (the v2 protocol): a route ahead of Quarkus's body
 * handler reads the body itself, up to {@code ember.limits.max-body-bytes} and whatever its
 * declared type (a v2 body is JSON or JSON-plus-binary, even when {@code curl -d} calls it a form),
 * hands an {@link HttpCall} to the API and writes the {@link HttpReply} back. Nothing is decided
 * here.
 *
 * <p>Threads: the API is called on the event loop that read the request. An answer ready at once
 * (a near-cache hit with a small body) is written there and then, with no hop to a worker thread;
 * an answer that completes later, on a Redis or pool thread, is written back on that event loop.
 * Paths the Funqy functions serve ({@link RequestGate#FUNCTION_PATHS}) are passed on to them.
 */
@Singleton
public class ApiRoute {
    @Inject
    FunctionsApi api;

    void install(@Observes Router router) {
        // ROUTE_ORDER_BODY_HANDLER - 1 is the lowest order there is: ahead of the body handler.
        router.route().order(RouteConstants.ROUTE_ORDER_BODY_HANDLER - 1).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = request.path();
        if (RequestGate.FUNCTION_PATHS.contains(path) || !api.serves(path)) {
            ctx.next();
            return;
        }
        BodyLimit limit = api.bodyLimit();
        if (limit.exceededBy(declaredLength(request))) {
            refuseTooLarge(ctx);
            return;
        }
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            ctx.response().writeContinue(); // curl waits a second for this before sending a body over 1 KiB
        }
        if (request.isEnded()) {
            answer(ctx, new byte[0]);
            return;
        }
        long declared = declaredLength(request);
        BodyBytes body = new BodyBytes(declared);
        boolean[] failed = {false};
        request.handler(chunk -> {
            if (failed[0]) {
                return;
            }
            if (limit.exceededBy(body.length() + (long) chunk.length())) {
                failed[0] = true;
                refuseTooLarge(ctx);
                return;
            }
            body.append(chunk);
        });
        request.exceptionHandler(e -> failed[0] = true); // the connection broke: nobody to answer
        request.endHandler(v -> {
            if (!failed[0]) {
                answer(ctx, body.bytes());
            }
        });
        request.resume();
    }

    /**
     * A body as it arrives: with a declared length up to 1 MiB, straight into an array of that size (one
     * allocation, one copy per chunk: a profile of repeated 64 KB hits had a fifth of its CPU in a
     * growing buffer and its final copy); without one, into a growing buffer.
     */
    private static final class BodyBytes {
        private static final int EXACT_UP_TO = 1 << 20;

        private final byte[] exact;
        private final Buffer growing;
        private int length;

        BodyBytes(long declared) {
            // A declared length is only a claim until the bytes arrive: past 1 MiB, grow as they do.
            exact = declared >= 0 && declared <= EXACT_UP_TO ? new byte[(int) declared] : null;
            growing = exact == null ? Buffer.buffer(declared > 0 ? EXACT_UP_TO : 256) : null;
        }

        int length() {
            return length;
        }

        void append(Buffer chunk) {
            if (exact != null && length + chunk.length() <= exact.length) {
                chunk.getBytes(0, chunk.length(), exact, length);
            } else if (exact == null) {
                growing.appendBuffer(chunk);
            } else {
                throw new IllegalStateException("body longer than its Content-Length"); // the HTTP codec prevents it
            }
            length += chunk.length();
        }

        byte[] bytes() {
            if (exact == null) {
                return growing.getBytes();
            }
            return length == exact.length ? exact : java.util.Arrays.copyOf(exact, length);
        }
    }

    private void answer(RoutingContext ctx, byte[] body) {
        HttpServerRequest request = ctx.request();
        HttpCall call =
                new HttpCall(request.method().name(), decode(request.path()), query(ctx), request.headers()::get, body);
        Context loop = Vertx.currentContext();
        CompletableFuture<HttpReply> reply = api.handle(call);
        if (reply.isDone()) {
            ReplyWriter.write(ctx.response(), reply.join()); // the common hit: no hop at all
            return;
        }
        reply.thenAccept(r -> {
            if (Vertx.currentContext() == loop) {
                ReplyWriter.write(ctx.response(), r);
            } else {
                loop.runOnContext(v -> ReplyWriter.write(ctx.response(), r));
            }
        });
    }

    private void refuseTooLarge(RoutingContext ctx) {
        // The rest of the body stays unread, so the connection cannot carry another request.
        ctx.response().putHeader("Connection", "close");
        ctx.response().endHandler(v -> ctx.request().connection().close());
        ReplyWriter.write(ctx.response(), api.failures().of(api.bodyLimit().failure()));
    }

    private static Map<String, String> query(RoutingContext ctx) {
        if (ctx.request().query() == null) {
            return Map.of();
        }
        Map<String, String> first = new HashMap<>();
        ctx.queryParams().forEach(e -> first.putIfAbsent(e.getKey(), e.getValue()));
        return first;
    }

    /** Percent-escapes decoded; a '+' in a path is a plus, not a space. */
    private static String decode(String rawPath) {
        if (rawPath.indexOf('%') < 0) {
            return rawPath;
        }
        try {
            return URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return rawPath; // a malformed escape: matches no route, answered 404
        }
    }

    static long declaredLength(HttpServerRequest request) {
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
}
