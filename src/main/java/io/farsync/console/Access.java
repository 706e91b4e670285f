package io.farsync.console;

import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.Handler;
import io.javalin.http.UnauthorizedResponse;

/**
 * Who is asking, and whether they may: the console's role checks, shared by every group of
 * endpoints. {@link Console}'s authentication puts a {@link Caller} on each request after reading
 * the user's current role from the database, so a demotion counts from the next request on.
 */
final class Access {
    private static final String ATTRIBUTE = "farsync.caller";

    /** The logged-in user of a request, with their role as the database has it now. */
    record Caller(String user, Role role, Logins.Login session) {
    }

    private Access() {
    }

    static void set(Context ctx, Caller caller) {
        ctx.attribute(ATTRIBUTE, caller);
    }

    static Caller caller(Context ctx) {
        Caller c = ctx.attribute(ATTRIBUTE);
        if (c == null) {
            throw new UnauthorizedResponse("not logged in");
        }
        return c;
    }

    /** {@code h}, for callers with at least {@code role}; others get a 403 and an audit entry. */
    static Handler requires(ConsoleStore store, Role role, Handler h) {
        return ctx -> {
            Caller c = caller(ctx);
            if (!c.role().atLeast(role)) {
                store.audit(c.user(), "refused", ctx.method().name() + " " + ctx.path(), "needs role " + role.label());
                throw new ForbiddenResponse("this needs the " + role.label() + " role; " + c.user() + " is " + c.role().label());
            }
            h.handle(ctx);
        };
    }
}
