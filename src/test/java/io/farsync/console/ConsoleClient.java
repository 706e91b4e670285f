package io.farsync.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** A browser stand-in for the console's JSON endpoints: keeps the cookie, sends the CSRF token. */
final class ConsoleClient {
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    String csrf;

    ConsoleClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    HttpResponse<String> login(String name, String password) throws Exception {
        HttpResponse<String> r = send("POST", "/api/login", Json.MAPPER.writeValueAsString(Map.of("name", name, "password", password)), false);
        if (r.statusCode() == 200) {
            csrf = Json.MAPPER.readTree(r.body()).path("csrf").asText();
        }
        return r;
    }

    HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, false);
    }

    /** A state-changing request with the CSRF token, as the page sends it. */
    HttpResponse<String> post(String path, Object body) throws Exception {
        return send("POST", path, Json.MAPPER.writeValueAsString(body), true);
    }

    HttpResponse<String> send(String method, String path, String json, boolean withCsrf) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        if (withCsrf && csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        if (r.statusCode() / 100 != 2) {
            throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
        }
        return Json.MAPPER.readTree(r.body());
    }
}
