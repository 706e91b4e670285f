package io.farsync.cli;

import java.nio.file.Path;

/**
 * A SRC or DST argument: a local path, or {@code [user@]host:path} as rsync spells it. A colon
 * makes it remote only when it comes before any slash, so {@code ./a:b} and {@code /x:y} stay local.
 */
sealed interface Location {

    /** A local path; {@code shown} is how the user wrote it (relative to the agent's client, say), for messages. */
    record Local(Path path, String shown) implements Location {
        Local(Path path) {
            this(path, path.toString());
        }

        @Override
        public String toString() {
            return shown;
        }
    }

    record Remote(String user, String host, String path) implements Location {
        @Override
        public String toString() {
            return (user == null ? "" : user + "@") + host + ":" + path;
        }
    }

    static Location parse(String arg) {
        return parse(arg, null);
    }

    /** As {@link #parse(String)}, a relative local path taken as relative to {@code cwd} (null: this JVM's). */
    static Location parse(String arg, Path cwd) {
        int colon = arg.indexOf(':');
        int slash = arg.indexOf('/');
        if (colon <= 0 || (slash >= 0 && slash < colon)) {
            return cwd == null ? new Local(Path.of(arg)) : new Local(cwd.resolve(arg), arg);
        }
        String hostPart = arg.substring(0, colon);
        String path = arg.substring(colon + 1);
        String user = null;
        int at = hostPart.lastIndexOf('@');
        if (at >= 0) {
            user = hostPart.substring(0, at);
            hostPart = hostPart.substring(at + 1);
        }
        if (hostPart.startsWith("[") && hostPart.endsWith("]")) {
            hostPart = hostPart.substring(1, hostPart.length() - 1);
        }
        if (hostPart.isEmpty() || (user != null && user.isEmpty())) {
            throw new IllegalArgumentException("malformed remote location '" + arg + "': expected [user@]host:path");
        }
        return new Remote(user, hostPart, path.isEmpty() ? "." : path);
    }
}
