package io.farsync.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.farsync.sync.ConflictPolicy;
import io.farsync.transport.RatePolicy;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The console's job endpoints ({@link ConsoleJobs} does the work). Everyone logged in sees the
 * jobs; defining, starting, stopping, scheduling and removing them needs the operator role.
 *
 * <pre>
 * GET    /api/jobs                     jobs, each with its schedule, next run and its latest run as the node reports it
 * POST   /api/jobs {name, source_node, source_path, dest_node, dest_path, rate_mbps, policy, delete, bidi, conflict,
 *                   continuous, every_seconds, schedule}
 * DELETE /api/jobs/{id}
 * POST   /api/jobs/{id}/start          the node's job: {id, state, sessions, node, nodeId}
 * POST   /api/jobs/{id}/stop
 * PUT    /api/jobs/{id}/schedule {schedule: "every 6h" | "daily 02:30" | ""}
 * </pre>
 */
final class JobRoutes {
    private final ConsoleStore store;
    private final ConsoleJobs jobs;

    JobRoutes(ConsoleStore store, ConsoleJobs jobs) {
        this.store = store;
        this.jobs = jobs;
    }

    void install(RoutesConfig r) {
        r.get("/api/jobs", this::list);
        r.post("/api/jobs", Access.requires(store, Role.OPERATOR, this::create));
        r.delete("/api/jobs/{id}", Access.requires(store, Role.OPERATOR, this::remove));
        r.post("/api/jobs/{id}/start", Access.requires(store, Role.OPERATOR,
                ctx -> ctx.json(jobs.start(job(ctx), Access.caller(ctx).user()))));
        r.post("/api/jobs/{id}/stop", Access.requires(store, Role.OPERATOR,
                ctx -> ctx.json(jobs.stop(job(ctx), Access.caller(ctx).user()))));
        r.put("/api/jobs/{id}/schedule", Access.requires(store, Role.OPERATOR, ctx -> {
            ConsoleStore.Job job = job(ctx);
            jobs.schedule(job, Json.MAPPER.readTree(ctx.body()).path("schedule").asText(""), Access.caller(ctx).user());
            ctx.json(view(job(ctx), false));
        }));
    }

    private void list(Context ctx) {
        List<Object> items = new ArrayList<>();
        for (ConsoleStore.Job j : store.jobs()) {
            items.add(view(j, true));
        }
        ctx.json(Map.of("items", items));
    }

    private ObjectNode view(ConsoleStore.Job j, boolean withRun) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", j.id());
        o.put("name", j.name());
        o.put("source_node", j.sourceNode());
        o.put("source", nodeName(j.sourceNode()) + ":" + j.sourcePath());
        o.put("dest_node", j.destNode());
        o.put("destination", nodeName(j.destNode()) + ":" + j.destPath());
        o.set("options", ConsoleJobs.options(j));
        o.put("schedule", j.schedule());
        o.put("next_run", j.nextRun() == null ? null : j.nextRun().toString());
        o.put("last_started", j.lastStarted() == null ? null : j.lastStarted().toString());
        o.put("created_by", j.createdBy());
        if (withRun) {
            o.set("last_run", jobs.lastRun(j));
        }
        return o;
    }

    private String nodeName(long id) {
        return store.node(id).map(ConsoleStore.Node::name).orElse("(removed node " + id + ")");
    }

    private void create(Context ctx) throws Exception {
        JsonNode b = Json.MAPPER.readTree(ctx.body());
        String name = b.path("name").asText("").strip();
        if (!name.matches("[A-Za-z0-9._ -]{1,64}")) {
            throw new IllegalArgumentException("job name (" + name + ") must be 1-64 letters, digits, spaces or . _ -");
        }
        long src = existingNode(b, "source_node");
        long dst = existingNode(b, "dest_node");
        if (src == dst) {
            throw new IllegalArgumentException("source and destination must be different nodes");
        }
        ObjectNode options = Json.MAPPER.createObjectNode();
        double rate = b.path("rate_mbps").asDouble(1000);
        if (!(rate > 0)) {
            throw new IllegalArgumentException("rate_mbps (" + b.path("rate_mbps") + ") must be positive");
        }
        options.put("rate_mbps", rate);
        options.put("policy", RatePolicy.parse(b.path("policy").asText("fair")).label());
        options.put("delete", b.path("delete").asBoolean(true));
        options.put("bidi", b.path("bidi").asBoolean(false));
        options.put("conflict", ConflictPolicy.parse(b.path("conflict").asText("keep-both")).label());
        options.put("continuous", b.path("continuous").asBoolean(false));
        long every = b.path("every_seconds").asLong(60);
        if (every < 1) {
            throw new IllegalArgumentException("every_seconds (" + every + ") must be positive");
        }
        options.put("every_seconds", every);
        String schedule = b.path("schedule").asText("");
        if (!schedule.isBlank()) {
            Schedule.parse(schedule);
        }
        String user = Access.caller(ctx).user();
        ConsoleStore.Job job = store.addJob(name, src, path(b, "source_path"), dst, path(b, "dest_path"),
                Json.MAPPER.writeValueAsString(options), user);
        store.audit(user, "define job", name, job.sourcePath() + " -> " + job.destPath());
        if (!schedule.isBlank()) {
            jobs.schedule(job, schedule, user);
        }
        ctx.status(201).json(view(store.job(job.id()).orElseThrow(), false));
    }

    private void remove(Context ctx) {
        ConsoleStore.Job job = job(ctx);
        store.removeJob(job.id());
        store.audit(Access.caller(ctx).user(), "remove job", job.name(), null);
        ctx.json(Map.of("removed", job.id()));
    }

    private long existingNode(JsonNode b, String field) {
        long id = b.path(field).asLong(-1);
        if (store.node(id).isEmpty()) {
            throw new IllegalArgumentException(field + " (" + b.path(field) + ") is not a registered node");
        }
        return id;
    }

    private static String path(JsonNode b, String field) {
        String p = b.path(field).asText("").strip();
        if (p.isEmpty()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return p;
    }

    private ConsoleStore.Job job(Context ctx) {
        String raw = ctx.pathParam("id");
        try {
            long id = Long.parseLong(raw);
            return store.job(id).orElseThrow(() -> new NotFoundResponse("no job " + id));
        } catch (NumberFormatException e) {
            throw new NotFoundResponse("no job " + raw);
        }
    }
}
