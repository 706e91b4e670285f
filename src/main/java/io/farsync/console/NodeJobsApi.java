package io.farsync.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.farsync.common.FarsyncException;
import io.farsync.daemon.NodeJobs;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The node API's job endpoints: the console asks a node to run a sync against another node
 * ({@link NodeJobs}). A node started without {@code --run-jobs} answers 404 to all of them.
 *
 * <pre>
 * POST /api/jobs {peer_host, peer_port, local_path, remote_path, direction: push|pull|bidi, conflict,
 *                 rate_bps, policy, delete, continuous, every_seconds, requested_by, console_job}   201 the job
 * GET  /api/jobs                 newest first
 * GET  /api/jobs/{id}            {id, state: running|stopped|done, spec, sessions: [history ids], lastStatus, lastError}
 * POST /api/jobs/{id}/stop       {reason}
 * </pre>
 */
final class NodeJobsApi {
    private NodeJobsApi() {
    }

    static void install(RoutesConfig r, NodeJobs jobs) {
        r.post("/api/jobs", ctx -> ctx.status(201).json(enabled(jobs).start(spec(Json.MAPPER.readTree(ctx.body())))));
        r.get("/api/jobs", ctx -> ctx.json(Map.of("items", enabled(jobs).list())));
        r.get("/api/jobs/{id}", ctx -> ctx.json(enabled(jobs).get(id(ctx)).orElseThrow(() -> noJob(ctx))));
        r.post("/api/jobs/{id}/stop", ctx -> {
            String reason = ctx.body().isBlank() ? "stopped through the API"
                    : Json.MAPPER.readTree(ctx.body()).path("reason").asText("stopped through the API");
            ctx.json(enabled(jobs).stop(id(ctx), reason).orElseThrow(() -> noJob(ctx)));
        });
        r.exception(FarsyncException.class, (e, ctx) -> ctx.status(400).json(Map.of("error", e.getMessage())));
    }

    private static NodeJobs enabled(NodeJobs jobs) {
        if (jobs == null) {
            throw new NotFoundResponse("this node runs no jobs: start it with farsync server --run-jobs");
        }
        return jobs;
    }

    /** The request body as a spec; throws IllegalArgumentException (a 400) naming what is wrong. */
    static NodeJobs.Spec spec(JsonNode b) {
        String direction = b.path("direction").asText("push");
        if (!direction.matches("push|pull|bidi")) {
            throw new IllegalArgumentException("direction (" + direction + ") must be push, pull or bidi");
        }
        String host = required(b, "peer_host");
        int port = b.path("peer_port").asInt(0);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer_port (" + b.path("peer_port") + ") must be 1-65535");
        }
        long rate = b.path("rate_bps").asLong(1_000_000_000L);
        if (rate <= 0) {
            throw new IllegalArgumentException("rate_bps (" + rate + ") must be positive");
        }
        return new NodeJobs.Spec(host, port, required(b, "local_path"), required(b, "remote_path"), !direction.equals("pull"),
                direction.equals("bidi"), b.path("conflict").asText("keep-both"), rate, b.path("policy").asText("fair"),
                b.path("delete").asBoolean(true), b.path("continuous").asBoolean(false),
                Duration.ofSeconds(b.path("every_seconds").asLong(60)), b.path("requested_by").asText("console"),
                b.path("console_job").asText(null));
    }

    private static String required(JsonNode b, String field) {
        String v = b.path(field).asText("");
        if (v.isBlank()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return v;
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw noJob(ctx);
        }
    }

    private static NotFoundResponse noJob(Context ctx) {
        return new NotFoundResponse("no job " + ctx.pathParam("id"));
    }
}
