package dev.ember.functions.knative;

import dev.ember.functions.core.http.HttpReply;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/** Writes an {@link HttpReply} as it is: status, headers, body. Decides nothing. */
final class ReplyWriter {
    private ReplyWriter() {}

    static void write(HttpServerResponse response, HttpReply reply) {
        if (response.ended() || response.closed()) {
            return; // the client went away, or a failure handler answered first
        }
        response.setStatusCode(reply.status());
        if (reply.contentType() != null) {
            response.putHeader("Content-Type", reply.contentType());
        }
        reply.headers().forEach(response::putHeader);
        // Wrapped, not copied: a cache hit's body is shared by every hit and never changes.
        response.end(Buffer.buffer(Unpooled.wrappedBuffer(reply.body())));
    }
}
