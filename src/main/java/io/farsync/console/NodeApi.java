package io.farsync.console;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.daemon.NodeJobs;
import io.farsync.history.HistoryQuery;
import io.farsync.history.HistoryStore;
import io.farsync.history.SessionStatus;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import io.javalin.http.UnauthorizedResponse;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's HTTP API (served by {@code farsync server --http ADDR:PORT}): status, live and past
 * sessions from the {@link HistoryStore}, stopping a running session, and Prometheus metrics.
 * Every request must carry {@code Authorization: Bearer TOKEN}; the console is the intended
 * client, Prometheus the other one.
 *
 * <pre>
 * GET  /api/status                      node, version, started_at, uptime_seconds, running_sessions
 * GET  /api/sessions?running=true       the running sessions with bytes so far and rate
 * GET  /api/sessions?q=&amp;status=&amp;user=&amp;from=&amp;to=&amp;limit=&amp;offset=   history, newest first
 * GET  /api/sessions/{id}               one session
 * GET  /api/sessions/{id}/files?limit=&amp;offset=   the entries it touched
 * POST /api/sessions/{id}/stop          body {"reason": "..."}: abort a running session
 * GET  /api/jobs, /api/jobs/{id}        jobs this node runs for the console ({@link NodeJobsApi})
 * POST /api/jobs                        start one
 * POST /api/jobs/{id}/stop              stop one
 * GET  /metrics                         Prometheus text format
 * </pre>
 */
public final class NodeApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeApi.class);

    /**
     * @param listen  where to serve HTTP (port 0: ephemeral)
     * @param node    the name this node reports
     * @param version the farsync version it reports
     */
    public record Settings(InetSocketAddress listen, ApiToken token, String node, String version, HistoryStore history, Clock clock,
            int sshPort, NodeJobs jobs) {
        /** A node that runs no jobs for the console. */
        public Settings(InetSocketAddress listen, ApiToken token, String node, String version, HistoryStore history, Clock clock) {
            this(listen, token, node, version, history, clock, 0, null);
        }

        /** @param sshPort the port this node's SSH listens on, reported for the console's jobs; jobs: null for none */
        public Settings withJobs(int sshPort, NodeJobs jobs) {
            return new Settings(listen, token, node, version, history, clock, sshPort, jobs);
        }
    }

    private final Javalin app;

    private NodeApi(Javalin app) {
        this.app = app;
    }

    /** Starts serving; throws a one-line FarsyncException when the address cannot be bound. */
    public static NodeApi start(Settings s) {
        Instant started = s.clock().instant();
        PrometheusMeterRegistry metrics = metrics(s.history());
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = s.listen().getHostString();
            config.jetty.port = s.listen().getPort();
            config.jsonMapper(Json.javalin());
            config.routes.before(ctx -> {
                if (!s.token().matchesAuthorization(ctx.header("Authorization"))) {
                    ctx.header("WWW-Authenticate", "Bearer");
                    throw new UnauthorizedResponse("missing or wrong bearer token");
                }
            });
            config.routes.exception(IllegalArgumentException.class, (e, ctx) ->
                    ctx.status(400).json(Map.of("error", String.valueOf(e.getMessage()))));
            config.routes.get("/api/status", ctx -> {
                Map<String, Object> status = new LinkedHashMap<>();
                status.put("node", s.node());
                status.put("version", s.version());
                status.put("started_at", started);
                status.put("uptime_seconds", Duration.between(started, s.clock().instant()).toSeconds());
                status.put("running_sessions", s.history().running().size());
                status.put("ssh_port", s.sshPort());
                status.put("runs_jobs", s.jobs() != null);
                ctx.json(status);
            });
            config.routes.get("/api/sessions", ctx -> {
                if ("true".equals(ctx.queryParam("running"))) {
                    ctx.json(Map.of("items", s.history().running()));
                } else {
                    ctx.json(s.history().search(query(ctx)));
                }
            });
            config.routes.get("/api/sessions/{id}", ctx -> ctx.json(s.history().session(id(ctx))
                    .orElseThrow(() -> new NotFoundResponse("no session " + ctx.pathParam("id")))));
            config.routes.get("/api/sessions/{id}/files", ctx -> ctx.json(s.history().files(id(ctx),
                    intParam(ctx, "limit", 100), intParam(ctx, "offset", 0))));
            config.routes.post("/api/sessions/{id}/stop", ctx -> {
                long id = id(ctx);
                String reason = ctx.body().isBlank() ? "stopped through the API"
                        : String.valueOf(Json.MAPPER.readTree(ctx.body()).path("reason").asText("stopped through the API"));
                s.history().runningSession(id).orElseThrow(() -> new NotFoundResponse("session " + id + " is not running"))
                        .stop(reason);
                log.info("session {} stopped: {}", id, reason);
                ctx.json(Map.of("stopping", id));
            });
            NodeJobsApi.install(config.routes, s.jobs());
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            throw new FarsyncException(ExitCode.USAGE, "cannot serve the HTTP API on " + s.listen() + ": " + e.getMessage(), e);
        }
        log.info("HTTP API on {}:{}", s.listen().getHostString(), app.port());
        return new NodeApi(app);
    }

    /** The bound port. */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    private static PrometheusMeterRegistry metrics(HistoryStore history) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        for (SessionStatus st : SessionStatus.values()) {
            if (st != SessionStatus.RUNNING && st != SessionStatus.INTERRUPTED) {
                registry.counter("farsync.sessions", "status", st.label());
            }
        }
        history.onSessionEnd(end -> registry.counter("farsync.sessions", "status", end.status().label()).increment());
        FunctionCounter.builder("farsync.transferred", history, HistoryStore::bytesTransferred).baseUnit("bytes")
                .description("file payload bytes transferred since the server started").register(registry);
        FunctionCounter.builder("farsync.transferred.files", history, HistoryStore::filesTransferred)
                .description("files transferred since the server started").register(registry);
        Gauge.builder("farsync.sessions.running", history, h -> h.running().size())
                .description("sync sessions running now").register(registry);
        return registry;
    }

    private static HistoryQuery query(Context ctx) {
        HistoryQuery q = HistoryQuery.all().page(intParam(ctx, "limit", 50), intParam(ctx, "offset", 0))
                .withText(ctx.queryParam("q")).withUser(ctx.queryParam("user"))
                .between(instantParam(ctx, "from"), instantParam(ctx, "to"));
        String status = ctx.queryParam("status");
        return status == null || status.isEmpty() ? q : q.withStatus(SessionStatus.parse(status));
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new NotFoundResponse("no session " + ctx.pathParam("id"));
        }
    }

    /** An integer query parameter, {@code dflt} when absent; anything else is a 400 naming the value. */
    static int intParam(Context ctx, String name, int dflt) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " (" + v + ") must be an integer");
        }
    }

    /** ISO-8601 instant (2026-03-01T10:00:00Z) or a date (2026-03-01, midnight UTC). */
    static Instant instantParam(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return v.length() == 10 ? java.time.LocalDate.parse(v).atStartOfDay(java.time.ZoneOffset.UTC).toInstant() : Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " (" + v + ") must be an ISO-8601 date or instant");
        }
    }
}
