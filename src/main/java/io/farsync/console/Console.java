package io.farsync.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.common.ThreadJoin;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.Handler;
import io.javalin.http.NotFoundResponse;
import io.javalin.http.UnauthorizedResponse;
import io.javalin.http.staticfiles.Location;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console ({@code farsync console}): registers nodes and shows, through their
 * {@link NodeApi}s, their status, running sessions and history; operators stop sessions, admins
 * register nodes. The pages are static files ({@code src/main/resources/console}) that call the
 * JSON endpoints below; every endpoint but login needs a session cookie, every state-changing
 * one also the session's CSRF token in {@code X-CSRF-Token}, and the role checks happen here,
 * whatever the page shows.
 *
 * <pre>
 * POST   /api/login {name, password}      sets the session cookie; returns {name, role, csrf}
 * POST   /api/logout
 * GET    /api/me                          {name, role, csrf}
 * GET    /api/nodes                       registered nodes and their status
 * POST   /api/nodes {name, url, token}    admin
 * DELETE /api/nodes/{id}                  admin
 * GET    /api/running                     running sessions of every node
 * POST   /api/nodes/{id}/sessions/{sid}/stop   operator
 * GET    /api/history?node=&amp;q=&amp;status=&amp;user=&amp;from=&amp;to=&amp;limit=&amp;offset=
 * GET    /api/history.csv?(same filters)
 * GET    /api/nodes/{id}/sessions/{sid}   a session and its entries
 * /api/jobs...                          sync jobs between nodes: see {@link JobRoutes}
 * GET    /api/users                       admin: names and roles
 * PUT    /api/users/{name} {role}         admin: takes effect on the user's next request
 * DELETE /api/users/{name}                admin: ends the user's sessions
 * GET    /api/audit                       admin
 * </pre>
 * A session carries no role: every request reads the user's role from the database, so a
 * demotion or removal (here or with {@code farsync console --add-user/--remove-user} while the
 * console runs) counts from the next request. Logins go through a {@link LoginThrottle}.
 */
