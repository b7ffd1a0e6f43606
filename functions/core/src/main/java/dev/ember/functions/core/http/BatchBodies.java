package dev.ember.functions.core.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.ember.pool.api.InferenceException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A batch submission's body split into its v2 requests, each still encoded (the codec decodes
 * each): a JSON list of request objects, or NDJSON (one request object per line, blank lines
 * skipped). The split only finds where each object starts and ends; nothing is bound.
 */
final class BatchBodies {
    private static final JsonFactory JSON = new JsonFactory();

    private BatchBodies() {}

    static List<byte[]> split(byte[] body) {
        int first = 0;
        while (first < body.length && Character.isWhitespace(body[first])) {
            first++;
        }
        if (first == body.length) {
            throw InferenceException.badInput(
                    "the batch is empty: send a JSON list of v2 requests, or NDJSON (one request per line)");
        }
        return body[first] == '[' ? list(body) : ndjson(body);
    }

    private static List<byte[]> list(byte[] body) {
        List<byte[]> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            p.nextToken(); // [
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.START_OBJECT) {
                    throw InferenceException.badInput("batch element " + out.size()
                            + " is not a JSON object: each element is a v2 request {\"inputs\": [...]}");
                }
                int start = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                int end = (int) p.currentLocation().getByteOffset();
                out.add(Arrays.copyOfRange(body, start, end));
            }
            if (p.nextToken() != null) {
                throw InferenceException.badInput("unexpected content after the batch's closing ']'");
            }
        } catch (JsonProcessingException e) {
            throw InferenceException.badInput("the batch is not a valid JSON list: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw InferenceException.badInput("the batch is not a valid JSON list: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw InferenceException.badInput("the batch list is empty: add at least one v2 request");
        }
        return out;
    }

    private static List<byte[]> ndjson(byte[] body) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                int s = start;
                int e = i;
                while (s < e && Character.isWhitespace(body[s])) {
                    s++;
                }
                while (e > s && Character.isWhitespace(body[e - 1])) {
                    e--;
                }
                if (e > s) {
                    out.add(Arrays.copyOfRange(body, s, e));
                }
                start = i + 1;
            }
        }
        return out;
    }
}
