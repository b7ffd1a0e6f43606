package dev.ember.bench.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/**
 * Events as API Gateway sends them to a function, as JSON (what the Runtime API hands a runtime):
 * an HTTP API event in payload format 2.0 with the fields a real one carries.
 */
public final class ApiGatewayEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiGatewayEvents() {}

    public static String httpApi(String method, String path, Map<String, String> headers, String body) {
        return httpApi(method, path, headers, body, false);
    }

    public static String httpApiBase64(String method, String path, Map<String, String> headers, byte[] body) {
        return httpApi(method, path, headers, Base64.getEncoder().encodeToString(body), true);
    }

    private static String httpApi(
            String method, String path, Map<String, String> headers, String body, boolean base64) {
        ObjectNode e = JSON.createObjectNode();
        e.put("version", "2.0");
        e.put("routeKey", "$default");
        e.put("rawPath", path);
        e.put("rawQueryString", "");
        ObjectNode h = e.putObject("headers");
        h.put("host", "abc123.execute-api.us-east-1.amazonaws.com");
        h.put("user-agent", "ember-bench");
        headers.forEach(h::put);
        ObjectNode context = e.putObject("requestContext");
        context.put("accountId", "000000000000");
        context.put("apiId", "abc123");
        context.put("domainName", "abc123.execute-api.us-east-1.amazonaws.com");
        context.put("requestId", UUID.randomUUID().toString());
        context.put("routeKey", "$default");
        context.put("stage", "$default");
        context.put("timeEpoch", System.currentTimeMillis());
        ObjectNode http = context.putObject("http");
        http.put("method", method);
        http.put("path", path);
        http.put("protocol", "HTTP/1.1");
        http.put("sourceIp", "127.0.0.1");
        http.put("userAgent", "ember-bench");
        if (body != null) {
            e.put("body", body);
        }
        e.put("isBase64Encoded", base64);
        return e.toString();
    }
}