public final class Console implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Console.class);
    static final String COOKIE = "farsync_console";
    /** Checked against when the user does not exist, so a login takes as long either way. */
    private static final String DUMMY_HASH = Passwords.hash(Passwords.randomToken(16));
    private static final int CSV_ROWS = 10_000;

    /**
     * @param listen        where to serve HTTP (port 0: ephemeral)
     * @param database      the console's SQLite file (users, nodes, audit log)
     * @param secureCookies mark the session cookie {@code Secure} on every response, for a console
     *                      behind a TLS proxy (requests that arrive over HTTPS get it anyway)
     * @param throttle      limits on failed and concurrent logins
     */
    public record Settings(InetSocketAddress listen, Path database, Clock clock, boolean secureCookies, LoginThrottle throttle) {
        public Settings(InetSocketAddress listen, Path database, Clock clock) {
            this(listen, database, clock, false, LoginThrottle.defaults(clock));
        }

        public Settings withSecureCookies(boolean secure) {
            return new Settings(listen, database, clock, secure, throttle);
        }
    }

    /** How often the scheduler looks for due jobs (and, at start, for runs missed while the console was down). */
    static final java.time.Duration SCHEDULER_PERIOD = java.time.Duration.ofSeconds(15);

    private final Javalin app;
    private final ConsoleStore store;
    private final ExecutorService fanout;
    private final ConsoleJobs jobs;
    private final java.util.concurrent.ScheduledExecutorService scheduler;

    private Console(Javalin app, ConsoleStore store, ExecutorService fanout, ConsoleJobs jobs,
            java.util.concurrent.ScheduledExecutorService scheduler) {
        this.app = app;
        this.store = store;
        this.fanout = fanout;
        this.jobs = jobs;
        this.scheduler = scheduler;
    }

    /**
     * Creates or updates a user in the console database at {@code database} (the CLI's
     * {@code --add-user}); the change is in the audit log.
     */
    public static void addUser(Path database, String name, Role role, String password) {
        try (ConsoleStore store = ConsoleStore.open(database, Clock.systemUTC())) {
            store.putUser(name, role, password);
            store.audit("(command line)", "set user", name, "role " + role.label());
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage(), e);
        }
    }

    /**
     * Removes a user from the console database at {@code database} (the CLI's
     * {@code --remove-user}); a running console refuses their session from the next request on.
     */
    public static void removeUser(Path database, String name) {
        try (ConsoleStore store = ConsoleStore.open(database, Clock.systemUTC())) {
            if (!store.removeUser(name)) {
                throw new FarsyncException(ExitCode.USAGE, "no user " + name + " in " + database);
            }
            store.audit("(command line)", "remove user", name, null);
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage(), e);
        }
    }

    /**
     * Starts serving. On first start (no users yet) creates the user {@code admin} with a random
     * password and prints both to {@code out}, once.
     */
    public static Console start(Settings s, PrintStream out) {
        ConsoleStore store = ConsoleStore.open(s.database(), s.clock());
        if (!store.hasUsers()) {
            String password = Passwords.randomToken(12);
            store.putUser("admin", Role.ADMIN, password);
            store.audit("(first start)", "set user", "admin", "role admin, bootstrap password");
            out.println("farsync console: first start, created user admin with password " + password
                    + " (change it: farsync console --db " + s.database() + " --add-user admin --role admin)");
            out.flush();
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService fanout = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "farsync-console-node-" + threads.incrementAndGet());
            // asks nodes in parallel so one slow node does not add its timeout to every page
            t.setDaemon(true);
            return t;
        });
        ConsoleJobs jobs = new ConsoleJobs(store, s.clock());
        Routes routes = new Routes(store, new Logins(s.clock()), s.throttle(), fanout, s.secureCookies());
        JobRoutes jobRoutes = new JobRoutes(store, jobs);
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = s.listen().getHostString();
            config.jetty.port = s.listen().getPort();
            config.jsonMapper(Json.javalin());
            config.staticFiles.add("/console", Location.CLASSPATH);
            routes.install(config.routes);
            jobRoutes.install(config.routes);
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            store.close();
            fanout.shutdownNow();
            throw new FarsyncException(ExitCode.USAGE, "cannot serve the console on " + s.listen() + ": " + e.getMessage(), e);
        }
        log.info("console on http://{}:{}", s.listen().getHostString(), app.port());
        java.util.concurrent.ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "farsync-console-scheduler");
            // starts scheduled jobs; the first check, at once, catches runs missed while the console was down
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                jobs.runDue();
            } catch (RuntimeException e) {
                log.warn("scheduler: {}", e.toString(), e);
            }
        }, 0, SCHEDULER_PERIOD.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return new Console(app, store, fanout, jobs, scheduler);
    }

    public int port() {
        return app.port();
    }

    /** Starts the jobs that are due now (what the scheduler thread does every period); returns their names. */
    List<String> runDueJobs() {
        return jobs.runDue();
    }

    /**
     * Stops serving and scheduling, waits (up to 15 s) for a scheduler run or node call under way,
     * then closes the store: nothing writes into the console's database after this returns.
     */
    @Override
    public void close() {
        scheduler.shutdownNow();
        app.stop();
        fanout.shutdownNow();
        ThreadJoin.executors(Map.of("the console scheduler", scheduler, "the console's node calls", fanout), Duration.ofSeconds(15), log);
        store.close();
    }

    /** The endpoints; one instance per console. */
    private static final class Routes {
        private final ConsoleStore store;
        private final Logins logins;
        private final LoginThrottle throttle;
        private final ExecutorService fanout;
        private final boolean secureCookies;

        Routes(ConsoleStore store, Logins logins, LoginThrottle throttle, ExecutorService fanout, boolean secureCookies) {
            this.store = store;
            this.logins = logins;
            this.throttle = throttle;
            this.fanout = fanout;
            this.secureCookies = secureCookies;
        }

        void install(io.javalin.config.RoutesConfig r) {
            r.before(ctx -> {
                // no inline script anywhere: the pages run only the console's own files
                ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
                ctx.header("X-Content-Type-Options", "nosniff");
                ctx.header("Referrer-Policy", "no-referrer");
            });
            r.before("/api/*", this::authenticate);
            r.exception(IllegalArgumentException.class, (e, ctx) -> ctx.status(400).json(Map.of("error", String.valueOf(e.getMessage()))));
            r.exception(IllegalStateException.class, (e, ctx) -> ctx.status(409).json(Map.of("error", String.valueOf(e.getMessage()))));
            r.exception(NodeClient.NodeException.class, (e, ctx) -> ctx.status(e.status).json(Map.of("error", e.getMessage())));
            r.get("/", ctx -> ctx.redirect("/index.html"));
            r.post("/api/login", this::logIn);
            r.post("/api/logout", ctx -> {
                Access.Caller c = login(ctx);
                logins.remove(c.session().id());
                store.audit(c.user(), "logout", null, null);
                ctx.header("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secure(ctx));
                ctx.json(Map.of("ok", true));
            });
            r.get("/api/me", ctx -> ctx.json(me(login(ctx))));
            r.get("/api/nodes", this::nodes);
            r.post("/api/nodes", requires(Role.ADMIN, this::addNode));
            r.delete("/api/nodes/{id}", requires(Role.ADMIN, this::removeNode));
            r.get("/api/running", this::running);
            r.post("/api/nodes/{id}/sessions/{sid}/stop", requires(Role.OPERATOR, this::stop));
            r.get("/api/history", ctx -> ctx.json(history(ctx, NodeApi.intParam(ctx, "limit", 50), NodeApi.intParam(ctx, "offset", 0))));
            r.get("/api/history.csv", this::historyCsv);
            r.get("/api/nodes/{id}/sessions/{sid}", this::session);
            r.get("/api/users", requires(Role.ADMIN, ctx -> ctx.json(Map.of("items", store.users().stream()
                    .map(u -> Map.of("name", u.name(), "role", u.role().label())).toList()))));
            r.put("/api/users/{name}", requires(Role.ADMIN, this::setRole));
            r.delete("/api/users/{name}", requires(Role.ADMIN, this::removeUser));
            r.get("/api/audit", requires(Role.ADMIN, ctx -> ctx.json(Map.of("items", store.audit(NodeApi.intParam(ctx, "limit", 200))))));
        }

        /** Every /api request but login needs a live session; every state change its CSRF token. */
        private void authenticate(Context ctx) {
            String method = ctx.method().name();
            boolean safe = method.equals("GET") || method.equals("HEAD");
            if (ctx.path().equals("/api/login")) {
                // a cross-site form cannot send JSON without a preflight we never grant: no login CSRF
                if (!String.valueOf(ctx.contentType()).startsWith("application/json")) {
                    throw new ForbiddenResponse("login needs a JSON body");
                }
                return;
            }
            Logins.Login l = logins.find(ctx.cookie(COOKIE)).orElseThrow(() -> new UnauthorizedResponse("not logged in"));
            // the role and the account as they are now, not as they were at login
            ConsoleStore.User user = store.user(l.user()).orElse(null);
            if (user == null || !user.passwordHash().equals(l.passwordHash())) {
                logins.removeUser(l.user());
                throw new UnauthorizedResponse(user == null ? "user " + l.user() + " no longer exists" : "the password was changed: log in again");
            }
            if (!safe && !l.csrfMatches(ctx.header("X-CSRF-Token"))) {
                store.audit(l.user(), "refused", ctx.method().name() + " " + ctx.path(), "missing or wrong CSRF token");
                throw new ForbiddenResponse("missing or wrong CSRF token");
            }
            Access.set(ctx, new Access.Caller(user.name(), user.role(), l));
        }

        private Handler requires(Role role, Handler h) {
            return Access.requires(store, role, h);
        }

        private static Access.Caller login(Context ctx) {
            return Access.caller(ctx);
        }

        /** The cookie attribute that keeps it off plain HTTP: always with --secure-cookies, else when this request is HTTPS. */
        private String secure(Context ctx) {
            return secureCookies || "https".equals(ctx.scheme()) ? "; Secure" : "";
        }

        private static Map<String, Object> me(Access.Caller c) {
            return Map.of("name", c.user(), "role", c.role().label(), "csrf", c.session().csrf());
        }

        private void logIn(Context ctx) throws Exception {
            JsonNode body = Json.MAPPER.readTree(ctx.body());
            String name = body.path("name").asText("");
            String password = body.path("password").asText("");
            ConsoleStore.User user = store.user(name).orElse(null);
            LoginThrottle.Outcome o = throttle.attempt(name, ctx.ip(),
                    () -> Passwords.verify(password, user == null ? DUMMY_HASH : user.passwordHash()) && user != null);
            switch (o.verdict()) {
                case LOCKED, BUSY -> {
                    long seconds = Math.max(1, (o.retryAfter().toMillis() + 999) / 1000);
                    if (o.verdict() == LoginThrottle.Verdict.LOCKED) {
                        store.audit(name, "login locked out", null, "from " + ctx.ip() + ", retry in " + seconds + " s");
                    }
                    ctx.header("Retry-After", Long.toString(seconds));
                    ctx.status(o.verdict() == LoginThrottle.Verdict.LOCKED ? 429 : 503).json(Map.of("error",
                            o.verdict() == LoginThrottle.Verdict.LOCKED ? "too many failed logins: try again in " + seconds + " s"
                                    : "too many logins at once: try again"));
                    return;
                }
                case WRONG -> {
                    store.audit(name, "login failed", null, "from " + ctx.ip());
                    throw new UnauthorizedResponse("wrong user name or password");
                }
                case OK -> {
                }
            }
            Logins.Login l = logins.create(user.name(), user.passwordHash());
            store.audit(user.name(), "login", null, "from " + ctx.ip());
            ctx.header("Set-Cookie", COOKIE + "=" + l.id() + "; Path=/; HttpOnly; SameSite=Strict" + secure(ctx));
            ctx.json(me(new Access.Caller(user.name(), user.role(), l)));
        }

        private void setRole(Context ctx) throws Exception {
            String name = ctx.pathParam("name");
            Role role = Role.parse(Json.MAPPER.readTree(ctx.body()).path("role").asText(""));
            store.setRole(name, role);
            store.audit(login(ctx).user(), "set role", name, "role " + role.label());
            ctx.json(Map.of("name", name, "role", role.label()));
        }

        private void removeUser(Context ctx) {
            String name = ctx.pathParam("name");
            if (!store.removeUser(name)) {
                throw new NotFoundResponse("no user " + name);
            }
            logins.removeUser(name);
            store.audit(login(ctx).user(), "remove user", name, null);
            ctx.json(Map.of("removed", name));
        }

        private void nodes(Context ctx) {
            List<CompletableFuture<Map<String, Object>>> all = new ArrayList<>();
            for (ConsoleStore.Node n : store.nodes()) {
                all.add(CompletableFuture.supplyAsync(() -> {
                    Map<String, Object> m = nodeView(n);
                    try {
                        m.put("status", new NodeClient(n).get("/api/status"));
                    } catch (NodeClient.NodeException e) {
                        m.put("error", e.getMessage());
                    }
                    return m;
                }, fanout));
            }
            ctx.json(Map.of("items", all.stream().map(CompletableFuture::join).toList()));
        }

        private static Map<String, Object> nodeView(ConsoleStore.Node n) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", n.id());
            m.put("name", n.name());
            m.put("url", n.url());
            return m;
        }

        private void addNode(Context ctx) throws Exception {
            JsonNode body = Json.MAPPER.readTree(ctx.body());
            String name = body.path("name").asText("").strip();
            String url = body.path("url").asText("").strip();
            String token = body.path("token").asText("").strip();
            if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("node name (" + name + ") must be 1-64 letters, digits or . _ -");
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node URL (" + url + ") is not a URL");
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("node URL (" + url + ") must be http://HOST:PORT or https://HOST:PORT");
            }
            if (token.isEmpty()) {
                throw new IllegalArgumentException("the node's API token is missing");
            }
            ConsoleStore.Node n = store.addNode(name, url, token);
            store.audit(login(ctx).user(), "register node", name, url);
            ctx.status(201).json(nodeView(n));
        }

        private void removeNode(Context ctx) {
            ConsoleStore.Node n = node(ctx);
            store.removeNode(n.id());
            store.audit(login(ctx).user(), "remove node", n.name(), n.url());
            ctx.json(Map.of("removed", n.id()));
        }

        private void running(Context ctx) {
            List<Object> items = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (Map.Entry<ConsoleStore.Node, JsonNode> e : askAll("/api/sessions?running=true", errors).entrySet()) {
                e.getValue().path("items").forEach(s -> items.add(tag(s, e.getKey())));
            }
            ctx.json(Map.of("items", items, "errors", errors));
        }

        private void stop(Context ctx) {
            ConsoleStore.Node n = node(ctx);
            long sid = longParam(ctx, "sid");
            String who = login(ctx).user();
            new NodeClient(n).post("/api/sessions/" + sid + "/stop", Map.of("reason", "stopped by " + who + " from the console"));
            store.audit(who, "stop session", n.name() + " #" + sid, null);
            ctx.json(Map.of("stopping", sid));
        }

        private void session(Context ctx) {
            ConsoleStore.Node n = node(ctx);
            long sid = longParam(ctx, "sid");
            NodeClient client = new NodeClient(n);
            JsonNode session = tag(client.get("/api/sessions/" + sid), n);
            JsonNode files = client.get("/api/sessions/" + sid + "/files?limit=" + NodeApi.intParam(ctx, "limit", 1000)
                    + "&offset=" + NodeApi.intParam(ctx, "offset", 0));
            ctx.json(Map.of("session", session, "files", files));
        }

        /**
         * History of one node ({@code node=ID}) or of all, merged newest first: each node is
         * asked for its first offset+limit sessions, which holds the merged page.
         */
        private Map<String, Object> history(Context ctx, int limit, int offset) {
            if (limit < 1 || offset < 0 || (long) limit + offset > 10_000) {
                throw new IllegalArgumentException("limit (" + limit + ") and offset (" + offset + ") must be positive and add up to 10000 at most");
            }
            StringBuilder q = new StringBuilder("/api/sessions?limit=" + (limit + offset) + "&offset=0");
            for (String p : List.of("q", "status", "user", "from", "to")) {
                String v = ctx.queryParam(p);
                if (v != null && !v.isEmpty()) {
                    q.append('&').append(p).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
                }
            }
            String nodeParam = ctx.queryParam("node");
            List<ConsoleStore.Node> nodes = nodeParam == null || nodeParam.isEmpty() ? store.nodes()
                    : List.of(store.node(parseLong(nodeParam, "node")).orElseThrow(() -> new NotFoundResponse("no node " + nodeParam)));
            List<String> errors = new ArrayList<>();
            List<JsonNode> items = new ArrayList<>();
            long total = 0;
            for (Map.Entry<ConsoleStore.Node, JsonNode> e : ask(nodes, q.toString(), errors).entrySet()) {
                total += e.getValue().path("total").asLong();
                e.getValue().path("items").forEach(s -> items.add(tag(s, e.getKey())));
            }
            items.sort(Comparator.comparing((JsonNode s) -> Instant.parse(s.path("startedAt").asText())).reversed());
            List<JsonNode> page = items.subList(Math.min(offset, items.size()), Math.min(offset + limit, items.size()));
            return Map.of("items", page, "total", total, "limit", limit, "offset", offset, "errors", errors);
        }

        private void historyCsv(Context ctx) {
            @SuppressWarnings("unchecked")
            List<JsonNode> items = (List<JsonNode>) history(ctx, CSV_ROWS, 0).get("items");
            StringBuilder csv = new StringBuilder(Csv.row(List.of("node", "id", "started_at", "ended_at", "user", "peer", "direction",
                    "path", "status", "files", "bytes", "deleted", "errors", "error")));
            for (JsonNode s : items) {
                List<String> cells = new ArrayList<>();
                for (String f : List.of("node", "id", "startedAt", "endedAt", "user", "peer", "direction", "path", "status", "files",
                        "bytes", "deleted", "errors", "error")) {
                    cells.add(s.path(f).isNull() || s.path(f).isMissingNode() ? "" : s.path(f).asText());
                }
                csv.append(Csv.row(cells));
            }
            ctx.header("Content-Disposition", "attachment; filename=\"farsync-history.csv\"");
            ctx.contentType("text/csv; charset=utf-8").result(csv.toString());
        }

        private Map<ConsoleStore.Node, JsonNode> askAll(String pathAndQuery, List<String> errors) {
            return ask(store.nodes(), pathAndQuery, errors);
        }

        /** Asks every node in parallel; a node that fails adds a line to {@code errors}. */
        private Map<ConsoleStore.Node, JsonNode> ask(List<ConsoleStore.Node> nodes, String pathAndQuery, List<String> errors) {
            Map<ConsoleStore.Node, CompletableFuture<JsonNode>> pending = new LinkedHashMap<>();
            for (ConsoleStore.Node n : nodes) {
                pending.put(n, CompletableFuture.supplyAsync(() -> new NodeClient(n).get(pathAndQuery), fanout));
            }
            Map<ConsoleStore.Node, JsonNode> out = new LinkedHashMap<>();
            pending.forEach((n, f) -> {
                try {
                    out.put(n, f.join());
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof NodeClient.NodeException ne && ne.status == 400) {
                        throw new IllegalArgumentException(ne.getMessage());
                    }
                    errors.add(e.getCause() == null ? e.toString() : e.getCause().getMessage());
                }
            });
            return out;
        }

        private static JsonNode tag(JsonNode session, ConsoleStore.Node n) {
            ObjectNode o = ((ObjectNode) session).deepCopy();
            o.put("node", n.name());
            o.put("nodeId", n.id());
            return o;
        }

        private ConsoleStore.Node node(Context ctx) {
            long id = longParam(ctx, "id");
            return store.node(id).orElseThrow(() -> new NotFoundResponse("no node " + id));
        }

        private static long longParam(Context ctx, String name) {
            return parseLong(ctx.pathParam(name), name);
        }

        private static long parseLong(String v, String name) {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " (" + v + ") must be a number");
            }
        }
    }
}
