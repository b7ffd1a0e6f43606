package dev.ember.pool.worker.http;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request body up to a limit, whatever its declared content type: a v2 body is JSON or
 * JSON-plus-binary even when a client such as {@code curl -d} labels it a form. (Vert.x Web's
 * BodyHandler would parse it as a form and fail on long fields.) Over the limit, routing fails
 * with 413 before the rest is read.
 */
final class BoundedBody implements Handler<RoutingContext> {
    static final String KEY = "ember.body";

    private final long maxBytes;

    BoundedBody(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * The body's bytes. When the body filled exactly the buffer its declared length sized (the
     * usual case), its backing array is returned as it is: a 4.9 MB image is then copied once on
     * its way in (socket to this buffer), not twice.
     */
    static byte[] of(RoutingContext ctx) {
        Buffer body = ctx.get(KEY);
        if (body == null) {
            return new byte[0];
        }
        ByteBuf buf = body.getByteBuf();
        if (buf.hasArray() && buf.arrayOffset() == 0 && buf.readerIndex() == 0 && buf.array().length == body.length()) {
            return buf.array();
        }
        return body.getBytes();
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        long declared = declaredLength(request);
        if (declared > maxBytes) {
            tooLarge(ctx);
            return;
        }
        Buffer body = Buffer.buffer((int) Math.max(256, Math.min(declared, maxBytes)));
        if (request.isEnded()) { // nothing more will arrive
            ctx.put(KEY, body);
            ctx.next();
            return;
        }
        boolean[] failed = {false};
        request.handler(chunk -> {
            if (failed[0]) {
                return;
            }
            if (body.length() + (long) chunk.length() > maxBytes) {
                failed[0] = true;
                tooLarge(ctx);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(e -> {
            if (!failed[0]) {
                failed[0] = true;
                ctx.fail(e);
            }
        });
        request.endHandler(v -> {
            if (!failed[0]) {
                ctx.put(KEY, body);
                ctx.next();
            }
        });
        request.resume();
    }

    private static void tooLarge(RoutingContext ctx) {
        // The rest of the body is not read: the connection cannot be reused.
        ctx.response().putHeader("Connection", "close");
        ctx.fail(413);
    }

    private static long declaredLength(HttpServerRequest request) {
        String value = request.getHeader("Content-Length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
