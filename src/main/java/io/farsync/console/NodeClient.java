package io.farsync.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Talks to one node's HTTP API ({@link NodeApi}) for the console. */
final class NodeClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** The node could not be asked, or refused: the message names the node and says why. */
    static final class NodeException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        NodeException(String message, int status, Throwable cause) {
            super(message, cause);
            this.status = status;
        }
    }

    private final ConsoleStore.Node node;

    NodeClient(ConsoleStore.Node node) {
        this.node = node;
    }

    JsonNode get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
    }

    JsonNode post(String path, Object body) {
        try {
            return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String errorText(String body) {
        try {
            JsonNode j = Json.MAPPER.readTree(body);
            if (j.hasNonNull("error")) {
                return j.get("error").asText();
            }
            if (j.hasNonNull("title")) {
                return j.get("title").asText();
            }
        } catch (IOException e) {
            // not JSON: the body as it is
        }
        return body;
    }

    private URI uri(String pathAndQuery) {
        String base = node.url().endsWith("/") ? node.url().substring(0, node.url().length() - 1) : node.url();
        return URI.create(base + pathAndQuery);
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> r;
        try {
            r = HTTP.send(request.header("Authorization", "Bearer " + node.token()).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new NodeException("node " + node.name() + " (" + node.url() + ") unreachable: " + e, 502, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException("interrupted asking node " + node.name(), 502, e);
        }
        if (r.statusCode() == 401) {
            throw new NodeException("node " + node.name() + " refused the console's token", 502, null);
        }
        if (r.statusCode() == 400 || r.statusCode() == 404) {
            // the request was wrong, not the node: pass the node's reason on with its status
            throw new NodeException("node " + node.name() + ": " + errorText(r.body()), r.statusCode(), null);
        }
        if (r.statusCode() / 100 != 2) {
            throw new NodeException("node " + node.name() + " answered " + r.statusCode() + ": " + r.body(), 502, null);
        }
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new NodeException("node " + node.name() + " answered something that is not JSON", 502, e);
        }
    }
}
